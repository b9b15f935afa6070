//! A compound with several gate boxes on one shared store: a real PostgreSQL server (a throwaway
//! cluster, tests/common/postgres.rs). Each box records its events in its own SQLite file first
//! and sends them on; the server is stopped while the boxes go on recording and started again:
//! every event of both boxes is in the shared log exactly once, with its box. Two `gateward run`
//! boxes replaying fixture clips send their arrivals, named, with their box and gate, and
//! `gateward check` reports the shared store.

mod common;
#[path = "web/http.rs"]
mod http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::postgres::Postgres;
use common::{Running, fixture, gateward_in, stderr, stdout};
use gateward::domain::{EventKind, Shift};
use gateward::pipeline::uplink::{Reach, Uplink, UplinkPlan};
use gateward::store::shared::SharedStore;
use gateward::store::{NewGateEvent, Store};
use http::Http;

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
                    faces: None,
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

/// Adds a user to the records of `data` with `gateward user add`; returns the handed-over
/// password it printed.
fn add_user(data: &std::path::Path, login: &str, name: &str, role: &str, post: &str) -> String {
    let out = gateward_in(
        data,
        &[
            "user", "add", login, "--name", name, "--role", role, "--post", post,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rest = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{login} / ")))
        .unwrap_or_else(|| panic!("a password for {login}: {text}"));
    rest.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Logs in with a handed-over password and chooses a new one, as the first login asks.
fn first_login(base: &str, login: &str, password: &str) -> Http {
    let fresh = format!("{password}-Gw7!");
    let h = Http::login(base, login, password);
    let r = h.post_form(
        "/password",
        &[
            ("current", password),
            ("new", fresh.as_str()),
            ("again", fresh.as_str()),
        ],
        true,
    );
    assert!(
        r.status == 303 || r.status == 200,
        "{}: {}",
        r.status,
        r.body
    );
    Http::login(base, login, &fresh)
}

/// The guard's screen's address `gateward run` printed on stderr, waiting up to 2 minutes.
fn screen_of(run: &mut Running) -> String {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if let Some(base) = run.stderr().iter().find_map(|l| {
            l.trim()
                .strip_prefix("门岗屏 guard screen: ")
                .map(|u| u.trim_end_matches('/').to_owned())
        }) {
            return base;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no guard screen address: {:#?}", run.stderr());
}

/// Issue 20: two boxes with nobody in their records, each `gateward run` with its camera and
/// web pages on one shared store. The manager enrols 王建国 through box 北门's web page: box
/// 东门 has him with his face within 5 s, and its camera, which saw only a stranger before,
/// names him while he still stands in view, with no restart. A guard at 东门 registers a
/// visitor: the patrol guard logged in at 北门 sees them inside, with the box they were
/// registered at; and the patrol's account, made at 北门, logs in at 东门 with the password
/// they chose at 北门.
#[test]
fn a_face_enrolled_at_one_box_is_named_at_the_other_and_its_visitors_are_seen_at_every_gate() {
    if !common::has_ffmpeg() {
        return;
    }
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.url();
    let start_box =
        |gate: &str, box_name: &str, clip: &str, role: &str, users: &[(&str, &str, &str, &str)]| {
            let data = tempfile::tempdir().unwrap();
            let passwords: Vec<String> = users
                .iter()
                .map(|(login, name, role, post)| add_user(data.path(), login, name, role, post))
                .collect();
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
            let mut run = Running::start(
                data.path(),
                &[
                    "--config",
                    config.to_str().unwrap(),
                    "--store",
                    &url,
                    "run",
                    "--json-events",
                    "--listen",
                    "127.0.0.1:0",
                ],
            );
            let base = screen_of(&mut run);
            (data, run, base, passwords)
        };
    let (east, east_run, east_base, east_users) = start_box(
        "东门",
        "东门岗亭",
        "vip-arrives.mp4",
        "faces",
        &[("zhangsan", "张三", "guard", "gate")],
    );
    let (north, north_run, north_base, north_users) = start_box(
        "北门",
        "北门岗亭",
        "resident-car.mp4",
        "plates",
        &[
            ("liu", "管理处刘主任", "manager", "gate"),
            ("zhaoliu", "赵六", "guard", "patrol"),
        ],
    );

    // 东门's camera sees the VIP walk up: a stranger, for nobody is enrolled anywhere
    let stranger = east_run.next_event(Duration::from_secs(90), |e| e["kind"] == "person");
    assert!(stranger.is_some(), "东门's camera saw the VIP walk up");
    assert!(
        stranger.as_ref().unwrap()["person"].is_null(),
        "nobody is known yet: {stranger:?}"
    );

    // the manager enrols 王建国 (and adds the resident 陈静 of 3-2-1502) at 北门
    let manager = first_login(&north_base, "liu", &north_users[0]);
    let r = manager.post_form(
        "/manage/people",
        &[("name", "王建国"), ("class", "vip"), ("title", "王总")],
        true,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let person = r.location.clone().expect("his page");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let r = manager.post_form(
        &format!("{person}/consent"),
        &[
            ("given_by", "本人"),
            ("given_on", today.as_str()),
            ("method", "written"),
            ("note", "同意书存管理处"),
        ],
        true,
    );
    assert!(r.status == 303 || r.status == 200, "{}", r.body);
    let r = manager.post_form(
        "/manage/people",
        &[
            ("name", "陈静"),
            ("class", "resident"),
            ("household", "3-2-1502"),
            ("new_household", "yes"),
        ],
        true,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let photo = std::fs::read(fixture("obama3.jpg")).unwrap();
    east_run.skip_printed();
    let r = manager.post_multipart(
        &format!("{person}/photos"),
        &[("photos", "王建国.jpg", "image/jpeg", photo.as_slice())],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("已从 1 张照片录入王建国的人脸"),
        "{}",
        r.body
    );
    let enrolled = Instant::now();

    // 东门 has him, with his face, within 5 s
    let faces_at_east = || {
        rusqlite::Connection::open(gateward::store::database_path(east.path()))
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM face_embeddings f JOIN people p ON p.id = f.person_id \
                     WHERE p.name = '王建国'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0)
    };
    let known_at_east = wait_for(Duration::from_secs(5), || faces_at_east() > 0);
    let arrived_after = enrolled.elapsed();
    // …and its camera, whose track of him called him a stranger, names him: he stands in view
    // all along (the clip loops), so no new track and no better view of him comes
    let named = east_run.next_event(Duration::from_secs(90), |e| {
        e["kind"] == "person" && !e["person"].is_null()
    });
    let named_after = enrolled.elapsed();

    // a visitor for 3-2-1502 (the household came with 陈静) registered at 东门's desk
    let guard = first_login(&east_base, "zhangsan", &east_users[0]);
    let r = guard.post_form(
        "/visitors",
        &[
            ("room", "3-2-1502"),
            ("surname", "孙"),
            ("purpose", "visitor"),
            ("id_checked", "yes"),
            ("reached", "yes"),
        ],
        true,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let registered = Instant::now();
    let patrol = first_login(&north_base, "zhaoliu", &north_users[1]);
    let mut page = String::new();
    let seen_at_north = wait_for(Duration::from_secs(5), || {
        page = patrol.get_page("/visitors").body;
        page.contains("（东门岗亭登记）")
    });
    let seen_after = registered.elapsed();
    // …and, told as the patrol post is, on the patrol's screen there, with the gate and the box
    let mut notices = serde_json::Value::Null;
    let told_at_north = wait_for(Duration::from_secs(5), || {
        notices = serde_json::from_str::<serde_json::Value>(&patrol.get("/api/state").body)
            .map(|s| s["notices"].clone())
            .unwrap_or_default();
        notices.as_array().is_some_and(|n| {
            n.iter().any(|n| {
                n["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("东门：") && t.contains("孙"))
                    && n["by"] == "东门岗亭"
            })
        })
    });
    // the patrol's account was made at 北门, and they chose their password there: it opens
    // 东门's pages too (tried once a second: 5 tries are free of the login throttle)
    let chosen = format!("{}-Gw7!", north_users[1]);
    let mut at_east = None;
    for _ in 0..5 {
        let r = Http::new(&east_base).try_login("zhaoliu", &chosen);
        at_east = Some(r.status);
        if r.status == 303 {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }

    let (east_clean, east_said) = east_run.terminate();
    let (north_clean, north_said) = north_run.terminate();
    assert_eq!(
        at_east,
        Some(303),
        "赵六's account from 北门 does not open 东门's pages"
    );
    assert!(
        known_at_east,
        "王建国 not at 东门 within 5 s: {east_said:#?} {north_said:#?}"
    );
    let named = named.unwrap_or_else(|| panic!("东门 never named him: {east_said:#?}"));
    assert_eq!(named["person"]["name"], "王建国", "{named}");
    assert!(
        seen_at_north,
        "the patrol at 北门 does not see the visitor: {page}"
    );
    assert!(
        told_at_north,
        "no notice on the patrol's screen at 北门: {notices:#}"
    );
    let inside = page
        .split("在小区内的访客")
        .nth(1)
        .and_then(|p| p.split("今天的来访").next())
        .unwrap_or_default();
    assert!(
        inside.contains("孙") && inside.contains("3-2-1502") && inside.contains("张三"),
        "{inside}"
    );
    eprintln!(
        "王建国 enrolled at 北门: in 东门's records {arrived_after:?} after, named by 东门's camera {named_after:?} after; the visitor registered at 东门 seen at 北门 {seen_after:?} after"
    );
    assert!(east_clean && north_clean);
    drop(north);
}

/// Issue 20: the first box of a compound makes the first administrator; a second box that
/// starts with an empty data folder on the same shared store makes none, and the first box's
/// administrator logs in there with the password the first box printed.
#[test]
fn a_box_joining_a_compound_takes_its_users_and_makes_no_administrator_of_its_own() {
    if !common::has_ffmpeg() {
        return;
    }
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.url();
    let start = |box_name: &str| {
        let data = tempfile::tempdir().unwrap();
        let config = data.path().join("gate.toml");
        std::fs::write(
            &config,
            format!(
                "[box]\nname = \"{box_name}\"\n\n[[camera]]\nname = \"车道\"\nsource = \"{}\"\n\
                 role = \"plates\"\nrepeat = true\n",
                fixture("clips/resident-car.mp4").display()
            ),
        )
        .unwrap();
        let mut run = Running::start(
            data.path(),
            &[
                "--config",
                config.to_str().unwrap(),
                "--store",
                &url,
                "run",
                "--listen",
                "127.0.0.1:0",
            ],
        );
        let base = screen_of(&mut run);
        (data, run, base)
    };
    let (_first, mut first_run, _) = start("东门岗亭");
    let password = first_run
        .stderr()
        .iter()
        .find_map(|l| l.split("with the one-time password ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    // the first box has sent its administrator on
    let sent = wait_for(Duration::from_secs(5), || {
        shared(&pg)
            .records_count(gateward::store::library::RecordKind::User)
            .unwrap_or(0)
            == 1
    });
    assert!(
        sent,
        "the first box's administrator is not in the shared store"
    );
    let (_second, mut second_run, second_base) = start("北门岗亭");
    let second_said = second_run.stderr().to_vec();
    let login = password
        .as_deref()
        .map(|p| Http::new(&second_base).try_login("admin", p).status);
    let (first_clean, first_said) = first_run.terminate();
    let (second_clean, _) = second_run.terminate();
    let password = password.unwrap_or_else(|| panic!("no first administrator: {first_said:#?}"));
    assert!(!password.is_empty());
    assert!(
        !second_said.iter().any(|l| l.contains("首次运行")),
        "the second box made an administrator of its own: {second_said:#?}"
    );
    assert_eq!(
        login,
        Some(303),
        "the first box's administrator at the second box"
    );
    assert!(first_clean && second_clean);
}

const KILL_CHILD: &str = "GATEWARD_SHARED_KILL_CHILD";

/// Issue 20: a box on a shared store is killed (`kill -9`) while it records events and people
/// and sends them on, 20 times over, each time started again on the same records. Nothing it
/// acknowledged is lost: every event is in its own database, and once it has caught up, in the
/// shared store exactly once; every person too. The records pass SQLite's integrity check.
///
/// The child is this test binary run again with `KILL_CHILD` set: it records an event at a time
/// (and a person every 10), printing `ACK <plate>` after each acknowledgement, while its uplink
/// sends them every 10 ms.
#[test]
fn a_box_killed_20_times_mid_write_loses_nothing_it_acknowledged_on_either_store() {
    if let Ok(spec) = std::env::var(KILL_CHILD) {
        let mut parts = spec.splitn(3, '|');
        let (data, run, url) = (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().parse::<u32>().unwrap(),
            parts.next().unwrap().to_owned(),
        );
        let store = Arc::new(Store::open(gateward::store::database_path(data.as_ref())).unwrap());
        let _uplink = Uplink::start(
            Arc::clone(&store),
            UplinkPlan {
                url,
                box_name: "东门岗亭".to_owned(),
                every: Duration::from_millis(10),
                faces: None,
            },
        );
        let mut out = std::io::stdout().lock();
        for i in 0..10_000u32 {
            let plate = format!("川A{run:02}{i:03}");
            let at = Utc::now();
            let mut e = NewGateEvent::new(at, "东门", EventKind::Vehicle, Shift::Morning);
            e.plate = Some(plate.clone());
            store.insert_event(e).unwrap();
            if i % 10 == 0 {
                store
                    .insert_person(
                        "经理",
                        gateward::store::NewPerson::new(
                            format!("住户{run:02}{i:03}"),
                            gateward::domain::PersonClass::Resident,
                        ),
                    )
                    .unwrap();
            }
            use std::io::Write as _;
            writeln!(out, "ACK {plate}").unwrap();
            out.flush().unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        return;
    }
    let Some(pg) = Postgres::start() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut acked = std::collections::BTreeSet::new();
    // the runs whose uplink had written to the shared store before the kill
    let mut sending = 0;
    let mut in_shared_before = 0;
    for run in 0..20u32 {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "a_box_killed_20_times_mid_write_loses_nothing_it_acknowledged_on_either_store",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(
                KILL_CHILD,
                format!("{}|{run}|{}", data.path().display(), pg.url()),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        // killed after a different number of writes each time, so at a different point of the
        // uplink's round
        let want = 15 + (run as usize * 7) % 40;
        let mut this_run = 0;
        while this_run < want {
            let line = lines.next().expect("the child stopped early").unwrap();
            if let Some(plate) = line.strip_prefix("ACK ") {
                acked.insert(plate.to_owned());
                this_run += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL
        for line in lines.map_while(Result::ok) {
            if let Some(plate) = line.strip_prefix("ACK ") {
                acked.insert(plate.to_owned());
            }
        }
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(status.signal(), Some(9), "killed partway: {status}");
        let now = shared(&pg).events(None).map(|e| e.len()).unwrap_or(0);
        sending += usize::from(now > in_shared_before);
        in_shared_before = now;
    }
    assert!(
        sending >= 10,
        "the kills hit a box that was sending: only {sending} of 20 had sent anything"
    );

    // the box's own database: whole, with every acknowledged event
    let path = gateward::store::database_path(data.path());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let check: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(raw);
    let store = Arc::new(Store::open(&path).unwrap());
    let local: std::collections::BTreeSet<String> = store
        .events(&gateward::store::EventQuery::default())
        .unwrap()
        .into_iter()
        .filter_map(|e| e.plate)
        .collect();
    let lost: Vec<_> = acked.difference(&local).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but not in the box's records: {lost:?}"
    );
    let people = store.people().unwrap().len();

    // started once more, it catches up: the shared store has each event and person once
    let key = gateward::store::shared::shown(&pg.url());
    let uplink = Uplink::start(
        Arc::clone(&store),
        UplinkPlan {
            url: pg.url(),
            box_name: "东门岗亭".to_owned(),
            every: Duration::from_millis(50),
            faces: None,
        },
    );
    let caught_up = wait_for(Duration::from_secs(30), || {
        store.outgoing_count(&key).unwrap_or(1) == 0
            && store.records_pending(&key).unwrap_or(1) == 0
    });
    uplink.stop();
    assert!(caught_up, "the box did not catch up");
    let shared_events = shared(&pg).events(None).unwrap();
    let mut plates: Vec<String> = shared_events
        .iter()
        .filter_map(|e| e.plate.clone())
        .collect();
    plates.sort();
    let n = plates.len();
    plates.dedup();
    assert_eq!(n, plates.len(), "an event is in the shared store twice");
    let in_shared: std::collections::BTreeSet<String> = plates.into_iter().collect();
    assert_eq!(
        in_shared, local,
        "the shared store has exactly the box's events"
    );
    let lost: Vec<_> = acked.difference(&in_shared).collect();
    assert!(
        lost.is_empty(),
        "acknowledged but not in the shared store: {lost:?}"
    );
    assert_eq!(
        shared(&pg)
            .records_count(gateward::store::library::RecordKind::Person)
            .unwrap(),
        people as i64,
        "every person once"
    );
    eprintln!(
        "20 kills ({sending} while sending): {} events acknowledged, {} recorded, all in the shared store once; {people} people",
        acked.len(),
        local.len()
    );
}

/// Issue 20: `gateward store copy` moves a one-box compound (the sample compound with its
/// enrolled faces and vehicles, a user, a visit, gate events) to the shared store and back into
/// a new records file: every person with their faces, vehicle, the user, the visit and each
/// event arrive once, copying again doubles
/// nothing, and a file that already holds records is not copied into.
#[test]
fn store_copy_moves_a_one_box_compound_to_the_shared_store_and_back() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.url();
    let data = tempfile::tempdir().unwrap();
    let import = gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    let db = gateward::store::database_path(data.path());
    add_user(data.path(), "zhangsan", "张三", "guard", "gate");
    let (people, faces, events) = {
        let store = Store::open(&db).unwrap();
        for n in 0..30 {
            event(&store, "东门", n);
        }
        store
            .register_visit(
                "张三",
                gateward::store::NewVisit {
                    visitor_surname: "孙".to_owned(),
                    room: "3-2-1502".to_owned(),
                    purpose: gateward::domain::VisitPurpose::Visitor,
                    id_checked: true,
                    resident_confirmed: true,
                    notified: Vec::new(),
                    time_in: Utc::now(),
                    pass_id: None,
                    guard: "张三".to_owned(),
                    arrival_id: None,
                },
            )
            .unwrap();
        let people: Vec<String> = store
            .people()
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        let faces = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM face_embeddings", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap();
        (
            people,
            faces,
            store.events(&Default::default()).unwrap().len(),
        )
    };
    assert!(
        people.len() >= 5 && faces >= 5 && events == 30,
        "{people:?} {faces}"
    );
    let from = format!("sqlite:{}", db.display());
    let copy = |from: &str, to: &str| {
        gateward_in(data.path(), &["store", "copy", "--from", from, "--to", to])
    };
    let out = copy(&from, &url);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains(&format!("{} 人 people", people.len()))
            && said.contains("1 条来访 visits")
            && said.contains("30 条门岗记录 gate events")
            && said.contains("1 个账号 users"),
        "{said}"
    );
    let vehicles = Store::open(&db).unwrap().vehicles().unwrap().len();
    assert!(
        vehicles >= 3 && said.contains(&format!("{vehicles} 辆登记车辆 vehicles")),
        "{said}"
    );
    assert!(!said.contains("secret"), "{said}");
    let mut shared = shared(&pg);
    use gateward::store::library::RecordKind;
    assert_eq!(
        shared.records_count(RecordKind::Person).unwrap(),
        people.len() as i64
    );
    assert_eq!(shared.records_count(RecordKind::Visit).unwrap(), 1);
    assert_eq!(shared.events_count().unwrap(), 30);
    // again: nothing doubled
    let out = copy(&from, &url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        shared.records_count(RecordKind::Person).unwrap(),
        people.len() as i64
    );
    assert_eq!(shared.events_count().unwrap(), 30);

    // and back, into a new file
    let back = data.path().join("back/gateward.sqlite");
    let out = copy(&url, &format!("sqlite:{}", back.display()));
    assert!(out.status.success(), "{}", stderr(&out));
    let store = Store::open(&back).unwrap();
    let mut names: Vec<String> = store
        .people()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    let mut want = people.clone();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    let faces_back = rusqlite::Connection::open(&back)
        .unwrap()
        .query_row("SELECT count(*) FROM face_embeddings", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    assert_eq!(faces_back, faces, "every face came back");
    let visits = store.visitors_inside().unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].registered_at, None, "registered at this box");
    assert_eq!(store.events(&Default::default()).unwrap().len(), 30);
    assert_eq!(store.vehicles().unwrap().len(), vehicles);
    let zhang = store.user_by_login("zhangsan").unwrap().unwrap();
    assert_eq!(zhang.name, "张三");
    // the original's event ids are kept
    let original = Store::open(&db).unwrap();
    let ids = |s: &Store| {
        let mut v: Vec<String> = s
            .outgoing_events("x", 1000)
            .unwrap()
            .into_iter()
            .map(|o| o.uid)
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&store), ids(&original));
    drop(store);

    // into a file that holds records: refused, nothing written
    let out = copy(&url, &from);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already holds"), "{}", stderr(&out));
    assert_eq!(original.events(&Default::default()).unwrap().len(), 30);
    // a file that is not there, and a place that is neither
    let out = copy("sqlite:/nowhere/gateward.sqlite", &url);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    let out = copy("mysql://root:secret@h/db", &url);
    assert!(
        stderr(&out).contains("write sqlite:PATH") && !stderr(&out).contains("secret"),
        "{}",
        stderr(&out)
    );
}
