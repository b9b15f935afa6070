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

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags};

use crate::clock::{Clock, SystemClock};

mod audit;
mod error;
mod events;
mod faces;
mod goods;
mod import;
mod inside;
mod passes;
mod people;
mod reports;
pub mod schema;
mod shifts;
mod training;
mod users;
mod vehicles;
mod visits;
mod writer;

pub use audit::{AuditEntry, AuditQuery, NewAuditEntry};
pub use error::StoreError;
pub use events::{EventKind, EventQuery, GateEvent, NewGateEvent};
pub use faces::{FaceCorrection, NewSighting, Sighting};
pub use goods::{GoodsSlipRecord, NewGoodsSlip};
pub use import::{ImportBatch, ImportPerson, ImportSummary, ImportVehicle};
pub use inside::VehicleInside;
pub use passes::{NewPass, PassHalf, PassRecord};
pub use people::{
    FaceEmbedding, Household, NewFaceEmbedding, NewHousehold, NewPerson, NewPhoto, PersonRecord,
    Photo,
};
pub use reports::DeletedPerson;
pub use schema::SCHEMA_VERSION;
pub use shifts::{NewShiftRecord, ShiftRecord};
pub use training::{FaceThumbnail, TrainingAnswer};
pub use users::{NewUser, Session, User};
pub use vehicles::{NewVehicle, VehicleOwner, VehicleRecord};
pub use visits::{NewVisit, VisitRecord};

/// The database's file name inside the data folder.
pub const FILE_NAME: &str = "gateward.sqlite";

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections kept open for reuse.
const READ_POOL: usize = 4;

/// The path of the records database inside the data folder `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The gate's records. Cheap to share behind an `Arc`; every function may be called from any
/// thread.
pub struct Store {
    path: Arc<PathBuf>,
    clock: Arc<dyn Clock>,
    jobs: Option<Sender<Box<dyn writer::Job>>>,
    writer: Option<JoinHandle<()>>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if missing) the records database at `path`, upgrades its schema and starts
    /// the writer. Times of new records come from the system clock.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Like [`Store::open`], with the clock that stamps new records (created, updated, audit).
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = open_writer(&path)?;
        schema::migrate(&mut conn, &path)?;
        let (jobs, rx) = mpsc::channel::<Box<dyn writer::Job>>();
        let writer_path = path.clone();
        let writer = std::thread::Builder::new()
            .name("gateward-store-writer".to_owned())
            .spawn(move || writer::run(conn, writer_path, rx))
            .map_err(|e| StoreError::Open {
                path: path.clone(),
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Store {
            path: Arc::new(path),
            clock,
            jobs: Some(jobs),
            writer: Some(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database (always [`SCHEMA_VERSION`] once open).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|c, _| c.pragma_query_value(None, "user_version", |r| r.get(0)))
    }

    /// Runs SQLite's full integrity check; `Ok(())` when the database is sound, otherwise
    /// [`StoreError::Corrupt`] with what SQLite found.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let found: Vec<String> = self.read(|c, _| {
            let mut st = c.prepare("PRAGMA integrity_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        if found.len() == 1 && found[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.to_path_buf(),
                message: found.join("; "),
            })
        }
    }

    /// Sends `work` to the writer and waits until its transaction has committed.
    fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Ctx) -> Result<T, StoreError> + Send + 'static,
    {
        let jobs = self.jobs.as_ref().ok_or(StoreError::WriterGone)?;
        let ctx = Ctx {
            path: Arc::clone(&self.path),
            now: self.clock.now(),
        };
        let (reply, answer) = mpsc::sync_channel(1);
        let job = writer::Call::new(move |conn: &Connection| work(conn, &ctx), reply);
        jobs.send(Box::new(job))
            .map_err(|_| StoreError::WriterGone)?;
        answer.recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `read` on a read-only connection of the pool.
    fn read<T>(
        &self,
        read: impl FnOnce(&Connection, &Path) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        let result = read(&conn, &self.path).map_err(|e| StoreError::from_sqlite(&self.path, e));
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < READ_POOL {
            pool.push(conn);
        }
        result
    }
}

impl Drop for Store {
    /// Lets the writer finish the queued writes, then waits for it.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("records writer of {} panicked", self.path.display());
        }
    }
}

/// What a write job knows besides its connection.
pub(crate) struct Ctx {
    /// The database file, for error messages.
    pub path: Arc<PathBuf>,
    /// The time the write was asked for (stamps created/updated/audit).
    pub now: DateTime<Utc>,
}

impl Ctx {
    /// Wraps an SQLite error with the database's path.
    pub fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }
}

fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            message: format!("the folder {} does not exist", dir.display()),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| match sqlite(e) {
        StoreError::Sqlite { path, message } => StoreError::Open { path, message },
        e => e,
    })?;
    if conn.is_readonly(rusqlite::MAIN_DB).map_err(sqlite)? {
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    // Reading the version first makes SQLite read the header: a file that is not a database
    // fails here, before anything is written to it.
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    if version > schema::SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: schema::SCHEMA_VERSION,
        });
    }
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sqlite)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            message: format!(
                "the file system does not allow write-ahead logging (journal mode {mode}); keep the data folder on a local disk"
            ),
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sqlite)?;
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    Ok(conn)
}

/// Milliseconds since the epoch of `t`.
pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant `ms` milliseconds after the epoch (column `idx`, for the error).
pub(crate) fn from_ms(idx: usize, ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, ms))
}

/// The `YYYY-MM-DD` text of a local date.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Reads column `idx` as a date written by [`date_text`].
pub(crate) fn date_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let Some(text) = row.get::<_, Option<String>>(idx)? else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Reads column `idx` as a value of a closed set (`key()` of a domain enum).
pub(crate) fn key_col<T>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = crate::domain::UnknownValue>,
{
    let text: String = row.get(idx)?;
    text.parse().map_err(|e: crate::domain::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads column `idx` as an optional value of a closed set.
pub(crate) fn opt_key_col<T>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<T>>
where
    T: std::str::FromStr<Err = crate::domain::UnknownValue>,
{
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => key_col(row, idx).map(Some),
    }
}

/// Comma-separated post keys, in order.
pub(crate) fn posts_text(posts: &[crate::domain::Post]) -> String {
    posts.iter().map(|p| p.key()).collect::<Vec<_>>().join(",")
}

/// Reads column `idx` written by [`posts_text`].
pub(crate) fn posts_col(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Vec<crate::domain::Post>> {
    let text: String = row.get(idx)?;
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|e: crate::domain::UnknownValue| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
