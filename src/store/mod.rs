//! The gate's records: an embedded SQLite database (`<data dir>/gateward.sqlite`).
//!
//! # How it is kept
//!
//! * **One writer.** A dedicated thread owns the only write connection and takes commands from a
//!   channel. Every write call of [`Store`] sends its command and blocks until the writer answers,
//!   which it does only after the COMMIT that holds the write (`synchronous=FULL` in WAL mode):
//!   an acknowledged write is durable, even if the process is killed the next instant. Writes
//!   that queue up while the writer is busy are committed together (group commit), each in its
//!   own savepoint so one failing write does not undo the others. From async code, call the
//!   write functions inside `spawn_blocking`.
//! * **Readers never block the writer.** Reads use their own read-only connections (a small pool);
//!   in WAL mode a reader sees the last committed state and neither waits for nor delays the
//!   writer.
//! * **Versioned schema.** `PRAGMA user_version` is the schema version; the migrations in
//!   `store/migrations/` run in order, one transaction each, when an older database is opened.
//!   A database written by a newer gateward is refused ([`StoreError::TooNew`]).
//!
//! # Conventions of the data
//!
//! * Instants are UTC, stored as INTEGER milliseconds since the Unix epoch (`*_ms` columns) and
//!   handed out as `DateTime<Utc>`. The gate's time zone lives in the config: callers turn local
//!   days and shifts into UTC ranges before querying.
//! * Calendar dates of the gate (a moving truck's booking, a shift's date) are local
//!   `NaiveDate`s, stored as `YYYY-MM-DD`.
//! * Closed sets of values are the `key()` strings of [`crate::domain`], guarded by CHECK.
//! * File paths (photos, thumbnails, snapshots) are relative to the data folder.
//! * Plates are stored normalised: no `·`, no spaces, letters uppercase (京A12345); see
//!   [`crate::domain::clean_plate`].

mod audit;
mod columns;
mod consent;
mod db;
mod error;
mod events;
mod faces;
mod files;
mod gate_checks;
mod goods;
mod import;
mod inside;
mod kiosks;
pub mod library;
mod logins;
mod outbox;
mod passes;
mod people;
mod reports;
mod rows;
pub mod schema;
pub mod shared;
mod shifts;
mod subject;
mod training;
mod users;
mod vehicles;
mod visits;
mod writer;

pub use audit::{AuditEntry, AuditQuery, NewAuditEntry};
pub use consent::{Consent, NewConsent};
pub use db::{FILE_NAME, Store, database_path};
pub use error::StoreError;
pub use events::{EventKind, EventQuery, GateEvent, NewGateEvent};
pub use faces::{FaceCorrection, NewSighting, Sighting};
pub use gate_checks::LearnedFace;
pub use goods::{GoodsSlipRecord, NewGoodsSlip};
pub use import::{ImportBatch, ImportPerson, ImportSummary, ImportVehicle};
pub use inside::VehicleInside;
pub use kiosks::{Kiosk, KioskPairing, KioskSession};
pub use logins::{Begun, LoginLock, LoginTry, PasswordAt, Throttled};
pub use outbox::{OutgoingEvent, VehicleElsewhere};
pub use passes::{NewPass, PassHalf, PassRecord};
pub use people::{
    FaceEmbedding, Household, NewFaceEmbedding, NewHousehold, NewPerson, NewPhoto, PersonRecord,
    Photo,
};
pub use reports::{DELETED_NAME, DeletedPerson};
pub use schema::SCHEMA_VERSION;
pub use shifts::{NewShiftRecord, ShiftRecord};
pub use subject::{AnswerAbout, EmbeddingInfo, EventCheck, SubjectRecords};
pub use training::{FaceThumbnail, TrainingAnswer};
pub use users::{NewUser, Session, User};
pub use vehicles::{NewVehicle, VehicleOwner, VehicleRecord};
pub use visits::{NewVisit, VisitRecord};

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, mpsc};

    use chrono::Utc;
    use rusqlite::Connection;

    use super::db::{Ctx, open_reader, open_writer};
    use super::*;

    fn ctx(path: &Path) -> Ctx {
        Ctx {
            path: Arc::new(path.to_path_buf()),
            now: Utc::now(),
        }
    }

    type Work<T> = Box<dyn FnOnce(&Connection) -> Result<T, StoreError> + Send>;

    /// Queues `jobs` before the writer starts, so they are committed as one group, and runs the
    /// writer until they are answered.
    fn run_group<T: Send + 'static>(
        conn: Connection,
        path: &Path,
        works: Vec<Work<T>>,
    ) -> Vec<Result<T, StoreError>> {
        let (tx, rx) = mpsc::channel::<Box<dyn writer::Job>>();
        let answers: Vec<_> = works
            .into_iter()
            .map(|work| {
                let (reply, answer) = mpsc::sync_channel(1);
                tx.send(Box::new(writer::Call::new(work, reply))).unwrap();
                answer
            })
            .collect();
        drop(tx);
        writer::run(conn, path.to_path_buf(), rx);
        answers.into_iter().map(|a| a.recv().unwrap()).collect()
    }

    fn audit_rows(path: &Path) -> Vec<String> {
        let c = Connection::open(path).unwrap();
        let mut st = c
            .prepare("SELECT action FROM audit_log ORDER BY id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn prepared(dir: &Path) -> (PathBuf, Connection) {
        let path = dir.join(FILE_NAME);
        let mut conn = open_writer(&path).unwrap();
        schema::migrate(&mut conn, &path).unwrap();
        (path, conn)
    }

    fn append(action: &'static str) -> Work<()> {
        Box::new(move |c: &Connection| {
            let p = c.path().map(PathBuf::from).unwrap_or_default();
            audit::append_tx(c, &ctx(&p), "t", action, "", "")
        })
    }

    #[test]
    fn a_failing_job_in_a_group_does_not_undo_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = prepared(dir.path());
        let failing: Work<()> = Box::new(|c: &Connection| {
            audit::append_tx(c, &ctx(Path::new("x")), "t", "undone", "", "")?;
            // an empty action breaks the CHECK constraint
            audit::append_tx(c, &ctx(Path::new("x")), "t", "", "", "")
        });
        let answers = run_group(conn, &path, vec![append("one"), failing, append("three")]);
        assert!(answers[0].is_ok() && answers[2].is_ok());
        assert!(matches!(answers[1], Err(StoreError::Constraint { .. })));
        assert_eq!(audit_rows(&path), ["one", "three"]);
    }

    #[test]
    fn a_full_disk_is_reported_as_such_and_nothing_unacknowledged_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = prepared(dir.path());
        let pages: i64 = conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        conn.pragma_update(None, "max_page_count", pages + 2)
            .unwrap();
        let big: Work<()> = Box::new(|c: &Connection| {
            let detail = "满".repeat(100_000);
            c.execute(
                "INSERT INTO audit_log (at_ms, actor, action, detail) VALUES (0, 't', 'big', ?1)",
                [detail],
            )
            .map(|_| ())
            .map_err(|e| StoreError::from_sqlite(Path::new("/data/gateward.sqlite"), e))
        });
        let answers = run_group(conn, &path, vec![append("small"), big]);
        let e = answers[1].as_ref().unwrap_err();
        assert!(matches!(e, StoreError::DiskFull { .. }), "{e:?}");
        assert!(e.to_string().contains("is full; free some space"), "{e}");
        // whatever SQLite rolled back, an acknowledged write is kept and a refused one is not
        let kept = audit_rows(&path);
        assert_eq!(kept.contains(&"small".to_owned()), answers[0].is_ok());
        assert!(!kept.contains(&"big".to_owned()));
    }

    #[test]
    fn writing_through_a_read_only_connection_says_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = prepared(dir.path());
        drop(conn);
        let ro = open_reader(&path).unwrap();
        let e = ro
            .execute("INSERT INTO households (code) VALUES ('1-1-101')", [])
            .unwrap_err();
        let e = StoreError::from_sqlite(&path, e);
        assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
        assert!(e.to_string().contains("is read-only"), "{e}");
    }

    #[test]
    fn the_writer_uses_wal_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let (_, conn) = prepared(dir.path());
        let get = |name: &str| -> String {
            conn.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(get("journal_mode"), "wal");
        assert_eq!(get("synchronous"), "2", "FULL");
        assert_eq!(get("foreign_keys"), "1");
        assert_eq!(get("user_version"), SCHEMA_VERSION.to_string());
        let e = conn
            .execute(
                "INSERT INTO gate_events (at_ms, gate, kind, shift, person_id) \
                 VALUES (0, 'x', 'person', 'night', 999)",
                [],
            )
            .unwrap_err();
        assert!(matches!(
            StoreError::from_sqlite(Path::new("x"), e),
            StoreError::Constraint { .. }
        ));
    }
}
