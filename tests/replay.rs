//! `gateward replay` on the fixture clips, as a new camera is checked: one event per person who
//! walks up, with the right name and greeting, no duplicates, and strangers stay strangers.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fixture, gateward_in, has_ffmpeg, stderr, stdout};

/// 王总 (obama.jpg enrolled as a VIP with the title 王总).
fn enrol_wang(data: &Path) {
    let obama = fixture("obama.jpg");
    let out = gateward_in(
        data,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            "--title",
            "王总",
            "--consent-by",
            "本人",
            "--consent-how",
            "written",
            obama.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

fn events(data: &Path, clip: &str, start: &str) -> Vec<serde_json::Value> {
    let clip = fixture(&format!("clips/{clip}"));
    let out = gateward_in(
        data,
        &[
            "replay",
            clip.to_str().unwrap(),
            "--json-events",
            "--start",
            start,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn the_vip_walking_up_is_greeted_once_by_title_and_time_of_day() {
    if !has_ffmpeg() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    enrol_wang(data.path());
    for (start, greeting) in [
        ("2026-11-28 06:59", "早上好"),
        ("2026-11-28 19:00", "晚上好"),
    ] {
        let events = events(data.path(), "vip-arrives.mp4", start);
        let people: Vec<_> = events.iter().filter(|e| e["kind"] == "person").collect();
        // one arrival, named at once; the update that follows says which way he is going
        let arrivals = people.iter().filter(|e| e["event"] == "arrival").count();
        assert_eq!(arrivals, 1, "{events:#?}");
        assert!(people.iter().all(|e| e["track"] == people[0]["track"]));
        assert_eq!(people[0]["person"]["name"], "王建国");
        let e = people.last().unwrap();
        assert_eq!(e["person"]["name"], "王建国");
        assert_eq!(e["person"]["class"], "vip");
        assert_eq!(
            e["direction"], "in",
            "the face grows: coming towards the gate"
        );
        let say = e["say"].as_str().unwrap();
        assert!(say.starts_with("王总") && say.contains(greeting), "{say}");
        assert!(
            e["notify"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "office_duty"),
            "{e}"
        );
    }
}

#[test]
fn two_people_one_after_the_other_make_two_arrivals_and_the_stranger_stays_unknown() {
    if !has_ffmpeg() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    enrol_wang(data.path());
    let events = events(data.path(), "two-visitors.mp4", "2026-11-28 10:00");
    let arrivals: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "person" && e["event"] == "arrival")
        .collect();
    assert_eq!(arrivals.len(), 2, "{events:#?}");
    // biden first: a stranger, greeted as a visitor and asked to register
    assert!(arrivals[0]["person"].is_null(), "{:#}", arrivals[0]);
    assert!(arrivals[0]["stream_s"].as_f64().unwrap() < 2.0);
    // then obama3.jpg: 王建国
    assert_eq!(arrivals[1]["person"]["name"], "王建国");
    assert!(arrivals[1]["stream_s"].as_f64().unwrap() >= 3.0);
    // no update ever names the stranger
    assert!(
        events
            .iter()
            .filter(|e| e["track"] == arrivals[0]["track"] && e["kind"] == "person")
            .all(|e| e["person"].is_null())
    );
}

/// A clip of `photo` zooming in (a vehicle driving up to the camera), 2 s at 10 fps, made with
/// ffmpeg in `dir`; the Chinese plate photos may not be copied into the repository, so the
/// clip is made when the test runs.
fn approach_clip(photo: &Path, dir: &Path) -> std::path::PathBuf {
    let out = dir.join("approach.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i"])
        .arg(photo)
        .args([
            "-vf",
            "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=0x767676,zoompan=z='1+0.3*on/20':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=1280x720:fps=10,format=yuv420p",
            "-frames:v",
            "20",
            "-c:v",
            "libx264",
        ])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success());
    out
}

#[test]
fn a_yellow_plated_vehicle_driving_up_is_one_oversize_arrival_read_over_several_frames() {
    if !has_ffmpeg() {
        return;
    }
    let Some(plates) = common::shared_plates("a_yellow_plated_vehicle_driving_up") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let clip = approach_clip(&plates.join("cn-dev-12.jpg"), data.path());
    let out = gateward_in(
        data.path(),
        &[
            "replay",
            clip.to_str().unwrap(),
            "--json-events",
            "--start",
            "2026-11-28 10:00",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let events: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let vehicles: Vec<_> = events.iter().filter(|e| e["kind"] == "vehicle").collect();
    let arrivals = vehicles.iter().filter(|e| e["event"] == "arrival").count();
    assert_eq!(arrivals, 1, "{events:#?}");
    let last = vehicles.last().unwrap();
    assert_eq!(last["plate"]["text"], "皖K66666", "{last:#}");
    assert_eq!(last["plate"]["colour"], "yellow");
    assert!(last["plate"]["readings"].as_u64().unwrap() >= 2, "{last:#}");
    assert_eq!(last["decision"], "oversize");
    assert!(last["plate"]["large"].as_bool().unwrap());
}

#[test]
fn the_rendered_plates_drive_up_as_one_arrival_each_the_large_one_refused() {
    if !has_ffmpeg() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    // a resident's car (blue plate 川A·8H458) and an unknown yellow-plated large vehicle
    for (clip, plate, colour, decision, large) in [
        ("resident-car.mp4", "川A8H458", "blue", "register", false),
        ("truck-arrives.mp4", "川AD2718", "yellow", "oversize", true),
    ] {
        let events = events(data.path(), clip, "2026-11-28 10:00");
        let arrivals: Vec<_> = events
            .iter()
            .filter(|e| e["event"] == "arrival" && e["kind"] == "vehicle")
            .collect();
        assert_eq!(arrivals.len(), 1, "{clip}: {events:#?}");
        let a = arrivals[0];
        assert_eq!(a["plate"]["text"], plate, "{clip}: {a}");
        assert_eq!(a["plate"]["colour"], colour, "{clip}: {a}");
        assert_eq!(a["plate"]["large"], large, "{clip}: {a}");
        // without records the resident's car is a stranger's: registered, not refused
        assert_eq!(a["decision"], decision, "{clip}: {a}");
        // no one walks in these clips
        assert!(
            events.iter().all(|e| e["kind"] == "vehicle"),
            "{clip}: {events:#?}"
        );
    }
}
