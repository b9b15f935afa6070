//! 账号: the administrator's page of the web app's users; adding a user (the generated password
//! is shown once, never stored in clear) and resetting a password.

use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{choice, date, filled};
use crate::domain::{Desk, Role};
use crate::store::NewUser;
use crate::web::auth::{Authed, hash_password, random_password_for};
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/users", get(users).post(add_user))
        .route("/manage/users/{id}/password", post(reset_password))
}

fn admin_only(user: &Authed) -> Result<(), WebError> {
    if user.user.role == Role::Admin {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "只有管理员可以管理账号，请联系管理员 (only an administrator may manage the users)"
                .into(),
        ))
    }
}

async fn users(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    admin_only(&user)?;
    users_page(&user, &s, None).await
}

async fn users_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let all = blocking(move || Ok(store.users()?)).await?;
    Ok(page::layout(
        user,
        "账号",
        html! {
            @if let Some(m) = message { (m) }
            table #users {
                thead { tr { th { "账号" } th { "姓名" } th { "角色" } th { "岗位" } th { "入职日期" } th { "状态" } th { "密码" } } }
                tbody {
                    @for u in &all {
                        tr {
                            td.login { (u.login) }
                            td.name data-label="姓名" { (u.name) }
                            td.short data-label="角色" { (u.role.zh()) }
                            td.short data-label="岗位" { (u.post.zh()) }
                            td.short data-label="入职日期" { (u.started.map(|d| d.to_string()).unwrap_or_default()) }
                            td.short data-label="状态" { @if u.disabled { "已停用" } @else { "可用" } }
                            td.short data-label="密码" {
                                form.inline method="post" action=(format!("/manage/users/{}/password", u.id)) {
                                    (page::csrf_field(user))
                                    button type="submit" { "重设密码" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "添加账号" }
            form.form-row method="post" action="/manage/users" {
                (page::csrf_field(user))
                label { "账号（登录用，字母或数字）" input maxlength=(crate::domain::limits::LOGIN.max) name="login" required pattern="[A-Za-z0-9._-]+" autocomplete="off"; }
                label { "姓名" input maxlength=(crate::domain::limits::NAME.max) name="name" required; }
                label { "角色"
                    select name="role" required {
                        @for r in Role::ALL { option value=(r.key()) { (r.zh()) } }
                    }
                }
                label { "岗位（决定收到哪些通知）"
                    select name="post" required {
                        @for d in Desk::ALL { option value=(d.key()) { (d.zh()) } }
                    }
                }
                label { "入职日期（新门岗培训从这天算起）" input type="date" name="started"; }
                button.ok type="submit" { "添加" }
            }
            p.meta { "密码由系统生成，只在添加或重设后显示一次；请抄下交给本人。" }
        },
    ))
}

/// A page that shows a password: never kept by the browser or a proxy.
fn secret(page: Markup) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

fn password_note(text: &str, password: &str) -> Markup {
    html! {
        div.ok-msg role="status" {
            p { (text) }
            p { "密码：" strong.password { code { (password) } } }
            p { "只显示这一次，请现在抄下交给本人。" }
        }
    }
}

#[derive(Deserialize)]
struct NewUserForm {
    login: Option<String>,
    name: Option<String>,
    role: Option<String>,
    post: Option<String>,
    started: Option<String>,
}

async fn add_user(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    admin_only(&user)?;
    let login = filled(&f.login)
        .ok_or_else(|| WebError::BadInput("请填写登录账号，例如 zhangsan (the login)".into()))?;
    if !login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(WebError::BadInput(format!(
            "账号“{login}”只能用英文字母、数字和 . _ -，例如 zhangsan (letters and digits only)"
        )));
    }
    let name = filled(&f.name)
        .ok_or_else(|| WebError::BadInput("请填写姓名，例如 张三 (the name)".into()))?;
    let role: Role = choice("角色", &f.role)?
        .ok_or_else(|| WebError::BadInput("请选择角色 (choose the role)".into()))?;
    let post: Desk = choice("岗位", &f.post)?
        .ok_or_else(|| WebError::BadInput("请选择岗位 (choose the post)".into()))?;
    let started = date("入职日期", &f.started)?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    // generated, so the password policy (app::password) holds for it
    let password = random_password_for(&login, &name);
    let pw = password.clone();
    let l = login.clone();
    let n = name.clone();
    blocking(move || {
        if store.user_by_login(&l)?.is_some() {
            return Err(WebError::BadInput(format!(
                "账号“{l}”已经有人用了，请换一个 (the login is taken)"
            )));
        }
        store.add_user(
            &actor,
            NewUser {
                login: l,
                name: n,
                role,
                post,
                password_hash: hash_password(&pw)?,
                started,
                must_change: true,
            },
        )?;
        Ok(())
    })
    .await?;
    let note = password_note(
        &format!(
            "已添加账号 {login}（{name}，{}，{}）。",
            role.zh(),
            post.zh()
        ),
        &password,
    );
    Ok(secret(users_page(&user, &s, Some(note)).await?))
}

async fn reset_password(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    admin_only(&user)?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let (who, password) = blocking(move || {
        let who = store
            .users()?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| {
                WebError::NotFound(format!("没有编号为 {id} 的账号，请刷新页面 (no user {id})"))
            })?;
        let password = random_password_for(&who.login, &who.name);
        store.set_password(&actor, id, hash_password(&password)?, true)?;
        Ok((who, password))
    })
    .await?;
    let mut text = format!(
        "已为账号 {}（{}）重设密码，原来登录着的地方已退出。",
        who.login, who.name
    );
    if who.id == user.user.id {
        text.push_str("这是您自己的账号：请用新密码重新登录。");
    }
    Ok(secret(
        users_page(&user, &s, Some(password_note(&text, &password))).await?,
    ))
}
