//! What a camera offers, asked before it is configured: the codec, picture size and rate of a
//! stream or video (ffprobe), where a camera's sub-stream is by the address patterns of the
//! common makes, and which video devices (USB cameras, V4L2) this machine has.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::ffmpeg::{QUICK, parse_rate, redact};
use super::spec::CameraInput;

/// The first video stream of a camera or video.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// ffprobe's codec name: h264, hevc, mjpeg …
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second, when the stream says.
    pub fps: Option<f32>,
}

impl StreamInfo {
    /// The codec as installers know it: H.264, H.265 …
    pub fn codec_name(&self) -> String {
        match self.codec.as_str() {
            "h264" => "H.264".to_owned(),
            "hevc" => "H.265".to_owned(),
            "mjpeg" => "MJPEG".to_owned(),
            other => other.to_uppercase(),
        }
    }
}

/// Asks ffprobe about `source` (an rtsp:// address or a video file), waiting at most `timeout`
/// for an RTSP camera to answer. The error says what went wrong in words an installer can act
/// on, with the address's password hidden.
pub fn probe(source: &str, timeout: Duration) -> Result<StreamInfo, String> {
    let rtsp = source.starts_with("rtsp://") || source.starts_with("rtsps://");
    let mut command = Command::new("ffprobe");
    command.args(["-v", "error"]);
    if rtsp {
        command.args(["-rtsp_transport", "tcp", "-timeout"]);
        command.arg(timeout.as_micros().to_string());
        command.args(QUICK);
    }
    command
        .args([
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,avg_frame_rate",
            "-of",
            "csv=p=0",
            "-i",
            source,
        ])
        .stdin(Stdio::null());
    let out = command
        .output()
        .map_err(|e| format!("cannot run ffprobe ({e}); install ffmpeg (scripts/setup does)"))?;
    let said = redact_all(source, &String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        let shown = redact(source);
        let last = said.lines().last().unwrap_or("no answer").trim();
        let last = last.strip_prefix(&format!("{shown}: ")).unwrap_or(last);
        return Err(format!("{shown} does not answer: {last}"));
    }
    parse_stream(&String::from_utf8_lossy(&out.stdout))
        .ok_or_else(|| format!("{} has no video stream", redact(source)))
}

/// [`probe`] of a camera's input (an RTSP address or a video file; a folder has no stream).
pub fn probe_input(input: &CameraInput, timeout: Duration) -> Result<StreamInfo, String> {
    match input {
        CameraInput::Rtsp(url) => probe(url, timeout),
        CameraInput::File(path) => probe(&format!("file:{}", path.display()), timeout),
        CameraInput::Folder(dir) => Err(format!("{} is a folder of images", dir.display())),
        CameraInput::Usb { index, .. } => Err(format!(
            "/dev/video{index} is a USB camera: `gateward cameras probe usb:{index}` lists its formats"
        )),
    }
}

/// `text` with every mention of `source` shown with its password hidden.
fn redact_all(source: &str, text: &str) -> String {
    text.replace(source, &redact(source))
}

/// Reads ffprobe's `codec,width,height,rate` line.
fn parse_stream(answer: &str) -> Option<StreamInfo> {
    let line = answer.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut fields = line.split(',').map(str::trim);
    let codec = fields.next()?.to_owned();
    let width = fields.next()?.parse().ok()?;
    let height = fields.next()?.parse().ok()?;
    let fps = fields
        .next()
        .and_then(parse_rate)
        .map(|(n, d)| n as f32 / d as f32);
    (!codec.is_empty()).then_some(StreamInfo {
        codec,
        width,
        height,
        fps,
    })
}

/// The sub-stream address of a main-stream address, by the patterns of the common makes:
/// Hikvision `/Streaming/Channels/N01` → `N02`, Dahua `subtype=0` → `subtype=1`, Uniview
/// `/unicast/cN/s0/live` → `s1`. `None` when the address follows none of them.
pub fn sub_stream_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if let Some(at) = lower.find("/streaming/channels/") {
        let start = at + "/streaming/channels/".len();
        let digits = url[start..].bytes().take_while(u8::is_ascii_digit).count();
        let number = &url[start..start + digits];
        if digits >= 3 && number.ends_with("01") {
            let mut sub = url[..start + digits - 2].to_owned();
            sub.push_str("02");
            sub.push_str(&url[start + digits..]);
            return Some(sub);
        }
        return None;
    }
    if lower.contains("/cam/realmonitor") && lower.contains("subtype=0") {
        let at = lower.find("subtype=0")?;
        let mut sub = url.to_owned();
        sub.replace_range(at..at + "subtype=0".len(), "subtype=1");
        return Some(sub);
    }
    if let Some(at) = lower.find("/s0/live") {
        let mut sub = url.to_owned();
        sub.replace_range(at..at + "/s0/live".len(), "/s1/live");
        return lower[..at].contains("/unicast/").then_some(sub);
    }
    None
}

/// A video device of this machine (a USB camera, through Linux's V4L2).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoDevice {
    /// /dev/videoN
    pub path: PathBuf,
    /// The name the driver gives it.
    pub name: String,
}

/// The video devices this machine has, from /sys/class/video4linux (empty where there is
/// none, or on a system without it).
pub fn video_devices() -> Vec<VideoDevice> {
    let Ok(entries) = std::fs::read_dir("/sys/class/video4linux") else {
        return Vec::new();
    };
    let mut found: Vec<VideoDevice> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let node = e.file_name().to_string_lossy().into_owned();
            node.starts_with("video").then(|| VideoDevice {
                path: PathBuf::from("/dev").join(&node),
                name: std::fs::read_to_string(e.path().join("name"))
                    .map(|n| n.trim().to_owned())
                    .unwrap_or_default(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_streams_follow_each_makes_pattern() {
        for (main, sub) in [
            (
                "rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/101",
                Some("rtsp://admin:pw@10.0.0.5:554/Streaming/Channels/102"),
            ),
            (
                "rtsp://10.0.0.5/Streaming/Channels/1201?transportmode=unicast",
                Some("rtsp://10.0.0.5/Streaming/Channels/1202?transportmode=unicast"),
            ),
            ("rtsp://10.0.0.5/Streaming/Channels/102", None),
            (
                "rtsp://a:b@10.0.0.6:554/cam/realmonitor?channel=1&subtype=0",
                Some("rtsp://a:b@10.0.0.6:554/cam/realmonitor?channel=1&subtype=1"),
            ),
            (
                "rtsp://10.0.0.7/unicast/c1/s0/live",
                Some("rtsp://10.0.0.7/unicast/c1/s1/live"),
            ),
            ("rtsp://10.0.0.8/live/main", None),
        ] {
            assert_eq!(sub_stream_of(main).as_deref(), sub, "{main}");
        }
    }

    #[test]
    fn ffprobe_answers_are_read() {
        let s = parse_stream("hevc,1920,1080,25/1\n").expect("stream");
        assert_eq!(
            (s.codec_name(), s.width, s.height, s.fps),
            ("H.265".to_owned(), 1920, 1080, Some(25.0))
        );
        let s = parse_stream("h264,640,360,0/0").expect("stream");
        assert_eq!((s.codec_name(), s.fps), ("H.264".to_owned(), None));
        assert_eq!(parse_stream(""), None);
        assert_eq!(parse_stream("h264,N/A,N/A"), None);
    }
}
