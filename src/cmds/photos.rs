//! Photos kept in the data folder: `<data>/photos/<sha256>.<ext>`, named by their content so a
//! photo imported or enrolled twice is stored once, and written copy-then-rename so a crash
//! never leaves half a photo under its final name.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// Folder of the data directory where photos are kept.
pub const PHOTO_DIR: &str = "photos";

/// The sha256 of a photo file and the path it is stored under, relative to the data folder.
pub fn photo_name(path: &Path) -> anyhow::Result<(String, String)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read the photo {}", path.display()))?;
    Ok(name_for(path, &bytes))
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
pub fn store_photo(path: &Path, data: &Path) -> anyhow::Result<(String, String)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read the photo {}", path.display()))?;
    store_photo_bytes(&bytes, path, data)
}

/// Stores the content of a photo (an upload) in the data folder (once); `path`, the photo's
/// file name, gives the extension and names it in errors. Returns its sha256 and stored path.
pub fn store_photo_bytes(
    bytes: &[u8],
    path: &Path,
    data: &Path,
) -> anyhow::Result<(String, String)> {
    let (sha, stored) = name_for(path, bytes);
    let target = data.join(&stored);
    if !target.exists() {
        let dir = data.join(PHOTO_DIR);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let part = target.with_extension("part");
        std::fs::write(&part, bytes)
            .and_then(|_| std::fs::rename(&part, &target))
            .with_context(|| {
                format!(
                    "cannot store the photo {} in {} (is the disk full?)",
                    path.display(),
                    target.display()
                )
            })?;
    }
    Ok((sha, stored))
}
