//! Camera sources: image folders, video files and RTSP cameras (through an ffmpeg subprocess), each
//! on its own thread, reconnecting with backoff and never blocking the pipeline.
//!
//! [`Camera::spawn`] starts one thread per camera. The thread reads frames from its source and
//! hands them to the consumer by [`Delivery`]: live cameras keep only the newest frame (a slow
//! consumer drops frames, it never queues them); replays deliver every frame and make the source
//! wait. A source that fails (a folder not mounted yet, an RTSP camera off the network) is retried
//! with [`Backoff`] until the camera is stopped; its state ([`CameraState::Reconnecting`]) carries
//! the error in words a guard or installer can act on.

mod ffmpeg;
mod folder;
mod slot;

use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;

use slot::Slot;

/// Where a camera's frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraInput {
    /// A folder of images (jpg/jpeg/png/webp), read in file-name order.
    Folder(PathBuf),
    /// A video file (any format ffmpeg reads: H.264, H.265 …).
    File(PathBuf),
    /// An RTSP URL (rtsp://…), read over TCP.
    Rtsp(String),
}

impl CameraInput {
    /// The input a config or command line names: rtsp:// (or rtsps://) is a camera, an existing
    /// folder is images, anything else a video file.
    pub fn from_source(source: &str) -> CameraInput {
        if source.starts_with("rtsp://") || source.starts_with("rtsps://") {
            return CameraInput::Rtsp(source.to_owned());
        }
        let path = PathBuf::from(source);
        if path.is_dir() {
            CameraInput::Folder(path)
        } else {
            CameraInput::File(path)
        }
    }
}

/// One camera to open.
#[derive(Debug, Clone)]
pub struct CameraSpec {
    /// The camera's name as the guard knows it (东门入口); it starts every message about it.
    pub name: String,
    /// Where its frames come from.
    pub input: CameraInput,
    /// Frames per second to deliver. Folder: the pace of the images (None = as fast as the
    /// consumer takes them). File/RTSP: ffmpeg's fps filter (None = the stream's own rate).
    pub fps: Option<f32>,
    /// For File inputs: read at the video's real speed (`-re`) like a live camera, or as fast as
    /// possible (replay). Ignored for others.
    pub realtime: bool,
    /// For File inputs: start again from the beginning when the video ends (with `realtime`, a
    /// clip that stands in for a live camera). Ignored for others.
    pub repeat: bool,
}

/// One frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The picture, shared so that stages can keep it without copying.
    pub image: Arc<RgbImage>,
    /// Counts from 0 for each camera, across reconnects.
    pub seq: u64,
    /// Stream time: for folders seq/fps (or seq/10 s when fps is None), for files the frame's
    /// position in the video (seq / fps of the output), for RTSP the time since the camera thread
    /// started.
    pub offset: Duration,
}

/// What a camera is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraState {
    /// Opening the source for the first time.
    Connecting,
    /// Frames are flowing.
    Live,
    /// The source failed; it is opened again after `retry_in`.
    Reconnecting {
        /// Failures in a row, from 1.
        attempt: u32,
        /// Why the source failed, for the guard or installer.
        error: String,
        /// How long the camera waits before trying again.
        retry_in: Duration,
    },
    /// The source has no more frames (the end of a folder or video file).
    Ended,
    /// The camera was stopped.
    Stopped,
}

/// How frames reach the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Live cameras: only the newest frame is kept; a frame not taken before the next arrives is
    /// dropped and counted.
    LatestWins,
    /// Replays: every frame is delivered in order; the source waits for the consumer (bounded,
    /// capacity 2).
    EveryFrame,
}

/// Reconnection policy: first wait `initial`, doubling up to `max` (defaults 0.5 s and 2 s, so a
/// camera that comes back is tried again within 2 s and read well within 10 s even when its
/// stream is slow to start).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(2),
        }
    }
}

impl Backoff {
    /// The wait after `attempt` failures in a row (1 → `initial`, doubling, at most `max`).
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// A running camera: its thread reads frames and hands them over by `delivery`.
pub struct Camera {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Camera {
    /// Starts the camera's thread. Never fails: a source that cannot be opened shows up in
    /// [`Camera::state`] as [`CameraState::Reconnecting`] with the reason.
    pub fn spawn(spec: CameraSpec, delivery: Delivery, backoff: Backoff) -> Camera {
        let spec = CameraSpec {
            fps: valid_fps(&spec.name, spec.fps),
            ..spec
        };
        let shared = Arc::new(Shared {
            name: spec.name.clone(),
            stop: AtomicBool::new(false),
            state: Mutex::new(CameraState::Connecting),
            received: AtomicU64::new(0),
            child: Mutex::new(None),
            slot: Slot::new(delivery),
        });
        let ctx = Ctx {
            shared: Arc::clone(&shared),
            spec,
            started: Instant::now(),
            seq: 0,
            live: false,
            recent: Vec::with_capacity(RECENT_FRAMES),
        };
        let thread = std::thread::Builder::new()
            .name(format!("camera {}", shared.name))
            .spawn(move || run(ctx, backoff));
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::error!(camera = %shared.name, "cannot start the camera's thread: {e}");
                shared.set_state(CameraState::Ended);
                shared.slot.end();
                None
            }
        };
        Camera { shared, thread }
    }

    /// The camera's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The next frame, waiting at most `timeout`; None on timeout or when the camera has ended
    /// (check `state()`).
    pub fn recv(&self, timeout: Duration) -> Option<Frame> {
        self.shared.slot.pop(timeout)
    }

    /// What the camera is doing now.
    pub fn state(&self) -> CameraState {
        lock(&self.shared.state).clone()
    }

    /// Frames dropped because the consumer was busy (LatestWins only).
    pub fn dropped(&self) -> u64 {
        self.shared.slot.dropped()
    }

    /// Frames read from the source so far.
    pub fn received(&self) -> u64 {
        self.shared.received.load(Ordering::Relaxed)
    }

    /// Stops the thread (kills ffmpeg) and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.slot.stop();
        self.shared.kill_child();
        if thread.join().is_err() {
            tracing::error!(camera = %self.shared.name, "the camera's thread panicked");
        }
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A frames-per-second setting that ffmpeg and the folder pacing can use, or None.
fn valid_fps(name: &str, fps: Option<f32>) -> Option<f32> {
    match fps {
        Some(f) if !(f.is_finite() && f > 0.0 && f <= 1000.0) => {
            tracing::warn!(camera = %name, "ignoring fps {f}: it must be above 0 and at most 1000");
            None
        }
        other => other,
    }
}

/// Locks a mutex, carrying on past a panic elsewhere (the data are plain values).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the camera and its thread share.
struct Shared {
    name: String,
    stop: AtomicBool,
    state: Mutex<CameraState>,
    received: AtomicU64,
    /// The ffprobe or ffmpeg process running now, so that `stop` can kill it.
    child: Mutex<Option<Child>>,
    slot: Slot,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sets the state, logging the change.
    fn set_state(&self, new: CameraState) {
        let mut state = lock(&self.state);
        if *state == new {
            return;
        }
        let camera = self.name.as_str();
        match &new {
            CameraState::Connecting => tracing::debug!(camera, "connecting"),
            CameraState::Live => tracing::info!(camera, "live"),
            CameraState::Reconnecting {
                attempt,
                error,
                retry_in,
            } => tracing::warn!(
                camera,
                attempt,
                retry_in_ms = retry_in.as_millis() as u64,
                "{error}"
            ),
            CameraState::Ended => tracing::info!(camera, "ended: no more frames"),
            CameraState::Stopped => tracing::debug!(camera, "stopped"),
        }
        *state = new;
    }

    /// Keeps `child` where `stop` can kill it. When the camera is already stopping, kills and
    /// reaps the child instead and returns false.
    fn register(&self, mut child: Child) -> bool {
        let mut slot = lock(&self.child);
        // Checked under the lock: `stop` sets the flag before it takes the lock, so either it
        // finds this child or this sees the flag.
        if self.stopping() {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        *slot = Some(child);
        true
    }

    /// Kills the registered child when `kill`, waits for it to exit and reaps it. The child stays
    /// registered while it is waited for, so that `stop` can still kill one that lingers (an
    /// RTSP teardown on a dead network).
    fn unregister(&self, kill: bool) -> Option<std::io::Result<ExitStatus>> {
        if kill {
            self.kill_child();
        }
        loop {
            {
                let mut slot = lock(&self.child);
                let child = slot.as_mut()?;
                match child.try_wait() {
                    Ok(Some(status)) => {
                        *slot = None;
                        return Some(Ok(status));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        if let Some(mut child) = slot.take() {
                            let _ = child.kill();
                            let _ = child.wait();
                        }
                        return Some(Err(e));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the registered child, if any, so that a read blocked on its output returns. The
    /// camera's thread reaps it.
    fn kill_child(&self) {
        if let Some(child) = lock(&self.child).as_mut() {
            let _ = child.kill();
        }
    }
}

/// Why a source could not be read, in words a guard or installer can act on.
#[derive(Debug, thiserror::Error)]
enum CameraError {
    #[error(
        "camera {camera}: cannot read the image folder {}: {source} (is it there, and mounted?)",
        path.display()
    )]
    Folder {
        camera: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "camera {camera}: cannot start {program} (is it installed? run scripts/setup): {source}"
    )]
    Start {
        camera: String,
        program: &'static str,
        source: std::io::Error,
    },
    #[error("camera {camera}: cannot open {input}: {detail}")]
    Open {
        camera: String,
        input: String,
        detail: String,
    },
    #[error("camera {camera}: cannot tell the picture size of {input}: {detail}")]
    Size {
        camera: String,
        input: String,
        detail: String,
    },
    #[error("camera {camera}: ffmpeg gave no pictures from {input}: {detail}")]
    NoFrames {
        camera: String,
        input: String,
        detail: String,
    },
    #[error("camera {camera}: {input} stopped after {frames} frames: {detail}")]
    Lost {
        camera: String,
        input: String,
        frames: u64,
        detail: String,
    },
    #[error("camera {camera}: cannot start a thread to read {program}'s messages: {source}")]
    Thread {
        camera: String,
        program: &'static str,
        source: std::io::Error,
    },
}

impl From<CameraError> for Outcome {
    fn from(e: CameraError) -> Outcome {
        Outcome::Retry(e.to_string())
    }
}

/// How one opening of a source ended.
#[derive(Debug)]
enum Outcome {
    /// No more frames: the end of a folder or video file.
    Ended,
    /// The camera was stopped.
    Stopped,
    /// The source failed; open it again after the backoff.
    Retry(String),
}

/// The camera thread's own state, lent to the sources.
struct Ctx {
    shared: Arc<Shared>,
    spec: CameraSpec,
    /// When the camera thread started (RTSP offsets).
    started: Instant,
    /// The next frame's number.
    seq: u64,
    /// Whether the current opening of the source has delivered a frame.
    live: bool,
    /// The last frames handed over; one that nobody holds any more lends its buffer to the
    /// next frame (a fresh 6 MB buffer per 1080p frame costs ~1500 page faults).
    recent: Vec<Arc<RgbImage>>,
}

/// Frames kept for their buffers: the one waiting in the slot, the one being looked at, and
/// one free.
const RECENT_FRAMES: usize = 3;

impl Ctx {
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn stopping(&self) -> bool {
        self.shared.stopping()
    }

    /// Hands a frame to the consumer. False when the camera is stopping.
    fn emit(&mut self, image: RgbImage, offset: Duration) -> bool {
        if self.stopping() {
            return false;
        }
        if !self.live {
            self.live = true;
            self.shared.set_state(CameraState::Live);
        }
        let image = Arc::new(image);
        if self.recent.len() == RECENT_FRAMES {
            self.recent.remove(0);
        }
        self.recent.push(Arc::clone(&image));
        let frame = Frame {
            image,
            seq: self.seq,
            offset,
        };
        self.seq += 1;
        self.shared.received.fetch_add(1, Ordering::Relaxed);
        self.shared.slot.push(frame)
    }

    /// A buffer of `bytes` for the next frame: that of an earlier frame nobody holds any more,
    /// else a new one. Its contents are to be overwritten.
    fn buffer(&mut self, bytes: usize) -> Vec<u8> {
        let free = self
            .recent
            .iter()
            .position(|f| Arc::strong_count(f) == 1 && f.as_raw().len() == bytes);
        free.and_then(|i| Arc::try_unwrap(self.recent.remove(i)).ok())
            .map(RgbImage::into_raw)
            .unwrap_or_else(|| vec![0u8; bytes])
    }

    /// Sleeps `duration`, looking at the stop flag every 50 ms. False when stopped.
    fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        loop {
            if self.stopping() {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

/// The camera thread: opens the source, reopens it with backoff when it fails, until it ends or
/// the camera is stopped.
fn run(mut ctx: Ctx, backoff: Backoff) {
    let input = ctx.spec.input.clone();
    let mut attempt = 0u32;
    loop {
        ctx.live = false;
        let outcome = match &input {
            CameraInput::Folder(dir) => folder::read(&mut ctx, dir),
            CameraInput::File(_) | CameraInput::Rtsp(_) => ffmpeg::read(&mut ctx, &input),
        };
        if ctx.stopping() {
            break;
        }
        match outcome {
            Outcome::Ended => {
                ctx.shared.set_state(CameraState::Ended);
                break;
            }
            Outcome::Stopped => break,
            Outcome::Retry(error) => {
                attempt = if ctx.live {
                    1
                } else {
                    attempt.saturating_add(1)
                };
                let retry_in = backoff.delay(attempt);
                ctx.shared.set_state(CameraState::Reconnecting {
                    attempt,
                    error,
                    retry_in,
                });
                if !ctx.sleep(retry_in) {
                    break;
                }
            }
        }
    }
    if ctx.stopping() {
        ctx.shared.set_state(CameraState::Stopped);
    }
    ctx.shared.slot.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff::default();
        let ms = |a| b.delay(a).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(4), ms(5), ms(100)],
            [500, 1000, 2000, 2000, 2000, 2000]
        );
        // a camera that comes back is tried again within 2 s
        assert!(b.delay(u32::MAX) <= Duration::from_secs(2));
    }

    #[test]
    fn backoff_with_a_huge_initial_wait_is_capped() {
        let b = Backoff {
            initial: Duration::from_secs(u64::MAX / 2),
            max: Duration::from_secs(10),
        };
        assert_eq!(b.delay(1), Duration::from_secs(10));
        assert_eq!(b.delay(40), Duration::from_secs(10));
    }

    #[test]
    fn a_missing_ffmpeg_says_what_to_do() {
        let e = CameraError::Start {
            camera: "东门入口".to_owned(),
            program: "ffmpeg",
            source: std::io::ErrorKind::NotFound.into(),
        };
        let text = e.to_string();
        assert!(
            text.starts_with(
                "camera 东门入口: cannot start ffmpeg (is it installed? run scripts/setup): "
            ),
            "{text}"
        );
        assert!(matches!(Outcome::from(e), Outcome::Retry(t) if t == text));
    }

    #[test]
    fn a_bad_fps_is_ignored() {
        assert_eq!(valid_fps("c", Some(5.0)), Some(5.0));
        assert_eq!(valid_fps("c", None), None);
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY, 5000.0] {
            assert_eq!(valid_fps("c", Some(bad)), None, "{bad}");
        }
    }
}
