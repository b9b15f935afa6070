//! `gateward demo` started for a web test: its address, logins and data folder read from what
//! it prints; stopped (SIGINT, as Ctrl-C) when dropped.

#![allow(dead_code)] // each test file uses its own part of the harness

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The logins the demo prints, one for each role.
pub const DEMO_LOGINS: [&str; 5] = ["guard", "leader", "patrol", "manager", "admin"];

pub struct Demo {
    child: Child,
    /// http://127.0.0.1:PORT
    pub base: String,
    pub data: PathBuf,
    /// login → password
    pub logins: HashMap<String, String>,
    /// Over HTTPS: the certificate's SHA-256 fingerprint it printed.
    pub fingerprint: Option<String>,
    /// The lines printed after the banner (events), as they come.
    pub lines: mpsc::Receiver<String>,
}

impl Demo {
    /// The demo with its five cameras.
    #[allow(dead_code)]
    pub fn start() -> Demo {
        Demo::start_with(&[])
    }

    /// The demo with more options, e.g. `["--cameras", "0"]` for the pages without cameras.
    pub fn start_with(extra: &[&str]) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gateward"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["demo", "--listen", "127.0.0.1:0", "--seconds", "900"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gateward demo");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut base, mut data, mut logins) = (None, None, HashMap::new());
        let mut fingerprint = None;
        let deadline = Instant::now() + Duration::from_secs(120);
        while base.is_none() || data.is_none() || logins.len() < DEMO_LOGINS.len() {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("gateward demo printed its address, data folder and logins in time");
            let line = lines.recv_timeout(left).expect("gateward demo is running");
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("门岗屏 guard screen: ") {
                base = Some(rest.trim_end_matches('/').to_owned());
            } else if let Some(rest) = l.strip_prefix("证书指纹 certificate SHA-256: ") {
                fingerprint = Some(rest.trim().to_owned());
            } else if let Some(rest) = l.strip_prefix("数据目录 data folder: ") {
                data = Some(PathBuf::from(rest));
            } else if let Some((login, rest)) = l.split_once(" / ")
                && DEMO_LOGINS.contains(&login)
            {
                let password = rest.split_whitespace().next().expect("password");
                logins.insert(login.to_owned(), password.to_owned());
            }
        }
        Demo {
            child,
            base: base.expect("address"),
            data: data.expect("data folder"),
            logins,
            fingerprint,
            lines,
        }
    }

    /// The demo's process id (to read its memory in /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn password(&self, login: &str) -> &str {
        &self.logins[login]
    }

    /// The records, opened beside the running demo.
    pub fn store(&self) -> gateward::store::Store {
        gateward::store::Store::open(gateward::store::database_path(&self.data)).expect("records")
    }
}

impl Demo {
    /// Stops the demo as Ctrl-C does; how it ended and how long it took, or `None` when it had
    /// not ended after 10 s (it is then killed).
    pub fn stop(mut self) -> Option<(std::process::ExitStatus, Duration)> {
        let began = Instant::now();
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        while began.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some((status, began.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
