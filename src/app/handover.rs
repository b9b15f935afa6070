//! The duty record a guard reads when taking over a shift (seed §1.4): the two shifts before
//! (the two days before, after rest days), with what happened, the alerts, the notes and the
//! items to follow up. [`build`] gathers it from the records for `gateward handover` and for
//! the web's handover page.
//!
//! It looks forward too: [`open_items`] is what the outgoing shift leaves running (visitors
//! inside, passes held at the gate, vehicles that came in during the shift and are still
//! inside, alerts no guard has resolved), and [`sign_off`] records the incoming guard taking
//! the shift over, once a shift.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::report::{Summary, summarise};
use super::when::{TimeError, to_utc};
use crate::domain::EventKind;
use crate::rules::gate::{ShiftSlot, handover_scope};
use crate::store::{
    EventQuery, GateEvent, PassRecord, ShiftRecord, Store, StoreError, VehicleInside, VisitRecord,
};

/// Why the duty record cannot be gathered.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    /// A shift's start or end was skipped by a clock change.
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The shift was already taken over.
    #[error(
        "这一班已经由 {by} 接班确认过了，不用再确认 (this shift was already signed off by {by})"
    )]
    AlreadySigned { by: String, at: DateTime<Utc> },
    /// The guard who kept the shift tried to sign it off.
    #[error(
        "交接须由接班人员确认，不能由本班值班人员 {0} 自己确认 (the incoming guard signs the handover off, not the outgoing one)"
    )]
    OwnShift(String),
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

/// How long into a shift the shift before may still be signed off (a late handover).
const LATE_HANDOVER: i64 = 30;

/// The shift being handed over at `now` (local): the shift before, while it is less than
/// half an hour over (the change of shift); otherwise the current one.
pub fn outgoing_slot(now: NaiveDateTime) -> ShiftSlot {
    let current = ShiftSlot::at(now);
    if now < current.start() + Duration::minutes(LATE_HANDOVER) {
        current.previous()
    } else {
        current
    }
}

/// What a shift leaves open to the next.
#[derive(Debug, Clone)]
pub struct OpenItems {
    pub slot: ShiftSlot,
    /// Visitors registered and not signed out, by time in.
    pub visitors: Vec<VisitRecord>,
    /// Passes whose second half is held at the gate (the holder inside), by number.
    pub passes: Vec<PassRecord>,
    /// Vehicles that came in by this gate since the shift began and are still inside.
    pub vehicles: Vec<VehicleInside>,
    /// The alerts at this gate since the shift began that no guard has confirmed or corrected,
    /// oldest first.
    pub alerts: Vec<GateEvent>,
    /// The shift's record (notes, and who took it over), when there is one.
    pub record: Option<ShiftRecord>,
}

impl OpenItems {
    /// Who took the shift over, and when.
    pub fn signed(&self) -> Option<&(String, DateTime<Utc>)> {
        self.record.as_ref().and_then(|r| r.handed_to.as_ref())
    }

    /// Nothing is left open.
    pub fn is_empty(&self) -> bool {
        self.visitors.is_empty()
            && self.passes.is_empty()
            && self.vehicles.is_empty()
            && self.alerts.is_empty()
    }
}

fn shift_record(
    store: &Store,
    gate: &str,
    slot: ShiftSlot,
) -> Result<Option<ShiftRecord>, HandoverError> {
    Ok(store
        .shift_records(Some(gate), slot.date, slot.date)?
        .into_iter()
        .find(|r| r.shift == slot.shift))
}

/// What `slot` at `gate` leaves open (local times in `tz`): what is still going on now, and
/// what came in since the shift began (a handover a few minutes late includes those minutes).
pub fn open_items(
    store: &Store,
    gate: &str,
    tz: Tz,
    slot: ShiftSlot,
) -> Result<OpenItems, HandoverError> {
    let from = to_utc(slot.start(), tz)?;
    let vehicles = store
        .vehicles_inside()?
        .into_iter()
        .filter(|v| v.gate == gate && v.since >= from)
        .collect();
    let alerts = store.events(&EventQuery {
        from: Some(from),
        gate: Some(gate.to_owned()),
        kind: Some(EventKind::Alert),
        ..EventQuery::default()
    })?;
    let ids: Vec<i64> = alerts.iter().map(|e| e.id).collect();
    let resolved = store.checked_events(&ids)?;
    Ok(OpenItems {
        slot,
        visitors: store.visitors_inside()?,
        passes: store.passes_at_gate()?,
        vehicles,
        alerts: alerts
            .into_iter()
            .filter(|e| !resolved.contains(&e.id))
            .collect(),
        record: shift_record(store, gate, slot)?,
    })
}

/// Records that `by`, the incoming guard, took `slot` at `gate` over at `at`. Refused when the
/// shift was already signed off, or when `by` is the guard who kept its record.
pub fn sign_off(
    store: &Store,
    gate: &str,
    slot: ShiftSlot,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), HandoverError> {
    let record = shift_record(store, gate, slot)?;
    if let Some(r) = &record {
        if let Some((who, when)) = &r.handed_to {
            return Err(HandoverError::AlreadySigned {
                by: who.clone(),
                at: *when,
            });
        }
        if r.guard == by {
            return Err(HandoverError::OwnShift(by.to_owned()));
        }
    }
    if store.sign_off_shift(by, gate, slot.date, slot.shift, by, at)? {
        return Ok(());
    }
    // signed off by someone else meanwhile
    match shift_record(store, gate, slot)?.and_then(|r| r.handed_to) {
        Some((by, at)) => Err(HandoverError::AlreadySigned { by, at }),
        None => Err(HandoverError::Store(StoreError::Invalid {
            what: "handover",
            message: "the shift could not be signed off".to_owned(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::Shift;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("a time")
    }

    #[test]
    fn the_shift_before_is_handed_over_for_half_an_hour_after_it_ends() {
        assert_eq!(outgoing_slot(at(12, 10)).shift, Shift::Morning);
        assert_eq!(outgoing_slot(at(12, 40)).shift, Shift::Afternoon);
        assert_eq!(outgoing_slot(at(11, 50)).shift, Shift::Morning);
        let night = outgoing_slot(at(0, 5));
        assert_eq!(night.shift, Shift::Evening);
        assert_eq!(
            night.date,
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("a date")
        );
    }
}
