//! Photos kept in the data folder: `<data>/photos/<sha256>.<ext>`, named by their content so a
//! photo imported or enrolled twice is stored once, and written copy-then-rename so a crash
//! never leaves half a photo under its final name.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Folder of the data directory where photos are kept.
pub const PHOTO_DIR: &str = "photos";

/// Why a photo could not be read or stored.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("cannot read the photo {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot store the photo {} in {} (is the disk full?)", photo.display(), target.display())]
    Write {
        photo: PathBuf,
        target: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The sha256 of a photo file and the path it is stored under, relative to the data folder.
pub fn photo_name(path: &Path) -> Result<(String, String), PhotoError> {
    let bytes = read(path)?;
    Ok(name_for(path, &bytes))
}

fn read(path: &Path) -> Result<Vec<u8>, PhotoError> {
    std::fs::read(path).map_err(|source| PhotoError::Read {
        path: path.to_owned(),
        source,
    })
}

fn name_for(path: &Path, bytes: &[u8]) -> (String, String) {
    let sha = hex::encode(Sha256::digest(bytes));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| "jpg".to_owned());
    let stored = format!("{PHOTO_DIR}/{sha}.{ext}");
    (sha, stored)
}

/// Copies a photo into the data folder (once); returns its sha256 and stored path.
pub fn store_photo(path: &Path, data: &Path) -> Result<(String, String), PhotoError> {
    let bytes = read(path)?;
    store_photo_bytes(&bytes, path, data)
}

/// Stores the content of a photo (an upload) in the data folder (once); `path`, the photo's
/// file name, gives the extension and names it in errors. Returns its sha256 and stored path.
pub fn store_photo_bytes(
    bytes: &[u8],
    path: &Path,
    data: &Path,
) -> Result<(String, String), PhotoError> {
    let (sha, stored) = name_for(path, bytes);
    let target = data.join(&stored);
    if !target.exists() {
        let dir = data.join(PHOTO_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| PhotoError::CreateDir { dir, source })?;
        let part = target.with_extension("part");
        std::fs::write(&part, bytes)
            .and_then(|_| std::fs::rename(&part, &target))
            .map_err(|source| PhotoError::Write {
                photo: path.to_owned(),
                target: target.clone(),
                source,
            })?;
    }
    Ok((sha, stored))
}
