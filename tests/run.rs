//! `gateward run`, the service, on the sample compound with two cameras of a gate playing the
//! fixture clips as if live: the VIP on the footpath camera and a resident's car on the lane
//! camera are each one arrival, recorded with a snapshot that shows them boxed; the car is on
//! the list of vehicles inside; SIGTERM stops it cleanly.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Running, fixture, gateward_in, stdout};

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("gate.toml");
    let text = format!(
        r#"[gate]
name = "东门"

[[camera]]
name = "东门人行"
source = "{}"
direction = "in"
role = "faces"
repeat = true

[[camera]]
name = "东门车道"
source = "{}"
direction = "in"
role = "plates"
roi = [0.0, 0.2, 1.0, 0.8]
repeat = true
"#,
        fixture("clips/vip-arrives.mp4").display(),
        fixture("clips/resident-car.mp4").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn two_cameras_give_one_arrival_each_recorded_with_a_boxed_snapshot() {
    let data = tempfile::tempdir().unwrap();
    let import = gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
    assert!(import.status.success(), "{}", common::stderr(&import));
    let config = config(data.path());
    let run = Running::start(
        data.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "run",
            "--json-events",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    // the first arrival of each kind, in whichever order they come
    let (mut person, mut vehicle) = (None, None);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while person.is_none() || vehicle.is_none() {
        let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
            break;
        };
        let Some(e) = run.next_event(left, |e| e["event"] == "arrival") else {
            break;
        };
        let slot = if e["kind"] == "person" {
            &mut person
        } else {
            &mut vehicle
        };
        slot.get_or_insert(e);
    }
    let (clean, stderr) = run.terminate();
    let person = person.unwrap_or_else(|| panic!("no one seen: {stderr:#?}"));
    let vehicle = vehicle.unwrap_or_else(|| panic!("no vehicle seen: {stderr:#?}"));
    assert!(clean, "SIGTERM did not stop it cleanly: {stderr:#?}");
    // the screen was served, and the first run made an administrator with a one-time password
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("门岗屏 guard screen: http://127.0.0.1:")),
        "{stderr:#?}"
    );
    assert!(
        stderr.iter().any(|l| l.contains("已创建管理员账号 admin")),
        "{stderr:#?}"
    );

    // the VIP, by title, on the footpath camera; the resident's car on the lane camera
    assert_eq!(person["camera"], "东门人行");
    assert_eq!(person["person"]["name"], "王建国");
    assert!(person["say"].as_str().unwrap().contains("王总"), "{person}");
    assert_eq!(person["direction"], "in");
    assert_eq!(vehicle["camera"], "东门车道");
    assert_eq!(vehicle["plate"]["text"], "川A8H458");
    assert_eq!(vehicle["plate"]["colour"], "blue");
    assert_eq!(vehicle["decision"], "admit");
    // the lane camera's region starts 20 % down the frame: the box is in frame pixels
    assert!(
        vehicle["box"][1].as_f64().unwrap() > 0.2 * 720.0,
        "{vehicle}"
    );

    // both recorded, each with a snapshot of its frame, boxed in its colour
    for (e, colour) in [(&person, [40u8, 200, 60]), (&vehicle, [40, 140, 255])] {
        assert!(e["id"].as_i64().is_some(), "not recorded: {e}");
        let rel = e["snapshot"].as_str().unwrap_or_else(|| panic!("{e}"));
        let shot = image::open(data.path().join(rel)).unwrap().to_rgb8();
        assert_eq!(shot.width(), 1280);
        let b: Vec<u32> = e["box"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as u32)
            .collect();
        // the middle of the box's top edge is drawn (JPEG blurs it a little)
        let px = shot.get_pixel((b[0] + b[2]) / 2, b[1]);
        let close =
            px.0.iter()
                .zip(colour)
                .all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() < 60);
        assert!(close, "{rel}: {px:?} is not {colour:?}");
    }

    // the car came in: it is inside
    let inside = stdout(&gateward_in(
        data.path(),
        &["--config", config.to_str().unwrap(), "inside"],
    ));
    assert!(inside.contains("川A·8H458"), "{inside}");
    assert!(inside.contains("1-1-101"), "{inside}");

    // the gate log has both, with their snapshots
    let log = stdout(&gateward_in(
        data.path(),
        &["--config", config.to_str().unwrap(), "log", "--csv", "-"],
    ));
    assert!(
        log.contains("川A8H458") || log.contains("川A·8H458"),
        "{log}"
    );
    assert!(log.contains("王建国"), "{log}");
    assert!(log.contains("snapshots/"), "{log}");
}

#[test]
fn run_without_cameras_says_how_to_add_one() {
    let data = tempfile::tempdir().unwrap();
    let o = gateward_in(data.path(), &["run"]);
    let line = common::assert_one_line_error(&o);
    assert!(line.contains("[[camera]]"), "{line}");
}
