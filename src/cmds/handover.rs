//! `gateward handover`: the duty record a guard reads when taking over a shift (seed §1.4):
//! the two shifts before (the two days before, after rest days), with what happened, the
//! alerts, the notes and the items to follow up. [`build`] gathers it from the records for this
//! command and for the web app's handover page.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::report::{Summary, render, summarise};
use super::when::to_utc;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::Shift;
use crate::rules::gate::{ShiftSlot, handover_scope};
use crate::store::{EventKind, EventQuery, GateEvent, ShiftRecord, Store, database_path};

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

/// One shift of the duty record: its events, their counts and the guard's record.
#[derive(Debug, Clone)]
pub struct ShiftDuty {
    pub slot: ShiftSlot,
    /// The gate's events of the shift, oldest first.
    pub events: Vec<GateEvent>,
    pub summary: Summary,
    /// The guard's notes and items to follow up, when the shift wrote them.
    pub record: Option<ShiftRecord>,
}

/// The duty record to read when taking over a shift.
#[derive(Debug, Clone)]
pub struct Handover {
    /// The shift being taken over.
    pub slot: ShiftSlot,
    /// The two previous days are read instead of the two previous shifts.
    pub after_rest: bool,
    /// The shifts to read, oldest first.
    pub shifts: Vec<ShiftDuty>,
}

impl Handover {
    /// The items to follow up, oldest first, with the shift that wrote them.
    pub fn follow_ups(&self) -> Vec<(ShiftSlot, &str)> {
        self.shifts
            .iter()
            .filter_map(|d| d.record.as_ref().map(|r| (d.slot, r.follow_ups.as_str())))
            .filter(|(_, f)| !f.is_empty())
            .collect()
    }
}

/// Gathers the duty record for taking over `slot` at `gate` (local times in `tz`): the two
/// shifts before it, or the two days before after rest days.
pub fn build(
    store: &Store,
    gate: &str,
    tz: Tz,
    slot: ShiftSlot,
    after_rest: bool,
) -> anyhow::Result<Handover> {
    let scope = handover_scope(slot, after_rest);
    let records = store.shift_records(Some(gate), scope.from.date(), scope.to.date())?;
    let mut shifts = Vec::with_capacity(scope.slots.len());
    for s in &scope.slots {
        let events = store.events(&EventQuery {
            from: Some(to_utc(s.start(), tz)?),
            to: Some(to_utc(s.end(), tz)?),
            gate: Some(gate.to_owned()),
            ..EventQuery::default()
        })?;
        let record = records
            .iter()
            .find(|r| r.date == s.date && r.shift == s.shift)
            .cloned();
        shifts.push(ShiftDuty {
            slot: *s,
            summary: summarise(&events),
            events,
            record,
        });
    }
    Ok(Handover {
        slot,
        after_rest,
        shifts,
    })
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
