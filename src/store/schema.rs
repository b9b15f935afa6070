//! The versioned schema: the migrations in order, and the upgrade run when a database is opened.
//!
//! `PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the file as
//! gateward's. Migration N takes a database from version N-1 to N in one transaction, so a crash
//! mid-upgrade leaves the previous version intact. Never edit a released migration: add one.
//!
//! The migrations are what builds and upgrades a database. `schema.sql` beside this file is the
//! schema they end at, in one file, for reading; a change of schema is a new migration and the
//! same change there, and `tests::schema_sql_is_what_the_migrations_build` fails until both agree.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::StoreError;

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
    Migration {
        version: 7,
        name: "desk links",
        sql: include_str!("migrations/007_desk.sql"),
    },
    Migration {
        version: 8,
        name: "gate learning",
        sql: include_str!("migrations/008_gate_learning.sql"),
    },
    Migration {
        version: 9,
        name: "manager's records",
        sql: include_str!("migrations/009_manage.sql"),
    },
    Migration {
        version: 10,
        name: "kiosks",
        sql: include_str!("migrations/010_kiosks.sql"),
    },
    Migration {
        version: 11,
        name: "login throttle",
        sql: include_str!("migrations/011_logins.sql"),
    },
    Migration {
        version: 12,
        name: "consent",
        sql: include_str!("migrations/012_consent.sql"),
    },
    Migration {
        version: 13,
        name: "event ids",
        sql: include_str!("migrations/013_event_ids.sql"),
    },
    Migration {
        version: 14,
        name: "shared records",
        sql: include_str!("migrations/014_shared_records.sql"),
    },
    Migration {
        version: 15,
        name: "more shared records",
        sql: include_str!("migrations/015_more_shared_records.sql"),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema after the last migration, for reading (see its header); kept equal to what the
    /// migrations build by the test below.
    const SCHEMA_SQL: &str = include_str!("schema.sql");

    /// SQL text without its `--` comments, whitespace collapsed and none around punctuation, so
    /// that a comment or a line break does not count as a difference.
    fn normalise(sql: &str) -> String {
        let tight = |c: char| matches!(c, '(' | ')' | ',');
        let mut out = String::new();
        let (mut quoted, mut space) = (false, false);
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if quoted {
                // a '' inside a literal ends and restarts it, which copies it as it is
                out.push(c);
                quoted = c != '\'';
                continue;
            }
            if c == '-' && chars.peek() == Some(&'-') {
                while chars.next_if(|&c| c != '\n').is_some() {}
                space = true;
                continue;
            }
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if space && !tight(c) && !out.is_empty() && !out.ends_with(tight) {
                out.push(' ');
            }
            space = false;
            out.push(c);
            quoted = c == '\'';
        }
        out
    }

    /// A row of `sqlite_master`: type, name, table, normalised SQL.
    type Object = (String, String, String, Option<String>);

    /// Every table, index, view and trigger, sorted, and the two pragmas `migrate` sets.
    fn shape(conn: &Connection) -> (Vec<Object>, i64, i64) {
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let objects = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, Option<String>>(3)?.as_deref().map(normalise),
                ))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let app = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        (objects, user_version(conn).unwrap(), app)
    }

    #[test]
    fn schema_sql_is_what_the_migrations_build() {
        let mut migrated = Connection::open_in_memory().unwrap();
        migrate(&mut migrated, Path::new(":memory:")).unwrap();
        let from_file = Connection::open_in_memory().unwrap();
        from_file.execute_batch(SCHEMA_SQL).unwrap();

        let (want, want_version, want_app) = shape(&migrated);
        let (got, got_version, got_app) = shape(&from_file);
        assert_eq!(want_version, SCHEMA_VERSION);
        assert_eq!(
            got_version, want_version,
            "src/store/schema.sql sets user_version {got_version}; the migrations end at {want_version}"
        );
        assert_eq!(got_app, want_app, "application_id in src/store/schema.sql");
        let names = |v: &[Object]| {
            v.iter()
                .map(|o| format!("{} {}", o.0, o.1))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&got),
            names(&want),
            "src/store/schema.sql does not have the tables and indexes the migrations make"
        );
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                g.3, w.3,
                "{} {} differs between src/store/schema.sql and the migrations",
                w.0, w.1
            );
        }
    }

    #[test]
    fn upgrading_to_schema_9_keeps_the_passes_and_the_visits_that_name_them() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for m in &MIGRATIONS[..8] {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO passes (id, number, purpose, issued_ms) VALUES \
                 (7, 'ZX-1', 'renovation', 1), (8, 'ZX-2', 'tour', 2); \
             INSERT INTO visits (visitor_surname, purpose, time_in_ms, pass_id) \
                 VALUES ('王', 'renovation', 3, 7);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn, Path::new(":memory:")).unwrap(), 8);
        let purposes: Vec<(i64, String)> = conn
            .prepare("SELECT id, purpose FROM passes ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            purposes,
            vec![(7, "renovation".to_owned()), (8, "other".to_owned())]
        );
        let linked: Option<i64> = conn
            .query_row("SELECT pass_id FROM visits", [], |r| r.get(0))
            .unwrap();
        assert_eq!(linked, Some(7), "the visit still names its pass");
        let left: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE '%before_009'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn normalising_ignores_comments_and_layout_but_not_literals() {
        assert_eq!(
            normalise("CREATE TABLE t (\n    a TEXT, -- a's note\n    b TEXT DEFAULT 'x  -- y'\n)"),
            "CREATE TABLE t(a TEXT,b TEXT DEFAULT 'x  -- y')"
        );
    }
}
