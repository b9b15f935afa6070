//! Each post gets what the rules route to it, on its screen at once: a visitor the gate lets in
//! reaches patrol and central control, a hazardous vehicle the shift leader, and neither goes
//! to a post it is not for. Real binary, real HTTP, the live stream read as a screen reads it.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use demo::Demo;
use http::Http;

/// Reads the live stream of a logged-in screen on a thread; hands over each `notice` event.
fn listen(h: &Http) -> mpsc::Receiver<serde_json::Value> {
    let (tx, rx) = mpsc::channel();
    let url = format!("{}/api/stream", h.base);
    let cookie = h.cookie.clone().expect("logged in");
    let (ready_tx, ready) = mpsc::channel();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(None)
            .build()
            .into();
        let mut r = agent
            .get(&url)
            .header("cookie", &cookie)
            .call()
            .expect("the live stream");
        let _ = ready_tx.send(());
        let mut kind = String::new();
        for line in BufReader::new(r.body_mut().as_reader())
            .lines()
            .map_while(Result::ok)
        {
            if let Some(k) = line.strip_prefix("event:") {
                kind = k.trim().to_owned();
            } else if let Some(d) = line.strip_prefix("data:")
                && kind == "notice"
            {
                let v = serde_json::from_str(d.trim()).expect("notice JSON");
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    ready
        .recv_timeout(Duration::from_secs(10))
        .expect("connected");
    rx
}

#[test]
fn desk_registrations_reach_the_posts_the_rules_name_and_no_other() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let patrol = Http::login(&demo.base, "patrol", demo.password("patrol"));
    let leader = Http::login(&demo.base, "leader", demo.password("leader"));
    let to_patrol = listen(&patrol);
    let to_leader = listen(&leader);

    // the gate lets a visitor in: patrol is told, the shift leader is not
    let r = guard.post_json(
        "/api/visitors",
        &serde_json::json!({
            "room": "3-2-1502", "surname": "孙", "purpose": "visitor",
            "id_checked": true, "resident_confirmed": true
        }),
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let n = to_patrol
        .recv_timeout(Duration::from_secs(5))
        .expect("patrol is told about the visitor");
    let text = n["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("登记访客孙") && text.contains("3-2-1502"),
        "{n}"
    );
    assert_eq!(n["by"], "门岗小王");
    assert!(
        n["notify"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "patrol"),
        "{n}"
    );

    // a hazardous vehicle: the shift leader is told, patrol is not
    let r = guard.post_form(
        "/alerts/hazard",
        &[("plate", "川A·12345"), ("cargo", "液化气罐")],
        true,
    );
    assert!(
        r.status == 303 || r.status == 200,
        "{} {}",
        r.status,
        r.body
    );
    let n = to_leader
        .recv_timeout(Duration::from_secs(5))
        .expect("the shift leader is told about the hazardous vehicle");
    assert!(
        n["text"]
            .as_str()
            .unwrap_or_default()
            .contains("危险品车辆（液化气罐）"),
        "{n}"
    );
    assert!(
        to_leader.recv_timeout(Duration::from_millis(500)).is_err(),
        "the leader was not told about the visitor"
    );
    assert!(
        to_patrol.recv_timeout(Duration::from_millis(500)).is_err(),
        "patrol was not told about the hazardous vehicle"
    );

    // a screen opened later still shows its post's notices
    let state: serde_json::Value =
        serde_json::from_str(&patrol.get("/api/state").body).expect("state");
    let notices = state["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0]["text"].as_str().unwrap().contains("孙"));
}

#[test]
fn ctrl_c_stops_the_app_at_once_even_with_screens_open() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let patrol = Http::login(&demo.base, "patrol", demo.password("patrol"));
    let _open = (listen(&guard), listen(&patrol));
    let (status, took) = demo
        .stop()
        .expect("the demo ended within 10 s with two live screens open");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(5), "it took {took:?}");
}
