//! The grammar of Chinese licence plates: provinces, suffixes, kinds; parsing, repairing and
//! formatting a plate. One place that the importer, the plate reader and the desk all check with.
//!
//! Two checks, for two sources:
//! - [`normalise_plate`] checks a plate a person typed (the importer, the desk, the records
//!   pages). It is loose on purpose: it accepts plates of series the grammar below does not
//!   know yet, and asks for the mainland plate of a Hong Kong or Macau car.
//! - [`parse`] and [`repair`] are the strict grammar the plate reader's readings must fit, one
//!   shape per kind of plate.
//!
//! Both work on clean texts ([`clean_plate`]): no separators, half-width, upper case. The
//! shapes, without separator:
//!
//! | kind | shape | example |
//! |---|---|---|
//! | ordinary (blue, yellow, old black) | province, letter, 5 digits/letters | 川A8H458 |
//! | small new energy | province, letter, A–K (D/F first), digit/letter, 4 digits | 粤BD01366 |
//! | large new energy | province, letter, 5 digits, D/F | 青A00109D |
//! | police, coach, trailer, HK/Macau, consulate, test, over-size | province, letter, 4 digits/letters, 警学挂港澳领试超 | 鄂F8888警 |
//! | embassy | 使, 6 digits | 使198476 |
//! | armed police | WJ, 2 digits, 5 digits; WJ, province, 5; WJ, 5 | WJ1693015, WJ粤12345 |
//! | military (2012) | 2 letters, 5 digits | VA30093 |
//! | agricultural machinery | province, 7 digits | 皖1946673 |
//! | Hong Kong registration | 1–2 letters (no I, O, Q), 1–4 digits not starting with 0 | SN6497 |
//!
//! "Letter" is A–Z without I and O, which plates never use.

/// The 31 province-level abbreviations that start a mainland civil plate.
pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Characters that may end a plate: police, driving school, Hong Kong, Macau, trailer, consulate,
/// test, over-size, embassy.
pub const SUFFIXES: &str = "警学港澳挂领试超使";

/// Separators people type or print between the parts of a plate (京A·12345, 粤B-D12345).
const PLATE_SEPARATORS: &[char] = &['·', '•', '・', '‧', '.', '-', '_'];

/// A plate as stored and looked up: full-width characters made plain, spaces and separators
/// dropped, letters in upper case (京A·12345 → 京A12345, 粤ｂ d-12345 → 粤BD12345). It does not
/// check the plate's shape; the importer and the plate reader do.
pub fn clean_plate(raw: &str) -> String {
    to_halfwidth(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && !PLATE_SEPARATORS.contains(c))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Full-width ASCII forms (Ａ, １, ，) and the ideographic space, as Chinese input methods type
/// them, turned into their plain forms.
pub fn to_halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Whether a character can appear on a plate: digits, capital letters, the province
/// characters, the suffixes, 使.
pub fn plate_char(c: char) -> bool {
    c.is_ascii_digit()
        || c.is_ascii_uppercase()
        || PROVINCES.contains(c)
        || SUFFIXES.contains(c)
        || c == '使'
}

/// Why a typed plate is not accepted by [`normalise_plate`], in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    /// Nothing but spaces and separators.
    #[error("write the plate number, e.g. 粤B6R678 (车牌号)")]
    Empty,
    /// Too short or too long; the count of characters after cleaning.
    #[error("a plate has 7 or 8 characters (e.g. 粤B6R678, 粤BD01366); this one has {0}")]
    Length(usize),
    /// Starts with a letter or digit where the province character goes (SN6497).
    #[error(
        "a plate starts with its province character, e.g. 粤B6R678; for a Hong Kong or Macau \
         car write its mainland plate (粤Z…港)"
    )]
    NoProvince,
    /// Starts with a character that is no province (甲B12345).
    #[error(
        "\"{0}\" is not a province character; a plate starts with one of {provinces}, or with \
         使 or WJ",
        provinces = PROVINCES
    )]
    NotProvince(char),
    /// The letter I or O after the first two characters, where plates have the digit.
    #[error(
        "Chinese plates never use the letter {letter} after the first two characters; it is \
         probably the digit {digit}"
    )]
    LetterForDigit { letter: char, digit: char },
    /// A character no plate holds there (粤B12警45).
    #[error(
        "\"{0}\" cannot be in a plate; after the province character only letters, digits and a \
         final {suffixes} are allowed",
        suffixes = SUFFIXES
    )]
    NotPlateChar(char),
}

/// Normalises a typed plate number and checks its shape loosely.
///
/// Removes spaces and separators (`·`, `-`, `.`), turns full-width letters and digits into
/// plain ones and uppercases letters ([`clean_plate`]). The result must be 6–8 characters (9
/// for an armed-police `WJ` plate) and start with a province character (粤B6R678), `使`
/// (embassy), `WJ` (armed police) or two letters and five digits (army, VA30093); after the
/// first two characters only digits, letters other than I and O, and one final mark from
/// [`SUFFIXES`] (鄂F8888警) are allowed. The error says in plain words what is wrong.
pub fn normalise_plate(raw: &str) -> Result<String, PlateError> {
    let plate = clean_plate(raw);
    if plate.is_empty() {
        return Err(PlateError::Empty);
    }
    let chars: Vec<char> = plate.chars().collect();
    let armed_police = plate.starts_with("WJ");
    let army = chars.len() == 7
        && chars[..2].iter().all(char::is_ascii_uppercase)
        && chars[2..].iter().all(char::is_ascii_digit);
    let max = if armed_police { 9 } else { 8 };
    if !(6..=max).contains(&chars.len()) {
        return Err(PlateError::Length(chars.len()));
    }
    if !(armed_police || army || PROVINCES.contains(chars[0]) || chars[0] == '使') {
        return Err(if chars[0].is_ascii_alphanumeric() {
            PlateError::NoProvince
        } else {
            PlateError::NotProvince(chars[0])
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
                return Err(PlateError::LetterForDigit { letter: c, digit });
            }
            continue;
        }
        return Err(PlateError::NotPlateChar(c));
    }
    Ok(plate)
}

/// The kind of a plate, as its shape tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlateKind {
    /// Province, letter and five characters: blue, yellow and the old black plates.
    Ordinary,
    /// Small new-energy vehicle: province, letter, then six characters starting with D, F (or
    /// A–K in newer series).
    NewEnergySmall,
    /// Large new-energy vehicle: province, letter, five digits and D or F.
    NewEnergyLarge,
    /// 警
    Police,
    /// 学, driving-school car.
    Coach,
    /// 挂
    Trailer,
    /// 港 or 澳, a Hong Kong or Macau car's mainland plate (粤Z…港).
    HongKongMacau,
    /// 领
    Consulate,
    /// 使 and six digits.
    Embassy,
    /// WJ
    ArmedPolice,
    /// Two letters and five digits (2012 type).
    Military,
    /// Agricultural machinery (农机): province and seven digits.
    Agricultural,
    /// A Hong Kong registration (SN6497), not a mainland plate.
    HongKong,
    /// 试
    Test,
    /// 超
    Oversize,
}

impl PlateKind {
    /// The Chinese name shown to guards.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Ordinary => "普通",
            Self::NewEnergySmall => "小型新能源",
            Self::NewEnergyLarge => "大型新能源",
            Self::Police => "警用",
            Self::Coach => "教练",
            Self::Trailer => "挂车",
            Self::HongKongMacau => "港澳",
            Self::Consulate => "领馆",
            Self::Embassy => "使馆",
            Self::ArmedPolice => "武警",
            Self::Military => "军用",
            Self::Agricultural => "农机",
            Self::HongKong => "香港",
            Self::Test => "试验",
            Self::Oversize => "超限",
        }
    }

    /// Whether it is a mainland plate (everything but a Hong Kong registration).
    pub fn is_mainland(self) -> bool {
        self != Self::HongKong
    }
}

/// The kind a final mark gives a plate (鄂F8888警).
fn mark_kind(c: char) -> Option<PlateKind> {
    Some(match c {
        '警' => PlateKind::Police,
        '学' => PlateKind::Coach,
        '挂' => PlateKind::Trailer,
        '港' | '澳' => PlateKind::HongKongMacau,
        '领' => PlateKind::Consulate,
        '试' => PlateKind::Test,
        '超' => PlateKind::Oversize,
        _ => return None,
    })
}

/// What one position of a plate may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// One of the 31 province characters.
    Province,
    /// A–Z without I and O: the issuing-office letter, the letters of a military plate.
    Letter,
    /// A digit or a letter (without I and O).
    Serial,
    Digit,
    NonZeroDigit,
    /// The new-energy letter of a small plate: A–K without I.
    NewEnergySmall,
    /// The new-energy letter of a large plate: D or F.
    NewEnergyLarge,
    /// A final mark: 警学挂港澳领试超.
    Mark,
    /// A Hong Kong letter: A–Z without I, O and Q.
    HongKongLetter,
    /// Exactly this character (使, W, J).
    Is(char),
}

impl Slot {
    fn allows(self, c: char) -> bool {
        match self {
            Slot::Province => PROVINCES.contains(c),
            Slot::Letter => c.is_ascii_uppercase() && c != 'I' && c != 'O',
            Slot::Serial => c.is_ascii_digit() || Slot::Letter.allows(c),
            Slot::Digit => c.is_ascii_digit(),
            Slot::NonZeroDigit => matches!(c, '1'..='9'),
            Slot::NewEnergySmall => "ABCDEFGHJK".contains(c),
            Slot::NewEnergyLarge => matches!(c, 'D' | 'F'),
            Slot::Mark => mark_kind(c).is_some(),
            Slot::HongKongLetter => Slot::Letter.allows(c) && c != 'Q',
            Slot::Is(x) => c == x,
        }
    }
}

/// A plate shape: the kind (`None`: given by the final mark) and what each position holds.
struct Template {
    kind: Option<PlateKind>,
    slots: &'static [Slot],
}

const PR: Slot = Slot::Province;
const LE: Slot = Slot::Letter;
const SE: Slot = Slot::Serial;
const DI: Slot = Slot::Digit;
const NZ: Slot = Slot::NonZeroDigit;
const HK: Slot = Slot::HongKongLetter;
const W: Slot = Slot::Is('W');
const J: Slot = Slot::Is('J');

/// Every plate shape. Shapes of the same length never accept the same text, except WJ12345
/// (armed police or military), which the earlier (armed police) takes.
const TEMPLATES: &[Template] = &[
    Template {
        kind: Some(PlateKind::Ordinary),
        slots: &[PR, LE, SE, SE, SE, SE, SE],
    },
    Template {
        kind: None,
        slots: &[PR, LE, SE, SE, SE, SE, Slot::Mark],
    },
    Template {
        kind: Some(PlateKind::NewEnergySmall),
        slots: &[PR, LE, Slot::NewEnergySmall, SE, DI, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::NewEnergyLarge),
        slots: &[PR, LE, DI, DI, DI, DI, DI, Slot::NewEnergyLarge],
    },
    Template {
        kind: Some(PlateKind::Agricultural),
        slots: &[PR, DI, DI, DI, DI, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::Embassy),
        slots: &[Slot::Is('使'), DI, DI, DI, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::ArmedPolice),
        slots: &[W, J, DI, DI, DI, DI, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::ArmedPolice),
        slots: &[W, J, PR, SE, SE, SE, SE, SE],
    },
    Template {
        kind: Some(PlateKind::ArmedPolice),
        slots: &[W, J, SE, SE, SE, SE, SE],
    },
    Template {
        kind: Some(PlateKind::Military),
        slots: &[LE, LE, DI, DI, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, HK, NZ, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, HK, NZ, DI, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, HK, NZ, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, HK, NZ],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, NZ, DI, DI, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, NZ, DI, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, NZ, DI],
    },
    Template {
        kind: Some(PlateKind::HongKong),
        slots: &[HK, NZ],
    },
];

impl Template {
    fn accepts(&self, chars: &[char]) -> bool {
        chars.len() == self.slots.len() && self.slots.iter().zip(chars).all(|(s, &c)| s.allows(c))
    }

    fn kind_of(&self, chars: &[char]) -> Option<PlateKind> {
        self.kind
            .or_else(|| chars.last().copied().and_then(mark_kind))
    }
}

/// The kind of a clean plate text (川A8H458), or `None` when it is not a valid plate.
pub fn parse(text: &str) -> Option<PlateKind> {
    let chars: Vec<char> = text.chars().collect();
    TEMPLATES
        .iter()
        .find(|t| t.accepts(&chars))
        .and_then(|t| t.kind_of(&chars))
}

/// The display form of a clean plate text, with a middle dot where the plate has its gap.
///
/// - province plates: after the province and letter: 川A·F058Y, 粤B·D01366, 鄂F·8888警;
/// - agricultural: after the province and the two-digit district: 皖19·46673;
/// - embassy: between the embassy's three digits and the car's, as printed: 使198·476;
/// - armed police: after WJ and the province or the two-digit code: WJ粤·12345,
///   WJ16·93015, WJ·12345;
/// - military: after the two letters: VA·30093.
///
/// Hong Kong registrations (SN6497) and texts that are not a plate come back unchanged, so a
/// text already formatted stays as it is.
pub fn format(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let split = match parse(text) {
        None | Some(PlateKind::HongKong) => return text.to_owned(),
        Some(PlateKind::Agricultural) => 3,
        Some(PlateKind::Embassy) => 4,
        Some(PlateKind::ArmedPolice) => match chars.len() {
            9 => 4,
            8 => 3,
            _ => 2,
        },
        Some(_) => 2,
    };
    let mut out: String = chars[..split].iter().collect();
    out.push('·');
    out.extend(&chars[split..]);
    out
}

/// How much a look-alike repair (0 read where a letter must be: D) keeps of the probability
/// of the character read.
const LOOK_ALIKE_FACTOR: f32 = 0.5;

/// The smallest probability counted, so that a zero does not make the score infinite.
const MIN_PROBABILITY: f32 = 1e-9;

/// Why a character of a repaired plate differs from the best one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeReason {
    /// A lower-ranked alternative of the reader was taken, the best one not being allowed.
    Alternative,
    /// A character read was replaced by its look-alike (0→D, O→0, I→1, 8→B …).
    LookAlike,
    /// A character the plate's shape fixes was not read at all and is put in: the J of an
    /// armed-police plate's WJ (see [`INFERRED_FACTOR`]).
    Inserted,
}

/// How much of the W's probability an inserted J of an armed-police plate gets. On the old
/// WJ plates the J is red and narrow beside the W, and both readers merge it into the W
/// (fixture cn-dev-38: `W1693015`, 8 characters, no valid plate). No plate but an
/// armed-police one starts with W followed by a digit, so the J is certain from the shape;
/// halving the W's probability marks it as not read.
pub const INFERRED_FACTOR: f32 = 0.5;

/// One character changed by [`repair`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The position in the plate, in characters from 0.
    pub position: usize,
    /// The best character read there; `None` for a character not read at all.
    pub from: Option<char>,
    /// The character of the repaired plate.
    pub to: char,
    pub reason: ChangeReason,
}

/// A plate formed from a reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired {
    /// The clean plate text (川AF058Y).
    pub text: String,
    pub kind: PlateKind,
    /// The probability of each character: the reader's, halved for a look-alike repair.
    pub confidences: Vec<f32>,
    /// The smallest of `confidences`: the plate is as sure as its weakest character.
    pub confidence: f32,
    /// The characters that differ from the best ones read, in order.
    pub changes: Vec<Change>,
}

/// The look-alike that can stand for `c` in `slot`, if any. Only the fixed pairs 0/O/D/Q,
/// I/L→1, 8/B, 2/Z, 5/S, 6/G; a 1 where a letter must be is left alone (there is no I, and L
/// or T would be a guess).
fn look_alike(c: char, slot: Slot) -> Option<char> {
    let options: &[char] = match c {
        'O' => &['0', 'D', 'Q'],
        '0' => &['D', 'Q'],
        'Q' => &['0', 'D'],
        'D' => &['0'],
        'I' | 'L' => &['1'],
        '8' => &['B'],
        'B' => &['8'],
        '2' => &['Z'],
        'Z' => &['2'],
        '5' => &['S'],
        'S' => &['5'],
        '6' => &['G'],
        'G' => &['6'],
        _ => &[],
    };
    options.iter().copied().find(|&o| slot.allows(o))
}

/// A probability as a number in 0..=1 (NaN counts as 0).
fn probability(p: f32) -> f32 {
    if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The character chosen for one position: its probability and why it is not the best read.
struct Pick {
    c: char,
    p: f32,
    reason: Option<ChangeReason>,
}

/// The most probable character `slot` allows among the alternatives and their look-alikes.
fn pick(slot: Slot, alternatives: &[(char, f32)]) -> Option<Pick> {
    let mut best: Option<Pick> = None;
    for (rank, &(c, p)) in alternatives.iter().enumerate() {
        let p = probability(p);
        let option = if slot.allows(c) {
            Some(Pick {
                c,
                p,
                reason: (rank > 0).then_some(ChangeReason::Alternative),
            })
        } else {
            look_alike(c, slot).map(|to| Pick {
                c: to,
                p: p * LOOK_ALIKE_FACTOR,
                reason: Some(ChangeReason::LookAlike),
            })
        };
        if let Some(option) = option
            && best.as_ref().is_none_or(|b| option.p > b.p)
        {
            best = Some(option);
        }
    }
    best
}

/// The most probable valid plate that a reading can form, or `None` if none can.
///
/// `candidates` has one list per position of the reading: the (character, probability)
/// alternatives there, best first (the top-k of the CTC softmax, k ≤ 5). For every plate shape
/// of that length, each position takes the most probable character the shape allows there:
/// one of the alternatives, or the look-alike of one (0→D where a letter must be, O→0 and
/// I→1 after the letter, B→8 where a digit must be …) at half its probability. The look-alike
/// of the best character can beat a weak allowed alternative: a peaked softmax puts noise in
/// the other places. The shape with the highest sum of log-probabilities wins (the earlier on
/// a tie). The length is changed in one case only: a reading that forms no plate and starts
/// with a W then a digit is read as an armed-police plate whose J was lost (see
/// [`INFERRED_FACTOR`]). Otherwise a reading with a character missing or extra is not
/// repaired.
pub fn repair(candidates: &[Vec<(char, f32)>]) -> Option<Repaired> {
    repair_same_length(candidates).or_else(|| armed_police_without_j(candidates))
}

/// [`repair`] for the case of a WJ plate whose J was not read: a J is put in after the W and
/// the reading must then form an armed-police plate.
fn armed_police_without_j(candidates: &[Vec<(char, f32)>]) -> Option<Repaired> {
    let w = candidates
        .first()?
        .iter()
        .find(|(c, _)| *c == 'W')
        .map(|&(_, p)| probability(p))?;
    let next = candidates.get(1)?.first()?.0;
    if !next.is_ascii_digit() {
        return None;
    }
    let mut with_j = candidates.to_vec();
    with_j.insert(1, vec![('J', w * INFERRED_FACTOR)]);
    let mut r = repair_same_length(&with_j).filter(|r| r.kind == PlateKind::ArmedPolice)?;
    // positions count in `with_j`, the plate as repaired
    r.changes.push(Change {
        position: 1,
        from: None,
        to: 'J',
        reason: ChangeReason::Inserted,
    });
    r.changes.sort_by_key(|c| c.position);
    Some(r)
}

/// [`repair`] without changing the reading's length.
fn repair_same_length(candidates: &[Vec<(char, f32)>]) -> Option<Repaired> {
    let mut best: Option<(f32, Vec<Pick>)> = None;
    for template in TEMPLATES
        .iter()
        .filter(|t| t.slots.len() == candidates.len())
    {
        let Some(picks) = template
            .slots
            .iter()
            .zip(candidates)
            .map(|(&slot, alternatives)| pick(slot, alternatives))
            .collect::<Option<Vec<Pick>>>()
        else {
            continue;
        };
        let score: f32 = picks.iter().map(|p| p.p.max(MIN_PROBABILITY).ln()).sum();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, picks));
        }
    }
    let (_, picks) = best?;
    let text: String = picks.iter().map(|p| p.c).collect();
    let kind = parse(&text)?;
    let confidences: Vec<f32> = picks.iter().map(|p| p.p).collect();
    let confidence = confidences.iter().copied().fold(1.0, f32::min);
    let changes = picks
        .iter()
        .zip(candidates)
        .enumerate()
        .filter_map(|(position, (p, alternatives))| {
            let from = alternatives.first()?.0;
            Some(Change {
                position,
                from: Some(from),
                to: p.c,
                reason: p.reason?,
            })
            .filter(|c| c.from != Some(c.to))
        })
        .collect();
    Some(Repaired {
        text,
        kind,
        confidences,
        confidence,
        changes,
    })
}

/// [`repair`] for a plain text (a single reading, or typed): the text is cleaned
/// ([`clean_plate`]) and every character has probability 1, so only look-alikes repair it
/// (皖AH7I2X → 皖AH712X). Positions in the changes count in the cleaned text.
pub fn repair_text(text: &str) -> Option<Repaired> {
    let candidates: Vec<Vec<(char, f32)>> =
        clean_plate(text).chars().map(|c| vec![(c, 1.0)]).collect();
    repair(&candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_are_cleaned_of_separators_spaces_and_full_width_forms() {
        assert_eq!(clean_plate("京A·12345"), "京A12345");
        assert_eq!(clean_plate(" 粤b d-12345 "), "粤BD12345");
        assert_eq!(clean_plate("川Ａ８Ｈ４５８"), "川A8H458");
    }

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
        let e = |p: &str| normalise_plate(p).unwrap_err().to_string();
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

    #[test]
    fn the_typed_check_and_the_grammar_know_the_same_final_marks() {
        for c in SUFFIXES.chars().filter(|&c| c != '使') {
            assert!(mark_kind(c).is_some(), "{c}");
        }
        for c in "警学挂港澳领试超".chars() {
            assert!(SUFFIXES.contains(c), "{c}");
            assert!(plate_char(c), "{c}");
        }
    }

    #[test]
    fn labelled_plates_parse_to_their_kind() {
        use PlateKind::*;
        for (plate, kind) in [
            ("川A8H458", Ordinary),
            ("皖AH712X", Ordinary),
            ("鲁L88888", Ordinary),
            ("京EA5331", Ordinary),
            ("渝D00796", Ordinary),
            ("粤BD01366", NewEnergySmall),
            ("黑AD03210", NewEnergySmall),
            ("沪AF71017", NewEnergySmall),
            ("青A00109D", NewEnergyLarge),
            ("鄂F8888警", Police),
            ("琼A6716学", Coach),
            ("粤B1234挂", Trailer),
            ("粤ZR066港", HongKongMacau),
            ("粤Z1234澳", HongKongMacau),
            ("沪A1707领", Consulate),
            ("京A1234试", Test),
            ("京A1234超", Oversize),
            ("使198476", Embassy),
            ("使224424", Embassy),
            ("WJ1693015", ArmedPolice),
            ("WJ粤12345", ArmedPolice),
            ("WJ12345", ArmedPolice),
            ("VA30093", Military),
            ("GA13189", Military),
            ("皖1946673", Agricultural),
            ("SN6497", HongKong),
            ("LX8170", HongKong),
            ("UW6532", HongKong),
        ] {
            assert_eq!(parse(plate), Some(kind), "{plate}");
        }
        assert!(!HongKong.is_mainland());
        assert!(Ordinary.is_mainland());
    }

    #[test]
    fn what_is_not_a_plate_is_rejected() {
        for text in [
            "川AI8H45",
            "川AO8H45",
            "川I8H458",
            "ABCDEFG",
            "川A8H45",
            "川A8H4588",
            "",
            "20261128",
            "2026年11月",
            "搬家公司",
            "甲A8H458",
            "粤B12警45",
            "AB0123",
            "使19847",
            "粤BD0136X",
            "青A00109X",
            "川A·8H458",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn plates_are_formatted_with_the_dot_where_the_plate_has_its_gap() {
        for (plate, shown) in [
            ("川AF058Y", "川A·F058Y"),
            ("粤BD01366", "粤B·D01366"),
            ("青A00109D", "青A·00109D"),
            ("鄂F8888警", "鄂F·8888警"),
            ("粤ZR066港", "粤Z·R066港"),
            ("皖1946673", "皖19·46673"),
            ("使198476", "使198·476"),
            ("WJ粤12345", "WJ粤·12345"),
            ("WJ1693015", "WJ16·93015"),
            ("WJ12345", "WJ·12345"),
            ("VA30093", "VA·30093"),
            ("SN6497", "SN6497"),
            ("搬家公司", "搬家公司"),
            ("", ""),
            ("川A·F058Y", "川A·F058Y"),
        ] {
            assert_eq!(format(plate), shown, "{plate}");
        }
    }

    fn change(position: usize, from: char, to: char, reason: ChangeReason) -> Change {
        Change {
            position,
            from: Some(from),
            to,
            reason,
        }
    }

    #[test]
    fn a_valid_text_is_kept_as_it_is() {
        let r = repair_text("川A8H45B").unwrap();
        assert_eq!(r.text, "川A8H45B");
        assert_eq!(r.kind, PlateKind::Ordinary);
        assert!(r.changes.is_empty());
        assert_eq!(r.confidence, 1.0);
        assert_eq!(r.confidences, vec![1.0; 7]);
    }

    #[test]
    fn look_alikes_are_repaired_by_position() {
        // a 0 where the issuing letter must be is D (Q is rare)
        let r = repair_text("川0F058Y").unwrap();
        assert_eq!(r.text, "川DF058Y");
        assert_eq!(
            r.changes,
            vec![change(1, '0', 'D', ChangeReason::LookAlike)]
        );
        assert_eq!(r.confidences[1], LOOK_ALIKE_FACTOR);
        assert_eq!(r.confidence, LOOK_ALIKE_FACTOR);

        // I and O are never used after the letter
        let r = repair_text("皖AH7I2X").unwrap();
        assert_eq!(r.text, "皖AH712X");
        assert_eq!(
            r.changes,
            vec![change(4, 'I', '1', ChangeReason::LookAlike)]
        );
        assert_eq!(repair_text("川AI8H45").unwrap().text, "川A18H45");

        let r = repair_text("粤BDO1366").unwrap();
        assert_eq!(r.text, "粤BD01366");
        assert_eq!(r.kind, PlateKind::NewEnergySmall);

        // digits only where the large new-energy plate has digits, D or F at its end
        assert_eq!(repair_text("青AOO1O9D").unwrap().text, "青A00109D");
        assert_eq!(repair_text("青A00I09D").unwrap().text, "青A00109D");
        // a 0 at both ends is as likely small (D at the start) as large (D at the end): on a
        // tie the earlier shape, small, is taken
        assert_eq!(repair_text("青A001090").unwrap().text, "青AD01090");
        // letters of a military plate, digits after them
        assert_eq!(repair_text("V830O93").unwrap().text, "VB30093");
        // the text is cleaned first
        assert_eq!(repair_text("粤b·d01366").unwrap().text, "粤BD01366");
    }

    #[test]
    fn a_1_is_not_guessed_into_a_letter() {
        assert_eq!(repair_text("川1F058Y"), None);
    }

    #[test]
    fn what_cannot_form_a_plate_is_not_repaired() {
        for text in [
            "",
            "川A8H45",
            "ABCDEFG",
            "20261128",
            "2026年11月",
            "搬家公司",
        ] {
            assert_eq!(repair_text(text), None, "{text}");
        }
        assert_eq!(repair(&[]), None);
        // a position with no alternative at all
        let mut candidates: Vec<Vec<(char, f32)>> =
            "川A8H458".chars().map(|c| vec![(c, 0.9)]).collect();
        candidates[3].clear();
        assert_eq!(repair(&candidates), None);
    }

    #[test]
    fn a_lower_ranked_allowed_alternative_is_taken() {
        let mut candidates: Vec<Vec<(char, f32)>> =
            "川A8H458".chars().map(|c| vec![(c, 0.9)]).collect();
        // the issuing letter read as 8 (not allowed) with B close behind
        candidates[1] = vec![('8', 0.6), ('B', 0.35), ('3', 0.05)];
        // the province read as a character that is none, with the right one second
        candidates[0] = vec![('州', 0.7), ('川', 0.2)];
        let r = repair(&candidates).unwrap();
        assert_eq!(r.text, "川B8H458");
        assert_eq!(
            r.changes,
            vec![
                change(0, '州', '川', ChangeReason::Alternative),
                change(1, '8', 'B', ChangeReason::Alternative),
            ]
        );
        assert_eq!(r.confidence, 0.2);
    }

    #[test]
    fn a_confident_look_alike_beats_noise_in_the_alternatives() {
        let mut candidates: Vec<Vec<(char, f32)>> =
            "川AF058Y".chars().map(|c| vec![(c, 0.95)]).collect();
        candidates[1] = vec![('0', 0.98), ('K', 0.001), ('8', 0.0005)];
        let r = repair(&candidates).unwrap();
        assert_eq!(r.text, "川DF058Y");
        assert_eq!(r.changes[0].reason, ChangeReason::LookAlike);
    }

    #[test]
    fn the_most_probable_shape_wins() {
        // 8 characters: small new energy (one look-alike) rather than large (two)
        let r = repair_text("粤BD0136O").unwrap();
        assert_eq!(r.text, "粤BD01360");
        assert_eq!(r.kind, PlateKind::NewEnergySmall);
        // a final mark read second-best still makes a police plate
        let mut candidates: Vec<Vec<(char, f32)>> =
            "鄂F8888".chars().map(|c| vec![(c, 0.9)]).collect();
        candidates.push(vec![('擎', 0.5), ('警', 0.4)]);
        let r = repair(&candidates).unwrap();
        assert_eq!(r.text, "鄂F8888警");
        assert_eq!(r.kind, PlateKind::Police);
    }

    #[test]
    fn odd_probabilities_do_not_break_the_repair() {
        let candidates: Vec<Vec<(char, f32)>> = "川A8H458"
            .chars()
            .zip([f32::NAN, 0.0, -1.0, 2.0, f32::INFINITY, 0.5, 1.0])
            .map(|(c, p)| vec![(c, p)])
            .collect();
        let r = repair(&candidates).unwrap();
        assert_eq!(r.text, "川A8H458");
        assert_eq!(r.confidence, 0.0);
    }

    #[test]
    fn every_repair_parses_to_its_kind() {
        for text in ["川0F058Y", "皖AH7I2X", "WJ粤1234S", "SN6497", "使I98476"] {
            let r = repair_text(text).unwrap();
            assert_eq!(parse(&r.text), Some(r.kind), "{text}");
        }
    }

    #[test]
    fn an_armed_police_plate_whose_red_j_was_not_read_gets_it_back() {
        // both readers read cn-dev-38's WJ16·93015 as W1693015
        let r = repair_text("W1693015").expect("an armed-police plate");
        assert_eq!(
            (r.text.as_str(), r.kind),
            ("WJ1693015", PlateKind::ArmedPolice)
        );
        assert_eq!(r.confidences[1], INFERRED_FACTOR);
        assert_eq!(
            r.changes,
            vec![Change {
                position: 1,
                from: None,
                to: 'J',
                reason: ChangeReason::Inserted
            }]
        );
        assert_eq!(
            repair_text("W12345").map(|r| r.text),
            Some("WJ12345".into())
        );
        // a reading that is a plate as it stands is left alone: W1234 is a Hong Kong plate
        assert_eq!(
            repair_text("W1234").map(|r| r.kind),
            Some(PlateKind::HongKong)
        );
        // W then letters is no armed-police plate, and nothing else starts W-digit
        assert!(repair_text("WX12345X").is_none());
        assert!(repair_text("W").is_none());
    }
}
