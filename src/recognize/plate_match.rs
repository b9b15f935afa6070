//! Fuzzy search of plates in the gate log: a guard types part of a plate, perhaps with one
//! character wrong, and the readers themselves confuse 0/D/Q, 8/B, 2/Z, 5/S, 6/G and the
//! province character, so an exact substring search would miss the car.
//!
//! Two rules make a near match:
//!
//! - the query appears in the plate with one character different (any character, the
//!   province too: a guard who types the whole plate with the wrong province, 皖AF058Y for a
//!   logged 川AF058Y, still finds the car, shown as a near match after the exact ones);
//! - a query of [`WEIGHTED_MIN_CHARS`] characters or more (a whole plate, or nearly) is within
//!   [`WEIGHTED_MAX_DISTANCE`] of the plate by the weighted edit distance of
//!   [`plate_distance::distance`]: two look-alikes misread (川AFOS8Y for 川AF058Y), or one
//!   character missing or extra (川AF05Y), which the first rule misses.

use super::plate_distance;

/// The shortest query compared with the weighted edit distance: shorter ones are parts of a
/// plate, which only the substring rule fits.
pub const WEIGHTED_MIN_CHARS: usize = 6;

/// The largest weighted edit distance of a near match: one character wrong, missing or extra,
/// or two look-alikes (0/O/D/Q, 8/B, 2/Z, 5/S, 6/G, 1/I/L/7) confused.
pub const WEIGHTED_MAX_DISTANCE: f32 = 1.0;

/// How a plate matched a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlateMatch {
    /// The search text appears in the plate.
    Exact,
    /// The search text appears with one character different, or (a query of 6 characters or
    /// more) is within a weighted edit distance of 1 of the plate.
    Near,
}

/// Whether `plate` matches the search `query` (both already normalised: no separators, upper
/// case). Searches shorter than 4 characters only match exactly, or they would match too much.
/// [`PlateMatch`] orders exact matches before near ones.
pub fn plate_match(query: &str, plate: &str) -> Option<PlateMatch> {
    if query.is_empty() {
        return None;
    }
    if plate.contains(query) {
        return Some(PlateMatch::Exact);
    }
    let q: Vec<char> = query.chars().collect();
    if q.len() >= WEIGHTED_MIN_CHARS
        && plate_distance::distance(query, plate) <= WEIGHTED_MAX_DISTANCE
    {
        return Some(PlateMatch::Near);
    }
    let p: Vec<char> = plate.chars().collect();
    if q.len() < 4 || q.len() > p.len() {
        return None;
    }
    p.windows(q.len())
        .any(|w| w.iter().zip(&q).filter(|(a, b)| a != b).count() <= 1)
        .then_some(PlateMatch::Near)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_plate_search_finds_a_substring_exactly() {
        assert_eq!(plate_match("8H458", "川A8H458"), Some(PlateMatch::Exact));
        assert_eq!(plate_match("川A8H458", "川A8H458"), Some(PlateMatch::Exact));
    }

    #[test]
    fn fuzzy_plate_search_tolerates_one_wrong_character() {
        // province misread (皖 for 川) and 8/B confusion
        assert_eq!(plate_match("皖A8H458", "川A8H458"), Some(PlateMatch::Near));
        assert_eq!(plate_match("BH458", "川A8H458"), Some(PlateMatch::Near));
    }

    #[test]
    fn a_whole_plate_is_found_by_the_weighted_distance() {
        // the 5 read as an S: distance 0.5
        assert_eq!(plate_match("川AF058Y", "川AF0S8Y"), Some(PlateMatch::Near));
        assert_eq!(plate_match("川AF0S8Y", "川AF058Y"), Some(PlateMatch::Near));
        // two look-alikes (0/O, 5/S), which the one-wrong-character rule misses: distance 1
        assert_eq!(plate_match("川AFOS8Y", "川AF058Y"), Some(PlateMatch::Near));
        // one character lost or extra: distance 1
        assert_eq!(plate_match("川AF05Y", "川AF058Y"), Some(PlateMatch::Near));
        assert_eq!(plate_match("川AF0588Y", "川AF058Y"), Some(PlateMatch::Near));
        assert_eq!(
            plate_match("粤BDO1366", "粤BD01366"),
            Some(PlateMatch::Near)
        );
    }

    #[test]
    fn a_whole_plate_with_the_wrong_province_is_still_found() {
        // distance 1.5 (the province weighs more), but one wrong character: a guard who types
        // the plate with the wrong province still finds the car, as a near match
        assert_eq!(plate_distance::distance("川AF058Y", "皖AF058Y"), 1.5);
        assert_eq!(plate_match("川AF058Y", "皖AF058Y"), Some(PlateMatch::Near));
        // the wrong province and a look-alike: two different characters, distance 2
        assert_eq!(plate_match("川AF058Y", "皖AF0S8Y"), None);
    }

    #[test]
    fn the_weighted_distance_does_not_match_too_much() {
        // a look-alike and another wrong character: distance 1.5
        assert_eq!(plate_match("川AF058Y", "川AF0S8X"), None);
        // two characters lost
        assert_eq!(plate_match("粤BD136", "粤BD01366"), None);
        // queries of 5 characters or fewer stay substring searches: a character lost is not
        // forgiven, though SN697 is at distance 1 from the Hong Kong plate SN6497
        assert_eq!(plate_distance::distance("SN697", "SN6497"), 1.0);
        assert_eq!(plate_match("SN697", "SN6497"), None);
        assert_eq!(plate_match("川AF058Y", "粤B6R678"), None);
        assert!(PlateMatch::Exact < PlateMatch::Near);
    }

    #[test]
    fn fuzzy_plate_search_does_not_match_two_wrong_characters_or_short_queries() {
        assert_eq!(plate_match("BH45B", "川A8H458"), None);
        assert_eq!(plate_match("A9", "川A8H458"), None);
        assert_eq!(plate_match("", "川A8H458"), None);
    }
}
