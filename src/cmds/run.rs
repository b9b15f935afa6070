//! `gateward run`: the service. Watches every camera of the config until stopped (Ctrl-C or
//! SIGTERM), records each gate event with its snapshot, keeps the list of vehicles inside, and
//! prints the events; snapshots and face sightings past their retention are deleted hourly.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use super::known::{load_eyes, purge_sightings};
use super::replay::print_events;
use crate::camera::{Backoff, CameraInput, CameraSpec, Delivery};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::pipeline::service::{CameraHealth, CameraPlan, Service, Settings, Timing};
use crate::pipeline::snapshot;
use crate::pipeline::watch::CameraInfo;
use crate::store::Store;

/// How often expired snapshots and sightings are deleted.
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print each event as one line of JSON (for scripts and tests).
    #[arg(long)]
    pub json_events: bool,
    /// Do not write events to the gate log (to try a camera without filling the records).
    #[arg(long)]
    pub no_record: bool,
}

/// The tokio runtime of the service: two worker threads are plenty, the vision work runs on
/// tokio's blocking threads.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gateward")
        .enable_all()
        .build()
        .context("cannot start the service's threads")
}

/// The config's cameras as the service watches them: live, newest frame wins; a video file
/// with `repeat` plays at its own speed, again and again, like a camera.
pub fn plans(config: &Config) -> Vec<CameraPlan> {
    config
        .cameras
        .iter()
        .map(|c| CameraPlan {
            spec: CameraSpec {
                name: c.name.clone(),
                input: CameraInput::from_source(&c.source),
                fps: c.fps,
                realtime: c.repeat,
                repeat: c.repeat,
            },
            info: CameraInfo {
                name: c.name.clone(),
                gate: c.gate.clone(),
                direction: c.direction,
                role: c.role,
                roi: c.roi,
            },
            delivery: Delivery::LatestWins,
            backoff: Backoff::default(),
        })
        .collect()
}

/// How many frames are looked at together: one per `threads` cores (one on a 2-core box,
/// whose every inference runs on both cores). Each needs its own set of models.
pub fn lanes(config: &Config) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores / config.vision.threads.max(1)).max(1)
}

/// Runs the service until Ctrl-C or SIGTERM.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    if config.cameras.is_empty() {
        anyhow::bail!(
            "no cameras are set up in {}: add a [[camera]] section for each camera with its name and source (an rtsp:// address or a video file); see gateward.toml in the repository",
            config
                .source
                .as_ref()
                .map_or_else(|| "the config".to_owned(), |p| p.display().to_string())
        );
    }
    let data = &config.paths.data;
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    let store = Store::open(crate::store::database_path(data))?;
    let eyes = (0..lanes(config))
        .map(|_| load_eyes(config, Some(&store)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = Arc::new(store);
    let record = !args.no_record;
    let settings = Settings {
        tz: config.gate.time_zone,
        timing: Timing::Live(Arc::new(SystemClock)),
        record,
        snapshots: (record && config.retention.snapshots_days > 0).then(|| data.clone()),
    };
    let plans = plans(config);
    for p in &plans {
        tracing::info!(camera = %p.info.name, gate = %p.info.gate, role = %p.info.role, "watching");
    }
    let config = config.clone();
    let health = runtime()?.block_on(async move {
        let (service, events) = Service::start(plans, eyes, Some(Arc::clone(&store)), settings);
        let printer = tokio::spawn(print_events(events, args.json_events));
        let keeper = tokio::spawn(housekeeping(config, store));
        let why = stopped().await;
        tracing::info!("{why}: stopping the cameras");
        let health = service.stop().await;
        keeper.abort();
        if let Ok(Err(e)) = printer.await {
            tracing::warn!("printing events stopped: {e}");
        }
        health
    });
    for h in &health {
        eprintln!("{}", summary(h));
    }
    Ok(())
}

/// One line about a camera at the end: what it read, dropped and looked at.
fn summary(h: &CameraHealth) -> String {
    format!(
        "{}（{}）: {} frames, {} dropped while busy, {} looked at, {} without motion, {} errors",
        h.name, h.gate, h.received, h.dropped, h.looked, h.still, h.errors
    )
}

/// Waits for Ctrl-C or SIGTERM; says which.
async fn stopped() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Every hour: deletes the snapshots and face sightings past their retention.
async fn housekeeping(config: Config, store: Arc<Store>) {
    let mut every = tokio::time::interval(HOUSEKEEPING);
    loop {
        every.tick().await;
        let (config, store) = (config.clone(), Arc::clone(&store));
        let done = tokio::task::spawn_blocking(move || {
            let data = &config.paths.data;
            let today = SystemClock
                .now()
                .with_timezone(&config.gate.time_zone)
                .date_naive();
            match snapshot::prune(data, today, config.retention.snapshots_days) {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} snapshots past their retention deleted"),
                Err(e) => tracing::warn!("cannot delete old snapshots: {e}"),
            }
            match purge_sightings(&store, data, config.retention.sightings_days) {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} face sightings past their retention deleted"),
                Err(e) => tracing::warn!("cannot delete old face sightings: {e}"),
            }
        })
        .await;
        if done.is_err() {
            tracing::error!("housekeeping failed");
        }
    }
}
