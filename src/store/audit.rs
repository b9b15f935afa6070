//! The audit log: who changed or exported what, and when.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params_from_iter, types::Value};

use super::columns::{from_ms, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;

/// An audit entry to append; its time is the store clock's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Who: a guard's or manager's name, or "system".
    pub actor: String,
    /// What was done, e.g. "export", "person.update".
    pub action: String,
    /// What it was done to, e.g. "person:12", a file name.
    pub object: String,
    pub detail: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

/// Which audit entries to list; every field left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// From this instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries about exactly this object ("person:12").
    pub object: Option<String>,
    /// At most this many, the oldest first.
    pub limit: Option<usize>,
}

/// Appends an audit entry inside the caller's transaction.
pub(crate) fn append_tx(
    conn: &Connection,
    ctx: &Ctx,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, actor, action, object, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![to_ms(ctx.now), actor, action, object, detail],
    )
    .map_err(|e| ctx.err(e))?;
    Ok(())
}

impl Store {
    /// Appends an audit entry (e.g. an export); returns its id.
    pub fn append_audit(&self, entry: NewAuditEntry) -> Result<i64, StoreError> {
        self.write(move |conn, ctx| {
            append_tx(
                conn,
                ctx,
                &entry.actor,
                &entry.action,
                &entry.object,
                &entry.detail,
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    /// The audit entries matching `q`, oldest first.
    pub fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql =
            "SELECT id, at_ms, actor, action, object, detail FROM audit_log WHERE 1".to_owned();
        let mut args: Vec<Value> = Vec::new();
        if let Some(from) = q.from {
            sql.push_str(" AND at_ms >= ?");
            args.push(Value::Integer(to_ms(from)));
        }
        if let Some(to) = q.to {
            sql.push_str(" AND at_ms < ?");
            args.push(Value::Integer(to_ms(to)));
        }
        for (column, value) in [
            ("actor", &q.actor),
            ("action", &q.action),
            ("object", &q.object),
        ] {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                args.push(Value::Text(v.clone()));
            }
        }
        sql.push_str(" ORDER BY at_ms, id");
        if let Some(limit) = q.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.read(|c, _| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(params_from_iter(args), |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: from_ms(1, r.get(1)?)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    object: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }
}
