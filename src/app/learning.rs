//! The gallery learns from the gate: a face a guard confirmed as someone (✓ on a named arrival,
//! or a correction naming who it really was) is kept as one more face of that person, so a
//! resident enrolled with an old photo is named from then on. Only faces seen well enough to be
//! recognised are recorded as sightings, and only a guard's word makes one a person's face: an
//! arrival nobody confirmed teaches nothing, and nor does one of a person whose consent to face
//! collection is not on record. A few are kept per person; the oldest go first.

use crate::store::{Store, StoreError};

/// How many faces confirmed at the gate are kept per person (besides the enrolled photos).
pub const GATE_FACES_PER_PERSON: usize = 5;

/// A face kept: whose, its vector, and the older gate faces it replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub person: i64,
    pub added: Vec<f32>,
    pub replaced: Vec<Vec<f32>>,
}

/// What came of a guard's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmed {
    /// The face is kept as the person's.
    Kept(Learned),
    /// The sighting is no longer kept (retention): nothing to learn.
    Gone,
    /// The sighting is not the arrival's (the camera named someone else on it): refused.
    NotThisArrival,
    /// The person's consent to face collection is not on record: no face of theirs is kept
    /// (the guard's confirmation itself is).
    NoConsent,
}

/// The guard `actor` confirmed that the face of `sighting`, seen at an arrival the camera
/// named `named` (or nobody), is `person`: keeps it as one of their faces.
pub fn learn_confirmed(
    store: &Store,
    actor: &str,
    person: i64,
    sighting: i64,
    named: Option<i64>,
) -> Result<Confirmed, StoreError> {
    let Some(seen) = store.sighting(sighting)? else {
        return Ok(Confirmed::Gone);
    };
    if seen.person_id != named {
        return Ok(Confirmed::NotThisArrival);
    }
    if store.consent(person)?.is_none() {
        return Ok(Confirmed::NoConsent);
    }
    let kept = store.learn_gate_face(
        actor,
        person,
        &seen.model,
        seen.vector.clone(),
        GATE_FACES_PER_PERSON,
    )?;
    Ok(Confirmed::Kept(Learned {
        person,
        added: seen.vector,
        replaced: kept.replaced,
    }))
}
