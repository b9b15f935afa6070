//! `gateward bench pipeline`: the time from a 1080p frame's arrival to its gate events — motion
//! gate, faces, vehicles and plates, tracking and the rules — on frames with one face and one
//! vehicle, as percentiles; and what an idle camera's frame costs (the motion gate alone).
//! The last line holds the figures as `name=value`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use image::{Rgb, RgbImage};

use super::measure::median;
use crate::config::Config;
use crate::pipeline::motion::{MotionConfig, MotionGate};
use crate::pipeline::vehicles::VehicleEyes;
use crate::pipeline::watch::{CameraInfo, Eyes, Sink, Watcher};
use crate::recognize::gallery::Gallery;
use crate::vision::decode;
use crate::vision::face_quality::QualityLimits;
use crate::vision::faces::FaceChain;
use crate::vision::image_ops;
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

const FRAME: (u32, u32) = (1920, 1080);

/// Options of `bench pipeline`.
#[derive(Debug, clap::Args)]
pub struct PipelineArgs {
    /// Frames to time.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(3..=10000))]
    pub frames: u32,
    /// The person's photo.
    #[arg(long, value_name = "FILE", default_value = "fixtures/obama.jpg")]
    pub face: PathBuf,
    /// The vehicle's photo [default: fixtures/car-resident-blue.png, a car with a rendered blue plate]
    #[arg(long, value_name = "FILE")]
    pub vehicle: Option<PathBuf>,
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &PipelineArgs) -> anyhow::Result<()> {
    let face = decode::open(&args.face, &config.images)?;
    let vehicle_photo = args.vehicle.clone().unwrap_or_else(default_vehicle);
    let vehicle = decode::open(&vehicle_photo, &config.images)?;
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    let mut eyes = Eyes {
        faces: FaceChain::load(
            &runtime,
            &manifest,
            config.vision.threads,
            config.vision.face_detect(),
        )?,
        gallery: Gallery::default(),
        params: config.recognition.match_params(),
        limits: QualityLimits::default(),
        vehicles: VehicleEyes::load(&runtime, &manifest, &config.vision)?,
    };
    let mut watcher = Watcher::new(
        CameraInfo::new("bench", config.gate.name.clone(), None),
        config.gate.time_zone,
    );
    // The person and the vehicle come closer frame by frame (so every frame has motion).
    let frames = args.frames.max(3);
    let mut latency = Vec::new();
    let mut events = 0;
    for i in 0..=frames {
        let frame = scene(&face, &vehicle, i as f32 / frames as f32)?;
        let offset = Duration::from_millis(100 * u64::from(i));
        let t = Instant::now();
        events += watcher
            .frame(&mut eyes, &frame, offset, Utc::now(), &Sink::default())?
            .len();
        if i > 0 {
            latency.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    latency.sort_by(f64::total_cmp);
    let pct = |p: f64| latency[((latency.len() - 1) as f64 * p).round() as usize];

    // An idle camera: the same still 1080p frame again and again through the motion gate.
    let still = scene(&face, &vehicle, 0.0)?;
    let mut gate = MotionGate::new(MotionConfig::default());
    gate.check(&still);
    let mut idle = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        std::hint::black_box(gate.check(&still));
        idle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    idle.sort_by(f64::total_cmp);
    let idle_ms = median(&idle);

    println!(
        "gateward bench pipeline: {frames} frames of 1920×1080 with a face ({}) and a vehicle ({}) \
         coming closer, {} threads per model; {events} events",
        args.face.display(),
        vehicle_photo.display(),
        config.vision.threads
    );
    println!(
        "frame to events (motion gate, faces, vehicles, plates, tracking, rules): p50 {:.1} ms, \
         p95 {:.1} ms, p99 {:.1} ms, slowest {:.1} ms",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        latency.last().copied().unwrap_or(0.0)
    );
    println!(
        "idle camera: the motion gate takes {idle_ms:.2} ms per 1080p frame, {:.1} % of one core \
         at 10 fps (decoding the stream is ffmpeg's, not counted here)",
        idle_ms * 10.0 / 10.0
    );
    println!(
        "pipeline_p50_ms={:.1} pipeline_p95_ms={:.1} pipeline_p99_ms={:.1} idle_gate_ms={idle_ms:.2} idle_gate_core_pct_10fps={:.2}",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        idle_ms * 10.0 / 10.0
    );
    Ok(())
}

/// The vehicle photo: the fixture car with its rendered blue plate (no faces in the photo, so
/// the frame has exactly one face and one car).
fn default_vehicle() -> PathBuf {
    PathBuf::from("fixtures/car-resident-blue.png")
}

/// A 1080p frame: the face photo on the left, the vehicle photo on the right, both grown by
/// `t` (0..=1) up to 15 %.
fn scene(face: &RgbImage, vehicle: &RgbImage, t: f32) -> anyhow::Result<RgbImage> {
    let mut frame = RgbImage::from_pixel(FRAME.0, FRAME.1, Rgb([118, 118, 118]));
    let grow = 1.0 + 0.15 * t;
    for (img, x0, max_w) in [(face, 40u32, 700u32), (vehicle, 800, 1080)] {
        let scale = (max_w as f32 / img.width() as f32).min(900.0 / img.height() as f32) * grow;
        let w = ((img.width() as f32 * scale) as u32).clamp(1, max_w);
        let h = ((img.height() as f32 * scale) as u32).clamp(1, FRAME.1 - 40);
        let scaled = image_ops::resize(img, w, h)?;
        image::imageops::replace(&mut frame, &scaled, i64::from(x0), 20);
    }
    Ok(frame)
}
