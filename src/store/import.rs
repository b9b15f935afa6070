//! Whole imports (households, people with photos, vehicles) written in one transaction: all of
//! it or nothing.

use rusqlite::{Connection, params};

use super::audit;
use super::consent::{self, NewConsent};
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::people::{self, NewHousehold, NewPerson, NewPhoto};
use super::vehicles::{self, NewVehicle};

/// A person of an import, with the photos to record for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPerson {
    /// Where the row came from, for error messages ("people.csv line 4").
    pub origin: String,
    pub person: NewPerson,
    pub photos: Vec<NewPhoto>,
    /// Their consent to the collection of their face, when the row records it.
    pub consent: Option<NewConsent>,
}

/// A vehicle of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportVehicle {
    /// Where the row came from, for error messages ("vehicles.csv line 7").
    pub origin: String,
    pub vehicle: NewVehicle,
}

/// Everything one import writes. Households are written first, then people (who may name a
/// household of the batch), then vehicles (whose owner may be a person or household of the
/// batch).
///
/// A person is matched to an existing one by name and household: a match is updated, otherwise
/// a new person is added. A vehicle is matched by plate and date window the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportBatch {
    /// What was imported (file or folder name), for the audit log.
    pub source: String,
    pub households: Vec<NewHousehold>,
    pub people: Vec<ImportPerson>,
    pub vehicles: Vec<ImportVehicle>,
}

/// What an import wrote (or would write).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub households_added: usize,
    pub households_updated: usize,
    pub people_added: usize,
    pub people_updated: usize,
    pub photos_added: usize,
    /// Consents to face collection recorded (one the same as the one in force is not).
    pub consents_added: usize,
    pub vehicles_added: usize,
    pub vehicles_updated: usize,
}

fn existing_person(conn: &Connection, ctx: &Ctx, p: &NewPerson) -> Result<Option<i64>, StoreError> {
    let household = p
        .household
        .as_deref()
        .map(|code| people::household_id(conn, ctx, code))
        .transpose()?;
    let mut st = conn
        .prepare_cached("SELECT id FROM people WHERE name = ?1 AND household_id IS ?2 LIMIT 2")
        .map_err(|e| ctx.err(e))?;
    let ids = st
        .query_map(params![p.name.trim(), household], |r| r.get::<_, i64>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<i64>>>())
        .map_err(|e| ctx.err(e))?;
    match ids[..] {
        [] => Ok(None),
        [id] => Ok(Some(id)),
        _ => Err(StoreError::Invalid {
            what: "person",
            message: format!(
                "several people called {} already live in the same household; edit them by hand",
                p.name.trim()
            ),
        }),
    }
}

/// A record an import adds that the boxes of a compound share by an id of its own.
#[derive(Debug, Clone, Copy)]
enum Settle {
    Person,
    Vehicle,
}

/// Gives a record the import has just added an id made from what imports know it by (a person's
/// name and household, a vehicle's plate and dates) instead of a random one: two boxes of a
/// compound that import the same file then hold the same records, which the shared store keeps
/// once, not twice. Left random when a record of this box already has that id (a person since
/// renamed); the random id was never sent, and is forgotten.
fn settle_uid(
    conn: &Connection,
    ctx: &Ctx,
    what: Settle,
    id: i64,
    seed: &str,
) -> Result<(), StoreError> {
    use sha2::{Digest, Sha256};
    let (table, kind) = match what {
        Settle::Person => ("people", "person"),
        Settle::Vehicle => ("vehicles", "vehicle"),
    };
    let uid = hex::encode(&Sha256::digest(format!("{kind}\u{1f}{seed}"))[..16]);
    let err = |e| ctx.err(e);
    let taken = conn
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE uid = ?1"))
        .and_then(|mut st| st.exists([&uid]))
        .map_err(err)?;
    if taken {
        return Ok(());
    }
    let old: Option<String> = conn
        .query_row(
            &format!("SELECT uid FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .map_err(err)?;
    conn.execute(
        &format!("UPDATE {table} SET uid = ?1 WHERE id = ?2"),
        params![uid, id],
    )
    .map_err(err)?;
    conn.execute(
        "DELETE FROM sync_changes WHERE kind = ?1 AND uid = ?2",
        params![kind, old],
    )
    .map_err(err)?;
    Ok(())
}

/// Writes the batch inside a savepoint; keeps it only when `keep` and every row was good.
fn run(
    conn: &Connection,
    ctx: &Ctx,
    actor: &str,
    batch: &ImportBatch,
    keep: bool,
) -> Result<ImportSummary, StoreError> {
    conn.execute_batch("SAVEPOINT import")
        .map_err(|e| ctx.err(e))?;
    let mut sum = ImportSummary::default();
    let mut problems = Vec::new();
    let written = (|| -> Result<(), StoreError> {
        for h in &batch.households {
            match people::upsert_household_tx(conn, ctx, h) {
                Ok((_, true)) => sum.households_added += 1,
                Ok((_, false)) => sum.households_updated += 1,
                Err(e @ (StoreError::Constraint { .. } | StoreError::Invalid { .. })) => {
                    problems.push(format!("household {}: {e}", h.code.trim()))
                }
                Err(e) => return Err(e),
            }
        }
        for p in &batch.people {
            let result = existing_person(conn, ctx, &p.person).and_then(|found| match found {
                Some(id) => {
                    people::update_person_tx(conn, ctx, id, &p.person)?;
                    sum.people_updated += 1;
                    Ok(id)
                }
                None => {
                    let id = people::insert_person_tx(conn, ctx, &p.person)?;
                    let household = p.person.household.as_deref().unwrap_or_default().trim();
                    let seed = format!("{}\u{1f}{household}", p.person.name.trim());
                    settle_uid(conn, ctx, Settle::Person, id, &seed)?;
                    sum.people_added += 1;
                    Ok(id)
                }
            });
            let result = result.and_then(|id| {
                for photo in &p.photos {
                    if people::add_photo_tx(conn, ctx, id, photo)?.1 {
                        sum.photos_added += 1;
                    }
                }
                if let Some(c) = &p.consent
                    && consent::record_tx(conn, ctx, actor, id, c)?
                {
                    sum.consents_added += 1;
                }
                Ok(())
            });
            match result {
                Ok(()) => {}
                Err(e) if is_row_problem(&e) => problems.push(format!("{}: {e}", p.origin)),
                Err(e) => return Err(e),
            }
        }
        for v in &batch.vehicles {
            let added = vehicles::upsert_vehicle_tx(conn, ctx, &v.vehicle).and_then(|(id, new)| {
                if new {
                    let v = &v.vehicle;
                    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
                    let seed = format!(
                        "{}\u{1f}{}\u{1f}{}",
                        crate::domain::clean_plate(&v.plate),
                        day(v.valid_from).unwrap_or_default(),
                        day(v.valid_to).unwrap_or_default()
                    );
                    settle_uid(conn, ctx, Settle::Vehicle, id, &seed)?;
                }
                Ok((id, new))
            });
            match added {
                Ok((_, true)) => sum.vehicles_added += 1,
                Ok((_, false)) => sum.vehicles_updated += 1,
                Err(e) if is_row_problem(&e) => problems.push(format!("{}: {e}", v.origin)),
                Err(e) => return Err(e),
            }
        }
        if problems.is_empty() && keep {
            let detail = format!(
                "households +{} ~{}, people +{} ~{}, photos +{}, consents +{}, vehicles +{} ~{}",
                sum.households_added,
                sum.households_updated,
                sum.people_added,
                sum.people_updated,
                sum.photos_added,
                sum.consents_added,
                sum.vehicles_added,
                sum.vehicles_updated
            );
            audit::append_tx(conn, ctx, actor, "import", &batch.source, &detail)?;
        }
        Ok(())
    })();
    let good = written.is_ok() && problems.is_empty();
    let end = if good && keep {
        "RELEASE import"
    } else {
        "ROLLBACK TO import; RELEASE import"
    };
    let ended = conn.execute_batch(end).map_err(|e| ctx.err(e));
    written?;
    ended?;
    if problems.is_empty() {
        Ok(sum)
    } else {
        Err(StoreError::ImportRejected { problems })
    }
}

fn is_row_problem(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Constraint { .. } | StoreError::Invalid { .. } | StoreError::NotFound { .. }
    )
}

impl Store {
    /// Writes the whole batch in one transaction, with an audit entry `import`: either every row
    /// is written, or none is and [`StoreError::ImportRejected`] lists every bad row.
    pub fn import_batch(
        &self,
        actor: &str,
        batch: ImportBatch,
    ) -> Result<ImportSummary, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| run(conn, ctx, &actor, &batch, true))
    }

    /// Runs the batch as [`Store::import_batch`] would and rolls it back: what an import would
    /// write, or every bad row (`--dry-run`).
    pub fn check_import(&self, batch: ImportBatch) -> Result<ImportSummary, StoreError> {
        self.write(move |conn, ctx| run(conn, ctx, "", &batch, false))
    }
}
