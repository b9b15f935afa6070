//! A compound with several gate boxes on one shared store: a real PostgreSQL server (a throwaway
//! cluster, tests/common/postgres.rs). Each box records its events in its own SQLite file first
//! and sends them on; the server is stopped while the boxes go on recording and started again:
//! every event of both boxes is in the shared log exactly once, with its box. Two `gateward run`
//! boxes replaying fixture clips send their arrivals, named, with their box and gate, and
//! `gateward check` reports the shared store.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::postgres::Postgres;
use common::{Running, fixture, gateward_in, stderr, stdout};
use gateward::domain::{EventKind, Shift};
use gateward::pipeline::uplink::{Reach, Uplink, UplinkPlan};
use gateward::store::shared::SharedStore;
use gateward::store::{NewGateEvent, Store};

fn shared(pg: &Postgres) -> SharedStore {
    SharedStore::connect(&pg.url(), Duration::from_secs(5)).expect("the shared store")
}

/// Waits until `done` holds, at most `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

fn event(store: &Store, gate: &str, n: u32) {
    let at =
        Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap() + chrono::Duration::seconds(n.into());
    let mut e = NewGateEvent::new(at, gate, EventKind::Vehicle, Shift::Morning);
    e.plate = Some(format!("川A{n:05}"));
    e.decision = format!("放行 {n}");
    store.insert_event(e).expect("recorded on the box");
}

#[test]
fn both_boxes_events_reach_the_shared_store_once_across_an_outage() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let boxes = ["东门岗亭", "北门岗亭"];
    let stores: Vec<Arc<Store>> = dirs
        .iter()
        .map(|d| Arc::new(Store::open(gateward::store::database_path(d.path())).unwrap()))
        .collect();
    let uplinks: Vec<Uplink> = stores
        .iter()
        .zip(boxes)
        .map(|(s, name)| {
            Uplink::start(
                Arc::clone(s),
                UplinkPlan {
                    url: pg.url(),
                    box_name: name.to_owned(),
                    every: Duration::from_millis(100),
                },
            )
        })
        .collect();
    for n in 0..20 {
        event(&stores[0], "东门", n);
        event(&stores[1], "北门", 100 + n);
    }
    let count = |pg: &Postgres| shared(pg).events(None).map(|e| e.len()).unwrap_or(0);
    assert!(
        wait_for(Duration::from_secs(10), || count(&pg) == 40),
        "{} of 40 events in the shared store",
        count(&pg)
    );

    // the server goes away; the boxes go on recording
    pg.stop();
    for n in 20..50 {
        event(&stores[0], "东门", n);
        event(&stores[1], "北门", 100 + n);
    }
    assert!(
        wait_for(Duration::from_secs(10), || uplinks
            .iter()
            .all(|u| matches!(u.status().reach, Reach::Away { .. }))),
        "{:?}",
        uplinks.iter().map(Uplink::status).collect::<Vec<_>>()
    );
    let away = uplinks[0].status();
    let Reach::Away { error } = &away.reach else {
        unreachable!()
    };
    assert!(
        error.contains("cannot be reached") && error.contains("events are kept on this box"),
        "{error}"
    );
    // …and a box's records say how many wait
    assert_eq!(stores[0].outgoing_count(&away.store).unwrap(), 30);

    // the server is back: everything is written, once
    pg.start_again();
    assert!(
        wait_for(Duration::from_secs(15), || count(&pg) == 100),
        "{} of 100 events in the shared store after it came back",
        count(&pg)
    );
    for u in &uplinks {
        assert_eq!(u.status().reach, Reach::Reachable);
    }
    // a box that sends everything again (as after a crash before it noted the send) doubles
    // nothing
    let again = stores[0]
        .outgoing_events("a store never sent to", 1000)
        .unwrap();
    assert_eq!(again.len(), 50);
    assert_eq!(shared(&pg).write("东门岗亭", &again).unwrap(), 0);
    let all = shared(&pg).events(None).unwrap();
    assert_eq!(all.len(), 100);
    let mut uids: Vec<_> = all.iter().map(|e| e.uid).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 100, "an event is in the shared store twice");
    for (name, gate) in [("东门岗亭", "东门"), ("北门岗亭", "北门")] {
        let of_box = shared(&pg).events(Some(name)).unwrap();
        assert_eq!(of_box.len(), 50, "{name}");
        assert!(of_box.iter().all(|e| e.gate == gate && e.kind == "vehicle"));
    }
    for u in uplinks {
        u.stop();
    }
    for s in &stores {
        assert_eq!(
            s.outgoing_count(&gateward::store::shared::shown(&pg.url()))
                .unwrap(),
            0
        );
    }
}

/// Two boxes of one compound, each `gateward run` on its own clip and data folder, with the same
/// `--store`: the VIP walking up at 东门 and the car at 北门 are in the shared log, named, each
/// with its box and gate; `gateward check` says the shared store answers.
#[test]
fn two_running_boxes_send_their_arrivals_with_their_box_and_gate() {
    if !common::has_ffmpeg() {
        return;
    }
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mut running = Vec::new();
    let mut dirs = Vec::new();
    for (gate, box_name, clip, role) in [
        ("东门", "东门岗亭", "vip-arrives.mp4", "faces"),
        ("北门", "北门岗亭", "resident-car.mp4", "plates"),
    ] {
        let data = tempfile::tempdir().unwrap();
        // the sample compound: the VIP 王建国 and the residents' cars
        let import = gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
        assert!(import.status.success(), "{}", stderr(&import));
        let config = data.path().join("gate.toml");
        std::fs::write(
            &config,
            format!(
                "[gate]\nname = \"{gate}\"\n\n[box]\nname = \"{box_name}\"\n\n[[camera]]\n\
                 name = \"{gate}入口\"\nsource = \"{}\"\nrole = \"{role}\"\nrepeat = true\n",
                fixture(&format!("clips/{clip}")).display()
            ),
        )
        .unwrap();
        let url = pg.url();
        running.push(Running::start(
            data.path(),
            &[
                "--config",
                config.to_str().unwrap(),
                "--store",
                &url,
                "run",
                "--no-web",
            ],
        ));
        dirs.push((data, config));
    }
    let of = |name: &str| shared(&pg).events(Some(name)).unwrap_or_default();
    let arrived = wait_for(Duration::from_secs(60), || {
        of("东门岗亭")
            .iter()
            .any(|e| e.person.as_deref() == Some("王建国"))
            && of("北门岗亭").iter().any(|e| e.plate.is_some())
    });
    let (data, config) = &dirs[0];
    let check = gateward_in(
        data.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--store",
            &pg.url(),
            "check",
        ],
    );
    let mut said = Vec::new();
    for run in running {
        let (clean, stderr) = run.terminate();
        assert!(clean, "{stderr:#?}");
        said.push(stderr);
    }
    assert!(
        arrived,
        "{:#?} {:#?} {said:#?}",
        of("东门岗亭"),
        of("北门岗亭")
    );
    let east = of("东门岗亭");
    assert!(east.iter().all(|e| e.gate == "东门"), "{east:#?}");
    let north = of("北门岗亭");
    assert!(
        north
            .iter()
            .all(|e| e.gate == "北门" && e.camera == "北门入口"),
        "{north:#?}"
    );
    let text = stdout(&check);
    assert!(
        text.contains("Shared store postgres://gateward@127.0.0.1:")
            && text.contains("reachable; this box is 东门岗亭; ")
            && text.contains("events of this box still to send"),
        "{text}{}",
        stderr(&check)
    );
}

/// A resident's car drives in at 东门 and out at 北门, each gate with its own box: once 北门's
/// camera has seen it leave, neither box lists it inside (within 5 s), though 东门's box never saw
/// it go out.
#[test]
fn a_car_in_at_one_box_and_out_at_the_other_is_inside_neither() {
    if !common::has_ffmpeg() {
        return;
    }
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.url();
    let start_box = |gate: &str, box_name: &str, direction: &str| {
        let data = tempfile::tempdir().unwrap();
        let import = gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
        assert!(import.status.success(), "{}", stderr(&import));
        let config = data.path().join("gate.toml");
        std::fs::write(
            &config,
            format!(
                "[gate]\nname = \"{gate}\"\n\n[box]\nname = \"{box_name}\"\n\n[[camera]]\n\
                 name = \"{gate}车道\"\nsource = \"{}\"\nrole = \"plates\"\ndirection = \"{direction}\"\n\
                 repeat = true\n",
                fixture("clips/resident-car.mp4").display()
            ),
        )
        .unwrap();
        let run = Running::start(
            data.path(),
            &[
                "--config",
                config.to_str().unwrap(),
                "--store",
                &url,
                "run",
                "--no-web",
            ],
        );
        (data, config, run)
    };
    let inside = |data: &std::path::Path, config: &std::path::Path| {
        stdout(&gateward_in(
            data,
            &["--config", config.to_str().unwrap(), "inside"],
        ))
    };
    let vehicles_of = |name: &str| {
        shared(&pg)
            .events(Some(name))
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.kind == "vehicle" && e.plate.is_some())
            .collect::<Vec<_>>()
    };
    // in at 东门
    let (east, east_config, east_run) = start_box("东门", "东门岗亭", "in");
    let came_in = wait_for(Duration::from_secs(60), || {
        !vehicles_of("东门岗亭").is_empty()
    });
    let plate = vehicles_of("东门岗亭")
        .first()
        .and_then(|e| e.plate.clone())
        .unwrap_or_default();
    let east_before = inside(east.path(), &east_config);
    // out at 北门
    let (north, north_config, north_run) = start_box("北门", "北门岗亭", "out");
    let went_out = wait_for(Duration::from_secs(60), || {
        !vehicles_of("北门岗亭").is_empty()
    });
    let left_at = Instant::now();
    let gone = wait_for(Duration::from_secs(5), || {
        inside(east.path(), &east_config).contains("no vehicles inside")
            && inside(north.path(), &north_config).contains("no vehicles inside")
    });
    let after = left_at.elapsed();
    let (east_after, north_after) = (
        inside(east.path(), &east_config),
        inside(north.path(), &north_config),
    );
    let (east_clean, east_said) = east_run.terminate();
    let (north_clean, north_said) = north_run.terminate();
    assert!(came_in && went_out, "{east_said:#?} {north_said:#?}");
    assert!(!plate.is_empty());
    assert!(
        east_before.contains(&plate[plate.len() - 5..]),
        "{east_before}"
    );
    assert_eq!(vehicles_of("北门岗亭")[0].direction.as_deref(), Some("out"));
    assert!(
        gone,
        "东门: {east_after}\n北门: {north_after}\n{east_said:#?} {north_said:#?}"
    );
    eprintln!(
        "the car's way out at 北门 cleared both boxes' lists {after:?} after it reached the shared store"
    );
    assert!(east_clean && north_clean);
}
