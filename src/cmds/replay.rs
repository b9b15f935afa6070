//! `gateward replay VIDEO|DIR|rtsp://…`: the live pipeline on recorded footage (or a camera),
//! printing each gate event — for tests, for training, and for checking a new camera.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;

use super::events::print_events;
use crate::app::gallery::records_if_any;
use crate::app::when;
use crate::camera::{Backoff, CameraInput, CameraSpec, Delivery};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::Direction;
use crate::pipeline::service::{CameraHealth, CameraPlan, Service, Settings, Timing};
use crate::pipeline::start::{load_eyes, runtime};
use crate::pipeline::watch::CameraInfo;

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
    /// Record the events in the gate log, with snapshots (by default a replay records nothing).
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
    let store = records_if_any(&config.paths.data)?;
    let eyes = load_eyes(config, store.as_ref())?;
    let name = args
        .camera
        .clone()
        .unwrap_or_else(|| default_name(&args.source));
    let live = matches!(input, CameraInput::Rtsp(_) | CameraInput::Usb { .. });
    let fps = args
        .fps
        .or(matches!(input, CameraInput::Folder(_)).then_some(5.0));
    let plan = CameraPlan {
        spec: CameraSpec {
            name: name.clone(),
            input,
            fps,
            realtime: false,
            repeat: false,
            images: config.images,
            quick_open: false,
        },
        info: CameraInfo::new(name, config.gate.name.clone(), args.direction),
        delivery: if live {
            Delivery::LatestWins
        } else {
            Delivery::EveryFrame
        },
        backoff: Backoff::default(),
        sub_stream: None,
    };
    let settings = Settings {
        tz,
        record: args.record,
        snapshots: (args.record && config.retention.snapshots_days > 0)
            .then(|| config.paths.data.clone()),
        sightings: (args.record && config.retention.sightings_days > 0)
            .then(|| config.paths.data.clone()),
        ..Settings::new(config, Timing::Replay { start })
    };
    let began = Instant::now();
    let runtime = runtime()?;
    let (health, events) = runtime.block_on(async move {
        let (service, events) =
            Service::start(vec![plan], vec![eyes], store.map(Arc::new), settings);
        let printer = tokio::spawn(print_events(events, args.json_events));
        let health = service.finished().await;
        (health, printer.await)
    });
    let events = events??;
    if !args.json_events
        && let Some(CameraHealth {
            received,
            looked,
            still,
            ..
        }) = health.first()
    {
        println!(
            "{received} frames in {:.1} s: {looked} looked at, {still} without motion; {events} events",
            began.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

/// Where the frames come from: rtsp:// is a camera, a folder is images, anything else a video.
fn input_of(source: &str) -> anyhow::Result<CameraInput> {
    if !source.contains("://") && crate::camera::usb_index(source).is_none() {
        std::fs::metadata(source).with_context(|| {
            format!(
                "{source} does not exist: give a video file, a folder of images or an rtsp:// address"
            )
        })?;
    }
    Ok(CameraInput::from_source(source))
}

fn default_name(source: &str) -> String {
    Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && !source.starts_with("rtsp"))
        .unwrap_or_else(|| "camera".to_owned())
}
