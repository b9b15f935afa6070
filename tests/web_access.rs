//! Who may open what: no route but the login page answers without a session, a POST without
//! the session's anti-forgery token is refused and changes nothing, a guard cannot export, a
//! wrong password gets nowhere; a mistyped address is a 404 for everyone; each role's menu
//! opens exactly what the role may; the demo prints a login for each role and keeps its
//! records where `--data` says. Real binary (`gateward demo` without cameras), real HTTP.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use demo::{DEMO_LOGINS, Demo};
use http::Http;

/// Every route of the app, as a stranger would try them.
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
    "/manage/kiosks",
    "/manage/logins",
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

#[test]
fn a_mistyped_address_is_a_404_with_the_way_home_for_everyone() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    for (who, client) in [("a stranger", &anon), ("a guard", &guard)] {
        for path in ["/no-such-page", "/visitorz", "/manage/nothing"] {
            let r = client.get_page(path);
            assert_eq!(r.status, 404, "{who}: GET {path}: {}", r.body);
            assert!(r.body.contains("没有这个页面 (no such page)"), "{}", r.body);
            assert!(r.body.contains("href=\"/\""), "a link home: {}", r.body);
            assert!(!r.body.contains("登录"), "not the login page: {}", r.body);
        }
    }
    // the app's pages still need a login
    assert_eq!(anon.get_page("/handover").status, 303);
}

#[test]
fn each_roles_menu_opens_what_the_role_may_and_the_leader_sees_reports() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let menu_links = |page: &str| -> Vec<String> {
        let menu = &page[page.find("<nav class=\"menu\">").expect("a menu")..];
        let menu = &menu[..menu.find("</nav>").expect("the menu's end")];
        menu.split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_owned))
            .collect()
    };
    let every = [
        "/",
        "/handover",
        "/visitors",
        "/passes",
        "/goods",
        "/alerts",
        "/training",
        "/log",
        "/reports",
        "/manage/people",
        "/manage/vehicles",
        "/manage/kiosks",
        "/manage/logins",
        "/manage/users",
    ];
    for login in DEMO_LOGINS {
        let user = Http::login(&demo.base, login, demo.password(login));
        let links = menu_links(&user.get_page("/handover").body);
        for path in every {
            let status = user.get_page(path).status;
            let listed = links.iter().any(|l| l == path);
            assert_eq!(
                listed,
                status == 200,
                "{login}: {path} answers {status} but is {} the menu",
                if listed { "in" } else { "not in" }
            );
        }
        if login == "leader" {
            assert!(links.iter().any(|l| l == "/reports"), "{links:?}");
        }
    }
}

#[test]
fn the_demo_prints_a_login_for_each_role_and_keeps_its_records_where_data_says() {
    let dir = tempfile::tempdir().expect("a folder");
    let data = dir.path().join("new").join("demo-data");
    let data_arg = data.to_string_lossy().into_owned();
    let demo = Demo::start_with(&["--cameras", "0", "--data", &data_arg]);
    assert_eq!(
        demo.data, data,
        "the data folder printed is the one asked for"
    );
    assert!(
        data.join("gateward.sqlite").is_file(),
        "the records are in {}",
        data.display()
    );
    let admin = Http::login(&demo.base, "admin", demo.password("admin"));
    let users = admin.get_page("/manage/users");
    assert_eq!(users.status, 200, "{}", users.body);
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    assert_eq!(manager.get_page("/manage/people").status, 200);
    drop(demo);
    assert!(
        data.join("gateward.sqlite").is_file(),
        "a folder given with --data is kept"
    );
    // run again on the kept folder: the logins work with the new passwords
    let again = Demo::start_with(&["--cameras", "0", "--data", &data_arg]);
    Http::login(&again.base, "guard", again.password("guard"));
}
