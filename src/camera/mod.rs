//! Camera sources: image folders, video files and RTSP cameras (through an ffmpeg subprocess) and
//! USB cameras (V4L2 through nokhwa), each
//! on its own thread, reconnecting with backoff and never blocking the pipeline.
//!
//! [`Camera::spawn`] starts one thread per camera. The thread reads frames from its source and
//! hands them to the consumer by [`Delivery`]: live cameras keep only the newest frame (a slow
//! consumer drops frames, it never queues them); replays deliver every frame and make the source
//! wait. A source that fails (a folder not mounted yet, an RTSP camera off the network) is retried
//! with [`Backoff`] until the camera is stopped; its state ([`CameraState::Reconnecting`]) carries
//! the error in words a guard or installer can act on.

mod context;
mod ffmpeg;
mod folder;
pub mod probe;
mod slot;
mod spec;
pub mod usb;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use context::{Ctx, Outcome, RECENT_FRAMES, Shared};
use slot::{Slot, lock};
pub use spec::{Backoff, CameraInput, CameraSpec, CameraState, Delivery, Frame, usb_index};

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

/// The camera thread: opens the source, reopens it with backoff when it fails, until it ends or
/// the camera is stopped.
fn run(mut ctx: Ctx, backoff: Backoff) {
    let input = ctx.spec.input.clone();
    let mut attempt = 0u32;
    loop {
        ctx.live = false;
        let outcome = match &input {
            CameraInput::Folder(dir) => folder::read(&mut ctx, dir),
            CameraInput::File(path) => ffmpeg::read(&mut ctx, ffmpeg::Played::File(path)),
            CameraInput::Rtsp(url) => ffmpeg::read(&mut ctx, ffmpeg::Played::Rtsp(url)),
            CameraInput::Usb { index, size } => usb::read(&mut ctx, *index, *size),
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
    use super::context::CameraError;
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
