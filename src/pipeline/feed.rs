//! A camera's frames as its watcher gets them: from its one stream, or, for a camera with a
//! sub-stream (`detect_source`), the small sub-stream read all the time through a motion gate
//! and the main stream opened only while something moves, as NVRs do to keep idle cameras cheap.
//!
//! With a sub-stream, an idle camera costs one small decode and a motion gate: the main stream
//! (and its 1080p decode) is opened when the sub-stream shows motion in the region of interest,
//! its frames go to the watcher, and it is closed again once neither stream has moved for the
//! camera's quiet interval. Opening takes a second or more (the RTSP setup and the wait for a
//! keyframe; how long is kept and logged), so until the main stream's first frame the watcher
//! looks at the sub-stream's frames, scaled up to the main stream's size (learnt by probing it
//! once): whoever walked in is announced from them at once, and the main stream's sharper frames
//! then follow the same people and plates, the same size in pixels.

use std::time::{Duration, Instant};

use std::sync::Arc;

use super::motion::{MotionConfig, MotionGate};
use crate::camera::probe::probe_input;
use crate::camera::{Backoff, Camera, CameraSpec, CameraState, Delivery, Frame};
use crate::config::Roi;
use crate::vision::image_ops;

/// How long the main stream's probe may wait for the camera.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

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

/// One camera's frames.
pub struct Feed {
    main_spec: CameraSpec,
    delivery: Delivery,
    backoff: Backoff,
    main: Option<Camera>,
    sub: Option<Sub>,
    /// Frames read and dropped by main streams since closed.
    closed_counts: (u64, u64),
    /// Sub-stream frames dropped while the main stream was open (they only keep it open and
    /// are drained between main-stream frames: no loss), and the count when it opened.
    sub_drops_ignored: u64,
    sub_drops_at_open: u64,
    /// When the motion that opened the main stream was seen, until its first frame.
    waiting_since: Option<Instant>,
    /// The main stream's picture size, once known (probed, or from its first frame).
    main_size: Option<(u32, u32)>,
    /// Whether the main stream has been probed for its size.
    probed: bool,
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
            sub_drops_ignored: 0,
            sub_drops_at_open: 0,
            waiting_since: None,
            main_size: None,
            probed: true,
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
            sub_drops_ignored: 0,
            sub_drops_at_open: 0,
            waiting_since: None,
            main_size: None,
            probed: false,
        }
    }

    /// The camera's name.
    pub fn name(&self) -> &str {
        &self.main_spec.name
    }

    /// The next frame for the watcher, waiting at most about `poll`, and whether any frame
    /// (of either stream) was read. With a sub-stream: while the main stream is closed, its
    /// frames only open it; while it opens, they go to the watcher scaled to the main stream's
    /// size; once it gives frames, the watcher gets those.
    pub fn next(&mut self, poll: Duration) -> (Option<Frame>, bool) {
        if self.sub.is_none() {
            let frame = self.main.as_ref().and_then(|m| m.recv(poll));
            let got = frame.is_some();
            return (frame, got);
        }
        if !self.probed {
            self.probed = true;
            match probe_input(&self.main_spec.input, PROBE_TIMEOUT) {
                Ok(info) => self.main_size = Some((info.width, info.height)),
                Err(e) => tracing::warn!(
                    camera = %self.main_spec.name,
                    "{e}; its size is learnt when it first opens, and until then the sub-stream \
                     is not looked at while it opens"
                ),
            }
        }
        if self.main.is_none() {
            let Some(frame) = self.sub_frame(poll) else {
                return (None, false);
            };
            if !self.sub_moves(&frame) {
                return (None, true);
            }
            self.open_main();
            return (self.scaled(frame), true);
        }
        if self.waiting_since.is_some() {
            // opening: the main stream's first frame if it has come, else the sub-stream's
            if let Some(frame) = self.main_frame(Duration::ZERO) {
                return (Some(frame), true);
            }
            let Some(frame) = self.sub_frame(poll) else {
                return (None, false);
            };
            self.sub_moves(&frame);
            // a main stream that cannot be opened is given up when the scene is still again
            if self.quiet() {
                self.close_main();
                return (None, true);
            }
            return (self.scaled(frame), true);
        }
        let mut got = false;
        while let Some(frame) = self.sub_frame(Duration::ZERO) {
            got = true;
            self.sub_moves(&frame);
        }
        if self.quiet() {
            self.close_main();
            return (None, got);
        }
        let frame = self.main_frame(poll);
        let got = got || frame.is_some();
        (frame, got)
    }

    /// Whether the sub-stream has been still for the quiet interval.
    fn quiet(&self) -> bool {
        self.sub
            .as_ref()
            .is_some_and(|s| s.quiet_for(Instant::now()))
    }

    fn sub_frame(&self, wait: Duration) -> Option<Frame> {
        self.sub.as_ref().and_then(|s| s.camera.recv(wait))
    }

    fn sub_moves(&mut self, frame: &Frame) -> bool {
        self.sub.as_mut().is_some_and(|s| s.moves(frame))
    }

    /// A main-stream frame; the first after an opening ends the wait, and its delay is logged.
    fn main_frame(&mut self, wait: Duration) -> Option<Frame> {
        let frame = self.main.as_ref()?.recv(wait)?;
        self.main_size = Some(frame.image.dimensions());
        if let Some(since) = self.waiting_since.take() {
            let delay = since.elapsed();
            tracing::info!(
                camera = %self.main_spec.name,
                "main stream's first frame {:.2} s after the motion",
                delay.as_secs_f32()
            );
        }
        Some(frame)
    }

    /// A sub-stream frame scaled to the main stream's size, for the watcher; `None` while that
    /// size is unknown.
    fn scaled(&self, frame: Frame) -> Option<Frame> {
        let (w, h) = self.main_size?;
        let image = if frame.image.dimensions() == (w, h) {
            frame.image
        } else {
            match image_ops::resize(&frame.image, w, h) {
                Ok(image) => Arc::new(image),
                Err(e) => {
                    tracing::warn!(camera = %self.main_spec.name, "cannot scale a sub-stream frame: {e}");
                    return None;
                }
            }
        };
        Some(Frame { image, ..frame })
    }

    /// The watcher saw motion in a main-stream frame: the main stream stays open.
    pub fn moved(&mut self) {
        if let Some(sub) = self.sub.as_mut() {
            sub.last_motion = Some(Instant::now());
        }
    }

    fn open_main(&mut self) {
        tracing::info!(camera = %self.main_spec.name, "motion on the sub-stream: main stream opened");
        self.waiting_since = Some(Instant::now());
        self.sub_drops_at_open = self.sub_dropped();
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
            self.sub_drops_ignored += self.sub_dropped().saturating_sub(self.sub_drops_at_open);
        }
        self.waiting_since = None;
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

    /// Frames dropped because the consumer was busy: the main stream's, and the sub-stream's
    /// while the main stream was closed (while it is open, the sub-stream only keeps it open).
    pub fn dropped(&self) -> u64 {
        let sub = self.sub_dropped().saturating_sub(self.sub_drops_ignored);
        let sub = if self.main.is_some() && self.sub.is_some() {
            sub.saturating_sub(self.sub_dropped().saturating_sub(self.sub_drops_at_open))
        } else {
            sub
        };
        self.closed_counts.1 + self.main.as_ref().map_or(0, Camera::dropped) + sub
    }

    fn sub_dropped(&self) -> u64 {
        self.sub.as_ref().map_or(0, |s| s.camera.dropped())
    }
}
