//! What the manager's pages need besides the other modules: every issued pass, and deleting a
//! person's personal data.

use rusqlite::{OptionalExtension, params};

use super::audit;
use super::db::Store;
use super::error::StoreError;
use super::passes::PassRecord;

/// What deleting a person removed, and what it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedPerson {
    pub name: String,
    /// Photo rows and face embeddings removed.
    pub photos: usize,
    pub embeddings: usize,
    /// Files (relative to the data folder) that no record names any more: the caller deletes
    /// them.
    pub orphan_files: Vec<String>,
    /// Gate events that named the person, kept without the name.
    pub events_kept: usize,
    /// Plates of vehicles the person owned, kept without an owner.
    pub vehicles_kept: Vec<String>,
}

impl Store {
    /// Every issued pass, by number.
    pub fn all_passes(&self) -> Result<Vec<PassRecord>, StoreError> {
        let numbers: Vec<String> = self.read(|c, _| {
            let mut st = c.prepare("SELECT number FROM passes ORDER BY number")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })?;
        let mut passes = Vec::with_capacity(numbers.len());
        for n in numbers {
            if let Some(p) = self.pass(&n)? {
                passes.push(p);
            }
        }
        Ok(passes)
    }

    /// Deletes person `id` with their photos, face embeddings and corrections, in one
    /// transaction with an audit entry `delete` by `actor`. Gate events, sightings, passes and
    /// vehicles that named them are kept without the name (their person is set to NULL).
    pub fn delete_person(&self, actor: &str, id: i64) -> Result<DeletedPerson, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let sql = |e| ctx.err(e);
            let name: String = conn
                .query_row("SELECT name FROM people WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(sql)?
                .ok_or_else(|| StoreError::NotFound {
                    what: "person",
                    key: id.to_string(),
                })?;
            let strings = |query: &str| -> Result<Vec<String>, StoreError> {
                let mut st = conn.prepare(query).map_err(sql)?;
                let rows = st.query_map([id], |r| r.get::<_, String>(0)).map_err(sql)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
            };
            let count = |query: &str| -> Result<usize, StoreError> {
                conn.query_row(query, [id], |r| r.get::<_, i64>(0))
                    .map(|n| n as usize)
                    .map_err(sql)
            };
            let mut files = strings("SELECT path FROM person_photos WHERE person_id = ?1")?;
            files.extend(strings(
                "SELECT thumbnail FROM face_embeddings \
                 WHERE person_id = ?1 AND thumbnail IS NOT NULL",
            )?);
            files.sort();
            files.dedup();
            let embeddings = count("SELECT count(*) FROM face_embeddings WHERE person_id = ?1")?;
            let events_kept = count("SELECT count(*) FROM gate_events WHERE person_id = ?1")?;
            let vehicles_kept =
                strings("SELECT plate FROM vehicles WHERE owner_person_id = ?1 ORDER BY plate")?;
            conn.execute("DELETE FROM face_embeddings WHERE person_id = ?1", [id])
                .map_err(sql)?;
            let photos = conn
                .execute("DELETE FROM person_photos WHERE person_id = ?1", [id])
                .map_err(sql)?;
            // the rest follows the foreign keys: corrections go, events and others keep a NULL
            conn.execute("DELETE FROM people WHERE id = ?1", [id])
                .map_err(sql)?;
            // a photo stored once for two people stays while the other one has it
            let mut orphan_files = Vec::new();
            for f in files {
                let used: Option<i64> = conn
                    .query_row(
                        "SELECT 1 FROM person_photos WHERE path = ?1 UNION ALL \
                         SELECT 1 FROM face_embeddings WHERE thumbnail = ?1 LIMIT 1",
                        params![f],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql)?;
                if used.is_none() {
                    orphan_files.push(f);
                }
            }
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "delete",
                &format!("person:{id}"),
                &format!(
                    "{name}: {photos} photos, {embeddings} face embeddings deleted; \
                     {events_kept} gate events and {} vehicles kept without the name",
                    vehicles_kept.len()
                ),
            )?;
            Ok(DeletedPerson {
                name,
                photos,
                embeddings,
                orphan_files,
                events_kept,
                vehicles_kept,
            })
        })
    }
}
