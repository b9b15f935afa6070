//! What a camera is and says: where its frames come from, the frames, its state, how frames
//! are handed over and how a lost source is retried. Plain values, shared by the camera's
//! thread, its sources and whoever watches it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;

use crate::vision::decode::ImageLimits;

/// Where a camera's frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraInput {
    /// A folder of images (jpg/jpeg/png/webp), read in file-name order.
    Folder(PathBuf),
    /// A video file (any format ffmpeg reads: H.264, H.265 …).
    File(PathBuf),
    /// An RTSP URL (rtsp://…), read over TCP.
    Rtsp(String),
    /// A USB camera (/dev/videoN through Linux's V4L2), at `size` (width, height) when asked,
    /// else the largest picture it gives at a usable rate.
    Usb {
        /// N of /dev/videoN.
        index: u32,
        /// The picture size asked for.
        size: Option<(u32, u32)>,
    },
}

impl CameraInput {
    /// The input a config or command line names: rtsp:// (or rtsps://) is a camera, usb:N or
    /// /dev/videoN a USB camera, an existing folder is images, anything else a video file.
    pub fn from_source(source: &str) -> CameraInput {
        if source.starts_with("rtsp://") || source.starts_with("rtsps://") {
            return CameraInput::Rtsp(source.to_owned());
        }
        if let Some(index) = usb_index(source) {
            return CameraInput::Usb { index, size: None };
        }
        let path = PathBuf::from(source);
        if path.is_dir() {
            CameraInput::Folder(path)
        } else {
            CameraInput::File(path)
        }
    }
}

/// N when `source` names a USB camera: `usb:N` or `/dev/videoN`.
pub fn usb_index(source: &str) -> Option<u32> {
    let number = source
        .strip_prefix("usb:")
        .or_else(|| source.strip_prefix("/dev/video"))?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
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
    /// For Folder inputs: how large an image may be (a larger one is skipped with a warning).
    /// Ignored for others.
    pub images: ImageLimits,
    /// For RTSP: open fast, giving ffprobe and ffmpeg half a second to learn the stream
    /// (their default is 5 s) — for a main stream opened when something moves.
    pub quick_open: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_sources_are_named_usb_n_or_dev_video_n() {
        for (source, index) in [
            ("usb:0", Some(0)),
            ("/dev/video2", Some(2)),
            ("usb:12", Some(12)),
        ] {
            assert_eq!(usb_index(source), index, "{source}");
            assert_eq!(
                CameraInput::from_source(source),
                CameraInput::Usb {
                    index: index.unwrap_or_default(),
                    size: None
                }
            );
        }
        for source in [
            "usb:",
            "usb:x",
            "usb:-1",
            "/dev/video",
            "/dev/videoa",
            "usb:1 ",
        ] {
            assert_eq!(usb_index(source), None, "{source}");
        }
    }
}
