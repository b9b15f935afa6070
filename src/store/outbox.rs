//! This box's gate events on their way to the compound's shared store (the events not yet
//! written there, oldest first, and how far the writing has come), and the other boxes' vehicles
//! driving in and out, applied to this box's vehicles-inside list. The box's own database is the
//! durable queue: an event is recorded here first and stays here while the shared store cannot
//! be reached.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::columns::{posts_text, to_ms};
use super::db::Store;
use super::error::StoreError;
use super::events::{EVENT_COLUMNS, GateEvent, event_row};
use super::inside::{came_in_tx, went_out_tx};
use crate::domain::{Direction, PlateColour, clean_plate};

/// A gate event of this box, as the shared store takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    /// The id this box made for it (a UUIDv7 in text).
    pub uid: String,
    /// The event as recorded here (its `id` is this box's).
    pub event: GateEvent,
    /// The name of the person it names, if any (person ids are this box's own).
    pub person: Option<String>,
}

impl Store {
    /// Up to `limit` of this box's events not yet written to the shared store `store` (its
    /// address with the password hidden), oldest first.
    pub fn outgoing_events(
        &self,
        store: &str,
        limit: usize,
    ) -> Result<Vec<OutgoingEvent>, StoreError> {
        let store = store.to_owned();
        let after: i64 = self.read(move |c, _| {
            c.query_row(
                "SELECT last_event_id FROM uplink WHERE store = ?1",
                [&store],
                |r| r.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
        })?;
        self.events_after(after, limit)
    }

    /// Up to `limit` of this box's events after the one with id `after`, oldest first, as the
    /// shared store takes them.
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<OutgoingEvent>, StoreError> {
        self.read(move |c, _| {
            let sql = format!(
                "SELECT q.*, g.uid, p.name FROM ({EVENT_COLUMNS} WHERE id > ?1 ORDER BY id \
                 LIMIT ?2) AS q JOIN gate_events g ON g.id = q.id \
                 LEFT JOIN people p ON p.id = q.person_id ORDER BY q.id"
            );
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(rusqlite::params![after, limit as i64], |r| {
                let event = event_row(r)?;
                let uid: Option<String> = r.get(15)?;
                Ok(OutgoingEvent {
                    uid: uid.unwrap_or_else(|| format!("{:032x}", event.id)),
                    event,
                    person: r.get(16)?,
                })
            })?;
            rows.collect()
        })
    }

    /// How many of this box's events the shared store `store` has not been sent yet.
    pub fn outgoing_count(&self, store: &str) -> Result<u64, StoreError> {
        let store = store.to_owned();
        self.read(move |c, _| {
            c.query_row(
                "SELECT count(*) FROM gate_events WHERE id > \
                 coalesce((SELECT last_event_id FROM uplink WHERE store = ?1), 0)",
                [&store],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n.max(0) as u64)
    }

    /// Adds events copied from the shared store (`gateward store copy`), keeping their ids; an
    /// event already here (same id) is left as it is. The person is linked when exactly one
    /// person here has the event's name. Returns how many were new.
    pub fn copy_in_events(&self, events: Vec<OutgoingEvent>) -> Result<usize, StoreError> {
        self.write(move |conn, ctx| {
            let err = |e| ctx.err(e);
            let mut new = 0;
            let mut person = conn
                .prepare_cached(
                    "SELECT CASE WHEN count(*) = 1 THEN max(id) END FROM people WHERE name = ?1",
                )
                .map_err(err)?;
            let mut insert = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO gate_events (at_ms, gate, camera, kind, direction, \
                     person_id, plate, plate_colour, class, decision, notified, snapshot, score, \
                     shift, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
                     ?14, ?15)",
                )
                .map_err(err)?;
            for o in &events {
                let e = &o.event;
                let person_id: Option<i64> = match &o.person {
                    Some(name) => person.query_row([name], |r| r.get(0)).map_err(err)?,
                    None => None,
                };
                new += insert
                    .execute(params![
                        to_ms(e.at),
                        e.gate,
                        e.camera,
                        e.kind.key(),
                        e.direction.map(|d| d.key()),
                        person_id,
                        e.plate.as_deref().map(clean_plate),
                        e.plate_colour.map(|c| c.key()),
                        e.class.map(|c| c.key()),
                        e.decision,
                        posts_text(&e.notified),
                        e.snapshot,
                        e.score.map(f64::from),
                        e.shift.key(),
                        o.uid,
                    ])
                    .map_err(err)?;
            }
            Ok(new)
        })
    }

    /// How many of the events `uids` this box holds.
    pub fn events_present(&self, uids: &[String]) -> Result<usize, StoreError> {
        let uids = uids.to_vec();
        self.read(move |c, _| {
            let mut st = c.prepare_cached("SELECT 1 FROM gate_events WHERE uid = ?1")?;
            let mut n = 0;
            for uid in &uids {
                n += usize::from(st.exists([uid])?);
            }
            Ok(n)
        })
    }

    /// Notes that the shared store `store` holds this box's events up to `last_event_id`.
    pub fn mark_sent(&self, store: &str, last_event_id: i64) -> Result<(), StoreError> {
        let store = store.to_owned();
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO uplink (store, last_event_id) VALUES (?1, ?2) \
                 ON CONFLICT (store) DO UPDATE SET \
                 last_event_id = max(last_event_id, excluded.last_event_id)",
                rusqlite::params![store, last_event_id],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }
}

/// A vehicle driving in or out at another box's gate, as this box learns it from the shared
/// store.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleElsewhere {
    /// The id the other box made for the event.
    pub uid: String,
    /// Normalised (京A12345).
    pub plate: String,
    pub colour: Option<PlateColour>,
    pub at: DateTime<Utc>,
    pub gate: String,
    pub direction: Direction,
}

impl Store {
    /// Forgets the shared store's bookkeeping that is no longer needed: the other boxes' vehicle
    /// events that happened before `before` (the list was settled long since), and this box's
    /// changes that every shared store it sends to has been sent. Returns how many rows went.
    pub fn prune_shared_bookkeeping(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |conn, ctx| {
            let err = |e| ctx.err(e);
            let pulled = conn
                .execute(
                    "DELETE FROM pulled_events WHERE at_ms < ?1",
                    [to_ms(before)],
                )
                .map_err(err)?;
            let changes = conn
                .execute(
                    "DELETE FROM sync_changes WHERE EXISTS (SELECT 1 FROM uplink) \
                     AND seq <= (SELECT min(records_sent_seq) FROM uplink)",
                    [],
                )
                .map_err(err)?;
            Ok(pulled + changes)
        })
    }

    /// The shared store's time (ms) up to which the other boxes' events have been looked at.
    pub fn pulled_until(&self, store: &str) -> Result<i64, StoreError> {
        let store = store.to_owned();
        self.read(move |c, _| {
            c.query_row(
                "SELECT pulled_until_ms FROM uplink WHERE store = ?1",
                [&store],
                |r| r.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
        })
    }

    /// Applies the other boxes' vehicles driving in and out to this box's vehicles-inside list,
    /// oldest first, each once; one older than what this box knows of the plate (its own event,
    /// or another box's applied before) changes nothing. Notes `until_ms` as looked at. Returns
    /// how many changed the list.
    pub fn apply_vehicles_elsewhere(
        &self,
        store: &str,
        mut vehicles: Vec<VehicleElsewhere>,
        until_ms: i64,
    ) -> Result<usize, StoreError> {
        let store = store.to_owned();
        vehicles.sort_by_key(|v| v.at);
        self.write(move |conn, ctx| {
            let err = |e| ctx.err(e);
            let mut changed = 0;
            for v in &vehicles {
                let plate = clean_plate(&v.plate);
                let at = to_ms(v.at);
                let new = conn
                    .execute(
                        "INSERT OR IGNORE INTO pulled_events (uid, plate, at_ms) VALUES (?1, ?2, ?3)",
                        params![v.uid, plate, at],
                    )
                    .map_err(err)?;
                if new == 0 {
                    continue;
                }
                let newer: bool = conn
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM gate_events WHERE plate = ?1 AND at_ms > ?2) \
                         OR EXISTS (SELECT 1 FROM pulled_events WHERE plate = ?1 AND at_ms > ?2)",
                        params![plate, at],
                        |r| r.get(0),
                    )
                    .map_err(err)?;
                if newer {
                    continue;
                }
                let change = match v.direction {
                    Direction::In => {
                        came_in_tx(conn, &plate, v.colour, v.at, &v.gate, None).map(|()| true)
                    }
                    Direction::Out => went_out_tx(conn, &plate),
                };
                changed += usize::from(change.map_err(err)?);
            }
            conn.execute(
                "INSERT INTO uplink (store, pulled_until_ms) VALUES (?1, ?2) \
                 ON CONFLICT (store) DO UPDATE SET \
                 pulled_until_ms = max(pulled_until_ms, excluded.pulled_until_ms)",
                params![store, until_ms],
            )
            .map_err(err)?;
            Ok(changed)
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::events::NewGateEvent;

    fn elsewhere(uid: &str, minute: u32, direction: Direction) -> VehicleElsewhere {
        VehicleElsewhere {
            uid: uid.to_owned(),
            plate: "川A·8H458".to_owned(),
            colour: Some(PlateColour::Blue),
            at: Utc.with_ymd_and_hms(2026, 12, 6, 8, minute, 0).unwrap(),
            gate: "北门".to_owned(),
            direction,
        }
    }

    #[test]
    fn other_gates_cars_change_the_list_once_and_never_undo_a_newer_sighting() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("gate.sqlite")).unwrap();
        let plates = |s: &Store| {
            s.vehicles_inside()
                .unwrap()
                .into_iter()
                .map(|v| (v.plate, v.gate))
                .collect::<Vec<_>>()
        };
        // in at 北门 at 08:10, then out there at 08:20, given out of order: out stays out
        let changed = store
            .apply_vehicles_elsewhere(
                "s",
                vec![
                    elsewhere("b", 20, Direction::Out),
                    elsewhere("a", 10, Direction::In),
                ],
                1,
            )
            .unwrap();
        assert_eq!(changed, 2, "in, then out, in the order they happened");
        assert!(plates(&store).is_empty());
        // this box saw it come in at 08:30: the other gate's 08:20 way out, sent again, is old
        store
            .vehicle_came_in(
                "川A8H458",
                None,
                Utc.with_ymd_and_hms(2026, 12, 6, 8, 30, 0).unwrap(),
                "东门",
                None,
            )
            .unwrap();
        let mut seen = NewGateEvent::new(
            Utc.with_ymd_and_hms(2026, 12, 6, 8, 30, 0).unwrap(),
            "东门",
            crate::domain::EventKind::Vehicle,
            crate::domain::Shift::Morning,
        );
        seen.plate = Some("川A8H458".to_owned());
        store.insert_event(seen).unwrap();
        let c = elsewhere("c", 25, Direction::Out);
        assert_eq!(
            store
                .apply_vehicles_elsewhere("s", vec![c.clone()], 2)
                .unwrap(),
            0
        );
        assert_eq!(plates(&store), [("川A8H458".to_owned(), "东门".to_owned())]);
        // out at 北门 at 08:40: gone; the same event again changes nothing
        let d = elsewhere("d", 40, Direction::Out);
        assert_eq!(
            store
                .apply_vehicles_elsewhere("s", vec![d.clone()], 3)
                .unwrap(),
            1
        );
        assert!(plates(&store).is_empty());
        assert_eq!(
            store.apply_vehicles_elsewhere("s", vec![d, c], 4).unwrap(),
            0
        );
        assert_eq!(store.pulled_until("s").unwrap(), 4);
        // a month on, the other gates' old events are forgotten; the list stays
        let pruned = store
            .prune_shared_bookkeeping(Utc.with_ymd_and_hms(2027, 1, 6, 0, 0, 0).unwrap())
            .unwrap();
        assert_eq!(pruned, 4);
        assert!(plates(&store).is_empty());
    }

    #[test]
    fn changes_sent_to_every_shared_store_are_forgotten_and_the_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("gate.sqlite")).unwrap();
        let later = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        store
            .insert_person(
                "经理",
                crate::store::people::NewPerson::new("王建国", crate::domain::PersonClass::Vip),
            )
            .unwrap();
        // no shared store yet: kept, to send when one is set
        assert_eq!(store.prune_shared_bookkeeping(later).unwrap(), 0);
        assert_eq!(store.records_pending("s").unwrap(), 1);
        let (_, last) = store.records_to_send("s", "东门", 10).unwrap();
        store.mark_records_sent("s", last.unwrap()).unwrap();
        assert!(store.prune_shared_bookkeeping(later).unwrap() > 0);
        assert_eq!(store.records_pending("s").unwrap(), 0);
    }
}
