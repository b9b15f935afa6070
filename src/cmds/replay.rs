//! `gateward replay VIDEO|DIR|rtsp://…`: the live pipeline on recorded footage (or a camera),
//! printing each gate event — for tests, for training, and for checking a new camera.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::known::{gallery_of, records_if_any};
use super::when;
use crate::camera::{Backoff, Camera, CameraInput, CameraSpec, CameraState, Delivery};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::Direction;
use crate::pipeline::vehicles::VehicleEyes;
use crate::pipeline::watch::{CameraInfo, Eyes, GateEventOut, Watcher};
use crate::vision::face_quality::QualityLimits;
use crate::vision::faces::FaceChain;
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A video file, a folder of images (played in file-name order) or an rtsp:// address.
    pub source: String,
    /// Print each event as one line of JSON (for scripts and tests).
    #[arg(long)]
    pub json_events: bool,
    /// Frames per second to take from the source (a folder of images defaults to 5).
    #[arg(long)]
    pub fps: Option<f32>,
    /// Local time the footage starts at, e.g. "2026-11-28 07:30" (default: now). Greetings and
    /// shifts follow it.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// The camera's name in the events (default: the file or folder name).
    #[arg(long)]
    pub camera: Option<String>,
    /// The way the camera looks: in or out (default: from each person's or car's motion).
    #[arg(long)]
    pub direction: Option<Direction>,
    /// Record the events in the gate log (by default a replay records nothing).
    #[arg(long)]
    pub record: bool,
}

/// Runs the replay.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let input = input_of(&args.source)?;
    let start = match &args.start {
        Some(text) => {
            let today = SystemClock.now().with_timezone(&tz).date_naive();
            when::to_utc(when::parse_local(text, today)?, tz)?
        }
        None => SystemClock.now(),
    };
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load(&config.paths.models)?;
    let faces = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )?;
    let store = records_if_any(&config.paths.data)?;
    let gallery = gallery_of(store.as_ref(), faces.model_key())?;
    let mut eyes = Eyes {
        faces,
        gallery,
        params: config.recognition.match_params(),
        limits: QualityLimits::default(),
        vehicles: VehicleEyes::load(&runtime, &manifest, &config.vision)?,
    };
    let name = args
        .camera
        .clone()
        .unwrap_or_else(|| default_name(&args.source));
    let live = matches!(input, CameraInput::Rtsp(_));
    let fps = args
        .fps
        .or(matches!(input, CameraInput::Folder(_)).then_some(5.0));
    let camera = Camera::spawn(
        CameraSpec {
            name: name.clone(),
            input,
            fps,
            realtime: false,
        },
        if live {
            Delivery::LatestWins
        } else {
            Delivery::EveryFrame
        },
        Backoff::default(),
    );
    let mut watcher = Watcher::new(
        CameraInfo {
            name,
            gate: config.gate.name.clone(),
            direction: args.direction,
        },
        tz,
    );
    let began = Instant::now();
    let mut events = 0usize;
    let mut last_state = CameraState::Connecting;
    loop {
        let Some(frame) = camera.recv(Duration::from_millis(500)) else {
            let state = camera.state();
            if state != last_state {
                if let CameraState::Reconnecting { error, .. } = &state {
                    eprintln!("camera: {error}; retrying");
                }
                last_state = state.clone();
            }
            if matches!(state, CameraState::Ended | CameraState::Stopped) {
                break;
            }
            continue;
        };
        let at = start
            + chrono::Duration::from_std(frame.offset).unwrap_or_else(|_| chrono::Duration::zero());
        for e in watcher.frame(
            &mut eyes,
            &frame.image,
            frame.offset,
            at,
            store.as_ref(),
            args.record,
        )? {
            events += 1;
            print_event(&e, args.json_events)?;
        }
    }
    watcher.finish();
    let frames = camera.received();
    camera.stop();
    if !args.json_events {
        println!(
            "{frames} frames in {:.1} s: {} looked at, {} without motion; {events} events",
            began.elapsed().as_secs_f64(),
            watcher.looked,
            watcher.still
        );
    }
    Ok(())
}

/// Where the frames come from: rtsp:// is a camera, a folder is images, anything else a video.
fn input_of(source: &str) -> anyhow::Result<CameraInput> {
    if source.starts_with("rtsp://") || source.starts_with("rtsps://") {
        return Ok(CameraInput::Rtsp(source.to_owned()));
    }
    let path = PathBuf::from(source);
    let meta = std::fs::metadata(&path).with_context(|| {
        format!(
            "{source} does not exist: give a video file, a folder of images or an rtsp:// address"
        )
    })?;
    Ok(if meta.is_dir() {
        CameraInput::Folder(path)
    } else {
        CameraInput::File(path)
    })
}

fn default_name(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && !source.starts_with("rtsp"))
        .unwrap_or_else(|| "camera".to_owned())
}

fn print_event(e: &GateEventOut, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(e)?);
        return Ok(());
    }
    let when = e.at.get(11..19).unwrap_or(&e.at);
    let what = match (&e.person, &e.plate) {
        (Some(p), _) => format!("{}（{}，相似度 {:.2}）", p.name, p.class_zh, p.similarity),
        (None, Some(p)) => format!(
            "车牌 {}{}",
            p.formatted,
            p.large_reason
                .as_ref()
                .map(|r| format!("（{r}）"))
                .unwrap_or_default()
        ),
        (None, None) if e.kind == "person" => "陌生人".to_owned(),
        _ => "车辆（车牌未读出）".to_owned(),
    };
    let direction = match e.direction {
        Some("in") => " 进",
        Some("out") => " 出",
        _ => "",
    };
    println!(
        "{when} [{:.1}s] {}{direction} {}: {what} · {}",
        e.stream_s,
        if e.event == "arrival" {
            "到达"
        } else {
            "更新"
        },
        if e.kind == "person" {
            "人员"
        } else {
            "车辆"
        },
        e.say
    );
    Ok(())
}
