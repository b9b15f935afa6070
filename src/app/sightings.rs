//! The faces the cameras (and `gateward analyze`) saw, kept so a guard can correct a name: each
//! sighting's aligned crop is stored once per content under `<data>/sightings/`, and both go
//! when their retention (`[retention] sightings_days`) is over.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use image::RgbImage;
use sha2::{Digest, Sha256};

use crate::store::{NewSighting, Store, StoreError};

/// The folder, under the data folder, of the crops of faces seen.
pub const SIGHTING_DIR: &str = "sightings";

/// Why a sighting was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum SightingError {
    #[error(
        "cannot save the face crop {path}: {source}; check that the data folder is writable and the disk is not full"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the face crop {path}: {message}")]
    Encode { path: PathBuf, message: String },
    #[error("cannot record the face sighting: {0}")]
    Store(#[from] StoreError),
}

/// Records a seen face with its aligned crop (a PNG stored once per content under
/// `<data>/sightings/`); returns the sighting's id.
pub fn record_sighting(
    store: &Store,
    data: &Path,
    aligned: &RgbImage,
    sighting: NewSighting,
) -> Result<i64, SightingError> {
    let mut png = Vec::new();
    aligned
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| SightingError::Encode {
            path: PathBuf::from(SIGHTING_DIR),
            message: e.to_string(),
        })?;
    let name = format!("{SIGHTING_DIR}/{}.png", hex::encode(Sha256::digest(&png)));
    let target = data.join(&name);
    if !target.exists() {
        let write = |source| SightingError::Write {
            path: target.clone(),
            source,
        };
        std::fs::create_dir_all(data.join(SIGHTING_DIR)).map_err(write)?;
        std::fs::write(&target, &png).map_err(write)?;
    }
    Ok(store.add_sighting(NewSighting {
        thumbnail: Some(name),
        ..sighting
    })?)
}

/// Deletes the sightings seen more than `days` days before `now` (the time comes from the
/// caller's [`crate::clock::Clock`]) and the crops no record names any more. Errors deleting a
/// crop are logged: the record is gone either way. Returns how many crops were deleted.
pub fn purge_sightings(
    store: &Store,
    data: &Path,
    days: u32,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let before = now - Duration::days(i64::from(days));
    let thumbnails = store.purge_sightings(before)?;
    Ok(remove_files(data, &thumbnails, "an expired face crop"))
}

/// Deletes the files `relative` (to the data folder), as the records no longer name them; one
/// already gone is not an error, another failure is logged. Returns how many were deleted. An
/// emptied date folder of the snapshots is removed too.
pub fn remove_files(data: &Path, relative: &[String], what: &str) -> usize {
    let mut deleted = 0;
    for f in relative {
        // the records name files inside the data folder only
        if Path::new(f).is_absolute() || f.split(['/', '\\']).any(|p| p == "..") {
            tracing::warn!(file = %f, "not deleting {what}: the path leaves the data folder");
            continue;
        }
        let path = data.join(f);
        match std::fs::remove_file(&path) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(file = %f, error = %e, "could not delete {what}"),
        }
        if f.starts_with("snapshots/")
            && let Some(dir) = path.parent()
            && dir != data.join("snapshots")
        {
            // fails (and stays) while other snapshots of the day are there
            let _ = std::fs::remove_dir(dir);
        }
    }
    deleted
}
