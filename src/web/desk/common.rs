//! What the desk pages share: the lenient form reader, the message above a form, the page
//! frame with the desk's touch-sized style, and small helpers for times and posts.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

use crate::app::handover::HandoverError;
use crate::app::when::to_utc_or_after;
use crate::domain::{EventKind, Post};
use crate::rules::gate::{ShiftSlot, shift_at};
use crate::store::{NewGateEvent, StoreError};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::AppState;

/// The longest short line of a desk form, in characters (the records' table of limits).
pub(super) const SHORT_TEXT: usize = crate::domain::limits::SHORT.max;

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// The fields of a URL-encoded query or form, read leniently: unknown fields are ignored and
/// a missing one reads as empty.
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    pub(super) fn query(raw: Option<String>) -> Fields {
        Fields(
            raw.as_deref()
                .and_then(|q| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default(),
        )
    }

    /// The field's value, surrounding space dropped; empty when absent.
    pub(super) fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }

    /// A ticked checkbox or a flag such as `rest=1`.
    pub(super) fn ticked(&self, name: &str) -> bool {
        !matches!(self.text(name), "" | "0" | "false" | "off" | "no")
    }

    /// The field's text, refused when longer than `max` characters.
    pub(super) fn limited(&self, name: &str, what: &str, max: usize) -> Result<String, String> {
        let t = self.text(name);
        if t.chars().count() > max {
            Err(format!(
                "{what}太长了，请写在 {max} 个字以内 ({what} is too long: {max} characters at most)"
            ))
        } else {
            Ok(t.to_owned())
        }
    }
}

/// What a page says above its content.
pub(super) enum Notice {
    Nothing,
    Done(Markup),
    Problem(String),
}

impl Notice {
    pub(super) fn show(&self) -> Markup {
        match self {
            Notice::Nothing => html! {},
            Notice::Done(m) => html! { div.ok-msg role="status" { (m) } },
            Notice::Problem(p) => html! { p.problem role="alert" { (p) } },
        }
    }
}

/// The page in the shared frame, with the desk's touch-sized controls.
pub(super) fn frame(user: &Authed, title: &str, body: Markup) -> Markup {
    page::layout(
        user,
        title,
        html! {
            div.desk { (body) }
        },
    )
}

/// 303 to `path` with `params` as its query.
pub(super) fn see(path: &str, params: &[(&str, &str)]) -> Result<Response, WebError> {
    let query = serde_urlencoded::to_string(params)
        .map_err(|e| WebError::Internal(format!("cannot write the address: {e}")))?;
    let to = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    Ok(Redirect::to(&to).into_response())
}

/// A page re-rendered for bad input.
pub(super) fn bad(page: Markup) -> Response {
    (StatusCode::BAD_REQUEST, page).into_response()
}

pub(super) fn local_now(s: &AppState) -> NaiveDateTime {
    s.clock.now().with_timezone(&s.tz).naive_local()
}

/// The local day `date`, as instants: its midnight and the next.
pub(super) fn day_range(date: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = date.and_time(NaiveTime::MIN);
    (
        to_utc_or_after(start, tz),
        to_utc_or_after(start + Duration::days(1), tz),
    )
}

pub(super) fn hm(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// "11-27 18:05" when not today, "18:05" today.
pub(super) fn when(at: DateTime<Utc>, tz: Tz, today: NaiveDate) -> String {
    let local = at.with_timezone(&tz);
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%m-%d %H:%M").to_string()
    }
}

pub(super) fn posts(notified: &[Post]) -> String {
    notified
        .iter()
        .map(|p| p.zh())
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) fn slot_name(slot: ShiftSlot) -> String {
    format!("{} {}", slot.date, slot.shift.zh())
}

/// A hand-made event of the desk at `now`.
pub(super) fn desk_event(s: &AppState, now: DateTime<Utc>, kind: EventKind) -> NewGateEvent {
    let shift = shift_at(now.with_timezone(&s.tz).time());
    NewGateEvent::new(now, s.gate.clone(), kind, shift)
}

/// A store refusal the guard can act on (bad or stale input), as the words to show; other
/// errors stay errors.
pub(super) fn refusal(e: WebError) -> Result<String, WebError> {
    match e {
        WebError::BadInput(m) => Ok(m),
        WebError::Store(StoreError::Invalid { message, .. }) => Ok(message),
        WebError::Store(StoreError::NotFound { what, key }) => {
            Ok(format!("没有找到 {key} (no {what} {key}): 请核对后再试"))
        }
        other => Err(other),
    }
}

/// Why the duty record could not be gathered, as the web app says it.
pub(super) fn handover_error(e: HandoverError) -> WebError {
    match e {
        HandoverError::Store(s) => WebError::Store(s),
        HandoverError::Time(t) => WebError::Internal(t.to_string()),
        e @ (HandoverError::AlreadySigned { .. } | HandoverError::OwnShift(_)) => {
            WebError::BadInput(e.to_string())
        }
    }
}

/// Links to the other desk pages that have no menu entry.
pub(super) fn desk_links() -> Markup {
    html! {
        p.tools {
            "其他登记 More: "
            a href="/goods" { "物品放行条 Goods slip" }
            a href="/alerts" { "危险品车辆 · 夜间开门 Hazard vehicle · night opening" }
        }
    }
}
