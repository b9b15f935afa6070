//! Gate events: every sighting, registration and alert with the decision taken, the posts
//! notified and the snapshot; the raw material of the duty record.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params, params_from_iter, types::Value};

use super::columns::{from_ms, key_col, opt_key_col, posts_col, posts_text, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::files::unnamed;
pub use crate::domain::EventKind;
use crate::domain::event::{GateEvent as SeenEvent, VehicleDecision};
use crate::domain::{Direction, PersonClass, PlateColour, Post, Shift, clean_plate};

/// A gate event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGateEvent {
    pub at: DateTime<Utc>,
    /// The gate's name, e.g. "东门".
    pub gate: String,
    /// The camera's name; empty for registrations made by hand.
    pub camera: String,
    pub kind: EventKind,
    pub direction: Option<Direction>,
    pub person_id: Option<i64>,
    /// Normalised on the way in (京A·12345 → 京A12345).
    pub plate: Option<String>,
    pub plate_colour: Option<PlateColour>,
    pub class: Option<PersonClass>,
    /// What the screen said or decided (the prompt, a refusal, the alert).
    pub decision: String,
    /// Posts notified, in order.
    pub notified: Vec<Post>,
    /// Snapshot file, relative to the data folder.
    pub snapshot: Option<String>,
    /// Recognition score.
    pub score: Option<f32>,
    /// The shift the event belongs to (from the rules, in the gate's time zone).
    pub shift: Shift,
}

impl NewGateEvent {
    /// An event of `kind` at `at` with nothing else known.
    pub fn new(at: DateTime<Utc>, gate: impl Into<String>, kind: EventKind, shift: Shift) -> Self {
        NewGateEvent {
            at,
            gate: gate.into(),
            camera: String::new(),
            kind,
            direction: None,
            person_id: None,
            plate: None,
            plate_colour: None,
            class: None,
            decision: String::new(),
            notified: Vec::new(),
            snapshot: None,
            score: None,
            shift,
        }
    }
}

impl NewGateEvent {
    /// The record of a gate event (a person or vehicle seen, or made at a desk) in `shift`: the
    /// gate log keeps who or what, the rules' words and the posts told. A vehicle turned away
    /// as oversize is an alert, recorded with the reason it is large; the score is the person's
    /// similarity (the caller sets a plate's).
    pub fn of(e: &SeenEvent, shift: Shift) -> NewGateEvent {
        let oversize = e.decision == Some(VehicleDecision::Oversize);
        let reason = e.plate.as_ref().and_then(|p| p.large_reason.as_deref());
        NewGateEvent {
            at: e.at.with_timezone(&Utc),
            gate: e.gate.clone(),
            camera: e.camera.clone(),
            kind: if oversize { EventKind::Alert } else { e.kind },
            direction: e.direction,
            person_id: e.person.as_ref().map(|p| p.id),
            plate: e.plate.as_ref().map(|p| p.text.clone()),
            plate_colour: e.plate.as_ref().map(|p| p.colour),
            class: e.person.as_ref().map(|p| p.class),
            decision: match reason {
                Some(why) if oversize => format!("{}（{why}）", e.say),
                _ => e.say.clone(),
            },
            notified: e.notify.clone(),
            snapshot: e.snapshot.clone(),
            score: e.person.as_ref().map(|p| p.similarity),
            shift,
        }
    }

    /// The plate as the log keeps it: normalised (京A·12345 → 京A12345), none when empty.
    fn stored_plate(&self) -> Option<String> {
        self.plate
            .as_deref()
            .map(clean_plate)
            .filter(|p| !p.is_empty())
    }
}

/// A stored gate event.
#[derive(Debug, Clone, PartialEq)]
pub struct GateEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub gate: String,
    pub camera: String,
    pub kind: EventKind,
    pub direction: Option<Direction>,
    pub person_id: Option<i64>,
    pub plate: Option<String>,
    pub plate_colour: Option<PlateColour>,
    pub class: Option<PersonClass>,
    pub decision: String,
    pub notified: Vec<Post>,
    pub snapshot: Option<String>,
    pub score: Option<f32>,
    pub shift: Shift,
}

/// Which gate events to list; every field left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// From this instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Plates containing this text (normalised first: "a·123" finds 京A12345).
    pub plate: Option<String>,
    pub person_id: Option<i64>,
    pub class: Option<PersonClass>,
    pub shift: Option<Shift>,
    pub gate: Option<String>,
    pub kind: Option<EventKind>,
    /// At most this many, the oldest first.
    pub limit: Option<usize>,
}

pub(super) const EVENT_COLUMNS: &str = "SELECT id, at_ms, gate, camera, kind, direction, person_id, plate, \
     plate_colour, class, decision, notified, snapshot, score, shift FROM gate_events";

pub(super) fn event_row(r: &Row<'_>) -> rusqlite::Result<GateEvent> {
    Ok(GateEvent {
        id: r.get(0)?,
        at: from_ms(1, r.get(1)?)?,
        gate: r.get(2)?,
        camera: r.get(3)?,
        kind: key_col(r, 4)?,
        direction: opt_key_col(r, 5)?,
        person_id: r.get(6)?,
        plate: r.get(7)?,
        plate_colour: opt_key_col(r, 8)?,
        class: opt_key_col(r, 9)?,
        decision: r.get(10)?,
        notified: posts_col(r, 11)?,
        snapshot: r.get(12)?,
        score: r.get::<_, Option<f64>>(13)?.map(|s| s as f32),
        shift: key_col(r, 14)?,
    })
}

/// A new event's id, made on this box: a UUIDv7 whose time is the event's (so ids sort by the
/// event's time across boxes) and whose other 74 bits are random.
pub(crate) fn event_uid(at: DateTime<Utc>) -> uuid::Uuid {
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        ms / 1000,
        (ms % 1000) as u32 * 1_000_000,
    ))
}

/// Inserts one event inside the caller's transaction; returns its id.
pub(crate) fn insert_tx(conn: &Connection, ctx: &Ctx, e: &NewGateEvent) -> Result<i64, StoreError> {
    let mut st = conn
        .prepare_cached(
            "INSERT INTO gate_events (at_ms, gate, camera, kind, direction, person_id, plate, \
             plate_colour, class, decision, notified, snapshot, score, shift, uid) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .map_err(|err| ctx.err(err))?;
    st.execute(params![
        to_ms(e.at),
        e.gate,
        e.camera,
        e.kind.key(),
        e.direction.map(|d| d.key()),
        e.person_id,
        e.stored_plate(),
        e.plate_colour.map(|c| c.key()),
        e.class.map(|c| c.key()),
        e.decision,
        posts_text(&e.notified),
        e.snapshot,
        e.score.map(f64::from),
        e.shift.key(),
        event_uid(e.at).to_string(),
    ])
    .map_err(|err| ctx.err(err))?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Records a gate event; returns its id once it is durable. Events queued together are
    /// committed in one transaction.
    pub fn insert_event(&self, e: NewGateEvent) -> Result<i64, StoreError> {
        self.write(move |conn, ctx| insert_tx(conn, ctx, &e))
    }

    /// The recorded arrival `id` as the camera tells it now, after a better view or a change to
    /// the gallery: who (and their class and score), which way, the plate, and what the screen
    /// said. When, where, its snapshot and its id in the shared store stay. An arrival a guard
    /// has confirmed or corrected keeps the guard's word. Returns whether it changed.
    pub fn revise_event(&self, id: i64, e: NewGateEvent) -> Result<bool, StoreError> {
        self.write(move |conn, ctx| {
            let changed = conn
                .execute(
                    "UPDATE gate_events SET direction = ?2, person_id = ?3, plate = ?4, \
                     plate_colour = ?5, class = ?6, decision = ?7, notified = ?8, score = ?9 \
                     WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM event_checks WHERE event_id = ?1)",
                    params![
                        id,
                        e.direction.map(|d| d.key()),
                        e.person_id,
                        e.stored_plate(),
                        e.plate_colour.map(|c| c.key()),
                        e.class.map(|c| c.key()),
                        e.decision,
                        posts_text(&e.notified),
                        e.score.map(f64::from),
                    ],
                )
                .map_err(|err| ctx.err(err))?;
            Ok(changed > 0)
        })
    }

    /// The gate event with this id.
    pub fn event(&self, id: i64) -> Result<Option<GateEvent>, StoreError> {
        use rusqlite::OptionalExtension;
        self.read(|c, _| {
            c.query_row(&format!("{EVENT_COLUMNS} WHERE id = ?1"), [id], event_row)
                .optional()
        })
    }

    /// Which of the gate events `ids` a guard has confirmed or corrected (resolved).
    pub fn checked_events(&self, ids: &[i64]) -> Result<HashSet<i64>, StoreError> {
        let ids = ids.to_vec();
        self.read(move |c, _| {
            let mut st =
                c.prepare_cached("SELECT 1 FROM event_checks WHERE event_id = ?1 LIMIT 1")?;
            let mut found = HashSet::new();
            for id in ids {
                if st.exists([id])? {
                    found.insert(id);
                }
            }
            Ok(found)
        })
    }

    /// Unlinks the snapshots of the gate events before `before` (the retention period; the
    /// events stay in the log) and returns the snapshot files no record names any more, for the
    /// caller to delete.
    pub fn expire_snapshots(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.write(move |conn, ctx| {
            let cutoff = to_ms(before);
            let snapshots = {
                let mut st = conn
                    .prepare(
                        "SELECT DISTINCT snapshot FROM gate_events \
                         WHERE at_ms < ?1 AND snapshot IS NOT NULL",
                    )
                    .map_err(|e| ctx.err(e))?;
                let rows = st
                    .query_map([cutoff], |r| r.get::<_, String>(0))
                    .map_err(|e| ctx.err(e))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
                    .map_err(|e| ctx.err(e))?
            };
            conn.execute(
                "UPDATE gate_events SET snapshot = NULL WHERE at_ms < ?1 AND snapshot IS NOT NULL",
                [cutoff],
            )
            .map_err(|e| ctx.err(e))?;
            unnamed(conn, snapshots).map_err(|e| ctx.err(e))
        })
    }

    /// The gate events matching `q`, oldest first.
    pub fn events(&self, q: &EventQuery) -> Result<Vec<GateEvent>, StoreError> {
        let mut sql = format!("{EVENT_COLUMNS} WHERE 1");
        let mut args: Vec<Value> = Vec::new();
        let mut add = |clause: &str, v: Value| {
            sql.push_str(clause);
            args.push(v);
        };
        if let Some(from) = q.from {
            add(" AND at_ms >= ?", Value::Integer(to_ms(from)));
        }
        if let Some(to) = q.to {
            add(" AND at_ms < ?", Value::Integer(to_ms(to)));
        }
        if let Some(plate) = &q.plate {
            add(" AND instr(plate, ?) > 0", Value::Text(clean_plate(plate)));
        }
        if let Some(id) = q.person_id {
            add(" AND person_id = ?", Value::Integer(id));
        }
        if let Some(class) = q.class {
            add(" AND class = ?", Value::Text(class.key().to_owned()));
        }
        if let Some(shift) = q.shift {
            add(" AND shift = ?", Value::Text(shift.key().to_owned()));
        }
        if let Some(gate) = &q.gate {
            add(" AND gate = ?", Value::Text(gate.clone()));
        }
        if let Some(kind) = q.kind {
            add(" AND kind = ?", Value::Text(kind.key().to_owned()));
        }
        sql.push_str(" ORDER BY at_ms, id");
        if let Some(limit) = q.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.read(|c, _| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(params_from_iter(args), event_row)?;
            rows.collect()
        })
    }
}
