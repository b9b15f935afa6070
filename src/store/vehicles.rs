//! Vehicles and their plates: household cars, VIP plates (表1), staff cars, booked moving trucks
//! with a date window, special vehicles and barred plates.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::columns::{date_col, date_text, from_ms, key_col, opt_key_col, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::{audit, people};
use crate::domain::limits;
use crate::domain::{PlateColour, VehicleKind, clean_plate};

/// Whose a vehicle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VehicleOwner {
    /// A person by id.
    Person(i64),
    /// A person by exact name; refused when no one or several people have that name.
    PersonNamed(String),
    /// A household by code ("3-2-1502").
    Household(String),
}

/// A vehicle to add. Plates are normalised on the way in (京A·12345 → 京A12345).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVehicle {
    pub plate: String,
    pub colour: Option<PlateColour>,
    pub kind: VehicleKind,
    pub owner: Option<VehicleOwner>,
    /// First local day it is expected (booked moving trucks), inclusive.
    pub valid_from: Option<NaiveDate>,
    /// Last local day it is expected, inclusive.
    pub valid_to: Option<NaiveDate>,
    pub notes: String,
}

impl NewVehicle {
    /// Whether its texts fit their fields (`domain::limits`).
    pub fn fits(&self) -> Result<(), limits::Unfit> {
        limits::PLATE.check(&self.plate)?;
        limits::NOTE.check(&self.notes)
    }

    /// A vehicle of `kind` with plate `plate` and nothing else known.
    pub fn new(plate: impl Into<String>, kind: VehicleKind) -> NewVehicle {
        NewVehicle {
            plate: plate.into(),
            colour: None,
            kind,
            owner: None,
            valid_from: None,
            valid_to: None,
            notes: String::new(),
        }
    }
}

/// A stored vehicle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRecord {
    pub id: i64,
    /// Normalised, e.g. 京A12345.
    pub plate: String,
    pub colour: Option<PlateColour>,
    pub kind: VehicleKind,
    pub owner_person_id: Option<i64>,
    /// The owner's name.
    pub owner_person: Option<String>,
    pub owner_household_id: Option<i64>,
    /// The owning household's code.
    pub owner_household: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub notes: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

impl VehicleRecord {
    /// Whether the vehicle is expected on local day `day` (always, without a window).
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

const VEHICLE_COLUMNS: &str = "SELECT v.id, v.plate, v.colour, v.kind, v.owner_person_id, \
     p.name, v.owner_household_id, h.code, v.valid_from, v.valid_to, v.notes, v.created_ms, \
     v.updated_ms FROM vehicles v LEFT JOIN people p ON p.id = v.owner_person_id \
     LEFT JOIN households h ON h.id = v.owner_household_id";

fn vehicle_row(r: &Row<'_>) -> rusqlite::Result<VehicleRecord> {
    Ok(VehicleRecord {
        id: r.get(0)?,
        plate: r.get(1)?,
        colour: opt_key_col(r, 2)?,
        kind: key_col(r, 3)?,
        owner_person_id: r.get(4)?,
        owner_person: r.get(5)?,
        owner_household_id: r.get(6)?,
        owner_household: r.get(7)?,
        valid_from: date_col(r, 8)?,
        valid_to: date_col(r, 9)?,
        notes: r.get(10)?,
        created: from_ms(11, r.get(11)?)?,
        updated: from_ms(12, r.get(12)?)?,
    })
}

fn owner_ids(
    conn: &Connection,
    ctx: &Ctx,
    owner: &Option<VehicleOwner>,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    match owner {
        None => Ok((None, None)),
        Some(VehicleOwner::Person(id)) => Ok((Some(*id), None)),
        Some(VehicleOwner::Household(code)) => {
            Ok((None, Some(people::household_id(conn, ctx, code)?)))
        }
        Some(VehicleOwner::PersonNamed(name)) => {
            let mut st = conn
                .prepare_cached("SELECT id FROM people WHERE name = ?1 LIMIT 2")
                .map_err(|e| ctx.err(e))?;
            let ids = st
                .query_map([name.trim()], |r| r.get::<_, i64>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| ctx.err(e))?;
            match ids[..] {
                [id] => Ok((Some(id), None)),
                [] => Err(StoreError::NotFound {
                    what: "person",
                    key: name.trim().to_owned(),
                }),
                _ => Err(StoreError::Invalid {
                    what: "vehicle owner",
                    message: format!(
                        "several people are called {}; give the owner's household instead",
                        name.trim()
                    ),
                }),
            }
        }
    }
}

/// The vehicle `id`, or [`StoreError::NotFound`].
fn vehicle_tx(conn: &Connection, ctx: &Ctx, id: i64) -> Result<VehicleRecord, StoreError> {
    conn.query_row(
        &format!("{VEHICLE_COLUMNS} WHERE v.id = ?1"),
        [id],
        vehicle_row,
    )
    .optional()
    .map_err(|e| ctx.err(e))?
    .ok_or_else(|| StoreError::NotFound {
        what: "vehicle",
        key: id.to_string(),
    })
}

/// Adds the vehicle, or updates the one with the same plate and the same date window; returns
/// its id and whether it was new.
pub(crate) fn upsert_vehicle_tx(
    conn: &Connection,
    ctx: &Ctx,
    v: &NewVehicle,
) -> Result<(i64, bool), StoreError> {
    v.fits()?;
    let plate = clean_plate(&v.plate);
    if plate.is_empty() {
        return Err(StoreError::Invalid {
            what: "plate",
            message: "the plate number is empty".to_owned(),
        });
    }
    if let (Some(from), Some(to)) = (v.valid_from, v.valid_to)
        && from > to
    {
        return Err(StoreError::Invalid {
            what: "date window",
            message: format!("{plate}: valid_from {from} is after valid_to {to}"),
        });
    }
    let (person, household) = owner_ids(conn, ctx, &v.owner)?;
    let from = v.valid_from.map(date_text);
    let to = v.valid_to.map(date_text);
    let now = to_ms(ctx.now);
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM vehicles WHERE plate = ?1 AND valid_from IS ?2 AND valid_to IS ?3",
            params![plate, from, to],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| ctx.err(e))?;
    let colour = v.colour.map(|c| c.key());
    match existing {
        Some(id) => {
            conn.execute(
                "UPDATE vehicles SET colour = ?2, kind = ?3, owner_person_id = ?4, \
                 owner_household_id = ?5, notes = ?6, updated_ms = ?7 WHERE id = ?1",
                params![id, colour, v.kind.key(), person, household, v.notes, now],
            )
            .map_err(|e| ctx.err(e))?;
            Ok((id, false))
        }
        None => {
            conn.execute(
                "INSERT INTO vehicles (plate, colour, kind, owner_person_id, owner_household_id, \
                 valid_from, valid_to, notes, created_ms, updated_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                params![
                    plate,
                    colour,
                    v.kind.key(),
                    person,
                    household,
                    from,
                    to,
                    v.notes,
                    now
                ],
            )
            .map_err(|e| ctx.err(e))?;
            Ok((conn.last_insert_rowid(), true))
        }
    }
}

impl Store {
    /// Adds a vehicle (audit entry `vehicle.insert`), or updates the one with the same plate and
    /// date window (`vehicle.update`); returns its id.
    pub fn add_vehicle(&self, actor: &str, v: NewVehicle) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let (id, new) = upsert_vehicle_tx(conn, ctx, &v)?;
            let action = if new {
                "vehicle.insert"
            } else {
                "vehicle.update"
            };
            let detail = format!("{} ({})", clean_plate(&v.plate), v.kind.key());
            audit::append_tx(conn, ctx, &actor, action, &format!("vehicle:{id}"), &detail)?;
            Ok(id)
        })
    }

    /// Replaces vehicle `id` with `v` (plate, colour, kind, owner, dates, notes) and adds an
    /// audit entry `vehicle.update` saying what changed.
    pub fn update_vehicle(&self, actor: &str, id: i64, v: NewVehicle) -> Result<(), StoreError> {
        v.fits()?;
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let plate = clean_plate(&v.plate);
            if plate.is_empty() {
                return Err(StoreError::Invalid {
                    what: "plate",
                    message: "the plate number is empty".to_owned(),
                });
            }
            if let (Some(from), Some(to)) = (v.valid_from, v.valid_to)
                && from > to
            {
                return Err(StoreError::Invalid {
                    what: "date window",
                    message: format!("{plate}: valid_from {from} is after valid_to {to}"),
                });
            }
            let old = vehicle_tx(conn, ctx, id)?;
            let (person, household) = owner_ids(conn, ctx, &v.owner)?;
            conn.execute(
                "UPDATE vehicles SET plate = ?2, colour = ?3, kind = ?4, owner_person_id = ?5, \
                 owner_household_id = ?6, valid_from = ?7, valid_to = ?8, notes = ?9, \
                 updated_ms = ?10 WHERE id = ?1",
                params![
                    id,
                    plate,
                    v.colour.map(|c| c.key()),
                    v.kind.key(),
                    person,
                    household,
                    v.valid_from.map(date_text),
                    v.valid_to.map(date_text),
                    v.notes,
                    to_ms(ctx.now)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let new = vehicle_tx(conn, ctx, id)?;
            let mut changes = Vec::new();
            let mut diff = |field: &str, was: String, now: String| {
                if was != now {
                    changes.push(format!("{field}: {was} → {now}"));
                }
            };
            let key = |c: Option<PlateColour>| c.map(|c| c.key().to_owned()).unwrap_or_default();
            let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            diff("plate", old.plate, new.plate.clone());
            diff("colour", key(old.colour), key(new.colour));
            diff("kind", old.kind.key().into(), new.kind.key().into());
            diff(
                "owner",
                format!("{:?}/{:?}", old.owner_person_id, old.owner_household_id),
                format!("{:?}/{:?}", new.owner_person_id, new.owner_household_id),
            );
            diff("valid_from", day(old.valid_from), day(new.valid_from));
            diff("valid_to", day(old.valid_to), day(new.valid_to));
            diff("notes", old.notes, new.notes);
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "vehicle.update",
                &format!("vehicle:{id}"),
                &format!("{}: {}", new.plate, changes.join("; ")),
            )
        })
    }

    /// Deletes vehicle `id` (audit entry `vehicle.delete`); returns what it was. The gate log
    /// keeps the plate of its past events.
    pub fn delete_vehicle(&self, actor: &str, id: i64) -> Result<VehicleRecord, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let old = vehicle_tx(conn, ctx, id)?;
            conn.execute("DELETE FROM vehicles WHERE id = ?1", [id])
                .map_err(|e| ctx.err(e))?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "vehicle.delete",
                &format!("vehicle:{id}"),
                &format!("{} ({})", old.plate, old.kind.key()),
            )?;
            Ok(old)
        })
    }

    /// The vehicle `id`, if any.
    pub fn vehicle(&self, id: i64) -> Result<Option<VehicleRecord>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                &format!("{VEHICLE_COLUMNS} WHERE v.id = ?1"),
                [id],
                vehicle_row,
            )
            .optional()
        })
    }

    /// The vehicles with exactly this plate (normalised first), by id; a plate may have several
    /// rows, e.g. moving-truck bookings on different days.
    pub fn find_vehicles(&self, plate: &str) -> Result<Vec<VehicleRecord>, StoreError> {
        let plate = clean_plate(plate);
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{VEHICLE_COLUMNS} WHERE v.plate = ?1 ORDER BY v.id"
            ))?;
            let rows = st.query_map([plate], vehicle_row)?;
            rows.collect()
        })
    }

    /// Every vehicle, by plate.
    pub fn vehicles(&self) -> Result<Vec<VehicleRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!("{VEHICLE_COLUMNS} ORDER BY v.plate, v.id"))?;
            let rows = st.query_map([], vehicle_row)?;
            rows.collect()
        })
    }
}
