//! The vehicles inside the compound now: added by a vehicle's arrival driving in, removed by
//! one driving out, and kept in the database so a restart forgets no one.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::columns::{from_ms, opt_key_col, to_ms};
use super::db::Store;
use super::error::StoreError;
use crate::domain::{PlateColour, clean_plate};

/// A vehicle inside.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleInside {
    /// Normalised (京A12345).
    pub plate: String,
    pub colour: Option<PlateColour>,
    /// When it was seen coming in.
    pub since: DateTime<Utc>,
    /// The gate it came in by.
    pub gate: String,
    /// The arrival event that saw it come in, while that event is kept.
    pub event_id: Option<i64>,
}

impl Store {
    /// Notes that the vehicle `plate` came in at `at` (by the arrival `event_id`). A vehicle
    /// already inside (its way out was missed) is taken to have come in again now.
    pub fn vehicle_came_in(
        &self,
        plate: &str,
        colour: Option<PlateColour>,
        at: DateTime<Utc>,
        gate: &str,
        event_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let plate = clean_plate(plate);
        if plate.is_empty() {
            return Ok(());
        }
        let gate = gate.to_owned();
        self.write(move |conn, ctx| {
            came_in_tx(conn, &plate, colour, at, &gate, event_id).map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// Notes that the vehicle `plate` went out; returns whether it was inside.
    pub fn vehicle_went_out(&self, plate: &str) -> Result<bool, StoreError> {
        let plate = clean_plate(plate);
        self.write(move |conn, ctx| went_out_tx(conn, &plate).map_err(|e| ctx.err(e)))
    }

    /// The vehicles inside now, longest inside first.
    pub fn vehicles_inside(&self) -> Result<Vec<VehicleInside>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare_cached(
                "SELECT plate, plate_colour, since_ms, gate, event_id FROM vehicles_inside \
                 ORDER BY since_ms, plate",
            )?;
            let rows = st.query_map([], |r| {
                Ok(VehicleInside {
                    plate: r.get(0)?,
                    colour: opt_key_col(r, 1)?,
                    since: from_ms(2, r.get(2)?)?,
                    gate: r.get(3)?,
                    event_id: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }
}

/// Notes, inside the caller's transaction, that the vehicle `plate` (normalised) came in; one
/// already inside is taken to have come in again.
pub(super) fn came_in_tx(
    conn: &rusqlite::Connection,
    plate: &str,
    colour: Option<PlateColour>,
    at: DateTime<Utc>,
    gate: &str,
    event_id: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO vehicles_inside (plate, plate_colour, since_ms, gate, event_id) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (plate) DO UPDATE SET plate_colour = excluded.plate_colour, \
         since_ms = excluded.since_ms, gate = excluded.gate, event_id = excluded.event_id",
        params![plate, colour.map(|c| c.key()), to_ms(at), gate, event_id],
    )?;
    Ok(())
}

/// Notes, inside the caller's transaction, that the vehicle `plate` (normalised) went out;
/// whether it was inside.
pub(super) fn went_out_tx(conn: &rusqlite::Connection, plate: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM vehicles_inside WHERE plate = ?1", [plate])? > 0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_car_in_is_listed_until_it_goes_out_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.sqlite");
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 23, 30, 0).unwrap();
        {
            let store = Store::open(&path).unwrap();
            store
                .vehicle_came_in("川A·8H458", Some(PlateColour::Blue), at, "东门", None)
                .unwrap();
            store
                .vehicle_came_in("京EA5331", Some(PlateColour::Yellow), at, "东门", None)
                .unwrap();
            // its way out was missed: in again later is one entry, from the later time
            let later = at + chrono::Duration::hours(2);
            store
                .vehicle_came_in("京EA5331", Some(PlateColour::Yellow), later, "北门", None)
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let inside = store.vehicles_inside().unwrap();
        assert_eq!(
            inside
                .iter()
                .map(|v| (v.plate.as_str(), v.gate.as_str()))
                .collect::<Vec<_>>(),
            [("川A8H458", "东门"), ("京EA5331", "北门")]
        );
        assert!(store.vehicle_went_out("川A8H458").unwrap());
        assert!(!store.vehicle_went_out("川A8H458").unwrap());
        assert_eq!(store.vehicles_inside().unwrap().len(), 1);
    }
}
