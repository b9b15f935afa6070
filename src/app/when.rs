//! Local times typed by a user (on the command line, in a search form): parsing them, and
//! turning them into UTC for the records (which keep UTC; the gate's time zone is in the config).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a local time cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The text is not a time in any accepted form.
    #[error(
        "cannot read the time \"{0}\"; write it as \"2026-11-28 07:00\", \"2026-11-28\" or \"07:00\""
    )]
    Unreadable(String),
    /// The local time was skipped by a clock change.
    #[error("{local} does not exist in the time zone {tz}")]
    Skipped { local: NaiveDateTime, tz: Tz },
}

/// Reads a local time: "2026-11-28 07:00" (seconds, a `T` or slashes also accepted), a date
/// "2026-11-28" (its midnight), or "07:00" (on `today`).
pub fn parse_local(text: &str, today: NaiveDate) -> Result<NaiveDateTime, TimeError> {
    let text = text.trim();
    let full = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M",
    ];
    if let Some(t) = full
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    {
        return Ok(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN));
    }
    if let Ok(t) = NaiveTime::parse_from_str(text, "%H:%M") {
        return Ok(today.and_time(t));
    }
    Err(TimeError::Unreadable(text.to_owned()))
}

/// The UTC instant of a local time at the gate.
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(TimeError::Skipped { local, tz })
}

/// [`to_utc`] for a time that must have an instant (a page's day, a shift's start): a local time
/// skipped by a clock change reads as the hour after.
pub fn to_utc_or_after(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    to_utc(local, tz)
        .or_else(|_| to_utc(local + chrono::Duration::hours(1), tz))
        .unwrap_or_else(|_| local.and_utc())
}

/// The end of a validity typed by a user (a pass's expiry): a date alone ("2026-12-31") means
/// through that day, until the next local midnight; a date and time ("2026-12-31 18:00") is
/// that instant. Returned as the first instant no longer valid.
pub fn parse_until(text: &str, today: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let t = text.trim();
    let day = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .ok();
    match day {
        Some(d) => Ok(to_utc_or_after(
            (d + chrono::Days::new(1)).and_time(NaiveTime::MIN),
            tz,
        )),
        None => to_utc(parse_local(t, today)?, tz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_alone_is_valid_through_that_day() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let until = |s| parse_until(s, today, tz).unwrap().to_rfc3339();
        assert_eq!(until("2026-12-31"), "2026-12-31T16:00:00+00:00");
        assert_eq!(until("2026-12-31 18:00"), "2026-12-31T10:00:00+00:00");
        assert_eq!(until("2026-12-31T18:00"), "2026-12-31T10:00:00+00:00");
        assert!(parse_until("next week", today, tz).is_err());
    }

    #[test]
    fn local_times_in_every_accepted_form() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let p = |s| parse_local(s, today).unwrap().to_string();
        assert_eq!(p("2026-11-28 07:00"), "2026-11-28 07:00:00");
        assert_eq!(p("2026/11/28 07:00"), "2026-11-28 07:00:00");
        assert_eq!(p("2026-11-27"), "2026-11-27 00:00:00");
        assert_eq!(p("06:59"), "2026-11-28 06:59:00");
        let e = parse_local("7am", today).unwrap_err().to_string();
        assert!(e.contains("2026-11-28 07:00"), "{e}");
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_of_utc() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let local = NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        assert_eq!(
            to_utc(local, tz).unwrap().to_rfc3339(),
            "2026-11-27T23:00:00+00:00"
        );
    }
}
