//! The app's answers as a browser's security sees them: every answer (a page, a script's JSON,
//! a picture, the login page, a 404, a 403, a redirect, a style sheet) carries the
//! Content-Security-Policy and the other security headers; no page of any role has inline
//! script or style (so the policy can forbid them); the anti-forgery token is never taken from
//! the address; `/files/` follows no link out of the data folder and never shows a path or a
//! system error; the style and script files are cached for a year under their hash. Real
//! binary (`gateward demo` without cameras), real HTTP.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::collections::BTreeSet;

use demo::{DEMO_LOGINS, Demo};
use http::{Http, Reply};

/// The headers every answer must carry, as the hardening asked for them.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

fn assert_secured(r: &Reply, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            r.header(name),
            Some(value),
            "{what} (status {}): header {name}",
            r.status
        );
    }
}

/// A picture the demo keeps in its photos folder.
fn a_photo(demo: &Demo) -> String {
    let mut names: Vec<String> = std::fs::read_dir(demo.data.join("photos"))
        .expect("the demo's photos folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jpg") || n.ends_with(".png"))
        .collect();
    names.sort();
    format!("photos/{}", names.first().expect("a photo in the demo"))
}

#[test]
fn every_answer_carries_the_security_headers() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let photo = a_photo(&demo);
    let style = http::attr_after(&anon.get_page("/login").body, "rel=\"stylesheet\"", "href")
        .expect("the login page links its style sheet");
    let answers = [
        ("the login page", anon.get_page("/login"), 200),
        ("a redirect to the login", anon.get_page("/"), 303),
        ("a script without a session", anon.get("/api/state"), 401),
        (
            "a 404 without a session",
            anon.get_page("/no-such-page"),
            404,
        ),
        ("the style sheet", anon.get(&style), 200),
        ("the guard screen", guard.get_page("/"), 200),
        ("a desk page", guard.get_page("/handover"), 200),
        ("the screen's JSON", guard.get("/api/state"), 200),
        ("a picture", guard.get(&format!("/files/{photo}")), 200),
        (
            "a missing picture",
            guard.get("/files/photos/none.jpg"),
            404,
        ),
        (
            "a 404 with a session",
            guard.get_page("/manage/nothing"),
            404,
        ),
        ("a page the guard may not open", guard.get_page("/log"), 403),
        (
            "a POST without the token",
            guard.post_json("/api/visitors", &serde_json::json!({}), false),
            403,
        ),
        (
            "a script's error",
            guard.post_json("/api/events/999999/confirm", &serde_json::json!({}), true),
            0,
        ),
        (
            "logging out (a redirect)",
            Http::login(&demo.base, "patrol", demo.password("patrol")).post_form(
                "/logout",
                &[],
                true,
            ),
            303,
        ),
    ];
    for (what, r, status) in &answers {
        if *status != 0 {
            assert_eq!(r.status, *status, "{what}: {}", r.body);
        } else {
            assert!(r.status >= 400, "{what}: {}", r.body);
        }
        assert_secured(r, what);
    }
}

/// The links of a page (its `href`s) to pages of the app.
fn links(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|l| l.replace("&amp;", "&"))
        .filter(|l| l.starts_with('/') && !l.starts_with("/assets/") && !l.starts_with("/files/"))
        .filter(|l| !l.ends_with(".csv") && !l.contains("export"))
        .collect()
}

/// A page's address with its numbers left out, so each kind of page is opened once.
fn kind(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// What in `page` is script or style written into the page: a `<script>` with a body (but a
/// JSON data block), a `<style>`, a `style` attribute, an `on…` handler, a `javascript:` link.
fn inline_code(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        let tag = &rest[at..tag_end];
        let close = rest[tag_end..]
            .find("</script>")
            .map_or(rest.len(), |e| tag_end + e);
        let body = &rest[tag_end..close];
        if !body.trim().is_empty() && !tag.contains("type=\"application/json\"") {
            found.push(format!("{tag}{}", &body[..body.len().min(80)]));
        }
        if tag.contains("src=\"") && !tag.contains("src=\"/assets/") {
            found.push(format!("a script from elsewhere: {tag}"));
        }
        rest = &rest[close.min(rest.len())..];
        if rest.starts_with("</script>") {
            rest = &rest["</script>".len()..];
        } else if rest.is_empty() {
            break;
        }
    }
    if page.contains("<style") {
        found.push("a <style> element".into());
    }
    // an attribute is ` name="`; text and attribute values have their quotes escaped
    for piece in page.split(" style=\"").skip(1) {
        found.push(format!("style=\"{}", &piece[..piece.len().min(40)]));
    }
    for (i, _) in page.match_indices(" on") {
        let name: String = page[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        if !name.is_empty() && page[i + 3 + name.len()..].starts_with("=\"") {
            found.push(format!("an on{name}= handler"));
        }
    }
    if page.contains("javascript:") {
        found.push("a javascript: link".into());
    }
    found
}

#[test]
fn no_page_of_any_role_has_inline_script_or_style() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let mut opened = 0;
    for (what, page) in [
        ("the login page", anon.get_page("/login")),
        ("the pairing page", anon.get_page("/kiosk")),
        ("a 404", anon.get_page("/no-such-page")),
    ] {
        assert!(page.status < 500, "{what}");
        assert_eq!(inline_code(&page.body), Vec::<String>::new(), "{what}");
        assert!(page.body.contains("/assets/style.css?v="), "{what}");
    }
    for login in DEMO_LOGINS {
        let user = Http::login(&demo.base, login, demo.password(login));
        // the menu's pages, then each kind of page they link to
        let home = user.get_page("/handover");
        let menu = &home.body[home.body.find("<nav class=\"menu\">").expect("a menu")..];
        let mut queue = links(&menu[..menu.find("</nav>").expect("the menu's end")]);
        let mut seen = BTreeSet::new();
        let mut depth = vec![0; queue.len()];
        while let Some(path) = queue.pop() {
            let level = depth.pop().unwrap_or(1);
            if !seen.insert(kind(&path)) {
                continue;
            }
            let r = user.get_page(&path);
            assert_secured(&r, &format!("{login}: {path}"));
            if !r.content_type.starts_with("text/html") {
                continue;
            }
            opened += 1;
            assert_eq!(
                inline_code(&r.body),
                Vec::<String>::new(),
                "{login}: GET {path} ({})",
                r.status
            );
            if level == 0 && r.status == 200 {
                for l in links(&r.body) {
                    queue.push(l);
                    depth.push(1);
                }
            }
        }
        // an error page of this user, and one of the app's refusals
        let missing = user.get_page("/manage/people/999999");
        assert_eq!(inline_code(&missing.body), Vec::<String>::new(), "{login}");
    }
    assert!(opened > 30, "only {opened} pages were opened");
    // the screen's data is a JSON block, which a browser never runs
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let screen = guard.get_page("/");
    assert!(
        screen
            .body
            .contains("<script id=\"gate-config\" type=\"application/json\">"),
        "{}",
        screen.body
    );
    assert!(screen.body.contains("<script src=\"/assets/screen.js?v="));
}

#[test]
fn the_token_in_the_address_is_refused_and_changes_nothing() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let token = guard.csrf.clone().expect("the guard's token");
    let visits = || {
        let (from, to) = (
            chrono::Utc::now() - chrono::Duration::days(1),
            chrono::Utc::now() + chrono::Duration::days(1),
        );
        store.visits(from, to).expect("visits").len()
    };
    let before = visits();
    let visitor = serde_json::json!({
        "room": "3-2-1502", "surname": "孙", "purpose": "visitor",
        "id_checked": true, "resident_confirmed": true
    });
    let json = guard.post_json(&format!("/api/visitors?csrf={token}"), &visitor, false);
    assert_eq!(json.status, 403, "{}", json.body);
    assert!(json.body.contains("请刷新页面"), "{}", json.body);
    let form = guard.post_form(
        &format!("/api/visitors?csrf={token}"),
        &[("room", "3-2-1502"), ("surname", "孙")],
        false,
    );
    assert_eq!(form.status, 403, "{}", form.body);
    let logout = guard.post_form(&format!("/logout?csrf={token}"), &[], false);
    assert_eq!(logout.status, 403, "{}", logout.body);
    assert_eq!(guard.get("/api/state").status, 200, "still logged in");
    assert_eq!(visits(), before, "nothing was registered");

    // an upload: the token in the address is refused, in the form's body it is taken
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let person = store.people().expect("people")[0].id;
    let page = manager.get_page(&format!("/manage/people/{person}"));
    let action =
        http::attr_after(&page.body, "id=\"upload-photos\"", "action").expect("the upload form");
    assert!(!action.contains("csrf"), "{action}");
    let text = [(
        "photos",
        "清单.jpg",
        "image/jpeg",
        b"a shopping list, not a photo\n".as_slice(),
    )];
    let in_query = format!("{action}?csrf={}", manager.csrf.as_deref().expect("token"));
    let refused = manager.post_multipart(&in_query, &text, false);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!refused.body.contains("不是可用的照片"), "{}", refused.body);
    let photos = store.photos(person).expect("photos").len();
    let taken = manager.post_multipart(&action, &text, true);
    assert_eq!(taken.status, 400, "{}", taken.body);
    assert!(
        taken.body.contains("不是可用的照片"),
        "the upload was read: {}",
        taken.body
    );
    assert_eq!(store.photos(person).expect("photos").len(), photos);
}

#[test]
fn files_follow_no_link_and_show_no_path() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let data = demo.data.to_string_lossy().into_owned();
    let photos = demo.data.join("photos");
    std::os::unix::fs::symlink("/etc/passwd", photos.join("passwd.jpg")).expect("a link");
    std::os::unix::fs::symlink("/etc", photos.join("etc")).expect("a folder link");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let first_line = passwd.lines().next().unwrap_or("root:x:0:0");
    for path in [
        "/files/photos/a%00.jpg",
        "/files/photos/a%0a.jpg",
        "/files/photos/passwd.jpg",
        "/files/photos/etc/passwd",
        "/files/photos/%2e%2e/gateward.sqlite",
        "/files/photos/..%2fgateward.sqlite",
        "/files/photos/%2fetc%2fpasswd",
    ] {
        for r in [guard.get(path), guard.get_page(path)] {
            assert!(
                r.status == 404 || r.status == 403 || r.status == 400,
                "GET {path}: {} {}",
                r.status,
                r.body
            );
            assert!(!r.body.contains(&data), "GET {path} shows the data folder");
            assert!(!r.body.contains("/etc"), "GET {path} shows a path");
            assert!(
                !r.body.contains(first_line) && !r.body.contains("root:"),
                "GET {path} shows the file"
            );
            assert!(
                !r.body.contains("os error") && !r.body.contains("NUL"),
                "GET {path} shows the system's error: {}",
                r.body
            );
            assert_secured(&r, path);
        }
    }
    assert_eq!(guard.get("/files/photos/a%00.jpg").status, 404);
    assert_eq!(guard.get("/files/photos/passwd.jpg").status, 404);
    // the real pictures are still served
    let photo = a_photo(&demo);
    let r = guard.get(&format!("/files/{photo}"));
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("image/"), "{}", r.content_type);
}

#[test]
fn style_and_scripts_are_files_kept_a_year_under_their_hash() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let anon = Http::new(&demo.base);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let screen = guard.get_page("/");
    let login = anon.get_page("/login");
    let addresses: BTreeSet<String> = [&screen.body, &login.body]
        .iter()
        .flat_map(|page| {
            page.split("\"/assets/")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(|a| format!("/assets/{}", a.replace("&amp;", "&")))
                .collect::<Vec<_>>()
        })
        .collect();
    for (name, kind) in [
        ("style.css", "text/css"),
        ("page.js", "text/javascript"),
        ("screen.js", "text/javascript"),
        ("training.js", "text/javascript"),
    ] {
        let address = addresses
            .iter()
            .find(|a| a.starts_with(&format!("/assets/{name}?v=")))
            .unwrap_or_else(|| panic!("{name} in the pages: {addresses:?}"));
        // without a session: the login page needs its style
        let r = anon.get(address);
        assert_eq!(r.status, 200, "{address}");
        assert!(
            r.content_type.starts_with(kind),
            "{address}: {}",
            r.content_type
        );
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{address}"
        );
        assert!(!r.body.is_empty());
        assert_secured(&r, address);
        // an old or missing hash is asked again each time
        let plain = anon.get(&format!("/assets/{name}"));
        assert_eq!(plain.status, 200);
        assert_eq!(plain.header("cache-control"), Some("no-cache"), "{name}");
        assert_eq!(plain.body, r.body);
    }
    let none = anon.get("/assets/nothing.js");
    assert_eq!(none.status, 404);
    assert_secured(&none, "a missing asset");
}

/// One answer read from `tcp`: its head and body (by its Content-Length); `None` when the
/// connection ends first.
fn one_answer(tcp: &mut std::net::TcpStream) -> Option<String> {
    use std::io::Read;
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match tcp.read(&mut byte) {
            Ok(1) => got.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    tcp.read_exact(&mut body).ok()?;
    got.extend(body);
    Some(String::from_utf8_lossy(&got).into_owned())
}

/// A POST the app refuses before its body is read (no session, no token, a handed-over
/// password), whose body comes a moment after its head, as from a slow phone or a loaded
/// machine: the app answers, and the connection stays open for the next request, as HTTP's
/// keep-alive promises. (It used to answer and close the connection with the body unread; a
/// client that sent its next POST on it got nothing back.)
#[test]
fn a_refused_post_leaves_the_connection_open_for_the_next_request() {
    use std::io::Write;
    use std::time::Duration;

    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    let address = demo
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let session = guard.cookie.clone().expect("the guard's session");
    for (what, cookie, status) in [
        ("without a session", String::new(), "401"),
        ("without the token", format!("Cookie: {session}\r\n"), "403"),
    ] {
        let mut tcp = std::net::TcpStream::connect(address).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let head = format!(
            "POST /api/visitors HTTP/1.1\r\nHost: {address}\r\n{cookie}\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"
        );
        tcp.write_all(head.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        tcp.write_all(b"{}").unwrap();
        let answer = one_answer(&mut tcp).unwrap_or_default();
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{what}: {answer}"
        );
        // the next request on the same connection
        let next = format!("GET /login HTTP/1.1\r\nHost: {address}\r\n\r\n");
        let sent = tcp.write_all(next.as_bytes());
        let answer = one_answer(&mut tcp);
        assert!(
            sent.is_ok()
                && answer
                    .as_deref()
                    .is_some_and(|a| a.starts_with("HTTP/1.1 200")),
            "{what}: the connection was closed after the refusal: {sent:?} {answer:?}"
        );
    }
}
