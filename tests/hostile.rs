//! The hardening audit's probes (issue 17), replayed against a running `gateward demo` as an
//! attacker or a careless user would send them, so that each stays fixed: over-long and
//! control-character texts on every way in (the screen's JSON, the desk's and the manager's
//! forms), and bodies too large to read. Real binary, real HTTP, the real records file.
//!
//! The audit's other probes are replayed beside the feature they test, each against a running
//! server or the real CLI:
//! 1. many wrong passwords, `/password` unthrottled, `11111111` accepted: `tests/web_logins.rs`
//!    (`fifty_wrong_passwords_…`, `one_computer_trying_many_logins_…`,
//!    `the_password_page_refuses_weak_passwords_…`, `a_restart_keeps_the_lock`);
//! 2. the login's time telling which accounts exist: `tests/web_logins.rs`
//!    (`a_login_no_one_has_gets_the_same_answers_as_a_real_one`) and `gateward bench logins`;
//! 3. the 10000×10000 PNG: `tests/web_manage.rs` (four uploads at once, the server's memory
//!    measured) and `tests/bad_images.rs` (`analyze` from its header);
//! 4. the visitor JSON without limits: this file;
//! 5. no security headers, inline script and style, the token in the address:
//!    `tests/web_headers.rs` and the browser tests (CSP violations reported by Chromium);
//! 6. `/files/` NUL and symlinks: `tests/web_headers.rs` (`files_follow_no_link_and_show_no_path`);
//! 7. NUL in imported names, a truncated JPEG, `demo --data` ignored: `tests/records.rs`,
//!    `tests/bad_images.rs`, and every test that starts the demo on its own `--data` folder;
//! 8. no HTTPS, no `Secure` cookie: `tests/web_tls.rs` and the browser test
//!    `a_patrol_phone_follows_the_gate_over_https`.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use demo::Demo;
use http::Http;

fn visitor(room: &str, surname: &str) -> serde_json::Value {
    serde_json::json!({
        "room": room, "surname": surname, "purpose": "visitor",
        "id_checked": true, "resident_confirmed": true
    })
}

/// Sends a JSON POST of `body` with `h`'s session and token as a client that keeps writing
/// while the server may already have answered; the answer's status line.
fn first_line_of_answer(h: &Http, path: &str, body: &str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let addr = h.base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nx-csrf-token: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        h.cookie.as_deref().unwrap_or_default(),
        h.csrf.as_deref().unwrap_or_default(),
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("send the head");
    // the server may refuse from the length alone and close: the rest may not all be taken
    let _ = conn.write_all(body.as_bytes());
    let mut line = String::new();
    BufReader::new(conn)
        .read_line(&mut line)
        .expect("the answer's status line");
    line
}

#[test]
fn over_long_texts_are_refused_on_every_way_in_and_nothing_is_stored() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let audit_before = store
        .audit_entries(&Default::default())
        .expect("audit")
        .len();

    // the screen's JSON: the audit's 500,000-character surname, then one just too long
    let huge = visitor("3-2-1502", &"孙".repeat(500_000)).to_string();
    let status = first_line_of_answer(&guard, "/api/visitors", &huge);
    assert!(
        status.contains(" 413 "),
        "a body of 1.5 MB is not read: {status}"
    );
    let r = guard.post_json(
        "/api/visitors",
        &visitor("3-2-1502", &"孙".repeat(21)),
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("贵姓太长了，请写在 20 个字以内"),
        "{}",
        r.body
    );
    let r = guard.post_json("/api/visitors", &visitor("3-2-1502\0", "孙"), true);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("控制字符"), "{}", r.body);
    // the same visitor with sensible texts is registered
    let r = guard.post_json("/api/visitors", &visitor("3-2-1502", "孙"), true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(store.visitors_inside().expect("visits").len(), 1);

    // the desk's visitor form
    let room = "3".repeat(31);
    let r = guard.post_form(
        "/visitors",
        &[
            ("room", room.as_str()),
            ("surname", "赵"),
            ("purpose", "visitor"),
            ("id_checked", "on"),
            ("reached", "yes"),
        ],
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("房号太长了"), "{}", r.body);
    assert_eq!(store.visitors_inside().expect("visits").len(), 1);

    // the manager's person form: a name of 51 characters, a note of 2001, an escape sequence
    let long_name = "王".repeat(51);
    let long_note = "短".repeat(2001);
    for (field, value, said) in [
        ("name", long_name.as_str(), "姓名太长了，请写在 50 个字以内"),
        (
            "appearance",
            long_note.as_str(),
            "备注太长了，请写在 2000 个字以内",
        ),
        ("name", "王\u{1b}[2J伟", "控制字符"),
    ] {
        let mut fields = vec![
            ("name", "孙丽"),
            ("class", "resident"),
            ("title", ""),
            ("household", "3-2-1502"),
            ("appearance", ""),
        ];
        for f in fields.iter_mut() {
            if f.0 == field {
                f.1 = value;
            }
        }
        let r = manager.post_form("/manage/people", &fields, true);
        assert_eq!(r.status, 400, "{field}: {}", r.body);
        assert!(r.body.contains(said), "{field}: {}", r.body);
    }
    assert!(store.people_named("孙丽").expect("people").is_empty());
    assert!(store.people_named(&long_name).expect("people").is_empty());

    // nothing refused reached the audit log: only the one registration did
    let audit_after = store.audit_entries(&Default::default()).expect("audit");
    let added: Vec<_> = audit_after[audit_before..]
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert!(
        audit_after[audit_before..]
            .iter()
            .all(|e| e.detail.chars().count() < 3000),
        "no audit row holds a refused text"
    );
    assert!(added.contains(&"visit.register"), "{added:?}");
}
