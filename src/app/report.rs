//! Counts of a period of the gate log — the team leader's shift check (班检表) and the
//! manager's weekly and monthly check: who came, vehicles in and out, alerts, oversize
//! refusals, registrations; and the traffic by hour. `gateward report`, the handover and the
//! web's 报表 page count alike.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;

use super::when::{TimeError, to_utc};
use crate::domain::{Direction, PersonClass};
use crate::rules::vehicles::OVERSIZE_REFUSAL;
use crate::store::{EventKind, EventQuery, GateEvent, Store, StoreError};

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The period asked for is past the calendar's end ("day", "month").
    #[error("{0} out of range")]
    OutOfRange(&'static str),
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counts of one period.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub people_by_class: BTreeMap<PersonClass, usize>,
    pub people_unknown: usize,
    pub vehicles_in: usize,
    pub vehicles_out: usize,
    pub alerts: usize,
    /// Alerts about large vehicles (4 tonnes and over) turned away.
    pub oversize: usize,
    pub registrations: usize,
}

/// Counts the events of a period.
pub fn summarise(events: &[GateEvent]) -> Summary {
    let mut s = Summary::default();
    for e in events {
        match e.kind {
            EventKind::Person => match e.class {
                Some(c) => *s.people_by_class.entry(c).or_default() += 1,
                None => s.people_unknown += 1,
            },
            EventKind::Vehicle => match e.direction {
                Some(Direction::Out) => s.vehicles_out += 1,
                _ => s.vehicles_in += 1,
            },
            EventKind::Alert => {
                s.alerts += 1;
                if e.decision.contains(OVERSIZE_REFUSAL) {
                    s.oversize += 1;
                }
            }
            EventKind::Registration => s.registrations += 1,
        }
    }
    s
}

/// Traffic through the gate (people and vehicles seen) by local hour of the day, 0 to 23, over
/// every day of `events`.
pub fn by_hour(events: &[GateEvent], tz: Tz) -> [usize; 24] {
    let mut hours = [0; 24];
    for e in events {
        if matches!(e.kind, EventKind::Person | EventKind::Vehicle) {
            hours[e.at.with_timezone(&tz).hour() as usize] += 1;
        }
    }
    hours
}

/// The gate events from local time `from` until `to` (exclusive), oldest first.
pub fn period_events(
    store: &Store,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<GateEvent>, ReportError> {
    Ok(store.events(&EventQuery {
        from: Some(to_utc(from, tz)?),
        to: Some(to_utc(to, tz)?),
        ..EventQuery::default()
    })?)
}

/// The periods a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// One local day (日报, the shift check).
    Day,
    /// Monday to Sunday (周报).
    Week,
    /// A calendar month (月报).
    Month,
}

/// The local time range of the `period` holding `date`, and the report's title.
pub fn period_range(
    period: Period,
    date: NaiveDate,
) -> Result<(NaiveDateTime, NaiveDateTime, &'static str), ReportError> {
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    match period {
        Period::Week => {
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            Ok((
                midnight(monday),
                midnight(monday + Duration::days(7)),
                "周报 week",
            ))
        }
        Period::Month => {
            let first = date.with_day(1).ok_or(ReportError::OutOfRange("month"))?;
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .ok_or(ReportError::OutOfRange("month"))?;
            Ok((midnight(first), midnight(next), "月报 month"))
        }
        Period::Day => match date.succ_opt() {
            Some(next) => Ok((midnight(date), midnight(next), "日报 day")),
            None => Err(ReportError::OutOfRange("day")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Shift;
    use crate::store::NewGateEvent;

    fn event(
        kind: EventKind,
        class: Option<PersonClass>,
        direction: Option<Direction>,
        decision: &str,
    ) -> GateEvent {
        let n = NewGateEvent::new(chrono::Utc::now(), "大门", kind, Shift::Morning);
        GateEvent {
            id: 1,
            at: n.at,
            gate: n.gate,
            camera: n.camera,
            kind,
            direction,
            person_id: None,
            plate: None,
            plate_colour: None,
            class,
            decision: decision.to_owned(),
            notified: vec![],
            snapshot: None,
            score: None,
            shift: n.shift,
        }
    }

    #[test]
    fn report_counts_people_by_class_vehicles_by_direction_and_oversize_refusals() {
        let events = vec![
            event(EventKind::Person, Some(PersonClass::Vip), None, ""),
            event(EventKind::Person, Some(PersonClass::Resident), None, ""),
            event(EventKind::Person, Some(PersonClass::Resident), None, ""),
            event(EventKind::Person, None, None, ""),
            event(EventKind::Vehicle, None, Some(Direction::In), ""),
            event(EventKind::Vehicle, None, Some(Direction::Out), ""),
            event(EventKind::Alert, None, None, OVERSIZE_REFUSAL),
            event(EventKind::Alert, None, None, "禁止进入人员"),
            event(EventKind::Registration, None, None, "访客登记"),
        ];
        let s = summarise(&events);
        assert_eq!(s.people_by_class[&PersonClass::Resident], 2);
        assert_eq!(s.people_unknown, 1);
        assert_eq!((s.vehicles_in, s.vehicles_out), (1, 1));
        assert_eq!((s.alerts, s.oversize), (2, 1));
        assert_eq!(s.registrations, 1);
    }
}
