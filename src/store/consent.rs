//! Consent to the collection of a person's face (人脸采集同意): who gave it, when, how, and who
//! recorded it. A face is sensitive personal information (PIPL); the edges refuse to enrol one
//! until a consent is on record. Consents are only ever added: the latest one is in force, the
//! earlier ones stay as the history (and go with the person when their data is deleted).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use super::columns::{date_col, date_text, from_ms, key_col, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use crate::domain::{ConsentMethod, limits};

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    /// Who gave it: 本人 (the person), or who speaks for them (监护人 陈静).
    pub given_by: String,
    /// The gate's local date it was given.
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    /// Where the signed form is kept, its number, anything else worth keeping.
    pub note: String,
}

/// A recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: i64,
    pub person_id: i64,
    pub given_by: String,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    pub note: String,
    /// Who recorded it (the manager, or whoever ran the import).
    pub recorded_by: String,
    pub recorded: DateTime<Utc>,
}

impl Consent {
    /// Whether `c` says the same as this consent (who, when, how, note), recorded by anyone.
    pub fn same_as(&self, c: &NewConsent) -> bool {
        self.given_by == c.given_by.trim()
            && self.given_on == c.given_on
            && self.method == c.method
            && self.note == c.note.trim()
    }
}

const CONSENT_COLUMNS: &str = "SELECT id, person_id, given_by, given_on, method, note, \
     recorded_by, recorded_ms FROM consents";

fn consent_row(r: &Row<'_>) -> rusqlite::Result<Consent> {
    Ok(Consent {
        id: r.get(0)?,
        person_id: r.get(1)?,
        given_by: r.get(2)?,
        given_on: date_col(r, 3)?.ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(
                3,
                "given_on".to_owned(),
                rusqlite::types::Type::Null,
            )
        })?,
        method: key_col(r, 4)?,
        note: r.get(5)?,
        recorded_by: r.get(6)?,
        recorded: from_ms(7, r.get(7)?)?,
    })
}

/// The consent in force for `person_id` inside the caller's transaction.
fn latest_tx(conn: &Connection, ctx: &Ctx, person_id: i64) -> Result<Option<Consent>, StoreError> {
    conn.query_row(
        &format!("{CONSENT_COLUMNS} WHERE person_id = ?1 ORDER BY id DESC LIMIT 1"),
        [person_id],
        consent_row,
    )
    .optional()
    .map_err(|e| ctx.err(e))
}

/// Records a consent of `person_id` recorded by `actor`, with an audit entry `consent.record`,
/// unless the consent in force already says the same (an import run twice). Returns whether a
/// consent was added.
pub(crate) fn record_tx(
    conn: &Connection,
    ctx: &Ctx,
    actor: &str,
    person_id: i64,
    c: &NewConsent,
) -> Result<bool, StoreError> {
    let given_by = c.given_by.trim();
    limits::NAME.check(given_by)?;
    limits::NOTE.check(&c.note)?;
    if given_by.is_empty() {
        return Err(StoreError::Invalid {
            what: "consent",
            message: "say who gave it: 本人 (the person), or who speaks for them".to_owned(),
        });
    }
    if latest_tx(conn, ctx, person_id)?.is_some_and(|old| old.same_as(c)) {
        return Ok(false);
    }
    let actor = match actor.trim() {
        "" => "system",
        a => a,
    };
    conn.execute(
        "INSERT INTO consents (person_id, given_by, given_on, method, note, recorded_by, \
         recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            person_id,
            given_by,
            date_text(c.given_on),
            c.method.key(),
            c.note.trim(),
            actor,
            to_ms(ctx.now)
        ],
    )
    .map_err(|e| ctx.err(e))?;
    audit::append_tx(
        conn,
        ctx,
        actor,
        "consent.record",
        &format!("person:{person_id}"),
        &format!(
            "face collection consent given by {given_by} on {} ({})",
            date_text(c.given_on),
            c.method.key()
        ),
    )?;
    Ok(true)
}

impl Store {
    /// Records that `person_id` consented to the collection of their face, as `c` says,
    /// recorded by `actor` (audit entry `consent.record`). A consent the same as the one in
    /// force is not recorded twice. Returns whether it was added.
    pub fn record_consent(
        &self,
        actor: &str,
        person_id: i64,
        c: NewConsent,
    ) -> Result<bool, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let known: Option<i64> = conn
                .query_row("SELECT 1 FROM people WHERE id = ?1", [person_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| ctx.err(e))?;
            if known.is_none() {
                return Err(StoreError::NotFound {
                    what: "person",
                    key: person_id.to_string(),
                });
            }
            record_tx(conn, ctx, &actor, person_id, &c)
        })
    }

    /// The consent in force for `person_id` (the latest recorded), if any.
    pub fn consent(&self, person_id: i64) -> Result<Option<Consent>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                &format!("{CONSENT_COLUMNS} WHERE person_id = ?1 ORDER BY id DESC LIMIT 1"),
                [person_id],
                consent_row,
            )
            .optional()
        })
    }

    /// Every consent recorded for `person_id`, oldest first.
    pub fn consents(&self, person_id: i64) -> Result<Vec<Consent>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{CONSENT_COLUMNS} WHERE person_id = ?1 ORDER BY id"
            ))?;
            let rows = st.query_map([person_id], consent_row)?;
            rows.collect()
        })
    }

    /// The ids of the people with a consent on record.
    pub fn people_with_consent(&self) -> Result<std::collections::HashSet<i64>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare("SELECT DISTINCT person_id FROM consents")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }
}
