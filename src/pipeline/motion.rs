//! The motion gate: a cheap test of whether a frame differs from the scene so far, so that an idle
//! camera costs almost nothing.
//!
//! Each frame is shrunk to a thumbnail (64 pixels wide by default), turned to luma and compared
//! with a running-average background; the frame has motion when enough pixels differ by enough.
//! The background follows the scene slowly, so lighting drifts are absorbed and a car parked in
//! view becomes background after a while. Pure code: no I/O, no clock.

use image::RgbImage;

use crate::vision::image_ops;

/// How the motion gate compares frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionConfig {
    /// Width the frame is shrunk to for the comparison (64 default; height keeps the aspect
    /// ratio, at least 1). 0 counts as 1.
    pub width: u32,
    /// Least change of a pixel's luma (0–255) that counts (20 default).
    pub pixel_threshold: u8,
    /// Least share of changed pixels for the frame to have motion (0.005 default).
    pub min_changed: f32,
    /// How fast the background follows the scene: new = old + rate × (frame − old) (0.05
    /// default), so lighting drifts are absorbed and a parked car becomes background after a
    /// while. Clamped to 0..=1; a rate that is not a number counts as 0 (a fixed background).
    ///
    /// A steady drift of `d` luma per frame leaves the background `d / rate` behind, so it is
    /// absorbed only while `d / rate` stays under `pixel_threshold` (1 per frame at the
    /// defaults: 20, just at the threshold, approached but not reached).
    pub learning_rate: f32,
}

impl Default for MotionConfig {
    fn default() -> Self {
        Self {
            width: 64,
            pixel_threshold: 20,
            min_changed: 0.005,
            learning_rate: 0.05,
        }
    }
}

/// The outcome of one [`MotionGate::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct MotionReport {
    /// Share of the thumbnail's pixels that changed, 0..=1 (1 for a frame that starts a new
    /// background).
    pub changed: f32,
    /// Whether the frame has motion and should go on to the vision stages.
    pub moving: bool,
    /// Where it moved: the thumbnail's size (columns, rows) and which of its pixels changed,
    /// row by row; one changed pixel for a new scene (all of it changed).
    pub grid: (u32, u32),
    pub cells: Vec<bool>,
}

impl MotionReport {
    /// The report for a frame that could not be compared: treated as motion, everywhere.
    fn new_scene() -> Self {
        Self {
            changed: 1.0,
            moving: true,
            grid: (1, 1),
            cells: vec![true],
        }
    }
}

/// The running background of one camera.
#[derive(Debug, Clone)]
struct Background {
    /// Size of the full frame it was made from.
    frame_size: (u32, u32),
    /// Size of the thumbnail.
    size: (u32, u32),
    /// Luma per thumbnail pixel, row by row.
    luma: Vec<f32>,
}

/// Decides, frame by frame, whether one camera's scene changed; see the module documentation.
#[derive(Debug, Clone)]
pub struct MotionGate {
    config: MotionConfig,
    background: Option<Background>,
}

/// Luma of an RGB pixel, 0..=255.
fn luma(p: &image::Rgb<u8>) -> f32 {
    let [r, g, b] = p.0;
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) as f32 / 1000.0
}

impl MotionGate {
    /// A gate with no background yet: the first frame checked has motion.
    pub fn new(config: MotionConfig) -> Self {
        Self {
            config,
            background: None,
        }
    }

    /// The thumbnail size for a frame of `width`×`height`.
    fn thumbnail_size(&self, width: u32, height: u32) -> (u32, u32) {
        let w = self.config.width.max(1);
        let h = if width == 0 {
            1
        } else {
            ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .clamp(1, u64::from(u32::MAX)) as u32
        };
        (w, h)
    }

    /// Compares `frame` with the background and updates it. The first frame (or a frame of a
    /// different size than the last) has motion (so the first view of a scene is always looked
    /// at) and becomes the background. A frame that cannot be shrunk (an empty one) has motion
    /// too, and the next frame starts a new background.
    pub fn check(&mut self, frame: &RgbImage) -> MotionReport {
        let frame_size = frame.dimensions();
        let size = self.thumbnail_size(frame_size.0, frame_size.1);
        let Ok(thumb) = image_ops::resize(frame, size.0, size.1) else {
            self.background = None;
            return MotionReport::new_scene();
        };
        let current: Vec<f32> = thumb.pixels().map(luma).collect();

        let bg = match &mut self.background {
            Some(bg) if bg.frame_size == frame_size && bg.luma.len() == current.len() => bg,
            _ => {
                self.background = Some(Background {
                    frame_size,
                    size,
                    luma: current,
                });
                return MotionReport::new_scene();
            }
        };
        debug_assert_eq!(bg.size, size);

        let threshold = f32::from(self.config.pixel_threshold);
        let rate = if self.config.learning_rate.is_nan() {
            0.0
        } else {
            self.config.learning_rate.clamp(0.0, 1.0)
        };
        let mut count = 0usize;
        let mut cells = vec![false; current.len()];
        for ((old, new), cell) in bg.luma.iter_mut().zip(&current).zip(&mut cells) {
            let diff = new - *old;
            if diff.abs() >= threshold {
                count += 1;
                *cell = true;
            }
            *old += rate * diff;
        }
        let changed = count as f32 / current.len().max(1) as f32;
        let moving = count > 0 && changed >= self.config.min_changed;
        MotionReport {
            changed,
            moving,
            grid: size,
            cells,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32, v: u8) -> RgbImage {
        RgbImage::from_pixel(width, height, image::Rgb([v, v, v]))
    }

    fn gate() -> MotionGate {
        MotionGate::new(MotionConfig::default())
    }

    #[test]
    fn identical_frames_have_no_motion_after_the_first() {
        let mut g = gate();
        let frame = grey(640, 360, 120);
        assert_eq!(g.check(&frame), MotionReport::new_scene());
        for _ in 0..10 {
            let r = g.check(&frame);
            assert!(!r.moving);
            assert_eq!(r.changed, 0.0);
        }
    }

    #[test]
    fn a_bright_square_on_a_grey_frame_is_motion() {
        let mut g = gate();
        let background = grey(640, 360, 100);
        assert!(g.check(&background).moving);
        assert!(!g.check(&background).moving);
        let mut frame = background.clone();
        for y in 130..230 {
            for x in 270..370 {
                frame.put_pixel(x, y, image::Rgb([240, 240, 240]));
            }
        }
        let r = g.check(&frame);
        assert!(r.moving);
        // the changed cells are those of the square (a thumbnail cell is 10 px)
        assert_eq!(r.grid, (64, 36));
        let (w, _) = r.grid;
        for (i, &c) in r.cells.iter().enumerate() {
            let (x, y) = (i as u32 % w, i as u32 / w);
            if c {
                assert!((26..38).contains(&x) && (12..24).contains(&y), "{x},{y}");
            }
        }
        // About 10×10 of 64×36 thumbnail pixels.
        assert!(r.changed > 0.03 && r.changed < 0.07, "{}", r.changed);
    }

    #[test]
    fn small_noise_everywhere_is_not_motion() {
        let mut g = gate();
        let base = grey(640, 360, 128);
        assert!(g.check(&base).moving);
        // A fixed linear congruential generator: deterministic ±5 noise.
        let mut state: u32 = 12345;
        for _ in 0..20 {
            let mut frame = base.clone();
            for p in frame.pixels_mut() {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = (128 + (state >> 16) % 11) as u8 - 5;
                *p = image::Rgb([v, v, v]);
            }
            let r = g.check(&frame);
            assert!(!r.moving);
            assert_eq!(r.changed, 0.0);
        }
    }

    #[test]
    fn a_slow_brightness_drift_is_never_motion() {
        let mut g = gate();
        assert!(g.check(&grey(640, 360, 100)).moving);
        for i in 1..=50u8 {
            let r = g.check(&grey(640, 360, 100 + i));
            assert!(!r.moving, "frame {i}: {r:?}");
        }
    }

    #[test]
    fn a_new_frame_size_is_motion_and_a_new_background() {
        let mut g = gate();
        assert!(g.check(&grey(640, 360, 100)).moving);
        assert!(!g.check(&grey(640, 360, 100)).moving);
        assert_eq!(g.check(&grey(320, 240, 100)), MotionReport::new_scene());
        assert!(!g.check(&grey(320, 240, 100)).moving);
    }

    #[test]
    fn a_parked_object_becomes_background() {
        let mut g = gate();
        let empty = grey(640, 360, 100);
        let parked = grey(640, 360, 200);
        g.check(&empty);
        assert!(g.check(&parked).moving);
        let mut still_moving = 0;
        for _ in 0..200 {
            if g.check(&parked).moving {
                still_moving += 1;
            }
        }
        assert!(still_moving < 200);
        assert!(!g.check(&parked).moving);
    }

    #[test]
    fn empty_and_tiny_frames_do_not_panic() {
        let mut g = gate();
        assert_eq!(g.check(&RgbImage::new(0, 0)), MotionReport::new_scene());
        assert_eq!(g.check(&RgbImage::new(0, 0)), MotionReport::new_scene());
        assert!(g.check(&grey(1, 1, 10)).moving);
        assert!(!g.check(&grey(1, 1, 10)).moving);
        let mut wide = MotionGate::new(MotionConfig {
            width: 0,
            learning_rate: f32::NAN,
            ..MotionConfig::default()
        });
        assert!(wide.check(&grey(1000, 1, 10)).moving);
        assert!(!wide.check(&grey(1000, 1, 10)).moving);
        assert!(wide.check(&grey(1000, 1, 250)).moving);
    }
}
