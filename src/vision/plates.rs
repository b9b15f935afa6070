//! The plate chain in one place: find plates, read each with both readers under the plate
//! grammar ([`crate::domain::plate`]), tell its colour. Used by the live pipeline's vehicle
//! stage (`pipeline::vehicles`, which `analyze` runs too) and `bench plates`.
//!
//! The detector's own score is not the last word: the black Hong Kong/Macau plate of the
//! fixtures scores 0.069 and reads perfectly, while painted text can score 0.9. So boxes down
//! to [`LOW_SCORE`] are read, and the two tiers are judged differently: a box scoring at least
//! [`PlateDetectConfig::score_threshold`] is a plate when it reads as one; a weaker box only
//! when it reads as a mainland plate with confidence at least [`LOW_SCORE_MIN_CONFIDENCE`]
//! (the Hong Kong/Macau plate reads at 0.65; wrong readings of real plates stay under 0.42).

use image::RgbImage;

use super::crop::{self, Crop};
use super::manifest::Manifest;
use super::nms;
use super::plate_chars;
use super::plate_colour::{self, PlateColourReading};
use super::plate_detect::{PlateBox, PlateDetectConfig, PlateDetector, RECTIFY_MARGIN, rectify};
use super::plate_read::{
    DOUBLE_ROW, MIN_HONG_KONG_CONFIDENCE, PlateReader, PlateReading, SINGLE_ROW,
};
use super::runtime::{ModelError, Runtime};
use crate::domain::plate::PlateKind;

/// Weakest detector score whose box is still read.
pub const LOW_SCORE: f32 = 0.05;
/// Weakest detector score of a box looked at as the Hong Kong plate of a cross-border car
/// (the detector, trained on mainland plates, scores them 0.016–0.022 in the fixtures).
pub const COMPANION_SCORE: f32 = 0.01;
/// Least reading confidence for a box scoring under the detector's threshold.
pub const LOW_SCORE_MIN_CONFIDENCE: f32 = 0.6;
/// Most weak boxes read per frame (best first), to bound the time a busy frame costs.
pub const MAX_LOW_SCORE_BOXES: usize = 3;
/// Shapes a weak box must have to be read: plate aspect ratio (a Chinese plate is 2.0 to 3.4,
/// perspective widens the range) and width in pixels (narrower is unreadable anyway).
pub const LOW_SCORE_ASPECT: (f32, f32) = (1.3, 5.0);
pub const LOW_SCORE_MIN_WIDTH: f32 = 24.0;

/// Most vehicles per frame whose plate is looked for again, magnified ([`PlateChain::plates_on`]).
pub const MAX_SECOND_LOOKS: usize = 1;
/// Width (frame pixels) a vehicle's box is magnified to for the second look: a plate is a fifth
/// to a third of a car's width, so it comes out 110 px or more, which the detector finds.
pub const SECOND_LOOK_WIDTH: f32 = 560.0;
/// Narrowest vehicle box looked at again (a plate on a narrower one has too few pixels to read).
pub const SECOND_LOOK_MIN_WIDTH: f32 = 48.0;
/// Widest vehicle box looked at again: a wider one would be magnified less than 1.5 times, which
/// finds nothing the frame's pass did not (and costs a detector run per frame).
pub const SECOND_LOOK_MAX_WIDTH: f32 = SECOND_LOOK_WIDTH / 1.5;

/// How far from a 港/澳 plate its Hong Kong plate is looked for by its characters, in the
/// mainland plate's heights.
pub const COMPANION_REACH: f32 = 2.5;
/// Height of a Hong Kong plate's characters, as fractions of the mainland plate's height
/// beside it: a two-row plate's are a third of it, a one-row plate's about 0.6.
pub const COMPANION_CHAR_HEIGHT: (f32, f32) = (0.2, 0.75);
/// Height (pixels) each row of a plate found by its characters is cut to for reading.
const LINE_HEIGHT: f32 = 48.0;

/// One plate found and read.
#[derive(Debug, Clone)]
pub struct SeenPlate {
    pub plate: PlateBox,
    pub reading: PlateReading,
    pub colour: PlateColourReading,
}

/// The plate detector and readers, loaded once.
#[derive(Debug)]
pub struct PlateChain {
    detector: PlateDetector,
    reader: PlateReader,
    threshold: f32,
}

impl PlateChain {
    /// Loads the detector and both readers of the pack. `config.score_threshold` is the strong
    /// tier's threshold; the detector itself keeps boxes down to [`COMPANION_SCORE`].
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
        config: PlateDetectConfig,
    ) -> Result<PlateChain, ModelError> {
        Ok(PlateChain {
            detector: PlateDetector::load(
                runtime,
                manifest,
                threads,
                PlateDetectConfig {
                    score_threshold: COMPANION_SCORE,
                    ..config
                },
            )?,
            reader: PlateReader::load(runtime, manifest, threads)?,
            threshold: config.score_threshold,
        })
    }

    /// Every plate of the image that reads as a plate, best detector score first; the same
    /// text read twice (two overlapping boxes) is reported once.
    pub fn plates(&mut self, img: &RgbImage) -> Result<Vec<SeenPlate>, ModelError> {
        let boxes = self.detector.detect(img)?;
        self.read_boxes(img, boxes)
    }

    /// The plates of `plates` (found in the whole frame or its crops) and, for each of the
    /// vehicles `vehicles` (boxes in `img`'s pixels, largest first) with none on it and from
    /// [`SECOND_LOOK_MIN_WIDTH`] to [`SECOND_LOOK_MAX_WIDTH`] wide, up to [`MAX_SECOND_LOOKS`],
    /// a second look: the vehicle's box magnified to
    /// [`SECOND_LOOK_WIDTH`], where a far or blurred plate the frame's pass missed is big
    /// enough to find. Read on the image itself, as [`PlateChain::plates`].
    pub fn second_look(
        &mut self,
        img: &RgbImage,
        mut plates: Vec<SeenPlate>,
        vehicles: &[[f32; 4]],
    ) -> Result<Vec<SeenPlate>, ModelError> {
        let mut bare: Vec<[f32; 4]> = vehicles
            .iter()
            .copied()
            .filter(|v| (SECOND_LOOK_MIN_WIDTH..=SECOND_LOOK_MAX_WIDTH).contains(&(v[2] - v[0])))
            .filter(|v| !plates.iter().any(|p| nms::centre_inside(&p.plate.bbox, v)))
            .collect();
        bare.sort_by(|a, b| (b[2] - b[0]).total_cmp(&(a[2] - a[0])));
        let frame = img.dimensions();
        let crops: Vec<Crop> = bare
            .iter()
            .take(MAX_SECOND_LOOKS)
            .filter_map(|v| {
                let c = Crop::around(*v, [0.05, 0.0, 0.05, 0.05], frame, 1.0)?;
                Some(c.magnified(SECOND_LOOK_WIDTH / c.width.max(1) as f32))
            })
            .collect();
        if crops.is_empty() {
            return Ok(plates);
        }
        for p in self.plates_in(img, &crops)? {
            let same = plates.iter().any(|q| {
                q.reading.text == p.reading.text || nms::iou(&q.plate.bbox, &p.plate.bbox) > 0.3
            });
            if !same {
                plates.push(p);
            }
        }
        Ok(plates)
    }

    /// The plates found in the crops of `img` (each looked at on its own, at its own scale),
    /// read on the image itself, as [`PlateChain::plates`]. A plate two crops share is read
    /// once (the better-scored box).
    pub fn plates_in(
        &mut self,
        img: &RgbImage,
        crops: &[Crop],
    ) -> Result<Vec<SeenPlate>, ModelError> {
        let iou = self.detector.config().nms_iou;
        let detector = &mut self.detector;
        let boxes = crop::find_in(crops, iou, |c| {
            let part = c.cut(img).map_err(|e| detector.run_err(e))?;
            detector.detect(&part)
        })?;
        self.read_boxes(img, boxes)
    }

    /// Reads the boxes found in `img` (best score first) under the two tiers' rules.
    fn read_boxes(
        &mut self,
        img: &RgbImage,
        boxes: Vec<PlateBox>,
    ) -> Result<Vec<SeenPlate>, ModelError> {
        let mut weak = 0;
        let mut out: Vec<SeenPlate> = Vec::new();
        let strong_boxes: Vec<[f32; 4]> = boxes
            .iter()
            .filter(|p| p.score >= self.threshold)
            .map(|p| p.bbox)
            .collect();
        let mut companions = Vec::new();
        for plate in boxes {
            if plate.score < LOW_SCORE {
                companions.push(plate);
                continue;
            }
            let strong = plate.score >= self.threshold;
            if !strong {
                let aspect = plate.aspect();
                let on_a_strong_plate = strong_boxes
                    .iter()
                    .any(|b| nms::centre_inside(&plate.bbox, b));
                if on_a_strong_plate
                    || !(LOW_SCORE_ASPECT.0..=LOW_SCORE_ASPECT.1).contains(&aspect)
                    || plate.width() < LOW_SCORE_MIN_WIDTH
                {
                    continue;
                }
                weak += 1;
                if weak > MAX_LOW_SCORE_BOXES {
                    continue;
                }
            }
            let read = if strong {
                self.reader.read(img, &plate)?
            } else {
                self.reader.read_quick(img, &plate)?
            };
            let Some(reading) = read else {
                continue;
            };
            if !strong
                && (reading.confidence < LOW_SCORE_MIN_CONFIDENCE || !reading.kind.is_mainland())
            {
                continue;
            }
            if out.iter().any(|s| s.reading.text == reading.text) {
                continue;
            }
            out.push(seen(img, plate, reading));
        }
        self.hong_kong_companions(img, companions, &mut out)?;
        Ok(out)
    }

    /// Cross-border cars carry their Hong Kong registration plate (white, one or two rows,
    /// `UW6532`) just above the mainland 粤Z…港 plate. The detector barely sees those plates,
    /// so for every 港/澳 plate read, the weak boxes right above it are read as well, and one
    /// reading as a Hong Kong plate with confidence at least [`MIN_HONG_KONG_CONFIDENCE`] is
    /// kept. When no weak box there reads as one (a white plate on a white bumper, which the
    /// detector does not see at all), the plate is looked for by its characters
    /// ([`PlateChain::by_characters`]). Nowhere else is a Hong Kong-shaped reading believed.
    fn hong_kong_companions(
        &mut self,
        img: &RgbImage,
        weak: Vec<PlateBox>,
        out: &mut Vec<SeenPlate>,
    ) -> Result<(), ModelError> {
        let anchors: Vec<PlateBox> = out
            .iter()
            .filter(|s| s.reading.kind == PlateKind::HongKongMacau)
            .map(|s| s.plate.clone())
            .collect();
        for anchor in anchors {
            let anchor_box = anchor.bbox;
            let height = anchor_box[3] - anchor_box[1];
            let width = anchor_box[2] - anchor_box[0];
            let above = weak.iter().filter(|b| {
                let overlap = b.bbox[2].min(anchor_box[2]) - b.bbox[0].max(anchor_box[0]);
                let bottom = b.bbox[3];
                let centre = (b.bbox[1] + bottom) / 2.0;
                // above: its centre above the mainland plate's centre, not more than three
                // plate heights up (the two plates' boxes may overlap)
                overlap >= 0.5 * width.min(b.bbox[2] - b.bbox[0])
                    && centre < (anchor_box[1] + anchor_box[3]) / 2.0
                    && bottom >= anchor_box[1] - 3.0 * height
            });
            let mut found = None;
            for plate in above.take(MAX_LOW_SCORE_BOXES) {
                let Some(reading) = self.reader.read_quick(img, plate)? else {
                    continue;
                };
                if hong_kong(&reading, out) {
                    found = Some(seen(img, plate.clone(), reading));
                    break;
                }
            }
            if found.is_none() {
                // the reading is checked against the characters found, so the weaker
                // least confidence of any plate (MIN_CONFIDENCE) holds
                found = self.by_characters(img, &anchor)?.filter(|s| {
                    s.reading.kind == PlateKind::HongKong && !already_read(&s.reading, out)
                });
            }
            out.extend(found);
        }
        Ok(())
    }

    /// The Hong Kong or Macau plate beside the mainland plate `anchor`, found by its dark
    /// characters on a light ground ([`plate_chars::find`]): looked for above the mainland
    /// plate, then below it, within [`COMPANION_REACH`] plate heights and half a plate's width
    /// either side, with characters [`COMPANION_CHAR_HEIGHT`] of the mainland plate's height
    /// tall. Each row is read on its own ([`PlateReader::read_lines`]).
    fn by_characters(
        &mut self,
        img: &RgbImage,
        anchor: &PlateBox,
    ) -> Result<Option<SeenPlate>, ModelError> {
        let b = anchor.bbox;
        let (w, h) = (b[2] - b[0], anchor.height().max(1.0));
        let cx = (b[0] + b[2]) / 2.0;
        let reach = COMPANION_REACH * h;
        // (region, the point the plate is expected nearest): above, then below
        let places = [
            (
                [b[0] - w / 2.0, b[1] - reach, b[2] + w / 2.0, b[1] + 0.2 * h],
                [cx, b[1] - h],
            ),
            (
                [b[0] - w / 2.0, b[3] - 0.2 * h, b[2] + w / 2.0, b[3] + reach],
                [cx, b[3] + h],
            ),
        ];
        let heights = (COMPANION_CHAR_HEIGHT.0 * h, COMPANION_CHAR_HEIGHT.1 * h);
        for (region, near) in places {
            let Some(cut) = Crop::around(region, [0.0; 4], img.dimensions(), 1.0) else {
                continue;
            };
            let part = image::imageops::crop_imm(img, cut.x, cut.y, cut.width, cut.height);
            let grey = image::imageops::grayscale(&*part);
            let near = [near[0] - cut.x as f32, near[1] - cut.y as f32];
            let found = plate_chars::find(&grey, heights, near);
            tracing::debug!(
                ?region,
                ?heights,
                ?found,
                "a Hong Kong plate looked for by its characters"
            );
            let Some(found) = found else {
                continue;
            };
            // each row cut out upright with a margin of 0.3 of its height either side and 0.2
            // above and below, LINE_HEIGHT tall
            let lines: Vec<RgbImage> = found
                .rows
                .iter()
                .map(|r| {
                    let row = cut.box_to_frame(*r);
                    let (rw, rh) = ((row[2] - row[0]).max(1.0), (row[3] - row[1]).max(1.0));
                    let width = (rw + 0.6 * rh) * LINE_HEIGHT / (1.4 * rh);
                    let size = (width.round().max(1.0) as u32, LINE_HEIGHT as u32);
                    rectify(img, &corners_of(row), (0.3 * rh / rw, 0.2), size)
                })
                .collect();
            let reading = self.reader.read_lines(&lines)?;
            tracing::debug!(?reading, "the plate found by its characters read");
            // one character read for each one found: what was found is what was read
            let Some(reading) = reading.filter(|r| r.text.chars().count() == found.chars) else {
                continue;
            };
            let bbox = cut.box_to_frame(found.bbox);
            let plate = PlateBox {
                bbox,
                score: 0.0,
                corners: corners_of(bbox),
            };
            return Ok(Some(seen(img, plate, reading)));
        }
        Ok(None)
    }
}

/// Whether a reading is a Hong Kong plate sure enough to keep, and not one already read.
fn hong_kong(reading: &PlateReading, out: &[SeenPlate]) -> bool {
    reading.kind == PlateKind::HongKong
        && reading.confidence >= MIN_HONG_KONG_CONFIDENCE
        && !already_read(reading, out)
}

/// Whether a plate of that text was already read.
fn already_read(reading: &PlateReading, out: &[SeenPlate]) -> bool {
    out.iter().any(|s| s.reading.text == reading.text)
}

/// The corners (TL, TR, BR, BL) of an upright box.
fn corners_of(b: [f32; 4]) -> [[f32; 2]; 4] {
    [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]]
}

/// A plate read, with its colour judged on the plate rectified as it was read.
fn seen(img: &RgbImage, plate: PlateBox, reading: PlateReading) -> SeenPlate {
    let rectified = rectify(img, &plate.corners, RECTIFY_MARGIN, shape(&reading));
    let colour = colour_of(&rectified, &reading);
    SeenPlate {
        plate,
        reading,
        colour,
    }
}

/// The size a plate was rectified to for reading, by its rows.
fn shape(reading: &PlateReading) -> (u32, u32) {
    if reading.rows == 2 {
        DOUBLE_ROW
    } else {
        SINGLE_ROW
    }
}

/// The colour of a rectified plate. A double-row plate is judged on its upper half: the
/// detector's box of a two-row plate tends to slip down, and on a cross-border car the plate
/// under it is black.
fn colour_of(rectified: &RgbImage, reading: &PlateReading) -> PlateColourReading {
    if reading.rows == 2 {
        let (w, h) = rectified.dimensions();
        let upper = image::imageops::crop_imm(rectified, 0, 0, w, (h / 2).max(1)).to_image();
        plate_colour::classify(&upper, reading.kind)
    } else {
        plate_colour::classify(rectified, reading.kind)
    }
}
