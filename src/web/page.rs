//! The frame every page shares: the header with the gate and the user, the menu the user's
//! role allows, the style sheet and the page script (by address, never written into the page:
//! the Content-Security-Policy forbids inline script and style); and the one-message pages
//! for errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::error::WebError;
use super::session::{Authed, CSRF_FIELD};
use crate::domain::Role;
use crate::store::StoreError;

fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · 门岗助手" }
        link rel="stylesheet" href=(assets::url("style.css"));
        script src=(assets::url("page.js")) defer {}
    }
}

/// A script of `web/assets/` for the end of a page's body.
pub fn script(name: &str) -> Markup {
    html! { script src=(assets::url(name)) {} }
}

/// A page with no menu (login, errors before login).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head { (head(title)) }
            body { (body) }
        }
    }
}

/// The menu: what the user's role may open.
fn menu(user: &Authed) -> Markup {
    let role = user.user.role;
    if user.kiosk.is_some() {
        // the gate PC paired as the screen: the screen, and a way for a person to log in
        return html! {
            nav.menu {
                a href="/" { "门岗屏" }
                span.who { "门岗屏幕 · " (user.user.name) }
                a href="/login" { "用自己的账号登录" }
            }
        };
    }
    html! {
        nav.menu {
            a href="/" { "门岗屏" }
            a href="/handover" { "交接班" }
            a href="/visitors" { "访客登记" }
            a href="/passes" { "出入证" }
            a href="/goods" { "物品放行" }
            a href="/alerts" { "危险品·夜间开门" }
            a href="/training" { "认识住户" }
            // each entry as the page checks it: the log and the reports need may_export
            // (team leader and up), the records may_manage, the users the administrator
            @if role.may_export() {
                a href="/log" { "记录查询" }
                a href="/reports" { "报表" }
            }
            @if role.may_manage() {
                a href="/manage/people" { "住户与贵宾" }
                a href="/manage/vehicles" { "车辆" }
                a href="/manage/kiosks" { "门岗电脑" }
                a href="/manage/logins" { "登录锁定" }
            }
            @if role == Role::Admin { a href="/manage/users" { "账号" } }
            span.who { (user.user.name) " · " (role.zh()) " · " (user.user.post.zh()) }
            form.inline method="post" action="/logout" {
                input type="hidden" name=(CSRF_FIELD) value=(user.csrf);
                button.link type="submit" { "退出" }
            }
        }
    }
}

/// A page behind the login: header, menu, then `body`.
pub fn layout(user: &Authed, title: &str, body: Markup) -> Markup {
    layout_as(user, title, "", body)
}

/// [`layout`] with a class on the body, for a page laid out its own way (the gate screen).
pub fn layout_as(user: &Authed, title: &str, class: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                (head(title))
                meta name="csrf-token" content=(user.csrf);
            }
            body class=[(!class.is_empty()).then_some(class)] {
                (menu(user))
                main.page {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden anti-forgery field of a form.
pub fn csrf_field(user: &Authed) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(user.csrf); }
}

/// A page that says one thing: an error, a refusal.
pub fn message_page(status: StatusCode, message: &str) -> Markup {
    bare(
        status.canonical_reason().unwrap_or("Error"),
        html! {
            main.message {
                p.problem role="alert" { (message) }
                p { a href="/" { "返回门岗屏" } " · " a href="/" data-back { "返回上一页" } }
            }
        },
    )
}

/// The page of an address that does not exist, the same with or without a session.
pub fn not_found() -> Markup {
    bare(
        "没有这个页面",
        html! {
            main.message {
                p.problem role="alert" { "没有这个页面 (no such page)：请检查地址，或回到首页。" }
                p { a href="/" { "返回首页 (home)" } }
            }
        },
    )
}

/// An error answers with its status and the one-message page.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::BadInput(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound { .. }) => {
                StatusCode::NOT_FOUND
            }
            WebError::Store(
                StoreError::Invalid { .. } | StoreError::Constraint { .. } | StoreError::Unfit(_),
            ) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("web: {self}");
        }
        let text = self.to_string();
        let mut response = (status, message_page(status, &text)).into_response();
        response.extensions_mut().insert(ErrorText(text));
        response
    }
}

/// The one sentence of an error answer, kept beside its page so that a script's request
/// (under /api/) gets the sentence, not the page (see [`api_errors`]).
#[derive(Debug, Clone)]
pub struct ErrorText(pub String);

/// What a script gets when its request fails: `{"ok": false, "message": "…"}` with the same
/// status, the message being the sentence the page would show.
pub async fn api_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    match response.extensions().get::<ErrorText>() {
        Some(ErrorText(text)) if api => {
            let body = serde_json::json!({ "ok": false, "message": text });
            (response.status(), axum::Json(body)).into_response()
        }
        _ => response,
    }
}
