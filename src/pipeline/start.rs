//! How the pipeline starts, as `gateward run`, `replay`, `demo` and the benches start it: the
//! tokio runtime of the service, the config's cameras as plans, how many frames are looked at
//! together, and the models and gallery each of those lanes looks with.

use std::io;

use crate::app::gallery::gallery_of;
use crate::camera::{Backoff, CameraInput, CameraSpec, Delivery};
use crate::config::Config;
use crate::pipeline::service::CameraPlan;
use crate::pipeline::vehicles::VehicleEyes;
use crate::pipeline::watch::{CameraInfo, Eyes};
use crate::store::{Store, StoreError};
use crate::vision::face_quality::QualityLimits;
use crate::vision::faces::FaceChain;
use crate::vision::manifest::{Manifest, ManifestError};
use crate::vision::runtime::{ModelError, Runtime, RuntimeError};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot start the service's threads")]
    Threads(#[source] io::Error),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tokio runtime of the service: two worker threads are plenty, the vision work runs on
/// tokio's blocking threads.
pub fn runtime() -> Result<tokio::runtime::Runtime, StartError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gateward")
        .enable_all()
        .build()
        .map_err(StartError::Threads)
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
                input: match CameraInput::from_source(&c.source) {
                    CameraInput::Usb { index, .. } => CameraInput::Usb {
                        index,
                        size: c.size,
                    },
                    other => other,
                },
                fps: c.fps,
                realtime: c.repeat,
                repeat: c.repeat,
                images: config.images,
                quick_open: false,
            },
            sub_stream: c.detect_source.as_ref().map(|sub| {
                let spec = CameraSpec {
                    name: format!("{}（子码流）", c.name),
                    input: CameraInput::from_source(sub),
                    fps: c.fps,
                    realtime: c.repeat,
                    repeat: c.repeat,
                    images: config.images,
                    quick_open: false,
                };
                (spec, c.main_quiet)
            }),
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

/// The models a camera's frames are looked at with, and the gallery of the records' faces.
pub fn load_eyes(config: &Config, store: Option<&Store>) -> Result<Eyes, StartError> {
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    let faces = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )?;
    let gallery = gallery_of(store, faces.model_key())?;
    Ok(Eyes {
        faces,
        gallery,
        params: config.recognition.match_params(),
        limits: QualityLimits::default(),
        vehicles: VehicleEyes::load(&runtime, &manifest, &config.vision)?,
    })
}
