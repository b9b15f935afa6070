//! The login throttle as a user meets it: after five wrong passwords an account waits, then is
//! locked, and the right password does not log in until a manager lifts the lock; a login no
//! one has gets the very same answers; one computer trying many logins is stopped while
//! another computer is not; the password page is throttled the same way and refuses common
//! and trivial passwords; a restart keeps a lock; every try is in the audit log. Real binary
//! (`gateward demo` without cameras), real HTTP.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::io::{Read, Write};

use demo::Demo;
use gateward::store::{AuditEntry, AuditQuery, Store};
use http::{Http, Reply, attr_after};

/// The message the login form (or the password form) shows above itself.
fn problem(r: &Reply) -> String {
    let Some(at) = r.body.find("class=\"problem\"") else {
        return String::new();
    };
    let rest = &r.body[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    let end = rest.find("</p>").unwrap_or(rest.len());
    rest[start..end].to_owned()
}

/// A message with its numbers taken out (a wait of 2 s or 3 s reads the same).
fn shape(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_digit()).collect()
}

fn logged_in(r: &Reply) -> bool {
    r.set_cookies.iter().any(|c| c.starts_with("gw_session="))
}

/// The audit entries about logins typed as `actor`.
fn tries_of(store: &Store, actor: &str) -> Vec<AuditEntry> {
    store
        .audit_entries(&AuditQuery {
            actor: Some(actor.into()),
            ..Default::default()
        })
        .expect("audit")
        .into_iter()
        .filter(|e| e.action.starts_with("login."))
        .collect()
}

fn count(entries: &[AuditEntry], action: &str) -> usize {
    entries.iter().filter(|e| e.action == action).count()
}

#[test]
fn fifty_wrong_passwords_lock_the_account_every_try_is_audited_and_a_manager_unlocks_it() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let answers: Vec<Reply> = (0..50)
        .map(|i| anon.try_login("guard", &format!("wrong-password-{i}")))
        .collect();
    for (i, r) in answers.iter().enumerate() {
        assert!(!logged_in(r), "try {} logged in", i + 1);
        let text = problem(r);
        if i < 5 {
            assert_eq!(r.status, 401, "try {}: {text}", i + 1);
            assert!(text.contains("账号或密码不对"), "try {}: {text}", i + 1);
        } else {
            // refused unchecked, or (on a slow machine, after waiting) checked and wrong:
            // either way it says how long to wait or that the account is locked
            assert!(
                r.status == 429 || r.status == 401,
                "try {}: {} {text}",
                i + 1,
                r.status
            );
            assert!(
                text.contains("秒后再试") || text.contains("已锁定"),
                "try {}: {text}",
                i + 1
            );
        }
        if i >= 10 {
            assert_eq!(r.status, 429, "try {}: {text}", i + 1);
            assert!(
                text.contains("这个账号连续登录失败次数太多，已锁定")
                    && text.contains("请管理处解锁"),
                "try {}: {text}",
                i + 1
            );
        }
    }
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert!(refused >= 40, "{refused} of 50 refused");

    // the right password now does not log in either
    let right = anon.try_login("guard", demo.password("guard"));
    assert_eq!(right.status, 429, "{}", problem(&right));
    assert!(!logged_in(&right));
    assert!(problem(&right).contains("已锁定"), "{}", problem(&right));

    // every try is in the audit log, with the computer it came from, and the lock once
    let store = demo.store();
    let tries = tries_of(&store, "guard");
    assert_eq!(count(&tries, "login.fail"), 51, "{tries:#?}");
    assert_eq!(count(&tries, "login.locked"), 1, "{tries:#?}");
    assert_eq!(count(&tries, "login.ok"), 0);
    assert!(
        tries.iter().all(|e| e.detail.contains("from 127.0.0.1")),
        "{tries:#?}"
    );

    // the manager sees the lock and lifts it; a guard may not
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let page = manager.get_page("/manage/logins");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<td class=\"long\">guard"),
        "{}",
        page.body
    );
    assert!(page.body.contains("已锁定"), "{}", page.body);
    assert!(
        page.body.contains("data-label=\"连续失败\""),
        "{}",
        page.body
    );
    assert!(
        manager
            .get_page("/handover")
            .body
            .contains("href=\"/manage/logins\""),
        "the manager's menu leads there"
    );
    let patrol = Http::login(&demo.base, "patrol", demo.password("patrol"));
    assert_eq!(patrol.get_page("/manage/logins").status, 403);
    let refused = patrol.post_form(
        "/manage/logins/unlock",
        &[("kind", "login"), ("key", "guard")],
        true,
    );
    assert_eq!(refused.status, 403, "a guard cannot unlock");
    let lifted = manager.post_form(
        "/manage/logins/unlock",
        &[("kind", "login"), ("key", "guard")],
        true,
    );
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    assert!(lifted.body.contains("已解锁账号 guard"), "{}", lifted.body);
    assert!(lifted.body.contains("现在没有被锁定"), "{}", lifted.body);
    let unlocks = store
        .audit_entries(&AuditQuery {
            action: Some("login.unlock".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(unlocks.len(), 1);
    assert_eq!(unlocks[0].actor, "管理处刘主任");
    assert_eq!(unlocks[0].object, "login:guard");

    // and the right password works again
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    assert_eq!(guard.get("/api/state").status, 200);
    assert_eq!(count(&tries_of(&store, "guard"), "login.ok"), 1);
}

#[test]
fn a_login_no_one_has_gets_the_same_answers_as_a_real_one() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    // in turns, so both meet the same timing
    let (mut real, mut made_up) = (Vec::new(), Vec::new());
    for i in 0..12 {
        let password = format!("wrong-password-{i}");
        real.push(anon.try_login("leader", &password));
        made_up.push(anon.try_login("nobody", &password));
    }
    real.push(anon.try_login("leader", demo.password("leader")));
    made_up.push(anon.try_login("nobody", demo.password("leader")));
    for (i, (r, m)) in real.iter().zip(&made_up).enumerate() {
        assert_eq!(r.status, m.status, "try {}", i + 1);
        assert_eq!(shape(&problem(r)), shape(&problem(m)), "try {}", i + 1);
        assert!(!logged_in(r) && !logged_in(m));
    }
    assert_eq!(real[0].status, 401);
    assert!(
        problem(&real[12]).contains("已锁定"),
        "{}",
        problem(&real[12])
    );
    let store = demo.store();
    let (r, m) = (tries_of(&store, "leader"), tries_of(&store, "nobody"));
    assert_eq!(count(&r, "login.fail"), 13);
    assert_eq!(count(&m, "login.fail"), 13);
    assert_eq!(count(&r, "login.locked"), count(&m, "login.locked"));
    // the manager's list shows both; only the made-up one as no one's
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let page = manager.get_page("/manage/logins").body;
    assert!(page.contains("nobody （没有这个账号）"), "{page}");
    assert!(page.contains("<td class=\"long\">leader</td>"), "{page}");
}

/// A browser on another computer: its requests come from 127.0.0.2 (this machine's loopback
/// still), one connection each, HTTP/1.0.
struct Elsewhere {
    server: String,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Elsewhere {
    fn new(base: &str) -> Elsewhere {
        Elsewhere {
            server: base.trim_start_matches("http://").to_owned(),
            cookie: None,
            csrf: None,
        }
    }

    fn send(&self, method: &str, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("a runtime");
        let server: std::net::SocketAddr = self.server.parse().expect("the server's address");
        let mut stream = rt
            .block_on(async {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind("127.0.0.2:0".parse().expect("an address"))?;
                socket.connect(server).await?.into_std()
            })
            .expect("connect from 127.0.0.2");
        stream.set_nonblocking(false).expect("blocking");
        let body = serde_urlencoded::to_string(form).expect("a form");
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nAccept: text/html\r\n{cookie}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.server,
            body.len()
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("the answer");
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let mut reply = Reply {
            status,
            location: None,
            set_cookies: Vec::new(),
            content_type: String::new(),
            headers: ureq::http::HeaderMap::new(),
            body: body.to_owned(),
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if let (Ok(key), Ok(val)) = (
                ureq::http::HeaderName::from_bytes(name.trim().as_bytes()),
                ureq::http::HeaderValue::from_str(value.trim()),
            ) {
                reply.headers.append(key, val);
            }
            match name.to_ascii_lowercase().as_str() {
                "set-cookie" => reply.set_cookies.push(value.trim().to_owned()),
                "location" => reply.location = Some(value.trim().to_owned()),
                "content-type" => reply.content_type = value.trim().to_owned(),
                _ => {}
            }
        }
        reply
    }

    /// Logs in through the login page; the reply of the form.
    fn login(&mut self, login: &str, password: &str) -> Reply {
        let page = self.send("GET", "/login", None, &[]);
        let token = attr_after(&page.body, "name=\"csrf\"", "value").expect("the form's token");
        let cookie = page
            .set_cookies
            .iter()
            .find(|c| c.starts_with("gw_login="))
            .and_then(|c| c.split(';').next())
            .expect("the login cookie")
            .to_owned();
        let r = self.send(
            "POST",
            "/login",
            Some(&cookie),
            &[("login", login), ("password", password), ("csrf", &token)],
        );
        if let Some(session) = r.set_cookies.iter().find(|c| c.starts_with("gw_session=")) {
            self.cookie = session.split(';').next().map(str::to_owned);
            let home = self.get(r.location.as_deref().unwrap_or("/"));
            self.csrf = attr_after(&home.body, "name=\"csrf-token\"", "content");
        }
        r
    }

    fn get(&self, path: &str) -> Reply {
        self.send("GET", path, self.cookie.as_deref(), &[])
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        all.push(("csrf", &csrf));
        self.send("POST", path, self.cookie.as_deref(), &all)
    }
}

#[test]
fn one_computer_trying_many_logins_is_stopped_and_another_computer_is_not() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let answers: Vec<Reply> = (0..45)
        .map(|i| anon.try_login(&format!("user{i}"), "wrong-password"))
        .collect();
    for (i, r) in answers.iter().enumerate().take(20) {
        assert_eq!(r.status, 401, "try {}: {}", i + 1, problem(r));
    }
    for (i, r) in answers.iter().enumerate().skip(20) {
        // refused unchecked, or (on a slow machine, after waiting) checked and wrong
        let text = problem(r);
        assert!(r.status == 429 || r.status == 401, "try {}: {text}", i + 1);
        assert!(
            text.contains("秒后再试") || text.contains("已锁定"),
            "try {}: {text}",
            i + 1
        );
    }
    assert!(answers.iter().filter(|r| r.status == 429).count() >= 20);
    let last = problem(&answers[44]);
    assert_eq!(answers[44].status, 429, "{last}");
    assert!(
        last.contains("这台电脑连续登录失败次数太多，已锁定"),
        "{last}"
    );
    // this computer cannot log in even with the right password ...
    let right = anon.try_login("guard", demo.password("guard"));
    assert_eq!(right.status, 429);
    assert!(problem(&right).contains("这台电脑"), "{}", problem(&right));
    // ... another one can
    let mut other = Elsewhere::new(&demo.base);
    let r = other.login("manager", demo.password("manager"));
    assert_eq!(r.status, 303, "{}", problem(&r));
    let page = other.get("/manage/logins");
    assert!(page.body.contains("127.0.0.1"), "{}", page.body);
    assert!(page.body.contains("电脑（地址）"), "{}", page.body);
    let lifted = other.post(
        "/manage/logins/unlock",
        &[("kind", "address"), ("key", "127.0.0.1")],
    );
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    assert!(
        lifted.body.contains("已解锁电脑 127.0.0.1"),
        "{}",
        lifted.body
    );
    let store = demo.store();
    let locked = store
        .audit_entries(&AuditQuery {
            action: Some("login.locked".into()),
            object: Some("address:127.0.0.1".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(locked.len(), 1, "{locked:#?}");
    assert_eq!(count(&tries_of(&store, "manager"), "login.ok"), 1);
    // unlocked, this computer logs in again
    Http::login(&demo.base, "guard", demo.password("guard"));
}

#[test]
fn the_password_page_refuses_weak_passwords_and_wrong_current_ones_are_throttled() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let old = demo.password("guard").to_owned();
    let guard = Http::login(&demo.base, "guard", &old);
    let change = |current: &str, new: &str| {
        guard.post_form(
            "/password",
            &[("current", current), ("new", new), ("again", new)],
            true,
        )
    };
    let form = guard.get_page("/password");
    assert!(form.body.contains("不要用 12345678"), "{}", form.body);
    for (new, why) in [
        ("11111111", "同一个字符"),
        ("password1", "最常用的密码"),
        ("woaini1314", "最常用的密码"),
        ("12345678", "连续的字母、数字"),
        ("qwertyui", "键盘上的一排"),
        ("guard", "不能包含账号"),
        ("guard-2026-winter", "不能包含账号"),
        ("我是门岗小王", "不能包含姓名"),
        ("short", "至少 8 位"),
    ] {
        let r = change(&old, new);
        assert_eq!(r.status, 400, "{new}: {}", problem(&r));
        assert!(problem(&r).contains(why), "{new}: {}", problem(&r));
    }
    // five wrong current passwords are answered as such; then the page waits like the login
    // page, and ten in a row lock the account
    for i in 0..10 {
        let r = change(&format!("wrong-{i}"), "river-stone-tea-7");
        let text = problem(&r);
        if i < 5 {
            assert_eq!(r.status, 400, "{text}");
            assert!(text.contains("当前密码不对"), "{text}");
        } else {
            assert!(r.status == 429 || r.status == 400, "{}: {text}", r.status);
            assert!(
                text.contains("秒后再试") || text.contains("已锁定"),
                "try {}: {text}",
                i + 1
            );
        }
    }
    let refused = change(&old, "river-stone-tea-7");
    assert_eq!(refused.status, 429, "{}", problem(&refused));
    assert!(
        problem(&refused).contains("这个账号连续登录失败次数太多，已锁定"),
        "{}",
        problem(&refused)
    );
    let store = demo.store();
    let tries = tries_of(&store, "guard");
    assert_eq!(count(&tries, "login.fail"), 11, "{tries:#?}");
    assert_eq!(count(&tries, "login.locked"), 1, "{tries:#?}");
    assert!(
        tries
            .iter()
            .filter(|e| e.action == "login.fail")
            .all(|e| e.detail.contains("/password")),
        "{tries:#?}"
    );
    let changed = || {
        store
            .audit_entries(&AuditQuery {
                action: Some("user.password".into()),
                actor: Some("门岗小王".into()),
                ..Default::default()
            })
            .expect("audit")
            .len()
    };
    assert_eq!(
        changed(),
        0,
        "the right current password was not even checked"
    );
    // the lock holds for the login page too; once a manager lifts it, the right current
    // password and a good new one go through
    let login = Http::new(&demo.base).try_login("guard", &old);
    assert_eq!(login.status, 429, "{}", problem(&login));
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let lifted = manager.post_form(
        "/manage/logins/unlock",
        &[("kind", "login"), ("key", "guard")],
        true,
    );
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    let done = change(&old, "river-stone-tea-7");
    assert_eq!(done.status, 303, "{}", problem(&done));
    assert_eq!(changed(), 1);
    Http::login(&demo.base, "guard", "river-stone-tea-7");
}

#[test]
fn a_restart_keeps_the_lock() {
    let dir = tempfile::tempdir().expect("a folder");
    let data = dir.path().to_string_lossy().into_owned();
    let demo = Demo::start_with(&["--cameras", "0", "--data", &data]);
    let anon = Http::new(&demo.base);
    let tries: Vec<Reply> = (0..10)
        .map(|i| anon.try_login("patrol", &format!("wrong-{i}")))
        .collect();
    let last = &tries[9];
    assert!(problem(last).contains("已锁定"), "{}", problem(last));
    drop(demo);
    let again = Demo::start_with(&["--cameras", "0", "--data", &data]);
    let right = Http::new(&again.base).try_login("patrol", again.password("patrol"));
    assert_eq!(right.status, 429, "{}", problem(&right));
    assert!(problem(&right).contains("已锁定"), "{}", problem(&right));
    let manager = Http::login(&again.base, "manager", again.password("manager"));
    let page = manager.get_page("/manage/logins").body;
    assert!(page.contains("<td class=\"long\">patrol</td>"), "{page}");
}
