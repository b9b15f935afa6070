//! A part of a frame cut out and scaled for a detector, and the way back: what a detector finds
//! in the crop, mapped to the frame's pixels. The pipeline looks only where something is
//! (`recognize::regions` chooses the crops); the detectors stay unaware of it.

use image::RgbImage;

use super::image_ops::{self, ImageError};
use super::nms::nms;

/// What a detector finds that can be found in a crop: its box and score, and the way back to the
/// frame's pixels (its box and its points).
pub trait Found: Clone {
    fn bbox(&self) -> [f32; 4];
    fn score(&self) -> f32;
    /// Moves what was found in the scaled `crop` to the frame's pixels.
    fn to_frame(&mut self, crop: &Crop);
}

/// What `detect` finds in each of `crops` (it cuts the crop and runs the detector), in the
/// frame's pixels; of two finds overlapping by more than `iou` (one thing two crops share), the
/// better-scored is kept. Best score first.
pub fn find_in<T: Found, E>(
    crops: &[Crop],
    iou: f32,
    mut detect: impl FnMut(&Crop) -> Result<Vec<T>, E>,
) -> Result<Vec<T>, E> {
    let mut found: Vec<T> = Vec::new();
    for crop in crops {
        for mut f in detect(crop)? {
            f.to_frame(crop);
            found.push(f);
        }
    }
    let boxes: Vec<[f32; 4]> = found.iter().map(Found::bbox).collect();
    let scores: Vec<f32> = found.iter().map(Found::score).collect();
    Ok(nms(&boxes, &scores, iou)
        .into_iter()
        .map(|i| found[i].clone())
        .collect())
}

/// A rectangle of the frame (in its pixels) and the scale it is looked at: 1 keeps its pixels,
/// 0.5 halves it (a big face needs no more), never above 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub scale: f32,
}

impl Crop {
    /// The box `bbox` (`[x1, y1, x2, y2]`) widened by `grow` (left, top, right, bottom, in the
    /// box's widths and heights), kept inside a frame of `frame` pixels, looked at with
    /// `scale` (clamped to 0.05..=1). `None` for a box that is not finite, empty, or wholly
    /// off the frame.
    pub fn around(bbox: [f32; 4], grow: [f32; 4], frame: (u32, u32), scale: f32) -> Option<Crop> {
        let [x1, y1, x2, y2] = bbox;
        let (w, h) = (x2 - x1, y2 - y1);
        if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
            return None;
        }
        let left = (x1 - grow[0] * w).floor().max(0.0);
        let top = (y1 - grow[1] * h).floor().max(0.0);
        let right = (x2 + grow[2] * w).ceil().min(frame.0 as f32);
        let bottom = (y2 + grow[3] * h).ceil().min(frame.1 as f32);
        if right - left < 1.0 || bottom - top < 1.0 {
            return None;
        }
        let scale = if scale.is_finite() {
            scale.clamp(0.05, 1.0)
        } else {
            1.0
        };
        Some(Crop {
            x: left as u32,
            y: top as u32,
            width: (right - left) as u32,
            height: (bottom - top) as u32,
            scale,
        })
    }

    /// The crop looked at `factor` times larger (clamped to 1..=4): a small thing (a far
    /// plate) brought to a size a detector finds.
    pub fn magnified(self, factor: f32) -> Crop {
        let scale = if factor.is_finite() {
            factor.clamp(1.0, 4.0)
        } else {
            1.0
        };
        Crop { scale, ..self }
    }

    /// The crop's rectangle in the frame, `[x1, y1, x2, y2]`.
    pub fn rect(&self) -> [f32; 4] {
        [
            self.x as f32,
            self.y as f32,
            (self.x + self.width) as f32,
            (self.y + self.height) as f32,
        ]
    }

    /// The size the crop is looked at (at least 1×1).
    pub fn scaled_size(&self) -> (u32, u32) {
        let s = |v: u32| ((v as f32 * self.scale).round() as u32).max(1);
        (s(self.width), s(self.height))
    }

    /// Cuts the crop out of `frame` and scales it. The crop must lie in the frame (as
    /// [`Crop::around`] makes it); the part outside is cut off.
    pub fn cut(&self, frame: &RgbImage) -> Result<RgbImage, ImageError> {
        let x = self.x.min(frame.width());
        let y = self.y.min(frame.height());
        let w = self.width.min(frame.width() - x);
        let h = self.height.min(frame.height() - y);
        let part = image::imageops::crop_imm(frame, x, y, w, h).to_image();
        let (sw, sh) = self.scaled_size();
        if (sw, sh) == (w, h) {
            return Ok(part);
        }
        image_ops::resize(&part, sw, sh)
    }

    /// A point of the scaled crop in the frame's pixels.
    pub fn to_frame(&self, [x, y]: [f32; 2]) -> [f32; 2] {
        [
            x / self.scale + self.x as f32,
            y / self.scale + self.y as f32,
        ]
    }

    /// A box of the scaled crop in the frame's pixels.
    pub fn box_to_frame(&self, b: [f32; 4]) -> [f32; 4] {
        let [x1, y1] = self.to_frame([b[0], b[1]]);
        let [x2, y2] = self.to_frame([b[2], b[3]]);
        [x1, y1, x2, y2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_magnified_crop_maps_back_to_the_frame() {
        let c = Crop::around([100.0, 50.0, 200.0, 150.0], [0.0; 4], (1920, 1080), 1.0)
            .unwrap()
            .magnified(3.0);
        assert_eq!(c.scaled_size(), (300, 300));
        assert_eq!(c.to_frame([150.0, 30.0]), [150.0, 60.0]);
        assert_eq!(c.magnified(9.0).scale, 4.0);
        let frame = RgbImage::new(400, 300);
        assert_eq!(c.cut(&frame).unwrap().dimensions(), (300, 300));
    }

    #[test]
    fn a_box_grown_and_kept_inside_the_frame() {
        let c = Crop::around([100.0, 50.0, 200.0, 150.0], [1.0; 4], (1920, 1080), 0.5).unwrap();
        assert_eq!((c.x, c.y, c.width, c.height), (0, 0, 300, 250));
        assert_eq!(c.scaled_size(), (150, 125));
        let c = Crop::around(
            [1800.0, 1000.0, 1900.0, 1070.0],
            [0.5; 4],
            (1920, 1080),
            1.0,
        );
        let c = c.unwrap();
        assert_eq!((c.x + c.width, c.y + c.height), (1920, 1080));
    }

    #[test]
    fn boxes_off_the_frame_or_empty_make_no_crop() {
        let frame = (640, 480);
        assert!(Crop::around([700.0, 10.0, 800.0, 50.0], [0.0; 4], frame, 1.0).is_none());
        assert!(Crop::around([10.0, 10.0, 10.0, 50.0], [1.0; 4], frame, 1.0).is_none());
        assert!(Crop::around([f32::NAN, 0.0, 5.0, 5.0], [1.0; 4], frame, 1.0).is_none());
    }

    #[test]
    fn points_found_in_the_scaled_crop_map_back_to_the_frame() {
        let c = Crop {
            x: 400,
            y: 200,
            width: 400,
            height: 300,
            scale: 0.5,
        };
        assert_eq!(c.to_frame([10.0, 20.0]), [420.0, 240.0]);
        assert_eq!(
            c.box_to_frame([0.0, 0.0, 200.0, 150.0]),
            [400.0, 200.0, 800.0, 500.0]
        );
    }

    #[test]
    fn the_cut_is_the_frames_pixels_scaled() {
        let mut frame = RgbImage::new(64, 48);
        for (x, y, p) in frame.enumerate_pixels_mut() {
            *p = image::Rgb([x as u8 * 4, y as u8 * 5, 0]);
        }
        let c = Crop::around([16.0, 8.0, 32.0, 24.0], [0.0; 4], (64, 48), 1.0).unwrap();
        let cut = c.cut(&frame).unwrap();
        assert_eq!(cut.dimensions(), (16, 16));
        assert_eq!(cut.get_pixel(0, 0), frame.get_pixel(16, 8));
        let half = Crop { scale: 0.5, ..c }.cut(&frame).unwrap();
        assert_eq!(half.dimensions(), (8, 8));
    }
}
