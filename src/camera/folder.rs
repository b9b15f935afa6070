//! A folder of images as a camera: the images in file-name order, paced at the camera's fps. An
//! image that cannot be decoded (damaged, cut short, over `[images] max_pixels`) is skipped with
//! a warning; a folder that is missing (not mounted yet) is retried.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::context::{CameraError, Ctx, Outcome};
use crate::vision::decode;

/// The file extensions read as images (compared without regard to case).
const EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// The stream time between images when the camera has no fps: seq/10 s.
const DEFAULT_STEP: Duration = Duration::from_millis(100);

/// Reads the folder once, from its first image to its last.
pub(super) fn read(ctx: &mut Ctx, dir: &Path) -> Outcome {
    let images = match list_images(dir) {
        Ok(images) => images,
        Err(e) => {
            return CameraError::Folder {
                camera: ctx.name().to_owned(),
                path: dir.to_owned(),
                source: e,
            }
            .into();
        }
    };
    if images.is_empty() {
        tracing::warn!(
            camera = %ctx.name(),
            "the image folder {} holds no images (jpg, jpeg, png or webp)",
            dir.display()
        );
        return Outcome::Ended;
    }
    let fps = ctx.spec.fps;
    let start = Instant::now();
    let mut shown = 0u32;
    for path in images {
        if ctx.stopping() {
            return Outcome::Stopped;
        }
        let image = match decode::open(&path, &ctx.spec.images) {
            Ok(image) => image,
            Err(e) => {
                tracing::warn!(
                    camera = %ctx.name(),
                    file = %path.display(),
                    "skipping an image that cannot be used: {}",
                    e.problem
                );
                continue;
            }
        };
        let offset = match fps {
            Some(fps) => Duration::from_secs_f64(ctx.seq as f64 / f64::from(fps)),
            None => DEFAULT_STEP.saturating_mul(u32::try_from(ctx.seq).unwrap_or(u32::MAX)),
        };
        if let Some(fps) = fps {
            let due = start + Duration::from_secs_f64(f64::from(shown) / f64::from(fps));
            if !ctx.sleep(due.saturating_duration_since(Instant::now())) {
                return Outcome::Stopped;
            }
        }
        if !ctx.emit(image, offset) {
            return Outcome::Stopped;
        }
        shown = shown.saturating_add(1);
    }
    Outcome::Ended
}

/// The folder's image files, sorted by file name.
fn list_images(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut images = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if is_image_name(&path) && path.is_file() {
            images.push(path);
        }
    }
    images.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(images)
}

/// Whether the file's extension is one of the image extensions.
fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_are_recognised_whatever_their_case() {
        for name in ["a.jpg", "a.JPG", "a.jpeg", "a.png", "a.Webp"] {
            assert!(is_image_name(Path::new(name)), "{name}");
        }
        for name in ["a.txt", "a", "jpg", "a.jpg.part", ".png.bak"] {
            assert!(!is_image_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let missing = std::env::temp_dir().join("gateward-camera-no-such-folder-7f3a");
        assert!(list_images(&missing).is_err());
    }
}
