//! The camera thread's state, lent to its sources (folder, ffmpeg): handing over frames and
//! their buffers, the stop flag and the running subprocess, and how a source's opening ended.

use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::slot::{Slot, lock};
use super::spec::{CameraSpec, CameraState, Frame};

/// What the camera and its thread share.
pub(super) struct Shared {
    pub(super) name: String,
    pub(super) stop: AtomicBool,
    pub(super) state: Mutex<CameraState>,
    pub(super) received: AtomicU64,
    /// The ffprobe or ffmpeg process running now, so that `stop` can kill it.
    pub(super) child: Mutex<Option<Child>>,
    pub(super) slot: Slot,
}

impl Shared {
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sets the state, logging the change.
    pub(super) fn set_state(&self, new: CameraState) {
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
    pub(super) fn register(&self, mut child: Child) -> bool {
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
    pub(super) fn unregister(&self, kill: bool) -> Option<std::io::Result<ExitStatus>> {
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
    pub(super) fn kill_child(&self) {
        if let Some(child) = lock(&self.child).as_mut() {
            let _ = child.kill();
        }
    }
}

/// Why a source could not be read, in words a guard or installer can act on.
#[derive(Debug, thiserror::Error)]
pub(super) enum CameraError {
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
pub(super) enum Outcome {
    /// No more frames: the end of a folder or video file.
    Ended,
    /// The camera was stopped.
    Stopped,
    /// The source failed; open it again after the backoff.
    Retry(String),
}

/// The camera thread's own state, lent to the sources.
pub(super) struct Ctx {
    pub(super) shared: Arc<Shared>,
    pub(super) spec: CameraSpec,
    /// When the camera thread started (RTSP offsets).
    pub(super) started: Instant,
    /// The next frame's number.
    pub(super) seq: u64,
    /// Whether the current opening of the source has delivered a frame.
    pub(super) live: bool,
    /// The last frames handed over; one that nobody holds any more lends its buffer to the
    /// next frame (a fresh 6 MB buffer per 1080p frame costs ~1500 page faults).
    pub(super) recent: Vec<Arc<RgbImage>>,
}

/// Frames kept for their buffers: the one waiting in the slot, the one being looked at, and
/// one free.
pub(super) const RECENT_FRAMES: usize = 3;

impl Ctx {
    pub(super) fn name(&self) -> &str {
        &self.shared.name
    }

    pub(super) fn stopping(&self) -> bool {
        self.shared.stopping()
    }

    /// Hands a frame to the consumer. False when the camera is stopping.
    pub(super) fn emit(&mut self, image: RgbImage, offset: Duration) -> bool {
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
    pub(super) fn buffer(&mut self, bytes: usize) -> Vec<u8> {
        let free = self
            .recent
            .iter()
            .position(|f| Arc::strong_count(f) == 1 && f.as_raw().len() == bytes);
        free.and_then(|i| Arc::try_unwrap(self.recent.remove(i)).ok())
            .map(RgbImage::into_raw)
            .unwrap_or_else(|| vec![0u8; bytes])
    }

    /// Sleeps `duration`, looking at the stop flag every 50 ms. False when stopped.
    pub(super) fn sleep(&self, duration: Duration) -> bool {
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
