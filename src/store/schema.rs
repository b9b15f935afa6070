//! The versioned schema: the migrations in order, and the upgrade run when a database is opened.
//!
//! `PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the file as
//! gateward's. Migration N takes a database from version N-1 to N in one transaction, so a crash
//! mid-upgrade leaves the previous version intact. Never edit a released migration: add one.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version the database has after this step.
    pub version: i64,
    /// What the step adds, for logs.
    pub name: &'static str,
    /// The SQL run in the step's transaction.
    pub sql: &'static str,
}

/// Every migration, in order; `MIGRATIONS[i].version == i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "records",
        sql: include_str!("migrations/001_records.sql"),
    },
    Migration {
        version: 2,
        name: "gate log",
        sql: include_str!("migrations/002_gate_log.sql"),
    },
    Migration {
        version: 3,
        name: "face sightings",
        sql: include_str!("migrations/003_face_sightings.sql"),
    },
    Migration {
        version: 4,
        name: "vehicles inside",
        sql: include_str!("migrations/004_vehicles_inside.sql"),
    },
    Migration {
        version: 5,
        name: "users and sessions",
        sql: include_str!("migrations/005_users.sql"),
    },
    Migration {
        version: 6,
        name: "training",
        sql: include_str!("migrations/006_training.sql"),
    },
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a gateward database ("GWRD" in ASCII).
pub const APPLICATION_ID: i64 = 0x4757_5244;

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Checks that the database at `path` is gateward's and not newer than this binary, then applies
/// the missing migrations. Returns the version found before upgrading.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<i64, StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    let found = user_version(conn).map_err(sqlite)?;
    check_version(conn, path, found)?;
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let fail = |e: rusqlite::Error| match StoreError::from_sqlite(path, e) {
            e @ (StoreError::DiskFull { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::Busy { .. }) => e,
            e => StoreError::Migration {
                path: path.to_path_buf(),
                version: m.version,
                message: e.to_string(),
            },
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        // Another process may have upgraded between our check and our lock.
        let now = user_version(&tx).map_err(fail)?;
        if now >= m.version {
            check_version(&tx, path, now)?;
            continue;
        }
        tx.execute_batch(m.sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", m.version)
            .map_err(fail)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(
            "records database {}: upgraded to schema {} ({})",
            path.display(),
            m.version,
            m.name
        );
    }
    Ok(found)
}

fn check_version(conn: &Connection, path: &Path, found: i64) -> Result<(), StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sqlite)?;
    let foreign = if found == 0 {
        // A new database is empty; one with tables but no version belongs to someone else.
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(sqlite)?;
        tables > 0 || (app != 0 && app != APPLICATION_ID)
    } else {
        app != APPLICATION_ID
    };
    if foreign {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}
