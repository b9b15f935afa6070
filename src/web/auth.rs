//! Logins: the login page, argon2 password hashes, sessions in the records behind an HttpOnly
//! cookie, and the anti-forgery (CSRF) token every POST must carry. The session check wraps
//! every route but the login page. Every password typed (at the login page, and the current
//! one at `/password`) goes through the login throttle (the rule: `domain::login`, the counts:
//! `store::logins`) per account and per client address, and costs the same argon2 work whether
//! or not the account exists.

use std::net::SocketAddr;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use maud::{Markup, html};
use rand::RngCore;
use serde::Deserialize;

use super::error::WebError;
use super::kiosk;
use super::page;
use super::state::{AppState, blocking};
use crate::app::password;
use crate::domain::login::{Verdict, login_key};
use crate::domain::{Desk, Role};
use crate::store::{Begun, LoginTry, NewUser, PasswordAt, Store, Throttled};

pub use super::session::{
    Authed, CSRF_FIELD, CSRF_HEADER, KIOSK_COOKIE, SESSION_COOKIE, random_token, same_token,
    token_hash,
};

/// The login form's anti-forgery cookie (a double-submit token: no session exists yet).
const LOGIN_COOKIE: &str = "gw_login";
/// Largest form body read to find the token.
const FORM_LIMIT: usize = 1 << 20;
/// How much of a multipart upload is read to find the token, which comes before the files.
const MULTIPART_HEAD: usize = 16 * 1024;

/// A short password a person can type: 12 letters and digits without look-alikes, never one
/// the password policy would refuse.
pub fn random_password() -> String {
    random_password_for("", "")
}

/// A password generated for the user `login` named `name`, which the password policy accepts
/// for them.
pub fn random_password_for(login: &str, name: &str) -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    loop {
        let mut bytes = [0u8; 12];
        rand::rng().fill_bytes(&mut bytes);
        let p: String = bytes
            .iter()
            .map(|b| CHARS[usize::from(*b) % CHARS.len()] as char)
            .collect();
        if password::check(&p, login, name).is_ok() {
            return p;
        }
    }
}

/// The argon2id hash of `password`, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, WebError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| WebError::Internal(format!("cannot make a password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| WebError::Internal(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `hash`. A `hash` that is none (an unknown login
/// passes "") or no PHC string (a paired screen's account) matches nothing, after the same
/// argon2 work as a real one, so the time of the answer does not tell which logins exist.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => {
            if let Ok(h) = PasswordHash::new(dummy_hash()) {
                let _ = Argon2::default().verify_password(password.as_bytes(), &h);
            }
            false
        }
    }
}

/// The hash checked for a login no one has: of a random password, made once (`serve` makes it
/// before the first request, so the first unknown login does not cost a hash more).
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&random_token()).unwrap_or_else(|e| {
            tracing::error!("cannot make the dummy password hash: {e}");
            String::new()
        })
    })
}

/// The client's address a try is counted against: its IP, an IPv4 one written plainly.
pub fn client_address(peer: SocketAddr) -> String {
    peer.ip().to_canonical().to_string()
}

/// What the user is told when a try was refused, or when the next one must wait: the words
/// and the seconds to wait; `None` when the next try may go ahead. The same for a login that
/// exists and one that does not.
fn throttle_words(t: &Throttled) -> Option<(String, i64)> {
    let v = t.account.stricter(t.address);
    let seconds = v.seconds_left();
    match v {
        Verdict::Allowed => None,
        Verdict::Wait { .. } => Some((
            format!(
                "登录失败次数太多，请 {seconds} 秒后再试 (too many failed tries: try again in {seconds} s)"
            ),
            seconds,
        )),
        Verdict::Locked { .. } => {
            let minutes = (seconds + 59) / 60;
            let (what, en) = if matches!(t.account, Verdict::Locked { .. }) {
                ("这个账号", "this login")
            } else {
                ("这台电脑", "this computer")
            };
            Some((
                format!(
                    "{what}连续登录失败次数太多，已锁定：请 {minutes} 分钟后再试，或请管理处解锁 ({en} is locked after too many failed tries: try again in {minutes} min, or ask the management office to unlock it)"
                ),
                seconds,
            ))
        }
    }
}

/// A refusal of the throttle: 429 with `Retry-After`.
fn too_many(seconds: i64, page: Markup) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.max(1).to_string())],
        page,
    )
        .into_response()
}

/// Logs a refused or failed try in the service log, and a lock it brought.
fn log_failure(attempt: &LoginTry, t: &Throttled, refused: bool) {
    let what = match attempt.at {
        PasswordAt::Login => "a login",
        PasswordAt::ChangePassword => "a current password at /password",
    };
    let now = t.account.stricter(t.address);
    let state = match now {
        Verdict::Allowed => "the next try may go ahead".to_owned(),
        Verdict::Wait { seconds, .. } => format!("the next try waits {seconds} s"),
        Verdict::Locked { until, .. } => format!("locked until {until}"),
    };
    let (login, address) = (&attempt.login, &attempt.address);
    if refused {
        tracing::warn!(%login, %address, "{what} was refused unchecked after too many failed tries: {state}");
    } else {
        tracing::warn!(%login, %address, "{what} failed (wrong password): {state}");
    }
    if t.new_lock {
        let whose = if matches!(t.account, Verdict::Locked { .. }) {
            "the login"
        } else {
            "the address"
        };
        tracing::warn!(%login, %address, "{whose} is locked after too many failed tries: {state}, or until a manager unlocks it at /manage/logins");
    }
}

/// Creates the first administrator when there is no user yet; returns the login and the
/// one-time password to print, or `None` when users exist.
pub fn ensure_admin(store: &Store) -> Result<Option<(String, String)>, WebError> {
    if !store.users()?.is_empty() {
        return Ok(None);
    }
    let password = random_password();
    store.add_user(
        "system",
        NewUser {
            login: "admin".into(),
            name: "管理员".into(),
            role: Role::Admin,
            post: Desk::Gate,
            password_hash: hash_password(&password)?,
            started: None,
            must_change: true,
        },
    )?;
    Ok(Some(("admin".into(), password)))
}

/// The login page: the only route open without a session.
pub fn routes() -> Router<AppState> {
    Router::new().route("/login", get(login_page).post(login))
}

/// Logging out and choosing one's password, behind the session check like every other route.
pub fn session_routes() -> Router<AppState> {
    Router::new()
        .route("/logout", post(logout))
        .route(CHANGE_PASSWORD, get(password_page).post(change_password))
}

/// Where a user whose password was handed to them chooses their own.
const CHANGE_PASSWORD: &str = "/password";

fn password_form(user: &Authed, problem: Option<&str>) -> Markup {
    page::layout(
        user,
        "修改密码 Change password",
        html! {
            @if user.user.must_change {
                p.problem role="alert" { "这是别人交给你的密码，请先设一个只有你知道的新密码 (this password was handed to you: choose your own first)" }
            }
            @if let Some(p) = problem { p.problem role="alert" { (p) } }
            form.login method="post" action=(CHANGE_PASSWORD) {
                (page::csrf_field(user))
                label { "当前密码 Current password" input name="current" type="password" autocomplete="current-password" required; }
                label { "新密码（至少 8 位）New password" input name="new" type="password" autocomplete="new-password" required minlength=(password::MIN_LEN); }
                p.meta { (password::RULES_ZH) }
                label { "再输一次 Again" input name="again" type="password" autocomplete="new-password" required; }
                button type="submit" { "保存新密码" }
            }
        },
    )
}

async fn password_page(axum::Extension(user): axum::Extension<Authed>) -> Markup {
    password_form(&user, None)
}

#[derive(Deserialize)]
struct NewPassword {
    current: String,
    new: String,
    again: String,
}

async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::Extension(user): axum::Extension<Authed>,
    Form(f): Form<NewPassword>,
) -> Result<Response, WebError> {
    let refuse =
        |why: &str| Ok((StatusCode::BAD_REQUEST, password_form(&user, Some(why))).into_response());
    // the current password is a password typed: the same throttle as the login page's
    let attempt = LoginTry {
        login: login_key(&user.user.login),
        address: client_address(peer),
        at: PasswordAt::ChangePassword,
    };
    let store = state.store.clone();
    let a = attempt.clone();
    if let Begun::Refused(t) = blocking(move || Ok(store.begin_login(&a)?)).await? {
        log_failure(&attempt, &t, true);
        let (words, seconds) = throttle_words(&t).unwrap_or_default();
        return Ok(too_many(seconds, password_form(&user, Some(&words))));
    }
    let hash = user.user.password_hash.clone();
    let current = f.current.clone();
    let right = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    let store = state.store.clone();
    let a = attempt.clone();
    if !right {
        let t = blocking(move || Ok(store.login_failed(&a)?)).await?;
        log_failure(&attempt, &t, false);
        return match throttle_words(&t) {
            Some((words, _)) => refuse(&format!(
                "当前密码不对 (the current password is wrong)。{words}"
            )),
            None => refuse("当前密码不对 (the current password is wrong)"),
        };
    }
    blocking(move || Ok(store.login_ok(&a)?)).await?;
    if let Err(weak) = password::check(&f.new, &user.user.login, &user.user.name) {
        return refuse(&weak.to_string());
    }
    if f.new != f.again {
        return refuse("两次输入的新密码不一样，请重新输入 (the two new passwords differ)");
    }
    if f.new == f.current {
        return refuse("新密码不能和当前密码一样，请换一个 (choose a different password)");
    }
    let store = state.store.clone();
    let (id, actor) = (user.user.id, user.user.name.clone());
    let new = f.new;
    blocking(move || Ok(store.set_password(&actor, id, hash_password(&new)?, false)?)).await?;
    // every session of the user ended with the old password: log in again with the new one
    Ok(Redirect::to("/login").into_response())
}

/// Where a request without a session goes: pages to the login page, the rest a 401.
pub fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn login_form(token: &str, problem: Option<&str>) -> Markup {
    page::bare(
        "登录 Login",
        html! {
            main.login {
                h1 { "门岗助手 登录" }
                p.sub { "gateward — sign in" }
                @if let Some(p) = problem { p.problem role="alert" { (p) } }
                form method="post" action="/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    label { "账号 Login" input maxlength=(crate::domain::limits::LOGIN.max) name="login" autocomplete="username" required autofocus; }
                    label { "密码 Password" input name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { "登录" }
                }
                p.pair { a href=(kiosk::PAIR_PAGE) { "门岗电脑配对 (pair this PC as the guard screen)" } }
            }
        },
    )
}

async fn login_page(jar: CookieJar, State(state): State<AppState>) -> Response {
    // the page may be loaded again in the background (a favicon redirected here, a second
    // tab): keep the token the open form already holds
    let token = jar
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(random_token);
    let jar = jar.add(login_cookie(&state, token.clone()));
    (jar, login_form(&token, None)).into_response()
}

fn login_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut c = Cookie::new(LOGIN_COOKIE, token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/login");
    c.set_secure(state.secure_cookie);
    c
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned());
    if !expected.is_some_and(|t| same_token(&t, &form.csrf)) {
        return Ok(forged());
    }
    let attempt = LoginTry {
        login: login_key(&form.login),
        address: client_address(peer),
        at: PasswordAt::Login,
    };
    // a form the user can send again, with the reason the last one did not log in
    let again = |jar: CookieJar, problem: &str| {
        let token = random_token();
        let jar = jar.add(login_cookie(&state, token.clone()));
        (jar, login_form(&token, Some(problem)))
    };
    let store = state.store.clone();
    let a = attempt.clone();
    if let Begun::Refused(t) = blocking(move || Ok(store.begin_login(&a)?)).await? {
        log_failure(&attempt, &t, true);
        let (words, seconds) = throttle_words(&t).unwrap_or_default();
        let (jar, page) = again(jar, &words);
        return Ok((jar, too_many(seconds, page)).into_response());
    }
    let store = state.store.clone();
    let login = form.login.clone();
    let user = blocking(move || Ok(store.user_by_login(&login)?)).await?;
    // the same argon2 work for every try: an unknown login checks a dummy hash, a disabled
    // account its own, and neither logs in
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_default();
    let password = form.password;
    let right = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let store = state.store.clone();
    let a = attempt.clone();
    let Some(user) = user.filter(|u| right && !u.disabled) else {
        let t = blocking(move || Ok(store.login_failed(&a)?)).await?;
        log_failure(&attempt, &t, false);
        let words = match throttle_words(&t) {
            Some((words, _)) => format!("账号或密码不对 (wrong login or password)。{words}"),
            None => "账号或密码不对，请再试一次 (wrong login or password)".to_owned(),
        };
        let (jar, page) = again(jar, &words);
        return Ok((StatusCode::UNAUTHORIZED, jar, page).into_response());
    };
    blocking(move || Ok(store.login_ok(&a)?)).await?;
    let token = random_token();
    let csrf = random_token();
    let expires = state.clock.now() + Duration::hours(i64::from(state.session_hours));
    let store = state.store.clone();
    let hash = token_hash(&token);
    let id = user.id;
    blocking(move || Ok(store.start_session(hash, id, csrf, expires)?)).await?;
    tracing::info!(login = %user.login, address = %attempt.address, "logged in");
    let mut cookie = Cookie::new(SESSION_COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/");
    cookie.set_secure(state.secure_cookie);
    let jar = jar
        .add(cookie)
        .remove(Cookie::build(LOGIN_COOKIE).path("/login"));
    let home = if user.must_change {
        CHANGE_PASSWORD
    } else if user.role.may_manage() && user.post != Desk::Gate {
        "/manage/people"
    } else {
        "/"
    };
    Ok((jar, Redirect::to(home)).into_response())
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, WebError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let hash = token_hash(c.value());
        let store = state.store.clone();
        blocking(move || Ok(store.end_session(&hash)?)).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

fn forged() -> Response {
    (
        StatusCode::FORBIDDEN,
        page::message_page(
            StatusCode::FORBIDDEN,
            "这个表单已失效，请刷新页面后再提交 (the form is stale or did not come from this app: reload the page and try again)",
        ),
    )
        .into_response()
}

fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// Lets a request through only with a live session (or, for the guard screen, the cookie of
/// the gate PC paired as one: see `kiosk`); a POST (or any other unsafe method) must
/// also carry the session's anti-forgery token: in the `x-csrf-token` header or in the form
/// field `csrf` (of a URL-encoded or a multipart body), never in the query.
pub async fn require_session(
    State(state): State<AppState>,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    let session = match jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        Some(token) => match person(&state, &token).await {
            Ok(s) => s,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let authed = match session {
        Some(s) => s,
        // no one logged in: a gate PC paired as the guard screen opens the screen, nothing else
        None => match screen(
            &state,
            &jar,
            request.method().clone(),
            request.uri().path().to_owned(),
            wants_page(request.headers()),
        )
        .await
        {
            Ok(Some(s)) => s,
            Ok(None) => {
                let answer = unauthenticated(request.method(), request.headers());
                return refuse(request, answer).await;
            }
            Err(refused) => return refuse(request, refused).await,
        },
    };
    // a handed-over password opens nothing but the page that changes it (and logging out)
    if authed.user.must_change && !matches!(request.uri().path(), CHANGE_PASSWORD | "/logout") {
        let answer = if *request.method() == Method::GET && wants_page(request.headers()) {
            Redirect::to(CHANGE_PASSWORD).into_response()
        } else {
            (
                StatusCode::FORBIDDEN,
                "请先修改密码 (choose your own password first: /password)",
            )
                .into_response()
        };
        return refuse(request, answer).await;
    }
    let mut request = request;
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        match carries_token(request, &authed.csrf).await {
            Ok(r) => request = r,
            Err(refused) => return refused,
        }
    }
    let screen_opened = authed.kiosk.is_some() && request.uri().path() == "/";
    request.extensions_mut().insert(authed);
    let response = next.run(request).await;
    // each time the screen is opened its cookie is given again, so a screen in use keeps it
    match jar.get(KIOSK_COOKIE) {
        Some(c) if screen_opened => (
            jar.clone().add(kiosk::cookie(&state, c.value().to_owned())),
            response,
        )
            .into_response(),
        _ => response,
    }
}

/// The person logged in with the session `token`, moving its expiry when half of it has
/// passed (a session in use stays open).
async fn person(state: &AppState, token: &str) -> Result<Option<Authed>, WebError> {
    let hash = token_hash(token);
    let now = state.clock.now();
    let store = state.store.clone();
    let lookup_hash = hash.clone();
    let Some(session) = blocking(move || Ok(store.session(&lookup_hash, now)?)).await? else {
        return Ok(None);
    };
    let length = Duration::hours(i64::from(state.session_hours));
    if session.expires - now < length / 2 {
        let store = state.store.clone();
        let expires = now + length;
        let _ = blocking(move || Ok(store.extend_session(&hash, expires)?)).await;
    }
    Ok(Some(Authed {
        user: session.user,
        csrf: session.csrf,
        kiosk: None,
    }))
}

/// The paired screen whose cookie `jar` holds, if it may open `path`; a paired screen asking
/// for anything else is refused. `Ok(None)`: no screen's cookie, or an unpaired one.
async fn screen(
    state: &AppState,
    jar: &CookieJar,
    method: Method,
    path: String,
    page: bool,
) -> Result<Option<Authed>, Response> {
    let Some(token) = jar.get(KIOSK_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let store = state.store.clone();
    let hash = token_hash(&token);
    let found = blocking(move || Ok(store.kiosk_session(&hash)?))
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(k) = found else { return Ok(None) };
    if !kiosk::may_open(&path) {
        return Err(kiosk::refused(&method, page, &k.user.name));
    }
    // when the screen was last in use, to the few minutes, for the manager's list
    let now = state.clock.now();
    if k.last_seen.is_none_or(|t| now - t > Duration::minutes(5)) {
        let store = state.store.clone();
        let id = k.kiosk_id;
        let _ = blocking(move || Ok(store.kiosk_seen(id)?)).await;
    }
    Ok(Some(Authed {
        user: k.user,
        csrf: k.csrf,
        kiosk: Some(k.kiosk_id),
    }))
}

/// Refuses `request` with `answer`, its body read first (up to [`FORM_LIMIT`]): answered with
/// its body unread, the connection is closed after the answer, and a client that sends its next
/// request on it, as keep-alive allows, gets nothing back.
async fn refuse(request: Request, answer: Response) -> Response {
    let _ = axum::body::to_bytes(request.into_body(), FORM_LIMIT).await;
    answer
}

/// What a request without a session gets: a page request goes to the login page, anything
/// else is a 401.
pub fn unauthenticated(method: &Method, headers: &HeaderMap) -> Response {
    if *method == Method::GET && wants_page(headers) {
        to_login()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "请先登录 (log in first: POST /login)",
        )
            .into_response()
    }
}

/// Checks the token of an unsafe request, handing the request back intact when it matches.
/// The token is read from the `x-csrf-token` header, or from the `csrf` field of the form
/// body (URL-encoded, or multipart for file uploads, where the field must come before the
/// files); never from the address, which ends up in logs and the browser's history.
async fn carries_token(request: Request, csrf: &str) -> Result<Request, Response> {
    if let Some(t) = request.headers().get(CSRF_HEADER) {
        let same = t.to_str().is_ok_and(|t| same_token(csrf, t));
        return if same {
            Ok(request)
        } else {
            Err(refuse(request, forged()).await)
        };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return multipart_token(request, csrf).await;
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(refuse(request, forged()).await);
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                "表单太大 (the form is too large)",
            )
                .into_response());
        }
    };
    let found = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|b| url_field(b, CSRF_FIELD));
    if found.is_some_and(|t| same_token(csrf, &t)) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(forged())
    }
}

/// The token of a multipart upload: the `csrf` field, sent before the files (a browser sends
/// a form's fields in their order, and the hidden field comes first). Only the start of the
/// body is read ([`MULTIPART_HEAD`] bytes at most); the request goes on with the whole body,
/// under the upload's own size limit.
async fn multipart_token(request: Request, csrf: &str) -> Result<Request, Response> {
    use axum::extract::FromRequest;
    use tokio_stream::StreamExt as _;

    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut head: Vec<axum::body::Bytes> = Vec::new();
    let mut read = 0;
    while read < MULTIPART_HEAD {
        match stream.next().await {
            Some(Ok(chunk)) => {
                read += chunk.len();
                head.push(chunk);
            }
            Some(Err(_)) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "上传没有完成，请重新上传 (the upload was cut off)",
                )
                    .into_response());
            }
            None => break,
        }
    }
    // the fields found in the start of the body, read as the handler will read them
    let mut start = Request::new(Body::from(head.concat()));
    if let Some(t) = parts.headers.get(header::CONTENT_TYPE) {
        start.headers_mut().insert(header::CONTENT_TYPE, t.clone());
    }
    let mut found = None;
    if let Ok(mut fields) = axum::extract::Multipart::from_request(start, &()).await {
        while let Ok(Some(field)) = fields.next_field().await {
            if field.name() == Some(CSRF_FIELD) && field.file_name().is_none() {
                found = field.text().await.ok();
                break;
            }
        }
    }
    if !found.is_some_and(|t| same_token(csrf, t.trim())) {
        return Err(forged());
    }
    let whole = tokio_stream::iter(head.into_iter().map(Ok::<_, axum::Error>)).chain(stream);
    Ok(Request::from_parts(parts, Body::from_stream(whole)))
}

/// The value of `name` in a URL-encoded string.
fn url_field(encoded: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(encoded)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
