//! Everything the records hold about one person (the data subject), gathered for the copy of
//! their data a person may ask for (PIPL 第四十五条): their record and household, consents,
//! photos, face embeddings (what they are, not the numbers), the faces the cameras saw of them,
//! the guards' corrections, the gate events that named them with the guards' checks, the visits
//! registered for those arrivals, their vehicles, passes and goods slips, the training answers
//! about them and the audit entries about their record.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::audit::{AuditEntry, AuditQuery};
use super::columns::from_ms;
use super::consent::Consent;
use super::db::Store;
use super::error::StoreError;
use super::events::{EventQuery, GateEvent};
use super::faces::{
    CORRECTION_COLUMNS, FaceCorrection, SIGHTING_COLUMNS, Sighting, correction_row, sighting_row,
};
use super::goods::{GoodsSlipRecord, SLIP_COLUMNS, slip_row};
use super::passes::PassRecord;
use super::people::{Household, PersonRecord, Photo};
use super::vehicles::VehicleRecord;
use super::visits::{VISIT_COLUMNS, VisitRecord, visit_row};

/// What a stored face embedding is, without its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingInfo {
    pub id: i64,
    /// The embedder's key in the model manifest.
    pub model: String,
    /// How many numbers the vector holds.
    pub dim: usize,
    /// `enrolled` (from a photo or a face the manager chose) or `gate` (a face a guard
    /// confirmed at the gate).
    pub source: String,
    /// The aligned face crop, relative to the data folder.
    pub thumbnail: Option<String>,
    /// The photo it was computed from.
    pub photo_id: Option<i64>,
    pub created: DateTime<Utc>,
}

/// A guard's word on a gate event that named the person as who it really was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCheck {
    pub id: i64,
    pub event_id: i64,
    /// The guard confirmed the camera's answer (or corrected it to this person).
    pub confirmed: bool,
    pub at: DateTime<Utc>,
    pub actor: String,
}

/// A training answer about the person (a guard learning to know them); who answered is the
/// guard's data and is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerAbout {
    pub at: DateTime<Utc>,
    /// The exercise's key (face_name, name_face…).
    pub exercise: String,
    pub correct: bool,
}

/// Everything the records hold about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRecords {
    pub person: PersonRecord,
    pub household: Option<Household>,
    /// Oldest first; the last one is in force.
    pub consents: Vec<Consent>,
    pub photos: Vec<Photo>,
    pub embeddings: Vec<EmbeddingInfo>,
    /// Faces the cameras saw that were taken for them, or that became one of their faces.
    pub sightings: Vec<Sighting>,
    /// Faces a guard said are not them.
    pub corrections: Vec<FaceCorrection>,
    /// The gate events that named them, oldest first.
    pub events: Vec<GateEvent>,
    pub checks: Vec<EventCheck>,
    /// Visits registered for their arrivals.
    pub visits: Vec<VisitRecord>,
    /// The vehicles they own (not their household's).
    pub vehicles: Vec<VehicleRecord>,
    pub passes: Vec<PassRecord>,
    pub goods_slips: Vec<GoodsSlipRecord>,
    pub training: Vec<AnswerAbout>,
    /// The audit entries about their record (`person:ID`), oldest first.
    pub audit: Vec<AuditEntry>,
}

impl Store {
    /// Everything the records hold about person `id`; `None` when there is no such person.
    pub fn subject_records(&self, id: i64) -> Result<Option<SubjectRecords>, StoreError> {
        let Some(person) = self.person(id)? else {
            return Ok(None);
        };
        let household = match person.household_id {
            Some(h) => self.household_by_id(h)?,
            None => None,
        };
        let events = self.events(&EventQuery {
            person_id: Some(id),
            ..EventQuery::default()
        })?;
        let event_ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let (embeddings, sightings, corrections, checks, visits, goods_slips, training) = self
            .read(move |c, _| {
                let mut st = c.prepare(
                    "SELECT id, model, dim, source, thumbnail, photo_id, created_ms \
                     FROM face_embeddings WHERE person_id = ?1 ORDER BY id",
                )?;
                let embeddings = st
                    .query_map([id], |r| {
                        Ok(EmbeddingInfo {
                            id: r.get(0)?,
                            model: r.get(1)?,
                            dim: r.get::<_, i64>(2)?.max(0) as usize,
                            source: r.get(3)?,
                            thumbnail: r.get(4)?,
                            photo_id: r.get(5)?,
                            created: from_ms(6, r.get(6)?)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st = c.prepare(&format!(
                    "{SIGHTING_COLUMNS} WHERE person_id = ?1 OR vector IN \
                     (SELECT vector FROM face_embeddings WHERE person_id = ?1) \
                     ORDER BY seen_ms, id"
                ))?;
                let sightings = st
                    .query_map([id], sighting_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st = c.prepare(&format!(
                    "{CORRECTION_COLUMNS} WHERE person_id = ?1 ORDER BY id"
                ))?;
                let corrections = st
                    .query_map([id], correction_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st = c.prepare(
                    "SELECT id, event_id, confirmed, at_ms, actor FROM event_checks \
                     WHERE person_id = ?1 ORDER BY at_ms, id",
                )?;
                let checks = st
                    .query_map([id], |r| {
                        Ok(EventCheck {
                            id: r.get(0)?,
                            event_id: r.get(1)?,
                            confirmed: r.get(2)?,
                            at: from_ms(3, r.get(3)?)?,
                            actor: r.get(4)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st =
                    c.prepare_cached(&format!("{VISIT_COLUMNS} WHERE v.arrival_id = ?1"))?;
                let mut visits = Vec::new();
                for event in &event_ids {
                    for v in st.query_map([event], visit_row)? {
                        visits.push(v?);
                    }
                }
                let mut st = c.prepare(&format!(
                    "{SLIP_COLUMNS} WHERE g.person_id = ?1 ORDER BY g.at_ms, g.id"
                ))?;
                let goods = st
                    .query_map(params![id], slip_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st = c.prepare(
                    "SELECT at_ms, exercise, correct FROM training_answers \
                     WHERE person_id = ?1 ORDER BY at_ms, id",
                )?;
                let training = st
                    .query_map([id], |r| {
                        Ok(AnswerAbout {
                            at: from_ms(0, r.get(0)?)?,
                            exercise: r.get(1)?,
                            correct: r.get(2)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((
                    embeddings,
                    sightings,
                    corrections,
                    checks,
                    visits,
                    goods,
                    training,
                ))
            })?;
        Ok(Some(SubjectRecords {
            consents: self.consents(id)?,
            photos: self.photos(id)?,
            vehicles: self
                .vehicles()?
                .into_iter()
                .filter(|v| v.owner_person_id == Some(id))
                .collect(),
            passes: self
                .all_passes()?
                .into_iter()
                .filter(|p| p.holder_person_id == Some(id))
                .collect(),
            audit: self.audit_entries(&AuditQuery {
                object: Some(format!("person:{id}")),
                ..AuditQuery::default()
            })?,
            person,
            household,
            embeddings,
            sightings,
            corrections,
            events,
            checks,
            visits,
            goods_slips,
            training,
        }))
    }
}
