//! The compound's shared store on PostgreSQL (15+), for a compound with several gate boxes: the
//! gate log of every box, each event kept once by the id its box made. Its schema is versioned
//! like the box's own (`shared_migrations/`), upgraded under an advisory lock so that two boxes
//! starting together do not both upgrade it.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls};

use super::columns::posts_text;
use super::events::GateEvent;
use super::library::{PulledRecord, RecordDoc, RecordKind};
use super::outbox::{OutgoingEvent, VehicleElsewhere};
use crate::domain::{Direction, PlateColour};

/// The shared store's migrations, in order; version N is `SHARED_MIGRATIONS[N - 1]`.
const SHARED_MIGRATIONS: &[&str] = &[
    include_str!("shared_migrations/001_gate_log.sql"),
    include_str!("shared_migrations/002_records.sql"),
];

/// The shared store's schema version this binary writes.
pub const SHARED_SCHEMA_VERSION: i32 = SHARED_MIGRATIONS.len() as i32;

/// The advisory lock held while the schema is upgraded ("GWRD").
const SCHEMA_LOCK: i64 = 0x4757_5244;

/// The advisory lock held by each transaction that writes shared records ("GWRC"), so that they
/// commit in the order of their `seq`.
const RECORDS_LOCK: i64 = 0x4757_5243;

/// The channel the boxes are told of new shared records on.
const RECORDS_CHANNEL: &str = "gateward_records";

/// What can go wrong with the shared store, in words that say what to do. The address is shown
/// with its password hidden.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SharedError {
    /// The address is not a PostgreSQL address.
    #[error(
        "the shared store address {store} cannot be used: {detail}; write it as \
         postgres://USER:PASSWORD@HOST:5432/DATABASE"
    )]
    Address { store: String, detail: String },
    /// The server cannot be reached or refused the login.
    #[error(
        "the shared store {store} cannot be reached: {detail}; check the network, that \
         PostgreSQL runs there and the user and password (events are kept on this box meanwhile)"
    )]
    Unreachable { store: String, detail: String },
    /// The shared store was upgraded by a newer gateward.
    #[error(
        "the shared store {store} was upgraded by a newer gateward (schema {found}, this one \
         knows {known}); upgrade gateward on this box"
    )]
    TooNew {
        store: String,
        found: i32,
        known: i32,
    },
    /// A query failed on a reachable server.
    #[error("the shared store {store} refused {what}: {detail}")]
    Query {
        store: String,
        what: &'static str,
        detail: String,
    },
}

/// An event as the shared store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedEvent {
    /// The id its box made.
    pub uid: uuid::Uuid,
    /// The box that recorded it.
    pub box_name: String,
    pub at: DateTime<Utc>,
    pub gate: String,
    pub camera: String,
    /// `person`, `vehicle`, `alert` or `registration`.
    pub kind: String,
    /// `in` or `out`.
    pub direction: Option<String>,
    /// The person's name.
    pub person: Option<String>,
    pub plate: Option<String>,
    pub decision: String,
}

/// A connection to the shared store.
pub struct SharedStore {
    client: Client,
    shown: String,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("store", &self.shown)
            .finish()
    }
}

impl SharedStore {
    /// Connects to the PostgreSQL server at `url` (giving up after `timeout`) and upgrades its
    /// schema when it is older than this binary's.
    pub fn connect(url: &str, timeout: Duration) -> Result<SharedStore, SharedError> {
        let shown = shown(url);
        let mut config = postgres::Config::from_str(url).map_err(|e| SharedError::Address {
            store: shown.clone(),
            detail: e.to_string(),
        })?;
        config.connect_timeout(timeout).application_name("gateward");
        let client = config
            .connect(NoTls)
            .map_err(|e| SharedError::Unreachable {
                store: shown.clone(),
                detail: words(&e),
            })?;
        let mut store = SharedStore { client, shown };
        store.migrate()?;
        Ok(store)
    }

    /// The address, password hidden.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn migrate(&mut self) -> Result<(), SharedError> {
        let known = SHARED_SCHEMA_VERSION;
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| self_error(&self.shown, "the schema upgrade", &e))?;
        let run = |tx: &mut postgres::Transaction<'_>| -> Result<i32, postgres::Error> {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS gateward_schema (version INTEGER NOT NULL)",
            )?;
            let found: Option<i32> = tx
                .query_one("SELECT max(version) FROM gateward_schema", &[])?
                .get(0);
            Ok(found.unwrap_or(0))
        };
        let found = run(&mut tx).map_err(|e| self_error(&self.shown, "the schema upgrade", &e))?;
        if found > known {
            return Err(SharedError::TooNew {
                store: self.shown.clone(),
                found,
                known,
            });
        }
        for (i, sql) in SHARED_MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = i as i32 + 1;
            tx.batch_execute(sql)
                .and_then(|_| {
                    tx.execute(
                        "INSERT INTO gateward_schema (version) VALUES ($1)",
                        &[&version],
                    )
                })
                .map_err(|e| self_error(&self.shown, "the schema upgrade", &e))?;
            tracing::info!(store = %self.shown, version, "shared store upgraded");
        }
        tx.commit()
            .map_err(|e| self_error(&self.shown, "the schema upgrade", &e))
    }

    /// Whether the server still answers.
    pub fn ping(&mut self) -> Result<(), SharedError> {
        self.client
            .simple_query("SELECT 1")
            .map(|_| ())
            .map_err(|e| self_error(&self.shown, "a check", &e))
    }

    /// The server's version, e.g. "15.14 (Debian 15.14-0+deb12u1)".
    pub fn server_version(&mut self) -> Result<String, SharedError> {
        self.client
            .query_one("SHOW server_version", &[])
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "its version", &e))
    }

    /// Writes `events` of the box `box_name` in one transaction; an event the store already
    /// holds (same id) is left as it is. Returns how many were new.
    pub fn write(&mut self, box_name: &str, events: &[OutgoingEvent]) -> Result<u64, SharedError> {
        let shown = self.shown.clone();
        let fail = |e: &postgres::Error| self_error(&shown, "the box's events", e);
        let mut tx = self.client.transaction().map_err(|e| fail(&e))?;
        let insert = tx
            .prepare(
                "INSERT INTO gate_events (uid, box, box_event_id, at, gate, camera, kind, \
                 direction, person, plate, plate_colour, class, decision, notified, snapshot, \
                 score, shift) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17) ON CONFLICT (uid) DO NOTHING",
            )
            .map_err(|e| fail(&e))?;
        let mut new = 0;
        for o in events {
            let uid = uuid::Uuid::parse_str(&o.uid).map_err(|e| SharedError::Query {
                store: shown.clone(),
                what: "an event id",
                detail: format!("{}: {e}", o.uid),
            })?;
            let e = &o.event;
            new += tx
                .execute(
                    &insert,
                    &[
                        &uid,
                        &box_name,
                        &e.id,
                        &e.at,
                        &e.gate,
                        &e.camera,
                        &e.kind.key(),
                        &e.direction.map(|d| d.key()),
                        &o.person,
                        &e.plate,
                        &e.plate_colour.map(|c| c.key()),
                        &e.class.map(|c| c.key()),
                        &e.decision,
                        &posts_text(&e.notified),
                        &e.snapshot,
                        &e.score,
                        &e.shift.key(),
                    ],
                )
                .map_err(|e| fail(&e))?;
        }
        tx.commit().map_err(|e| fail(&e))?;
        Ok(new)
    }

    /// The vehicles that drove in or out at the other boxes' gates (not `me`'s), received by
    /// the shared store after `since_ms` (its own time, ms; 0: all), and the shared store's
    /// time now, to be given as `since_ms` next time less a margin for writes still committing.
    pub fn vehicles_elsewhere(
        &mut self,
        me: &str,
        since_ms: i64,
    ) -> Result<(Vec<VehicleElsewhere>, i64), SharedError> {
        let fail = |e: &postgres::Error| self_error(&self.shown, "the other boxes' vehicles", e);
        let now: DateTime<Utc> = self
            .client
            .query_one("SELECT now()", &[])
            .map_err(|e| fail(&e))?
            .get(0);
        let since = DateTime::<Utc>::from_timestamp_millis(since_ms).unwrap_or_default();
        let rows = self
            .client
            .query(
                "SELECT uid, plate, plate_colour, at, gate, direction FROM gate_events \
                 WHERE box <> $1 AND kind = 'vehicle' AND plate IS NOT NULL \
                 AND direction IS NOT NULL AND written_at > $2 ORDER BY at",
                &[&me, &since],
            )
            .map_err(|e| fail(&e))?;
        let vehicles = rows
            .iter()
            .filter_map(|r| {
                let uid: uuid::Uuid = r.get(0);
                let colour: Option<String> = r.get(2);
                let direction: String = r.get(5);
                Some(VehicleElsewhere {
                    uid: uid.to_string(),
                    plate: r.get(1),
                    colour: colour.and_then(|c| c.parse::<PlateColour>().ok()),
                    at: r.get(3),
                    gate: r.get(4),
                    direction: direction.parse::<Direction>().ok()?,
                })
            })
            .collect();
        Ok((vehicles, now.timestamp_millis()))
    }

    /// Writes `records` of the box `box_name` in one transaction and tells the listening boxes.
    /// A record the store holds just so is left as it is (its place in the order too). Returns
    /// how many changed.
    pub fn write_records(
        &mut self,
        box_name: &str,
        records: &[RecordDoc],
    ) -> Result<u64, SharedError> {
        let shown = self.shown.clone();
        let fail = |e: &postgres::Error| self_error(&shown, "the box's records", e);
        let mut tx = self.client.transaction().map_err(|e| fail(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&RECORDS_LOCK])
            .map_err(|e| fail(&e))?;
        let upsert = tx
            .prepare(
                "INSERT INTO shared_records (kind, uid, doc, box) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kind, uid) DO UPDATE SET doc = excluded.doc, box = excluded.box, \
                 seq = nextval('shared_records_seq'), written_at = now() \
                 WHERE shared_records.doc IS DISTINCT FROM excluded.doc",
            )
            .map_err(|e| fail(&e))?;
        let mut changed = 0;
        for r in records {
            changed += tx
                .execute(&upsert, &[&r.kind.key(), &r.uid, &r.doc, &box_name])
                .map_err(|e| fail(&e))?;
        }
        if changed > 0 {
            tx.batch_execute(&format!("NOTIFY {RECORDS_CHANNEL}"))
                .map_err(|e| fail(&e))?;
        }
        tx.commit().map_err(|e| fail(&e))?;
        Ok(changed)
    }

    /// Up to `limit` shared records changed after `after_seq`, in order. The documents of
    /// `me`'s own are left out (that box has them).
    pub fn records_since(
        &mut self,
        me: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<PulledRecord>, SharedError> {
        let rows = self
            .client
            .query(
                "SELECT seq, box, kind, uid, CASE WHEN box = $1 THEN NULL ELSE doc END \
                 FROM shared_records WHERE seq > $2 ORDER BY seq LIMIT $3",
                &[&me, &after_seq, &limit],
            )
            .map_err(|e| self_error(&self.shown, "the shared records", &e))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let kind: String = r.get(2);
                Some(PulledRecord {
                    seq: r.get(0),
                    box_name: r.get(1),
                    record: RecordDoc {
                        kind: RecordKind::from_key(&kind)?,
                        uid: r.get(3),
                        doc: r.get(4),
                    },
                })
            })
            .collect())
    }

    /// The last change of the shared records (0: none).
    pub fn records_seq(&mut self) -> Result<i64, SharedError> {
        self.client
            .query_one("SELECT coalesce(max(seq), 0) FROM shared_records", &[])
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "the shared records", &e))
    }

    /// How many shared records of `kind` there are (deleted ones left out).
    pub fn records_count(&mut self, kind: RecordKind) -> Result<i64, SharedError> {
        self.client
            .query_one(
                "SELECT count(*) FROM shared_records WHERE kind = $1 AND doc IS NOT NULL",
                &[&kind.key()],
            )
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "the shared records", &e))
    }

    /// Asks the server to tell this connection of new shared records (see
    /// [`SharedStore::wait_for_records`]).
    pub fn listen(&mut self) -> Result<(), SharedError> {
        self.client
            .batch_execute(&format!("LISTEN {RECORDS_CHANNEL}"))
            .map_err(|e| self_error(&self.shown, "listening", &e))
    }

    /// Waits up to `timeout` for the server to say that records changed (after
    /// [`SharedStore::listen`]); whether it did.
    pub fn wait_for_records(&mut self, timeout: Duration) -> Result<bool, SharedError> {
        use fallible_iterator::FallibleIterator as _;
        let mut notes = self.client.notifications();
        let told = notes
            .timeout_iter(timeout)
            .next()
            .map_err(|e| self_error(&self.shown, "listening", &e))?
            .is_some();
        // the others that came together are the same news
        while let Ok(Some(_)) = notes.iter().next() {}
        Ok(told)
    }

    /// Up to `limit` events of every box after the one with id `after` (by id; `None`: from
    /// the first), as a box's records take them (`gateward store copy`).
    pub fn events_page(
        &mut self,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<OutgoingEvent>, SharedError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM gate_events \
                     WHERE $1::UUID IS NULL OR uid > $1 ORDER BY uid LIMIT $2"
                ),
                &[&after, &limit],
            )
            .map_err(|e| self_error(&self.shown, "the gate log", &e))?;
        rows.iter()
            .map(|r| event_of_row(r).map_err(|detail| self.bad_event(detail)))
            .collect()
    }

    /// The other boxes' events (not `me`'s) that told posts something (a visitor registered, a
    /// VIP arriving), received by the shared store within the last `within`, oldest first, each
    /// with its box.
    pub fn notices_elsewhere(
        &mut self,
        me: &str,
        within: Duration,
    ) -> Result<Vec<(String, OutgoingEvent)>, SharedError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS}, box FROM gate_events WHERE box <> $1 \
                     AND notified <> '' AND written_at > now() - make_interval(secs => $2) \
                     ORDER BY at, uid"
                ),
                &[&me, &within.as_secs_f64()],
            )
            .map_err(|e| self_error(&self.shown, "the other boxes' notices", &e))?;
        rows.iter()
            .map(|r| {
                let e = event_of_row(r).map_err(|detail| self.bad_event(detail))?;
                Ok((r.get(15), e))
            })
            .collect()
    }

    fn bad_event(&self, detail: String) -> SharedError {
        SharedError::Query {
            store: self.shown.clone(),
            what: "the gate log",
            detail,
        }
    }

    /// How many of the events `uids` the shared store holds.
    pub fn events_present(&mut self, uids: &[uuid::Uuid]) -> Result<i64, SharedError> {
        self.client
            .query_one(
                "SELECT count(*) FROM gate_events WHERE uid = ANY($1)",
                &[&uids],
            )
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "the gate log", &e))
    }

    /// How many events the shared store holds.
    pub fn events_count(&mut self) -> Result<i64, SharedError> {
        self.client
            .query_one("SELECT count(*) FROM gate_events", &[])
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "the gate log", &e))
    }

    /// How many of the records `uids` of `kind` the shared store holds (deleted ones left out).
    pub fn records_present(
        &mut self,
        kind: RecordKind,
        uids: &[String],
    ) -> Result<i64, SharedError> {
        self.client
            .query_one(
                "SELECT count(*) FROM shared_records WHERE kind = $1 AND uid = ANY($2) \
                 AND doc IS NOT NULL",
                &[&kind.key(), &uids],
            )
            .map(|r| r.get(0))
            .map_err(|e| self_error(&self.shown, "the shared records", &e))
    }

    /// Deletes the shared records written by the boxes whose names match the SQL `LIKE`
    /// pattern `pattern` (the benchmark's own); how many went.
    pub fn remove_records_like(&mut self, pattern: &str) -> Result<u64, SharedError> {
        self.client
            .execute("DELETE FROM shared_records WHERE box LIKE $1", &[&pattern])
            .map_err(|e| self_error(&self.shown, "the removal", &e))
    }

    /// Deletes the events of the boxes whose names match the SQL `LIKE` pattern `pattern` (the
    /// benchmark's own); how many went.
    pub fn remove_boxes_like(&mut self, pattern: &str) -> Result<u64, SharedError> {
        self.client
            .execute("DELETE FROM gate_events WHERE box LIKE $1", &[&pattern])
            .map_err(|e| self_error(&self.shown, "the removal", &e))
    }

    /// The events the shared store holds, oldest first (by time, then id), `box_name`'s only
    /// when given.
    pub fn events(&mut self, box_name: Option<&str>) -> Result<Vec<SharedEvent>, SharedError> {
        let rows = self
            .client
            .query(
                "SELECT uid, box, at, gate, camera, kind, direction, person, plate, decision \
                 FROM gate_events WHERE $1::TEXT IS NULL OR box = $1 ORDER BY at, uid",
                &[&box_name],
            )
            .map_err(|e| self_error(&self.shown, "the gate log", &e))?;
        Ok(rows
            .iter()
            .map(|r| SharedEvent {
                uid: r.get(0),
                box_name: r.get(1),
                at: r.get(2),
                gate: r.get(3),
                camera: r.get(4),
                kind: r.get(5),
                direction: r.get(6),
                person: r.get(7),
                plate: r.get(8),
                decision: r.get(9),
            })
            .collect())
    }
}

/// The columns [`event_of_row`] reads, in order.
const EVENT_COLUMNS: &str = "uid, at, gate, camera, kind, direction, person, plate, plate_colour, \
     class, decision, notified, snapshot, score, shift";

/// An event of the shared gate log as a box's records take it (its `id` is 0: it has none there).
fn event_of_row(r: &postgres::Row) -> Result<OutgoingEvent, String> {
    let bad = |what: &str, value: &str| {
        format!("an event has the {what} {value:?}, which this gateward does not know")
    };
    let uid: uuid::Uuid = r.get(0);
    let kind: String = r.get(4);
    let shift: String = r.get(14);
    let notified: String = r.get(11);
    let key = |i: usize| r.get::<_, Option<String>>(i);
    Ok(OutgoingEvent {
        uid: uid.to_string(),
        person: r.get(6),
        event: GateEvent {
            id: 0,
            at: r.get(1),
            gate: r.get(2),
            camera: r.get(3),
            kind: kind.parse().map_err(|_| bad("kind", &kind))?,
            direction: key(5).and_then(|d| d.parse().ok()),
            person_id: None,
            plate: r.get(7),
            plate_colour: key(8).and_then(|c| c.parse().ok()),
            class: key(9).and_then(|c| c.parse().ok()),
            decision: r.get(10),
            notified: notified.split(',').filter_map(|p| p.parse().ok()).collect(),
            snapshot: r.get(12),
            score: r.get(13),
            shift: shift.parse().map_err(|_| bad("shift", &shift))?,
        },
    })
}

fn self_error(shown: &str, what: &'static str, e: &postgres::Error) -> SharedError {
    if e.is_closed() || e.as_db_error().is_none() {
        SharedError::Unreachable {
            store: shown.to_owned(),
            detail: words(e),
        }
    } else {
        SharedError::Query {
            store: shown.to_owned(),
            what,
            detail: words(e),
        }
    }
}

/// A PostgreSQL error as one line: the server's message when it gave one, else the client's
/// with its causes.
fn words(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// `url` with its password hidden: `postgres://gate:***@10.0.0.2/compound`, and a
/// `password=` setting in either form.
pub fn shown(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme) = out.find("://") {
        let rest = scheme + 3;
        let end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..end].rfind('@').map(|i| rest + i)
            && let Some(colon) = out[rest..at].find(':').map(|i| rest + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(at) = lower.find("password=") {
        let start = at + "password=".len();
        let end = out[start..]
            .find(['&', ' '])
            .map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_every_form() {
        for (url, want) in [
            (
                "postgres://gate:s3cret@10.0.0.2:5432/compound",
                "postgres://gate:***@10.0.0.2:5432/compound",
            ),
            (
                "postgres://gate@10.0.0.2/compound",
                "postgres://gate@10.0.0.2/compound",
            ),
            (
                "postgresql://10.0.0.2/compound?user=gate&password=s3cret&sslmode=disable",
                "postgresql://10.0.0.2/compound?user=gate&password=***&sslmode=disable",
            ),
            (
                "host=10.0.0.2 user=gate password=s3cret dbname=compound",
                "host=10.0.0.2 user=gate password=*** dbname=compound",
            ),
        ] {
            assert_eq!(shown(url), want);
        }
    }

    #[test]
    fn a_bad_address_says_how_to_write_one() {
        let e = SharedStore::connect(
            "postgres://gate:pw@host:notaport/db",
            Duration::from_secs(1),
        )
        .expect_err("bad port");
        let text = e.to_string();
        assert!(
            text.starts_with("the shared store address postgres://gate:***@host:notaport/db")
                && text.contains("postgres://USER:PASSWORD@HOST:5432/DATABASE"),
            "{text}"
        );
    }
}
