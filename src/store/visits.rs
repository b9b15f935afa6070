//! Visits (来访登记): the register of visitors and other non-owners let in (SPEC §1): surname,
//! room, purpose, the ID and intercom checks, the posts notified, times in and out, and the pass
//! when they came in on one, and the camera's arrival they were registered for.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::audit;
use super::columns::{from_ms, key_col, posts_col, posts_text, to_ms};
use super::db::Store;
use super::error::StoreError;
use crate::domain::limits;
use crate::domain::{Post, VisitPurpose};

/// A visit to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    /// The surname the visitor gave; must not be empty.
    pub visitor_surname: String,
    /// The room as the visitor said it (a household code, "3-2-1502"); linked to the
    /// household when one has that code.
    pub room: String,
    pub purpose: VisitPurpose,
    /// An ID document was checked and registered.
    pub id_checked: bool,
    /// The resident confirmed the visit (intercom).
    pub resident_confirmed: bool,
    /// Posts notified, in order.
    pub notified: Vec<Post>,
    pub time_in: DateTime<Utc>,
    /// The pass (its id) the visitor came in on, if any; it must exist.
    pub pass_id: Option<i64>,
    /// The guard who registered the visit.
    pub guard: String,
    /// The gate event of the camera's arrival the visitor was registered for, if any; it must
    /// exist and have no visit yet.
    pub arrival_id: Option<i64>,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: i64,
    pub visitor_surname: String,
    pub room: String,
    /// The household whose code is the room, when there is one.
    pub household_id: Option<i64>,
    pub purpose: VisitPurpose,
    pub id_checked: bool,
    pub resident_confirmed: bool,
    pub notified: Vec<Post>,
    pub time_in: DateTime<Utc>,
    /// `None` while the visitor is inside.
    pub time_out: Option<DateTime<Utc>>,
    pub pass_id: Option<i64>,
    /// The number of the pass.
    pub pass_number: Option<String>,
    pub guard: String,
    /// The camera's arrival the visitor was registered for, while that event is kept.
    pub arrival_id: Option<i64>,
    /// The box of the compound the visitor was registered at, when it is another box (`[box]
    /// name`); `None`: this one.
    pub registered_at: Option<String>,
}

pub(super) const VISIT_COLUMNS: &str = "SELECT v.id, v.visitor_surname, v.room, v.household_id, v.purpose, \
     v.id_checked, v.resident_confirmed, v.notified, v.time_in_ms, v.time_out_ms, v.pass_id, \
     s.number, v.guard, v.arrival_id, v.box FROM visits v LEFT JOIN passes s ON s.id = v.pass_id";

pub(super) fn visit_row(r: &Row<'_>) -> rusqlite::Result<VisitRecord> {
    Ok(VisitRecord {
        id: r.get(0)?,
        visitor_surname: r.get(1)?,
        room: r.get(2)?,
        household_id: r.get(3)?,
        purpose: key_col(r, 4)?,
        id_checked: r.get(5)?,
        resident_confirmed: r.get(6)?,
        notified: posts_col(r, 7)?,
        time_in: from_ms(8, r.get(8)?)?,
        time_out: r
            .get::<_, Option<i64>>(9)?
            .map(|ms| from_ms(9, ms))
            .transpose()?,
        pass_id: r.get(10)?,
        pass_number: r.get(11)?,
        guard: r.get(12)?,
        arrival_id: r.get(13)?,
        registered_at: r.get(14)?,
    })
}

impl Store {
    /// Registers a visitor let in (audit entry `visit.register`); returns the visit's id.
    pub fn register_visit(&self, actor: &str, v: NewVisit) -> Result<i64, StoreError> {
        limits::SURNAME.check(&v.visitor_surname)?;
        limits::ROOM.check(&v.room)?;
        limits::NAME.check(&v.guard)?;
        let surname = v.visitor_surname.trim().to_owned();
        if surname.is_empty() {
            return Err(StoreError::Invalid {
                what: "visit",
                message: "the visitor's surname is empty".to_owned(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let room = v.room.trim();
            let household_id: Option<i64> = conn
                .query_row("SELECT id FROM households WHERE code = ?1", [room], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| ctx.err(e))?;
            if let Some(arrival) = v.arrival_id {
                let known: Option<Option<i64>> = conn
                    .query_row(
                        "SELECT e.id, (SELECT v.id FROM visits v WHERE v.arrival_id = e.id) \
                         FROM gate_events e WHERE e.id = ?1",
                        [arrival],
                        |r| r.get(1),
                    )
                    .optional()
                    .map_err(|e| ctx.err(e))?;
                match known {
                    None => {
                        return Err(StoreError::NotFound {
                            what: "gate event",
                            key: arrival.to_string(),
                        });
                    }
                    Some(Some(visit)) => {
                        return Err(StoreError::Invalid {
                            what: "visit",
                            message: format!(
                                "the arrival {arrival} is already registered as visit {visit}"
                            ),
                        });
                    }
                    Some(None) => {}
                }
            }
            conn.execute(
                "INSERT INTO visits (visitor_surname, room, household_id, purpose, id_checked, \
                 resident_confirmed, notified, time_in_ms, pass_id, guard, arrival_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    surname,
                    room,
                    household_id,
                    v.purpose.key(),
                    v.id_checked,
                    v.resident_confirmed,
                    posts_text(&v.notified),
                    to_ms(v.time_in),
                    v.pass_id,
                    v.guard.trim(),
                    v.arrival_id,
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "visit.register",
                &format!("visit:{id}"),
                &format!(
                    "{surname}, room {room}, {}, in at {}",
                    v.purpose.key(),
                    v.time_in.to_rfc3339()
                ),
            )?;
            Ok(id)
        })
    }

    /// Signs visit `id` out at `time_out` (audit entry `visit.out`). Refused with
    /// [`StoreError::Invalid`] when the visit is already signed out or `time_out` is before
    /// its time in; [`StoreError::NotFound`] for an unknown visit.
    pub fn visit_out(
        &self,
        actor: &str,
        id: i64,
        time_out: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let visit = conn
                .query_row(&format!("{VISIT_COLUMNS} WHERE v.id = ?1"), [id], visit_row)
                .optional()
                .map_err(|e| ctx.err(e))?
                .ok_or_else(|| StoreError::NotFound {
                    what: "visit",
                    key: id.to_string(),
                })?;
            if let Some(out) = visit.time_out {
                return Err(StoreError::Invalid {
                    what: "visit sign-out",
                    message: format!(
                        "visit {id} ({}) was already signed out at {}",
                        visit.visitor_surname,
                        out.to_rfc3339()
                    ),
                });
            }
            if time_out < visit.time_in {
                return Err(StoreError::Invalid {
                    what: "visit sign-out",
                    message: format!(
                        "the time out {} is before the time in {}",
                        time_out.to_rfc3339(),
                        visit.time_in.to_rfc3339()
                    ),
                });
            }
            conn.execute(
                "UPDATE visits SET time_out_ms = ?2 WHERE id = ?1",
                params![id, to_ms(time_out)],
            )
            .map_err(|e| ctx.err(e))?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "visit.out",
                &format!("visit:{id}"),
                &format!("out at {}", time_out.to_rfc3339()),
            )
        })
    }

    /// The visits that came in from `from` (inclusive) until `to` (exclusive), by time in.
    pub fn visits(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<VisitRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{VISIT_COLUMNS} WHERE v.time_in_ms >= ?1 AND v.time_in_ms < ?2 \
                 ORDER BY v.time_in_ms, v.id"
            ))?;
            let rows = st.query_map(params![to_ms(from), to_ms(to)], visit_row)?;
            rows.collect()
        })
    }

    /// Which of the gate events `ids` (camera arrivals) have a registered visitor.
    pub fn registered_arrivals(&self, ids: &[i64]) -> Result<HashSet<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids = ids.to_vec();
        self.read(move |c, _| {
            let mut st = c.prepare_cached("SELECT 1 FROM visits WHERE arrival_id = ?1 LIMIT 1")?;
            let mut found = HashSet::new();
            for id in ids {
                if st.exists([id])? {
                    found.insert(id);
                }
            }
            Ok(found)
        })
    }

    /// The visitors inside: visits not signed out, by time in.
    pub fn visitors_inside(&self) -> Result<Vec<VisitRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{VISIT_COLUMNS} WHERE v.time_out_ms IS NULL ORDER BY v.time_in_ms, v.id"
            ))?;
            let rows = st.query_map([], visit_row)?;
            rows.collect()
        })
    }
}
