//! Training answers: each card a guard answered, when, and whether rightly (SPEC §6); and the
//! enrolled faces the training shows.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::columns::{from_ms, to_ms};
use super::db::Store;
use super::error::StoreError;
use crate::domain::training::{CardKey, Exercise, Subject};

/// One answer given by a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingAnswer {
    pub card: CardKey,
    pub at: DateTime<Utc>,
    pub correct: bool,
}

/// An enrolled face's thumbnail (the aligned 112×112 crop kept at enrolment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceThumbnail {
    /// The face embedding's id.
    pub id: i64,
    pub person_id: i64,
    /// Relative to the data folder.
    pub path: String,
}

impl Store {
    /// Records a guard's answer to a training card.
    pub fn add_training_answer(&self, user_id: i64, a: TrainingAnswer) -> Result<(), StoreError> {
        let (person, household) = match a.card.subject {
            Subject::Person(id) => (Some(id), None),
            Subject::Household(id) => (None, Some(id)),
        };
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO training_answers (user_id, exercise, person_id, household_id, \
                 at_ms, correct) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user_id,
                    a.card.exercise.key(),
                    person,
                    household,
                    to_ms(a.at),
                    a.correct
                ],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// Every answer `user_id` has given, the oldest first.
    pub fn training_answers(&self, user_id: i64) -> Result<Vec<TrainingAnswer>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT exercise, person_id, household_id, at_ms, correct FROM training_answers \
                 WHERE user_id = ?1 ORDER BY at_ms, id",
            )?;
            let rows = st.query_map([user_id], |r| {
                let key: String = r.get(0)?;
                let exercise = Exercise::from_key(&key).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        format!("unknown exercise {key}").into(),
                    )
                })?;
                let person: Option<i64> = r.get(1)?;
                let household: Option<i64> = r.get(2)?;
                let subject = match (person, household) {
                    (Some(p), _) => Subject::Person(p),
                    (None, Some(h)) => Subject::Household(h),
                    (None, None) => {
                        return Err(rusqlite::Error::FromSqlConversionFailure(
                            1,
                            rusqlite::types::Type::Null,
                            "a training answer about no one".into(),
                        ));
                    }
                };
                Ok(TrainingAnswer {
                    card: CardKey { exercise, subject },
                    at: from_ms(3, r.get(3)?)?,
                    correct: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The thumbnail file of enrolled face `id`, if it has one.
    pub fn face_thumbnail(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                "SELECT thumbnail FROM face_embeddings WHERE id = ?1 AND thumbnail IS NOT NULL",
                [id],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// The thumbnails of every enrolled face (whatever model embedded it), by person.
    pub fn face_thumbnails(&self) -> Result<Vec<FaceThumbnail>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT id, person_id, thumbnail FROM face_embeddings \
                 WHERE thumbnail IS NOT NULL ORDER BY person_id, id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(FaceThumbnail {
                    id: r.get(0)?,
                    person_id: r.get(1)?,
                    path: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }
}
