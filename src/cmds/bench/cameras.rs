//! `gateward bench cameras`: what the service costs with many cameras on this machine. Idle
//! 1080p cameras at 10 fps (a still gate scene with sensor noise, H.264 at about 2.3 Mbit/s,
//! played at its own speed like a live camera) are added one more at a time until frames are
//! lost; each step reports the CPU used (gateward and its ffmpeg decoders), frames read and
//! dropped. Then the memory soak: four cameras replay footage with people and cars arriving
//! (3 s of arrival every 30 s), as fast as the machine allows, for `--soak-minutes` of
//! footage each, with the resident set size sampled as it goes. The last line holds the figures
//! as `name=value`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;

use crate::camera::{Backoff, CameraInput, CameraSpec, Delivery};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::pipeline::service::{CameraHealth, CameraPlan, Service, Settings, Timing};
use crate::pipeline::start::{lanes, load_eyes, runtime};
use crate::pipeline::watch::{CameraInfo, Eyes};
use crate::vision::decode::ImageLimits;

/// Options of `bench cameras`.
#[derive(Debug, clap::Args)]
pub struct CamerasArgs {
    /// Seconds each number of idle cameras runs.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(5..=3600))]
    pub seconds: u32,
    /// The most idle cameras to try (0 skips to the memory soak).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=64))]
    pub max: u32,
    /// Minutes of footage each of the four cameras replays in the memory soak (0 skips it;
    /// 60 is the hour the issue asks for, about 20 minutes on 2 cores).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=600))]
    pub soak_minutes: u32,
    /// Give each idle camera a 640×360 sub-stream (`detect_source`): the motion gate reads it,
    /// and the 1080p main stream stays closed while nothing moves.
    #[arg(long)]
    pub sub_streams: bool,
    /// Only measure what a USB camera's frames cost to turn into pictures (YUYV, NV12, MJPEG at
    /// 640×480, 1280×720 and 1920×1080), on frames ffmpeg makes from this clip.
    #[arg(long, value_name = "CLIP")]
    pub usb: Option<PathBuf>,
}

/// Frames per second of the test cameras.
const FPS: f64 = 10.0;
/// A camera keeps up when it reads this share of the frames it was sent, and drops at most
/// 1 % of them.
const KEEPS_UP: f64 = 0.95;

/// One step of the idle test.
struct Step {
    cameras: u32,
    /// Share of one core used by everything (gateward and the decoders), in %.
    cpu_pct: f64,
    /// Of that, gateward's own (reading frames, motion gate).
    own_pct: f64,
    /// Everything once running: gateward and its running decoders over the counted seconds
    /// only, without their start-up (ffprobe, ffmpeg opening the stream).
    steady_pct: f64,
    /// Frames read per camera per second (10 when it keeps up).
    fps: f64,
    dropped_pct: f64,
    looked: u64,
}

impl Step {
    fn keeps_up(&self) -> bool {
        self.fps >= FPS * KEEPS_UP && self.dropped_pct <= 1.0
    }
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &CamerasArgs) -> anyhow::Result<()> {
    if let Some(clip) = &args.usb {
        return usb_frames(clip);
    }
    let work = tempfile::tempdir().context("cannot make a temporary folder")?;
    let idle = idle_clip(work.path(), (1920, 1080))?;
    let sub = if args.sub_streams {
        Some(idle_clip(work.path(), (640, 360))?)
    } else {
        None
    };
    let eyes: Vec<Eyes> = (0..lanes(config))
        .map(|_| load_eyes(config, None))
        .collect::<Result<_, _>>()?;
    let rt = runtime()?;
    let loaded = memory()?;
    println!(
        "gateward bench cameras: idle 1080p cameras at 10 fps (a still scene with sensor noise, \
         H.264 ~2.3 Mbit/s){}, {} s each; {} cores, {} model set(s)",
        if sub.is_some() {
            ", each with a 640×360 sub-stream at 10 fps read by the motion gate (the main \
             stream opened only on motion)"
        } else {
            ""
        },
        args.seconds,
        std::thread::available_parallelism().map_or(1, usize::from),
        eyes.len()
    );
    println!(
        "memory with every model loaded, before any frame: {:.0} MB resident",
        loaded.0
    );
    let mut eyes = Some(eyes);
    let mut steps: Vec<Step> = Vec::new();
    let mut rss_most = None;
    for n in 1..=args.max {
        let (step, back) = rt.block_on(idle_step(
            config,
            (&idle, sub.as_deref()),
            n,
            args.seconds,
            eyes.take().unwrap_or_default(),
        ));
        eyes = Some(back);
        if n <= 4 {
            rss_most = Some((n, memory()?));
        }
        let (rss, peak) = memory()?;
        println!("  memory after it: {rss:.0} MB resident, {peak:.0} MB at most");
        println!(
            "{n} camera(s): {:.1} % of one core ({:.1} % per camera; gateward's own {:.1} %, the \
             decoders the rest); once running, start-up left out: {:.1} % per camera; {:.1} fps \
             read per camera, {:.2} % dropped, {} frames looked at",
            step.cpu_pct,
            step.cpu_pct / f64::from(n),
            step.own_pct,
            step.steady_pct / f64::from(n),
            step.fps,
            step.dropped_pct,
            step.looked
        );
        let keeps_up = step.keeps_up();
        steps.push(step);
        if !keeps_up {
            break;
        }
    }
    let capacity = steps
        .iter()
        .take_while(|s| s.keeps_up())
        .last()
        .map_or(0, |s| s.cameras);
    let idle_pct = steps.first().map_or(0.0, |s| s.cpu_pct);
    let idle_own = steps.first().map_or(0.0, |s| s.own_pct);
    let idle_steady = steps.first().map_or(0.0, |s| s.steady_pct);
    let (rss_cameras, rss_4) = match rss_most {
        Some(m) => m,
        None => (0, memory()?),
    };
    if args.max > 0 {
        println!(
            "capacity: {capacity} idle 1080p cameras at 10 fps without losing frames{}",
            if steps.last().is_some_and(Step::keeps_up) {
                format!(" (the most tried; --max {} to try more)", args.max)
            } else {
                String::new()
            }
        );
        println!(
            "memory with every model and {rss_cameras} cameras: {:.0} MB resident now, {:.0} MB at most",
            rss_4.0, rss_4.1
        );
    }
    let soak = if args.soak_minutes > 0 {
        let eyes = eyes.take().unwrap_or_default();
        Some(rt.block_on(soak(config, work.path(), args.soak_minutes, eyes))?)
    } else {
        None
    };
    let (soak_rss, soak_peak) = soak.unwrap_or((0.0, 0.0));
    println!(
        "sub_streams={} cameras_capacity={capacity} idle_camera_core_pct={idle_pct:.1} idle_camera_own_core_pct={idle_own:.1} \
         idle_camera_steady_core_pct={idle_steady:.1} \
         peak_rss_mb_{rss_cameras}_cameras={:.0} soak_minutes={} soak_rss_mb={soak_rss:.0} soak_peak_rss_mb={soak_peak:.0}",
        args.sub_streams, rss_4.1, args.soak_minutes
    );
    Ok(())
}

/// Makes the idle camera's footage: a still gate scene at `size` (1920×1080 for a main stream,
/// 640×360 for a sub-stream) with a little sensor noise changing every frame, 20 s at 10 fps,
/// H.264 with a keyframe every 2 s (as cameras send).
fn idle_clip(dir: &Path, size: (u32, u32)) -> anyhow::Result<PathBuf> {
    let (w, h) = size;
    let out = dir.join(format!("idle-{w}x{h}.mp4"));
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/car-resident-blue.png");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i"])
        .arg(&scene)
        .args([
            "-vf",
            &format!(
                "scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},noise=alls=4:allf=t,format=yuv420p"
            ),
            "-r",
            "10",
            "-t",
            "20",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-g",
            "20",
            "-bf",
            "0",
        ])
        .arg(&out)
        .status()
        .context("cannot run ffmpeg (scripts/setup installs it)")?;
    anyhow::ensure!(status.success(), "ffmpeg could not make the idle footage");
    Ok(out)
}

fn plan(
    name: String,
    file: &Path,
    sub: Option<&Path>,
    realtime: bool,
    delivery: Delivery,
) -> CameraPlan {
    let spec = |file: &Path| CameraSpec {
        name: name.clone(),
        input: CameraInput::File(file.to_path_buf()),
        fps: None,
        realtime,
        repeat: true,
        images: ImageLimits::default(),
        quick_open: false,
    };
    CameraPlan {
        spec: spec(file),
        sub_stream: sub.map(|s| (spec(s), Duration::from_secs(10))),
        info: CameraInfo::new(name, "bench", None),
        delivery,
        backoff: Backoff::default(),
    }
}

/// Runs `n` idle cameras for `seconds`; gives the model sets back.
async fn idle_step(
    config: &Config,
    (clip, sub): (&Path, Option<&Path>),
    n: u32,
    seconds: u32,
    eyes: Vec<Eyes>,
) -> (Step, Vec<Eyes>) {
    let plans = (1..=n)
        .map(|i| plan(format!("idle {i}"), clip, sub, true, Delivery::LatestWins))
        .collect();
    let settings = Settings::new(config, Timing::Live(Arc::new(SystemClock)));
    let started = cpu();
    let began = Instant::now();
    let (service, _events) = Service::start(plans, eyes, None, settings);
    // The first 2 s are ffprobe and ffmpeg starting, and the first frame of each camera looked
    // at by the models (the motion gate has no background yet): not counted.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sum = |h: &[CameraHealth], f: fn(&CameraHealth) -> u64| h.iter().map(f).sum::<u64>();
    let warm = service.health();
    let before = cpu();
    let decoders_before = running_children();
    let counted = Instant::now();
    tokio::time::sleep(Duration::from_secs(u64::from(seconds))).await;
    let health = service.health();
    let after = cpu();
    let decoders_after = running_children();
    let secs = counted.elapsed().as_secs_f64();
    let (_, eyes) = service.stop_keeping_eyes().await;
    let wall = began.elapsed().as_secs_f64();
    // the decoders' time is known only once they have exited: over the whole run
    let decoders = cpu().children - started.children;
    let received = sum(&health, |h| h.received) - sum(&warm, |h| h.received);
    let dropped = sum(&health, |h| h.dropped) - sum(&warm, |h| h.dropped);
    let own = (after.own - before.own) / secs;
    let running = (decoders_after - decoders_before).max(0.0) / secs;
    let step = Step {
        cameras: n,
        cpu_pct: 100.0 * (own + decoders / wall),
        own_pct: 100.0 * own,
        steady_pct: 100.0 * (own + running),
        fps: received as f64 / secs / f64::from(n),
        dropped_pct: if received == 0 {
            0.0
        } else {
            100.0 * dropped as f64 / received as f64
        },
        looked: sum(&health, |h| h.looked) - sum(&warm, |h| h.looked),
    };
    (step, eyes)
}

/// The memory soak: four cameras replaying footage with arrivals, every frame, as fast as the
/// machine allows, until each has replayed `minutes` of footage. Returns the resident set size
/// at the end and at most, in MB.
async fn soak(
    config: &Config,
    dir: &Path,
    minutes: u32,
    eyes: Vec<Eyes>,
) -> anyhow::Result<(f64, f64)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/clips");
    let clips = [
        "vip-arrives.mp4",
        "two-visitors.mp4",
        "resident-car.mp4",
        "truck-arrives.mp4",
    ];
    let quiet = quiet_clip(dir)?;
    let mut plans = Vec::new();
    for (i, clip) in clips.iter().enumerate() {
        let looped = gate_day(dir, &root.join(clip), &quiet, i)?;
        plans.push(plan(
            format!("soak {}", i + 1),
            &looped,
            None,
            false,
            Delivery::EveryFrame,
        ));
    }
    let settings = Settings::new(config, Timing::Replay { start: Utc::now() });
    let frames = u64::from(minutes) * 60 * FPS as u64;
    println!(
        "memory soak: 4 cameras each replaying {minutes} min of 720p footage (an arrival every 30 s), every frame, as fast as possible"
    );
    let began = Instant::now();
    let (service, mut events) = Service::start(plans, eyes, None, settings);
    let counter = tokio::spawn(async move {
        let mut n = 0u64;
        while let Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) =
            events.recv().await
        {
            n += 1;
        }
        n
    });
    let mut next_report = 0.1;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let health = service.health();
        let done = health.iter().map(|h| h.received).min().unwrap_or(0);
        let share = done as f64 / frames as f64;
        if share >= next_report || share >= 1.0 {
            let (rss, peak) = memory()?;
            println!(
                "  {:>3.0} % of the footage after {:.0} s: {rss:.0} MB resident, {peak:.0} MB at most; {}",
                (share * 100.0).min(100.0),
                began.elapsed().as_secs_f64(),
                counts(&health)
            );
            next_report = (share * 10.0).floor() / 10.0 + 0.1;
        }
        if share >= 1.0 {
            break;
        }
    }
    let memory_end = memory()?;
    let (_, _eyes) = service.stop_keeping_eyes().await;
    let events = counter.await.unwrap_or(0);
    println!(
        "  {events} events in {:.0} s; {:.0} MB resident at the end, {:.0} MB at most",
        began.elapsed().as_secs_f64(),
        memory_end.0,
        memory_end.1
    );
    Ok(memory_end)
}

fn counts(health: &[CameraHealth]) -> String {
    let looked: u64 = health.iter().map(|h| h.looked).sum();
    let still: u64 = health.iter().map(|h| h.still).sum();
    format!("{looked} frames looked at, {still} without motion")
}

/// 27 s of an empty gate at 1280×720, 10 fps: the quiet between arrivals.
fn quiet_clip(dir: &Path) -> anyhow::Result<PathBuf> {
    let out = dir.join("quiet-720p.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=0x767676:s=1280x720:r=10",
        "-t",
        "27",
        "-vf",
        "noise=alls=3:allf=t,format=yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "20",
        "-bf",
        "0",
        out.to_str().unwrap_or_default(),
    ])?;
    Ok(out)
}

/// A fixture clip followed by the quiet: 30 s with one arrival, for camera `i`.
fn gate_day(dir: &Path, clip: &Path, quiet: &Path, i: usize) -> anyhow::Result<PathBuf> {
    let list = dir.join(format!("list-{i}.txt"));
    std::fs::write(
        &list,
        format!("file '{}'\nfile '{}'\n", clip.display(), quiet.display()),
    )?;
    let out = dir.join(format!("gate-{i}.mp4"));
    ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list.to_str().unwrap_or_default(),
        "-c",
        "copy",
        out.to_str().unwrap_or_default(),
    ])?;
    Ok(out)
}

fn ffmpeg(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .context("cannot run ffmpeg (scripts/setup installs it)")?;
    anyhow::ensure!(status.success(), "ffmpeg failed making the soak footage");
    Ok(())
}

/// CPU seconds used by this process and by its children that have exited (the decoders, once
/// their cameras are stopped).
struct Cpu {
    own: f64,
    children: f64,
}

/// Reads /proc/self/stat: utime, stime, cutime, cstime in clock ticks (100 per second on
/// Linux).
fn cpu() -> Cpu {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f = stat_fields(&text);
    Cpu {
        own: seconds(&f, 11) + seconds(&f, 12),
        children: seconds(&f, 13) + seconds(&f, 14),
    }
}

/// The fields of a /proc/PID/stat line after the command name (which is in parentheses and may
/// hold spaces): state is 0, ppid 1, utime (field 14 of the whole line) 11, stime 12, cutime
/// 13, cstime 14.
fn stat_fields(text: &str) -> Vec<&str> {
    text.rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect()
}

/// Field `i` of [`stat_fields`] in seconds (it counts clock ticks of 1/100 s).
fn seconds(fields: &[&str], i: usize) -> f64 {
    fields
        .get(i)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 100.0
}

/// CPU seconds used so far by this process's running children (the cameras' ffmpeg decoders),
/// from /proc: unlike the children's time in /proc/self/stat, it counts them while they run.
fn running_children() -> f64 {
    let me = std::process::id().to_string();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .map(|text| {
            let f = stat_fields(&text);
            if f.get(1) == Some(&me.as_str()) {
                seconds(&f, 11) + seconds(&f, 12)
            } else {
                0.0
            }
        })
        .sum()
}

/// Resident set size now and at most, in MB, from /proc/self/status.
fn memory() -> anyhow::Result<(f64, f64)> {
    let text =
        std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    let kb = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok((kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0))
}

/// What turning one USB camera frame into a picture costs, for each format and size: ffmpeg
/// makes the frame (frame 20 of `clip`, scaled) as the camera would send it, and nokhwa's decoding
/// (the camera thread's) turns it into RGB, 30 times.
fn usb_frames(clip: &Path) -> anyhow::Result<()> {
    use crate::camera::usb::{self, PixelFormat};
    const RUNS: u32 = 30;
    println!(
        "gateward bench cameras --usb: a USB camera frame into a picture (nokhwa), frame 20 of {}, \
         {RUNS} runs each, one core",
        clip.display()
    );
    let mut figures = Vec::new();
    for (w, h) in [(640u32, 480u32), (1280, 720), (1920, 1080)] {
        for (format, pix_fmt) in [
            (PixelFormat::Yuyv, "yuyv422"),
            (PixelFormat::Nv12, "nv12"),
            (PixelFormat::Mjpeg, "mjpeg"),
        ] {
            let mut cmd = Command::new("ffmpeg");
            cmd.args(["-hide_banner", "-loglevel", "error", "-i"])
                .arg(clip)
                .args([
                    "-vf",
                    &format!("select=eq(n\\,20),scale={w}:{h}"),
                    "-frames:v",
                    "1",
                ]);
            if format == PixelFormat::Mjpeg {
                cmd.args([
                    "-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-q:v", "3", "-f", "mjpeg",
                ]);
            } else {
                cmd.args(["-pix_fmt", pix_fmt, "-f", "rawvideo"]);
            }
            let out = cmd.arg("-").output().context("cannot run ffmpeg")?;
            anyhow::ensure!(
                out.status.success() && !out.stdout.is_empty(),
                "ffmpeg made no {format} frame from {}: {}",
                clip.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            let started = Instant::now();
            for _ in 0..RUNS {
                usb::to_rgb(format, w, h, &out.stdout)?;
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(RUNS);
            println!(
                "  {format:<5} {w}×{h}: {ms:6.2} ms a frame, {:5.1} % of one core at 10 fps",
                ms * FPS / 10.0
            );
            figures.push(format!(
                "usb_{}_{h}p_ms={ms:.2}",
                format.to_string().to_lowercase()
            ));
        }
    }
    println!("{}", figures.join(" "));
    Ok(())
}
