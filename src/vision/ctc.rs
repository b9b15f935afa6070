//! CTC decoding for the text readers (plate reader, PP-OCR): the character set a model emits
//! and greedy decoding with a confidence for each character.
//!
//! Both readers put the CTC blank at class 0 and one character per class after it. The plate
//! reader's characters come from a dictionary file beside it; PP-OCR keeps its dictionary in the
//! model's metadata (key `character`) and emits a space as its last class.

use ndarray::ArrayView2;

/// The characters a reader emits; class 0 is the CTC blank.
#[derive(Debug, Clone, PartialEq)]
pub struct Charset {
    /// `symbols[k - 1]` is the text of class `k`.
    symbols: Vec<String>,
}

impl Charset {
    /// One character per line (CRLF or LF; a trailing empty line is ignored); `with_space`
    /// appends a space as the last class, as PP-OCR does.
    pub fn from_lines(text: &str, with_space: bool) -> Charset {
        let mut symbols: Vec<String> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
            .collect();
        if symbols.last().is_some_and(String::is_empty) {
            symbols.pop();
        }
        if with_space {
            symbols.push(" ".to_owned());
        }
        Charset { symbols }
    }

    /// Number of classes including the blank.
    pub fn classes(&self) -> usize {
        self.symbols.len() + 1
    }

    /// The text of a class; `None` for the blank and for classes outside the set.
    pub fn symbol(&self, class: usize) -> Option<&str> {
        class
            .checked_sub(1)
            .and_then(|k| self.symbols.get(k))
            .map(String::as_str)
    }
}

/// One decoded character and the model's confidence in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Char {
    pub text: String,
    /// Highest probability over the time steps that produced it.
    pub confidence: f32,
    /// The [`ALTERNATIVES`] most probable characters (blank excluded) at that most confident
    /// step, best first; the first is `text` itself. Plate rules repair a reading from these.
    pub alternatives: Vec<(String, f32)>,
}

/// How many alternatives each decoded character keeps.
pub const ALTERNATIVES: usize = 5;

/// A decoded line of text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub chars: Vec<Char>,
}

impl Reading {
    /// The text, characters joined.
    pub fn text(&self) -> String {
        self.chars.iter().map(|c| c.text.as_str()).collect()
    }

    /// The weakest character's confidence (0 for an empty reading): a reading is only as
    /// sure as its least sure character.
    pub fn min_confidence(&self) -> f32 {
        self.chars
            .iter()
            .map(|c| c.confidence)
            .reduce(f32::min)
            .unwrap_or(0.0)
    }
}

/// Greedy CTC decoding of `[steps, classes]` probabilities: the best class per step, repeats
/// merged, blanks dropped. A class outside the charset is treated as a blank.
pub fn greedy_decode(probs: ArrayView2<'_, f32>, charset: &Charset) -> Reading {
    let mut chars: Vec<Char> = Vec::new();
    // the step each character was most confident at
    let mut best_step: Vec<usize> = Vec::new();
    let mut previous = 0usize;
    for (t, step) in probs.outer_iter().enumerate() {
        let (class, p) =
            step.iter()
                .copied()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, cur| {
                    if cur.1 > best.1 { cur } else { best }
                });
        match charset.symbol(class) {
            Some(text) if class != previous => {
                chars.push(Char {
                    text: text.to_owned(),
                    confidence: p,
                    alternatives: Vec::new(),
                });
                best_step.push(t);
            }
            Some(_) => {
                if let (Some(last), Some(at)) = (chars.last_mut(), best_step.last_mut())
                    && p > last.confidence
                {
                    last.confidence = p;
                    *at = t;
                }
            }
            None => {}
        }
        previous = class;
    }
    for (c, &t) in chars.iter_mut().zip(&best_step) {
        let row = probs.row(t);
        let mut ranked: Vec<(usize, f32)> = row
            .iter()
            .copied()
            .enumerate()
            .skip(1)
            .filter(|(_, p)| p.is_finite())
            .collect();
        // the top few of thousands of classes (PP-OCR has 6,625): select, then sort those
        let by_probability = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1);
        if ranked.len() > ALTERNATIVES {
            ranked.select_nth_unstable_by(ALTERNATIVES - 1, by_probability);
            ranked.truncate(ALTERNATIVES);
        }
        ranked.sort_by(by_probability);
        c.alternatives = ranked
            .into_iter()
            .take(ALTERNATIVES)
            .filter_map(|(k, p)| charset.symbol(k).map(|s| (s.to_owned(), p)))
            .collect();
    }
    Reading { chars }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn charset() -> Charset {
        Charset::from_lines("0\r\n1\r\nA\r\n川\r\n", false)
    }

    /// One step per entry: (class, probability); the rest of the mass on the blank.
    fn steps(seq: &[(usize, f32)]) -> Array2<f32> {
        let mut a = Array2::<f32>::zeros((seq.len(), 5));
        for (t, &(class, p)) in seq.iter().enumerate() {
            a[[t, class]] = p;
            if class != 0 {
                a[[t, 0]] = 1.0 - p;
            }
        }
        a
    }

    #[test]
    fn crlf_dictionary_lines_are_stripped() {
        let c = charset();
        assert_eq!(c.classes(), 5);
        assert_eq!(c.symbol(0), None);
        assert_eq!(c.symbol(4), Some("川"));
        assert_eq!(c.symbol(5), None);
    }

    #[test]
    fn repeats_merge_unless_a_blank_separates_them() {
        // 川 川 blank A blank A 1 1 → 川AA1
        let p = steps(&[
            (4, 0.9),
            (4, 0.95),
            (0, 1.0),
            (3, 0.8),
            (0, 1.0),
            (3, 0.7),
            (2, 0.6),
            (2, 0.99),
        ]);
        let r = greedy_decode(p.view(), &charset());
        assert_eq!(r.text(), "川AA1");
        assert_eq!(r.chars[0].confidence, 0.95);
        assert_eq!(r.chars[3].confidence, 0.99);
        assert!((r.min_confidence() - 0.7).abs() < 1e-6);
    }

    #[test]
    fn all_blank_is_empty_with_zero_confidence() {
        let r = greedy_decode(steps(&[(0, 1.0), (0, 1.0)]).view(), &charset());
        assert_eq!(r.text(), "");
        assert_eq!(r.min_confidence(), 0.0);
    }

    #[test]
    fn space_class_is_appended_last() {
        let c = Charset::from_lines("a\nb", true);
        assert_eq!(c.symbol(3), Some(" "));
        assert_eq!(c.classes(), 4);
    }
}
