//! Multi-frame plate voting: the same plate seen over several frames is read once, by a
//! per-character vote weighted by the readers' confidence, so one blurred frame (川AF0S8Y) or
//! one frame with a character lost (川AF05Y) is outvoted by the others.
//!
//! There is no time limit: a car stopped at the barrier is still read however long it waits
//! (Frigate gives up after 5 s). Only the number of readings kept is capped, at the
//! [`MAX_READINGS`] most confident, so memory stays bounded. Pure code: no I/O, no clock.

use super::plate_distance;
use crate::domain::plate;

/// How many readings of one plate are kept: the most confident ones.
pub const MAX_READINGS: usize = 30;

/// Two readings at most this far apart ([`plate_distance::distance`]) are of the same plate.
const SAME_PLATE_DISTANCE: f32 = 2.0;

/// One frame's reading.
#[derive(Debug, Clone)]
struct Reading {
    text: String,
    chars: Vec<char>,
    /// One per character, in 0..=1.
    confidences: Vec<f32>,
    /// The weakest character's confidence: the reading is as sure as its weakest character.
    weight: f32,
    /// The order it was added in, to break ties towards the older reading.
    order: usize,
}

/// The readings of one plate (one track), voted into one text by [`PlateVote::result`].
#[derive(Debug, Clone, Default)]
pub struct PlateVote {
    readings: Vec<Reading>,
    /// Readings added in all, including those dropped by the cap.
    seen: usize,
}

/// The outcome of a vote.
#[derive(Debug, Clone, PartialEq)]
pub struct Voted {
    /// The clean plate text voted (川AF058Y).
    pub text: String,
    /// How clear the vote was, in 0..=1: the mean, over the positions, of the winning
    /// character's share of the confidence there. When the voted text was not a valid plate
    /// and the best valid reading was taken instead, the share of the confidence of all
    /// readings that read exactly that text.
    pub confidence: f32,
    /// The readings that took part in the vote (at most [`MAX_READINGS`]).
    pub frames: usize,
    /// How many of them read exactly `text`.
    pub agreeing: usize,
}

/// A confidence as a number in 0..=1 (NaN and a missing one count as 0).
fn confidence(p: Option<&f32>) -> f32 {
    match p {
        Some(p) if p.is_finite() => p.clamp(0.0, 1.0),
        _ => 0.0,
    }
}

/// A character's tally at one position: its summed confidence and how many readings read it.
struct Tally {
    c: char,
    weight: f32,
    count: usize,
}

/// Whether `a` beats `b`: heavier, or as heavy and read more often (else the first one stays).
fn beats(a: (f32, usize), b: (f32, usize)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
}

/// `part` as a share of `whole`, counts when there is no weight at all.
fn share(part: (f32, usize), whole: (f32, usize)) -> f32 {
    if whole.0 > 0.0 {
        part.0 / whole.0
    } else if whole.1 > 0 {
        part.1 as f32 / whole.1 as f32
    } else {
        0.0
    }
}

impl PlateVote {
    /// No readings yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame's reading: clean text and one confidence per character (a missing or
    /// invalid confidence counts as 0). Lengths may differ from frame to frame. An empty text
    /// is ignored. Past [`MAX_READINGS`], the least confident reading is dropped (the older of
    /// equally confident ones).
    pub fn add(&mut self, text: &str, confidences: &[f32]) {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return;
        }
        let confidences: Vec<f32> = (0..chars.len())
            .map(|i| confidence(confidences.get(i)))
            .collect();
        let weight = confidences.iter().copied().fold(1.0, f32::min);
        self.readings.push(Reading {
            text: text.to_owned(),
            chars,
            confidences,
            weight,
            order: self.seen,
        });
        self.seen += 1;
        if self.readings.len() > MAX_READINGS {
            let weakest = self
                .readings
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| a.weight.total_cmp(&b.weight).then(a.order.cmp(&b.order)))
                .map(|(i, _)| i);
            if let Some(i) = weakest {
                self.readings.remove(i);
            }
        }
    }

    /// The readings kept (at most [`MAX_READINGS`]).
    pub fn len(&self) -> usize {
        self.readings.len()
    }

    /// Whether no reading was kept.
    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }

    /// The readings added in all, including those dropped by the cap.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The plate voted, or `None` when there is no reading.
    ///
    /// First the length: the sum of the readings' confidence per length, the heaviest wins.
    /// Then, per position, among the readings of that length, the sum of each character's
    /// confidence: the heaviest character wins (on a tie the one read more often, then the
    /// one read first). If the voted text is not a valid plate ([`plate::parse`]) but some
    /// reading is, the valid text with the heaviest summed confidence over the readings that
    /// read it is taken instead; if none is valid, the voted text is returned as it is.
    pub fn result(&self) -> Option<Voted> {
        let length = self.voted_length()?;
        let voters: Vec<&Reading> = self
            .readings
            .iter()
            .filter(|r| r.chars.len() == length)
            .collect();
        let mut text = String::with_capacity(length * 3);
        let mut shares = 0.0;
        for position in 0..length {
            let mut tallies: Vec<Tally> = Vec::new();
            let mut total = (0.0, 0);
            for r in &voters {
                let (c, p) = (r.chars[position], r.confidences[position]);
                total = (total.0 + p, total.1 + 1);
                match tallies.iter_mut().find(|t| t.c == c) {
                    Some(t) => {
                        t.weight += p;
                        t.count += 1;
                    }
                    None => tallies.push(Tally {
                        c,
                        weight: p,
                        count: 1,
                    }),
                }
            }
            let mut winner: Option<&Tally> = None;
            for t in &tallies {
                if winner.is_none_or(|w| beats((t.weight, t.count), (w.weight, w.count))) {
                    winner = Some(t);
                }
            }
            let winner = winner?;
            text.push(winner.c);
            shares += share((winner.weight, winner.count), total);
        }
        let mut confidence = shares / length as f32;
        if plate::parse(&text).is_none()
            && let Some((valid, part)) = self.best_valid()
        {
            confidence = share(part, self.total());
            text = valid;
        }
        let agreeing = self.readings.iter().filter(|r| r.text == text).count();
        Some(Voted {
            text,
            confidence,
            frames: self.readings.len(),
            agreeing,
        })
    }

    /// The length with the heaviest summed confidence (on a tie, the one read more often,
    /// then the one read first).
    fn voted_length(&self) -> Option<usize> {
        let mut lengths: Vec<(usize, f32, usize)> = Vec::new();
        for r in &self.readings {
            match lengths.iter_mut().find(|(l, _, _)| *l == r.chars.len()) {
                Some((_, w, n)) => {
                    *w += r.weight;
                    *n += 1;
                }
                None => lengths.push((r.chars.len(), r.weight, 1)),
            }
        }
        let mut best: Option<(usize, f32, usize)> = None;
        for l in lengths {
            if best.is_none_or(|b| beats((l.1, l.2), (b.1, b.2))) {
                best = Some(l);
            }
        }
        best.map(|(l, _, _)| l)
    }

    /// The summed confidence and number of all readings.
    fn total(&self) -> (f32, usize) {
        (
            self.readings.iter().map(|r| r.weight).sum(),
            self.readings.len(),
        )
    }

    /// The valid plate text read with the heaviest summed confidence, with that sum and the
    /// number of readings of it.
    fn best_valid(&self) -> Option<(String, (f32, usize))> {
        let mut texts: Vec<(&str, f32, usize)> = Vec::new();
        for r in self
            .readings
            .iter()
            .filter(|r| plate::parse(&r.text).is_some())
        {
            match texts.iter_mut().find(|(t, _, _)| *t == r.text) {
                Some((_, w, n)) => {
                    *w += r.weight;
                    *n += 1;
                }
                None => texts.push((&r.text, r.weight, 1)),
            }
        }
        let mut best: Option<(&str, f32, usize)> = None;
        for t in texts {
            if best.is_none_or(|b| beats((t.1, t.2), (b.1, b.2))) {
                best = Some(t);
            }
        }
        best.map(|(t, w, n)| (t.to_owned(), (w, n)))
    }
}

/// Whether two readings are of the same plate, to group the readings of frames when there is
/// no tracker: their weighted edit distance ([`plate_distance::distance`]) is at most 2 (two
/// characters misread, or the province misread and a look-alike). An empty reading is of no
/// plate.
pub fn same_plate(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && plate_distance::distance(a, b) <= SAME_PLATE_DISTANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confident(text: &str, p: f32) -> Vec<f32> {
        vec![p; text.chars().count()]
    }

    #[test]
    fn a_blurred_frame_is_outvoted_by_the_two_clear_ones() {
        let mut vote = PlateVote::new();
        vote.add("川AF058Y", &confident("川AF058Y", 0.9));
        // the 5 blurred into an S, read at 0.4
        vote.add("川AF0S8Y", &[0.9, 0.9, 0.9, 0.9, 0.4, 0.9, 0.9]);
        vote.add("川AF058Y", &confident("川AF058Y", 0.85));
        let v = vote.result().unwrap();
        assert_eq!(v.text, "川AF058Y");
        assert_eq!(v.frames, 3);
        assert_eq!(v.agreeing, 2);
        assert!(v.confidence > 0.9 && v.confidence < 1.0, "{v:?}");
    }

    #[test]
    fn a_frame_missing_a_character_is_outvoted() {
        let mut vote = PlateVote::new();
        vote.add("川AF058Y", &confident("川AF058Y", 0.8));
        // the most confident frame of all, but with the 8 lost
        vote.add("川AF05Y", &confident("川AF05Y", 0.95));
        vote.add("川AF058Y", &confident("川AF058Y", 0.7));
        let v = vote.result().unwrap();
        assert_eq!(v.text, "川AF058Y");
        assert_eq!(v.agreeing, 2);
        assert_eq!(v.confidence, 1.0);
    }

    #[test]
    fn characters_are_voted_position_by_position() {
        // no frame reads the whole plate right, the vote does
        let mut vote = PlateVote::new();
        vote.add("川AF0S8Y", &confident("川AF058Y", 0.8));
        vote.add("川AF058V", &confident("川AF058Y", 0.8));
        vote.add("州AF058Y", &confident("川AF058Y", 0.8));
        let v = vote.result().unwrap();
        assert_eq!(v.text, "川AF058Y");
        assert_eq!(v.agreeing, 0);
    }

    #[test]
    fn a_car_stopped_at_the_barrier_is_still_read_and_memory_stays_capped() {
        let mut vote = PlateVote::new();
        // 50 frames: a minute at the barrier, the first frames blurred as the car slowed
        for i in 0..50 {
            if i < 20 {
                vote.add("川AF0S8Y", &confident("川AF0S8Y", 0.3));
            } else {
                vote.add("川AF058Y", &confident("川AF058Y", 0.6 + 0.005 * i as f32));
            }
            assert!(vote.len() <= MAX_READINGS);
        }
        assert_eq!(vote.len(), MAX_READINGS);
        assert_eq!(vote.seen(), 50);
        let v = vote.result().unwrap();
        assert_eq!(v.text, "川AF058Y");
        assert_eq!(v.frames, MAX_READINGS);
        assert_eq!(v.agreeing, MAX_READINGS);
    }

    #[test]
    fn no_reading_no_result() {
        let mut vote = PlateVote::new();
        assert!(vote.is_empty());
        assert_eq!(vote.result(), None);
        vote.add("", &[]);
        assert!(vote.is_empty());
        assert_eq!(vote.result(), None);
    }

    #[test]
    fn an_invalid_vote_falls_back_to_the_best_valid_reading() {
        let mut vote = PlateVote::new();
        // two frames read an I, which plates never use; one frame read the 1
        vote.add("皖AH7I2X", &confident("皖AH7I2X", 0.6));
        vote.add("皖AH7I2X", &confident("皖AH7I2X", 0.6));
        vote.add("皖AH712X", &confident("皖AH712X", 0.9));
        let v = vote.result().unwrap();
        assert_eq!(v.text, "皖AH712X");
        assert_eq!(v.agreeing, 1);
        assert!((v.confidence - 0.9 / 2.1).abs() < 1e-6, "{v:?}");
        // nothing valid at all: the vote as it is
        let mut vote = PlateVote::new();
        vote.add("搬家公司", &confident("搬家公司", 0.9));
        assert_eq!(vote.result().unwrap().text, "搬家公司");
    }

    #[test]
    fn odd_confidences_do_not_break_the_vote() {
        let mut vote = PlateVote::new();
        vote.add("川AF058Y", &[]);
        vote.add("川AF058Y", &[f32::NAN, 2.0, -1.0]);
        let v = vote.result().unwrap();
        assert_eq!(v.text, "川AF058Y");
        assert_eq!(v.confidence, 1.0);
        assert_eq!(v.agreeing, 2);
    }

    #[test]
    fn readings_of_the_same_plate_are_grouped() {
        assert!(same_plate("川AF058Y", "川AF0S8Y"));
        assert!(same_plate("川AF058Y", "川AF05Y"));
        assert!(same_plate("川AF058Y", "皖AF058Y"));
        assert!(!same_plate("川AF058Y", "粤B6R678"));
        assert!(!same_plate("川AF058Y", "粤BD01366"));
        assert!(!same_plate("", ""));
    }
}
