//! Passes (出入证) of renovation workers, newspaper and milk deliverers and other regular
//! non-owners (SPEC §1): issuing a pass, and the gate keeping its second half (副证) while the
//! holder is inside. Whether a check-in or check-out is allowed is decided by the rule the
//! caller passes in (`crate::rules::passes`); this module only keeps the state, so the rule
//! lives in one place and the store does not depend on the rules.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use super::columns::{from_ms, key_col, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use crate::domain::limits;
use crate::domain::{PassOutcome, PassPurpose, PassState, UnknownValue};

/// The check-in rule: (state, first half shown, second half shown) → outcome and new state.
pub type CheckInRule = fn(PassState, bool, bool) -> (PassOutcome, PassState);

/// The check-out rule: state → outcome and new state.
pub type CheckOutRule = fn(PassState) -> (PassOutcome, PassState);

/// Where one half of a two-part pass is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassHalf {
    /// The holder has it.
    WithHolder,
    /// It is kept at the gate.
    AtGate,
    /// It was reported lost.
    Lost,
}

impl PassHalf {
    /// Every value, in definition order.
    pub const ALL: &'static [PassHalf] = &[PassHalf::WithHolder, PassHalf::AtGate, PassHalf::Lost];

    /// The machine name (database).
    pub fn key(self) -> &'static str {
        match self {
            PassHalf::WithHolder => "with_holder",
            PassHalf::AtGate => "at_gate",
            PassHalf::Lost => "lost",
        }
    }
}

impl fmt::Display for PassHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for PassHalf {
    type Err = UnknownValue;
    /// Accepts the machine name, ignoring case and surrounding space.
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        let s = s.trim();
        PassHalf::ALL
            .iter()
            .copied()
            .find(|v| v.key().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownValue {
                what: "pass half",
                value: s.to_owned(),
                allowed: PassHalf::ALL
                    .iter()
                    .map(|v| v.key())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// A pass to issue. Both halves start with the holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPass {
    /// The number printed on both halves; unique, surrounding space dropped.
    pub number: String,
    /// The holder, when enrolled; the person must exist.
    pub holder_person_id: Option<i64>,
    /// Why the holder comes in (renovation, newspaper and milk…).
    pub purpose: PassPurpose,
    pub issued: DateTime<Utc>,
    /// The pass is valid until this instant (exclusive); `None`: no end.
    pub expires: Option<DateTime<Utc>>,
}

/// A stored pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassRecord {
    pub id: i64,
    pub number: String,
    pub holder_person_id: Option<i64>,
    /// The holder's name.
    pub holder: Option<String>,
    pub purpose: PassPurpose,
    pub issued: DateTime<Utc>,
    /// Valid until this instant (exclusive); `None`: no end.
    pub expires: Option<DateTime<Utc>>,
    /// When the office revoked it.
    pub revoked: Option<DateTime<Utc>>,
    pub first_half: PassHalf,
    pub second_half: PassHalf,
    /// The second half is kept at the gate: the holder is inside.
    pub at_gate: bool,
    /// The last time the second half was handed back at the gate.
    pub returned: Option<DateTime<Utc>>,
}

impl PassRecord {
    /// Whether the pass is past its expiry at `now`.
    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// The state the pass rules work on, at `now` (expired or not).
    pub fn state_at(&self, now: DateTime<Utc>) -> PassState {
        PassState {
            second_half_at_gate: self.at_gate,
            revoked: self.revoked.is_some(),
            expired: self.expired_at(now),
        }
    }
}

const PASS_COLUMNS: &str = "SELECT s.id, s.number, s.holder_person_id, p.name, s.purpose, \
     s.issued_ms, s.first_half, s.second_half, s.kept_half_at_gate, s.returned_ms, \
     s.expires_ms, s.revoked_ms \
     FROM passes s LEFT JOIN people p ON p.id = s.holder_person_id";

fn opt_ms(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<i64>>(i)?
        .map(|ms| from_ms(i, ms))
        .transpose()
}

fn pass_row(r: &Row<'_>) -> rusqlite::Result<PassRecord> {
    Ok(PassRecord {
        id: r.get(0)?,
        number: r.get(1)?,
        holder_person_id: r.get(2)?,
        holder: r.get(3)?,
        purpose: key_col(r, 4)?,
        issued: from_ms(5, r.get(5)?)?,
        first_half: key_col(r, 6)?,
        second_half: key_col(r, 7)?,
        at_gate: r.get(8)?,
        returned: opt_ms(r, 9)?,
        expires: opt_ms(r, 10)?,
        revoked: opt_ms(r, 11)?,
    })
}

/// The pass `number` (already trimmed), or [`StoreError::NotFound`].
fn pass_tx(conn: &Connection, ctx: &Ctx, number: &str) -> Result<PassRecord, StoreError> {
    conn.query_row(
        &format!("{PASS_COLUMNS} WHERE s.number = ?1"),
        [number],
        pass_row,
    )
    .optional()
    .map_err(|e| ctx.err(e))?
    .ok_or_else(|| StoreError::NotFound {
        what: "pass",
        key: number.to_owned(),
    })
}

/// Where the second half is in `state`.
fn second_half(state: PassState) -> PassHalf {
    if state.second_half_at_gate {
        PassHalf::AtGate
    } else {
        PassHalf::WithHolder
    }
}

/// Turns a refusal of the pass rules into a store error: `what` the guard tried, why in plain
/// English, and the rule's words for the guard.
fn refused(what: &'static str, why: String, rule_text: &str) -> StoreError {
    StoreError::Invalid {
        what,
        message: format!("{why} ({rule_text})"),
    }
}

impl Store {
    /// Issues a pass with both halves to its holder (audit entry `pass.issue`); returns its id.
    /// A number already issued is refused ([`StoreError::Constraint`]).
    pub fn issue_pass(&self, actor: &str, p: NewPass) -> Result<i64, StoreError> {
        limits::NUMBER.check(&p.number)?;
        let number = p.number.trim().to_owned();
        if number.is_empty() {
            return Err(StoreError::Invalid {
                what: "pass number",
                message: "the number is empty".to_owned(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO passes (number, holder_person_id, purpose, issued_ms, expires_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    number,
                    p.holder_person_id,
                    p.purpose.key(),
                    to_ms(p.issued),
                    p.expires.map(to_ms)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            let mut detail = p.purpose.key().to_owned();
            if let Some(e) = p.expires {
                detail.push_str(&format!(", expires {}", e.to_rfc3339()));
            }
            if let Some(holder) = p.holder_person_id {
                detail.push_str(&format!(", holder person:{holder}"));
            }
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "pass.issue",
                &format!("pass:{number}"),
                &detail,
            )?;
            Ok(id)
        })
    }

    /// The pass with `number`, if any.
    pub fn pass(&self, number: &str) -> Result<Option<PassRecord>, StoreError> {
        let number = number.trim();
        self.read(|c, _| {
            c.query_row(
                &format!("{PASS_COLUMNS} WHERE s.number = ?1"),
                [number],
                pass_row,
            )
            .optional()
        })
    }

    /// The holder of pass `number` comes in at `at`: both halves are shown and the second half
    /// is kept at the gate (audit entry `pass.check_in`, which records `at`; register the visit
    /// with [`Store::register_visit`]). Refused with [`StoreError::Invalid`] when the second
    /// half is already at the gate or a half is lost, [`StoreError::NotFound`] for an unknown
    /// number.
    pub fn pass_check_in(
        &self,
        actor: &str,
        number: &str,
        at: DateTime<Utc>,
        rule: CheckInRule,
    ) -> Result<(), StoreError> {
        let number = number.trim().to_owned();
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let pass = pass_tx(conn, ctx, &number)?;
            let (outcome, state) = rule(
                pass.state_at(at),
                pass.first_half != PassHalf::Lost,
                pass.second_half != PassHalf::Lost,
            );
            if let PassOutcome::Refused(why) = outcome {
                let plain = if pass.revoked.is_some() {
                    format!("pass {number} was revoked by the office")
                } else if pass.expired_at(at) {
                    format!("pass {number} has expired")
                } else if pass.at_gate {
                    format!(
                        "pass {number} is already checked in: its second half is kept at the \
                         gate, so its holder should be inside"
                    )
                } else {
                    format!("pass {number} has a lost half; both halves must be shown")
                };
                return Err(refused("pass check-in", plain, why));
            }
            conn.execute(
                "UPDATE passes SET second_half = ?2, kept_half_at_gate = ?3 WHERE id = ?1",
                params![pass.id, second_half(state).key(), state.second_half_at_gate],
            )
            .map_err(|e| ctx.err(e))?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "pass.check_in",
                &format!("pass:{number}"),
                &format!("in at {}", at.to_rfc3339()),
            )
        })
    }

    /// The holder of pass `number` leaves at `at`: the second half kept at the gate is handed
    /// back (audit entry `pass.check_out`). Refused with [`StoreError::Invalid`] when the gate
    /// does not hold the second half (no check-in was registered).
    pub fn pass_check_out(
        &self,
        actor: &str,
        number: &str,
        at: DateTime<Utc>,
        rule: CheckOutRule,
    ) -> Result<(), StoreError> {
        let number = number.trim().to_owned();
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let pass = pass_tx(conn, ctx, &number)?;
            let (outcome, state) = rule(pass.state_at(at));
            if let PassOutcome::Refused(why) = outcome {
                let plain = format!(
                    "pass {number} is not checked in: the gate does not hold its second half"
                );
                return Err(refused("pass check-out", plain, why));
            }
            conn.execute(
                "UPDATE passes SET second_half = ?2, kept_half_at_gate = ?3, returned_ms = ?4 \
                 WHERE id = ?1",
                params![
                    pass.id,
                    second_half(state).key(),
                    state.second_half_at_gate,
                    to_ms(at)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "pass.check_out",
                &format!("pass:{number}"),
                &format!("out at {}", at.to_rfc3339()),
            )
        })
    }

    /// Revokes pass `number` at `at` (audit entry `pass.revoke`): from then on it is refused at
    /// the gate. A pass already revoked keeps its first revocation.
    pub fn revoke_pass(
        &self,
        actor: &str,
        number: &str,
        at: DateTime<Utc>,
    ) -> Result<PassRecord, StoreError> {
        let number = number.trim().to_owned();
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let pass = pass_tx(conn, ctx, &number)?;
            if pass.revoked.is_none() {
                conn.execute(
                    "UPDATE passes SET revoked_ms = ?2 WHERE id = ?1",
                    params![pass.id, to_ms(at)],
                )
                .map_err(|e| ctx.err(e))?;
                audit::append_tx(
                    conn,
                    ctx,
                    &actor,
                    "pass.revoke",
                    &format!("pass:{number}"),
                    &format!("revoked at {}", at.to_rfc3339()),
                )?;
            }
            pass_tx(conn, ctx, &number)
        })
    }

    /// Sets when pass `number` expires (`None`: no end), audit entry `pass.expiry`.
    pub fn set_pass_expiry(
        &self,
        actor: &str,
        number: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let number = number.trim().to_owned();
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let pass = pass_tx(conn, ctx, &number)?;
            conn.execute(
                "UPDATE passes SET expires_ms = ?2 WHERE id = ?1",
                params![pass.id, expires.map(to_ms)],
            )
            .map_err(|e| ctx.err(e))?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "pass.expiry",
                &format!("pass:{number}"),
                &expires.map_or_else(|| "no end".to_owned(), |e| e.to_rfc3339()),
            )
        })
    }

    /// The passes whose second half is kept at the gate (their holders are inside), by number.
    pub fn passes_at_gate(&self) -> Result<Vec<PassRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{PASS_COLUMNS} WHERE s.kept_half_at_gate = 1 ORDER BY s.number"
            ))?;
            let rows = st.query_map([], pass_row)?;
            rows.collect()
        })
    }
}
