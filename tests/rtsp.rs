//! A real RTSP camera: a local GStreamer RTSP server (tools/rtsp/serve.py, Debian packages)
//! serves a fixture clip on 127.0.0.1; `gateward replay rtsp://…` reads people from it; the
//! server is killed mid-stream and started again, and the camera must be read again within 10 s
//! of its return.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::fixture;

const PORT: &str = "18654";

fn can_serve() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer",
        ])
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("ffmpeg")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: no RTSP server (scripts/setup installs ffmpeg, python3-gi and GStreamer's RTSP server)"
        );
    }
    ok
}

fn serve(clip: &Path) -> Child {
    let mut child = Command::new("/usr/bin/python3")
        .arg(common::repo().join("tools/rtsp/serve.py"))
        .arg(clip)
        .arg(PORT)
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

/// Waits for the next person arrival on the replay's JSON lines, up to `limit`.
fn next_arrival(lines: &mpsc::Receiver<String>, limit: Duration) -> Option<serde_json::Value> {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let line = lines.recv_timeout(left).ok()?;
        let e: serde_json::Value = serde_json::from_str(&line).unwrap();
        if e["kind"] == "person" && e["event"] == "arrival" {
            return Some(e);
        }
    }
    None
}

#[test]
fn a_camera_whose_server_dies_is_read_again_within_10_s_of_its_return() {
    if !can_serve() {
        return;
    }
    let clip = fixture("clips/two-visitors.mp4");
    let mut server = serve(&clip);
    let data = tempfile::tempdir().unwrap();
    let url = format!("rtsp://127.0.0.1:{PORT}/gate");
    let mut replay = Command::new(env!("CARGO_BIN_EXE_gateward"))
        .current_dir(data.path())
        .arg("--data")
        .arg(data.path())
        .args([
            "replay",
            &url,
            "--json-events",
            "--start",
            "2026-11-28 10:00",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let out = replay.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (etx, errors) = mpsc::channel();
    let err = replay.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = etx.send(line);
        }
    });

    let first = next_arrival(&lines, Duration::from_secs(30));
    // the server goes away mid-stream
    server.kill().unwrap();
    server.wait().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // whatever was said during the outage does not count as reading the camera again
    while lines.try_recv().is_ok() {}
    let back = Instant::now();
    let mut server = serve(&clip);
    let again = next_arrival(&lines, Duration::from_secs(10));
    let resumed_after = back.elapsed();
    let _ = replay.kill();
    let _ = replay.wait();
    server.kill().unwrap();
    server.wait().unwrap();
    let stderr: Vec<String> = errors.try_iter().collect();

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
    assert!(stderr.iter().any(|l| l.contains("retrying")), "{stderr:#?}");
}
