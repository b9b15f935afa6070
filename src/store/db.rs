//! The records database itself: opening it (creating and upgrading it), the one writer thread
//! every write goes through, and the pool of read connections. The record kinds' files add
//! their methods to [`Store`].

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

use super::error::StoreError;
use super::schema;
use super::writer;
use crate::clock::{Clock, SystemClock};

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

    /// The schema version of the open database (always [`schema::SCHEMA_VERSION`] once open).
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
    pub(super) fn write<T, F>(&self, work: F) -> Result<T, StoreError>
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
    pub(super) fn read<T>(
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

pub(super) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
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

pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    Ok(conn)
}
