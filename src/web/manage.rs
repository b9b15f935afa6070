//! The manager's pages: people, households, VIPs, vehicles, booked moving trucks, passes,
//! enrolment from a face the cameras saw or from uploaded photos, the event log with its
//! exports, reports and users.
//!
//! Who may open what: the log and its export need [`super::auth::Authed::may_export`] (team leader and up),
//! as do the reports; people, vehicles and passes need [`super::auth::Authed::may_manage`] (manager, admin);
//! the users page is the administrator's.

mod enrol;
mod log;
mod people;
mod reports;
mod users;
mod vehicles;

use std::str::FromStr;

use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::{AppState, WebError};
use crate::domain::UnknownValue;

pub use enrol::Enroller;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(people::routes())
        .merge(enrol::routes())
        .merge(vehicles::routes())
        .merge(log::routes())
        .merge(reports::routes())
        .merge(users::routes())
}

/// The text of a form field, trimmed; `None` when left empty.
fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A value of a closed set (class, shift, kind…) chosen in a form; `label` names the field.
fn choice<T>(label: &str, v: &Option<String>) -> Result<Option<T>, WebError>
where
    T: FromStr<Err = UnknownValue>,
{
    filled(v)
        .map(|t| {
            t.parse::<T>()
                .map_err(|e| WebError::BadInput(format!("「{label}」请从列表中选择 ({e})")))
        })
        .transpose()
}

/// A date typed in a form (2026-11-28, or 2026/11/28); `label` names the field.
fn date(label: &str, v: &Option<String>) -> Result<Option<NaiveDate>, WebError> {
    filled(v)
        .map(|t| {
            crate::import::parse_date(&t).map_err(|e| {
                WebError::BadInput(format!(
                    "「{label}」的日期“{t}”看不懂，请写成 2026-11-28 这样的日期 ({e})"
                ))
            })
        })
        .transpose()
}

/// The gate's local day now.
fn today(s: &AppState) -> NaiveDate {
    s.clock.now().with_timezone(&s.tz).date_naive()
}

/// An instant as the gate's local time, to the minute.
fn local(s: &AppState, t: DateTime<Utc>) -> String {
    t.with_timezone(&s.tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The address of a file of the data folder (photos, snapshots, face crops).
fn file_url(path: &str) -> String {
    format!("/files/{path}")
}

/// A message at the top of a page after a form was sent.
fn done(message: &str) -> Markup {
    html! { p.ok-msg role="status" { (message) } }
}
