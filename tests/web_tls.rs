//! HTTPS: the guard's screen over TLS, as the patrol phones reach it on the compound's Wi-Fi.
//! A self-signed certificate made on first run, kept across restarts, its fingerprint printed;
//! a certificate given in the config served as it is; a wrong one stops the start with the
//! reason. Over TLS the cookies are `Secure` and the security headers are still on every answer.

mod common;
#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::io::{Read as _, Write as _};
use std::path::Path;

use demo::Demo;
use http::Http;

/// The SHA-256 fingerprint of the first certificate of a PEM file, as gateward prints it.
fn fingerprint_of(pem: &[u8]) -> String {
    let cert = ureq::tls::parse_pem(pem)
        .find_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .expect("a certificate");
    gateward::web::tls::fingerprint(cert.der())
}

/// What a plain-HTTP request to an HTTPS port gets back: never a page.
fn plain_http(addr: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .expect("timeout");
    let _ = stream.write_all(b"GET /login HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n");
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    String::from_utf8_lossy(&got).into_owned()
}

/// Every answer over TLS still carries the four headers.
fn assert_security_headers(r: &http::Reply) {
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("same-origin"));
}

#[test]
fn the_screen_is_served_over_https_with_a_self_signed_certificate_kept_across_restarts() {
    let data = tempfile::tempdir().expect("data folder");
    let folder = data.path().to_str().expect("a path");
    let demo = Demo::start_with(&["--cameras", "0", "--https", "--data", folder]);
    assert!(demo.base.starts_with("https://127.0.0.1:"), "{}", demo.base);
    let cert_file = data.path().join("tls/cert.pem");
    let pem = std::fs::read(&cert_file).expect("the certificate made in the data folder");
    let printed = demo.fingerprint.clone().expect("the fingerprint printed");
    assert_eq!(printed, fingerprint_of(&pem));
    assert_eq!(printed.len(), 95, "{printed}");

    // a client that trusts that certificate, and checks the address against it
    let guard = Http::trusting(&demo.base, &pem);
    let page = guard.get_page("/login");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    let r = guard.try_login("guard", demo.password("guard"));
    assert_eq!(r.status, 303, "{}", r.body);
    let session = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gw_session="))
        .expect("a session cookie");
    assert!(session.contains("Secure"), "{session}");
    let guard = Http::trusting(&demo.base, &pem).logged_in("guard", demo.password("guard"));
    let screen = guard.get_page("/");
    assert_eq!(screen.status, 200, "{}", screen.body);
    assert!(screen.body.contains("门岗"), "{}", screen.body);
    assert_security_headers(&screen);
    // the style sheet comes over TLS too
    let css = screen
        .body
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with("/assets/") && href.contains(".css"))
        .expect("a style sheet");
    assert_eq!(guard.get_page(css).status, 200);

    // a browser that was not told of the certificate refuses it: it is checked, not ignored
    let untrusting = ureq::get(demo.url("/login")).call();
    assert!(untrusting.is_err(), "{untrusting:?}");
    // plain HTTP on the same port gets no page and no cookie
    let addr = demo.base.trim_start_matches("https://").to_owned();
    let answer = plain_http(&addr);
    assert!(!answer.contains("gw_"), "{answer}");
    assert!(!answer.contains("<html"), "{answer}");

    // started again on the same data folder: the same certificate, so the phones that accepted
    // it are not asked again
    let stopped = demo.stop();
    assert!(stopped.is_some_and(|(s, _)| s.success()), "{stopped:?}");
    let again = Demo::start_with(&["--cameras", "0", "--https", "--data", folder]);
    assert_eq!(again.fingerprint.as_deref(), Some(printed.as_str()));
    assert_eq!(std::fs::read(&cert_file).expect("kept"), pem);
    let page = Http::trusting(&again.base, &pem).get_page("/login");
    assert_eq!(page.status, 200);
}

/// A certificate and key made as the compound's IT would hand them over.
fn certificate(dir: &Path, name: &str, hosts: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().expect("a key");
    let params =
        rcgen::CertificateParams::new(hosts.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())
            .expect("names");
    let cert = params.self_signed(&key).expect("a certificate");
    let (c, k) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&c, cert.pem()).expect("write");
    std::fs::write(&k, key.serialize_pem()).expect("write");
    (c, k)
}

fn config(dir: &Path, cert: &Path, key: &Path) -> std::path::PathBuf {
    let path = dir.join("gateward.toml");
    std::fs::write(
        &path,
        format!(
            "[web]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            cert.display(),
            key.display()
        ),
    )
    .expect("write the config");
    path
}

#[test]
fn a_certificate_given_in_the_config_is_served_and_a_wrong_one_stops_the_start() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key) = certificate(dir.path(), "gate", &["localhost", "127.0.0.1"]);
    let (_, other_key) = certificate(dir.path(), "other", &["localhost"]);
    let pem = std::fs::read(&cert).expect("cert");

    let good = config(dir.path(), &cert, &key);
    let demo = Demo::start_with(&["--cameras", "0", "--config", good.to_str().expect("path")]);
    assert!(demo.base.starts_with("https://"), "{}", demo.base);
    assert_eq!(
        demo.fingerprint.as_deref(),
        Some(fingerprint_of(&pem).as_str())
    );
    let manager = Http::trusting(&demo.base, &pem).logged_in("manager", demo.password("manager"));
    let people = manager.get_page("/manage/people");
    assert_eq!(people.status, 200, "{}", people.body);
    assert_security_headers(&people);
    drop(demo);

    // the key of another certificate, a missing file, a text file: the start stops at once
    // with one line that names the file and what to do, and nothing is served
    let missing = dir.path().join("nowhere.pem");
    let text = dir.path().join("readme.txt");
    std::fs::write(&text, "ask the IT department for the certificate\n").expect("write");
    for (c, k, says) in [
        (&cert, &other_key, "do not go together"),
        (&missing, &key, "nowhere.pem"),
        (&cert, &text, "holds no private key"),
        (&text, &key, "holds no certificate"),
    ] {
        let bad = config(dir.path(), c, k);
        let out = common::gateward(
            &[
                "--config",
                bad.to_str().expect("path"),
                "demo",
                "--cameras",
                "0",
                "--seconds",
                "5",
                "--listen",
                "127.0.0.1:0",
            ],
            &[],
        );
        assert!(!out.status.success(), "{}", common::stdout(&out));
        let line = common::assert_one_line_error(&out);
        assert!(line.contains(says), "{says}: {line}");
        assert!(line.contains("HTTPS"), "{line}");
        assert!(
            !common::stdout(&out).contains("guard screen"),
            "{}",
            common::stdout(&out)
        );
    }
}
