//! A logged-in (or not) HTTP client for the web tests: ureq with redirects off, the session
//! cookie and the page's anti-forgery token carried by hand.

#![allow(dead_code)] // each test file uses its own part of the harness

use ureq::Agent;

pub struct Http {
    agent: Agent,
    pub base: String,
    /// "gw_session=…" once logged in.
    pub cookie: Option<String>,
    /// The session's anti-forgery token (from a page's meta tag).
    pub csrf: Option<String>,
}

/// Status, headers we care about, body.
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    /// Every header of the answer.
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The answer's header `name`, if it has one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn agent() -> Agent {
    Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// An agent for HTTPS that trusts exactly the certificates in `cert_pem` (the one under test),
/// and checks the host name against them as a browser would.
fn agent_trusting(cert_pem: &[u8]) -> Agent {
    let certs: Vec<_> = ureq::tls::parse_pem(cert_pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    assert!(!certs.is_empty(), "a certificate in the PEM given");
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)))
        .build();
    Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into()
}

fn reply(mut r: ureq::http::Response<ureq::Body>) -> Reply {
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    let content_type = header("content-type").unwrap_or_default();
    let set_cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        location,
        set_cookies,
        content_type,
        headers,
        body,
    }
}

/// The value of `name="…"`'s `value` / a meta tag's `content` in a page.
pub fn attr_after(page: &str, marker: &str, attr: &str) -> Option<String> {
    let at = page.find(marker)?;
    let rest = &page[at..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            agent: agent(),
            base: base.to_owned(),
            cookie: None,
            csrf: None,
        }
    }

    /// An HTTPS client of `base` trusting only the certificate(s) in `cert_pem`.
    pub fn trusting(base: &str, cert_pem: &[u8]) -> Http {
        Http {
            agent: agent_trusting(cert_pem),
            ..Http::new(base)
        }
    }

    /// Logs in through the login page as a browser would; panics when it fails.
    pub fn login(base: &str, login: &str, password: &str) -> Http {
        Http::new(base).logged_in(login, password)
    }

    /// Logs this client in through the login page; panics when it fails.
    pub fn logged_in(mut self, login: &str, password: &str) -> Http {
        let h = &mut self;
        let r = h.try_login(login, password);
        assert_eq!(r.status, 303, "login as {login}: {}", r.body);
        let session = r
            .set_cookies
            .iter()
            .find(|c| c.starts_with("gw_session="))
            .expect("a session cookie");
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Strict"), "{session}");
        h.cookie = Some(cookie_pair(session));
        // the screen, or the page a handed-over password must be changed on first
        let page = h.get_page(r.location.as_deref().unwrap_or("/"));
        assert_eq!(page.status, 200, "{}", page.body);
        h.csrf = attr_after(&page.body, "name=\"csrf-token\"", "content");
        assert!(h.csrf.is_some(), "the screen carries the session's token");
        self
    }

    /// Posts the login form with the login page's token; the reply as it comes.
    pub fn try_login(&self, login: &str, password: &str) -> Reply {
        let page = reply(
            self.agent
                .get(format!("{}/login", self.base))
                .header("accept", "text/html")
                .call()
                .expect("GET /login"),
        );
        let token = attr_after(&page.body, "name=\"csrf\"", "value").expect("login form token");
        let cookie = page
            .set_cookies
            .iter()
            .find(|c| c.starts_with("gw_login="))
            .map(|c| cookie_pair(c))
            .expect("login cookie");
        reply(
            self.agent
                .post(format!("{}/login", self.base))
                .header("cookie", &cookie)
                .send_form([
                    ("login", login),
                    ("password", password),
                    ("csrf", token.as_str()),
                ])
                .expect("POST /login"),
        )
    }

    fn with_cookie<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.cookie {
            Some(c) => req.header("cookie", c),
            None => req,
        }
    }

    /// GET as a browser asking for a page.
    pub fn get_page(&self, path: &str) -> Reply {
        let req = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html");
        reply(self.with_cookie(req).call().expect("GET"))
    }

    /// GET as a script (no HTML wanted).
    pub fn get(&self, path: &str) -> Reply {
        let req = self.agent.get(format!("{}{path}", self.base));
        reply(self.with_cookie(req).call().expect("GET"))
    }

    /// POSTs a form; the session's token is added as the `csrf` field when `with_token`.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)], with_token: bool) -> Reply {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if with_token && let Some(t) = &self.csrf {
            all.push(("csrf", t.as_str()));
        }
        let req = self.agent.post(format!("{}{path}", self.base));
        reply(self.with_cookie(req).send_form(all).expect("POST form"))
    }

    /// POSTs JSON; the token goes in the x-csrf-token header when `with_token`.
    pub fn post_json(&self, path: &str, body: &serde_json::Value, with_token: bool) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if with_token && let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t);
        }
        reply(
            self.with_cookie(req)
                .send(body.to_string())
                .expect("POST json"),
        )
    }

    /// POSTs files as `multipart/form-data`, as a browser's file input sends them (the body
    /// built here by hand: ureq is built without its multipart feature). `files`: (field, file
    /// name, content type, bytes). With `with_token`, the session's token goes first, in the
    /// form's hidden `csrf` field, as the upload forms send it.
    pub fn post_multipart(
        &self,
        path: &str,
        files: &[(&str, &str, &str, &[u8])],
        with_token: bool,
    ) -> Reply {
        const BOUNDARY: &str = "----gateward-test-3f9c1e7a5b2d";
        let mut body = Vec::new();
        if with_token && let Some(t) = &self.csrf {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, name, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                     filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            );
        reply(
            self.with_cookie(req)
                .send(&body[..])
                .expect("POST multipart"),
        )
    }
}
