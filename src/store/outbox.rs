//! This box's gate events on their way to the compound's shared store: the events not yet
//! written there, oldest first, and how far the writing has come. The box's own database is the
//! durable queue: an event is recorded here first and stays here while the shared store cannot
//! be reached.

use rusqlite::OptionalExtension;

use super::db::Store;
use super::error::StoreError;
use super::events::{EVENT_COLUMNS, GateEvent, event_row};

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
        self.read(move |c, _| {
            let after: i64 = c
                .query_row(
                    "SELECT last_event_id FROM uplink WHERE store = ?1",
                    [&store],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
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
