//! A real RTSP camera: a local GStreamer RTSP server (tools/rtsp/serve.py, Debian packages)
//! serves a fixture clip on 127.0.0.1. `gateward replay rtsp://…` reads people from it; the
//! server is killed mid-stream and started again, and the camera must be read again within 10 s
//! of its return. `gateward run` with two RTSP cameras: one server dies, the other camera goes on,
//! the outage is logged, and the camera is read again within 10 s of the server's return.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Running, fixture};

const PORT: u16 = 18654;

/// The two tests time a camera's return; run side by side they would share the two cores and
/// time each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether the GStreamer RTSP server of tools/rtsp/serve.py and ffmpeg run here; when not,
/// `common::missing` (a failure on CI).
fn can_serve() -> bool {
    let gst = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !gst {
        common::missing(
            "GStreamer's RTSP server for Python (/usr/bin/python3 with gi and GstRtspServer 1.0)",
            "scripts/setup installs python3-gi and GStreamer's RTSP server",
        );
        return false;
    }
    common::has_ffmpeg()
}

fn serve(clip: &Path, port: u16) -> Child {
    serve_as(clip, port, "h264")
}

/// Serves `clip`, encoded with `codec` (`h264` or `h265`), at rtsp://127.0.0.1:`port`/gate.
fn serve_as(clip: &Path, port: u16, codec: &str) -> Child {
    let port = port.to_string();
    start_server(
        "serve.py",
        &[clip.as_os_str(), port.as_ref(), codec.as_ref()],
    )
}

/// Starts the RTSP server script `tools/rtsp/SCRIPT` with `args`, once it serves.
fn start_server(script: &str, args: &[&std::ffi::OsStr]) -> Child {
    let mut child = Command::new("/usr/bin/python3")
        .arg(common::repo().join("tools/rtsp").join(script))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the RTSP server");
    // wait for its "serving" line
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("serving"), "{line}");
    child
}

fn person_arrival(e: &serde_json::Value) -> bool {
    e["kind"] == "person" && e["event"] == "arrival"
}

#[test]
fn a_camera_whose_server_dies_is_read_again_within_10_s_of_its_return() {
    let _alone = alone();
    if !can_serve() {
        return;
    }
    read_dropped_and_read_again(&fixture("clips/two-visitors.mp4"), "h264");
}

/// Gate cameras (Hikvision, Dahua, Uniview) often send H.265 on their main stream: the same
/// clip re-encoded to H.265 (a keyframe every second, as cameras are usually set) is read, dropped
/// and read again as the H.264 camera is.
#[test]
fn an_h265_camera_whose_server_dies_is_read_again_within_10_s_of_its_return() {
    let _alone = alone();
    if !can_serve() {
        return;
    }
    if !common::has_encoder("libx265") {
        common::missing(
            "ffmpeg's libx265 encoder, to make the H.265 camera's clip",
            "install Debian's ffmpeg (scripts/setup does), which has libx265",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("two-visitors-h265.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(fixture("clips/two-visitors.mp4"))
        .args(["-an", "-c:v", "libx265", "-preset", "fast", "-crf", "26"])
        .args(["-x265-params", "keyint=10:min-keyint=10:log-level=error"])
        .args(["-tag:v", "hvc1"])
        .arg(&clip)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make the H.265 clip");
    read_dropped_and_read_again(&clip, "h265");
}

/// `gateward replay` of an RTSP camera serving `clip` (in `codec`): someone is seen, the server
/// dies mid-stream and comes back, and someone is seen again within 10 s of its return.
fn read_dropped_and_read_again(clip: &Path, codec: &str) {
    let clip = clip.to_path_buf();
    let serve = |clip: &Path, port: u16| serve_as(clip, port, codec);
    let mut server = serve(&clip, PORT);
    let data = tempfile::tempdir().unwrap();
    let url = format!("rtsp://127.0.0.1:{PORT}/gate");
    // every track an arrival (no visit window): the looping clip's people are announced each
    // time the camera reads them, which is what shows it was read again
    let config = data.path().join("gate.toml");
    std::fs::write(&config, "[gate]\nvisit_window_s = 0\n").unwrap();
    let mut replay = Running::start(
        data.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "replay",
            &url,
            "--json-events",
            "--start",
            "2026-11-28 10:00",
        ],
    );
    let first = replay.next_event(Duration::from_secs(30), person_arrival);
    // the server goes away mid-stream
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // whatever was said during the outage does not count as reading the camera again
    replay.skip_printed();
    // the server is back once it serves (its own start-up, a Python GStreamer process, is not
    // the camera's reconnection)
    let mut server = serve(&clip, PORT);
    let back = Instant::now();
    let again = replay.next_event(Duration::from_secs(10), person_arrival);
    let resumed_after = back.elapsed();
    let stderr = replay.stderr().to_vec();
    drop(replay);
    server.kill().unwrap();
    server.wait().unwrap();

    assert!(
        first.is_some(),
        "no one seen from the RTSP camera: {stderr:#?}"
    );
    assert!(
        again.is_some(),
        "the camera was not read again within 10 s of the server's return: {stderr:#?}"
    );
    assert!(
        resumed_after <= Duration::from_secs(10),
        "{resumed_after:?}"
    );
    // the outage was reported
    assert!(
        stderr.iter().any(|l| l.contains("trying again")),
        "{stderr:#?}"
    );
}

#[test]
fn the_service_keeps_the_other_camera_going_while_one_is_down() {
    let _alone = alone();
    if !can_serve() {
        return;
    }
    let (east, north) = (PORT + 1, PORT + 2);
    let clip = fixture("clips/two-visitors.mp4");
    let mut east_server = serve(&clip, east);
    let mut north_server = serve(&clip, north);
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("gate.toml");
    std::fs::write(
        &config,
        format!(
            "[gate]\nvisit_window_s = 0\n\n[[camera]]\nname = \"东门\"\nsource = \"rtsp://127.0.0.1:{east}/gate\"\nrole = \"faces\"\n\n\
             [[camera]]\nname = \"北门\"\nsource = \"rtsp://127.0.0.1:{north}/gate\"\nrole = \"faces\"\n"
        ),
    )
    .unwrap();
    let run = Running::start(
        data.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "run",
            "--json-events",
            "--no-record",
            "--no-web",
        ],
    );
    let from = |camera: &'static str| {
        move |e: &serde_json::Value| person_arrival(e) && e["camera"] == camera
    };
    let east_first = run.next_event(Duration::from_secs(30), from("东门"));
    // the east camera's server dies; the north camera is still watched
    east_server.kill().unwrap();
    east_server.wait().unwrap();
    run.skip_printed();
    let north_during = run.next_event(Duration::from_secs(15), from("北门"));
    let mut east_server = serve(&clip, east);
    let back = Instant::now();
    let east_again = run.next_event(Duration::from_secs(10), from("东门"));
    let resumed_after = back.elapsed();
    let (clean, stderr) = run.terminate();
    for server in [&mut east_server, &mut north_server] {
        server.kill().unwrap();
        server.wait().unwrap();
    }

    assert!(east_first.is_some(), "east camera never seen: {stderr:#?}");
    assert!(
        north_during.is_some(),
        "the north camera stopped while the east one was down: {stderr:#?}"
    );
    assert!(
        east_again.is_some() && resumed_after <= Duration::from_secs(10),
        "the east camera was not read again within 10 s of its server's return ({resumed_after:?}): {stderr:#?}"
    );
    // the outage was logged, naming the camera; its return too
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("trying again") && l.contains("东门")),
        "{stderr:#?}"
    );
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("is back") && l.contains("东门")),
        "{stderr:#?}"
    );
    assert!(clean, "{stderr:#?}");
}

/// Makes a camera's footage of an arrival on an idle gate: 8 s of the empty grey scene, then the
/// VIP clip played at a third of its speed (9 s), at `size`, H.264 with a keyframe every `keyframe_every` frames (10 fps).
fn idle_then_arrival(out: &Path, size: &str, keyframe_every: u32) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "color=c=0x808080:s=1280x720:r=10:d=8", "-i"])
        .arg(fixture("clips/vip-arrives.mp4"))
        .args([
            "-filter_complex",
            &format!(
                "[1:v]setpts=3*PTS,fps=10[p];[0:v][p]concat=n=2:v=1[c];[c]scale={size},format=yuv420p[v]"
            ),
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-bf",
            "0",
            "-sc_threshold",
            "0",
            "-g",
            &keyframe_every.to_string(),
            "-keyint_min",
            &keyframe_every.to_string(),
        ])
        .arg(out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make {}", out.display());
}

/// A camera with a sub-stream, as gate cameras have (tools/rtsp/live.py: one live stream per
/// mount, shared by its clients, who join it where it is and wait for a keyframe). The motion
/// gate reads the 640×360 sub-stream; the 1280×720 main stream (keyframe every 0.5 s) is opened
/// when someone walks in, the arrival is announced within 1 s of the motion (from the sub-stream's
/// frames while the main stream opens), the main stream's frames follow, and it is closed again
/// once the scene has been still for `main_quiet_s`.
#[test]
fn a_camera_with_a_sub_stream_opens_its_main_stream_only_while_something_moves() {
    let _alone = alone();
    if !can_serve() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (main, sub) = (dir.path().join("main.mp4"), dir.path().join("sub.mp4"));
    idle_then_arrival(&main, "1280:720", 5);
    idle_then_arrival(&sub, "640:360", 10);
    let port = PORT + 3;
    let port_arg = port.to_string();
    let mut server = start_server(
        "live.py",
        &[main.as_os_str(), sub.as_os_str(), port_arg.as_ref()],
    );
    let data = tempfile::tempdir().unwrap();
    // the sample compound, whose VIP 王建国 is the man in the footage
    let import = common::gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
    assert!(import.status.success(), "{}", common::stderr(&import));
    let config = data.path().join("gate.toml");
    std::fs::write(
        &config,
        format!(
            "[[camera]]\nname = \"东门\"\nsource = \"rtsp://127.0.0.1:{port}/main\"\n\
             detect_source = \"rtsp://127.0.0.1:{port}/sub\"\nmain_quiet_s = 2\nrole = \"faces\"\n"
        ),
    )
    .unwrap();
    let mut run = Running::start(
        data.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "run",
            "--json-events",
            "--no-record",
            "--no-web",
        ],
    );
    let said = |run: &mut Running, what: &str| run.stderr().iter().any(|l| l.contains(what));
    // the sub-stream alone until someone walks in (within one 17 s loop of the footage)
    let deadline = Instant::now() + Duration::from_secs(40);
    while !said(&mut run, "main stream opened") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let opened = Instant::now();
    let arrival = run.next_event(Duration::from_secs(10), person_arrival);
    let after = opened.elapsed();
    // the arrival ends, the scene is still for 2 s: the main stream is closed
    let deadline = Instant::now() + Duration::from_secs(20);
    while !said(&mut run, "main stream closed") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (clean, stderr) = run.terminate();
    let _ = server.kill();
    let _ = server.wait();

    assert!(
        stderr.iter().any(|l| l.contains("main stream opened")),
        "the main stream was never opened: {stderr:#?}"
    );
    let arrival = arrival.unwrap_or_else(|| panic!("no arrival: {stderr:#?}"));
    // named from the sub-stream's frames, scaled up, before the main stream's first frame
    assert_eq!(arrival["person"]["name"], "王建国", "{arrival:#}");
    eprintln!(
        "motion on the sub-stream to the arrival's event: {:.2} s (main stream keyframe every 0.5 s)",
        after.as_secs_f32()
    );
    assert!(after <= Duration::from_secs(1), "{after:?}: {stderr:#?}");
    assert!(
        stderr.iter().any(|l| l.contains("main stream closed")),
        "the main stream stayed open on a still scene: {stderr:#?}"
    );
    // the first main-stream frame's delay is logged, for installers tuning the keyframe interval
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("first frame") && l.contains("after the motion")),
        "{stderr:#?}"
    );
    assert!(clean, "{stderr:#?}");
}
