//! What can go wrong with the records database, in words that say what to do about it.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// An error of the records store. Every message is one line of plain English that names the
/// database file where it matters and says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened at all (missing folder, permissions).
    #[error(
        "cannot open the records database {path}: {message}; check that the data folder exists and is writable"
    )]
    Open { path: PathBuf, message: String },
    /// The file exists but is not an SQLite database.
    #[error(
        "{path} is not a records database (not an SQLite file, or damaged beyond reading); move it aside or restore a backup"
    )]
    NotADatabase { path: PathBuf },
    /// The file is an SQLite database of some other program.
    #[error(
        "{path} is an SQLite database of another program, not gateward's records; point --data at another folder"
    )]
    Foreign { path: PathBuf },
    /// The file was written by a newer gateward with a schema this binary does not know.
    #[error(
        "the records database {path} was written by a newer gateward (schema {found}, this one knows {known}); upgrade gateward or restore a backup"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// Upgrading the schema failed; the database stays at the previous version.
    #[error(
        "upgrading the records database {path} to schema {version} failed: {message}; the database was left unchanged, restore a backup if it keeps failing"
    )]
    Migration {
        path: PathBuf,
        version: i64,
        message: String,
    },
    /// The disk (or the database's size limit) is full.
    #[error(
        "the disk holding the records database {path} is full; free some space (old snapshots), then try again"
    )]
    DiskFull { path: PathBuf },
    /// The database file or its folder cannot be written.
    #[error(
        "the records database {path} is read-only; make the file and its folder writable by gateward"
    )]
    ReadOnly { path: PathBuf },
    /// SQLite found the file damaged.
    #[error("the records database {path} is damaged ({message}); restore a backup")]
    Corrupt { path: PathBuf, message: String },
    /// Another program holds the database locked for longer than the busy timeout.
    #[error(
        "the records database {path} is locked by another program; close other gateward instances and try again"
    )]
    Busy { path: PathBuf },
    /// The record breaks a rule of the database (a duplicate, a missing household or person).
    #[error("the record was refused: {message}")]
    Constraint { message: String },
    /// A record the call refers to does not exist.
    #[error("no {what} \"{key}\" in the records")]
    NotFound { what: &'static str, key: String },
    /// A text longer than its field takes, or with a control character in it
    /// (`domain::limits`); nothing was written.
    #[error(transparent)]
    Unfit(#[from] crate::domain::limits::Unfit),
    /// The caller passed a value the store cannot keep.
    #[error("invalid {what}: {message}")]
    Invalid { what: &'static str, message: String },
    /// An import had bad rows; nothing of it was written.
    #[error("the import was refused and nothing was written; {} bad row(s): {}", problems.len(), problems.join("; "))]
    ImportRejected {
        /// One entry a bad row, e.g. "people.csv line 4: no household 9-9-999".
        problems: Vec<String>,
    },
    /// The database holds a value this gateward cannot read.
    #[error(
        "the records database {path} holds a value this gateward cannot read ({message}); restore a backup or upgrade gateward"
    )]
    BadValue { path: PathBuf, message: String },
    /// The writer thread is gone (it failed to start or the store is shutting down).
    #[error("the records writer has stopped; restart gateward")]
    WriterGone,
    /// Any other SQLite failure.
    #[error("the records database {path} failed: {message}")]
    Sqlite { path: PathBuf, message: String },
}

impl StoreError {
    /// Turns an SQLite error met while working on the database at `path` into a store error.
    pub(crate) fn from_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        let message = e.to_string();
        match e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::DiskFull => StoreError::DiskFull { path },
                ErrorCode::ReadOnly => StoreError::ReadOnly { path },
                ErrorCode::NotADatabase => StoreError::NotADatabase { path },
                ErrorCode::DatabaseCorrupt => StoreError::Corrupt { path, message },
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy { path },
                ErrorCode::ConstraintViolation => StoreError::Constraint { message },
                ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                    StoreError::Open { path, message }
                }
                _ => StoreError::Sqlite { path, message },
            },
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::Utf8Error(..) => StoreError::BadValue { path, message },
            _ => StoreError::Sqlite { path, message },
        }
    }
}
