//! 出入证: the issued passes, where their halves are, until when they are valid; issuing one
//! (with its purpose and expiry) and revoking one. A revoked or expired pass is refused at the
//! gate's check-in (`rules::passes`).

use axum::extract::{Extension, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{choice, done, filled, local, today};
use crate::app::when::parse_until;
use crate::domain::{PassPurpose, PersonClass};
use crate::store::{NewPass, PassHalf, PassRecord, StoreError};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/passes", get(passes).post(issue_pass))
        .route("/manage/passes/revoke", post(revoke))
        .route("/manage/passes/expiry", post(change_expiry))
}

async fn passes(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    passes_page(&user, &s, None).await
}

fn half(h: PassHalf) -> &'static str {
    match h {
        PassHalf::WithHolder => "持证人带着",
        PassHalf::AtGate => "在门岗",
        PassHalf::Lost => "已挂失",
    }
}

/// Where the pass stands at `now`, in the manager's words.
fn status(p: &PassRecord, now: DateTime<Utc>) -> &'static str {
    if p.revoked.is_some() {
        "已注销：门岗拒绝使用"
    } else if p.expired_at(now) {
        "已过期：门岗拒绝使用"
    } else if p.first_half == PassHalf::Lost || p.second_half == PassHalf::Lost {
        "有一联已挂失，不能使用"
    } else if p.at_gate {
        "在小区内（副证在门岗）"
    } else {
        "不在小区内"
    }
}

async fn passes_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let (passes, people) = blocking(move || Ok((store.all_passes()?, store.people()?))).await?;
    let mut holders: Vec<_> = people.iter().collect();
    // pass holders first, then the others, by name
    holders.sort_by_key(|p| (p.class != PersonClass::PassHolder, p.name.clone()));
    let now = s.clock.now();
    Ok(page::layout(
        user,
        "出入证",
        html! {
            @if let Some(m) = message { (m) }
            p.meta { "持证人员进门时查验正副两联，副证留在门岗并登记；出门时交还副证并登记。已注销或已过期的出入证，门岗登记进入时会被拒绝。" }
            table.records #passes {
                thead { tr { th { "编号" } th { "持证人" } th { "事由" } th { "发证" } th { "有效期至" } th { "正证" } th { "副证" } th { "状态" } th { "最近交还" } th { "操作" } } }
                tbody {
                    @for p in &passes {
                        tr data-number=(p.number) {
                            td.number { (p.number) }
                            td.name data-label="持证人" { @if let Some(id) = p.holder_person_id {
                                a href=(format!("/manage/people/{id}")) { (p.holder.as_deref().unwrap_or("")) } } }
                            td.short data-label="事由" { (p.purpose.zh()) }
                            td.time data-label="发证" { (local(s, p.issued)) }
                            td.time data-label="有效期至" { (p.expires.map(|t| local(s, t)).unwrap_or_else(|| "长期".into())) }
                            td.short data-label="正证" { (half(p.first_half)) }
                            td.short data-label="副证" { (half(p.second_half)) }
                            td.status data-label="状态" { (status(p, now)) }
                            td.time data-label="最近交还" { (p.returned.map(|t| local(s, t)).unwrap_or_default()) }
                            td.short data-label="操作" {
                                @if p.revoked.is_none() {
                                    form.inline.expiry method="post" action="/manage/passes/expiry" {
                                        (page::csrf_field(user))
                                        input type="hidden" name="number" value=(p.number);
                                        input name="expires" size="10" aria-label="新的有效期" placeholder="2026-12-31";
                                        button type="submit" { "改有效期" }
                                    }
                                    " "
                                    form.inline method="post" action="/manage/passes/revoke" {
                                        (page::csrf_field(user))
                                        input type="hidden" name="number" value=(p.number);
                                        button.no type="submit" { "注销" }
                                    }
                                } @else {
                                    span.meta { "注销于 " (p.revoked.map(|t| local(s, t)).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                    @if passes.is_empty() { tr { td colspan="10" { "还没有发过出入证。" } } }
                }
            }
            h2 { "发放出入证" }
            form.form-row method="post" action="/manage/passes" {
                (page::csrf_field(user))
                label { "编号（正副两联上的号码）" input maxlength=(crate::domain::limits::NUMBER.max) name="number" placeholder="ZX-0123" required; }
                label { "持证人"
                    select name="holder" {
                        option value="" { "（未录入的人员）" }
                        @for p in &holders {
                            option value=(p.id) { (p.name) "（" (p.class.zh()) @if let Some(h) = &p.household { "，" (h) } "）" }
                        }
                    }
                }
                label { "事由"
                    select name="purpose" required {
                        @for v in PassPurpose::ALL {
                            option value=(v.key()) selected[*v == PassPurpose::Renovation] { (v.zh()) }
                        }
                    }
                }
                label { "有效期至（日期，或日期和时间；不填为长期）"
                    input name="expires" placeholder=(format!("例如 {} 或 {} 18:00", today(s), today(s))); }
                button.ok type="submit" { "发放" }
            }
        },
    ))
}

/// The expiry a manager typed (a date: through that day; a date and time: that instant), or
/// `None` when left empty (open-ended).
fn expiry(s: &AppState, typed: &Option<String>) -> Result<Option<DateTime<Utc>>, WebError> {
    filled(typed)
        .map(|t| {
            parse_until(&t, today(s), s.tz).map_err(|e| {
                WebError::BadInput(format!(
                    "有效期“{t}”看不懂：请写成 2026-12-31（到当天结束）或 2026-12-31 18:00 ({e})"
                ))
            })
        })
        .transpose()
}

#[derive(Deserialize)]
struct IssueForm {
    number: Option<String>,
    holder: Option<String>,
    purpose: Option<String>,
    expires: Option<String>,
}

async fn issue_pass(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<IssueForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let number = filled(&f.number).ok_or_else(|| {
        WebError::BadInput("请填写出入证编号，例如 ZX-0123 (the pass number is needed)".into())
    })?;
    let purpose: PassPurpose = choice("事由", &f.purpose)?.ok_or_else(|| {
        WebError::BadInput("请选择事由，例如 装修施工 (choose the purpose)".into())
    })?;
    let holder = filled(&f.holder)
        .map(|h| {
            h.parse::<i64>().map_err(|_| {
                WebError::BadInput("请从列表中选择持证人 (choose the holder from the list)".into())
            })
        })
        .transpose()?;
    let issued = s.clock.now();
    let expires = expiry(&s, &f.expires)?;
    if let Some(e) = expires
        && e <= issued
    {
        return Err(WebError::BadInput(format!(
            "有效期 {} 已经过去，请填写以后的日期 (the expiry is in the past)",
            local(&s, e)
        )));
    }
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let n = number.clone();
    let name = blocking(move || {
        if store.pass(&n)?.is_some() {
            return Err(WebError::BadInput(format!(
                "编号 {n} 的出入证已经发过，请换一个编号 (the number is taken)"
            )));
        }
        let name = match holder {
            Some(id) => Some(
                store
                    .person(id)?
                    .ok_or_else(|| {
                        WebError::BadInput(
                            "所选的持证人已不在名单中，请刷新页面后重选 (the holder is gone)"
                                .into(),
                        )
                    })?
                    .name,
            ),
            None => None,
        };
        match store.issue_pass(
            &actor,
            NewPass {
                number: n.clone(),
                holder_person_id: holder,
                purpose,
                issued,
                expires,
            },
        ) {
            Err(StoreError::Constraint { .. }) => Err(WebError::BadInput(format!(
                "编号 {n} 的出入证已经发过，请换一个编号 (the number is taken)"
            ))),
            r => r.map(|_| name).map_err(WebError::from),
        }
    })
    .await?;
    let until = expires
        .map(|e| format!("，有效期至 {}", local(&s, e)))
        .unwrap_or_default();
    let message = match name {
        Some(name) => format!("已发放出入证 {number}（{}）给{name}{until}。", purpose.zh()),
        None => format!("已发放出入证 {number}（{}）{until}。", purpose.zh()),
    };
    passes_page(&user, &s, Some(done(&message))).await
}

#[derive(Deserialize)]
struct RevokeForm {
    number: Option<String>,
}

async fn revoke(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<RevokeForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let number = filled(&f.number).ok_or_else(|| {
        WebError::BadInput("请选择要注销的出入证 (choose the pass to revoke)".into())
    })?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let now = s.clock.now();
    let n = number.clone();
    let pass = blocking(move || match store.revoke_pass(&actor, &n, now) {
        Err(StoreError::NotFound { .. }) => Err(WebError::BadInput(format!(
            "没有编号为 {n} 的出入证，请刷新页面后重试 (no pass {n})"
        ))),
        r => Ok(r?),
    })
    .await?;
    let inside = if pass.at_gate {
        "持证人现在在小区内：离开时照常交还副证。"
    } else {
        ""
    };
    let message = format!("已注销出入证 {number}，门岗登记进入时将拒绝使用。{inside}");
    passes_page(&user, &s, Some(done(&message))).await
}

#[derive(Deserialize)]
struct ExpiryForm {
    number: Option<String>,
    expires: Option<String>,
}

/// A pass's expiry moved (a renovation that runs longer), or made open-ended (left empty).
async fn change_expiry(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<ExpiryForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let number = filled(&f.number)
        .ok_or_else(|| WebError::BadInput("请选择要修改的出入证 (choose the pass)".into()))?;
    let expires = expiry(&s, &f.expires)?;
    if let Some(e) = expires
        && e <= s.clock.now()
    {
        return Err(WebError::BadInput(format!(
            "有效期 {} 已经过去，请填写以后的日期；要停用请点“注销” (the expiry is in the past)",
            local(&s, e)
        )));
    }
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let n = number.clone();
    blocking(move || match store.set_pass_expiry(&actor, &n, expires) {
        Err(StoreError::NotFound { .. }) => Err(WebError::BadInput(format!(
            "没有编号为 {n} 的出入证，请刷新页面后重试 (no pass {n})"
        ))),
        r => Ok(r?),
    })
    .await?;
    let until = expires.map_or_else(
        || "长期有效".to_owned(),
        |e| format!("有效至 {}", local(&s, e)),
    );
    let message = format!("出入证 {number} 已改为{until}。");
    passes_page(&user, &s, Some(done(&message))).await
}
