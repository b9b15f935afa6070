//! The TOML configuration (`gateward.toml`): the gate, its time zone, where data and models live.
//!
//! Relative paths in a config file are taken relative to the folder of that file, so a config
//! can be moved together with its data. Command-line options (`--data`, `--models`) override
//! the file; they are relative to the current directory like any other path on a command line.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::{CameraRole, Direction};
use crate::recognize::regions::LookConfig;
use crate::vision::decode::ImageLimits;
use crate::vision::face_detect::FaceDetectConfig;
use crate::vision::manifest::Precision;
use crate::vision::plate_detect::PlateDetectConfig;

/// The name of the config file looked for in the current directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "gateward.toml";

/// What went wrong reading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}; check the path given to --config")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the config file {path} is not valid: {message}; see gateward.toml in the repository for every setting"
    )]
    Parse { path: PathBuf, message: String },
    #[error(
        "unknown time zone \"{name}\" in {path} ([gate] time_zone); use a name such as Asia/Shanghai"
    )]
    TimeZone { path: PathBuf, name: String },
    #[error("camera {number} (\"{name}\") in {path}: {message}")]
    Camera {
        path: PathBuf,
        number: usize,
        name: String,
        message: String,
    },
    #[error("{what} must be at least 1 in {path}")]
    Zero { path: PathBuf, what: &'static str },
    #[error("[web] in {path}: {message}")]
    Web { path: PathBuf, message: String },
    #[error("[box] or [store] in {path}: {message}")]
    Compound { path: PathBuf, message: String },
    #[error("{what} must be between {min} and {max} in {path}; got {value}")]
    Range {
        path: PathBuf,
        what: &'static str,
        value: f32,
        min: f32,
        max: f32,
    },
}

/// The configuration in force, after the file and the command-line overrides.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
    pub gate: Gate,
    pub paths: Paths,
    pub vision: Vision,
    /// How large photos from outside may be, and how many are decoded at once (`[images]`).
    pub images: ImageLimits,
    pub recognition: Recognition,
    pub retention: Retention,
    /// The cameras `gateward run` watches, in the file's order.
    pub cameras: Vec<CameraConfig>,
    pub web: Web,
    pub training: Training,
    /// Where events are published over MQTT; `None` publishes nothing.
    pub mqtt: Option<Mqtt>,
    /// Where every event is POSTed as JSON; `None` sends nothing.
    pub webhook: Option<Webhook>,
    /// This gate box's name among the compound's boxes (`[box] name`; the gate's name when not
    /// given); its events carry it in the shared store.
    pub box_name: String,
    /// The compound's shared store (`[store] url`, or `--store`): a PostgreSQL address, or
    /// `None` for a one-box compound, whose records stay in its own SQLite file only.
    pub shared_store: Option<String>,
}

/// The guard's screen and the manager's pages (`[web]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Web {
    /// Address and port the web app listens on, e.g. 0.0.0.0:8080 for the whole local network.
    pub listen: String,
    /// Mark the session cookie `Secure` (sent over HTTPS only): turn on behind a TLS proxy.
    pub secure_cookie: bool,
    /// Hours a login lasts without being used (a shift is 6).
    pub session_hours: u32,
    /// HTTPS (加密连接), or `None` for plain HTTP.
    pub tls: Option<Tls>,
}

impl Web {
    /// Whether the cookies are `Secure`: asked for behind a proxy, or served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookie || self.tls.is_some()
    }
}

/// Where the web app's HTTPS certificate comes from (`[web] tls_cert`/`tls_key`, or `https`).
#[derive(Debug, Clone, PartialEq)]
pub enum Tls {
    /// A certificate and its private key, PEM files (e.g. from the compound's IT).
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate made in the data folder on first run, for these host names
    /// and addresses besides the box's own (`[web] tls_names`).
    SelfSigned { names: Vec<String> },
}

/// Training new guards (`[training]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Training {
    /// Minutes without an arrival before the guard's screen offers a short review.
    pub quiet_minutes: u32,
    /// New cards a guard is given a day (reviews of cards seen before are not counted).
    pub new_cards_per_day: u32,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            quiet_minutes: 3,
            new_cards_per_day: 20,
        }
    }
}

/// The MQTT broker events are published to (`[mqtt]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Mqtt {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Topics start with this: `{prefix}/{gate}/{kind}`.
    pub topic_prefix: String,
    /// Publish Home Assistant discovery messages for the sensors.
    pub discovery: bool,
    /// Home Assistant's discovery prefix.
    pub discovery_prefix: String,
}

/// The webhook every event is sent to (`[webhook]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// An http:// address on the local network.
    pub url: String,
    /// Seconds to wait for an answer before giving up on one event.
    pub timeout_s: u32,
}

/// One camera (`[[camera]]` in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct CameraConfig {
    /// The name the guard knows it by (东门入口); unique.
    pub name: String,
    /// An rtsp:// address, a video file or a folder of images (relative paths follow the file).
    pub source: String,
    /// The gate it watches; the `[gate]` name when not given.
    pub gate: String,
    /// The way it looks: everything it sees comes in (or goes out); `None` ("both") when the
    /// direction is told from each person's or car's motion.
    pub direction: Option<Direction>,
    /// What it is placed to see: only the models it needs are run on its frames.
    pub role: CameraRole,
    /// The part of the frame that is looked at, as fractions of the frame; the whole frame when
    /// `None`. Motion and faces outside it (a road, a neighbour's door) are ignored.
    pub roi: Option<Roi>,
    /// Frames per second taken from the camera (the stream's own rate when `None`).
    pub fps: Option<f32>,
    /// For a video file: play it again from the start when it ends, at its own speed, as if it
    /// were a live camera (for demos and soak tests).
    pub repeat: bool,
    /// The camera's sub-stream (e.g. 640×360), read all the time for the motion gate; the main
    /// `source` is then opened only while something moves. `None`: `source` is read all the time.
    pub detect_source: Option<String>,
    /// With a sub-stream: how long the main stream stays open after the last motion.
    pub main_quiet: std::time::Duration,
    /// For a USB camera: the picture size (width, height) to ask it for; `None`: the largest
    /// it gives at a usable rate.
    pub size: Option<(u32, u32)>,
}

/// How long a main stream stays open after the last motion by default (`main_quiet_s`).
pub const DEFAULT_MAIN_QUIET_S: u32 = 10;

/// A region of the frame, as fractions of its width and height from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Roi {
    /// The region in pixels of a `width`×`height` frame: x, y, width, height, at least 1×1 and
    /// inside the frame.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let px = |f: f32, n: u32| ((f * n as f32).round() as u32).min(n.saturating_sub(1));
        let x = px(self.x, width);
        let y = px(self.y, height);
        let w = ((self.w * width as f32).round() as u32)
            .min(width - x)
            .max(1);
        let h = ((self.h * height as f32).round() as u32)
            .min(height - y)
            .max(1);
        (x, y, w, h)
    }
}

/// How long personal data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days a face sighting (embedding and crop of a face seen) is kept so a guard can correct
    /// it; 0 records none. A correction keeps its own copy for as long as the person is enrolled.
    pub sightings_days: u32,
    /// Days an event's snapshot (the frame with its boxes) is kept; 0 saves none. The event
    /// itself stays in the gate log.
    pub snapshots_days: u32,
}

/// The gate this box watches.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Shown on the guard's screen and in the records, e.g. "东门".
    pub name: String,
    /// The gate's local time zone: greetings, shifts and gate hours follow it.
    pub time_zone: Tz,
    /// How long after someone (or a plate) was last seen at the gate a sighting of them is
    /// still the same visit, not a new arrival (see `recognize::visits`).
    pub visit_window: std::time::Duration,
}

/// The default visit window: 5 minutes (see the README, "One arrival per visit").
pub const VISIT_WINDOW_S: u64 = 300;

/// Where things live on disk.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Records, snapshots and face thumbnails.
    pub data: PathBuf,
    /// The model pack: `manifest.toml` and the ONNX files it lists.
    pub models: PathBuf,
    /// The ONNX Runtime shared library; `None` means the one `scripts/setup` installed.
    pub onnxruntime: Option<PathBuf>,
}

/// How the models run.
#[derive(Debug, Clone)]
pub struct Vision {
    /// Threads each model may use for one inference.
    pub threads: usize,
    /// Longer side, in pixels, a frame is shrunk to before face detection (faces are still
    /// cut from the full frame for recognition). See `vision::face_detect`'s resolution policy.
    pub face_detect_side: u32,
    /// Longer side, in pixels, a frame is shrunk to before plate detection (plates are still
    /// cut from the full frame for reading).
    pub plate_detect_side: u32,
    /// Look at the whole frame at least once every this many looked frames; in between, only
    /// around the faces and vehicles followed (see `recognize::regions`). 1: every frame whole.
    pub full_frame_every: u32,
    /// Which file of each model to run: `int8` (the INT8 file of each model that has one in the
    /// pack, FP32 for the others) or `fp32` (every FP32 file).
    pub precision: Precision,
}

impl Vision {
    /// The face detector's settings: its defaults with this config's detection size.
    pub fn face_detect(&self) -> FaceDetectConfig {
        FaceDetectConfig {
            max_side: self.face_detect_side,
            ..FaceDetectConfig::default()
        }
    }

    /// Where the pipeline looks in a frame: whole every `full_frame_every` frames, crops between.
    pub fn look(&self) -> LookConfig {
        LookConfig {
            full_every: self.full_frame_every,
            plate_side: self.plate_detect_side,
            ..LookConfig::default()
        }
    }

    /// The plate detector's settings: its defaults with this config's detection size.
    pub fn plate_detect(&self) -> PlateDetectConfig {
        PlateDetectConfig {
            max_side: self.plate_detect_side,
            ..PlateDetectConfig::default()
        }
    }
}

/// When a face is named (see `recognize::gallery::MatchParams`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recognition {
    /// Least cosine similarity to name a person.
    pub face_threshold: f32,
    /// Least lead over the second-best person.
    pub face_margin: f32,
}

impl Recognition {
    /// The gallery's match parameters with this config's threshold and margin.
    pub fn match_params(&self) -> crate::recognize::gallery::MatchParams {
        crate::recognize::gallery::MatchParams {
            threshold: self.face_threshold,
            margin: self.face_margin,
            ..crate::recognize::gallery::MatchParams::default()
        }
    }
}

/// Overrides given on the command line; `None` leaves the file's value.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data: Option<PathBuf>,
    pub models: Option<PathBuf>,
    /// `--store URL`: the shared store, over `[store] url`.
    pub store: Option<String>,
}

// The file's shape. Every section and key is optional; unknown keys are refused so that a
// misspelt setting is reported instead of silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileConfig {
    gate: FileGate,
    paths: FilePaths,
    vision: FileVision,
    images: FileImages,
    recognition: FileRecognition,
    retention: FileRetention,
    #[serde(rename = "camera")]
    cameras: Vec<FileCamera>,
    web: FileWeb,
    training: FileTraining,
    mqtt: Option<FileMqtt>,
    webhook: Option<FileWebhook>,
    #[serde(rename = "box")]
    gate_box: FileBox,
    store: FileStore,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileBox {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileStore {
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileWeb {
    listen: String,
    secure_cookie: bool,
    session_hours: u32,
    https: bool,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_names: Vec<String>,
}

impl Default for FileWeb {
    fn default() -> Self {
        FileWeb {
            listen: "127.0.0.1:8080".to_owned(),
            secure_cookie: false,
            session_hours: 12,
            https: false,
            tls_cert: None,
            tls_key: None,
            tls_names: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileTraining {
    quiet_minutes: u32,
    new_cards_per_day: u32,
}

impl Default for FileTraining {
    fn default() -> Self {
        let d = Training::default();
        FileTraining {
            quiet_minutes: d.quiet_minutes,
            new_cards_per_day: d.new_cards_per_day,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMqtt {
    host: String,
    #[serde(default = "default_mqtt_port")]
    port: u16,
    username: Option<String>,
    password: Option<String>,
    #[serde(default = "default_topic_prefix")]
    topic_prefix: String,
    #[serde(default = "default_true")]
    discovery: bool,
    #[serde(default = "default_discovery_prefix")]
    discovery_prefix: String,
}

fn default_mqtt_port() -> u16 {
    1883
}

fn default_topic_prefix() -> String {
    "gateward".to_owned()
}

fn default_discovery_prefix() -> String {
    "homeassistant".to_owned()
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhook {
    url: String,
    #[serde(default = "default_webhook_timeout")]
    timeout_s: u32,
}

fn default_webhook_timeout() -> u32 {
    5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCamera {
    name: String,
    source: String,
    gate: Option<String>,
    direction: Option<String>,
    role: Option<String>,
    roi: Option<[f32; 4]>,
    fps: Option<f32>,
    #[serde(default)]
    repeat: bool,
    detect_source: Option<String>,
    main_quiet_s: Option<u32>,
    size: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileRetention {
    sightings_days: u32,
    snapshots_days: u32,
}

impl Default for FileRetention {
    fn default() -> Self {
        FileRetention {
            sightings_days: 30,
            snapshots_days: 30,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileRecognition {
    face_threshold: f32,
    face_margin: f32,
}

impl Default for FileRecognition {
    fn default() -> Self {
        let d = crate::recognize::gallery::MatchParams::default();
        FileRecognition {
            face_threshold: d.threshold,
            face_margin: d.margin,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileGate {
    name: String,
    time_zone: String,
    visit_window_s: u64,
}

impl Default for FileGate {
    fn default() -> Self {
        FileGate {
            name: "大门".to_owned(),
            time_zone: "Asia/Shanghai".to_owned(),
            visit_window_s: VISIT_WINDOW_S,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FilePaths {
    data: Option<PathBuf>,
    models: Option<PathBuf>,
    onnxruntime: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileVision {
    threads: usize,
    face_detect_side: u32,
    plate_detect_side: u32,
    full_frame_every: u32,
    precision: Precision,
}

impl Default for FileVision {
    fn default() -> Self {
        FileVision {
            threads: 2,
            face_detect_side: FaceDetectConfig::default().max_side,
            plate_detect_side: PlateDetectConfig::default().max_side,
            full_frame_every: LookConfig::default().full_every,
            precision: Precision::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileImages {
    max_pixels: u64,
    max_decodes: usize,
}

impl Default for FileImages {
    fn default() -> Self {
        let d = ImageLimits::default();
        FileImages {
            max_pixels: d.max_pixels,
            max_decodes: d.max_decodes,
        }
    }
}

impl Config {
    /// Loads the configuration: the file named by `--config`, else `gateward.toml` in the
    /// current directory when there is one, else the defaults; then applies the overrides.
    pub fn load(explicit: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
        };
        let (file, base) = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                let base = p.parent().map(Path::to_path_buf).unwrap_or_default();
                (parse(&text, p)?, base)
            }
            None => (FileConfig::default(), PathBuf::new()),
        };
        let origin = path.clone().unwrap_or_else(|| PathBuf::from("(defaults)"));
        let time_zone: Tz = file
            .gate
            .time_zone
            .parse()
            .map_err(|_| ConfigError::TimeZone {
                path: origin.clone(),
                name: file.gate.time_zone.clone(),
            })?;
        if file.vision.threads == 0 {
            return Err(ConfigError::Zero {
                path: origin,
                what: "[vision] threads",
            });
        }
        for (what, value, min, max) in [
            (
                "[vision] face_detect_side",
                file.vision.face_detect_side as f32,
                320.0,
                4096.0,
            ),
            (
                "[vision] plate_detect_side",
                file.vision.plate_detect_side as f32,
                320.0,
                4096.0,
            ),
            (
                "[vision] full_frame_every",
                file.vision.full_frame_every as f32,
                1.0,
                600.0,
            ),
            (
                "[images] max_pixels",
                file.images.max_pixels as f32,
                1_000_000.0,
                100_000_000.0,
            ),
            (
                "[images] max_decodes",
                file.images.max_decodes as f32,
                1.0,
                8.0,
            ),
            (
                "[retention] sightings_days",
                file.retention.sightings_days as f32,
                0.0,
                3650.0,
            ),
            (
                "[retention] snapshots_days",
                file.retention.snapshots_days as f32,
                0.0,
                3650.0,
            ),
            (
                "[recognition] face_threshold",
                file.recognition.face_threshold,
                0.3,
                0.99,
            ),
            (
                "[recognition] face_margin",
                file.recognition.face_margin,
                0.0,
                0.5,
            ),
            (
                "[web] session_hours",
                file.web.session_hours as f32,
                1.0,
                24.0 * 30.0,
            ),
            (
                "[training] quiet_minutes",
                file.training.quiet_minutes as f32,
                1.0,
                120.0,
            ),
            (
                "[training] new_cards_per_day",
                file.training.new_cards_per_day as f32,
                1.0,
                500.0,
            ),
            (
                "[webhook] timeout_s",
                file.webhook.as_ref().map_or(5, |w| w.timeout_s) as f32,
                1.0,
                60.0,
            ),
        ] {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::Range {
                    path: origin,
                    what,
                    value,
                    min,
                    max,
                });
            }
        }
        let from_file = |p: Option<PathBuf>| p.map(|p| base.join(p));
        let cameras = cameras(file.cameras, &file.gate.name, &base, &origin)?;
        let box_name = match file.gate_box.name.as_deref().map(str::trim) {
            None => file.gate.name.clone(),
            Some("") => {
                return Err(ConfigError::Compound {
                    path: origin,
                    message: "[box] name is empty: give this box the name the guards use, e.g. \
                              东门岗亭, or leave the line out"
                        .to_owned(),
                });
            }
            Some(name) => name.to_owned(),
        };
        let shared_store = overrides
            .store
            .clone()
            .or(file.store.url)
            .map(|u| u.trim().to_owned());
        if let Some(url) = &shared_store
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Compound {
                path: origin,
                message: format!(
                    "the shared store {} is not a PostgreSQL address: write it as \
                     postgres://USER:PASSWORD@HOST:5432/DATABASE (a one-box compound needs none)",
                    crate::store::shared::shown(url)
                ),
            });
        }
        let tls = tls(&file.web, &base, &origin)?;
        let data = overrides
            .data
            .clone()
            .or_else(|| from_file(file.paths.data))
            .unwrap_or_else(|| PathBuf::from("data"));
        let models = overrides
            .models
            .clone()
            .or_else(|| from_file(file.paths.models))
            .unwrap_or_else(default_models_dir);
        Ok(Config {
            source: path,
            gate: Gate {
                name: file.gate.name,
                time_zone,
                visit_window: std::time::Duration::from_secs(file.gate.visit_window_s),
            },
            paths: Paths {
                data,
                models,
                onnxruntime: from_file(file.paths.onnxruntime),
            },
            vision: Vision {
                threads: file.vision.threads,
                face_detect_side: file.vision.face_detect_side,
                plate_detect_side: file.vision.plate_detect_side,
                full_frame_every: file.vision.full_frame_every,
                precision: file.vision.precision,
            },
            images: ImageLimits {
                max_pixels: file.images.max_pixels,
                max_decodes: file.images.max_decodes,
            },
            recognition: Recognition {
                face_threshold: file.recognition.face_threshold,
                face_margin: file.recognition.face_margin,
            },
            retention: Retention {
                sightings_days: file.retention.sightings_days,
                snapshots_days: file.retention.snapshots_days,
            },
            cameras,
            web: Web {
                listen: file.web.listen,
                secure_cookie: file.web.secure_cookie,
                session_hours: file.web.session_hours,
                tls,
            },
            training: Training {
                quiet_minutes: file.training.quiet_minutes,
                new_cards_per_day: file.training.new_cards_per_day,
            },
            mqtt: file.mqtt.map(|m| Mqtt {
                host: m.host,
                port: m.port,
                username: m.username,
                password: m.password,
                topic_prefix: m.topic_prefix.trim_end_matches('/').to_owned(),
                discovery: m.discovery,
                discovery_prefix: m.discovery_prefix.trim_end_matches('/').to_owned(),
            }),
            webhook: file.webhook.map(|w| Webhook {
                url: w.url,
                timeout_s: w.timeout_s,
            }),
            box_name,
            shared_store,
        })
    }
}

/// Checks the `[[camera]]` sections and resolves their paths against the config's folder.
fn cameras(
    file: Vec<FileCamera>,
    gate: &str,
    base: &Path,
    origin: &Path,
) -> Result<Vec<CameraConfig>, ConfigError> {
    let mut out: Vec<CameraConfig> = Vec::with_capacity(file.len());
    for (i, c) in file.into_iter().enumerate() {
        let name = c.name.trim().to_owned();
        let bad = |message: String| ConfigError::Camera {
            path: origin.to_path_buf(),
            number: i + 1,
            name: name.clone(),
            message,
        };
        if name.is_empty() {
            return Err(bad(
                "its name is empty: give the name the guards use, e.g. 东门入口".into(),
            ));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(bad(
                "another camera has the same name: give each camera its own".into(),
            ));
        }
        let source = c.source.trim();
        if source.is_empty() {
            return Err(bad(
                "its source is empty: give an rtsp:// address, a video file or a folder of images"
                    .into(),
            ));
        }
        if source.starts_with("usb:") && crate::camera::usb_index(source).is_none() {
            return Err(bad(format!(
                "its source {source} is not a USB camera's name: write usb:0 for /dev/video0, \
                 usb:1 for /dev/video1 (`gateward cameras` lists them)"
            )));
        }
        let usb = crate::camera::usb_index(source).is_some();
        let size = match c.size.as_deref().map(str::trim) {
            None => None,
            Some(_) if !usb => {
                return Err(bad(
                    "size is for USB cameras (usb:N): an RTSP camera's picture size is set in \
                     the camera's own settings"
                        .into(),
                ));
            }
            Some(text) => Some(parse_size(text).ok_or_else(|| {
                bad(format!(
                    "size \"{text}\" is not a picture size: write it as width×height, e.g. \
                     \"1280x720\""
                ))
            })?),
        };
        let resolve = |source: &str| {
            if source.contains("://")
                || crate::camera::usb_index(source).is_some()
                || Path::new(source).is_absolute()
            {
                source.to_owned()
            } else {
                base.join(source).to_string_lossy().into_owned()
            }
        };
        let source = resolve(source);
        let detect_source = match c.detect_source.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(bad(
                    "its detect_source is empty: give the camera's sub-stream address (e.g. \
                     …/Streaming/Channels/102), or leave the line out"
                        .into(),
                ));
            }
            Some(d) => Some(resolve(d)),
        };
        let quiet = c.main_quiet_s.unwrap_or(DEFAULT_MAIN_QUIET_S);
        if !(1..=3600).contains(&quiet) {
            return Err(bad(format!(
                "main_quiet_s {quiet} must be between 1 and 3600 seconds"
            )));
        }
        if c.main_quiet_s.is_some() && detect_source.is_none() {
            return Err(bad(
                "main_quiet_s needs a detect_source (the sub-stream): without one the main \
                 stream is read all the time"
                    .into(),
            ));
        }
        let direction = match c.direction.as_deref().map(str::trim) {
            None | Some("both") | Some("进出") => None,
            Some(d) => Some(
                d.parse::<Direction>()
                    .map_err(|e| bad(format!("{e}, or both")))?,
            ),
        };
        let role = match c.role.as_deref() {
            None => CameraRole::Both,
            Some(r) => r
                .parse()
                .map_err(|e: crate::domain::UnknownValue| bad(e.to_string()))?,
        };
        let roi = match c.roi {
            None => None,
            Some([x, y, w, h]) => {
                let inside = [x, y, w, h].iter().all(|v| (0.0..=1.0).contains(v))
                    && w > 0.0
                    && h > 0.0
                    && x + w <= 1.0 + 1e-6
                    && y + h <= 1.0 + 1e-6;
                if !inside {
                    return Err(bad(format!(
                        "roi [{x}, {y}, {w}, {h}] is not inside the frame: give [x, y, width, height] as fractions of the frame, e.g. [0.25, 0.0, 0.5, 1.0] for the middle half"
                    )));
                }
                Some(Roi { x, y, w, h })
            }
        };
        if let Some(fps) = c.fps
            && !(0.1..=60.0).contains(&fps)
        {
            return Err(bad(format!("fps {fps} must be between 0.1 and 60")));
        }
        out.push(CameraConfig {
            name,
            source,
            gate: c
                .gate
                .map(|g| g.trim().to_owned())
                .filter(|g| !g.is_empty())
                .unwrap_or_else(|| gate.to_owned()),
            direction,
            role,
            roi,
            fps: c.fps,
            repeat: c.repeat,
            detect_source,
            main_quiet: std::time::Duration::from_secs(u64::from(quiet)),
            size,
        });
    }
    Ok(out)
}

/// A picture size written `1280x720` (or with `×`, `X` or `*`): both sides 16–8192 pixels.
fn parse_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once(['x', 'X', '×', '*'])?;
    let side = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (16..=8192).contains(n))
    };
    Some((side(w)?, side(h)?))
}

/// Whether `name` is a host name a certificate can be made for: dot-separated labels of ASCII
/// letters, digits and inner hyphens, 1–63 characters each, 253 at most in all.
pub fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// `[web]`'s HTTPS: the certificate files given (paths from the config file's folder), a
/// self-signed certificate when only `https = true`, or none.
fn tls(web: &FileWeb, base: &Path, origin: &Path) -> Result<Option<Tls>, ConfigError> {
    let bad = |message: String| ConfigError::Web {
        path: origin.to_path_buf(),
        message,
    };
    for name in &web.tls_names {
        if name.parse::<std::net::IpAddr>().is_err() && !is_host_name(name) {
            return Err(bad(format!(
                "tls_names: \"{}\" is neither a host name (gate-pc.local) nor an address (192.168.1.20)",
                name.escape_debug()
            )));
        }
    }
    match (&web.tls_cert, &web.tls_key) {
        (Some(cert), Some(key)) if web.tls_names.is_empty() => Ok(Some(Tls::Files {
            cert: base.join(cert),
            key: base.join(key),
        })),
        (Some(_), Some(_)) => Err(bad(
            "tls_names are for the self-signed certificate; a certificate given with tls_cert names its own hosts: remove tls_names".to_owned(),
        )),
        (Some(_), None) | (None, Some(_)) => Err(bad(
            "tls_cert and tls_key go together: give both (the certificate and its private key, PEM files) or neither".to_owned(),
        )),
        (None, None) if web.https => Ok(Some(Tls::SelfSigned {
            names: web.tls_names.clone(),
        })),
        (None, None) if !web.tls_names.is_empty() => Err(bad(
            "tls_names are for the self-signed certificate of https = true: turn https on or remove them".to_owned(),
        )),
        (None, None) => Ok(None),
    }
}

fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        // toml's message spans several lines with a caret diagram; keep it to one line.
        message: e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// `models/` in the current directory when there is one, else the model pack of the source
/// tree this binary was built from.
fn default_models_dir() -> PathBuf {
    let here = PathBuf::from("models");
    if here.join(crate::vision::manifest::MANIFEST_FILE).is_file() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, overrides: &Overrides) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), overrides)
    }

    #[test]
    fn empty_file_means_shanghai_time_and_two_threads() {
        let c = load_text("", &Overrides::default()).unwrap();
        assert_eq!(c.gate.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.vision.threads, 2);
    }

    #[test]
    fn relative_paths_follow_the_config_file_and_overrides_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.toml");
        std::fs::write(&path, "[paths]\ndata = \"records\"\nmodels = \"pack\"\n").unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(c.paths.data, dir.path().join("records"));
        assert_eq!(c.paths.models, dir.path().join("pack"));
        let o = Overrides {
            data: Some("/tmp/elsewhere".into()),
            models: None,
            store: None,
        };
        let c = Config::load(Some(&path), &o).unwrap();
        assert_eq!(c.paths.data, PathBuf::from("/tmp/elsewhere"));
        assert_eq!(c.paths.models, dir.path().join("pack"));
    }

    #[test]
    fn https_is_a_certificate_given_or_a_self_signed_one_and_half_a_pair_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.toml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            Config::load(Some(&path), &Overrides::default())
        };
        assert_eq!(load("").unwrap().web.tls, None);
        let c = load("[web]\ntls_cert = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n").unwrap();
        assert_eq!(
            c.web.tls,
            Some(Tls::Files {
                cert: dir.path().join("tls/cert.pem"),
                key: dir.path().join("tls/key.pem"),
            })
        );
        let c =
            load("[web]\nhttps = true\ntls_names = [\"192.168.1.20\", \"gate-pc.lan\"]\n").unwrap();
        assert_eq!(
            c.web.tls,
            Some(Tls::SelfSigned {
                names: vec!["192.168.1.20".into(), "gate-pc.lan".into()]
            })
        );
        let e = load("[web]\ntls_cert = \"cert.pem\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls_cert and tls_key go together"), "{e}");
        let e = load("[web]\nhttps = true\ntls_names = [\"门岗 电脑\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("门岗 电脑") && e.contains("neither a host name"),
            "{e}"
        );
        let e = load("[web]\ntls_names = [\"gate-pc\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("turn https on"), "{e}");
    }

    #[test]
    fn misspelt_time_zone_is_named() {
        let e = load_text(
            "[gate]\ntime_zone = \"Asia/Shanghia\"\n",
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("Asia/Shanghia"), "{e}");
    }

    #[test]
    fn unknown_key_is_refused_on_one_line() {
        let e = load_text("[gate]\nnmae = \"东门\"\n", &Overrides::default()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("nmae"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn face_threshold_outside_its_range_is_refused() {
        let e = load_text(
            "[recognition]\nface_threshold = 1.5\n",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("face_threshold"), "{e}");
        let c = load_text(
            "[recognition]\nface_threshold = 0.7\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.recognition.face_threshold, 0.7);
        assert_eq!(c.recognition.face_margin, 0.08);
    }

    #[test]
    fn detection_sizes_are_range_checked_and_reach_the_detectors() {
        let e = load_text("[vision]\nplate_detect_side = 100\n", &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("plate_detect_side"), "{e}");
        let c = load_text(
            "[vision]\nplate_detect_side = 1600\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.vision.plate_detect().max_side, 1600);
        assert_eq!(c.vision.face_detect().max_side, 1280);
        let c = load_text("", &Overrides::default()).unwrap();
        assert_eq!(c.vision.plate_detect().max_side, 1120);
    }

    #[test]
    fn precision_defaults_to_int8_and_takes_fp32() {
        let c = load_text("", &Overrides::default()).unwrap();
        assert_eq!(c.vision.precision, Precision::Int8);
        let c = load_text("[vision]\nprecision = \"fp32\"\n", &Overrides::default()).unwrap();
        assert_eq!(c.vision.precision, Precision::Fp32);
        let e = load_text("[vision]\nprecision = \"int4\"\n", &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("int4") || e.contains("precision"), "{e}");
    }

    #[test]
    fn image_limits_default_to_24_megapixels_and_two_decodes_and_are_range_checked() {
        let c = load_text("", &Overrides::default()).unwrap();
        assert_eq!(
            c.images,
            ImageLimits {
                max_pixels: 24_000_000,
                max_decodes: 2
            }
        );
        let c = load_text(
            "[images]\nmax_pixels = 12000000\nmax_decodes = 1\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!((c.images.max_pixels, c.images.max_decodes), (12_000_000, 1));
        for (text, key) in [
            ("[images]\nmax_pixels = 1000\n", "[images] max_pixels"),
            ("[images]\nmax_pixels = 400000000\n", "[images] max_pixels"),
            ("[images]\nmax_decodes = 0\n", "[images] max_decodes"),
        ] {
            let e = load_text(text, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn the_sample_config_in_the_repository_is_the_defaults() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_FILE);
        let c = Config::load(Some(&sample), &Overrides::default()).unwrap();
        assert_eq!(c.images, ImageLimits::default());
        assert_eq!(c.vision.threads, 2);
    }

    #[test]
    fn cameras_are_read_with_their_gate_role_direction_and_region() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.toml");
        std::fs::write(
            &path,
            "[gate]\nname = \"东门\"\n\n[[camera]]\nname = \"东门入口\"\nsource = \"rtsp://10.0.0.5/stream1\"\ndirection = \"in\"\nrole = \"faces\"\nroi = [0.25, 0.0, 0.5, 1.0]\n\n[[camera]]\nname = \"车道\"\nsource = \"clips/lane.mp4\"\ngate = \"北门\"\nrepeat = true\nfps = 10\n",
        )
        .unwrap();
        let c = Config::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(c.cameras.len(), 2);
        let a = &c.cameras[0];
        assert_eq!(
            (a.gate.as_str(), a.direction, a.role, a.source.as_str()),
            (
                "东门",
                Some(Direction::In),
                CameraRole::Faces,
                "rtsp://10.0.0.5/stream1"
            )
        );
        assert_eq!(a.roi.unwrap().pixels(1920, 1080), (480, 0, 960, 1080));
        let b = &c.cameras[1];
        assert_eq!(
            (b.gate.as_str(), b.direction, b.role),
            ("北门", None, CameraRole::Both)
        );
        assert_eq!(
            b.source,
            dir.path().join("clips/lane.mp4").to_string_lossy()
        );
        assert!(b.repeat);
        assert_eq!(
            (a.detect_source.as_deref(), b.detect_source.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn a_camera_may_have_a_sub_stream_for_its_motion_gate() {
        let c = load_text(
            "[[camera]]\nname = \"东门\"\nsource = \"rtsp://10.0.0.5/Streaming/Channels/101\"\n\
             detect_source = \"rtsp://10.0.0.5/Streaming/Channels/102\"\nmain_quiet_s = 20\n\
             [[camera]]\nname = \"北门\"\nsource = \"rtsp://10.0.0.6/101\"\n\
             detect_source = \"rtsp://10.0.0.6/102\"\n",
            &Overrides::default(),
        )
        .unwrap();
        let (a, b) = (&c.cameras[0], &c.cameras[1]);
        assert_eq!(
            a.detect_source.as_deref(),
            Some("rtsp://10.0.0.5/Streaming/Channels/102")
        );
        assert_eq!(a.main_quiet, std::time::Duration::from_secs(20));
        assert_eq!(
            b.main_quiet,
            std::time::Duration::from_secs(u64::from(DEFAULT_MAIN_QUIET_S))
        );
        for (section, says) in [
            ("detect_source = \" \"", "detect_source is empty"),
            (
                "detect_source = \"s.mp4\"\nmain_quiet_s = 0",
                "between 1 and 3600",
            ),
            ("main_quiet_s = 5", "needs a detect_source"),
        ] {
            let e = load_text(
                &format!("[[camera]]\nname = \"a\"\nsource = \"x.mp4\"\n{section}\n"),
                &Overrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("camera 1") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_box_has_a_name_and_may_share_a_store() {
        let c = load_text("[gate]\nname = \"东门\"\n", &Overrides::default()).unwrap();
        assert_eq!((c.box_name.as_str(), c.shared_store), ("东门", None));
        let c = load_text(
            "[box]\nname = \"东门岗亭\"\n[store]\nurl = \"postgres://gate:pw@10.0.0.2/compound\"\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.box_name, "东门岗亭");
        assert_eq!(
            c.shared_store.as_deref(),
            Some("postgres://gate:pw@10.0.0.2/compound")
        );
        // --store over [store] url
        let o = Overrides {
            store: Some("postgresql://10.0.0.3/c".into()),
            ..Overrides::default()
        };
        let c = load_text("[store]\nurl = \"postgres://10.0.0.2/c\"\n", &o).unwrap();
        assert_eq!(c.shared_store.as_deref(), Some("postgresql://10.0.0.3/c"));
        for (text, says) in [
            ("[box]\nname = \" \"\n", "[box] name is empty"),
            (
                "[store]\nurl = \"mysql://gate:pw@h/c\"\n",
                "mysql://gate:***@h/c is not a PostgreSQL address",
            ),
        ] {
            let e = load_text(text, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_usb_camera_is_named_usb_n_and_may_ask_for_a_size() {
        let c = load_text(
            "[[camera]]\nname = \"门岗桌面\"\nsource = \"usb:0\"\nsize = \"1280x720\"\nfps = 10\n\
             [[camera]]\nname = \"岗亭\"\nsource = \"/dev/video2\"\n",
            &Overrides::default(),
        )
        .unwrap();
        let (a, b) = (&c.cameras[0], &c.cameras[1]);
        // not taken for files beside the config
        assert_eq!((a.source.as_str(), a.size), ("usb:0", Some((1280, 720))));
        assert_eq!((b.source.as_str(), b.size), ("/dev/video2", None));
        assert_eq!(parse_size("1920×1080"), Some((1920, 1080)));
        assert_eq!(parse_size(" 640 X 480 "), Some((640, 480)));
        for (section, says) in [
            ("source = \"usb:one\"", "write usb:0 for /dev/video0"),
            (
                "source = \"usb:0\"\nsize = \"720p\"",
                "write it as width×height",
            ),
            (
                "source = \"usb:0\"\nsize = \"0x0\"",
                "write it as width×height",
            ),
            (
                "source = \"rtsp://h/1\"\nsize = \"1280x720\"",
                "size is for USB cameras",
            ),
        ] {
            let e = load_text(
                &format!("[[camera]]\nname = \"a\"\n{section}\n"),
                &Overrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("camera 1") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_camera_mistake_names_the_camera_and_what_to_write() {
        for (section, says) in [
            (
                "name = \"a\"\nsource = \"x.mp4\"\ndirection = \"sideways\"",
                "sideways",
            ),
            (
                "name = \"a\"\nsource = \"x.mp4\"\nrole = \"cars\"",
                "faces, plates, both",
            ),
            (
                "name = \"a\"\nsource = \"x.mp4\"\nroi = [0.5, 0.0, 0.8, 1.0]",
                "not inside the frame",
            ),
            ("name = \"a\"\nsource = \"\"", "source is empty"),
            ("name = \" \"\nsource = \"x.mp4\"", "name is empty"),
            (
                "name = \"a\"\nsource = \"x.mp4\"\nfps = 0",
                "between 0.1 and 60",
            ),
        ] {
            let e = load_text(&format!("[[camera]]\n{section}\n"), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains("camera 1") && e.contains(says), "{e}");
        }
        let e = load_text(
            "[[camera]]\nname = \"a\"\nsource = \"x.mp4\"\n[[camera]]\nname = \"a\"\nsource = \"y.mp4\"\n",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("camera 2") && e.contains("same name"), "{e}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let e = Config::load(
            Some(Path::new("/nonexistent/gateward.toml")),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }));
    }
}
