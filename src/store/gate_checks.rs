//! What guards settle at the gate beyond confirming a name: faces they confirmed kept as a
//! person's embeddings (a few per person, the oldest replaced), the arrivals they have
//! acknowledged, a misread plate corrected, and the enrolled face shown beside a snapshot.

use rusqlite::{OptionalExtension as _, params};

use super::audit::append_tx;
use super::columns::to_ms;
use super::db::Store;
use super::error::StoreError;
use super::faces::{from_blob, to_blob};
use crate::domain::clean_plate;

/// What keeping a confirmed face did: its embedding's id, and the older gate faces of the
/// person it replaced (their vectors, for the running gallery to forget).
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedFace {
    pub id: i64,
    pub replaced: Vec<Vec<f32>>,
}

impl Store {
    /// Keeps the face `vector` (embedded by `model`) a guard confirmed as `person` at the gate.
    /// At most `keep` gate faces are kept per person and model: the oldest beyond that are
    /// deleted. Faces the manager enrolled are never touched.
    pub fn learn_gate_face(
        &self,
        actor: &str,
        person: i64,
        model: &str,
        vector: Vec<f32>,
        keep: usize,
    ) -> Result<LearnedFace, StoreError> {
        if vector.is_empty() {
            return Err(StoreError::Invalid {
                what: "face embedding",
                message: "the vector is empty".to_owned(),
            });
        }
        let (actor, model) = (actor.to_owned(), model.to_owned());
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO face_embeddings (person_id, model, dim, vector, thumbnail, photo_id, \
                 created_ms, source) VALUES (?1, ?2, ?3, ?4, NULL, NULL, ?5, 'gate')",
                params![
                    person,
                    model,
                    vector.len() as i64,
                    to_blob(&vector),
                    to_ms(ctx.now)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            let mut st = conn
                .prepare(
                    "SELECT id, vector FROM face_embeddings \
                     WHERE person_id = ?1 AND model = ?2 AND source = 'gate' \
                     ORDER BY created_ms DESC, id DESC LIMIT -1 OFFSET ?3",
                )
                .map_err(|e| ctx.err(e))?;
            let old: Vec<(i64, Vec<f32>)> = st
                .query_map(params![person, model, keep as i64], |r| {
                    let blob: Vec<u8> = r.get(1)?;
                    Ok((r.get(0)?, from_blob(&blob)))
                })
                .and_then(Iterator::collect)
                .map_err(|e| ctx.err(e))?;
            for (old_id, _) in &old {
                conn.execute("DELETE FROM face_embeddings WHERE id = ?1", [old_id])
                    .map_err(|e| ctx.err(e))?;
            }
            append_tx(
                conn,
                ctx,
                &actor,
                "face.learn",
                &format!("person:{person}"),
                &format!(
                    "kept a face confirmed at the gate (embedding {id}); {} older replaced",
                    old.len()
                ),
            )?;
            Ok(LearnedFace {
                id,
                replaced: old.into_iter().map(|(_, v)| v).collect(),
            })
        })
    }

    /// How many gate faces of `person` (by `model`) are kept.
    pub fn gate_faces(&self, person: i64, model: &str) -> Result<usize, StoreError> {
        self.read(|c, _| {
            c.query_row(
                "SELECT count(*) FROM face_embeddings \
                 WHERE person_id = ?1 AND model = ?2 AND source = 'gate'",
                params![person, model],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n as usize)
    }

    /// The face the manager enrolled for `person` (the first with a picture), as a path
    /// relative to the data folder, to show beside an arrival's snapshot.
    pub fn enrolled_face(&self, person: i64) -> Result<Option<String>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                "SELECT thumbnail FROM face_embeddings WHERE person_id = ?1 \
                 AND thumbnail IS NOT NULL AND source = 'enrolled' ORDER BY id LIMIT 1",
                [person],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// A guard corrected the plate of the vehicle event `id` to `plate` (any spelling: 川A·8H458
    /// or 川a8h458): the gate log and the list of vehicles inside follow. Returns the plate it
    /// had.
    pub fn correct_plate(
        &self,
        actor: &str,
        id: i64,
        plate: &str,
    ) -> Result<Option<String>, StoreError> {
        let plate = clean_plate(plate);
        if plate.is_empty() {
            return Err(StoreError::Invalid {
                what: "plate",
                message: "the plate is empty".to_owned(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let old: Option<Option<String>> = conn
                .query_row("SELECT plate FROM gate_events WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| ctx.err(e))?;
            let Some(old) = old else {
                return Err(StoreError::NotFound {
                    what: "gate event",
                    key: id.to_string(),
                });
            };
            conn.execute(
                "UPDATE gate_events SET plate = ?1 WHERE id = ?2",
                params![plate, id],
            )
            .map_err(|e| ctx.err(e))?;
            conn.execute(
                "UPDATE OR REPLACE vehicles_inside SET plate = ?1 WHERE event_id = ?2",
                params![plate, id],
            )
            .map_err(|e| ctx.err(e))?;
            conn.execute(
                "INSERT INTO event_checks (event_id, confirmed, person_id, at_ms, actor) \
                 VALUES (?1, 0, NULL, ?2, ?3)",
                params![id, to_ms(ctx.now), actor],
            )
            .map_err(|e| ctx.err(e))?;
            append_tx(
                conn,
                ctx,
                &actor,
                "event.plate",
                &format!("event:{id}"),
                &format!(
                    "plate {} corrected to {plate}",
                    old.as_deref().unwrap_or("-")
                ),
            )?;
            Ok(old)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::events::NewGateEvent;
    use super::super::people::NewPerson;
    use super::*;
    use crate::domain::{EventKind, PersonClass, Shift};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("g.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_person_keeps_the_newest_gate_faces_and_every_enrolled_one() {
        let (_d, s) = store();
        let p = s
            .insert_person("t", NewPerson::new("张伟", PersonClass::Resident))
            .unwrap();
        let mut replaced = Vec::new();
        for i in 0..5 {
            let learned = s
                .learn_gate_face("guard", p, "m", vec![i as f32 + 1.0, 0.0], 3)
                .unwrap();
            replaced.extend(learned.replaced);
        }
        assert_eq!(s.gate_faces(p, "m").unwrap(), 3);
        // the two oldest went, in the order they were replaced
        assert_eq!(replaced, vec![vec![1.0, 0.0], vec![2.0, 0.0]]);
        let kept: Vec<f32> = s
            .face_embeddings("m")
            .unwrap()
            .iter()
            .map(|e| e.vector[0])
            .collect();
        assert_eq!(kept, vec![3.0, 4.0, 5.0]);
    }

    #[test]
    fn a_corrected_plate_is_in_the_log_and_inside() {
        let (_d, s) = store();
        let now = chrono::Utc::now();
        let mut e = NewGateEvent::new(now, "东门", EventKind::Vehicle, Shift::Morning);
        e.plate = Some("川A8H452".into());
        let id = s.insert_event(e).unwrap();
        s.vehicle_came_in("川A8H452", None, now, "东门", Some(id))
            .unwrap();
        assert_eq!(
            s.correct_plate("guard", id, "川a·8h458")
                .unwrap()
                .as_deref(),
            Some("川A8H452")
        );
        assert_eq!(
            s.event(id).unwrap().unwrap().plate.as_deref(),
            Some("川A8H458")
        );
        let inside = s.vehicles_inside().unwrap();
        assert_eq!(inside[0].plate, "川A8H458");
        assert!(s.checked_events(&[id, id + 1]).unwrap().contains(&id));
        assert!(matches!(
            s.correct_plate("guard", id + 9, "川A8H458"),
            Err(StoreError::NotFound { .. })
        ));
    }
}
