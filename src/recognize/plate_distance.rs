//! A weighted edit distance between plate texts, for matching what was read against what is
//! known: the fuzzy search of the gate log and the vote that tells whether two readings are of
//! the same plate. Look-alikes the readers confuse cost half; the province costs more.

use crate::domain::plate::PROVINCES;

/// Characters the readers and people confuse; a substitution within a group costs half.
const LOOK_ALIKE_GROUPS: &[&str] = &["0ODQ", "8B", "2Z", "5S", "6G", "1IL7"];

fn substitution_cost(a: char, b: char) -> f32 {
    if a == b {
        0.0
    } else if PROVINCES.contains(a) || PROVINCES.contains(b) {
        1.5
    } else if LOOK_ALIKE_GROUPS
        .iter()
        .any(|g| g.contains(a) && g.contains(b))
    {
        0.5
    } else {
        1.0
    }
}

/// A weighted edit distance between two clean plate texts, for the fuzzy search of the log.
///
/// Inserting or deleting a character costs 1; substituting look-alikes (0/O/D/Q, 8/B, 2/Z,
/// 5/S, 6/G, 1/I/L/7) costs 0.5, a province character for anything else 1.5 (the province is
/// a strong key: 川AF058Y and 皖AF058Y are different cars), any other substitution 1. So
/// 川AF058Y is 0.5 from 川AF0S8Y, and 1.5 from 皖AF058Y.
pub fn distance(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<f32> = (0..=b.len()).map(|j| j as f32).collect();
    let mut current = vec![0.0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = (i + 1) as f32;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + substitution_cost(ca, cb);
            let delete = previous[j + 1] + 1.0;
            let insert = current[j] + 1.0;
            current[j + 1] = substitute.min(delete).min(insert);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_weighs_look_alikes_and_the_province() {
        assert!(distance("川AF058Y", "川AF0S8Y") <= 1.0);
        assert_eq!(distance("川AF058Y", "川AF0S8Y"), 0.5);
        assert_eq!(distance("川AF058Y", "皖AF058Y"), 1.5);
        assert_eq!(distance("川AF058Y", "川AF058Y"), 0.0);
        assert_eq!(distance("川AF058Y", "川AF058"), 1.0);
        assert_eq!(distance("", "川AF058Y"), 7.0);
        assert_eq!(distance("川AF058Y", "川AF058X"), 1.0);
        assert_eq!(distance("粤BD01366", "粤BDO1366"), 0.5);
        assert!(distance("川AF058Y", "粤BD01366") >= 5.0);
        assert!(distance("川A8H458", "WJ1693015") >= 7.0);
    }
}
