//! The plate chain in one place: find plates, read each with both readers under the plate
//! grammar, tell its colour. Used by `analyze` and (later) the live pipeline.
//!
//! The detector's own score is not the last word: the black Hong Kong/Macau plate of the
//! fixtures scores 0.069 and reads perfectly, while painted text can score 0.9. So boxes down
//! to [`LOW_SCORE`] are read, and the two tiers are judged differently: a box scoring at least
//! [`PlateDetectConfig::score_threshold`] is a plate when it reads as one; a weaker box only
//! when it reads as a mainland plate with confidence at least [`LOW_SCORE_MIN_CONFIDENCE`]
//! (the Hong Kong/Macau plate reads at 0.65; wrong readings of real plates stay under 0.42).

use image::RgbImage;

use super::manifest::Manifest;
use super::plate_colour::{self, PlateColourReading};
use super::plate_detect::{PlateBox, PlateDetectConfig, PlateDetector, RECTIFY_MARGIN, rectify};
use super::plate_read::{PlateReader, PlateReading, SINGLE_ROW};
use super::runtime::{ModelError, Runtime};

/// Weakest detector score whose box is still read.
pub const LOW_SCORE: f32 = 0.05;
/// Least reading confidence for a box scoring under the detector's threshold.
pub const LOW_SCORE_MIN_CONFIDENCE: f32 = 0.6;
/// Most weak boxes read per frame (best first), to bound the time a busy frame costs.
pub const MAX_LOW_SCORE_BOXES: usize = 3;
/// Shapes a weak box must have to be read: plate aspect ratio (a Chinese plate is 2.0 to 3.4,
/// perspective widens the range) and width in pixels (narrower is unreadable anyway).
pub const LOW_SCORE_ASPECT: (f32, f32) = (1.3, 5.0);
pub const LOW_SCORE_MIN_WIDTH: f32 = 24.0;

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
    /// Loads the detector and both readers of the pack.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
    ) -> Result<PlateChain, ModelError> {
        let config = PlateDetectConfig::default();
        Ok(PlateChain {
            detector: PlateDetector::load(
                runtime,
                manifest,
                threads,
                PlateDetectConfig {
                    score_threshold: LOW_SCORE,
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
        let mut weak = 0;
        let mut out: Vec<SeenPlate> = Vec::new();
        let strong_boxes: Vec<[f32; 4]> = boxes
            .iter()
            .filter(|p| p.score >= self.threshold)
            .map(|p| p.bbox)
            .collect();
        for plate in boxes {
            let strong = plate.score >= self.threshold;
            if !strong {
                let aspect = plate.aspect();
                let centre = [
                    (plate.bbox[0] + plate.bbox[2]) / 2.0,
                    (plate.bbox[1] + plate.bbox[3]) / 2.0,
                ];
                let on_a_strong_plate = strong_boxes.iter().any(|b| {
                    (b[0]..=b[2]).contains(&centre[0]) && (b[1]..=b[3]).contains(&centre[1])
                });
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
            let rectified = rectify(img, &plate.corners, RECTIFY_MARGIN, SINGLE_ROW);
            let colour = plate_colour::classify(&rectified, reading.kind);
            out.push(SeenPlate {
                plate,
                reading,
                colour,
            });
        }
        Ok(out)
    }
}
