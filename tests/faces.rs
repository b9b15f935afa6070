//! The whole face chain on real photos: detect, align on the 5 landmarks, embed, compare. The
//! right person must match and a stranger must not.

mod common;

use common::runtime;

use gateward::vision::align::align_face;
use gateward::vision::face_detect::{FaceDetectConfig, FaceDetector};
use gateward::vision::face_embed::{Embedding, FaceEmbedder, cosine};
use gateward::vision::image_ops;
use gateward::vision::manifest::Manifest;

/// The embedding of the one face found in a fixture photo.
fn embedding(det: &mut FaceDetector, emb: &mut FaceEmbedder, photo: &str) -> Embedding {
    let img = image_ops::open(&common::fixture(photo)).unwrap();
    let faces = det.detect(&img).unwrap();
    let best = faces
        .iter()
        .max_by(|a, b| a.width().total_cmp(&b.width()))
        .unwrap_or_else(|| panic!("no face in {photo}"));
    let aligned = align_face(&img, &best.landmarks);
    emb.embed(&[aligned]).unwrap()[0]
}

#[test]
fn detect_align_embed_matches_the_same_person_and_not_a_stranger() {
    let manifest = Manifest::load(&common::models()).unwrap();
    let mut det = FaceDetector::load(runtime(), &manifest, 2, FaceDetectConfig::default()).unwrap();
    let mut emb = FaceEmbedder::load(runtime(), &manifest, 2).unwrap();
    let obama = embedding(&mut det, &mut emb, "obama.jpg");
    let obama2 = embedding(&mut det, &mut emb, "obama2.jpg");
    let obama3 = embedding(&mut det, &mut emb, "obama3.jpg");
    let biden = embedding(&mut det, &mut emb, "biden.jpg");
    let astronaut = embedding(&mut det, &mut emb, "astronaut.png");
    for (a, b, what) in [
        (&obama, &obama2, "obama/obama2"),
        (&obama, &obama3, "obama/obama3"),
        (&obama2, &obama3, "obama2/obama3"),
    ] {
        let c = cosine(a, b);
        eprintln!("same person {what}: {c:.3}");
        assert!(c > 0.66, "{what}: {c}");
    }
    for (a, b, what) in [
        (&obama, &biden, "obama/biden"),
        (&obama3, &biden, "obama3/biden (same photo)"),
        (&biden, &astronaut, "biden/astronaut"),
        (&obama, &astronaut, "obama/astronaut"),
    ] {
        let c = cosine(a, b);
        eprintln!("different people {what}: {c:.3}");
        assert!(c < 0.4, "{what}: {c}");
    }
}
