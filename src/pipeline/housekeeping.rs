//! The service's housekeeping: at start and then every hour, what is past its retention
//! (`[retention]`) is deleted — the faces the cameras saw, with their crops, and the snapshots of
//! the gate events (see [`crate::app::retention`]), then any snapshot folder of a day older than
//! the retention that the records did not name. `gateward run` and `gateward demo` both run it;
//! the time comes from their [`Clock`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::snapshot;
use crate::app::retention::{Purged, purge_expired};
use crate::clock::Clock;
use crate::config::Retention;
use crate::store::Store;

/// How often the housekeeping runs (the first time at once).
pub const EVERY: Duration = Duration::from_secs(3600);

/// What the housekeeping needs to know.
#[derive(Clone)]
pub struct Housekeeping {
    pub store: Arc<Store>,
    /// The data folder.
    pub data: PathBuf,
    pub retention: Retention,
    /// The gate's time zone (snapshot folders are named by the local day).
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
}

impl Housekeeping {
    /// Runs [`sweep`] at once and then every [`EVERY`], until the task is dropped or aborted.
    pub async fn run(self) {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let job = self.clone();
            let done = tokio::task::spawn_blocking(move || {
                sweep(
                    &job.store,
                    &job.data,
                    &job.retention,
                    job.tz,
                    job.clock.now(),
                )
            })
            .await;
            if done.is_err() {
                tracing::error!("housekeeping failed");
            }
        }
    }
}

/// Days the other boxes' vehicle events applied to the vehicles-inside list are remembered.
const SHARED_BOOKKEEPING_DAYS: i64 = 30;

/// Deletes what is past its retention at `now` and logs what went; errors are logged (the next
/// sweep tries again).
pub fn sweep(
    store: &Store,
    data: &Path,
    retention: &Retention,
    tz: Tz,
    now: DateTime<Utc>,
) -> Purged {
    let purged = match purge_expired(store, data, retention, now) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(
                "cannot delete the face sightings and snapshots past their retention: {e}"
            );
            Purged::default()
        }
    };
    if purged.face_crops > 0 {
        tracing::info!(
            "{} face crops past their retention deleted",
            purged.face_crops
        );
    }
    // a compound's shared store: what this box keeps to send and to take its changes
    match store.prune_shared_bookkeeping(now - chrono::Duration::days(SHARED_BOOKKEEPING_DAYS)) {
        Ok(0) => {}
        Ok(n) => tracing::debug!("{n} rows of shared-store bookkeeping no longer needed deleted"),
        Err(e) => tracing::warn!("cannot delete the shared store's old bookkeeping: {e}"),
    }
    let today = now.with_timezone(&tz).date_naive();
    let strays = match snapshot::prune(data, today, retention.snapshots_days) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("cannot delete old snapshot folders: {e}");
            0
        }
    };
    let snapshots = purged.snapshots + strays;
    if snapshots > 0 {
        tracing::info!("{snapshots} snapshots past their retention deleted");
    }
    Purged {
        face_crops: purged.face_crops,
        snapshots,
    }
}
