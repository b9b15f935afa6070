//! Normalising the plate numbers people type (京A·12345, 粤b d12345, 川Ａ８Ｈ４５８) into the one
//! form the recogniser reads (京A12345), with a loose check of their shape. A full plate grammar
//! (per plate type and colour) belongs to the recogniser's plate rules and comes later.

use crate::domain::clean_plate;

/// The 31 province-level abbreviations that start a mainland civil plate.
pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Characters that may end a plate: police, driving school, Hong Kong, Macau, trailer, consulate,
/// test, over-size, embassy.
pub const SUFFIXES: &str = "警学港澳挂领试超使";

/// Normalises a typed plate number and checks its shape loosely.
///
/// Removes spaces and separators (`·`, `-`, `.`), turns full-width letters and digits into
/// plain ones and uppercases letters. The result must be 6–8 characters (9 for an armed-police
/// `WJ` plate) and start with a province character (粤B6R678), `使` (embassy), `WJ` (armed
/// police) or two letters and five digits (army, VA30093); after the first two characters only
/// digits, letters other than I and O, and one final mark from [`SUFFIXES`] (鄂F8888警) are
/// allowed. The error says in plain words what is wrong.
pub fn normalise_plate(raw: &str) -> Result<String, String> {
    let plate = clean_plate(raw);
    if plate.is_empty() {
        return Err("write the plate number, e.g. 粤B6R678 (车牌号)".to_owned());
    }
    let chars: Vec<char> = plate.chars().collect();
    let armed_police = plate.starts_with("WJ");
    let army = chars.len() == 7
        && chars[..2].iter().all(char::is_ascii_uppercase)
        && chars[2..].iter().all(char::is_ascii_digit);
    let max = if armed_police { 9 } else { 8 };
    if !(6..=max).contains(&chars.len()) {
        return Err(format!(
            "a plate has 7 or 8 characters (e.g. 粤B6R678, 粤BD01366); this one has {}",
            chars.len()
        ));
    }
    if !(armed_police || army || PROVINCES.contains(chars[0]) || chars[0] == '使') {
        return Err(if chars[0].is_ascii_alphanumeric() {
            "a plate starts with its province character, e.g. 粤B6R678; for a Hong Kong or \
             Macau car write its mainland plate (粤Z…港)"
                .to_owned()
        } else {
            format!(
                "\"{}\" is not a province character; a plate starts with one of {PROVINCES}, \
                 or with 使 or WJ",
                chars[0]
            )
        });
    }
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate().skip(1) {
        if i == 2 && armed_police && PROVINCES.contains(c) {
            continue; // WJ粤12345
        }
        if i == last && SUFFIXES.contains(c) {
            continue;
        }
        if c.is_ascii_digit() || c.is_ascii_uppercase() {
            if i >= 2 && (c == 'I' || c == 'O') {
                let digit = if c == 'I' { '1' } else { '0' };
                return Err(format!(
                    "Chinese plates never use the letter {c} after the first two characters; \
                     it is probably the digit {digit}"
                ));
            }
            continue;
        }
        return Err(format!(
            "\"{c}\" cannot be in a plate; after the province character only letters, digits \
             and a final {SUFFIXES} are allowed"
        ));
    }
    Ok(plate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_spaces_and_case_are_normalised() {
        assert_eq!(normalise_plate("川A·8H458").unwrap(), "川A8H458");
        assert_eq!(normalise_plate(" 粤b d01366 ").unwrap(), "粤BD01366");
        assert_eq!(normalise_plate("皖A-G2R28").unwrap(), "皖AG2R28");
        assert_eq!(normalise_plate("粤Ｂ６Ｒ６７８").unwrap(), "粤B6R678");
    }

    #[test]
    fn special_prefixes_and_suffixes_are_accepted() {
        for p in [
            "鄂F8888警",
            "粤ZR066港",
            "使198476",
            "沪A1707领",
            "琼A6716学",
            "WJ1693015",
            "VA30093",
            "黑AD03210",
            "京EA5331",
        ] {
            assert_eq!(normalise_plate(p).as_deref(), Ok(p), "{p}");
        }
    }

    #[test]
    fn bad_plates_say_why() {
        let e = |p: &str| normalise_plate(p).unwrap_err();
        assert!(e("").contains("write the plate"));
        assert!(e("粤B12").contains("has 4"));
        assert!(e("粤B123456789").contains("has 11"));
        assert!(e("SN6497").contains("starts with its province"));
        assert!(e("甲B12345").contains("not a province character"));
        assert!(e("粤BO1234").contains("digit 0"));
        assert!(e("粤B1I234").contains("digit 1"));
        assert!(e("粤B12警45").contains("cannot be in a plate"));
    }

    #[test]
    fn i_and_o_are_allowed_in_the_first_two_characters() {
        // the issuing-office letter is never I or O in practice, but the loose check only
        // looks from the third character on
        assert!(normalise_plate("粤O12345").is_ok());
    }
}
