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
pub const MAX_LOW_SCORE_BOXES: usize = 6;

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
        for plate in boxes {
            let strong = plate.score >= self.threshold;
            if !strong {
                weak += 1;
                if weak > MAX_LOW_SCORE_BOXES {
                    continue;
                }
            }
            let Some(reading) = self.reader.read(img, &plate)? else {
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
