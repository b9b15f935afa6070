//! 门岗电脑: the gate PCs paired as guard screens. A manager pairs the browser they are using
//! (at the gate PC itself), or makes a one-time code to type at another PC; unpairs a screen
//! that is replaced, lost or stolen. The screen's side is `web::kiosk`.

use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::Duration;
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{done, filled, local};
use crate::store::KioskPairing;
use crate::web::auth::{Authed, random_password, random_token, token_hash};
use crate::web::error::WebError;
use crate::web::kiosk::{self, CODE_LEN, PAIR_PAGE};
use crate::web::page;
use crate::web::state::{AppState, blocking};

/// How long a pairing code can be typed.
const CODE_MINUTES: i64 = 15;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/kiosks", get(kiosks).post(add))
        .route("/manage/kiosks/revoke", post(revoke))
}

async fn kiosks(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    kiosks_page(&user, &s, None).await
}

async fn kiosks_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let all = blocking(move || Ok(store.kiosks()?)).await?;
    let now = s.clock.now();
    let state = |k: &crate::store::Kiosk| -> String {
        if let Some(t) = k.revoked {
            format!("已取消配对（{}）", local(s, t))
        } else if k.paired.is_none() {
            match k.code_expires {
                Some(t) if t > now => format!("等待输入配对码（{} 前有效）", local(s, t)),
                _ => "配对码已过期，未配对".into(),
            }
        } else {
            match k.last_seen {
                Some(t) if now - t < Duration::minutes(15) => "在用".into(),
                Some(t) => format!("最近在用 {}", local(s, t)),
                None => "已配对，还没打开过".into(),
            }
        }
    };
    Ok(page::layout(
        user,
        "门岗电脑",
        html! {
            @if let Some(m) = message { (m) }
            p.meta { "配对后，门岗电脑开机打开浏览器即显示门岗屏，不用输入密码；它只能显示门岗屏，不能打开记录、报表和资料。在门岗屏上确认、登记的记录写在这台电脑的名字下。电脑更换、丢失时，请在这里取消配对。" }
            table.records #kiosks {
                thead { tr { th { "名称" } th { "配对人" } th { "配对时间" } th { "状态" } th { "操作" } } }
                tbody {
                    @for k in &all {
                        tr {
                            td.name { (k.name) }
                            td.short data-label="配对人" { (k.paired_by) }
                            td.time data-label="配对时间" { (local(s, k.paired.unwrap_or(k.created))) }
                            td.status data-label="状态" { (state(k)) }
                            td.short data-label="操作" {
                                @if k.revoked.is_none() {
                                    form.inline method="post" action="/manage/kiosks/revoke" {
                                        (page::csrf_field(user))
                                        input type="hidden" name="id" value=(k.id);
                                        button.no type="submit" { "取消配对" }
                                    }
                                }
                            }
                        }
                    }
                    @if all.is_empty() { tr { td colspan="5" { "还没有配对门岗电脑。" } } }
                }
            }
            h2 { "配对门岗电脑" }
            form.form-row method="post" action="/manage/kiosks" {
                (page::csrf_field(user))
                label { "名称（写进记录，例如 大门岗亭屏幕）" input maxlength=(crate::domain::limits::SCREEN.max) name="name" required placeholder="大门岗亭屏幕"; }
                button.ok type="submit" name="how" value="here" { "就是这台电脑：配对并打开门岗屏" }
                button type="submit" name="how" value="code" { "另一台电脑：生成配对码" }
            }
            p.meta { "在门岗电脑上登录后点“就是这台电脑”：本账号在这台电脑上退出，门岗屏打开。或者生成配对码，在门岗电脑上打开 " code { (PAIR_PAGE) } "（登录页下方“门岗电脑配对”）输入，" (CODE_MINUTES) " 分钟内有效，只能用一次。" }
        },
    ))
}

#[derive(Deserialize)]
struct AddForm {
    name: Option<String>,
    how: Option<String>,
}

async fn add(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    jar: CookieJar,
    Form(f): Form<AddForm>,
) -> Result<Response, WebError> {
    user.may_manage()?;
    let name = filled(&f.name).ok_or_else(|| {
        WebError::BadInput("请给这台门岗电脑起个名字，例如 大门岗亭屏幕 (name the screen)".into())
    })?;
    let here = match f.how.as_deref() {
        Some("here") => true,
        Some("code") => false,
        _ => {
            return Err(WebError::BadInput(
                "请选择配对这台电脑，还是生成配对码 (choose how to pair)".into(),
            ));
        }
    };
    let (secret, pairing) = if here {
        let token = random_token();
        let token_hash = token_hash(&token);
        (token, KioskPairing::Here { token_hash })
    } else {
        let code: String = random_password().chars().take(CODE_LEN).collect();
        let expires = s.clock.now() + Duration::minutes(CODE_MINUTES);
        let code_hash = token_hash(&code);
        (code, KioskPairing::Code { code_hash, expires })
    };
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let screen = name.clone();
    blocking(move || Ok(store.add_kiosk(&actor, &screen, pairing, random_token())?)).await?;
    if here {
        tracing::info!(name = %name, by = %user.user.name, "this browser was paired as the gate screen");
        let jar = kiosk::with_screen(&s, jar, secret).await?;
        return Ok((jar, Redirect::to("/")).into_response());
    }
    let note = html! {
        div.ok-msg role="status" {
            p { "“" (name) "”的配对码：" strong.password { code { (kiosk::shown_code(&secret)) } } }
            p { "请在门岗电脑的浏览器打开 " code { (PAIR_PAGE) } " 输入这个码，" (CODE_MINUTES) " 分钟内有效，只能用一次。" }
        }
    };
    let page = kiosks_page(&user, &s, Some(note)).await?;
    // a page with a code on it is never kept by the browser or a proxy
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

#[derive(Deserialize)]
struct RevokeForm {
    id: Option<i64>,
}

async fn revoke(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<RevokeForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let id = f
        .id
        .ok_or_else(|| WebError::BadInput("没有选中要取消的门岗电脑 (no screen chosen)".into()))?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    blocking(move || Ok(store.revoke_kiosk(&actor, id)?)).await?;
    // an open screen stops at once: its live stream is closed the next time it is checked
    s.hub.unpaired(id);
    kiosks_page(
        &user,
        &s,
        Some(done(
            "已取消配对：这台电脑不再能打开门岗屏 (the screen is unpaired)",
        )),
    )
    .await
}
