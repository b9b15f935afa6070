//! Video files and RTSP cameras through ffmpeg, the way Frigate reads them: `ffprobe` learns the
//! picture size, then `ffmpeg` decodes (H.264, H.265, anything it reads) and writes raw RGB
//! frames to a pipe, read here one frame at a time. ffmpeg's last messages go into the error
//! when it fails; passwords in RTSP URLs never appear in messages.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;

use super::context::{CameraError, Ctx, Outcome};

/// The most pixels a frame may have (as for image files).
const MAX_PIXELS: u64 = 100_000_000;

/// RTSP socket timeout given to ffprobe and ffmpeg, in microseconds.
const RTSP_TIMEOUT_US: &str = "5000000";

/// How many of ffmpeg's last message lines go into an error.
const TAIL_LINES: usize = 4;

/// A video file or RTSP stream to open with ffmpeg.
struct Source {
    /// What the input is called in messages (passwords hidden).
    what: String,
    /// The input as ffmpeg's `-i` takes it.
    arg: OsString,
    /// The URL's `user:password@`, to hide in ffmpeg's messages.
    secret: Option<String>,
    rtsp: bool,
    realtime: bool,
    repeat: bool,
    quick: bool,
}

impl Source {
    fn new(input: Played<'_>, realtime: bool, repeat: bool) -> Source {
        match input {
            Played::Rtsp(url) => Source {
                what: format!("the camera stream {}", redact(url)),
                arg: OsString::from(url),
                secret: userinfo(url).map(str::to_owned),
                rtsp: true,
                realtime: false,
                repeat: false,
                quick: false,
            },
            Played::File(path) => {
                // `file:` so that a name with a colon is not taken for a protocol.
                let mut arg = OsString::from("file:");
                arg.push(path.as_os_str());
                Source {
                    what: format!("the video {}", path.display()),
                    arg,
                    secret: None,
                    rtsp: false,
                    realtime,
                    repeat,
                    quick: false,
                }
            }
        }
    }

    /// ffmpeg's last messages as one line: without its `[tcp @ 0x…]` tags, without the input's
    /// name (the error names it already) and with the URL's password hidden.
    fn clean(&self, lines: Vec<String>) -> String {
        let arg = self.arg.to_string_lossy();
        let prefix = format!("{arg}: ");
        let mut said: Vec<String> = Vec::new();
        for line in lines {
            let mut line = line.as_str();
            if line.starts_with('[')
                && let Some((tag, rest)) = line.split_once("] ")
                && tag.contains(" @ ")
            {
                line = rest;
            }
            let line = line.strip_prefix(prefix.as_str()).unwrap_or(line).trim();
            if !line.is_empty() && !said.iter().any(|s| s == line) {
                said.push(line.to_owned());
            }
        }
        let text = said.join(" / ");
        match &self.secret {
            Some(secret) => text.replace(secret.as_str(), &hide_password(secret)),
            None => text,
        }
    }
}

/// What ffprobe says about the first video stream.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Probe {
    width: u32,
    height: u32,
    /// Frames per second as a fraction, when the stream says.
    rate: Option<(u64, u64)>,
}

/// What ffmpeg reads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Played<'a> {
    /// An RTSP address.
    Rtsp(&'a str),
    /// A video file.
    File(&'a Path),
}

/// Opens a video file or RTSP stream once and reads it to its end.
pub(super) fn read(ctx: &mut Ctx, input: Played<'_>) -> Outcome {
    let source = Source {
        quick: ctx.spec.quick_open,
        ..Source::new(input, ctx.spec.realtime, ctx.spec.repeat)
    };
    let probe = match probe(ctx, &source) {
        Ok(probe) => probe,
        Err(outcome) => return outcome,
    };
    stream(ctx, &source, probe)
}

/// The arguments for ffprobe.
fn probe_args(source: &Source) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-v".into(), "error".into()];
    if source.rtsp {
        args.extend(rtsp_options());
    }
    if source.quick {
        args.extend(QUICK.map(OsString::from));
    }
    args.extend(
        [
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,avg_frame_rate",
            "-of",
            "csv=p=0",
            "-i",
        ]
        .map(OsString::from),
    );
    args.push(source.arg.clone());
    args
}

/// The arguments for ffmpeg: decode the first video stream to raw RGB frames of the probed size
/// on stdout.
fn ffmpeg_args(source: &Source, fps: Option<f32>, probe: &Probe) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-hide_banner", "-loglevel", "error", "-nostdin"]
        .map(OsString::from)
        .into();
    if source.realtime {
        args.push("-re".into());
    }
    if source.repeat {
        args.extend(["-stream_loop", "-1"].map(OsString::from));
    }
    if source.rtsp {
        args.extend(rtsp_options());
    }
    if source.quick {
        args.extend(QUICK.map(OsString::from));
    }
    // The probed size is the frame size read from the pipe: no rotation, and a fixed scale in
    // case the camera changes its resolution mid-stream.
    args.push("-noautorotate".into());
    args.push("-i".into());
    args.push(source.arg.clone());
    let scale = format!("scale={}:{}", probe.width, probe.height);
    let filter = match fps {
        Some(fps) => format!("fps={fps},{scale}"),
        None => scale,
    };
    let output = [
        ["-map", "0:v:0"].as_slice(),
        &["-an", "-sn", "-dn"],
        // every decoded frame once: for rawvideo ffmpeg would otherwise make a constant rate,
        // duplicating frames (`-vsync`, unlike `-fps_mode`, is known to ffmpeg 4 to 7)
        &["-vsync", "passthrough"],
        &["-vf", &filter],
        &["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    ];
    args.extend(output.concat().into_iter().map(OsString::from));
    args
}

/// How long and how much of a stream ffprobe and ffmpeg read to learn it when it must open fast
/// (a camera's SDP already gives its codec and size): 0.5 s and 500 kB instead of 5 s.
pub(super) const QUICK: [&str; 4] = ["-analyzeduration", "500000", "-probesize", "500000"];

fn rtsp_options() -> [OsString; 4] {
    ["-rtsp_transport", "tcp", "-timeout", RTSP_TIMEOUT_US].map(OsString::from)
}

/// Runs ffprobe (killable by `stop`) and reads the picture size and rate.
fn probe(ctx: &Ctx, source: &Source) -> Result<Probe, Outcome> {
    let mut command = Command::new("ffprobe");
    command
        .args(probe_args(source))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (mut stdout, tail) = start(ctx, command, "ffprobe")?;
    let mut answer = Vec::new();
    let read = stdout.read_to_end(&mut answer);
    let status = ctx.shared.unregister(read.is_err());
    let messages = source.clean(tail.finish());
    if ctx.stopping() {
        return Err(Outcome::Stopped);
    }
    let failed = !matches!(status, Some(Ok(s)) if s.success());
    if failed {
        return Err(CameraError::Open {
            camera: ctx.name().to_owned(),
            input: source.what.clone(),
            detail: detail(&messages, status),
        }
        .into());
    }
    parse_probe(&String::from_utf8_lossy(&answer)).map_err(|detail| {
        CameraError::Size {
            camera: ctx.name().to_owned(),
            input: source.what.clone(),
            detail,
        }
        .into()
    })
}

/// Runs ffmpeg and hands its frames over until the input ends, fails or the camera stops.
fn stream(ctx: &mut Ctx, source: &Source, probe: Probe) -> Outcome {
    let mut command = Command::new("ffmpeg");
    command
        .args(ffmpeg_args(source, ctx.spec.fps, &probe))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (stdout, tail) = match start(ctx, command, "ffmpeg") {
        Ok(started) => started,
        Err(outcome) => return outcome,
    };
    // The fps of the frames written: the filter's, else the stream's own.
    let rate = match ctx.spec.fps {
        Some(fps) => Some(((f64::from(fps) * 1000.0).round() as u64, 1000)),
        None => probe.rate,
    };
    let frame_bytes = probe.width as usize * probe.height as usize * 3;
    let mut reader = BufReader::with_capacity(frame_bytes.min(1 << 20), stdout);
    let connected = Instant::now();
    let mut frames = 0u64;
    let mut stopped = false;
    let mut read_error = None;
    loop {
        let mut buf = ctx.buffer(frame_bytes);
        match reader.read_exact(&mut buf) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
        let Some(image) = RgbImage::from_raw(probe.width, probe.height, buf) else {
            break; // cannot happen: the buffer has exactly the frame's bytes
        };
        let offset = if source.rtsp {
            ctx.started.elapsed()
        } else {
            match rate {
                Some((num, den)) if num > 0 => frame_time(frames, num, den),
                _ => connected.elapsed(),
            }
        };
        if !ctx.emit(image, offset) {
            stopped = true;
            break;
        }
        frames += 1;
    }
    drop(reader);
    let status = ctx.shared.unregister(stopped || read_error.is_some());
    let mut messages = source.clean(tail.finish());
    if ctx.stopping() || stopped {
        return Outcome::Stopped;
    }
    if let Some(e) = read_error {
        messages = format!("reading its frames failed: {e}; {messages}");
    }
    let success = matches!(status, Some(Ok(s)) if s.success());
    let camera = ctx.name().to_owned();
    let input = source.what.clone();
    if !source.rtsp {
        if frames == 0 && !success {
            return CameraError::NoFrames {
                camera,
                input,
                detail: detail(&messages, status),
            }
            .into();
        }
        if !success {
            tracing::warn!(
                camera,
                "{input} ended early after {frames} frames: {}",
                detail(&messages, status)
            );
        } else if frames == 0 {
            tracing::warn!(camera, "{input} has no pictures");
        }
        return Outcome::Ended;
    }
    let detail = detail(&messages, status);
    if frames == 0 {
        CameraError::NoFrames {
            camera,
            input,
            detail,
        }
        .into()
    } else {
        CameraError::Lost {
            camera,
            input,
            frames,
            detail,
        }
        .into()
    }
}

/// Starts `command`, keeps its stderr's last lines and registers it where `stop` can kill it
/// (`unregister` reaps it).
fn start(
    ctx: &Ctx,
    mut command: Command,
    program: &'static str,
) -> Result<(ChildStdout, Tail), Outcome> {
    let camera = || ctx.name().to_owned();
    // Its own process group: Ctrl-C in a terminal (or a signal to gateward's group) stops
    // gateward, which then stops its cameras; the decoder does not die first and pass for a
    // camera that failed.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|source| CameraError::Start {
        camera: camera(),
        program,
        source,
    })?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(CameraError::Start {
            camera: camera(),
            program,
            source: ErrorKind::BrokenPipe.into(),
        }
        .into());
    };
    let tail = match Tail::spawn(stderr, program) {
        Ok(tail) => tail,
        Err(source) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(CameraError::Thread {
                camera: camera(),
                program,
                source,
            }
            .into());
        }
    };
    if !ctx.shared.register(child) {
        tail.finish();
        return Err(Outcome::Stopped);
    }
    Ok((stdout, tail))
}

/// The last lines a process wrote to stderr, read on their own thread so that the process never
/// waits on a full pipe.
struct Tail {
    thread: JoinHandle<VecDeque<String>>,
}

impl Tail {
    fn spawn(stderr: ChildStderr, program: &str) -> std::io::Result<Tail> {
        let thread = std::thread::Builder::new()
            .name(format!("{program} messages"))
            .spawn(move || {
                let mut lines = VecDeque::with_capacity(TAIL_LINES + 1);
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    lines.push_back(text.chars().take(300).collect());
                    if lines.len() > TAIL_LINES {
                        lines.pop_front();
                    }
                }
                lines
            })?;
        Ok(Tail { thread })
    }

    /// Waits for stderr to close (the process has exited or been killed) and joins the lines.
    fn finish(self) -> Vec<String> {
        self.thread.join().map(Vec::from).unwrap_or_default()
    }
}

/// The reason to show: ffmpeg's messages, else how it exited.
fn detail(messages: &str, status: Option<std::io::Result<ExitStatus>>) -> String {
    if !messages.is_empty() {
        return messages.to_owned();
    }
    match status {
        Some(Ok(status)) => format!("it exited ({status}) without saying why"),
        Some(Err(e)) => format!("it vanished: {e}"),
        None => "it vanished".to_owned(),
    }
}

/// The time of frame `seq` at `num/den` frames per second.
fn frame_time(seq: u64, num: u64, den: u64) -> Duration {
    let nanos = u128::from(seq) * u128::from(den) * 1_000_000_000 / u128::from(num);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Reads ffprobe's `width,height[,rate]` answer (`-of csv=p=0`).
fn parse_probe(answer: &str) -> Result<Probe, String> {
    let Some(line) = answer.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err("ffprobe found no video stream in it".to_owned());
    };
    let bad = || format!("ffprobe answered {line:?} where a width and height were expected");
    let mut fields = line.split(',').map(str::trim);
    let width: u32 = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
    let height: u32 = fields.next().and_then(|f| f.parse().ok()).ok_or_else(bad)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > MAX_PIXELS {
        return Err(format!(
            "its pictures are {width}×{height}; a camera picture must have pixels and at most \
             100 million of them"
        ));
    }
    let rate = fields.next().and_then(parse_rate);
    Ok(Probe {
        width,
        height,
        rate,
    })
}

/// `25/1` or `30000/1001` as a fraction; None for `0/0` and anything unreadable.
pub(super) fn parse_rate(text: &str) -> Option<(u64, u64)> {
    let (num, den) = text.split_once('/').unwrap_or((text, "1"));
    let (num, den) = (num.trim().parse().ok()?, den.trim().parse().ok()?);
    (num > 0 && den > 0).then_some((num, den))
}

/// The `user:password` part of a URL, if it has one.
fn userinfo(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (info, _) = authority.rsplit_once('@')?;
    (!info.is_empty()).then_some(info)
}

/// `user:***` for `user:password`.
fn hide_password(info: &str) -> String {
    match info.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => info.to_owned(),
    }
}

/// The URL with its password hidden, for messages.
pub(super) fn redact(url: &str) -> String {
    match userinfo(url) {
        Some(info) => url.replacen(info, &hide_password(info), 1),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn the_size_is_read_from_ffprobe() {
        let p = parse_probe("1920,1080\n").expect("size");
        assert_eq!((p.width, p.height, p.rate), (1920, 1080, None));
        let p = parse_probe("\n 320,240,30000/1001\n\n").expect("size and rate");
        assert_eq!((p.width, p.height, p.rate), (320, 240, Some((30000, 1001))));
        let p = parse_probe("640,480,0/0,\n").expect("size, unknown rate");
        assert_eq!(p.rate, None);
    }

    #[test]
    fn bad_ffprobe_answers_are_errors() {
        for answer in [
            "",
            "\n",
            "N/A,N/A",
            "1920",
            "1920x1080",
            "0,1080",
            "abc,def\n",
        ] {
            assert!(parse_probe(answer).is_err(), "{answer:?}");
        }
        let e = parse_probe("100000,100000").expect_err("too big");
        assert!(e.contains("100000×100000"), "{e}");
        let e = parse_probe("").expect_err("empty");
        assert!(e.contains("no video stream"), "{e}");
    }

    #[test]
    fn frame_times_are_exact() {
        assert_eq!(frame_time(0, 10, 1), Duration::ZERO);
        assert_eq!(frame_time(3, 10, 1), Duration::from_millis(300));
        assert_eq!(frame_time(30, 30000, 1001), Duration::from_millis(1001));
        assert_eq!(parse_rate("25"), Some((25, 1)));
        assert_eq!(parse_rate("x/1"), None);
    }

    #[test]
    fn passwords_are_hidden() {
        let url = "rtsp://admin:s3cret@192.168.1.64:554/Streaming/Channels/101";
        assert_eq!(
            redact(url),
            "rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101"
        );
        assert_eq!(redact("rtsp://10.0.0.2/live"), "rtsp://10.0.0.2/live");
        assert_eq!(redact("rtsp://10.0.0.2/a@b"), "rtsp://10.0.0.2/a@b");
        let source = Source::new(Played::Rtsp(url), true, false);
        assert!(!source.what.contains("s3cret"));
        let said = source.clean(vec![
            "[rtsp @ 0x55d0] method DESCRIBE failed: 401 Unauthorized".to_owned(),
            format!("{url}: Server returned 401 Unauthorized"),
            "rtsp://admin:s3cret@10.0.0.9/x: other".to_owned(),
        ]);
        assert_eq!(
            said,
            "method DESCRIBE failed: 401 Unauthorized / Server returned 401 Unauthorized / \
             rtsp://admin:***@10.0.0.9/x: other"
        );
        assert!(
            !said.contains("s3cret") && said.contains("admin:***@"),
            "{said}"
        );
    }

    #[test]
    fn ffmpeg_is_asked_for_raw_rgb_frames() {
        let probe = Probe {
            width: 320,
            height: 240,
            rate: None,
        };
        let text = |args: Vec<OsString>| {
            args.iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let file = Source::new(Played::File(Path::new("/v/a:b.mp4")), true, true);
        let args = text(ffmpeg_args(&file, Some(5.0), &probe));
        assert!(
            args.contains("-re -stream_loop -1 -noautorotate -i file:/v/a:b.mp4"),
            "{args}"
        );
        assert!(
            args.contains("-vsync passthrough -vf fps=5,scale=320:240"),
            "{args}"
        );
        assert!(
            args.ends_with("-f rawvideo -pix_fmt rgb24 pipe:1"),
            "{args}"
        );
        let rtsp = Source::new(Played::Rtsp("rtsp://h/s"), true, true);
        let args = text(ffmpeg_args(&rtsp, None, &probe));
        assert!(
            !args.contains("-re") && !args.contains("-stream_loop"),
            "{args}"
        );
        assert!(
            args.contains("-rtsp_transport tcp -timeout 5000000 -noautorotate -i rtsp://h/s"),
            "{args}"
        );
        assert!(args.contains("-vf scale=320:240"), "{args}");
        let args = text(probe_args(&rtsp));
        assert!(
            args.starts_with("-v error -rtsp_transport tcp -timeout 5000000"),
            "{args}"
        );
    }
}
