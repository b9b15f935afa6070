//! Shift records: the guard's notes, items to follow up and the handover of each shift
//! (one record a gate, local date and shift), signed off once by the guard taking over.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::audit;
use super::columns::{date_col, date_text, from_ms, key_col, to_ms};
use super::db::Store;
use super::error::StoreError;
use crate::domain::Shift;
use crate::domain::limits;

/// A shift record to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShiftRecord {
    pub gate: String,
    /// The gate's local date of the shift.
    pub date: NaiveDate,
    pub shift: Shift,
    pub guard: String,
    pub notes: String,
    /// Items the next shifts must follow up.
    pub follow_ups: String,
    pub handed_over: bool,
}

/// A stored shift record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRecord {
    pub id: i64,
    pub gate: String,
    pub date: NaiveDate,
    pub shift: Shift,
    pub guard: String,
    pub notes: String,
    pub follow_ups: String,
    pub handed_over: bool,
    pub updated: DateTime<Utc>,
    /// The incoming guard who signed the handover off, and when; `None` until then.
    pub handed_to: Option<(String, DateTime<Utc>)>,
}

impl Store {
    /// Saves the record of a shift: adds it, or replaces the record of the same gate, date and
    /// shift (audit entry `shift.save`). Returns its id.
    pub fn save_shift_record(&self, actor: &str, r: NewShiftRecord) -> Result<i64, StoreError> {
        limits::RECORD.check(&r.notes)?;
        limits::RECORD.check(&r.follow_ups)?;
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let date = date_text(r.date);
            let id: Option<i64> = conn
                .query_row(
                    "SELECT id FROM shift_records WHERE gate = ?1 AND date = ?2 AND shift = ?3",
                    params![r.gate, date, r.shift.key()],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| ctx.err(e))?;
            let values = params![
                r.gate,
                date,
                r.shift.key(),
                r.guard,
                r.notes,
                r.follow_ups,
                r.handed_over,
                to_ms(ctx.now),
                id
            ];
            let sql = if id.is_some() {
                "UPDATE shift_records SET gate = ?1, date = ?2, shift = ?3, guard = ?4, notes = ?5, \
                 follow_ups = ?6, handed_over = ?7, updated_ms = ?8 WHERE id = ?9"
            } else {
                "INSERT INTO shift_records (gate, date, shift, guard, notes, follow_ups, \
                 handed_over, updated_ms, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            };
            conn.execute(sql, values).map_err(|e| ctx.err(e))?;
            let id = id.unwrap_or_else(|| conn.last_insert_rowid());
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "shift.save",
                &format!("shift:{} {date} {}", r.gate, r.shift.key()),
                &r.guard,
            )?;
            Ok(id)
        })
    }

    /// Records that `by` took over the shift `date`/`shift` of `gate` at `at` (audit entry
    /// `shift.handover`), adding the shift's record when the shift wrote none. A shift is
    /// signed off once: `false`, and nothing changed, when it already was.
    pub fn sign_off_shift(
        &self,
        actor: &str,
        gate: &str,
        date: NaiveDate,
        shift: Shift,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (actor, gate, by) = (actor.to_owned(), gate.to_owned(), by.trim().to_owned());
        if by.is_empty() {
            return Err(StoreError::Invalid {
                what: "handover",
                message: "the incoming guard's name is empty".to_owned(),
            });
        }
        self.write(move |conn, ctx| {
            let date = date_text(date);
            conn.execute(
                "INSERT INTO shift_records (gate, date, shift, updated_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (gate, date, shift) DO NOTHING",
                params![gate, date, shift.key(), to_ms(ctx.now)],
            )
            .map_err(|e| ctx.err(e))?;
            let n = conn
                .execute(
                    "UPDATE shift_records SET handed_over = 1, handed_to = ?4, handed_over_ms = ?5 \
                     WHERE gate = ?1 AND date = ?2 AND shift = ?3 AND handed_to IS NULL",
                    params![gate, date, shift.key(), by, to_ms(at)],
                )
                .map_err(|e| ctx.err(e))?;
            if n == 0 {
                return Ok(false);
            }
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "shift.handover",
                &format!("shift:{gate} {date} {}", shift.key()),
                &format!("taken over by {by} at {}", at.to_rfc3339()),
            )?;
            Ok(true)
        })
    }

    /// The shift records of local dates `from..=to`, of `gate` or of every gate, in time
    /// order (date, then shift).
    pub fn shift_records(
        &self,
        gate: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ShiftRecord>, StoreError> {
        let (from, to) = (date_text(from), date_text(to));
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT id, gate, date, shift, guard, notes, follow_ups, handed_over, updated_ms, \
                 handed_to, handed_over_ms FROM shift_records WHERE date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR gate = ?3) \
                 ORDER BY date, CASE shift WHEN 'night' THEN 0 WHEN 'morning' THEN 1 \
                 WHEN 'afternoon' THEN 2 ELSE 3 END, gate",
            )?;
            let rows = st.query_map(params![from, to, gate], |r| {
                Ok(ShiftRecord {
                    id: r.get(0)?,
                    gate: r.get(1)?,
                    date: date_col(r, 2)?.unwrap_or_default(),
                    shift: key_col(r, 3)?,
                    guard: r.get(4)?,
                    notes: r.get(5)?,
                    follow_ups: r.get(6)?,
                    handed_over: r.get(7)?,
                    updated: from_ms(8, r.get(8)?)?,
                    handed_to: match (r.get::<_, Option<String>>(9)?, r.get::<_, Option<i64>>(10)?)
                    {
                        (Some(name), Some(ms)) => Some((name, from_ms(10, ms)?)),
                        _ => None,
                    },
                })
            })?;
            rows.collect()
        })
    }
}
