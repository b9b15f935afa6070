//! 登录锁定: the accounts and the computers (client addresses) the login throttle keeps
//! waiting or has locked after too many failed tries, and the 解锁 button that lifts a lock
//! (audit `login.unlock`). For managers; the rule is `domain::login`, the counts
//! `store::logins`.

use axum::extract::{Extension, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{done, filled, local};
use crate::domain::login::{ACCOUNT, Counted, Verdict};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

/// The page's address.
pub const PAGE: &str = "/manage/logins";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(logins))
        .route("/manage/logins/unlock", post(unlock))
}

async fn logins(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    logins_page(&user, &s, None).await
}

async fn logins_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let now = s.clock.now();
    let (locks, users) = blocking(move || Ok((store.login_locks(now)?, store.users()?))).await?;
    let state = |v: Verdict| -> String {
        match v {
            Verdict::Allowed => "可以登录".into(),
            Verdict::Wait { seconds, .. } => format!("等待 {seconds} 秒"),
            Verdict::Locked { until, .. } => format!("已锁定，{} 自动解锁", local(s, until)),
        }
    };
    Ok(page::layout(
        user,
        "登录锁定",
        html! {
            @if let Some(m) = message { (m) }
            p.meta {
                "同一个账号连续输错密码 " (ACCOUNT.free) " 次后，每次要等 1、2、4、8… 秒才能再试；连续失败 "
                (ACCOUNT.lock_at) " 次锁定 " (ACCOUNT.lock_for.num_minutes()) " 分钟。同一台电脑试很多账号也会被锁定。"
                "等待时输对密码也不能登录。确认是本人后，可以在这里解锁。"
            }
            table.records #login-locks {
                thead { tr { th { "账号或电脑" } th { "类型" } th { "连续失败" } th { "最近一次输错" } th { "状态" } th { "操作" } } }
                tbody {
                    @for l in &locks {
                        tr {
                            td.long {
                                (l.key)
                                @if l.kind == Counted::Account && !users.iter().any(|u| u.login == l.key) {
                                    " （没有这个账号）"
                                }
                            }
                            td.short data-label="类型" {
                                @if l.kind == Counted::Account { "账号" } @else { "电脑（地址）" }
                            }
                            td.number data-label="连续失败" { (l.failures) " 次" }
                            td.time data-label="最近一次输错" { (local(s, l.last)) }
                            td.status data-label="状态" { (state(l.verdict)) }
                            td.short data-label="操作" {
                                form.inline method="post" action="/manage/logins/unlock" {
                                    (page::csrf_field(user))
                                    input type="hidden" name="kind" value=(l.kind.key());
                                    input type="hidden" name="key" value=(l.key);
                                    button.ok type="submit" { "解锁" }
                                }
                            }
                        }
                    }
                    @if locks.is_empty() { tr { td colspan="6" { "现在没有被锁定或需要等待的账号和电脑。" } } }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
struct UnlockForm {
    kind: Option<String>,
    key: Option<String>,
}

async fn unlock(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<UnlockForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let kind = f
        .kind
        .as_deref()
        .and_then(Counted::from_key)
        .ok_or_else(|| {
            WebError::BadInput("没有选中要解锁的账号或电脑，请刷新页面 (nothing chosen)".into())
        })?;
    let key = filled(&f.key).ok_or_else(|| {
        WebError::BadInput("没有选中要解锁的账号或电脑，请刷新页面 (nothing chosen)".into())
    })?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let k = key.clone();
    let lifted = blocking(move || Ok(store.unlock_login(&actor, kind, &k)?)).await?;
    let what = if kind == Counted::Account {
        "账号"
    } else {
        "电脑"
    };
    let message = if lifted {
        tracing::info!(by = %user.user.name, "{} {key} unlocked", kind.key());
        format!("已解锁{what} {key}：现在可以用正确的密码登录 (unlocked)")
    } else {
        format!("{what} {key} 没有被锁定，不用解锁 (was not locked)")
    };
    logins_page(&user, &s, Some(done(&message))).await
}
