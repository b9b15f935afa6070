//! Who may open what: no route but the login page answers without a session, a POST without
//! the session's anti-forgery token is refused and changes nothing, a guard cannot export, a
//! wrong password gets nowhere. Real binary (`gateward demo` without cameras), real HTTP.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use demo::Demo;
use http::Http;

/// Every route of the app (and one that does not exist), as a stranger would try them.
const PAGES: &[&str] = &[
    "/",
    "/handover",
    "/visitors",
    "/passes",
    "/goods",
    "/log",
    "/log/export.csv",
    "/reports",
    "/manage/people",
    "/manage/vehicles",
    "/manage/passes",
    "/manage/users",
    "/no-such-page",
];
const DATA: &[&str] = &[
    "/api/state",
    "/api/stream",
    "/api/people?q=王",
    "/files/snapshots/2026-11-28/x.jpg",
    "/log/export.csv",
];
const POSTS: &[&str] = &[
    "/api/visitors",
    "/api/events/1/confirm",
    "/api/events/1/correct",
    "/handover/notes",
    "/passes/check-in",
    "/alerts/hazard",
    "/manage/users",
    "/logout",
];

#[test]
fn no_route_but_the_login_page_answers_without_a_session() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let login = anon.get_page("/login");
    assert_eq!(login.status, 200);
    assert!(login.body.contains("登录"), "{}", login.body);
    for path in PAGES {
        let r = anon.get_page(path);
        assert_eq!(r.status, 303, "GET {path} as a page without a session");
        assert_eq!(r.location.as_deref(), Some("/login"), "GET {path}");
        assert!(!r.body.contains("门岗屏"), "GET {path} leaked the app");
    }
    for path in DATA {
        let r = anon.get(path);
        assert_eq!(r.status, 401, "GET {path} as a script without a session");
        assert!(r.body.contains("请先登录"), "{path}: {}", r.body);
    }
    for path in POSTS {
        let r = anon.post_json(path, &serde_json::json!({}), false);
        assert!(
            r.status == 401 || r.status == 303,
            "POST {path} without a session: {}",
            r.status
        );
    }
    // a made-up session cookie is no session
    let mut forged = Http::new(&demo.base);
    forged.cookie = Some("gw_session=00ff00ff".into());
    assert_eq!(forged.get("/api/state").status, 401);
}

#[test]
fn a_wrong_password_gets_nowhere_and_a_login_form_without_its_token_is_refused() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let wrong = anon.try_login("guard", "not-the-password");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("账号或密码不对"), "{}", wrong.body);
    assert!(
        !wrong
            .set_cookies
            .iter()
            .any(|c| c.starts_with("gw_session="))
    );
    let unknown = anon.try_login("nobody", "x");
    assert_eq!(unknown.status, 401);
    // the login form posted from elsewhere (no token, no login cookie)
    let r = anon.post_form(
        "/login",
        &[("login", "guard"), ("password", demo.password("guard"))],
        false,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(!r.set_cookies.iter().any(|c| c.starts_with("gw_session=")));
    // the right password works, and logging out ends the session
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    assert_eq!(guard.get("/api/state").status, 200);
    let out = guard.post_form("/logout", &[], true);
    assert_eq!(out.status, 303);
    assert_eq!(guard.get("/api/state").status, 401, "the session ended");
}

#[test]
fn a_post_without_the_session_token_is_refused_and_changes_nothing() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let visitor = serde_json::json!({
        "room": "3-2-1502", "surname": "孙", "purpose": "visitor",
        "id_checked": true, "resident_confirmed": true
    });
    let store = demo.store();
    let visits = || {
        let (from, to) = (
            chrono::Utc::now() - chrono::Duration::days(1),
            chrono::Utc::now() + chrono::Duration::days(1),
        );
        store.visits(from, to).expect("visits").len()
    };
    let before = visits();
    // no token at all, a wrong one, one from another session
    let none = guard.post_json("/api/visitors", &visitor, false);
    assert_eq!(none.status, 403, "{}", none.body);
    assert!(none.body.contains("请刷新页面"), "{}", none.body);
    let mut wrong = Http::login(&demo.base, "guard", demo.password("guard"));
    wrong.csrf = Some("0".repeat(64));
    assert_eq!(wrong.post_json("/api/visitors", &visitor, true).status, 403);
    let other = Http::login(&demo.base, "patrol", demo.password("patrol"));
    let mut mixed = Http::login(&demo.base, "guard", demo.password("guard"));
    mixed.csrf = other.csrf.clone();
    assert_eq!(mixed.post_json("/api/visitors", &visitor, true).status, 403);
    // a form post without the field
    let form = guard.post_form(
        "/api/visitors",
        &[("room", "3-2-1502"), ("surname", "孙")],
        false,
    );
    assert_eq!(form.status, 403);
    let logout = guard.post_form("/logout", &[], false);
    assert_eq!(logout.status, 403, "logging out needs the token too");
    assert_eq!(visits(), before, "nothing was registered");
    // with the token it goes through
    let ok = guard.post_json("/api/visitors", &visitor, true);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("已登记访客孙"), "{}", ok.body);
    assert_eq!(visits(), before + 1);
}

#[test]
fn a_guard_cannot_export_but_a_team_leader_can_and_it_is_audited() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let exports = || {
        store
            .audit_entries(&gateward::store::AuditQuery {
                action: Some("export".into()),
                ..Default::default()
            })
            .expect("audit")
            .len()
    };
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let refused = guard.get_page("/log/export.csv");
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("不能导出"), "{}", refused.body);
    assert_eq!(guard.get_page("/log").status, 403, "nor search the log");
    assert_eq!(exports(), 0);
    let leader = Http::login(&demo.base, "leader", demo.password("leader"));
    let csv = leader.get("/log/export.csv");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert_eq!(exports(), 1, "the export is in the audit log");
}

#[test]
fn a_handed_over_password_opens_nothing_but_the_page_to_change_it() {
    use gateward::domain::{Desk, Role};
    let demo = Demo::start_with(&["--cameras", "0"]);
    demo.store()
        .add_user(
            "test",
            gateward::store::NewUser {
                login: "newguard".into(),
                name: "新门岗".into(),
                role: Role::Guard,
                post: Desk::Gate,
                password_hash: gateward::web::auth::hash_password("handed-over-1").unwrap(),
                started: None,
                must_change: true,
            },
        )
        .unwrap();
    let anon = Http::new(&demo.base);
    let first = anon.try_login("newguard", "handed-over-1");
    assert_eq!(first.status, 303);
    assert_eq!(first.location.as_deref(), Some("/password"));
    let h = Http::login(&demo.base, "newguard", "handed-over-1");
    let page = h.get_page("/");
    assert_eq!(page.status, 303, "the screen waits for the new password");
    assert_eq!(page.location.as_deref(), Some("/password"));
    assert_eq!(h.get("/api/state").status, 403);
    let form = h.get_page("/password");
    assert!(
        form.body.contains("请先设一个只有你知道的新密码"),
        "{}",
        form.body
    );
    // too short, different twice, wrong current: refused with the reason
    for (current, new, again, why) in [
        ("handed-over-1", "short", "short", "至少 8 位"),
        ("handed-over-1", "my-own-pass-1", "my-own-pass-2", "不一样"),
        ("wrong", "my-own-pass-1", "my-own-pass-1", "当前密码不对"),
    ] {
        let r = h.post_form(
            "/password",
            &[("current", current), ("new", new), ("again", again)],
            true,
        );
        assert_eq!(r.status, 400, "{why}");
        assert!(r.body.contains(why), "{why}: {}", r.body);
    }
    let done = h.post_form(
        "/password",
        &[
            ("current", "handed-over-1"),
            ("new", "my-own-pass-1"),
            ("again", "my-own-pass-1"),
        ],
        true,
    );
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/login"));
    assert_eq!(anon.try_login("newguard", "handed-over-1").status, 401);
    let mine = anon.try_login("newguard", "my-own-pass-1");
    assert_eq!(mine.status, 303);
    assert_eq!(
        mine.location.as_deref(),
        Some("/"),
        "straight to the screen now"
    );
}
