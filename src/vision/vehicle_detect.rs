//! Vehicle detection: NanoDet-g (COCO) boxes for cars, buses, trucks and motorcycles, mapped
//! back to the pixels of the original frame, so a plate can be attached to the vehicle that
//! carries it ([`vehicle_containing`]).
//!
//! # Input
//!
//! The model takes a fixed 416×416 BGR tensor normalised with NanoDet's mean/std (the manifest
//! says which). NanoDet-g was trained with `keep_ratio: True`, so the frame is *letterboxed*
//! as in training (`models/MODELS.md`): scaled to fit 416×416 with its aspect kept, centred,
//! and the bars filled with black pixels (NanoDet's `warp_and_resize` leaves OpenCV's default
//! border value 0 before normalisation). Boxes map back by removing the bar and undoing the
//! scale ([`Letterbox`]).
//!
//! # Decoding
//!
//! The graph already decodes boxes (x1, y1, x2, y2 in pixels of the 416 input) and applies the
//! sigmoid to the 80 class scores. Only COCO classes 2 (car), 3 (motorcycle), 5 (bus) and
//! 7 (truck) are kept: each cell gives at most one candidate, its best vehicle class, and NMS
//! runs across the four classes at once (class-agnostic). NanoDet's own demo runs NMS per
//! class, which lets one vehicle come out twice with near-identical boxes: this model calls a
//! hatchback, an SUV or a van "truck" about as readily as "car", a light truck "bus", and it
//! puts a second, weaker "motorcycle" box on most cars seen up close (cn-dev-36 of the shared
//! photos: car 0.59 and motorcycle 0.36 on the same box). One physical vehicle must give one
//! box — a plate is attached to exactly one vehicle — so the higher score keeps the box and
//! decides the class. The class of a large vehicle is therefore a weak signal; the plate's
//! colour (yellow, or green with a yellow band) stays the main one.
//!
//! # Cost
//!
//! One inference at 416×416 whatever the frame size; only the resize grows with the frame.
//! Measured by `cargo test --test vehicle_detect -- --nocapture --test-threads=1` (2 threads,
//! 2-core box, test profile), letterbox, tensor, inference and decoding together: median
//! 31 ms over the 38 shared photos (201×213 up to 1920×1920), 30–52 ms.

use image::RgbImage;
use ndarray::ArrayD;

use super::image_ops;
use super::manifest::{Layout, Manifest, Role};
use super::nms;
use super::runtime::{Model, ModelError, Runtime};

/// Number of COCO classes in the `scores` output.
const CLASSES: usize = 80;
/// COCO class numbers (0-based) of the vehicles kept.
const COCO_CAR: usize = 2;
const COCO_MOTORCYCLE: usize = 3;
const COCO_BUS: usize = 5;
const COCO_TRUCK: usize = 7;
/// Side of the model's input when the manifest leaves it open (NanoDet-g is 416×416).
const DEFAULT_SIDE: u32 = 416;

pub use crate::domain::VehicleClass;

/// The COCO class number (0-based) of `class` in the model's `scores` output.
pub fn coco(class: VehicleClass) -> usize {
    match class {
        VehicleClass::Car => COCO_CAR,
        VehicleClass::Bus => COCO_BUS,
        VehicleClass::Truck => COCO_TRUCK,
        VehicleClass::Motorcycle => COCO_MOTORCYCLE,
    }
}

/// One vehicle found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    /// `[x1, y1, x2, y2]` in pixels of the original image, clipped to it.
    pub bbox: [f32; 4],
    pub class: VehicleClass,
    /// The class probability, 0..=1.
    pub score: f32,
}

impl Vehicle {
    /// Area of the box in square pixels.
    pub fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }
}

/// Thresholds of [`VehicleDetector`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleDetectConfig {
    /// Keep a vehicle whose class probability is above this. Default 0.35, NanoDet's own,
    /// confirmed by measurement on letterboxed input (`cargo test --test vehicle_detect
    /// survey -- --ignored --nocapture`): of the 41 plates the plate detector finds in the 38
    /// shared Chinese photos, 38 lie in a vehicle box scoring 0.39–0.79; the other three score
    /// 0.22–0.28 (a close-up of a car's front, an SUV called truck, a truck's rear called bus).
    /// Among the boxes above 0.25, those on things that are not vehicles (judged by eye) score
    /// at most 0.36 (a toll island, no plate near it), then 0.34 (bags at the frame's edge, as
    /// motorcycle), 0.32 (a car's badge), 0.28–0.29 (bicycles, a tent, a wall); photos with
    /// no vehicle (astronaut, portraits, a group photo) give nothing above 0.15. At 0.3 no
    /// plate gains a vehicle, and the bags and the badge come in; at 0.25 two plates gain one
    /// (both with the wrong class) together with all the false boxes; at 0.4 the light truck
    /// of cn-dev-03 (0.39) is lost, at 0.5 14 of the 38.
    pub score_threshold: f32,
    /// NMS IoU threshold, NanoDet's 0.6, applied across the four classes (see the module
    /// docs). Two parked cars overlapping in perspective stay apart; a weaker box merging
    /// parts of two cars can survive, and [`vehicle_containing`] then prefers the smaller one.
    pub nms_iou: f32,
}

impl Default for VehicleDetectConfig {
    fn default() -> Self {
        VehicleDetectConfig {
            score_threshold: 0.35,
            nms_iou: 0.6,
        }
    }
}

/// Where the original frame sits in the model's input: letterboxed (aspect kept, centred,
/// black bars).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Width and height of the model's input (416×416).
    pub input: (u32, u32),
    /// Size of the scaled frame inside the input.
    pub resized: (u32, u32),
    /// Left and top bar, in input pixels.
    pub offset: (u32, u32),
    /// Width and height of the original image, for mapping back and clipping.
    pub original: (u32, u32),
}

impl Letterbox {
    /// Fits a `width`×`height` frame into an `input` (width, height) tensor. Both sides of the
    /// scaled frame are at least 1 pixel; an empty frame gives `None`.
    pub fn fit(width: u32, height: u32, input: (u32, u32)) -> Option<Letterbox> {
        if width == 0 || height == 0 || input.0 == 0 || input.1 == 0 {
            return None;
        }
        let scale =
            (f64::from(input.0) / f64::from(width)).min(f64::from(input.1) / f64::from(height));
        let side = |v: u32, max: u32| ((f64::from(v) * scale).round() as u32).clamp(1, max);
        let resized = (side(width, input.0), side(height, input.1));
        Some(Letterbox {
            input,
            resized,
            offset: ((input.0 - resized.0) / 2, (input.1 - resized.1) / 2),
            original: (width, height),
        })
    }

    /// Maps an `x` of the input back to the original image (not clipped).
    pub fn to_original_x(&self, x: f32) -> f32 {
        (x - self.offset.0 as f32) * self.original.0 as f32 / self.resized.0 as f32
    }

    /// Maps a `y` of the input back to the original image (not clipped).
    pub fn to_original_y(&self, y: f32) -> f32 {
        (y - self.offset.1 as f32) * self.original.1 as f32 / self.resized.1 as f32
    }
}

/// Decodes the model's outputs (flattened `boxes` [rows, 4] in input pixels and `scores`
/// [rows, 80]) into vehicles in original pixels: per row the best of car, bus, truck and
/// motorcycle, kept when above the threshold; boxes mapped back through the letterbox and
/// clipped (boxes left empty by clipping, i.e. wholly in a bar, are dropped); class-agnostic
/// NMS; best score first. Rows beyond the shorter input are ignored; NaN scores and boxes are
/// dropped.
pub fn decode(
    boxes: &[f32],
    scores: &[f32],
    frame: Letterbox,
    config: &VehicleDetectConfig,
) -> Vec<Vehicle> {
    let rows = (boxes.len() / 4).min(scores.len() / CLASSES);
    let (ow, oh) = (frame.original.0 as f32, frame.original.1 as f32);
    let above =
        |s: f32| s.partial_cmp(&config.score_threshold) == Some(std::cmp::Ordering::Greater);
    let mut candidates: Vec<Vehicle> = Vec::new();
    for r in 0..rows {
        let s = &scores[r * CLASSES..(r + 1) * CLASSES];
        // the row's best vehicle class; ties keep the first (car, bus, truck, motorcycle)
        let mut best: Option<(VehicleClass, f32)> = None;
        for &class in VehicleClass::ALL {
            let v = s[coco(class)];
            if above(v) && best.is_none_or(|(_, b)| v > b) {
                best = Some((class, v));
            }
        }
        let Some((class, score)) = best else {
            continue;
        };
        let b = &boxes[r * 4..r * 4 + 4];
        let bbox = [
            frame.to_original_x(b[0]).clamp(0.0, ow),
            frame.to_original_y(b[1]).clamp(0.0, oh),
            frame.to_original_x(b[2]).clamp(0.0, ow),
            frame.to_original_y(b[3]).clamp(0.0, oh),
        ];
        // NaN coordinates fail these comparisons too
        if !(bbox[2] > bbox[0] && bbox[3] > bbox[1]) {
            continue;
        }
        candidates.push(Vehicle { bbox, class, score });
    }
    let boxes: Vec<[f32; 4]> = candidates.iter().map(|v| v.bbox).collect();
    let scores: Vec<f32> = candidates.iter().map(|v| v.score).collect();
    nms::nms(&boxes, &scores, config.nms_iou)
        .into_iter()
        .map(|i| candidates[i].clone())
        .collect()
}

/// The vehicle a plate belongs to: among the vehicles whose box contains the centre of
/// `plate` (`[x1, y1, x2, y2]`, same pixels as the vehicles), the one with the smallest box —
/// a car in front of a bus lies inside the bus's box, and its plate belongs to the car. Ties
/// go to the earlier vehicle (the better score, as [`VehicleDetector::detect`] orders them).
/// `None` when no box contains the centre.
pub fn vehicle_containing(vehicles: &[Vehicle], plate: [f32; 4]) -> Option<usize> {
    vehicles
        .iter()
        .enumerate()
        .filter(|(_, v)| nms::centre_inside(&plate, &v.bbox))
        .fold(None, |best: Option<(usize, f32)>, (i, v)| match best {
            Some((_, a)) if a <= v.area() => best,
            _ => Some((i, v.area())),
        })
        .map(|(i, _)| i)
}

/// The NanoDet vehicle detector: the model and its thresholds.
#[derive(Debug)]
pub struct VehicleDetector {
    model: Model,
    config: VehicleDetectConfig,
    /// (width, height) of the model's input.
    input: (u32, u32),
}

impl VehicleDetector {
    /// Loads the pack's vehicle detector with `threads` threads per inference.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
        config: VehicleDetectConfig,
    ) -> Result<VehicleDetector, ModelError> {
        let model = Model::load(runtime, manifest, Role::VehicleDetect, threads)?;
        VehicleDetector::new(model, config)
    }

    /// Wraps an already loaded model, which must be the pack's vehicle detector: an NCHW
    /// input and two outputs (boxes, scores).
    pub fn new(model: Model, config: VehicleDetectConfig) -> Result<VehicleDetector, ModelError> {
        let entry = model.entry();
        let mismatch = |detail: String| ModelError::Mismatch {
            path: model.path().to_path_buf(),
            detail,
        };
        if entry.role != Role::VehicleDetect {
            return Err(mismatch(format!(
                "a vehicle detector was expected, this model's role is {}",
                entry.role
            )));
        }
        if entry.outputs.len() != 2 {
            return Err(mismatch(format!(
                "a vehicle detector has 2 outputs (boxes, scores), the manifest lists {}",
                entry.outputs.len()
            )));
        }
        if entry.input.layout != Layout::Nchw {
            return Err(mismatch(
                "the vehicle detector's input must be NCHW".to_owned(),
            ));
        }
        let (h, w) = entry.input.fixed_size();
        let input = (w.unwrap_or(DEFAULT_SIDE), h.unwrap_or(DEFAULT_SIDE));
        Ok(VehicleDetector {
            model,
            config,
            input,
        })
    }

    /// The thresholds in use.
    pub fn config(&self) -> &VehicleDetectConfig {
        &self.config
    }

    /// Finds the vehicles in an RGB frame, best score first, in the frame's pixels. An empty
    /// frame has none.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Vehicle>, ModelError> {
        let Some(frame) = Letterbox::fit(img.width(), img.height(), self.input) else {
            return Ok(Vec::new());
        };
        let canvas = letterboxed(img, frame).map_err(|e| self.run_err(e.to_string()))?;
        let tensor = image_ops::to_tensor(&[&canvas], &self.model.entry().input)
            .map_err(|e| self.run_err(e.to_string()))?;
        let outputs = self.model.run(&tensor)?;
        let boxes = self.flat(&outputs, 0, 4)?;
        let scores = self.flat(&outputs, 1, CLASSES)?;
        if boxes.len() / 4 != scores.len() / CLASSES {
            return Err(self.run_err(format!(
                "{} box rows but {} score rows",
                boxes.len() / 4,
                scores.len() / CLASSES
            )));
        }
        Ok(decode(&boxes, &scores, frame, &self.config))
    }

    /// Output `i` flattened; its length must be a multiple of `cols`.
    fn flat(&self, outputs: &[ArrayD<f32>], i: usize, cols: usize) -> Result<Vec<f32>, ModelError> {
        let out = outputs
            .get(i)
            .ok_or_else(|| self.run_err(format!("output {i} missing")))?;
        let last = out.shape().last().copied().unwrap_or(0);
        if last != cols || out.is_empty() {
            return Err(self.run_err(format!(
                "output {i} has shape {:?}, [1, rows, {cols}] was expected",
                out.shape()
            )));
        }
        Ok(out.as_standard_layout().iter().copied().collect())
    }

    fn run_err(&self, reason: String) -> ModelError {
        ModelError::Run {
            file: self.model.entry().file.clone(),
            reason,
        }
    }
}

/// The frame scaled into a black canvas of the model's input size, as `frame` places it.
fn letterboxed(img: &RgbImage, frame: Letterbox) -> Result<RgbImage, image_ops::ImageError> {
    let scaled = image_ops::resize(img, frame.resized.0, frame.resized.1)?;
    let mut canvas = RgbImage::new(frame.input.0, frame.input.1);
    image::imageops::replace(
        &mut canvas,
        &scaled,
        i64::from(frame.offset.0),
        i64::from(frame.offset.1),
    );
    Ok(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIDE: (u32, u32) = (416, 416);

    /// One model row: a box in input pixels and the scores of some classes.
    fn row(bbox: [f32; 4], classes: &[(usize, f32)]) -> ([f32; 4], [f32; CLASSES]) {
        let mut s = [0.0f32; CLASSES];
        for &(c, v) in classes {
            s[c] = v;
        }
        (bbox, s)
    }

    fn run(rows: &[([f32; 4], [f32; CLASSES])], frame: Letterbox) -> Vec<Vehicle> {
        let boxes: Vec<f32> = rows.iter().flat_map(|r| r.0).collect();
        let scores: Vec<f32> = rows.iter().flat_map(|r| r.1).collect();
        decode(&boxes, &scores, frame, &VehicleDetectConfig::default())
    }

    fn square() -> Letterbox {
        Letterbox::fit(416, 416, SIDE).unwrap()
    }

    #[test]
    fn letterbox_keeps_the_aspect_and_centres_the_frame() {
        let f = Letterbox::fit(1920, 1080, SIDE).unwrap();
        assert_eq!(f.resized, (416, 234));
        assert_eq!(f.offset, (0, 91));
        let f = Letterbox::fit(518, 331, SIDE).unwrap();
        assert_eq!(f.resized, (416, 266));
        assert_eq!(f.offset, (0, 75));
        let tall = Letterbox::fit(100, 200, SIDE).unwrap();
        assert_eq!((tall.resized, tall.offset), ((208, 416), (104, 0)));
        let dot = Letterbox::fit(1, 1, SIDE).unwrap();
        assert_eq!((dot.resized, dot.offset), ((416, 416), (0, 0)));
        // a 1×5000 strip still has one pixel of width
        assert_eq!(Letterbox::fit(1, 5000, SIDE).unwrap().resized, (1, 416));
        assert!(Letterbox::fit(0, 10, SIDE).is_none());
    }

    #[test]
    fn boxes_map_back_through_the_letterbox() {
        // 1920×1080 → 416×234 at (0, 91): scale 1920/416 ≈ 4.615
        let f = Letterbox::fit(1920, 1080, SIDE).unwrap();
        let v = run(
            &[row(
                [104.0, 91.0 + 58.5, 208.0, 91.0 + 117.0],
                &[(COCO_CAR, 0.8)],
            )],
            f,
        );
        assert_eq!(v.len(), 1);
        let close = |a: f32, e: f32| (a - e).abs() < 0.01;
        let b = v[0].bbox;
        assert!(close(b[0], 480.0) && close(b[2], 960.0), "{b:?}");
        assert!(close(b[1], 270.0) && close(b[3], 540.0), "{b:?}");
        assert_eq!(v[0].class, VehicleClass::Car);
        assert_eq!(v[0].score, 0.8);
    }

    #[test]
    fn boxes_are_clipped_and_boxes_in_the_bars_dropped() {
        let f = Letterbox::fit(1920, 1080, SIDE).unwrap();
        let v = run(
            &[
                // sticks out of the frame on every side
                row([-10.0, 50.0, 500.0, 400.0], &[(COCO_TRUCK, 0.9)]),
                // wholly in the top bar
                row([10.0, 0.0, 100.0, 80.0], &[(COCO_CAR, 0.9)]),
            ],
            f,
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].bbox, [0.0, 0.0, 1920.0, 1080.0]);
    }

    #[test]
    fn only_vehicle_classes_above_the_threshold_are_kept() {
        let v = run(
            &[
                // person and bicycle, with a car score below the threshold
                row(
                    [0.0, 0.0, 50.0, 50.0],
                    &[(0, 0.99), (1, 0.9), (COCO_CAR, 0.2)],
                ),
                row([100.0, 0.0, 150.0, 50.0], &[(COCO_BUS, 0.5)]),
                row([200.0, 0.0, 250.0, 50.0], &[(6, 0.9), (8, 0.9)]), // train, boat
                row([300.0, 0.0, 350.0, 50.0], &[(COCO_MOTORCYCLE, 0.4)]),
                row([0.0, 100.0, 50.0, 150.0], &[(COCO_TRUCK, 0.35)]), // at the threshold
            ],
            square(),
        );
        let got: Vec<(VehicleClass, f32)> = v.iter().map(|v| (v.class, v.score)).collect();
        assert_eq!(
            got,
            vec![(VehicleClass::Bus, 0.5), (VehicleClass::Motorcycle, 0.4)]
        );
    }

    #[test]
    fn a_car_and_a_truck_on_one_vehicle_give_one_box_with_the_better_class() {
        let v = run(
            &[
                row(
                    [10.0, 10.0, 210.0, 160.0],
                    &[(COCO_CAR, 0.5), (COCO_TRUCK, 0.45)],
                ),
                row(
                    [12.0, 10.0, 212.0, 162.0],
                    &[(COCO_TRUCK, 0.6), (COCO_CAR, 0.4)],
                ),
                // a second vehicle, beside it
                row([250.0, 10.0, 400.0, 160.0], &[(COCO_CAR, 0.7)]),
            ],
            square(),
        );
        let got: Vec<(VehicleClass, f32)> = v.iter().map(|v| (v.class, v.score)).collect();
        assert_eq!(
            got,
            vec![(VehicleClass::Car, 0.7), (VehicleClass::Truck, 0.6)]
        );
    }

    #[test]
    fn a_motorcycle_box_on_a_car_is_suppressed_one_beside_it_kept() {
        let v = run(
            &[
                row([10.0, 10.0, 210.0, 160.0], &[(COCO_CAR, 0.8)]),
                row([12.0, 14.0, 210.0, 160.0], &[(COCO_MOTORCYCLE, 0.5)]),
                // a motorcycle beside the car's front, overlapping it a little
                row([190.0, 60.0, 250.0, 160.0], &[(COCO_MOTORCYCLE, 0.45)]),
            ],
            square(),
        );
        let got: Vec<(VehicleClass, f32)> = v.iter().map(|v| (v.class, v.score)).collect();
        assert_eq!(
            got,
            vec![(VehicleClass::Car, 0.8), (VehicleClass::Motorcycle, 0.45)]
        );
    }

    #[test]
    fn nan_scores_nan_boxes_and_short_tensors_are_harmless() {
        let boxes = [0.0, 0.0, 10.0, 10.0, f32::NAN, 0.0, 10.0, 10.0, 0.0, 0.0];
        let mut scores = vec![0.0f32; CLASSES * 3];
        scores[COCO_CAR] = f32::NAN;
        scores[CLASSES + COCO_CAR] = 0.9; // NaN box
        scores[2 * CLASSES + COCO_CAR] = 0.9; // no box row (too short)
        let v = decode(&boxes, &scores, square(), &VehicleDetectConfig::default());
        assert!(v.is_empty(), "{v:?}");
        assert!(decode(&[], &[], square(), &VehicleDetectConfig::default()).is_empty());
    }

    #[test]
    fn results_are_best_first() {
        let v = run(
            &[
                row([0.0, 0.0, 50.0, 50.0], &[(COCO_CAR, 0.4)]),
                row([100.0, 0.0, 150.0, 50.0], &[(COCO_MOTORCYCLE, 0.9)]),
                row([200.0, 0.0, 250.0, 50.0], &[(COCO_TRUCK, 0.6)]),
            ],
            square(),
        );
        let scores: Vec<f32> = v.iter().map(|v| v.score).collect();
        assert_eq!(scores, vec![0.9, 0.6, 0.4]);
    }

    fn vehicle(bbox: [f32; 4], score: f32) -> Vehicle {
        Vehicle {
            bbox,
            class: VehicleClass::Car,
            score,
        }
    }

    #[test]
    fn a_plate_goes_to_the_smallest_vehicle_containing_its_centre() {
        let vehicles = [
            vehicle([0.0, 0.0, 1000.0, 600.0], 0.9),    // a bus behind
            vehicle([100.0, 200.0, 400.0, 500.0], 0.6), // a car in front of it
            vehicle([600.0, 200.0, 900.0, 500.0], 0.5),
        ];
        // plate of the car in front
        assert_eq!(
            vehicle_containing(&vehicles, [200.0, 440.0, 280.0, 460.0]),
            Some(1)
        );
        // plate on the bus, outside both cars
        assert_eq!(
            vehicle_containing(&vehicles, [450.0, 520.0, 550.0, 550.0]),
            Some(0)
        );
        // the centre decides, not the whole plate: this one sticks out of car 2 on the left
        assert_eq!(
            vehicle_containing(&vehicles, [560.0, 300.0, 700.0, 320.0]),
            Some(2)
        );
        // nothing there
        assert_eq!(
            vehicle_containing(&vehicles, [1100.0, 0.0, 1200.0, 30.0]),
            None
        );
        assert_eq!(vehicle_containing(&[], [0.0, 0.0, 1.0, 1.0]), None);
    }

    #[test]
    fn equal_boxes_go_to_the_first_and_edges_count_as_inside() {
        let vehicles = [
            vehicle([0.0, 0.0, 100.0, 100.0], 0.9),
            vehicle([0.0, 0.0, 100.0, 100.0], 0.5),
        ];
        assert_eq!(
            vehicle_containing(&vehicles, [90.0, 90.0, 110.0, 110.0]),
            Some(0)
        );
    }

    #[test]
    fn class_names() {
        let keys: Vec<&str> = VehicleClass::ALL.iter().map(|c| c.key()).collect();
        assert_eq!(keys, ["car", "bus", "truck", "motorcycle"]);
        let zh: Vec<&str> = VehicleClass::ALL.iter().map(|c| c.zh()).collect();
        assert_eq!(zh, ["小汽车", "客车", "货车", "摩托车"]);
        assert_eq!(VehicleClass::Truck.to_string(), "truck");
        assert_eq!(coco(VehicleClass::Motorcycle), 3);
    }

    #[test]
    fn letterboxed_canvas_is_black_around_the_frame() {
        let img = RgbImage::from_pixel(20, 10, image::Rgb([200, 100, 50]));
        let f = Letterbox::fit(20, 10, (40, 40)).unwrap();
        let c = letterboxed(&img, f).unwrap();
        assert_eq!(c.dimensions(), (40, 40));
        assert_eq!(f.offset, (0, 10));
        assert_eq!(c.get_pixel(20, 5).0, [0, 0, 0]);
        assert_eq!(c.get_pixel(20, 20).0, [200, 100, 50]);
        assert_eq!(c.get_pixel(20, 35).0, [0, 0, 0]);
    }
}
