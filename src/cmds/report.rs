//! `gateward report --day|--week|--month`: the team leader's shift check (班检表) and the
//! manager's weekly and monthly check: who came, vehicles in and out, alerts, oversize
//! refusals, registrations — counted from the gate log of the period.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;

use super::when::to_utc;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::{Direction, PersonClass};
use crate::rules::vehicles::OVERSIZE_REFUSAL;
use crate::store::{EventKind, EventQuery, GateEvent, Store, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
#[group(required = false, multiple = false)]
pub struct Args {
    /// One local day, YYYY-MM-DD (日报)
    #[arg(long, value_name = "DATE")]
    pub day: Option<NaiveDate>,
    /// The week (Monday to Sunday) holding DATE (周报)
    #[arg(long, value_name = "DATE")]
    pub week: Option<NaiveDate>,
    /// A month, YYYY-MM (月报)
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
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

/// The summary as lines of text.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let people: usize = s.people_by_class.values().sum::<usize>() + s.people_unknown;
    out += &format!("人员 people: {people}\n");
    for (class, n) in &s.people_by_class {
        out += &format!("  {} {}: {n}\n", class.zh(), class.key());
    }
    if s.people_unknown > 0 {
        out += &format!("  未识别 unrecognised: {}\n", s.people_unknown);
    }
    out += &format!(
        "车辆 vehicles: {} in, {} out\n",
        s.vehicles_in, s.vehicles_out
    );
    out += &format!(
        "警报 alerts: {} (超限车辆 oversize refused: {})\n",
        s.alerts, s.oversize
    );
    out += &format!("登记 registrations: {}\n", s.registrations);
    out
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

/// Runs the report.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let today = SystemClock.now().with_timezone(&tz).date_naive();
    let (from, to, title) = period(args, today)?;
    let store = Store::open(database_path(&config.paths.data))?;
    let events = period_events(&store, tz, from, to)?;
    println!(
        "{} · {title} {} – {}",
        config.gate.name,
        from.format("%Y-%m-%d %H:%M"),
        to.format("%Y-%m-%d %H:%M")
    );
    print!("{}", render(&summarise(&events)));
    Ok(())
}

/// The gate events from local time `from` until `to` (exclusive), oldest first.
pub fn period_events(
    store: &Store,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> anyhow::Result<Vec<GateEvent>> {
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
) -> anyhow::Result<(NaiveDateTime, NaiveDateTime, &'static str)> {
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
            let first = date.with_day(1).context("month out of range")?;
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .context("month out of range")?;
            Ok((midnight(first), midnight(next), "月报 month"))
        }
        Period::Day => match date.succ_opt() {
            Some(next) => Ok((midnight(date), midnight(next), "日报 day")),
            None => bail!("day out of range"),
        },
    }
}

/// The local time range and title of the period asked for (today when none).
fn period(
    args: &Args,
    today: NaiveDate,
) -> anyhow::Result<(NaiveDateTime, NaiveDateTime, &'static str)> {
    if let Some(week) = args.week {
        return period_range(Period::Week, week);
    }
    if let Some(month) = &args.month {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .with_context(|| format!("cannot read the month \"{month}\"; write it as 2026-11"))?;
        return period_range(Period::Month, first);
    }
    period_range(Period::Day, args.day.unwrap_or(today))
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

    #[test]
    fn weeks_run_monday_to_sunday_and_months_to_the_next_first() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let args = Args {
            day: None,
            week: Some(d(2026, 11, 28)),
            month: None,
        };
        let (from, to, _) = period(&args, d(2026, 11, 28)).unwrap();
        assert_eq!(from.date(), d(2026, 11, 23));
        assert_eq!(to.date(), d(2026, 11, 30));
        let args = Args {
            day: None,
            week: None,
            month: Some("2026-12".into()),
        };
        let (from, to, _) = period(&args, d(2026, 11, 28)).unwrap();
        assert_eq!((from.date(), to.date()), (d(2026, 12, 1), d(2027, 1, 1)));
        let args = Args {
            day: None,
            week: None,
            month: Some("12/2026".into()),
        };
        assert!(period(&args, d(2026, 11, 28)).is_err());
    }
}
