//! Property tests over the parsers that take outside input: a plate as typed or read, the
//! manager's people.csv and vehicles.csv rows, the config file's values. Thousands of cases
//! each; none may panic, and each answer is either a value that keeps the parser's promise or
//! an error that names the place (the file, the row).

use gateward::config::{Config, Overrides};
use gateward::domain::plate::{self, clean_plate, normalise_plate};
use gateward::import::{ImportError, parse_people, parse_vehicles};
use proptest::prelude::*;

/// Province characters, as the plate grammar knows them.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
/// Letters a plate's serial uses (no I or O).
const SERIAL: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

fn one_of(set: &'static str) -> impl Strategy<Value = char> {
    let chars: Vec<char> = set.chars().collect();
    proptest::sample::select(chars)
}

/// A valid ordinary plate: province, letter, five of the serial (川A8H458).
fn ordinary_plate() -> impl Strategy<Value = String> {
    (
        one_of(PROVINCES),
        one_of("ABCDEFGHJKLMNPQRSTUVWXYZ"),
        proptest::collection::vec(one_of(SERIAL), 5),
    )
        .prop_map(|(p, l, rest)| {
            let mut s = String::new();
            s.push(p);
            s.push(l);
            s.extend(rest);
            s
        })
}

/// Text as a careless or hostile user types it: CJK, full-width forms, separators, controls.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[川粤京A-Z0-9ＡＢ１２·.\\- \u{3000}\t\0\u{1b}]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn any_typed_plate_is_cleaned_checked_and_formatted_without_panicking(s in typed()) {
        let clean = clean_plate(&s);
        prop_assert!(!clean.chars().any(char::is_whitespace));
        if let Ok(p) = normalise_plate(&s) {
            prop_assert!((6..=9).contains(&p.chars().count()), "{p}");
            prop_assert_eq!(normalise_plate(&p), Ok(p.clone()), "normalising is stable");
        }
        let _ = plate::parse(&clean);
        let shown = plate::format(&clean);
        prop_assert_eq!(clean_plate(&shown), clean, "the display form cleans back to the plate");
        let _ = plate::repair_text(&s);
    }

    #[test]
    fn every_ordinary_plate_is_accepted_in_any_typed_form(p in ordinary_plate(), sep in "[·\\- ]?") {
        prop_assert!(plate::parse(&p).is_some(), "{p}");
        let typed = format!("{}{}{}", &p[..p.char_indices().nth(2).map_or(0, |(i, _)| i)], sep,
            &p[p.char_indices().nth(2).map_or(0, |(i, _)| i)..]).to_lowercase();
        prop_assert_eq!(normalise_plate(&typed), Ok(p.clone()));
        let shown = plate::format(&p);
        prop_assert!(shown.contains('·'), "{shown}");
        prop_assert_eq!(clean_plate(&shown), p);
    }
}

/// A CSV field as a careless export writes it: quotes, commas, line breaks, GBK-unsafe text.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9王李陈张 ,\"\n\r;\\-]{0,10}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
        Just("3-2-1502".to_owned()),
        Just("resident".to_owned()),
        Just("vip".to_owned()),
    ]
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_people_csv_is_read_or_refused_row_by_row(
        rows in proptest::collection::vec(proptest::collection::vec(field(), 0..10), 0..6),
        raw in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let dir = std::env::temp_dir();
        let mut text = String::from("name,class,title,household,status,notes,photos,notify\n");
        for r in &rows {
            text.push_str(&csv_line(r));
            text.push('\n');
        }
        for bytes in [text.into_bytes(), raw] {
            match parse_people("people.csv", &bytes, &dir) {
                Ok(people) => {
                    for p in &people {
                        prop_assert!(!p.name.trim().is_empty());
                    }
                }
                Err(ImportError::BadRows(bad)) => {
                    prop_assert!(!bad.rows.is_empty());
                    let said = bad.to_string();
                    prop_assert!(said.contains("people.csv"), "{said}");
                }
                Err(e) => {
                    let said = e.to_string();
                    prop_assert!(said.contains("people.csv"), "{said}");
                }
            }
        }
    }

    #[test]
    fn any_vehicles_csv_is_read_or_refused_row_by_row(
        rows in proptest::collection::vec(proptest::collection::vec(field(), 0..8), 0..6),
    ) {
        let mut text = String::from("plate,owner,kind,valid_from,valid_to,notes\n");
        for r in &rows {
            text.push_str(&csv_line(r));
            text.push('\n');
        }
        match parse_vehicles("vehicles.csv", text.as_bytes()) {
            Ok(vehicles) => {
                for v in &vehicles {
                    prop_assert_eq!(normalise_plate(&v.plate), Ok(v.plate.clone()));
                }
            }
            Err(e) => {
                let said = e.to_string();
                prop_assert!(said.contains("vehicles.csv"), "{said}");
            }
        }
    }
}

/// A config value as someone might write it: numbers out of range, wrong types, odd text.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "\"[^\"\\\\\n]{0,12}\"",
        Just("true".to_owned()),
        Just("[1, 2]".to_owned()),
        Just("\"Asia/Shanghai\"".to_owned()),
        Just("\"Mars/Olympus\"".to_owned()),
        Just("-1".to_owned()),
        Just("0".to_owned()),
    ]
}

const KEYS: &[(&str, &str)] = &[
    ("gate", "name"),
    ("gate", "time_zone"),
    ("gate", "visit_window_s"),
    ("vision", "threads"),
    ("vision", "face_detect_side"),
    ("recognition", "face_threshold"),
    ("recognition", "face_margin"),
    ("retention", "sightings_days"),
    ("retention", "snapshots_days"),
    ("web", "listen"),
    ("web", "session_hours"),
    ("gate", "no_such_key"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_config_value_loads_or_is_refused_naming_the_file(
        entries in proptest::collection::vec((0..KEYS.len(), value()), 0..5),
        junk in "[\\[\\]=a-z\"\n ]{0,20}",
    ) {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("gateward.toml");
        let mut sections: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &entries {
            let (section, key) = KEYS[*k];
            if seen.insert(*k) {
                sections.entry(section).or_default().push(format!("{key} = {v}"));
            }
        }
        let mut text = String::new();
        for (section, lines) in &sections {
            text.push_str(&format!("[{section}]\n{}\n", lines.join("\n")));
        }
        for body in [text, junk] {
            std::fs::write(&path, &body).expect("write the config");
            match Config::load(Some(&path), &Overrides::default()) {
                Ok(_) => {}
                Err(e) => {
                    let said = e.to_string();
                    prop_assert!(said.contains("gateward.toml"), "{said}\n{body}");
                }
            }
        }
    }
}
