//! `gateward report --day|--week|--month`: the team leader's shift check (班检表) and the
//! manager's weekly and monthly check: who came, vehicles in and out, alerts, oversize
//! refusals, registrations — counted from the gate log of the period (by [`crate::app::report`])
//! and printed as lines of text.

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime};

use crate::app::report::{Period, Summary, period_events, period_range, summarise};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{Store, database_path};

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

/// The local time range and title of the period asked for (today when none).
fn period(
    args: &Args,
    today: NaiveDate,
) -> anyhow::Result<(NaiveDateTime, NaiveDateTime, &'static str)> {
    if let Some(week) = args.week {
        return Ok(period_range(Period::Week, week)?);
    }
    if let Some(month) = &args.month {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .with_context(|| format!("cannot read the month \"{month}\"; write it as 2026-11"))?;
        return Ok(period_range(Period::Month, first)?);
    }
    Ok(period_range(Period::Day, args.day.unwrap_or(today))?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
