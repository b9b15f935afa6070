//! The whole face chain on real photos: detect, align on the 5 landmarks, embed, compare. The
//! right person must match and a stranger must not.

mod common;

use common::runtime;

use gateward::vision::align::align_face;
use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::face_detect::{FaceDetectConfig, FaceDetector};
use gateward::vision::face_embed::{Embedding, FaceEmbedder, cosine};
use gateward::vision::manifest::Manifest;

/// The embedding of the one face found in a fixture photo.
fn embedding(det: &mut FaceDetector, emb: &mut FaceEmbedder, photo: &str) -> Embedding {
    let img = decode::open(&common::fixture(photo), &ImageLimits::default()).unwrap();
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

/// Percentile `p` (0..=1) of sorted values, nearest rank.
fn percentile(sorted: &[f32], p: f32) -> f32 {
    let i = ((sorted.len() as f32 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn describe(what: &str, v: &mut [f32]) {
    v.sort_by(f32::total_cmp);
    eprintln!(
        "{what}: {} pairs, min {:.3}, p50 {:.3}, p99 {:.3}, max {:.3}",
        v.len(),
        v[0],
        percentile(v, 0.5),
        percentile(v, 0.99),
        v[v.len() - 1]
    );
}

/// The similarity distributions behind the default threshold (0.66), over every real face in
/// the fixtures: the five photos of Obama (two cut off by the frame) give the same-person
/// pairs; Biden, the astronaut, Obama and the 29 physicists of the Solvay photo are all
/// different people. Every same-person pair clears the threshold, and every face stays well
/// under it against the portrait of someone else (what the gallery holds). `--nocapture` prints
/// the figures `models/MODELS.md` quotes.
#[test]
fn same_and_different_person_similarities_are_separated_by_the_threshold() {
    use gateward::recognize::gallery::MatchParams;
    use gateward::vision::faces::FaceChain;
    let manifest = Manifest::load(&common::models()).unwrap();
    let mut chain = FaceChain::load(runtime(), &manifest, 2, FaceDetectConfig::default()).unwrap();
    let mut largest = |photo: &str| -> Embedding {
        let img = decode::open(&common::fixture(photo), &ImageLimits::default()).unwrap();
        chain.faces(&img).unwrap()[0].embedding
    };
    let obama: Vec<Embedding> = [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "obama_partial_face.jpg",
        "obama_partial_face2.jpg",
    ]
    .iter()
    .map(|p| largest(p))
    .collect();
    let mut others = vec![largest("biden.jpg"), largest("astronaut.png")];
    let solvay =
        decode::open(&common::fixture("solvay-1927.png"), &ImageLimits::default()).unwrap();
    let physicists = chain.faces(&solvay).unwrap();
    assert!(physicists.len() >= 27);
    others.extend(physicists.iter().map(|f| f.embedding));

    let mut same = Vec::new();
    for i in 0..obama.len() {
        for j in i + 1..obama.len() {
            same.push(cosine(&obama[i], &obama[j]));
        }
    }
    // The gallery holds enrolment-quality portraits, so what decides a false name at the gate is
    // a face (of any quality) against a portrait of someone else: Biden, the astronaut and
    // Obama's first photo stand for the enrolled, every face in the fixtures is a query.
    let enrolled = [(0, others[0]), (1, others[1]), (2, obama[0])];
    let mut queries: Vec<(usize, Embedding)> = obama.iter().map(|e| (2, *e)).collect();
    queries.push((0, others[0]));
    queries.push((1, others[1]));
    queries.extend(others[2..].iter().enumerate().map(|(i, e)| (3 + i, *e)));
    let mut against_portraits = Vec::new();
    for (who, q) in &queries {
        for (enrolled_who, e) in &enrolled {
            if who != enrolled_who {
                against_portraits.push(cosine(q, e));
            }
        }
    }
    let mut small_pairs = Vec::new();
    for (i, a) in others[2..].iter().enumerate() {
        for b in &others[2 + i + 1..] {
            small_pairs.push(cosine(a, b));
        }
    }
    describe("same person (Obama)", &mut same);
    describe("different people, face vs portrait", &mut against_portraits);
    describe("different people, two small Solvay faces", &mut small_pairs);
    let threshold = MatchParams::DEFAULT_THRESHOLD;
    assert!(same[0] >= threshold, "same person {}", same[0]);
    let worst = against_portraits[against_portraits.len() - 1];
    assert!(worst <= threshold - 0.15, "different people {worst}");
}
