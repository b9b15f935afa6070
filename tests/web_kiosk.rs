//! The gate PC paired as a guard screen (a kiosk): a manager pairs it once, with a code typed
//! at the PC or in the browser they are using there; it then opens the guard screen after a
//! restart with no password typed, can be nothing but a guard screen, and stops the moment a
//! manager unpairs it. Real binary (`gateward demo` without cameras), real HTTP.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::io::Read;
use std::time::{Duration, Instant};

use demo::Demo;
use http::{Http, Reply, attr_after};

const NAME: &str = "大门岗亭屏幕";

/// The pairing code on the manager's page after asking for one.
fn code_on(page: &str) -> String {
    let at = page.find("的配对码").expect("the code is shown");
    let rest = &page[at..];
    let start = rest.find("<code>").expect("code") + "<code>".len();
    let end = rest[start..].find("</code>").expect("code end");
    rest[start..start + end].to_owned()
}

/// Types `code` on the pairing page of a browser with no cookies, as the gate PC does.
fn type_code(base: &str, code: &str) -> Reply {
    let pc = Http::new(base);
    let page = pc.get_page("/kiosk");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("门岗电脑配对"), "{}", page.body);
    let token = attr_after(&page.body, "name=\"csrf\"", "value").expect("the form's token");
    let pair = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gw_pair="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("the pairing form's cookie");
    let mut with = Http::new(base);
    with.cookie = Some(pair);
    with.post_form("/kiosk", &[("code", code), ("csrf", &token)], false)
}

/// The gate PC's browser holding only the screen's cookie from `reply`.
fn screen_from(base: &str, reply: &Reply) -> Http {
    let cookie = reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gw_kiosk="))
        .unwrap_or_else(|| panic!("the screen's cookie: {:?}", reply.set_cookies));
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        cookie.contains("Max-Age=34560000"),
        "kept for 400 days, not only until the browser closes: {cookie}"
    );
    let mut pc = Http::new(base);
    pc.cookie = Some(cookie.split(';').next().unwrap_or_default().to_owned());
    let screen = pc.get_page("/");
    assert_eq!(screen.status, 200, "{}", screen.body);
    pc.csrf = attr_after(&screen.body, "name=\"csrf-token\"", "content");
    pc
}

#[test]
fn a_gate_pc_paired_with_a_code_opens_the_guard_screen_after_a_restart_and_nothing_else() {
    let dir = tempfile::tempdir().expect("a folder");
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let demo = Demo::start_with(&["--cameras", "0", "--data", &data]);
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let page = manager.get_page("/manage/kiosks");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("还没有配对门岗电脑"), "{}", page.body);
    let made = manager.post_form("/manage/kiosks", &[("name", NAME), ("how", "code")], true);
    assert_eq!(made.status, 200, "{}", made.body);
    let code = code_on(&made.body);
    assert_eq!(code.len(), 9, "four, a dash, four: {code}");
    assert!(
        made.body.contains("等待输入配对码"),
        "the list says the screen waits: {}",
        made.body
    );

    // the login page leads to the pairing page; a wrong code pairs nothing
    let login = Http::new(&demo.base).get_page("/login");
    assert!(login.body.contains("href=\"/kiosk\""), "{}", login.body);
    let wrong = type_code(&demo.base, "AAAA-BBBB");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("配对码不对或已过期"), "{}", wrong.body);
    assert!(!wrong.set_cookies.iter().any(|c| c.starts_with("gw_kiosk=")));
    let short = type_code(&demo.base, "K7QM");
    assert_eq!(short.status, 400);
    assert!(short.body.contains("8 位"), "{}", short.body);

    // typed as a person would: lower case, with a space
    let typed = code.to_lowercase().replace('-', " ");
    let paired = type_code(&demo.base, &typed);
    assert_eq!(paired.status, 303, "{}", paired.body);
    assert_eq!(paired.location.as_deref(), Some("/"));
    let pc = screen_from(&demo.base, &paired);
    // the code is used up
    assert_eq!(type_code(&demo.base, &code).status, 401);

    // the screen: its menu has the screen and a way to log in, nothing else
    let screen = pc.get_page("/");
    assert!(screen.body.contains("gate-screen"), "the guard screen");
    assert!(screen.body.contains(NAME), "{}", screen.body);
    for link in ["/log", "/handover", "/manage/people", "/logout"] {
        assert!(
            !screen.body.contains(&format!("href=\"{link}\"")),
            "the screen's menu has no {link}"
        );
    }
    assert_eq!(pc.get("/api/state").status, 200);
    assert_eq!(pc.get("/api/inside").status, 200);
    // and nothing else: pages, exports, records, accounts
    for path in [
        "/log",
        "/log/export.csv",
        "/reports",
        "/handover",
        "/visitors",
        "/manage/people",
        "/manage/users",
        "/manage/kiosks",
        "/training/progress",
        "/password",
    ] {
        let r = pc.get_page(path);
        assert_eq!(r.status, 403, "GET {path} from the screen");
        assert!(r.body.contains("只能打开门岗屏"), "GET {path}: {}", r.body);
    }
    let r = pc.post_form("/manage/kiosks", &[("name", "x"), ("how", "code")], true);
    assert_eq!(r.status, 403, "the screen cannot pair another");

    // what the guard does at the screen is recorded under the screen's name
    let registered = pc.post_json(
        "/api/visitors",
        &serde_json::json!({
            "room": "3-2-1502", "surname": "孙", "purpose": "visitor",
            "id_checked": true, "resident_confirmed": true
        }),
        true,
    );
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert!(
        registered.body.contains("已登记访客孙"),
        "{}",
        registered.body
    );
    let forged = pc.post_json(
        "/api/visitors",
        &serde_json::json!({ "room": "3-2-1502", "surname": "赵", "purpose": "visitor",
            "id_checked": true, "resident_confirmed": true }),
        false,
    );
    assert_eq!(forged.status, 403, "a POST without the screen's token");
    let store = demo.store();
    let visits = store.visitors_inside().expect("visitors");
    assert_eq!(visits.len(), 1, "{visits:?}");
    assert_eq!(visits[0].guard, NAME);

    // the screen's account is no one's login and is not among the users
    assert_eq!(manager.try_login("kiosk:1", "").status, 401);
    let admin = Http::login(&demo.base, "admin", demo.password("admin"));
    let users = admin.get_page("/manage/users");
    assert!(!users.body.contains(NAME), "{}", users.body);

    // a guard logging in at the gate PC is themself, with their menu; logging out, the
    // screen is back
    let mut guard = Http::login(&demo.base, "leader", demo.password("leader"));
    let both = format!(
        "{}; {}",
        guard.cookie.clone().unwrap_or_default(),
        pc.cookie.clone().unwrap_or_default()
    );
    guard.cookie = Some(both);
    assert_eq!(guard.get_page("/log").status, 200, "the leader's own login");
    let out = guard.post_form("/logout", &[], true);
    assert_eq!(out.status, 303);
    assert_eq!(pc.get_page("/").status, 200);

    // the PC restarts, and so does the service: no password typed, the screen opens
    drop(demo);
    let again = Demo::start_with(&["--cameras", "0", "--data", &data]);
    let mut after = Http::new(&again.base);
    after.cookie = pc.cookie.clone();
    let screen = after.get_page("/");
    assert_eq!(screen.status, 200, "{}", screen.body);
    assert!(screen.body.contains("gate-screen"));
    let renewed = screen
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gw_kiosk="))
        .expect("opening the screen renews its cookie");
    assert!(renewed.contains("Max-Age=34560000"), "{renewed}");
    let manager = Http::login(&again.base, "manager", again.password("manager"));
    let list = manager.get_page("/manage/kiosks");
    assert!(
        list.body.contains(NAME) && list.body.contains("在用"),
        "{}",
        list.body
    );
}

#[test]
fn a_manager_pairs_the_browser_at_the_gate_and_unpairing_stops_the_screen_at_once() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let paired = manager.post_form("/manage/kiosks", &[("name", NAME), ("how", "here")], true);
    assert_eq!(paired.status, 303, "{}", paired.body);
    assert_eq!(paired.location.as_deref(), Some("/"));
    assert!(
        paired
            .set_cookies
            .iter()
            .any(|c| c.starts_with("gw_session=;") || c.starts_with("gw_session=\"\"")),
        "the manager is logged out of this browser: {:?}",
        paired.set_cookies
    );
    // the manager's session there is over, not only its cookie
    assert_eq!(manager.get_page("/manage/people").status, 303);
    let pc = screen_from(&demo.base, &paired);

    // the screen is open on its live stream
    let (ended, stream) = std::sync::mpsc::channel();
    {
        let url = demo.url("/api/stream");
        let cookie = pc.cookie.clone().unwrap_or_default();
        std::thread::spawn(move || {
            let mut r = ureq::get(&url)
                .header("cookie", &cookie)
                .call()
                .expect("the live stream");
            assert_eq!(r.status().as_u16(), 200);
            let mut sink = Vec::new();
            let _ = r.body_mut().as_reader().read_to_end(&mut sink);
            let _ = ended.send(Instant::now());
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(stream.try_recv().is_err(), "the live stream stays open");

    // the PC is stolen: a manager unpairs it from another browser
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let list = manager.get_page("/manage/kiosks");
    let id = attr_after(&list.body, "name=\"id\"", "value").expect("the screen's id");
    let revoked_at = Instant::now();
    let r = manager.post_form("/manage/kiosks/revoke", &[("id", &id)], true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已取消配对"), "{}", r.body);
    let ended_at = stream
        .recv_timeout(Duration::from_secs(20))
        .expect("the live stream ended when the screen was unpaired");
    assert!(ended_at >= revoked_at, "the stream ended by the unpairing");
    let gone = pc.get_page("/");
    assert_eq!(gone.status, 303, "an unpaired screen opens nothing");
    assert_eq!(gone.location.as_deref(), Some("/login"));
    assert_eq!(pc.get("/api/state").status, 401);
    let store = demo.store();
    let audit = store
        .audit_entries(&gateward::store::AuditQuery {
            action: Some("kiosk.revoke".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "管理处刘主任");
}
