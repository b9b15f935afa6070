//! Training new guards (SPEC §6) over the JSON API, on the sample compound whose gate log comes
//! from replaying the fixture clips through the real models: habits on the cards, a scripted
//! session whose wrong answers come back sooner than its right ones, and progress that rises as
//! households become known over spaced days. The web app runs in-process with a simulated clock
//! so the test can step over days.

mod common;
#[path = "web/http.rs"]
mod http;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use gateward::clock::{Clock, SimulatedClock};
use gateward::domain::{Desk, PersonClass, PersonStatus, Role};
use gateward::store::{NewUser, Store};
use gateward::web;
use http::Http;
use serde_json::{Value, json};

use common::{fixture, gateward_in, has_ffmpeg, stderr};

/// The gate log: 陈静 walks out at about 07:31 on three days, and the car of household 1-1-101
/// (川A·8H458) drives out at about 07:42 on three days: the real pipeline on the fixture clips.
fn replay_history(data: &Path) {
    let import = gateward_in(data, &["import", fixture("demo").to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    for (day, walk, car) in [
        (24, "07:31", "07:42"),
        (25, "07:28", "07:44"),
        (26, "07:33", "07:40"),
    ] {
        for (clip, at) in [("resident-walks.mp4", walk), ("resident-car.mp4", car)] {
            let out = gateward_in(
                data,
                &[
                    "replay",
                    fixture(&format!("clips/{clip}")).to_str().unwrap(),
                    "--record",
                    "--direction",
                    "out",
                    "--start",
                    &format!("2026-11-{day} {at}"),
                ],
            );
            assert!(out.status.success(), "{clip}: {}", stderr(&out));
        }
    }
}

/// The web app on `store` at 127.0.0.1:<any>, its clock in the test's hands.
struct App {
    base: String,
    clock: Arc<SimulatedClock>,
    _runtime: tokio::runtime::Runtime,
}

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn start(store: Arc<Store>, data: &Path, at: DateTime<Utc>) -> App {
    let clock = Arc::new(SimulatedClock::new(at));
    let state = web::AppState {
        store,
        hub: web::Hub::new(),
        clock: clock.clone(),
        tz: Shanghai,
        gate: "东门".into(),
        data: data.to_path_buf(),
        secure_cookie: false,
        // the test steps over days
        session_hours: 24 * 30,
        health: Arc::new(Vec::new),
        shared_store: None,
        gallery: None,
        enrol: None,
        training: gateward::config::Training {
            quiet_minutes: 3,
            new_cards_per_day: 100,
        },
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime
        .block_on(web::serve(
            state,
            "127.0.0.1:0",
            None,
            std::future::pending(),
        ))
        .unwrap();
    App {
        base: format!("http://{addr}"),
        clock,
        _runtime: runtime,
    }
}

fn add_user(store: &Store, login: &str, name: &str, role: Role) {
    store
        .add_user(
            "test",
            NewUser {
                login: login.into(),
                name: name.into(),
                role,
                post: Desk::Gate,
                password_hash: web::auth::hash_password("a long password").unwrap(),
                started: NaiveDate::from_ymd_opt(2026, 12, 1),
                must_change: false,
            },
        )
        .unwrap();
}

fn json_of(h: &Http, path: &str) -> Value {
    let r = h.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// What the records say the right answers are.
struct Key {
    /// person id → household id
    home_of: HashMap<i64, i64>,
    /// household id → its members (active residents and VIPs)
    members: HashMap<i64, BTreeSet<String>>,
    /// VIP id → "王总 · 闽E·VL838"
    vip: HashMap<i64, String>,
}

fn key(store: &Store) -> Key {
    let people = store.people().unwrap();
    let mut home_of = HashMap::new();
    let mut members: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for p in &people {
        if let Some(h) = p.household_id {
            home_of.insert(p.id, h);
            if p.status == PersonStatus::Active
                && matches!(p.class, PersonClass::Resident | PersonClass::Vip)
            {
                members.entry(h).or_default().insert(p.id.to_string());
            }
        }
    }
    let id = |name: &str| people.iter().find(|p| p.name == name).unwrap().id;
    let vip = HashMap::from([
        (id("王建国"), "王总 · 闽E·VL838".to_owned()),
        (id("李志强"), "李董 · 黑A·D03210".to_owned()),
    ]);
    Key {
        home_of,
        members,
        vip,
    }
}

fn right_answer(k: &Key, card: &Value) -> Vec<String> {
    let person = card["person"].as_i64();
    let household = card["household"].as_i64();
    match card["exercise"].as_str().unwrap() {
        "face_name" | "name_face" => vec![person.unwrap().to_string()],
        "face_household" => vec![k.home_of[&person.unwrap()].to_string()],
        "household_members" => k.members[&household.unwrap()].iter().cloned().collect(),
        "vip_title" => vec![k.vip[&person.unwrap()].clone()],
        other => panic!("unknown exercise {other}"),
    }
}

/// A card's household: the one it counts toward.
fn home_of_card(k: &Key, card: &Value) -> i64 {
    match card["household"].as_i64() {
        Some(h) => h,
        None => k
            .home_of
            .get(&card["person"].as_i64().unwrap())
            .copied()
            .unwrap_or(-1),
    }
}

/// Asks and answers cards until none is left; answers wrong those of household `wrong_home`.
/// Returns each answer's card and reply.
fn session(h: &Http, k: &Key, wrong_home: Option<i64>) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for _ in 0..200 {
        let next = json_of(h, "/api/training/next");
        if next["card"].is_null() {
            return out;
        }
        let card = next["card"].clone();
        let right = right_answer(k, &card);
        let offered: BTreeSet<&str> = card["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        for r in &right {
            assert!(offered.contains(r.as_str()), "{r} not offered: {card}");
        }
        let wrong = Some(home_of_card(k, &card)) == wrong_home;
        let picked: Vec<String> = if wrong {
            vec![
                offered
                    .iter()
                    .find(|o| !right.contains(&o.to_string()))
                    .unwrap()
                    .to_string(),
            ]
        } else {
            right
        };
        let reply = h.post_json(
            "/api/training/answer",
            &json!({
                "exercise": card["exercise"],
                "person": card["person"],
                "household": card["household"],
                "picked": picked,
            }),
            true,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(reply["correct"], !wrong, "{card} → {reply}");
        out.push((card, reply));
    }
    panic!("the session never ended");
}

fn due(reply: &Value) -> DateTime<Utc> {
    reply["due"].as_str().unwrap().parse().unwrap()
}

fn known(h: &Http) -> (u64, u64) {
    let p = json_of(h, "/api/training/progress");
    (
        p["progress"]["known"].as_u64().unwrap(),
        p["progress"]["total"].as_u64().unwrap(),
    )
}

#[test]
fn a_guard_learns_the_compound_over_spaced_days_from_the_replayed_gate_log() {
    if !has_ffmpeg() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    replay_history(data.path());
    let store = Arc::new(Store::open(gateward::store::database_path(data.path())).unwrap());
    add_user(&store, "xiaowang", "门岗小王", Role::Guard);
    add_user(&store, "xiaoli", "门岗小李", Role::Guard);
    add_user(&store, "leader", "分队长老张", Role::TeamLeader);
    let k = key(&store);
    let person = |name: &str| store.people_named(name).unwrap()[0].clone();
    let chen = person("陈静");
    let zhang = person("张伟");
    let wu_home = person("吴磊").household_id.unwrap();

    // 07:00 on the guard's first day
    let app = start(Arc::clone(&store), data.path(), local(2026, 12, 1, 7, 0));
    let h = Http::login(&app.base, "xiaowang", "a long password");

    // habits learned from the replayed gate events
    let sheet = json_of(&h, &format!("/api/training/people/{}", chen.id));
    let habits: Vec<&str> = sheet["habits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(habits, ["常在 07:30 左右出门，步行"], "{sheet}");
    let sheet = json_of(&h, &format!("/api/training/people/{}", zhang.id));
    assert_eq!(
        sheet["habits"],
        json!(["家里的车 川A·8H458 常在 07:40 左右出门"]),
        "{sheet}"
    );
    // …and who is likely to come through in the next hour
    let soon = json_of(&h, "/api/training/soon");
    let names: BTreeSet<&str> = soon["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["陈静", "张伟"]), "{soon}");
    // the quiet-moment review asks about them only
    let next = json_of(&h, "/api/training/next?focus=soon");
    let about = next["card"]["person"].as_i64();
    assert!(
        about == Some(chen.id) || about == Some(zhang.id) || next["card"]["household"].is_i64(),
        "{next}"
    );

    // day 1: every card is new; those about 吴磊's household are answered wrong
    assert_eq!(known(&h), (0, 7));
    let day1 = session(&h, &k, Some(wu_home));
    let now = app.clock.now();
    let (wrong, right): (Vec<_>, Vec<_>) = day1.iter().partition(|(_, r)| r["correct"] == false);
    assert!(
        wrong.len() >= 3 && right.len() > 20,
        "{} wrong, {} right",
        wrong.len(),
        right.len()
    );
    for (_, r) in &wrong {
        assert_eq!(due(r), now + Duration::minutes(10), "{r}");
    }
    for (_, r) in &right {
        assert_eq!(due(r), now + Duration::days(1), "{r}");
    }
    let latest_wrong = wrong.iter().map(|(_, r)| due(r)).max().unwrap();
    let soonest_right = right.iter().map(|(_, r)| due(r)).min().unwrap();
    assert!(latest_wrong < soonest_right);
    // the answer shows the habits from the gate log on 陈静's card
    let chen_card = day1
        .iter()
        .find(|(c, _)| c["person"].as_i64() == Some(chen.id))
        .unwrap();
    assert!(
        chen_card.1["sheet"]["habits"]
            .to_string()
            .contains("常在 07:30 左右出门"),
        "{}",
        chen_card.1
    );
    assert_eq!(known(&h), (0, 7));

    // ten minutes later the wrong ones come back, and only they
    app.clock.advance(Duration::minutes(10));
    let again = session(&h, &k, None);
    assert_eq!(again.len(), wrong.len());
    for (c, r) in &again {
        assert_eq!(home_of_card(&k, c), wu_home, "{c}");
        assert_eq!(c["kind"], "due");
        assert_eq!(due(r), app.clock.now() + Duration::days(1), "{r}");
    }
    assert_eq!(known(&h), (0, 7));

    // a day later: the cards answered right come due and are right again; six households known
    app.clock.set(local(2026, 12, 2, 7, 0));
    let day2 = session(&h, &k, None);
    assert_eq!(day2.len(), right.len());
    assert!(
        day2.iter()
            .all(|(c, r)| c["kind"] == "due" && r["secure"] == true)
    );
    assert_eq!(known(&h), (6, 7));
    // ten minutes on, 吴磊's household's relearnt cards too: all seven
    app.clock.advance(Duration::minutes(10));
    let last = session(&h, &k, None);
    assert_eq!(last.len(), wrong.len());
    assert_eq!(known(&h), (7, 7));

    let p = json_of(&h, "/api/training/progress");
    let p = &p["progress"];
    assert_eq!(p["reached"], true);
    assert_eq!(p["deadline"], "2027-03-01");
    assert_eq!(
        p["history"],
        json!([{"day": "2026-12-01", "known": 0}, {"day": "2026-12-02", "known": 7}])
    );
    // practising early changes nothing: the schedule holds and nothing is due
    let next = json_of(&h, "/api/training/next");
    assert!(next["card"].is_null(), "{next}");
    assert_eq!(next["next_due_zh"], "6 天后");

    // the other guard has their own deck; guards see only their own progress, the team leader
    // everyone's
    let li = Http::login(&app.base, "xiaoli", "a long password");
    assert_eq!(known(&li), (0, 7));
    let me = json_of(&h, "/api/training/progress")["user"]
        .as_i64()
        .unwrap();
    assert_eq!(
        li.get(&format!("/api/training/progress?user={me}")).status,
        403
    );
    let leader = Http::login(&app.base, "leader", "a long password");
    let seen = json_of(&leader, &format!("/api/training/progress?user={me}"));
    assert_eq!(seen["name"], "门岗小王");
    assert_eq!(seen["progress"]["known"], 7);
    let page = leader.get_page("/training");
    assert!(
        page.body.contains("门岗小王") && page.body.contains("7/7 户（100%）"),
        "{}",
        page.body
    );
    let chart = h.get_page("/training/progress");
    assert_eq!(chart.status, 200);
    assert!(chart.body.contains("<svg") && chart.body.contains("期限 2027-03-01"));

    // an answer without the anti-forgery token changes nothing
    let r = h.post_json(
        "/api/training/answer",
        &json!({"exercise": "face_name", "person": chen.id, "picked": [chen.id.to_string()]}),
        false,
    );
    assert_eq!(r.status, 403);
    // nor does one about nobody
    let r = h.post_json(
        "/api/training/answer",
        &json!({"exercise": "face_name", "person": 9999, "picked": ["9999"]}),
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
}
