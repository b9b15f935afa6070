//! Retention (`[retention]` of the config): the faces the cameras saw (strangers' above all:
//! visitors are never enrolled) and the snapshots of the gate events are kept for a number of
//! days, then deleted from the records and the disk. The gate events themselves stay in the duty
//! log, without their snapshot; enrolled photos and faces are never touched. The time is the
//! caller's (from its [`crate::clock::Clock`]), so a test can stand 31 days later.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::sightings::remove_files;
use crate::config::Retention;
use crate::store::{Store, StoreError};

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Face crop files of expired sightings deleted.
    pub face_crops: usize,
    /// Snapshot files of expired gate events deleted.
    pub snapshots: usize,
}

/// Deletes what is past its retention at `now`: the sightings seen more than `sightings_days`
/// days before, with their crops; the snapshots of the gate events more than `snapshots_days`
/// days before (unlinked from the events, and their files). A file another record still names
/// stays. With 0 days, everything of that kind goes (the config's "keep none").
pub fn purge_expired(
    store: &Store,
    data: &Path,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Purged, StoreError> {
    let crops = store.purge_sightings(now - Duration::days(i64::from(retention.sightings_days)))?;
    let face_crops = remove_files(data, &crops, "an expired face crop");
    let snapshots =
        store.expire_snapshots(now - Duration::days(i64::from(retention.snapshots_days)))?;
    let snapshots = remove_files(data, &snapshots, "an expired snapshot");
    Ok(Purged {
        face_crops,
        snapshots,
    })
}
