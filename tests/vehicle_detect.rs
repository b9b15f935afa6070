//! The vehicle detector on real photos through the real ONNX Runtime: the two registry car
//! photos, the shared Chinese plate photos, a photo with no vehicle, and degenerate images.

mod common;

use common::runtime;

use std::path::Path;
use std::time::Instant;

use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::image_ops;
use gateward::vision::manifest::Manifest;
use gateward::vision::nms;
use gateward::vision::vehicle_detect::{
    Vehicle, VehicleClass, VehicleDetectConfig, VehicleDetector, vehicle_containing,
};
use image::RgbImage;

fn detector_with(config: VehicleDetectConfig) -> VehicleDetector {
    let manifest = Manifest::load(&common::models()).expect("models/manifest.toml");
    VehicleDetector::load(runtime(), &manifest, 2, config).expect("vehicle detector loads")
}

fn detector() -> VehicleDetector {
    detector_with(VehicleDetectConfig::default())
}

fn photo(path: &Path) -> RgbImage {
    decode::open(path, &ImageLimits::default()).expect("photo decodes")
}

fn describe(vehicles: &[Vehicle]) -> String {
    vehicles
        .iter()
        .map(|v| {
            let b = v.bbox;
            format!(
                "{} {:.2} ({:.0},{:.0},{:.0},{:.0})",
                v.class, v.score, b[0], b[1], b[2], b[3]
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Detects twice (the second run timed) and checks the two agree.
fn timed(det: &mut VehicleDetector, img: &RgbImage) -> (Vec<Vehicle>, f64) {
    let first = det.detect(img).unwrap();
    let start = Instant::now();
    let again = det.detect(img).unwrap();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert_eq!(first, again, "detection is deterministic");
    (first, ms)
}

fn check_boxes(img: &RgbImage, vehicles: &[Vehicle]) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    for v in vehicles {
        let b = v.bbox;
        assert!(
            b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w && b[3] <= h,
            "{v:?}"
        );
        assert!(b[2] > b[0] && b[3] > b[1], "{v:?}");
        assert!(v.score > 0.0 && v.score <= 1.0, "{v:?}");
    }
    assert!(vehicles.windows(2).all(|p| p[0].score >= p[1].score));
}

/// The fast-alpr photo: a Czech hatchback (plate 5AU 5341 at about x=316, y=189, 72×21)
/// between two parked cars. Stretched to 416×416 NanoDet calls the hatchback a truck (0.60,
/// `models/MODELS.md`); letterboxed, as the detector feeds it, a car (0.65). Its box must hold
/// the whole plate, and the plate must go to it rather than to a parked car.
#[test]
fn czech_car_box_contains_its_plate() {
    let img = photo(&common::fixture("car-czech.png"));
    let (vehicles, ms) = timed(&mut detector(), &img);
    eprintln!(
        "car-czech.png {}x{}: {} ({ms:.0} ms)",
        img.width(),
        img.height(),
        describe(&vehicles)
    );
    check_boxes(&img, &vehicles);
    assert!(
        vehicles
            .iter()
            .any(|v| v.class == VehicleClass::Car && v.score > 0.3),
        "at least one car: {vehicles:?}"
    );
    let plate = [316.0, 189.0, 388.0, 210.0];
    let i = vehicle_containing(&vehicles, plate).expect("a vehicle holds the plate");
    let v = &vehicles[i];
    assert!(
        v.bbox[0] <= plate[0]
            && v.bbox[1] <= plate[1]
            && v.bbox[2] >= plate[2]
            && v.bbox[3] >= plate[3],
        "the whole plate lies in the vehicle's box: {v:?}"
    );
    // the hatchback fills the middle of the photo, not a parked car at the side
    assert!(v.bbox[2] - v.bbox[0] > 250.0, "{v:?}");
}

#[test]
fn open_image_models_saloon_is_a_car() {
    let img = photo(&common::fixture("car-open-image-models.webp"));
    let (vehicles, ms) = timed(&mut detector(), &img);
    eprintln!(
        "car-open-image-models.webp {}x{}: {} ({ms:.0} ms)",
        img.width(),
        img.height(),
        describe(&vehicles)
    );
    check_boxes(&img, &vehicles);
    let best = vehicles.first().expect("a vehicle");
    assert_eq!(best.class, VehicleClass::Car, "{vehicles:?}");
    // the saloon fills most of the frame
    assert!(best.area() > 0.5 * 512.0 * 512.0, "{best:?}");
}

#[test]
fn astronaut_has_no_vehicle() {
    let img = photo(&common::fixture("astronaut.png"));
    let vehicles = detector().detect(&img).unwrap();
    assert!(vehicles.is_empty(), "{vehicles:?}");
    // nothing even near the threshold
    let low = detector_with(VehicleDetectConfig {
        score_threshold: 0.15,
        ..VehicleDetectConfig::default()
    })
    .detect(&img)
    .unwrap();
    eprintln!("astronaut.png above 0.15: [{}]", describe(&low));
    assert!(low.is_empty(), "{low:?}");
}

#[test]
fn tiny_empty_and_blank_images_have_no_vehicle() {
    let mut det = detector();
    assert!(det.detect(&RgbImage::new(1, 1)).unwrap().is_empty());
    assert!(det.detect(&RgbImage::new(0, 0)).unwrap().is_empty());
    assert!(det.detect(&RgbImage::new(0, 10)).unwrap().is_empty());
    let white = RgbImage::from_pixel(1, 1, image::Rgb([255, 255, 255]));
    assert!(det.detect(&white).unwrap().is_empty());
    let strip = RgbImage::from_pixel(3000, 2, image::Rgb([90, 90, 90]));
    assert!(det.detect(&strip).unwrap().is_empty());
}

/// One row of `labels.tsv` (file, plate, colour, rows, kind, note).
struct Label {
    file: String,
    plate: String,
    kind: String,
}

fn labels(dir: &Path) -> Vec<Label> {
    let text = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Label {
                file: f[0].to_owned(),
                plate: f.get(1).copied().unwrap_or("").to_owned(),
                kind: f.get(4).copied().unwrap_or("").to_owned(),
            }
        })
        .collect()
}

/// Every shared Chinese photo: what is found, and how long it takes. Asserts what a guard
/// would notice: the van of cn-dev-05 and the tractor unit of cn-dev-33, and a vehicle in
/// nearly every photo (every one shows at least one vehicle).
#[test]
fn chinese_plate_photos() {
    let Some(dir) = common::shared_plates("chinese_plate_photos") else {
        return;
    };
    let labels = labels(&dir);
    let mut files: Vec<&str> = labels.iter().map(|l| l.file.as_str()).collect();
    files.dedup();
    let mut det = detector();
    let mut times = Vec::new();
    let mut with_vehicle = 0;
    let mut found = std::collections::HashMap::new();
    for file in &files {
        let img = photo(&dir.join(file));
        let (vehicles, ms) = timed(&mut det, &img);
        check_boxes(&img, &vehicles);
        times.push(ms);
        let what: Vec<String> = labels
            .iter()
            .filter(|l| l.file == *file)
            .map(|l| format!("{} {}", l.plate, l.kind))
            .collect();
        eprintln!(
            "{file} {}x{} [{}]: {} ({ms:.0} ms)",
            img.width(),
            img.height(),
            what.join(", "),
            if vehicles.is_empty() {
                "nothing".to_owned()
            } else {
                describe(&vehicles)
            }
        );
        if !vehicles.is_empty() {
            with_vehicle += 1;
        }
        found.insert(file.to_string(), (img.dimensions(), vehicles));
    }
    times.sort_by(f64::total_cmp);
    eprintln!(
        "{} photos, {with_vehicle} with a vehicle; detect median {:.0} ms, max {:.0} ms (2 threads)",
        files.len(),
        times[times.len() / 2],
        times[times.len() - 1]
    );
    assert!(
        with_vehicle + 2 >= files.len(),
        "a vehicle in {with_vehicle} of {} photos",
        files.len()
    );

    // cn-dev-05: the rear of a van filling the photo; its box holds most of the centre
    let ((w, h), vehicles) = &found["cn-dev-05.jpg"];
    let (w, h) = (*w as f32, *h as f32);
    let centre = [w * 0.3, h * 0.3, w * 0.7, h * 0.7];
    let i = vehicle_containing(vehicles, centre).expect("cn-dev-05: a vehicle at the centre");
    let b = vehicles[i].bbox;
    let covered = (b[2].min(centre[2]) - b[0].max(centre[0])).max(0.0)
        * (b[3].min(centre[3]) - b[1].max(centre[1])).max(0.0);
    assert!(
        covered > 0.6 * (centre[2] - centre[0]) * (centre[3] - centre[1]),
        "cn-dev-05: {:?}",
        vehicles[i]
    );

    // cn-dev-07: a motorcycle (a dealer's row of them)
    let (_, vehicles) = &found["cn-dev-07.png"];
    assert!(
        vehicles
            .first()
            .is_some_and(|v| v.class == VehicleClass::Motorcycle),
        "cn-dev-07: {vehicles:?}"
    );

    // cn-dev-33: a tractor unit
    let (_, vehicles) = &found["cn-dev-33.jpg"];
    assert!(
        vehicles.iter().any(|v| v.class == VehicleClass::Truck),
        "cn-dev-33: {vehicles:?}"
    );
}

/// The measurement behind [`VehicleDetectConfig::default`]'s threshold (run it with
/// `cargo test --test vehicle_detect survey -- --ignored --nocapture`): every candidate above
/// 0.1 on the fixtures and the shared photos, and for each plate the plate detector finds
/// (decoded here as `models/MODELS.md` describes: its own size, score > 0.7, NMS 0.4), the best
/// vehicle box holding the plate's centre. Which of the other boxes are real vehicles was
/// judged by eye; see the threshold's documentation for what was found.
#[test]
#[ignore = "measurement: cargo test --test vehicle_detect survey -- --ignored --nocapture"]
fn survey() {
    let Some(dir) = common::shared_plates("survey") else {
        return;
    };
    let mut files: Vec<std::path::PathBuf> = [
        "car-czech.png",
        "car-open-image-models.webp",
        "astronaut.png",
        "obama.jpg",
        "biden.jpg",
        "solvay-1927.png",
    ]
    .iter()
    .map(|f| common::fixture(f))
    .collect();
    let mut shared: Vec<String> = labels(&dir).into_iter().map(|l| l.file).collect();
    shared.dedup();
    files.extend(shared.iter().map(|f| dir.join(f)));
    let mut det = detector_with(VehicleDetectConfig {
        score_threshold: 0.1,
        ..VehicleDetectConfig::default()
    });
    let mut plate_scores = Vec::new();
    for path in &files {
        let img = photo(path);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let vehicles = det.detect(&img).unwrap();
        eprintln!("{name}: {}", describe(&vehicles));
        for p in plates(&img) {
            // a box no wider than the plate is a badge or the plate itself, not its vehicle
            let best = vehicles
                .iter()
                .filter(|v| {
                    nms::centre_inside(&[p[0], p[1], p[2], p[3]], &v.bbox)
                        && v.bbox[2] - v.bbox[0] > 1.3 * (p[2] - p[0])
                })
                .max_by(|a, b| a.score.total_cmp(&b.score));
            eprintln!(
                "  plate ({:.0},{:.0},{:.0},{:.0}): {}",
                p[0],
                p[1],
                p[2],
                p[3],
                best.map_or("no vehicle".to_owned(), |v| describe(std::slice::from_ref(
                    v
                )))
            );
            plate_scores.push(best.map_or(0.0, |v| v.score));
        }
    }
    let at = |t: f32| plate_scores.iter().filter(|&&s| s > t).count();
    eprintln!(
        "{} plates; in a vehicle box scoring above 0.25/0.3/0.35/0.4/0.5: {}/{}/{}/{}/{}",
        plate_scores.len(),
        at(0.25),
        at(0.3),
        at(0.35),
        at(0.4),
        at(0.5)
    );
}

/// Plate boxes `[x1, y1, x2, y2, score]` from the pack's plate detector.
fn plates(img: &RgbImage) -> Vec<[f32; 5]> {
    use gateward::vision::manifest::Role;
    use gateward::vision::runtime::Model;
    let manifest = Manifest::load(&common::models()).unwrap();
    let mut model = Model::load(runtime(), &manifest, Role::PlateDetect, 2).unwrap();
    let (w, h) = (img.width() as f32, img.height() as f32);
    let input = image_ops::to_tensor(&[img], &model.entry().input).unwrap();
    let out = model.run(&input).unwrap();
    let loc: Vec<f32> = out[0].iter().copied().collect();
    let conf: Vec<f32> = out[1].iter().copied().collect();
    let mut priors = Vec::new();
    let levels = [
        (8u32, [24.0f32, 48.0]),
        (16, [96.0, 192.0]),
        (32, [384.0, 768.0]),
    ];
    for (step, sizes) in levels {
        let s = step as f32;
        for i in 0..img.height().div_ceil(step) {
            for j in 0..img.width().div_ceil(step) {
                for size in sizes {
                    let (cx, cy) = ((j as f32 + 0.5) * s / w, (i as f32 + 0.5) * s / h);
                    priors.push([cx, cy, size / w, size / h]);
                }
            }
        }
    }
    assert_eq!(priors.len() * 4, loc.len());
    let (mut boxes, mut scores) = (Vec::new(), Vec::new());
    for (r, p) in priors.iter().enumerate() {
        if conf[r * 2 + 1] <= 0.7 {
            continue;
        }
        let l = &loc[r * 4..r * 4 + 4];
        let (cx, cy) = (p[0] + l[0] * 0.1 * p[2], p[1] + l[1] * 0.1 * p[3]);
        let (bw, bh) = (p[2] * (l[2] * 0.2).exp(), p[3] * (l[3] * 0.2).exp());
        boxes.push([
            (cx - bw / 2.0) * w,
            (cy - bh / 2.0) * h,
            (cx + bw / 2.0) * w,
            (cy + bh / 2.0) * h,
        ]);
        scores.push(conf[r * 2 + 1]);
    }
    gateward::vision::nms::nms(&boxes, &scores, 0.4)
        .into_iter()
        .map(|i| {
            let b = boxes[i];
            [b[0], b[1], b[2], b[3], scores[i]]
        })
        .collect()
}
