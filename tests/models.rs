//! The model pack as committed: every file matches the manifest and MODELS.md, and each model
//! gives a sensible answer on real photos through the real ONNX Runtime.

mod common;

use common::runtime;

use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::image_ops;
use gateward::vision::manifest::{ChosenPrecision, Manifest, Precision, Role};
use gateward::vision::runtime::Model;
use ndarray::{ArrayD, Axis};

fn manifest() -> Manifest {
    Manifest::load(&common::models()).expect("models/manifest.toml")
}

fn model(role: Role) -> Model {
    Model::load(runtime(), &manifest(), role, 2).expect("model loads")
}

/// Runs a model on one image.
fn run_on(model: &mut Model, img: &image::RgbImage) -> Vec<ArrayD<f32>> {
    let spec = model.entry().input.clone();
    model
        .run(&image_ops::to_tensor(&[img], &spec).unwrap())
        .unwrap()
}

/// The best score of `class` in the `[1, rows, classes]` output that has `classes` columns.
fn best_score(outputs: &[ArrayD<f32>], classes: usize, class: usize) -> f32 {
    outputs
        .iter()
        .find(|o| o.shape().last() == Some(&classes))
        .expect("output of that shape")
        .lanes(Axis(2))
        .into_iter()
        .map(|row| row[class])
        .fold(0.0f32, f32::max)
}

#[test]
fn every_role_has_a_model_whose_bytes_match_the_manifest() {
    let m = manifest();
    for role in Role::ALL {
        let entry = m.model(role).unwrap();
        let path = m.verify_model(entry).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            entry.bytes,
            "{}",
            entry.file
        );
        assert_eq!(entry.sha256.len(), 64, "{}", entry.file);
        assert_eq!(entry.source_sha256.len(), 64, "{}", entry.file);
    }
}

#[test]
fn both_precisions_load_and_run_every_model() {
    // The INT8 file of each model that has one (the default), and every FP32 file on request:
    // each matches its manifest entry, loads and runs in the real ONNX Runtime.
    let photo = image::open(common::fixture("astronaut.png"))
        .unwrap()
        .to_rgb8();
    for precision in [Precision::Int8, Precision::Fp32] {
        let m = manifest().with_precision(precision);
        for role in Role::ALL {
            let entry = m.model(role).unwrap();
            let expected = match (precision, &entry.int8) {
                (Precision::Int8, Some(_)) => ChosenPrecision::Int8,
                _ => ChosenPrecision::Fp32,
            };
            assert_eq!(entry.precision, expected, "{role} {precision}");
            if let Some(q) = &entry.int8 {
                assert_eq!(q.from_sha256.len(), 64, "{}", q.file);
                assert!(q.file.ends_with(".int8.onnx"), "{}", q.file);
            }
            let path = m.verify_model(entry).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().len(), entry.bytes);
            let mut model = Model::load(runtime(), &m, role, 2).expect("model loads");
            let (h, w) = entry.input.fixed_size();
            let img = image::imageops::resize(
                &photo,
                w.unwrap_or(256),
                h.unwrap_or(256),
                image::imageops::FilterType::Triangle,
            );
            let outputs = run_on(&mut model, &img);
            assert_eq!(outputs.len(), entry.outputs.len(), "{}", entry.file);
            assert!(
                outputs.iter().all(|o| o.iter().all(|v| v.is_finite())),
                "{}",
                entry.file
            );
        }
    }
}

#[test]
fn every_file_in_models_is_listed_and_documented_with_a_redistributable_licence() {
    let m = manifest();
    let doc = std::fs::read_to_string(common::models().join("MODELS.md")).unwrap();
    let text = std::fs::read_to_string(common::models().join("manifest.toml")).unwrap();
    for entry in std::fs::read_dir(common::models()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "manifest.toml" || name == "MODELS.md" {
            continue;
        }
        assert!(
            text.contains(&format!("file = \"{name}\"")),
            "{name} is in models/ but not in manifest.toml"
        );
        assert!(doc.contains(&name), "{name} is not described in MODELS.md");
    }
    for entry in m.models() {
        assert!(
            doc.contains(&entry.sha256[..12]),
            "MODELS.md lacks the sha256 of {}",
            entry.file
        );
        assert!(
            [
                "MIT",
                "Apache-2.0",
                "BSD-2-Clause",
                "BSD-3-Clause",
                "CC0-1.0"
            ]
            .iter()
            .any(|l| entry.licence.contains(l)),
            "{}: licence {}",
            entry.file,
            entry.licence
        );
    }
}

#[test]
fn vehicle_detector_finds_the_car_on_both_car_photos() {
    let mut det = model(Role::VehicleDetect);
    let spec = det.entry().input.clone();
    for photo in ["car-czech.png", "car-open-image-models.webp"] {
        let img = decode::open(&common::fixture(photo), &ImageLimits::default()).unwrap();
        let (h, w) = spec.fixed_size();
        let img = image_ops::resize(&img, w.unwrap_or(512), h.unwrap_or(512)).unwrap();
        // scores [1, cells, 80]: per-class probabilities; COCO car = 2
        let best_car = best_score(&run_on(&mut det, &img), 80, 2);
        assert!(best_car >= 0.5, "{photo}: best car score {best_car}");
    }
}

#[test]
fn face_embedder_batch_is_dynamic_and_each_face_is_independent_of_its_batch() {
    let mut emb = model(Role::FaceEmbed);
    let spec = emb.entry().input.clone();
    let faces: Vec<_> = ["astronaut.png", "obama.jpg", "biden.jpg"]
        .iter()
        .map(|f| {
            let img = decode::open(&common::fixture(f), &ImageLimits::default()).unwrap();
            image_ops::resize(&img, 112, 112).unwrap()
        })
        .collect();
    let one = emb
        .run(&image_ops::to_tensor(&[&faces[1]], &spec).unwrap())
        .unwrap();
    let three = emb
        .run(&image_ops::to_tensor(&[&faces[0], &faces[1], &faces[2]], &spec).unwrap())
        .unwrap();
    assert_eq!(one[0].shape(), &[1, 192]);
    assert_eq!(three[0].shape(), &[3, 192]);
    let a = one[0].index_axis(Axis(0), 0);
    let b = three[0].index_axis(Axis(0), 1);
    let diff = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-3, "same face, different batch: max diff {diff}");
}

#[test]
fn face_detector_is_confident_on_the_astronaut_and_not_on_the_empty_corner() {
    let mut det = model(Role::FaceDetect);
    let img = decode::open(&common::fixture("astronaut.png"), &ImageLimits::default()).unwrap();
    // conf [1, priors, 2]: softmax (background, face)
    assert!(best_score(&run_on(&mut det, &img), 2, 1) > 0.9);
    // the top-right 128×128 of the astronaut photo is the flag and background: no face
    let corner = image::imageops::crop_imm(&img, 384, 0, 128, 128).to_image();
    assert!(best_score(&run_on(&mut det, &corner), 2, 1) < 0.5);
}

#[test]
fn plate_detector_finds_a_plate_on_each_shared_chinese_photo() {
    let Some(dir) =
        common::shared_plates("plate_detector_finds_a_plate_on_each_shared_chinese_photo")
    else {
        return;
    };
    let mut det = model(Role::PlateDetect);
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).unwrap();
    let mut found = 0;
    let mut total = 0;
    let files: std::collections::BTreeSet<&str> = labels
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    for file in files {
        let img = decode::open(&dir.join(file), &ImageLimits::default()).unwrap();
        let (w, h) = image_ops::fit_size(img.width(), img.height(), 1280, 32);
        let img = image_ops::resize(&img, w, h).unwrap();
        // conf [1, priors, 2]: softmax (background, plate)
        let best = best_score(&run_on(&mut det, &img), 2, 1);
        total += 1;
        if best > 0.7 {
            found += 1;
        }
    }
    eprintln!("plate detector: a plate above 0.7 on {found}/{total} photos");
    assert!(total >= 30, "{total}");
    assert!(
        found * 10 >= total * 8,
        "plate found on only {found}/{total} photos"
    );
}
