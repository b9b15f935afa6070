//! Event snapshots: the frame of an arrival, shrunk to at most 1280 px wide with the person's or
//! vehicle's box drawn, saved as a JPEG under `snapshots/DATE/` in the data folder and deleted
//! when the retention period (`[retention] snapshots_days`) is over.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use imageproc::drawing::draw_hollow_rect_mut;
use imageproc::rect::Rect;

use crate::vision::image_ops;

/// The folder of the data folder snapshots are kept in, one sub-folder per local date.
pub const FOLDER: &str = "snapshots";
/// Snapshots are shrunk to this width at most: enough to see who and which car, a fifth of a
/// full 1080p frame's bytes.
pub const MAX_WIDTH: u32 = 1280;
const QUALITY: u8 = 80;

/// Box colours: a known person green, a stranger orange, a vehicle blue, an alert red.
pub const KNOWN: Rgb<u8> = Rgb([40, 200, 60]);
pub const STRANGER: Rgb<u8> = Rgb([255, 150, 0]);
pub const VEHICLE: Rgb<u8> = Rgb([40, 140, 255]);
pub const ALERT: Rgb<u8> = Rgb([230, 30, 30]);

/// Why a snapshot was not saved. The event is recorded without it.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "cannot save the snapshot {path}: {source}; check that the data folder is writable and the disk is not full"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the snapshot {path}: {message}")]
    Encode { path: PathBuf, message: String },
}

/// Where a snapshot of an event goes, relative to the data folder:
/// `snapshots/2026-11-28/073000.125-东门入口-p3.jpg` (local time, camera, person or vehicle
/// track). Characters a file name cannot hold are replaced.
pub fn relative_path(at: DateTime<Tz>, camera: &str, kind: char, track: u64) -> String {
    let camera: String = camera
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!(
        "{FOLDER}/{}/{}-{camera}-{kind}{track}.jpg",
        at.format("%Y-%m-%d"),
        at.format("%H%M%S%.3f")
    )
}

/// The frame shrunk to [`MAX_WIDTH`] with `bbox` (x1, y1, x2, y2 in the frame's pixels) drawn 3
/// px wide in `colour`.
pub fn draw(frame: &RgbImage, bbox: [f32; 4], colour: Rgb<u8>) -> RgbImage {
    let (w, h) = frame.dimensions();
    let scale = if w > MAX_WIDTH {
        MAX_WIDTH as f32 / w as f32
    } else {
        1.0
    };
    let mut out = if scale < 1.0 {
        let (sw, sh) = (MAX_WIDTH, ((h as f32 * scale).round() as u32).max(1));
        image_ops::resize(frame, sw, sh).unwrap_or_else(|_| frame.clone())
    } else {
        frame.clone()
    };
    let s = out.width() as f32 / w.max(1) as f32;
    let [x1, y1, x2, y2] = bbox.map(|v| v * s);
    for grow in 0..3 {
        let g = grow as f32;
        let left = (x1 - g).round() as i32;
        let top = (y1 - g).round() as i32;
        let width = ((x2 - x1) + 2.0 * g).round().max(1.0) as u32;
        let height = ((y2 - y1) + 2.0 * g).round().max(1.0) as u32;
        draw_hollow_rect_mut(&mut out, Rect::at(left, top).of_size(width, height), colour);
    }
    out
}

/// Saves `image` as a JPEG at `relative` under `data`, creating its date folder.
pub fn save(data: &Path, relative: &str, image: &RgbImage) -> Result<(), SnapshotError> {
    let path = data.join(relative);
    let write = |source| SnapshotError::Write {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write)?;
    }
    let file = std::fs::File::create(&path).map_err(write)?;
    let mut out = BufWriter::new(file);
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(image)
        .map_err(|e| match e {
            image::ImageError::IoError(source) => SnapshotError::Write {
                path: path.clone(),
                source,
            },
            other => SnapshotError::Encode {
                path: path.clone(),
                message: other.to_string(),
            },
        })?;
    out.into_inner()
        .map_err(|e| write(e.into_error()))?
        .sync_all()
        .map_err(write)
}

/// Deletes the date folders of `snapshots/` whose whole day is more than `days` days before
/// `today` (so nothing younger than the retention goes); with `days` 0, every snapshot. Returns
/// how many snapshots were deleted. Files it did not make (a folder not named by a date) are
/// left alone. The records' own snapshots go at the hour with their events' retention
/// ([`crate::app::retention`]); this catches the files no event named.
pub fn prune(data: &Path, today: NaiveDate, days: u32) -> std::io::Result<usize> {
    let root = data.join(FOLDER);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut deleted = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(date) = name
            .to_str()
            .and_then(|n| NaiveDate::parse_from_str(n, "%Y-%m-%d").ok())
        else {
            continue;
        };
        let age = (today - date).num_days();
        if days == 0 || age > i64::from(days) {
            deleted += std::fs::read_dir(entry.path())?.count();
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn path_has_the_local_date_and_time_and_a_safe_camera_name() {
        let at = chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 11, 28, 7, 30, 0)
            .unwrap();
        assert_eq!(
            relative_path(at, "东门/入口", 'p', 3),
            "snapshots/2026-11-28/073000.000-东门_入口-p3.jpg"
        );
    }

    #[test]
    fn a_1080p_frame_is_shrunk_and_boxed_where_the_face_was() {
        let frame = RgbImage::from_pixel(1920, 1080, Rgb([0, 0, 0]));
        let out = draw(&frame, [960.0, 540.0, 1200.0, 840.0], KNOWN);
        assert_eq!(out.dimensions(), (1280, 720));
        // the box's left edge at 960 × 2/3 = 640, from 360 down to 560
        assert_eq!(*out.get_pixel(640, 450), KNOWN);
        assert_eq!(*out.get_pixel(700, 450), Rgb([0, 0, 0]));
    }

    #[test]
    fn saved_snapshot_reads_back_and_old_days_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let img = draw(
            &RgbImage::from_pixel(320, 240, Rgb([90, 90, 90])),
            [10.0, 10.0, 100.0, 100.0],
            ALERT,
        );
        for day in ["2026-11-01", "2026-11-27", "2026-11-28"] {
            save(dir.path(), &format!("snapshots/{day}/a.jpg"), &img).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("snapshots/keep-me")).unwrap();
        let back = image::open(dir.path().join("snapshots/2026-11-28/a.jpg")).unwrap();
        assert_eq!((back.width(), back.height()), (320, 240));
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(prune(dir.path(), today, 2).unwrap(), 1);
        assert!(!dir.path().join("snapshots/2026-11-01").exists());
        assert!(dir.path().join("snapshots/2026-11-27/a.jpg").exists());
        assert_eq!(prune(dir.path(), today, 0).unwrap(), 2);
        assert!(dir.path().join("snapshots/keep-me").exists());
    }

    #[test]
    fn an_unwritable_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("snapshots"), b"a file, not a folder").unwrap();
        let img = RgbImage::new(8, 8);
        let e = save(dir.path(), "snapshots/2026-11-28/a.jpg", &img).unwrap_err();
        assert!(e.to_string().contains("disk is not full"), "{e}");
    }
}
