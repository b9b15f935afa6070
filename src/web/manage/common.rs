//! What every manager's page uses: form fields read (text, a choice of a closed set, a date),
//! the gate's local day and times, the address of a file of the data folder, and the message
//! shown after a form was sent.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use crate::domain::UnknownValue;
use crate::web::error::WebError;
use crate::web::state::AppState;

/// The text of a form field, trimmed; `None` when left empty.
pub(super) fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A value of a closed set (class, shift, kind…) chosen in a form; `label` names the field.
pub(super) fn choice<T>(label: &str, v: &Option<String>) -> Result<Option<T>, WebError>
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
pub(super) fn date(label: &str, v: &Option<String>) -> Result<Option<NaiveDate>, WebError> {
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
pub(super) fn today(s: &AppState) -> NaiveDate {
    s.clock.now().with_timezone(&s.tz).date_naive()
}

/// An instant as the gate's local time, to the minute.
pub(super) fn local(s: &AppState, t: DateTime<Utc>) -> String {
    t.with_timezone(&s.tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The address of a file of the data folder (photos, snapshots, face crops).
pub(super) fn file_url(path: &str) -> String {
    format!("/files/{path}")
}

/// A message at the top of a page after a form was sent.
pub(super) fn done(message: &str) -> Markup {
    html! { p.ok-msg role="status" { (message) } }
}

/// An error and its causes on one line, "error: cause: cause", for an internal error's page.
pub(super) fn causes(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}
