//! 出入证 The passes page: a pass holder's way in (the second half kept at the gate) and out.

use axum::extract::{Extension, Form, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use chrono_tz::Tz;
use maud::{Markup, html};

use super::common::{
    Fields, Notice, bad, desk_event, desk_links, frame, local_now, refusal, see, when,
};
use crate::domain::limits;
use crate::domain::{Direction, EventKind, PassOutcome, Post};
use crate::rules::passes;
use crate::store::{PassHalf, PassRecord};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub(super) async fn passes_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let n = q.text("n");
    let notice = match q.text("done") {
        "in" => Notice::Done(html! {
            p.big { "可以进入" }
            p { "已登记出入证 " strong { (n) } " 进入：副证留在门岗保管。请通知巡逻岗、中控岗。" }
            small { "(Checked in: keep the second half at the gate; tell the patrol post and central control.)" }
        }),
        "out" => Notice::Done(html! {
            p.big { "已登记离开" }
            p { "出入证 " strong { (n) } " 的副证已交还持证人，离开已登记。" }
            small { "(Checked out: the second half is handed back.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_passes(&user, &s, notice, "").await?.into_response())
}

async fn render_passes(
    user: &Authed,
    s: &AppState,
    notice: Notice,
    number: &str,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let held = blocking(move || Ok(store.passes_at_gate()?)).await?;
    let today = local_now(s).date();
    let body = html! {
        (notice.show())
        p {
            "持证人进入：查验正副两张出入证，副证留门岗，登记；离开时交还副证并登记。"
            small { " (Check both halves on the way in and keep the second half; hand it back on the way out.)" }
        }
        section {
            h2 { "持证人进入 Check in" }
            form.card-form method="post" action="/passes/check-in" {
                (page::csrf_field(user))
                label { "出入证号 Pass number" input maxlength=(crate::domain::limits::NUMBER.max) type="text" name="number" value=(number) placeholder="例如 ZX-0123" autocomplete="off"; }
                label.check { input type="checkbox" name="first" value="1"; "持证人出示了正证 (first half shown)" }
                label.check { input type="checkbox" name="second" value="1"; "副证已交门岗保管 (second half handed in)" }
                button.ok type="submit" { "登记进入 Check in" }
            }
        }
        section {
            h2 { "持证人离开 Check out" }
            form.card-form method="post" action="/passes/check-out" {
                (page::csrf_field(user))
                label { "出入证号 Pass number" input maxlength=(crate::domain::limits::NUMBER.max) type="text" name="number" value=(number) placeholder="例如 ZX-0123" autocomplete="off"; }
                button type="submit" { "登记离开，交还副证 Check out" }
            }
        }
        section {
            h2 { "副证在门岗的出入证 Passes held at the gate (" (held.len()) ")" }
            (held_table(user, &held, s.tz, today))
        }
        (desk_links())
    };
    Ok(frame(user, "出入证 Passes", body))
}

fn held_table(user: &Authed, held: &[PassRecord], tz: Tz, today: NaiveDate) -> Markup {
    html! {
        @if held.is_empty() {
            p.meta { "门岗没有保管副证，持证人都不在小区内 (no second halves held)" }
        } @else {
            table.stack {
                tr { th { "证号" } th { "持证人" } th { "事由" } th { "发证" } th {} }
                @for p in held {
                    tr {
                        td data-label="证号" { strong { (p.number) } }
                        td.name data-label="持证人" { (p.holder.as_deref().unwrap_or("—")) }
                        td data-label="事由" { (p.purpose.zh()) }
                        td data-label="发证" { (when(p.issued, tz, today)) }
                        td.act {
                            form.inline method="post" action="/passes/check-out" {
                                (page::csrf_field(user))
                                input type="hidden" name="number" value=(p.number);
                                button type="submit" { "登记离开 Check out" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn no_such_pass(number: &str) -> String {
    format!(
        "没有出入证号 {number}：请核对证上的号码；确实没有的，请持证人到管理处办理出入证 (no pass {number})"
    )
}

fn pass_refused(what: &str, why: &str) -> String {
    format!("不能登记{what}：{why}")
}

/// The pass with the number the guard typed, or what to tell them.
fn find_pass(store: &crate::store::Store, n: &str) -> Result<PassRecord, WebError> {
    if n.is_empty() {
        return Err(WebError::BadInput(
            "请填写出入证号 (write the pass number)".into(),
        ));
    }
    if n.chars().count() > limits::NUMBER.max {
        return Err(WebError::BadInput(no_such_pass(n)));
    }
    store
        .pass(n)?
        .ok_or_else(|| WebError::BadInput(no_such_pass(n)))
}

/// After a check in or out: back to the passes page saying it was done, or the page again
/// with what was refused.
pub(super) async fn pass_reply(
    user: &Authed,
    s: &AppState,
    done: Result<String, WebError>,
    number: &str,
    way: &str,
) -> Result<Response, WebError> {
    match done {
        Ok(n) => see("/passes", &[("done", way), ("n", &n)]),
        Err(e) => {
            let problem = refusal(e)?;
            Ok(bad(render_passes(
                user,
                s,
                Notice::Problem(problem),
                number,
            )
            .await?))
        }
    }
}

pub(super) async fn pass_in(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let number = f.text("number").to_owned();
    let (first, second) = (f.ticked("first"), f.ticked("second"));
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let ev = desk_event(&s, now, EventKind::Registration);
    let n = number.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    let done = blocking(move || {
        let pass = find_pass(&store, &n)?;
        let (outcome, _) = passes::check_in(
            pass.state_at(now),
            first && pass.first_half != PassHalf::Lost,
            second && pass.second_half != PassHalf::Lost,
        );
        if let PassOutcome::Refused(why) = outcome {
            return Err(WebError::BadInput(pass_refused("进入", why)));
        }
        store.pass_check_in(&actor, &pass.number, now, passes::check_in)?;
        let mut e = ev;
        e.direction = Some(Direction::In);
        e.decision = format!(
            "出入证 {} 进入登记（{}，{}），副证留门岗",
            pass.number,
            pass.holder.as_deref().unwrap_or("持证人"),
            pass.purpose.zh()
        );
        e.notified = vec![Post::Patrol, Post::CentralControl];
        crate::web::hub::record_event(&store, &hub, tz, &by, e)?;
        Ok(pass.number)
    })
    .await;
    pass_reply(&user, &s, done, &number, "in").await
}

pub(super) async fn pass_out(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let number = f.text("number").to_owned();
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let ev = desk_event(&s, now, EventKind::Registration);
    let n = number.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    let done = blocking(move || {
        let pass = find_pass(&store, &n)?;
        if let (PassOutcome::Refused(why), _) = passes::check_out(pass.state_at(now)) {
            return Err(WebError::BadInput(pass_refused("离开", why)));
        }
        store.pass_check_out(&actor, &pass.number, now, passes::check_out)?;
        let mut e = ev;
        e.direction = Some(Direction::Out);
        e.decision = format!(
            "出入证 {} 离开登记（{}），副证已交还",
            pass.number,
            pass.holder.as_deref().unwrap_or("持证人")
        );
        crate::web::hub::record_event(&store, &hub, tz, &by, e)?;
        Ok(pass.number)
    })
    .await;
    pass_reply(&user, &s, done, &number, "out").await
}
