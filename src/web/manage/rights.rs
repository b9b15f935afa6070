//! 个人信息权利: what the person page's forms ask of a person's data: recording their consent to
//! face collection (a face is sensitive personal information: no face is enrolled from the
//! manager's pages until it is on record) and downloading everything the records hold about them
//! as one ZIP file, which is audited. The deletion is [`super::people`]'s.

use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::Markup;
use serde::Deserialize;

use super::common::{choice, date, done, filled, today};
use super::person::{load_person, person_page};
use crate::app::rights::{ExportError, export_person};
use crate::domain::ConsentMethod;
use crate::store::NewConsent;
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/people/{id}/consent", post(record))
        .route("/manage/people/{id}/export", get(export))
}

#[derive(Deserialize)]
struct ConsentForm {
    given_by: Option<String>,
    given_on: Option<String>,
    method: Option<String>,
    note: Option<String>,
}

/// Records the person's consent to face collection (audit entry `consent.record`).
async fn record(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ConsentForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let given_by = filled(&f.given_by).ok_or_else(|| {
        WebError::BadInput(
            "请填写同意人：本人，或代为同意的监护人姓名 (write who gave the consent)".into(),
        )
    })?;
    let given_on = date("同意日期", &f.given_on)?.ok_or_else(|| {
        WebError::BadInput(
            "请填写同意日期，例如 2026-11-28 (write the day the consent was given)".into(),
        )
    })?;
    if given_on > today(&s) {
        return Err(WebError::BadInput(format!(
            "同意日期 {given_on} 还没到：请填写实际取得同意的日期 (the day is in the future)"
        )));
    }
    let method: ConsentMethod = choice("同意方式", &f.method)?.ok_or_else(|| {
        WebError::BadInput(
            "请选择同意方式：书面、口头或线上 (choose how the consent was given)".into(),
        )
    })?;
    let consent = NewConsent {
        given_by,
        given_on,
        method,
        note: filled(&f.note).unwrap_or_default(),
    };
    let state = s.clone();
    let actor = user.user.name.clone();
    let one = blocking(move || {
        // a person who is not there (deleted meanwhile) says so, as their page does
        load_person(&state, id)?;
        state.store.record_consent(&actor, id, consent)?;
        load_person(&state, id)
    })
    .await?;
    let name = one.person.name.clone();
    Ok(person_page(
        &user,
        &s,
        &one,
        Some(done(&format!(
            "已登记{name}的人脸采集同意，现在可以录入{name}的人脸。"
        ))),
    ))
}

/// Everything the records hold about the person as one ZIP file, downloaded (audit entry
/// `export`, written before the file leaves).
async fn export(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    user.may_export()?;
    user.may_manage()?;
    let state = s.clone();
    let actor = user.user.name.clone();
    let file = blocking(move || {
        export_person(
            &state.store,
            &state.data,
            &actor,
            id,
            state.clock.now(),
            state.tz,
        )
        .map_err(|e| match e {
            ExportError::NoPerson(id) => WebError::NotFound(format!(
                "没有编号为 {id} 的人员：可能已被删除，请回到住户与贵宾列表 (no person {id})"
            )),
            ExportError::Store(e) => WebError::Store(e),
            e => WebError::Internal(format!("导出失败 (the export failed): {e}")),
        })
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}
