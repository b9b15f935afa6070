//! `gateward bench faces`: how long each stage of the face chain takes on this machine, for a
//! 1920×1080 frame with one face and with 29 faces, and gallery search at 1k/10k/100k.
//!
//! The frames are real photos placed on a 1920×1080 canvas (scaled to its height, centred), so
//! the detector sees the size a gate camera sends. Each stage is timed over `--runs` runs after
//! one warm-up run; the table shows the median and the slowest run.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use comfy_table::Table;
use image::RgbImage;

use super::measure::{median, on_canvas};
use crate::config::Config;
use crate::recognize::gallery::RandomEmbeddings;
use crate::vision::align::align_face;
use crate::vision::decode;
use crate::vision::face_detect::FaceDetector;
use crate::vision::face_embed::{Embedding, FaceEmbedder};
use crate::vision::face_quality;
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

/// Options of `bench faces`.
#[derive(Debug, clap::Args)]
pub struct FacesArgs {
    /// Timed runs per stage (after one warm-up run)
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Photo with one face [default: fixtures/astronaut.png]
    #[arg(long, value_name = "FILE")]
    pub one_face: Option<PathBuf>,
    /// Photo with many faces [default: fixtures/solvay-1927.png]
    #[arg(long, value_name = "FILE")]
    pub many_faces: Option<PathBuf>,
}

/// Frame size a gate camera sends.
const FRAME: (u32, u32) = (1920, 1080);

/// Runs the benchmark.
pub fn run(config: &Config, args: &FacesArgs) -> anyhow::Result<()> {
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    let threads = config.vision.threads;
    let detect_config = config.vision.face_detect();
    let mut detector = FaceDetector::load(&runtime, &manifest, threads, detect_config)?;
    let mut embedder = FaceEmbedder::load(&runtime, &manifest, threads)?;
    let photo = |given: &Option<PathBuf>, default: &str| -> anyhow::Result<RgbImage> {
        let path = given.clone().unwrap_or_else(|| PathBuf::from(default));
        let img = decode::open(&path, &config.images).with_context(|| {
            format!(
                "run this in the gateward folder, or name the photo with --one-face / --many-faces \
                 ({})",
                path.display()
            )
        })?;
        on_canvas(&img, FRAME, true)
    };
    let frames = [
        ("1 face", photo(&args.one_face, "fixtures/astronaut.png")?),
        (
            "29 faces",
            photo(&args.many_faces, "fixtures/solvay-1927.png")?,
        ),
    ];
    println!(
        "gateward bench faces: {}×{} frames, {} threads per model, face detector at ≤ {} px, {} runs \
         (median / slowest, ms)",
        FRAME.0, FRAME.1, threads, detect_config.max_side, args.runs
    );
    let mut table = Table::new();
    table.set_header(["stage", "frame", "faces", "median ms", "slowest ms"]);
    for (label, frame) in &frames {
        let mut stages: Vec<(&str, Vec<f64>)> = [
            "detect: resize + tensor",
            "detect: model",
            "detect: decode + NMS",
            "align (all faces)",
            "quality (all faces)",
            "embed (all faces, batched)",
            "total",
        ]
        .into_iter()
        .map(|s| (s, Vec::new()))
        .collect();
        let mut found = 0;
        for run in 0..=args.runs {
            let t0 = Instant::now();
            let prepared = detector.prepare(frame)?.context("the frame is empty")?;
            let t1 = Instant::now();
            let outputs = detector.infer(&prepared)?;
            let t2 = Instant::now();
            let faces = detector.decode_outputs(&outputs, prepared.frame)?;
            let t3 = Instant::now();
            let aligned: Vec<RgbImage> = faces
                .iter()
                .map(|f| align_face(frame, &f.landmarks))
                .collect();
            let t4 = Instant::now();
            let qualities: Vec<_> = faces
                .iter()
                .zip(&aligned)
                .map(|(f, a)| face_quality::assess(f, a, frame.dimensions()))
                .collect();
            let t5 = Instant::now();
            let embeddings: Vec<Embedding> = embedder.embed(&aligned)?;
            let t6 = Instant::now();
            std::hint::black_box((&qualities, &embeddings));
            found = faces.len();
            if run == 0 {
                continue; // warm-up
            }
            for (i, (a, b)) in [
                (t0, t1),
                (t1, t2),
                (t2, t3),
                (t3, t4),
                (t4, t5),
                (t5, t6),
                (t0, t6),
            ]
            .into_iter()
            .enumerate()
            {
                stages[i].1.push((b - a).as_secs_f64() * 1e3);
            }
        }
        for (stage, mut times) in stages {
            times.sort_by(f64::total_cmp);
            table.add_row([
                stage.to_owned(),
                (*label).to_owned(),
                found.to_string(),
                format!("{:.1}", median(&times)),
                format!("{:.1}", times.last().copied().unwrap_or(0.0)),
            ]);
        }
    }
    println!("{table}");

    let params = config.recognition.match_params();
    let mut table = Table::new();
    table.set_header(["gallery search", "embeddings", "median ms", "slowest ms"]);
    for size in [1_000usize, 10_000, 100_000] {
        let mut rng = RandomEmbeddings::new(0x5EED_F00D ^ size as u64);
        let gallery = rng.gallery(size, 5);
        let queries: Vec<Embedding> = (0..args.runs.max(32)).map(|_| rng.unit()).collect();
        let mut times: Vec<f64> = queries
            .iter()
            .map(|q| {
                let t = Instant::now();
                std::hint::black_box(gallery.search(q, &params));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        table.add_row([
            "one face, 5 embeddings per person".to_owned(),
            size.to_string(),
            format!("{:.3}", median(&times)),
            format!("{:.3}", times.last().copied().unwrap_or(0.0)),
        ]);
    }
    println!("{table}");
    Ok(())
}
