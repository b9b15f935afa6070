//! Face alignment and embedding on real photos through the real ONNX Runtime: the same person
//! is similar across photos, different people are not, and batching changes nothing.

mod common;

use common::runtime;

use std::sync::OnceLock;

use gateward::vision::align::{FACE_SIZE, align_face};
use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::face_embed::{BATCH, Embedding, FaceEmbedder, cosine};
use gateward::vision::manifest::Manifest;
use image::RgbImage;

fn embedder() -> FaceEmbedder {
    let manifest = Manifest::load(&common::models()).expect("models/manifest.toml");
    FaceEmbedder::load(runtime(), &manifest, 2).expect("face_embed loads")
}

/// The 5 landmarks (image-left eye, image-right eye, nose, mouth left, mouth right) of the one
/// face in each fixture photo, in pixels of the photo at full resolution. Measured with Python
/// onnxruntime 1.31.1 running `models/retinaface_mnet025.onnx` on the whole photo (BGR minus
/// (104, 117, 123), NCHW) and decoding the best-scoring prior as `models/MODELS.md` describes
/// (scores 0.9985–0.9999), until `vision::face_detect` can produce them here.
const FACES: [(&str, [[f32; 2]; 5]); 5] = [
    (
        "obama.jpg",
        [
            [436.69, 210.16],
            [549.67, 209.07],
            [493.49, 278.84],
            [437.19, 320.29],
            [549.55, 318.69],
        ],
    ),
    (
        "obama2.jpg",
        [
            [253.02, 373.65],
            [372.73, 386.69],
            [280.64, 447.68],
            [245.83, 512.75],
            [351.67, 523.81],
        ],
    ),
    (
        "obama3.jpg",
        [
            [738.74, 389.42],
            [856.44, 395.51],
            [809.47, 440.44],
            [739.71, 511.27],
            [844.22, 516.72],
        ],
    ),
    (
        "biden.jpg",
        [
            [533.85, 324.74],
            [655.62, 349.54],
            [597.95, 408.93],
            [512.83, 453.04],
            [623.42, 473.88],
        ],
    ),
    (
        "astronaut.png",
        [
            [204.81, 100.78],
            [247.38, 103.42],
            [223.56, 129.24],
            [202.49, 138.15],
            [244.22, 140.56],
        ],
    ),
];

/// The five fixture faces, aligned.
fn aligned() -> &'static [RgbImage] {
    static FACES_ALIGNED: OnceLock<Vec<RgbImage>> = OnceLock::new();
    FACES_ALIGNED.get_or_init(|| {
        FACES
            .iter()
            .map(|(file, landmarks)| {
                let img = decode::open(&common::fixture(file), &ImageLimits::default())
                    .expect("fixture photo");
                align_face(&img, landmarks)
            })
            .collect()
    })
}

fn index(file: &str) -> usize {
    FACES
        .iter()
        .position(|(f, _)| *f == file)
        .expect("known fixture")
}

fn matrix(e: &[Embedding]) -> Vec<Vec<f32>> {
    e.iter()
        .map(|a| e.iter().map(|b| cosine(a, b)).collect())
        .collect()
}

#[test]
fn the_same_person_is_similar_and_different_people_are_not() {
    let faces = aligned();
    let e = embedder().embed(faces).expect("embeddings");
    assert_eq!(e.len(), FACES.len());
    let m = matrix(&e);
    let mut table = String::new();
    for (i, row) in m.iter().enumerate() {
        table.push_str(&format!("{:>14}", FACES[i].0));
        for v in row {
            table.push_str(&format!(" {v:>7.3}"));
        }
        table.push('\n');
    }
    eprintln!("cosine similarity:\n{table}");
    let cos = |a: &str, b: &str| m[index(a)][index(b)];
    for (a, b) in [
        ("obama.jpg", "obama2.jpg"),
        ("obama.jpg", "obama3.jpg"),
        ("obama2.jpg", "obama3.jpg"),
    ] {
        assert!(cos(a, b) > 0.6, "{a} vs {b}: {}\n{table}", cos(a, b));
    }
    for (a, b) in [
        ("obama.jpg", "biden.jpg"),
        ("obama.jpg", "astronaut.png"),
        ("biden.jpg", "astronaut.png"),
        ("obama2.jpg", "biden.jpg"),
        ("obama3.jpg", "biden.jpg"),
    ] {
        assert!(cos(a, b) < 0.4, "{a} vs {b}: {}\n{table}", cos(a, b));
    }
}

#[test]
fn embeddings_have_unit_length() {
    let e = embedder().embed(aligned()).expect("embeddings");
    for (emb, (file, _)) in e.iter().zip(&FACES) {
        let norm = emb.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{file}: norm {norm}");
    }
}

#[test]
fn a_batch_gives_what_one_by_one_gives() {
    let faces = aligned();
    let mut embedder = embedder();
    let batch = embedder.embed(faces).expect("batch");
    for (i, face) in faces.iter().enumerate() {
        let one = embedder.embed_one(face).expect("one");
        let diff = one
            .iter()
            .zip(&batch[i])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "{}: max diff {diff}", FACES[i].0);
    }
    // More faces than one run takes: split into runs, order kept.
    let many: Vec<RgbImage> = faces.iter().cycle().take(BATCH + 4).cloned().collect();
    let out = embedder.embed(&many).expect("several runs");
    assert_eq!(out.len(), many.len());
    for (k, emb) in out.iter().enumerate() {
        let diff = emb
            .iter()
            .zip(&batch[k % faces.len()])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "face {k}: max diff {diff}");
    }
    assert!(embedder.embed(&[]).expect("nothing to do").is_empty());
}

#[test]
fn a_face_not_aligned_to_the_template_size_is_refused_with_a_reason() {
    let wrong = RgbImage::new(FACE_SIZE, FACE_SIZE + 1);
    let err = embedder().embed(&[wrong]).expect_err("wrong size");
    assert!(err.to_string().contains("112×112"), "{err}");
}
