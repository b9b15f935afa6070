//! Fuzzy search of plates in the gate log: a guard types part of a plate, perhaps with one
//! character wrong, and the readers themselves confuse 0/D/Q, 8/B, 2/Z, 5/S, 6/G and the
//! province character, so an exact substring search would miss the car.

/// How a plate matched a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlateMatch {
    /// The search text appears in the plate.
    Exact,
    /// The search text appears with one character different.
    Near,
}

/// Whether `plate` matches the search `query` (both already normalised: no separators, upper
/// case). Searches shorter than 4 characters only match exactly, or they would match too much.
pub fn plate_match(query: &str, plate: &str) -> Option<PlateMatch> {
    if query.is_empty() {
        return None;
    }
    if plate.contains(query) {
        return Some(PlateMatch::Exact);
    }
    let q: Vec<char> = query.chars().collect();
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
    fn fuzzy_plate_search_does_not_match_two_wrong_characters_or_short_queries() {
        assert_eq!(plate_match("BH45B", "川A8H458"), None);
        assert_eq!(plate_match("A9", "川A8H458"), None);
        assert_eq!(plate_match("", "川A8H458"), None);
    }
}
