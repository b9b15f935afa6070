//! What the manager's pages need besides the other modules: every issued pass, and deleting a
//! person's personal data.

use rusqlite::{Connection, OptionalExtension, params};

use super::audit;
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::files::unnamed;
use super::passes::PassRecord;

/// What deleting a person removed, and what it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedPerson {
    pub name: String,
    /// Photo rows and face embeddings removed.
    pub photos: usize,
    pub embeddings: usize,
    /// Faces the cameras saw of them (taken for them, or enrolled as theirs) removed.
    pub sightings: usize,
    /// Their consents to face collection removed.
    pub consents: usize,
    /// Snapshots of their gate events that showed only them: unlinked, their files listed in
    /// `orphan_files`.
    pub snapshots_deleted: usize,
    /// Snapshots of their gate events that other events show too: the files stay for those
    /// events; their own events no longer point at them.
    pub snapshots_shared: usize,
    /// Files (relative to the data folder) that no record names any more: the caller deletes
    /// them.
    pub orphan_files: Vec<String>,
    /// Gate events that named the person, kept without the name.
    pub events_kept: usize,
    /// Plates of vehicles the person owned, kept without an owner.
    pub vehicles_kept: Vec<String>,
}

/// What the gate log says instead of a deleted person's name or title.
pub const DELETED_NAME: &str = "（已删除）";

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

    /// Deletes person `id`'s personal data in one transaction with an audit entry `delete` by
    /// `actor`: the person, their photos, face embeddings, consents, corrections and training
    /// answers, the faces the cameras saw of them, and the snapshots of their gate events that
    /// show no one else. The gate events (the duty log) are kept without their name: the person
    /// is set to NULL, their name and title in the words recorded are replaced by
    /// [`DELETED_NAME`], and a snapshot another event still shows is kept for that event but no
    /// longer linked to theirs. Vehicles, passes and goods slips are kept without the owner.
    /// The files no record names any more are listed for the caller to delete.
    pub fn delete_person(&self, actor: &str, id: i64) -> Result<DeletedPerson, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| delete_person_tx(conn, ctx, &actor, id))
    }
}

/// [`Store::delete_person`] inside the caller's transaction (also what a deletion made at another
/// box of the compound does here).
pub(crate) fn delete_person_tx(
    conn: &Connection,
    ctx: &Ctx,
    actor: &str,
    id: i64,
) -> Result<DeletedPerson, StoreError> {
    let sql = |e| ctx.err(e);
    let (name, title): (String, String) = conn
        .query_row("SELECT name, title FROM people WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
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

    // the faces seen of them: taken for them, or the very face enrolled as theirs
    const THEIR_SIGHTINGS: &str = "person_id = ?1 OR vector IN \
         (SELECT vector FROM face_embeddings WHERE person_id = ?1)";
    files.extend(strings(&format!(
        "SELECT thumbnail FROM face_sightings \
         WHERE ({THEIR_SIGHTINGS}) AND thumbnail IS NOT NULL"
    ))?);
    let sightings = conn
        .execute(
            &format!("DELETE FROM face_sightings WHERE {THEIR_SIGHTINGS}"),
            [id],
        )
        .map_err(sql)?;

    // the snapshots of their events: gone unless another event shows the same file
    let (mut snapshots_deleted, mut snapshots_shared) = (0, 0);
    for snapshot in strings(
        "SELECT DISTINCT snapshot FROM gate_events \
         WHERE person_id = ?1 AND snapshot IS NOT NULL",
    )? {
        let shared: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM gate_events WHERE snapshot = ?1 \
                 AND person_id IS NOT ?2 LIMIT 1",
                params![snapshot, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if shared.is_some() {
            snapshots_shared += 1;
        } else {
            snapshots_deleted += 1;
            files.push(snapshot);
        }
    }
    conn.execute(
        "UPDATE gate_events SET snapshot = NULL WHERE person_id = ?1",
        [id],
    )
    .map_err(sql)?;
    // the words the screen said keep no name: 王总，早上好 → （已删除），早上好
    for word in [name.trim(), title.trim()] {
        if !word.is_empty() {
            conn.execute(
                "UPDATE gate_events SET decision = replace(decision, ?2, ?3) \
                 WHERE person_id = ?1",
                params![id, word, DELETED_NAME],
            )
            .map_err(sql)?;
        }
    }

    let embeddings = count("SELECT count(*) FROM face_embeddings WHERE person_id = ?1")?;
    let consents = count("SELECT count(*) FROM consents WHERE person_id = ?1")?;
    let events_kept = count("SELECT count(*) FROM gate_events WHERE person_id = ?1")?;
    let vehicles_kept =
        strings("SELECT plate FROM vehicles WHERE owner_person_id = ?1 ORDER BY plate")?;
    conn.execute("DELETE FROM face_embeddings WHERE person_id = ?1", [id])
        .map_err(sql)?;
    let photos = conn
        .execute("DELETE FROM person_photos WHERE person_id = ?1", [id])
        .map_err(sql)?;
    // the rest follows the foreign keys: consents, corrections and training answers go,
    // events and others keep a NULL
    conn.execute("DELETE FROM people WHERE id = ?1", [id])
        .map_err(sql)?;
    files.sort();
    files.dedup();
    // a file stored once for two people (or two sightings) stays while another has it
    let orphan_files = unnamed(conn, files).map_err(sql)?;
    audit::append_tx(
        conn,
        ctx,
        actor,
        "delete",
        &format!("person:{id}"),
        &format!(
            "{name}: {photos} photos, {embeddings} face embeddings, {sightings} face \
             sightings, {consents} consents, {snapshots_deleted} snapshots deleted; \
             {events_kept} gate events and {} vehicles kept without the name, \
             {snapshots_shared} snapshots shown by other events kept",
            vehicles_kept.len()
        ),
    )?;
    Ok(DeletedPerson {
        name,
        photos,
        embeddings,
        sightings,
        consents,
        snapshots_deleted,
        snapshots_shared,
        orphan_files,
        events_kept,
        vehicles_kept,
    })
}
