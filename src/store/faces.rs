//! Face sightings (faces seen by a camera or `analyze`, kept for the retention period) and the
//! guards' corrections that a sighting is not a person, which the gallery uses.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit;
use super::columns::{from_ms, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::files::unnamed;

/// A face seen, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSighting {
    /// Camera name, or the photo file `analyze` read.
    pub source: String,
    /// The embedder's key (as in face embeddings).
    pub model: String,
    pub vector: Vec<f32>,
    /// The aligned crop, relative to the data folder.
    pub thumbnail: Option<String>,
    /// Who the face was taken for, and how similar.
    pub person_id: Option<i64>,
    pub similarity: Option<f32>,
}

/// A recorded sighting.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    pub id: i64,
    pub seen: DateTime<Utc>,
    pub source: String,
    pub model: String,
    pub vector: Vec<f32>,
    pub thumbnail: Option<String>,
    pub person_id: Option<i64>,
    pub similarity: Option<f32>,
}

/// A guard's correction: a face like `vector` is not person `person_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceCorrection {
    pub id: i64,
    pub person_id: i64,
    pub sighting_id: Option<i64>,
    pub vector: Vec<f32>,
    pub created: DateTime<Utc>,
    pub actor: String,
}

/// Little-endian f32 bytes, as the vector columns hold them.
pub(super) fn to_blob(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The f32 values of a vector column.
pub(super) fn from_blob(blob: &[u8]) -> Vec<f32> {
    blob.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn check_vector(vector: &[f32]) -> Result<(), StoreError> {
    if vector.is_empty() || vector.iter().any(|v| !v.is_finite()) {
        return Err(StoreError::Invalid {
            what: "face embedding",
            message: "the vector is empty or not finite".to_owned(),
        });
    }
    Ok(())
}

pub(super) const SIGHTING_COLUMNS: &str = "SELECT id, seen_ms, source, model, vector, thumbnail, \
     person_id, similarity FROM face_sightings";

pub(super) fn sighting_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Sighting> {
    let blob: Vec<u8> = r.get(4)?;
    Ok(Sighting {
        id: r.get(0)?,
        seen: from_ms(1, r.get(1)?)?,
        source: r.get(2)?,
        model: r.get(3)?,
        vector: from_blob(&blob),
        thumbnail: r.get(5)?,
        person_id: r.get(6)?,
        similarity: r.get::<_, Option<f64>>(7)?.map(|v| v as f32),
    })
}

pub(super) const CORRECTION_COLUMNS: &str =
    "SELECT id, person_id, sighting_id, vector, created_ms, actor FROM face_corrections";

pub(super) fn correction_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FaceCorrection> {
    let blob: Vec<u8> = r.get(3)?;
    Ok(FaceCorrection {
        id: r.get(0)?,
        person_id: r.get(1)?,
        sighting_id: r.get(2)?,
        vector: from_blob(&blob),
        created: from_ms(4, r.get(4)?)?,
        actor: r.get(5)?,
    })
}

impl Store {
    /// Records a face seen now; returns the sighting's id (what the guard quotes to correct it).
    pub fn add_sighting(&self, s: NewSighting) -> Result<i64, StoreError> {
        check_vector(&s.vector)?;
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO face_sightings (seen_ms, source, model, dim, vector, thumbnail, \
                 person_id, similarity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    to_ms(ctx.now),
                    s.source,
                    s.model,
                    s.vector.len() as i64,
                    to_blob(&s.vector),
                    s.thumbnail,
                    s.person_id,
                    s.similarity.map(f64::from),
                ],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(conn.last_insert_rowid())
        })
    }

    /// The sighting with this id, if it is still kept.
    pub fn sighting(&self, id: i64) -> Result<Option<Sighting>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                &format!("{SIGHTING_COLUMNS} WHERE id = ?1"),
                [id],
                sighting_row,
            )
            .optional()
        })
    }

    /// The sightings seen at or after `since` that still have their crop, newest first, at most
    /// `limit` of them (the faces a manager picks from to enrol).
    pub fn recent_sightings(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Sighting>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{SIGHTING_COLUMNS} WHERE seen_ms >= ?1 AND thumbnail IS NOT NULL \
                 ORDER BY seen_ms DESC, id DESC LIMIT ?2"
            ))?;
            let rows = st.query_map(params![to_ms(since), limit as i64], sighting_row)?;
            rows.collect()
        })
    }

    /// Records that sighting `sighting_id` is not person `person_id` (audit entry `face.not`).
    /// The face's embedding is copied into the correction, so it outlives the sighting. Saying
    /// it twice records it once. Returns the correction's id.
    pub fn add_face_correction(
        &self,
        actor: &str,
        sighting_id: i64,
        person_id: i64,
    ) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| correct_tx(conn, ctx, &actor, sighting_id, person_id))
    }

    /// Every correction for embeddings of `model`, by person then id.
    pub fn face_corrections(&self, model: &str) -> Result<Vec<FaceCorrection>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!(
                "{CORRECTION_COLUMNS} WHERE model = ?1 ORDER BY person_id, id"
            ))?;
            let rows = st.query_map([model], correction_row)?;
            rows.collect()
        })
    }

    /// Deletes the sightings seen before `before` (the retention period) and returns the face
    /// crops no record names any more, for the caller to delete (a crop is stored once per
    /// content: one a newer sighting or an enrolled face still names stays). Corrections keep
    /// their own copy of the embedding; a face enrolled from a sighting has its own photo.
    pub fn purge_sightings(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.write(move |conn, ctx| {
            let cutoff = to_ms(before);
            let thumbnails = {
                let mut st = conn
                    .prepare(
                        "SELECT DISTINCT thumbnail FROM face_sightings \
                         WHERE seen_ms < ?1 AND thumbnail IS NOT NULL",
                    )
                    .map_err(|e| ctx.err(e))?;
                let rows = st
                    .query_map([cutoff], |r| r.get::<_, String>(0))
                    .map_err(|e| ctx.err(e))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
                    .map_err(|e| ctx.err(e))?
            };
            conn.execute("DELETE FROM face_sightings WHERE seen_ms < ?1", [cutoff])
                .map_err(|e| ctx.err(e))?;
            unnamed(conn, thumbnails).map_err(|e| ctx.err(e))
        })
    }
}

fn correct_tx(
    conn: &Connection,
    ctx: &Ctx,
    actor: &str,
    sighting_id: i64,
    person_id: i64,
) -> Result<i64, StoreError> {
    let found: Option<(String, i64, Vec<u8>)> = conn
        .query_row(
            "SELECT model, dim, vector FROM face_sightings WHERE id = ?1",
            [sighting_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(|e| ctx.err(e))?;
    let Some((model, dim, vector)) = found else {
        return Err(StoreError::NotFound {
            what: "sighting",
            key: sighting_id.to_string(),
        });
    };
    let person: Option<String> = conn
        .query_row("SELECT name FROM people WHERE id = ?1", [person_id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| ctx.err(e))?;
    let Some(name) = person else {
        return Err(StoreError::NotFound {
            what: "person",
            key: person_id.to_string(),
        });
    };
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM face_corrections WHERE person_id = ?1 AND sighting_id = ?2",
            [person_id, sighting_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| ctx.err(e))?;
    if let Some(id) = existing {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO face_corrections (person_id, sighting_id, model, dim, vector, created_ms, \
         actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            person_id,
            sighting_id,
            model,
            dim,
            vector,
            to_ms(ctx.now),
            actor
        ],
    )
    .map_err(|e| ctx.err(e))?;
    let id = conn.last_insert_rowid();
    audit::append_tx(
        conn,
        ctx,
        actor,
        "face.not",
        &format!("person:{person_id}"),
        &format!("sighting {sighting_id} is not {name}"),
    )?;
    Ok(id)
}
