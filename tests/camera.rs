//! Camera sources end to end: a folder of photos with a damaged one, H.264 and H.265 clips made
//! by ffmpeg, a slow consumer of a live-speed clip, files that are missing or not videos, and an
//! RTSP camera that does not answer. Each stops quickly and leaves no ffmpeg behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{has_encoder, has_ffmpeg};
use gateward::camera::{Backoff, Camera, CameraInput, CameraSpec, CameraState, Delivery, Frame};
use gateward::vision::decode::{self, ImageLimits};

/// A unique temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gateward-camera-{test}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A 2-second 10 fps 320×240 test clip with `codec`, plus a sound track so that only the
/// picture must reach the frames.
fn make_clip(dir: &Path, file: &str, codec: &str) -> PathBuf {
    let out = dir.join(file);
    let mut ffmpeg = Command::new("ffmpeg");
    ffmpeg
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000"])
        .args(["-t", "2", "-pix_fmt", "yuv420p", "-c:v", codec]);
    if codec == "libx265" {
        ffmpeg.args(["-x265-params", "log-level=error"]);
    }
    let status = ffmpeg
        .args(["-c:a", "aac", "-shortest"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make {file}");
    out
}

fn spec(name: &str, input: CameraInput, fps: Option<f32>, realtime: bool) -> CameraSpec {
    CameraSpec {
        name: name.to_owned(),
        input,
        fps,
        realtime,
        repeat: false,
        images: ImageLimits::default(),
        quick_open: false,
    }
}

/// Every frame until the camera ends.
fn all_frames(camera: &Camera) -> Vec<Frame> {
    let mut frames = Vec::new();
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        match camera.recv(Duration::from_secs(5)) {
            Some(frame) => frames.push(frame),
            None => break,
        }
    }
    frames
}

/// Waits up to `limit` for a state that passes `check`; the last state seen.
fn wait_for_state(
    camera: &Camera,
    limit: Duration,
    check: impl Fn(&CameraState) -> bool,
) -> CameraState {
    let until = Instant::now() + limit;
    loop {
        let state = camera.state();
        if check(&state) || Instant::now() >= until {
            return state;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the camera and checks it took under 2 s.
fn stop_quickly(camera: Camera) {
    let t = Instant::now();
    camera.stop();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "stop took {:?}",
        t.elapsed()
    );
}

/// Processes started by this test process whose command line mentions `needle`.
fn children_mentioning(needle: &str) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in procs.flatten() {
        let dir = entry.path();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if ppid != Some(me.as_str()) {
            continue;
        }
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(cmdline);
        }
    }
    found
}

#[test]
fn a_folder_delivers_its_images_in_name_order_and_skips_a_damaged_one() {
    let dir = TempDir::new("folder");
    std::fs::copy(fixture("obama.jpg"), dir.path().join("obama.jpg")).expect("copy");
    std::fs::copy(fixture("biden.jpg"), dir.path().join("biden.jpg")).expect("copy");
    std::fs::write(dir.path().join("broken.jpg"), b"\xff\xd8\xff\xe0 not").expect("write");
    std::fs::write(dir.path().join("notes.txt"), b"not an image").expect("write");
    let camera = Camera::spawn(
        spec(
            "folder",
            CameraInput::Folder(dir.path().to_owned()),
            None,
            false,
        ),
        Delivery::EveryFrame,
        Backoff::default(),
    );
    assert_eq!(camera.name(), "folder");
    let frames = all_frames(&camera);
    let sizes: Vec<_> = frames.iter().map(|f| f.image.dimensions()).collect();
    let expected: Vec<_> = ["biden.jpg", "obama.jpg"]
        .iter()
        .map(|name| {
            let image = decode::open(&fixture(name), &ImageLimits::default()).expect("fixture");
            image.dimensions()
        })
        .collect();
    assert_eq!(sizes, expected);
    assert_eq!(frames.iter().map(|f| f.seq).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(frames[1].offset, Duration::from_millis(100));
    assert_eq!(camera.state(), CameraState::Ended);
    assert_eq!(camera.received(), 2);
    assert_eq!(camera.dropped(), 0);
    stop_quickly(camera);
}

#[test]
fn a_folder_is_paced_at_its_fps() {
    let dir = TempDir::new("paced");
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        std::fs::copy(fixture("biden.jpg"), dir.path().join(name)).expect("copy");
    }
    let t = Instant::now();
    let camera = Camera::spawn(
        spec(
            "paced",
            CameraInput::Folder(dir.path().to_owned()),
            Some(5.0),
            false,
        ),
        Delivery::EveryFrame,
        Backoff::default(),
    );
    let frames = all_frames(&camera);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[2].offset, Duration::from_millis(400));
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    stop_quickly(camera);
}

#[test]
fn an_empty_folder_ends_and_a_missing_one_is_retried() {
    let dir = TempDir::new("empty");
    let camera = Camera::spawn(
        spec(
            "empty",
            CameraInput::Folder(dir.path().to_owned()),
            None,
            false,
        ),
        Delivery::EveryFrame,
        Backoff::default(),
    );
    assert!(camera.recv(Duration::from_secs(5)).is_none());
    assert_eq!(camera.state(), CameraState::Ended);
    stop_quickly(camera);

    let missing = dir.path().join("not-mounted");
    let camera = Camera::spawn(
        spec(
            "东门入口",
            CameraInput::Folder(missing.clone()),
            None,
            false,
        ),
        Delivery::LatestWins,
        Backoff::default(),
    );
    let state = wait_for_state(&camera, Duration::from_secs(5), |s| {
        matches!(s, CameraState::Reconnecting { .. })
    });
    let CameraState::Reconnecting { attempt, error, .. } = state else {
        panic!("expected Reconnecting, got {state:?}");
    };
    eprintln!("{error}");
    assert!(attempt >= 1);
    assert!(error.contains("东门入口"), "{error}");
    assert!(error.contains(&missing.display().to_string()), "{error}");
    // the folder appears: the camera reads it at its next try
    std::fs::create_dir(&missing).expect("mkdir");
    std::fs::copy(fixture("biden.jpg"), missing.join("a.jpg")).expect("copy");
    let frame = camera
        .recv(Duration::from_secs(5))
        .expect("a frame once mounted");
    assert_eq!(frame.seq, 0);
    stop_quickly(camera);
}

fn check_clip(clip: &Path) {
    let camera = Camera::spawn(
        spec("clip", CameraInput::File(clip.to_owned()), None, false),
        Delivery::EveryFrame,
        Backoff::default(),
    );
    let frames = all_frames(&camera);
    assert_eq!(frames.len(), 20, "{}", clip.display());
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(frame.seq, i as u64);
        assert_eq!(frame.image.dimensions(), (320, 240));
        assert_eq!(frame.offset, Duration::from_millis(100 * i as u64));
    }
    // testsrc's first frame is not black: the bytes are pictures, not zeros or sound
    assert!(frames[0].image.as_raw().iter().any(|&b| b > 100));
    assert_eq!(camera.state(), CameraState::Ended);
    assert_eq!(camera.received(), 20);
    stop_quickly(camera);
}

#[test]
fn video_files_deliver_every_frame_with_its_time() {
    if !has_ffmpeg() {
        return;
    }
    let dir = TempDir::new("clips");
    let h264 = if has_encoder("libx264") {
        "libx264"
    } else {
        "mpeg4"
    };
    check_clip(&make_clip(dir.path(), "h264 clip.mp4", h264));
    if has_encoder("libx265") {
        check_clip(&make_clip(dir.path(), "h265:clip.mkv", "libx265"));
    } else {
        common::missing(
            "ffmpeg's libx265 encoder, so the H.265 clip is not tested",
            "Debian's ffmpeg, which scripts/setup installs, has it",
        );
    }
}

#[test]
fn the_fps_filter_sets_the_frames_and_their_times() {
    if !has_ffmpeg() {
        return;
    }
    let dir = TempDir::new("fps");
    let clip = make_clip(dir.path(), "clip.mp4", "mpeg4");
    let camera = Camera::spawn(
        spec("fps", CameraInput::File(clip), Some(5.0), false),
        Delivery::EveryFrame,
        Backoff::default(),
    );
    let frames = all_frames(&camera);
    assert_eq!(frames.len(), 10);
    assert_eq!(frames[3].offset, Duration::from_millis(600));
    assert_eq!(camera.state(), CameraState::Ended);
    stop_quickly(camera);
}

#[test]
fn a_slow_consumer_of_a_live_camera_drops_frames_in_order() {
    if !has_ffmpeg() {
        return;
    }
    let dir = TempDir::new("slow");
    let clip = make_clip(dir.path(), "clip.mp4", "mpeg4");
    let camera = Camera::spawn(
        spec("slow", CameraInput::File(clip), None, true),
        Delivery::LatestWins,
        Backoff::default(),
    );
    let mut seqs = Vec::new();
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        match camera.recv(Duration::from_secs(2)) {
            Some(frame) => {
                seqs.push(frame.seq);
                std::thread::sleep(Duration::from_millis(150));
            }
            None => break,
        }
    }
    assert_eq!(camera.state(), CameraState::Ended);
    assert!(camera.dropped() > 0, "nothing dropped: {seqs:?}");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(camera.received(), 20);
    assert_eq!(seqs.len() as u64 + camera.dropped(), 20, "{seqs:?}");
    stop_quickly(camera);
}

#[test]
fn stopping_a_replay_nobody_reads_kills_ffmpeg() {
    if !has_ffmpeg() {
        return;
    }
    let dir = TempDir::new("unread");
    let clip = make_clip(dir.path(), "unread-clip.mp4", "mpeg4");
    for stop in [true, false] {
        let camera = Camera::spawn(
            spec("unread", CameraInput::File(clip.clone()), None, true),
            Delivery::EveryFrame,
            Backoff::default(),
        );
        let live = wait_for_state(&camera, Duration::from_secs(5), |s| *s == CameraState::Live);
        assert_eq!(live, CameraState::Live);
        assert!(!children_mentioning("unread-clip.mp4").is_empty());
        let t = Instant::now();
        if stop {
            camera.stop();
        } else {
            drop(camera);
        }
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        assert_eq!(children_mentioning("unread-clip.mp4"), Vec::<String>::new());
    }
}

#[test]
fn a_missing_or_broken_file_is_an_error_naming_it() {
    if !has_ffmpeg() {
        return;
    }
    let dir = TempDir::new("badfile");
    let not_video = dir.path().join("notes.mp4");
    std::fs::write(&not_video, "this is not a video\n").expect("write");
    for path in [dir.path().join("missing.mp4"), not_video] {
        let camera = Camera::spawn(
            spec("东门入口", CameraInput::File(path.clone()), None, false),
            Delivery::EveryFrame,
            Backoff::default(),
        );
        let state = wait_for_state(&camera, Duration::from_secs(5), |s| {
            matches!(s, CameraState::Reconnecting { .. } | CameraState::Ended)
        });
        let CameraState::Reconnecting { attempt, error, .. } = state else {
            panic!("expected Reconnecting, got {state:?}");
        };
        eprintln!("{error}");
        assert!(attempt >= 1);
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.starts_with("camera 东门入口: "), "{error}");
        assert!(camera.recv(Duration::from_millis(10)).is_none());
        stop_quickly(camera);
    }
}

#[test]
fn an_rtsp_camera_that_does_not_answer_is_retried() {
    if !has_ffmpeg() {
        return;
    }
    let camera = Camera::spawn(
        spec(
            "北门",
            CameraInput::Rtsp("rtsp://admin:s3cret@127.0.0.1:18554/none".to_owned()),
            None,
            false,
        ),
        Delivery::LatestWins,
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(400),
        },
    );
    let state = wait_for_state(
        &camera,
        Duration::from_secs(8),
        |s| matches!(s, CameraState::Reconnecting { attempt, .. } if *attempt >= 2),
    );
    let CameraState::Reconnecting {
        attempt,
        error,
        retry_in,
    } = state
    else {
        panic!("expected Reconnecting, got {state:?}");
    };
    eprintln!("{error}");
    assert!(attempt >= 2, "{attempt}");
    assert!(retry_in <= Duration::from_millis(400));
    assert!(error.contains("127.0.0.1:18554"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
    assert!(camera.recv(Duration::from_millis(10)).is_none());
    stop_quickly(camera);
}
