//! The faces the cameras (and `gateward analyze`) saw, kept so a guard can correct a name: each
//! sighting's aligned crop is stored once per content under `<data>/sightings/`, and both go
//! when their retention (`[retention] sightings_days`) is over.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
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

/// Deletes the sightings older than `days` and their crops. Errors deleting a crop are logged:
/// the record is gone either way.
pub fn purge_sightings(store: &Store, data: &Path, days: u32) -> Result<usize, StoreError> {
    let before = Utc::now() - Duration::days(i64::from(days));
    let thumbnails = store.purge_sightings(before)?;
    for t in &thumbnails {
        if let Err(e) = std::fs::remove_file(data.join(t))
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %t, error = %e, "could not delete an expired face crop");
        }
    }
    Ok(thumbnails.len())
}
