//! The duty record a guard reads when taking over a shift (seed §1.4): the two shifts before
//! (the two days before, after rest days), with what happened, the alerts, the notes and the
//! items to follow up. [`build`] gathers it from the records for `gateward handover` and for
//! the web's handover page.

use chrono_tz::Tz;

use super::report::{Summary, summarise};
use super::when::{TimeError, to_utc};
use crate::rules::gate::{ShiftSlot, handover_scope};
use crate::store::{EventQuery, GateEvent, ShiftRecord, Store, StoreError};

/// Why the duty record cannot be gathered.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    /// A shift's start or end was skipped by a clock change.
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
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
) -> Result<Handover, HandoverError> {
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
