//! `gateward handover`: the duty record a guard reads when taking over a shift (seed §1.4):
//! the two shifts before (the two days before, after rest days), with what happened, the
//! alerts, the notes and the items to follow up.

use chrono::NaiveDate;

use super::report::{render, summarise};
use super::when::to_utc;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::Shift;
use crate::rules::gate::{ShiftSlot, handover_scope};
use crate::store::{EventKind, EventQuery, Store, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shift being taken over: night, morning, afternoon, evening [default: the current one] (接班班次)
    #[arg(long)]
    pub shift: Option<Shift>,
    /// Its local date, YYYY-MM-DD [default: today] (日期)
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Back from rest days: read the two previous days instead of the two previous shifts (轮休后接班)
    #[arg(long)]
    pub after_rest: bool,
}

/// Prints the handover summary.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let now = SystemClock.now().with_timezone(&tz).naive_local();
    let current = ShiftSlot::at(now);
    let slot = ShiftSlot {
        date: args.date.unwrap_or(current.date),
        shift: args.shift.unwrap_or(current.shift),
    };
    let scope = handover_scope(slot, args.after_rest);
    let store = Store::open(database_path(&config.paths.data))?;
    println!(
        "{} · 接班 {} {} · 查看{}",
        config.gate.name,
        slot.date,
        slot.shift.zh(),
        if args.after_rest {
            "前两天的值班记录"
        } else {
            "前两班的值班记录"
        }
    );
    let records =
        store.shift_records(Some(&config.gate.name), scope.from.date(), scope.to.date())?;
    let mut follow_ups = Vec::new();
    for s in &scope.slots {
        println!("\n== {} {}", s.date, s.shift.zh());
        let events = store.events(&EventQuery {
            from: Some(to_utc(s.start(), tz)?),
            to: Some(to_utc(s.end(), tz)?),
            gate: Some(config.gate.name.clone()),
            ..EventQuery::default()
        })?;
        print!("{}", render(&summarise(&events)));
        for e in events.iter().filter(|e| e.kind == EventKind::Alert) {
            println!(
                "  ! {} {} {}",
                e.at.with_timezone(&tz).format("%H:%M"),
                e.plate.as_deref().unwrap_or(""),
                e.decision
            );
        }
        match records
            .iter()
            .find(|r| r.date == s.date && r.shift == s.shift)
        {
            Some(r) => {
                println!("值班 guard: {}", r.guard);
                if !r.notes.is_empty() {
                    println!("记录 notes: {}", r.notes);
                }
                if !r.follow_ups.is_empty() {
                    follow_ups.push(format!("{} {}: {}", s.date, s.shift.zh(), r.follow_ups));
                }
            }
            None => println!("（本班没有值班记录 no duty record for this shift）"),
        }
    }
    println!("\n待跟进 to follow up:");
    if follow_ups.is_empty() {
        println!("  无 none");
    }
    for f in follow_ups {
        println!("  - {f}");
    }
    Ok(())
}
