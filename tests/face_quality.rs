//! The face quality gate on real photos through the real detector and aligner: good portraits
//! pass enrolment, a blurred copy and a shrunk copy are rejected with the right reason, and the
//! small faces of the Solvay photo pass the recognition profile.

mod common;

use common::runtime;

use gateward::vision::align::align_face;
use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::face_detect::{Face, FaceDetectConfig, FaceDetector};
use gateward::vision::face_quality::{Quality, QualityLimits, Rejection, assess, check};
use gateward::vision::image_ops;
use gateward::vision::manifest::Manifest;
use image::RgbImage;

fn detector() -> FaceDetector {
    let manifest = Manifest::load(&common::models()).expect("models/manifest.toml");
    FaceDetector::load(runtime(), &manifest, 2, FaceDetectConfig::default())
        .expect("face detector loads")
}

fn photo(name: &str) -> RgbImage {
    decode::open(&common::fixture(name), &ImageLimits::default()).expect("fixture decodes")
}

/// Every face of `img`, with its aligned crop and quality.
fn faces(det: &mut FaceDetector, img: &RgbImage) -> Vec<(Face, RgbImage, Quality)> {
    det.detect(img)
        .expect("detect")
        .into_iter()
        .map(|f| {
            let aligned = align_face(img, &f.landmarks);
            let q = assess(&f, &aligned, img.dimensions());
            (f, aligned, q)
        })
        .collect()
}

/// The widest face of `img`.
fn main_face(det: &mut FaceDetector, img: &RgbImage, what: &str) -> (Face, RgbImage, Quality) {
    faces(det, img)
        .into_iter()
        .max_by(|a, b| a.0.width().total_cmp(&b.0.width()))
        .unwrap_or_else(|| panic!("no face in {what}"))
}

fn show(what: &str, q: &Quality) {
    eprintln!(
        "{what:<28} box {:6.1} px  sharpness {:8.1}  yaw {:+.3}  roll {:+6.1}°  visible {:.2}",
        q.face_px, q.sharpness, q.yaw, q.roll_deg, q.visible
    );
}

const PORTRAITS: [&str; 5] = [
    "astronaut.png",
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
];

#[test]
fn good_portraits_pass_enrolment() {
    let mut det = detector();
    let limits = QualityLimits::for_enrolment();
    for name in PORTRAITS {
        let (_, _, q) = main_face(&mut det, &photo(name), name);
        show(name, &q);
        assert_eq!(check(&q, &limits), Ok(()), "{name}: {q:?}");
        assert_eq!(check(&q, &QualityLimits::for_recognition()), Ok(()));
    }
}

/// The two photos cut through Obama's face at the frame's edge (a quarter and a fifth of it
/// outside): refused for enrolment as cut off, with the reason; still good enough to recognise
/// at the gate, where they match him at 0.87 and 0.92.
#[test]
fn faces_cut_off_by_the_frame_are_refused_for_enrolment_with_the_reason() {
    let mut det = detector();
    for name in ["obama_partial_face.jpg", "obama_partial_face2.jpg"] {
        let (_, _, q) = main_face(&mut det, &photo(name), name);
        show(name, &q);
        assert!((0.7..0.9).contains(&q.visible), "{name}: {q:?}");
        let reasons = check(&q, &QualityLimits::for_enrolment()).unwrap_err();
        assert!(
            matches!(reasons[0], Rejection::CutOff { .. }),
            "{name}: {reasons:?}"
        );
        eprintln!("    {}", reasons[0]);
        assert!(reasons[0].to_string().starts_with("脸不完整"));
        assert_eq!(
            check(&q, &QualityLimits::for_recognition()),
            Ok(()),
            "{name}"
        );
    }
    for name in PORTRAITS {
        let (_, _, q) = main_face(&mut det, &photo(name), name);
        assert_eq!(q.visible, 1.0, "{name}: {q:?}");
    }
}

#[test]
fn blurred_copy_is_rejected_as_too_blurred() {
    let mut det = detector();
    for name in PORTRAITS {
        let (face, aligned, sharp) = main_face(&mut det, &photo(name), name);
        for sigma in [1.5f32, 2.0, 3.0] {
            let blurred = image::imageops::blur(&aligned, sigma);
            let q = assess(&face, &blurred, (10_000, 10_000));
            show(&format!("{name} blur σ={sigma}"), &q);
            assert!(q.sharpness < sharp.sharpness / 4.0, "{name}: {q:?}");
            let reasons = check(&q, &QualityLimits::for_enrolment()).unwrap_err();
            assert!(
                reasons
                    .iter()
                    .any(|r| matches!(r, Rejection::TooBlurred { .. })),
                "{name} σ={sigma}: {reasons:?}"
            );
            // blur is the only fault: size and pose are the sharp photo's
            assert_eq!(reasons.len(), 1, "{name}: {reasons:?}");
        }
    }
}

#[test]
fn astronaut_shrunk_4x_is_too_small_for_enrolment() {
    let img = photo("astronaut.png");
    let small = image_ops::resize(&img, img.width() / 4, img.height() / 4).expect("resize");
    let mut det = detector();
    let (_, _, q) = main_face(&mut det, &small, "astronaut / 4");
    show("astronaut.png / 4", &q);
    let reasons = check(&q, &QualityLimits::for_enrolment()).unwrap_err();
    let small_reason = reasons
        .iter()
        .find(|r| matches!(r, Rejection::TooSmall { .. }))
        .unwrap_or_else(|| panic!("not too small: {reasons:?}"));
    eprintln!("    {small_reason}");
    assert!(small_reason.to_string().starts_with("脸太小"));
}

#[test]
fn solvay_faces_pass_the_recognition_profile() {
    let mut det = detector();
    let all = faces(&mut det, &photo("solvay-1927.png"));
    let limits = QualityLimits::for_recognition();
    let mut passed = 0;
    for (i, (_, _, q)) in all.iter().enumerate() {
        show(&format!("solvay #{i}"), q);
        match check(q, &limits) {
            Ok(()) => passed += 1,
            Err(reasons) => {
                for r in reasons {
                    eprintln!("    {r}");
                }
            }
        }
        // about 48 px: fine at the gate, too small to enrol
        assert!(check(q, &QualityLimits::for_enrolment()).is_err(), "{q:?}");
    }
    eprintln!("solvay: {passed} of {} pass recognition", all.len());
    assert!(passed >= 25, "{passed} of {}", all.len());
}
