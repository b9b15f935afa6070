//! The plate chain on the real Chinese photos of `../shared/fixtures/plates-cn` (labels in its
//! `labels.tsv`): detect, rectify, read with both readers, combine under the plate grammar.
//! Prints every labelled plate with what was read (`--nocapture`), and the totals per plate
//! type that `models/MODELS.md` quotes.

mod common;

use std::collections::BTreeMap;

use common::runtime;
use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::manifest::Manifest;
use gateward::vision::plate_detect::{PlateDetectConfig, PlateDetector};
use gateward::vision::plate_read::PlateReader;
use gateward::vision::plates::{PlateChain, SeenPlate};

struct Label {
    file: String,
    plate: String,
    colour: String,
    kind: String,
}

fn labels(dir: &std::path::Path) -> Vec<Label> {
    let text = std::fs::read_to_string(dir.join("labels.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Label {
                file: f[0].to_owned(),
                plate: f[1].to_owned(),
                colour: f[2].to_owned(),
                kind: f[4].to_owned(),
            }
        })
        .collect()
}

#[test]
fn real_chinese_plates_are_read_exactly() {
    let Some(dir) = common::shared_plates("real_chinese_plates_are_read_exactly") else {
        return;
    };
    let manifest = Manifest::load(&common::models()).unwrap();
    let mut chain =
        PlateChain::load(runtime(), &manifest, 2, PlateDetectConfig::default()).unwrap();
    let labels = labels(&dir);
    let mut files: Vec<&str> = labels.iter().map(|l| l.file.as_str()).collect();
    files.dedup();
    let mut read: BTreeMap<&str, Vec<SeenPlate>> = BTreeMap::new();
    for file in &files {
        let img = decode::open(&dir.join(file), &ImageLimits::default()).unwrap();
        let plates = chain.plates(&img).unwrap();
        for p in &plates {
            eprintln!(
                "  {file}: plate {:.3} {:.0}px aspect {:.2} → {} ({:.2}, {}, {} rows) {} (pixels {})",
                p.plate.score,
                p.plate.width(),
                p.plate.aspect(),
                p.reading.text,
                p.reading.confidence,
                p.reading.read_by.key(),
                p.reading.rows,
                p.colour.colour.key(),
                p.colour.pixels.key(),
            );
        }
        read.insert(file, plates);
    }
    let mut per_kind: BTreeMap<&str, (u32, u32, u32)> = BTreeMap::new();
    let (mut exact, mut colour_ok, mut total) = (0, 0, 0);
    for l in labels.iter().filter(|l| !l.plate.contains('?')) {
        let got = read
            .get(l.file.as_str())
            .map(|v| v.as_slice())
            .unwrap_or_default();
        let hit = got.iter().find(|p| p.reading.text == l.plate);
        let colour_right = hit.is_some_and(|p| colour_matches(p.colour.colour.key(), l));
        let e = per_kind.entry(l.kind.as_str()).or_default();
        e.2 += 1;
        total += 1;
        if hit.is_some() {
            e.0 += 1;
            exact += 1;
        }
        if colour_right {
            e.1 += 1;
            colour_ok += 1;
        }
        eprintln!(
            "{}{} {:<14} {:<10} {:<7} read: {}",
            if hit.is_some() { "✓" } else { "✗" },
            if colour_right { "✓" } else { "✗" },
            l.file,
            l.plate,
            l.colour,
            got.iter()
                .map(|p| format!("{} {}", p.reading.text, p.colour.colour.key()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    eprintln!("{:<18} text  colour", "kind");
    for (kind, (ok, col, n)) in &per_kind {
        eprintln!("{kind:<18} {ok}/{n}   {col}/{n}");
    }
    eprintln!("exact: {exact}/{total}, colour right on {colour_ok} of them");
    // no date stamp, watermark or painted text read as a plate: never more plates on a photo
    // than the labels list (unreadable ones included)
    for (file, plates) in &read {
        let labelled = labels.iter().filter(|l| l.file == *file).count();
        assert!(
            plates.len() <= labelled,
            "{file}: read {:?}, {labelled} plate(s) labelled",
            plates.iter().map(|p| &p.reading.text).collect::<Vec<_>>()
        );
    }
    // issue 5: exact text on at least 90 % of the labelled plates
    assert!(exact * 100 >= total * 90, "{exact}/{total}");
}

/// A label's colour against ours. The labels call the large new-energy plate of cn-dev-33
/// "green"; by the standard (GA 36-2018) it is yellow-green, which is what gateward says.
fn colour_matches(ours: &str, l: &Label) -> bool {
    ours == l.colour || (l.kind == "new_energy_large" && ours == "yellow_green")
}

/// Debug aid, not a test: `PLATE_DEBUG=cn-dev-19.jpg cargo test --test plates raw -- --ignored
/// --nocapture` prints what each reader reads on each plate of that photo, single- and
/// double-row, and saves the rectified plates as /tmp/plate-N.png.
#[test]
#[ignore = "debug aid: PLATE_DEBUG=cn-dev-19.jpg cargo test --test plates raw -- --ignored --nocapture"]
fn raw_readings_of_one_photo() {
    let file = std::env::var("PLATE_DEBUG").expect(
        "PLATE_DEBUG: the photo of ../shared/fixtures/plates-cn to read, e.g. cn-dev-19.jpg",
    );
    let dir = common::shared_plates("raw_readings_of_one_photo")
        .expect("the shared plate photos (GATEWARD_SHARED)");
    use gateward::vision::plate_detect::{DOUBLE_ROW_ASPECT, RECTIFY_MARGIN, rectify};
    use gateward::vision::plate_read::{ReadBy, SINGLE_ROW};
    let manifest = Manifest::load(&common::models()).unwrap();
    let cfg = PlateDetectConfig {
        score_threshold: 0.05,
        ..PlateDetectConfig::default()
    };
    let mut detector = PlateDetector::load(runtime(), &manifest, 2, cfg).unwrap();
    let mut reader = PlateReader::load(runtime(), &manifest, 2).unwrap();
    let img = decode::open(&dir.join(&file), &ImageLimits::default()).unwrap();
    for (i, p) in detector.detect(&img).unwrap().iter().enumerate() {
        let single = rectify(&img, &p.corners, RECTIFY_MARGIN, SINGLE_ROW);
        single.save(format!("/tmp/plate-{i}.png")).unwrap();
        let show = |r: &gateward::vision::ctc::Reading| {
            r.chars
                .iter()
                .map(|c| {
                    let alts: Vec<String> = c
                        .alternatives
                        .iter()
                        .take(3)
                        .map(|(s, p)| format!("{s}{p:.2}"))
                        .collect();
                    format!("[{}]", alts.join(" "))
                })
                .collect::<Vec<_>>()
                .join("")
        };
        let a = reader.read_line(&single, ReadBy::PlateReader).unwrap();
        let b = reader.read_line(&single, ReadBy::TextReader).unwrap();
        eprintln!(
            "#{i} score {:.3} aspect {:.2} (double below {DOUBLE_ROW_ASPECT}) box {:?}",
            p.score,
            p.aspect(),
            p.bbox
        );
        eprintln!("   plate reader: {}", show(&a));
        eprintln!("   text reader:  {}", show(&b));
    }
}

/// What the guard's screen is told about large vehicles, through `analyze --json`: yellow
/// single- and double-row plates are oversize (even the truck whose box the vehicle detector
/// missed), the police plate is exempt, the blue-plated light truck is registered, not turned
/// away, and the large new-energy tractor unit is oversize.
#[test]
fn yellow_plates_raise_oversize_and_police_and_blue_plates_do_not() {
    let Some(dir) = common::shared_plates("yellow_plates_raise_oversize") else {
        return;
    };
    let photo = |f: &str| dir.join(f).to_string_lossy().into_owned();
    let files = [
        ("cn-dev-12.jpg", "皖K66666", 1, "oversize"),
        ("cn-dev-05.jpg", "京EA5331", 2, "oversize"),
        ("cn-dev-14.jpg", "渝D00796", 2, "oversize"),
        ("cn-dev-30.png", "鄂F8888警", 1, "admit_special"),
        ("cn-dev-03.png", "豫ERU586", 1, "register"),
        ("cn-dev-33.jpg", "青A00109D", 1, "oversize"),
    ];
    let mut args = vec![
        "analyze".to_owned(),
        "--json".to_owned(),
        "--no-record".to_owned(),
    ];
    args.extend(files.iter().map(|f| photo(f.0)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::gateward(&args, &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    for (i, (file, plate, rows, decision)) in files.iter().enumerate() {
        let plates = json[i]["plates"].as_array().unwrap();
        let p = plates
            .iter()
            .find(|p| p["text"] == *plate)
            .unwrap_or_else(|| panic!("{file}: {plate} not read: {plates:#?}"));
        assert_eq!(p["rows"], *rows, "{file}");
        assert_eq!(p["decision"]["decision"], *decision, "{file}: {p:#}");
        if *decision == "oversize" {
            assert_eq!(
                p["decision"]["say"],
                "对不起，4吨及以上大型车辆不能进入小区"
            );
            assert!(
                p["decision"]["large_reason"]
                    .as_str()
                    .unwrap()
                    .contains("号牌")
            );
        }
    }
    // the blue-plated light truck is not large by its plate, whatever the detector calls it
    let blue = &json[4]["plates"][0]["decision"];
    assert_eq!(blue["large"], false, "{blue:#}");
}
