//! A camera's frames as its watcher gets them: from its one stream, or, for a camera with a
//! sub-stream (`detect_source`), the small sub-stream read all the time through a motion gate
//! and the main stream opened only while something moves, as NVRs do to keep idle cameras cheap.
//!
//! With a sub-stream, an idle camera costs one small decode and a motion gate: the main stream
//! (and its 1080p decode) is opened when the sub-stream shows motion in the region of interest,
//! its frames go to the watcher, and it is closed again once neither stream has moved for the
//! camera's quiet interval. How long the main stream took to give its first frame after the
//! motion (the RTSP setup and the wait for a keyframe) is kept and logged.

use std::time::{Duration, Instant};

use super::motion::{MotionConfig, MotionGate};
use crate::camera::{Backoff, Camera, CameraSpec, CameraState, Delivery, Frame};
use crate::config::Roi;

/// A camera's sub-stream and when it last moved.
struct Sub {
    camera: Camera,
    motion: MotionGate,
    roi: Option<Roi>,
    quiet: Duration,
    last_motion: Option<Instant>,
    /// Whether the motion gate has its background: its first frame is a new scene to it,
    /// not motion, and does not open the main stream.
    primed: bool,
}

impl Sub {
    /// Whether `frame` moves in the region of interest.
    fn moves(&mut self, frame: &Frame) -> bool {
        let image = &frame.image;
        let moving = match self.roi {
            Some(roi) => {
                let (x, y, w, h) = roi.pixels(image.width(), image.height());
                let view = image::imageops::crop_imm(image.as_ref(), x, y, w, h).to_image();
                self.motion.check(&view).moving
            }
            None => self.motion.check(image).moving,
        };
        let moving = moving && std::mem::replace(&mut self.primed, true);
        if moving {
            self.last_motion = Some(Instant::now());
        }
        moving
    }

    fn quiet_for(&self, now: Instant) -> bool {
        self.last_motion
            .is_none_or(|at| now.saturating_duration_since(at) >= self.quiet)
    }
}

/// What the feed has done with its main stream so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MainStreamCounts {
    /// Times the main stream was opened because the sub-stream moved.
    pub opened: u64,
    /// Time from the motion that opened it to its first frame, the last time.
    pub last_first_frame: Option<Duration>,
}

/// One camera's frames.
pub struct Feed {
    main_spec: CameraSpec,
    delivery: Delivery,
    backoff: Backoff,
    main: Option<Camera>,
    sub: Option<Sub>,
    /// Frames read and dropped by main streams since closed.
    closed_counts: (u64, u64),
    counts: MainStreamCounts,
    /// When the motion that opened the main stream was seen, until its first frame.
    waiting_since: Option<Instant>,
}

impl Feed {
    /// A camera read from its one stream, opened now.
    pub fn single(spec: CameraSpec, delivery: Delivery, backoff: Backoff) -> Feed {
        let main = Camera::spawn(spec.clone(), delivery, backoff);
        Feed {
            main_spec: spec,
            delivery,
            backoff,
            main: Some(main),
            sub: None,
            closed_counts: (0, 0),
            counts: MainStreamCounts::default(),
            waiting_since: None,
        }
    }

    /// A camera whose `sub` stream is read now and whose `main` stream is opened while the
    /// sub-stream moves in `roi`, and closed `quiet` after the last motion.
    pub fn with_sub_stream(
        main: CameraSpec,
        sub: CameraSpec,
        roi: Option<Roi>,
        quiet: Duration,
        backoff: Backoff,
    ) -> Feed {
        Feed {
            main_spec: CameraSpec {
                quick_open: true,
                ..main
            },
            delivery: Delivery::LatestWins,
            backoff,
            main: None,
            sub: Some(Sub {
                camera: Camera::spawn(
                    CameraSpec {
                        quick_open: true,
                        ..sub
                    },
                    Delivery::LatestWins,
                    backoff,
                ),
                motion: MotionGate::new(MotionConfig::default()),
                roi,
                quiet,
                last_motion: None,
                primed: false,
            }),
            closed_counts: (0, 0),
            counts: MainStreamCounts::default(),
            waiting_since: None,
        }
    }

    /// The camera's name.
    pub fn name(&self) -> &str {
        &self.main_spec.name
    }

    /// The next frame for the watcher, waiting at most about `poll`, and whether any frame
    /// (of either stream) was read. With a sub-stream, sub-stream frames only open and keep
    /// open the main stream; the watcher gets main-stream frames.
    pub fn next(&mut self, poll: Duration) -> (Option<Frame>, bool) {
        let Some(sub) = self.sub.as_mut() else {
            let frame = self.main.as_ref().and_then(|m| m.recv(poll));
            let got = frame.is_some();
            return (frame, got);
        };
        match self.main.as_ref() {
            Some(main) => {
                let mut got = false;
                while let Some(frame) = sub.camera.recv(Duration::ZERO) {
                    got = true;
                    sub.moves(&frame);
                }
                if sub.quiet_for(Instant::now()) {
                    self.close_main();
                    return (None, got);
                }
                let frame = main.recv(poll);
                if frame.is_some()
                    && let Some(since) = self.waiting_since.take()
                {
                    let delay = since.elapsed();
                    self.counts.last_first_frame = Some(delay);
                    tracing::info!(
                        camera = %self.main_spec.name,
                        "main stream's first frame {:.2} s after the motion",
                        delay.as_secs_f32()
                    );
                }
                let got = got || frame.is_some();
                (frame, got)
            }
            None => {
                let Some(frame) = sub.camera.recv(poll) else {
                    return (None, false);
                };
                if sub.moves(&frame) {
                    self.open_main();
                }
                (None, true)
            }
        }
    }

    /// The watcher saw motion in a main-stream frame: the main stream stays open.
    pub fn moved(&mut self) {
        if let Some(sub) = self.sub.as_mut() {
            sub.last_motion = Some(Instant::now());
        }
    }

    fn open_main(&mut self) {
        tracing::info!(camera = %self.main_spec.name, "motion on the sub-stream: main stream opened");
        self.counts.opened += 1;
        self.waiting_since = Some(Instant::now());
        self.main = Some(Camera::spawn(
            self.main_spec.clone(),
            self.delivery,
            self.backoff,
        ));
    }

    fn close_main(&mut self) {
        if let Some(main) = self.main.take() {
            tracing::info!(
                camera = %self.main_spec.name,
                "still for {} s: main stream closed",
                self.sub.as_ref().map_or(0, |s| s.quiet.as_secs())
            );
            self.closed_counts.0 += main.received();
            self.closed_counts.1 += main.dropped();
            main.stop();
        }
        self.waiting_since = None;
    }

    /// Whether the main stream is open now.
    pub fn main_open(&self) -> bool {
        self.main.is_some()
    }

    /// What the main stream has done so far.
    pub fn counts(&self) -> MainStreamCounts {
        self.counts
    }

    /// The camera's state: the sub-stream's when it has one (a closed main stream is not a
    /// fault), unless the open main stream cannot be read.
    pub fn state(&self) -> CameraState {
        let main = self.main.as_ref().map(Camera::state);
        match (&self.sub, main) {
            (None, Some(state)) => state,
            (None, None) => CameraState::Stopped,
            (Some(_), Some(state @ CameraState::Reconnecting { .. })) => state,
            (Some(sub), _) => sub.camera.state(),
        }
    }

    /// Frames read from every stream so far.
    pub fn received(&self) -> u64 {
        self.closed_counts.0
            + self.main.as_ref().map_or(0, Camera::received)
            + self.sub.as_ref().map_or(0, |s| s.camera.received())
    }

    /// Frames dropped because the consumer was busy, every stream.
    pub fn dropped(&self) -> u64 {
        self.closed_counts.1
            + self.main.as_ref().map_or(0, Camera::dropped)
            + self.sub.as_ref().map_or(0, |s| s.camera.dropped())
    }
}
