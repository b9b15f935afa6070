//! `gateward handover`: prints the duty record a guard reads when taking over a shift (seed
//! §1.4), as [`crate::app::handover::build`] gathers it: the two shifts before (the two days
//! before, after rest days), with what happened, the alerts, the notes and the items to follow
//! up.

use chrono::NaiveDate;

use super::report::render;
use crate::app::handover::build;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::Shift;
use crate::rules::gate::ShiftSlot;
use crate::store::{EventKind, Store, database_path};

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
    let store = Store::open(database_path(&config.paths.data))?;
    let handover = build(&store, &config.gate.name, tz, slot, args.after_rest)?;
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
    for d in &handover.shifts {
        let s = d.slot;
        println!("\n== {} {}", s.date, s.shift.zh());
        print!("{}", render(&d.summary));
        for e in d.events.iter().filter(|e| e.kind == EventKind::Alert) {
            println!(
                "  ! {} {} {}",
                e.at.with_timezone(&tz).format("%H:%M"),
                e.plate.as_deref().unwrap_or(""),
                e.decision
            );
        }
        match &d.record {
            Some(r) => {
                println!("值班 guard: {}", r.guard);
                if !r.notes.is_empty() {
                    println!("记录 notes: {}", r.notes);
                }
            }
            None => println!("（本班没有值班记录 no duty record for this shift）"),
        }
    }
    let follow_ups: Vec<String> = handover
        .follow_ups()
        .into_iter()
        .map(|(s, f)| format!("{} {}: {f}", s.date, s.shift.zh()))
        .collect();
    println!("\n待跟进 to follow up:");
    if follow_ups.is_empty() {
        println!("  无 none");
    }
    for f in follow_ups {
        println!("  - {f}");
    }
    Ok(())
}
