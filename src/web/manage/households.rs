//! 住户 One household's page: its members, and the form that changes its room code and notes
//! (contact phone, who to call, special requests).

use axum::extract::{Extension, Path, State};
use axum::routing::get;
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{done, filled};
use crate::import::normalise_household;
use crate::store::{Household, NewHousehold, PersonRecord, StoreError};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage/households/{id}", get(one).post(change))
}

fn no_household(id: i64) -> WebError {
    WebError::NotFound(format!(
        "没有编号为 {id} 的住户：可能已被删除，请回到住户与贵宾列表 (no household {id})"
    ))
}

async fn one(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    household_page(&user, &s, id, None).await
}

async fn household_page(
    user: &Authed,
    s: &AppState,
    id: i64,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let (h, members): (Household, Vec<PersonRecord>) = blocking(move || {
        let h = store.household_by_id(id)?.ok_or_else(|| no_household(id))?;
        let members = store
            .people()?
            .into_iter()
            .filter(|p| p.household_id == Some(id))
            .collect();
        Ok((h, members))
    })
    .await?;
    Ok(page::layout(
        user,
        &format!("住户 {}", h.code),
        html! {
            @if let Some(m) = message { (m) }
            p { a href="/manage/people#households" { "← 住户与贵宾" } }
            h2 { "成员" }
            @if members.is_empty() { p.meta { "这户还没有登记成员。" } } @else {
                ul #members {
                    @for p in &members {
                        li { a href=(format!("/manage/people/{}", p.id)) { (p.name) } "（" (p.class.zh()) "）" }
                    }
                }
            }
            h2 { "修改住户" }
            form.form-row #edit-household method="post" action=(format!("/manage/households/{id}")) {
                (page::csrf_field(user))
                label { "房号（楼栋-单元-房号）" input maxlength=(crate::domain::limits::ROOM.max) name="code" required value=(h.code) placeholder="例如 3-2-1502"; }
                label { "备注（联系电话、特别事项）" input maxlength=(crate::domain::limits::NOTE.max) name="notes" size="40" value=(h.notes); }
                button.ok type="submit" { "保存" }
            }
        },
    ))
}

#[derive(Deserialize)]
struct HouseholdForm {
    code: Option<String>,
    notes: Option<String>,
}

async fn change(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<HouseholdForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let typed = filled(&f.code).ok_or_else(|| {
        WebError::BadInput("请填写房号，例如 3-2-1502 (write the room code)".into())
    })?;
    let code = normalise_household(&typed).map_err(|e| {
        WebError::BadInput(format!(
            "房号“{typed}”的写法不对：请写成 楼栋-单元-房号，例如 3-2-1502 ({e})"
        ))
    })?;
    let notes = filled(&f.notes).unwrap_or_default();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let c = code.clone();
    blocking(move || {
        if store.household_by_id(id)?.is_none() {
            return Err(no_household(id));
        }
        match store.update_household(
            &actor,
            id,
            NewHousehold {
                code: c.clone(),
                notes,
            },
        ) {
            Err(StoreError::Constraint { .. }) => Err(WebError::BadInput(format!(
                "房号 {c} 已经是另一户的房号：请核对；要把成员并到那一户，请在成员的页面改房号 \
                 (another household has the code {c})"
            ))),
            r => Ok(r?),
        }
    })
    .await?;
    household_page(
        &user,
        &s,
        id,
        Some(done(&format!("已保存住户 {code} 的修改。"))),
    )
    .await
}
