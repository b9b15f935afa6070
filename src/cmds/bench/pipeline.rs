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
use crate::recognize::regions::LookConfig;
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
    /// Look at the whole frame every this many frames instead of `[vision] full_frame_every`
    /// (1: every frame whole, as before the pipeline looked in crops).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=600))]
    pub full_frame_every: Option<u32>,
}

/// One timed scene: what is in the frame, and the percentiles of its frames.
struct Timed {
    p50: f64,
    p95: f64,
    p99: f64,
    slowest: f64,
    events: usize,
    /// Frames looked at whole, and only in crops.
    whole: u64,
    cropped: u64,
}

/// Where a photo goes in a scene's frame: its left and top edges and its height, in pixels
/// of the 1080p frame at the scene's start (it grows by up to 15 % as it comes closer).
struct Place<'a> {
    photo: &'a RgbImage,
    x: u32,
    y: u32,
    height: u32,
    /// The widest it may grow.
    max_w: u32,
    /// Pixels it walks to the left each frame (someone crossing the view).
    walk: u32,
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &PipelineArgs) -> anyhow::Result<()> {
    let open = |p: &std::path::Path| decode::open(p, &config.images);
    let face = open(&args.face)?;
    let vehicle_photo = args.vehicle.clone().unwrap_or_else(default_vehicle);
    let vehicle = open(&vehicle_photo)?;
    // the busy frame: three people and two vehicles
    let others = [
        open(std::path::Path::new("fixtures/biden.jpg"))?,
        open(std::path::Path::new("fixtures/obama2.jpg"))?,
        open(std::path::Path::new("fixtures/truck-yellow.png"))?,
    ];
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
    let frames = args.frames.max(3);
    let setup = Setup {
        config,
        frames,
        looking: LookConfig {
            full_every: args
                .full_frame_every
                .unwrap_or(config.vision.full_frame_every),
            ..config.vision.look()
        },
    };
    let fit = |img: &RgbImage, max_w: u32, max_h: u32| {
        let scale = (max_w as f32 / img.width() as f32).min(max_h as f32 / img.height() as f32);
        (img.height() as f32 * scale) as u32
    };
    // one face and one vehicle, as large as the frame allows (the benchmark of old)
    let one_scene = [
        Place {
            photo: &face,
            x: 40,
            y: 20,
            height: fit(&face, 700, 900),
            max_w: 700,
            walk: 0,
        },
        Place {
            photo: &vehicle,
            x: 800,
            y: 20,
            height: fit(&vehicle, 1080, 900),
            max_w: 1080,
            walk: 0,
        },
    ];
    let one = time_scene(&setup, &mut eyes, &one_scene)?;
    let crowd = [
        Place {
            photo: &face,
            x: 20,
            y: 60,
            height: 380,
            max_w: FRAME.0,
            walk: 0,
        },
        Place {
            photo: &others[0],
            x: 360,
            y: 80,
            height: 360,
            max_w: FRAME.0,
            walk: 0,
        },
        Place {
            photo: &others[1],
            x: 680,
            y: 60,
            height: 380,
            max_w: FRAME.0,
            walk: 0,
        },
        Place {
            photo: &vehicle,
            x: 40,
            y: 520,
            height: fit(&vehicle, 820, 480),
            max_w: FRAME.0,
            walk: 0,
        },
        Place {
            photo: &others[2],
            x: 960,
            y: 420,
            height: fit(&others[2], 900, 580),
            max_w: FRAME.0,
            walk: 0,
        },
    ];
    let crowd = time_scene(&setup, &mut eyes, &crowd)?;
    // far away: the face photo shrunk until the face in it is about 40 px high (the face
    // takes ~30 % of the photo's height), walking across the view as someone far away does
    // (growing alone, it would move too little for the motion gate)
    let far = [Place {
        photo: &face,
        x: 1700,
        y: 500,
        height: 130,
        max_w: FRAME.0,
        walk: 20,
    }];
    let far = time_scene(&setup, &mut eyes, &far)?;

    // An idle camera: the same still 1080p frame again and again through the motion gate.
    let still = scene(&one_scene, 0, frames)?;
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
        "gateward bench pipeline: {frames} frames of 1920×1080 per scene, people and vehicles \
         coming closer, {} threads per model, the whole frame looked at every {} frames at \
         least (crops around what is followed in between)",
        config.vision.threads, setup.looking.full_every
    );
    for (what, t) in [
        (
            format!(
                "a face ({}) and a vehicle ({})",
                args.face.display(),
                vehicle_photo.display()
            ),
            &one,
        ),
        (
            "three people and two vehicles (a car, a yellow-plated truck)".to_owned(),
            &crowd,
        ),
        (
            "one person far away, the face about 40 px high".to_owned(),
            &far,
        ),
    ] {
        println!(
            "{what}: frame to events (motion gate, faces, vehicles, plates, tracking, rules) \
             p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, slowest {:.1} ms; {} events; {} frames \
             looked at whole, {} in crops",
            t.p50, t.p95, t.p99, t.slowest, t.events, t.whole, t.cropped
        );
    }
    println!(
        "idle camera: the motion gate takes {idle_ms:.2} ms per 1080p frame, {:.1} % of one core \
         at 10 fps (decoding the stream is ffmpeg's, not counted here)",
        idle_ms * 10.0 / 10.0
    );
    println!(
        "pipeline_p50_ms={:.1} pipeline_p95_ms={:.1} pipeline_p99_ms={:.1} crowd_p50_ms={:.1} crowd_p95_ms={:.1} crowd_events={} far_p50_ms={:.1} far_p95_ms={:.1} far_events={} idle_gate_ms={idle_ms:.2} idle_gate_core_pct_10fps={:.2} full_frame_every={} pipeline_whole_frames={} pipeline_cropped_frames={}",
        one.p50,
        one.p95,
        one.p99,
        crowd.p50,
        crowd.p95,
        crowd.events,
        far.p50,
        far.p95,
        far.events,
        idle_ms * 10.0 / 10.0,
        setup.looking.full_every,
        one.whole,
        one.cropped
    );
    Ok(())
}

/// What every scene is timed with.
struct Setup<'a> {
    config: &'a Config,
    frames: u32,
    looking: LookConfig,
}

/// Times `frames` frames of a scene through a new camera's watcher (so earlier scenes' tracks do
/// not carry over); the first frame is not counted.
fn time_scene(setup: &Setup, eyes: &mut Eyes, places: &[Place<'_>]) -> anyhow::Result<Timed> {
    let (config, frames) = (setup.config, setup.frames);
    let mut watcher = Watcher::new(
        CameraInfo::new("bench", config.gate.name.clone(), None),
        config.gate.time_zone,
    )
    .looking(setup.looking);
    let mut latency = Vec::new();
    let mut events = 0;
    for i in 0..=frames {
        let frame = scene(places, i, frames)?;
        let offset = Duration::from_millis(100 * u64::from(i));
        let t = Instant::now();
        events += watcher
            .frame(eyes, &frame, offset, Utc::now(), &Sink::default())?
            .len();
        if i > 0 {
            latency.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    latency.sort_by(f64::total_cmp);
    let pct = |p: f64| latency[((latency.len() - 1) as f64 * p).round() as usize];
    Ok(Timed {
        p50: pct(0.5),
        p95: pct(0.95),
        p99: pct(0.99),
        slowest: latency.last().copied().unwrap_or(0.0),
        events,
        whole: watcher.whole,
        cropped: watcher.cropped,
    })
}

/// The vehicle photo: the fixture car with its rendered blue plate (no faces in the photo, so
/// the frame has exactly one face and one car).
fn default_vehicle() -> PathBuf {
    PathBuf::from("fixtures/car-resident-blue.png")
}

/// Frame `i` of `frames` of a scene at 1080p: each photo at its place, walked `i` steps, grown
/// by up to 15 % by the last frame (kept inside the frame).
fn scene(places: &[Place<'_>], i: u32, frames: u32) -> anyhow::Result<RgbImage> {
    let mut frame = RgbImage::from_pixel(FRAME.0, FRAME.1, Rgb([118, 118, 118]));
    let grow = 1.0 + 0.15 * i as f32 / frames.max(1) as f32;
    for p in places {
        let x = p.x.saturating_sub(p.walk * i);
        let scale = p.height as f32 * grow / p.photo.height() as f32;
        let w = ((p.photo.width() as f32 * scale) as u32).clamp(1, p.max_w.min(FRAME.0 - x));
        let h = ((p.photo.height() as f32 * scale) as u32).clamp(1, FRAME.1 - p.y);
        let scaled = image_ops::resize(p.photo, w, h)?;
        image::imageops::replace(&mut frame, &scaled, i64::from(x), i64::from(p.y));
    }
    Ok(frame)
}
