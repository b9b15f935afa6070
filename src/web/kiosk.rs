//! The gate PC paired as a guard screen (a kiosk): what its cookie may open (the guard screen
//! and what the screen itself asks for, nothing else), the cookie itself, and the page at the
//! gate PC where a manager's pairing code is typed. The manager's side is `manage::kiosks`.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::WebError;
use super::page;
use super::session::{KIOSK_COOKIE, SESSION_COOKIE, random_token, same_token, token_hash};
use super::state::{AppState, blocking};

/// How long the screen's cookie lasts: the longest a browser keeps one (Chromium caps cookies
/// at 400 days). Each time the screen is opened the cookie is given again, so a screen in use
/// never loses it.
const KIOSK_DAYS: i64 = 400;
/// The pairing page's anti-forgery cookie (double-submit: no session exists yet).
const PAIR_COOKIE: &str = "gw_pair";
/// Where the pairing code is typed.
pub const PAIR_PAGE: &str = "/kiosk";
/// Letters in a pairing code (look-alikes left out, as in generated passwords).
pub const CODE_LEN: usize = 8;

/// Whether a paired screen may open `path`: the guard screen, what its script fetches and
/// posts (the live stream, the vehicles inside, a guard's ✓ or correction, a visitor's
/// registration, the quiet-time review), and the pictures it shows. Not the desk's or the
/// manager's pages, the log, exports or accounts.
pub fn may_open(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/",
        "/api/state",
        "/api/stream",
        "/api/inside",
        "/api/people",
        "/api/visitors",
        "/api/training/soon",
        "/api/training/next",
        "/api/training/answer",
    ];
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    };
    EXACT.contains(&path)
        || under("/api/events/")
        || under("/files/")
        || under("/training/face/")
        || (under("/api/people/") && path.ends_with("/face"))
}

/// The screen's cookie, holding `token`.
pub fn cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut c = Cookie::new(KIOSK_COOKIE, token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(state.secure_cookie);
    c.set_max_age(time::Duration::days(KIOSK_DAYS));
    c
}

/// A pairing code as typed (any case, spaces or a dash between its halves) to the form it was
/// made in; `None` when it cannot be one.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == CODE_LEN).then_some(code)
}

/// A code shown to the manager: upper case, in two halves, e.g. `K7QM-3XPA`.
pub fn shown_code(code: &str) -> String {
    let upper = code.to_ascii_uppercase();
    let (a, b) = upper.split_at(upper.len() / 2);
    format!("{a}-{b}")
}

/// What a paired screen gets for a page it may not open.
pub fn refused(method: &Method, wants_page: bool, name: &str) -> Response {
    let text = format!(
        "这台电脑已设为门岗屏幕（{name}），只能打开门岗屏。要用其他功能，请用自己的账号登录 \
         (this PC is paired as the guard screen: log in with your own account for anything else)"
    );
    if *method == Method::GET && wants_page {
        (
            StatusCode::FORBIDDEN,
            page::bare(
                "门岗屏幕",
                html! {
                    main.message {
                        p.problem role="alert" { (text) }
                        p { a href="/" { "返回门岗屏" } " · " a href="/login" { "用自己的账号登录" } }
                    }
                },
            ),
        )
            .into_response()
    } else {
        (StatusCode::FORBIDDEN, text).into_response()
    }
}

/// The pairing page: open without a session, like the login.
pub fn routes() -> Router<AppState> {
    Router::new().route(PAIR_PAGE, get(pair_page).post(pair))
}

fn pair_form(token: &str, problem: Option<&str>) -> Markup {
    page::bare(
        "门岗电脑配对 Pair the gate PC",
        html! {
            main.login {
                h1 { "门岗电脑配对" }
                p.sub { "pair this PC as the guard screen" }
                p { "请在管理处的“门岗电脑”页面生成配对码，在这台电脑上输入。配对后，这台电脑开机即显示门岗屏，不用输入密码；它只能显示门岗屏。" }
                @if let Some(p) = problem { p.problem role="alert" { (p) } }
                form method="post" action=(PAIR_PAGE) {
                    input type="hidden" name="csrf" value=(token);
                    label { "配对码 Pairing code"
                        input name="code" required autofocus autocomplete="off" autocapitalize="characters"
                            placeholder="例如 K7QM-3XPA" spellcheck="false";
                    }
                    button type="submit" { "配对" }
                }
                p { a href="/login" { "用账号登录 (log in)" } }
            }
        },
    )
}

fn pair_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut c = Cookie::new(PAIR_COOKIE, token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path(PAIR_PAGE);
    c.set_secure(state.secure_cookie);
    c
}

async fn pair_page(jar: CookieJar, State(state): State<AppState>) -> Response {
    let token = random_token();
    let jar = jar.add(pair_cookie(&state, token.clone()));
    (jar, pair_form(&token, None)).into_response()
}

#[derive(Deserialize)]
struct PairForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

async fn pair(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(f): Form<PairForm>,
) -> Result<Response, WebError> {
    let expected = jar.get(PAIR_COOKIE).map(|c| c.value().to_owned());
    let fresh = random_token();
    let again = |jar: CookieJar, status: StatusCode, why: &str| {
        let jar = jar.add(pair_cookie(&state, fresh.clone()));
        Ok((status, jar, pair_form(&fresh, Some(why))).into_response())
    };
    if !expected.is_some_and(|t| same_token(&t, &f.csrf)) {
        return again(
            jar,
            StatusCode::FORBIDDEN,
            "这个表单已失效，请再输一次 (the form is stale: type the code again)",
        );
    }
    let Some(code) = normalise_code(&f.code) else {
        return again(
            jar,
            StatusCode::BAD_REQUEST,
            "配对码是 8 位字母和数字，例如 K7QM-3XPA (the code has 8 letters and digits)",
        );
    };
    let token = random_token();
    let store = state.store.clone();
    let (code_hash, hash) = (token_hash(&code), token_hash(&token));
    let paired = blocking(move || Ok(store.pair_kiosk(&code_hash, hash)?)).await?;
    let Some(kiosk) = paired else {
        tracing::info!("a wrong or expired pairing code was typed");
        return again(
            jar,
            StatusCode::UNAUTHORIZED,
            "配对码不对或已过期（15 分钟内有效，只能用一次），请在管理处重新生成 (wrong or expired code)",
        );
    };
    tracing::info!(kiosk = kiosk.id, name = %kiosk.name, "a gate PC was paired");
    Ok((with_screen(&state, jar, token).await?, Redirect::to("/")).into_response())
}

/// `jar` with the screen's cookie holding `token`, and without a person's session (ended in
/// the records too): from now on this browser is the screen.
pub async fn with_screen(
    state: &AppState,
    jar: CookieJar,
    token: String,
) -> Result<CookieJar, WebError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let hash = token_hash(c.value());
        let store = state.store.clone();
        blocking(move || Ok(store.end_session(&hash)?)).await?;
    }
    Ok(jar
        .remove(Cookie::build(SESSION_COOKIE).path("/"))
        .remove(Cookie::build(PAIR_COOKIE).path(PAIR_PAGE))
        .add(cookie(state, token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_opens_the_guard_screen_and_what_it_fetches_and_nothing_else() {
        for path in [
            "/",
            "/api/state",
            "/api/stream",
            "/api/inside",
            "/api/people",
            "/api/people/12/face",
            "/api/events/7/confirm",
            "/api/events/7/plate",
            "/api/visitors",
            "/api/training/soon",
            "/api/training/answer",
            "/files/snapshots/2026-12-06/a.jpg",
            "/training/face/3",
        ] {
            assert!(may_open(path), "{path}");
        }
        for path in [
            "/log",
            "/log/export.csv",
            "/reports",
            "/handover",
            "/visitors",
            "/manage/people",
            "/manage/users",
            "/manage/kiosks",
            "/password",
            "/training",
            "/training/progress",
            "/api/training/progress",
            "/api/people/12",
            "/files/",
            "/api/events/",
            "//",
        ] {
            assert!(!may_open(path), "{path}");
        }
    }

    #[test]
    fn a_code_is_read_however_it_is_typed() {
        assert_eq!(normalise_code("K7QM-3XPA").as_deref(), Some("k7qm3xpa"));
        assert_eq!(normalise_code(" k7qm 3xpa ").as_deref(), Some("k7qm3xpa"));
        assert_eq!(normalise_code("K7QM-3XP"), None);
        assert_eq!(normalise_code(""), None);
        assert_eq!(shown_code("k7qm3xpa"), "K7QM-3XPA");
    }
}
