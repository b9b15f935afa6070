//! Helpers shared by the integration tests: run the real binary, find the repository's model
//! pack and fixtures, and the shared plate photos when they are present.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use gateward::vision::runtime::Runtime;

/// ONNX Runtime allows one environment per process: the tests of a test binary share it.
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::init(None).expect("ONNX Runtime (run scripts/setup)"))
}

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's model pack.
pub fn models() -> PathBuf {
    repo().join("models")
}

/// A photo from `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

/// Whether the tests run on CI (`CI=true`, as CI services and `.ci/run` set it): there, every
/// dependency of the tests has been installed by `scripts/setup`, so a missing one is a failure.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1"))
}

/// The running test's name (libtest names each test's thread after it), else `fallback`.
fn test_name(fallback: &str) -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => fallback.to_owned(),
    }
}

/// A test's real dependency, `what`, is not here; `how` says how to get it. Under `CI=true`
/// this fails the test (panics): CI must not pass by running nothing. Elsewhere it writes
/// `SKIPPED <test>: missing …` to stderr and the caller returns early.
///
/// The line is written to stderr directly, not through `eprintln!`, which the test harness
/// captures and shows only for failing tests: a skip must show in the output of `cargo test`.
pub fn missing(what: &str, how: &str) {
    missing_in(&test_name("a test"), what, how);
}

fn missing_in(test: &str, what: &str, how: &str) {
    if on_ci() {
        panic!("{test}: missing {what}, and CI=true says every test must run ({how})");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: missing {what} ({how})");
}

/// A test that cannot be run here for a reason no installation changes (e.g. the user is root,
/// who can write read-only files): says so on stderr, shown by the test runner, even on CI.
/// A missing program or file is [`missing`], not this.
pub fn cannot_run(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {}: {why}", test_name("a test"));
}

/// The GPL-3.0 Chinese plate photos, which live beside the repository (`../shared`) and are
/// never copied into it. `None` when they are absent, after [`missing`] (a failure on CI).
pub fn shared_plates(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GATEWARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
        .join("fixtures/plates-cn");
    if dir.join("labels.tsv").is_file() {
        Some(dir)
    } else {
        missing_in(
            &test_name(test),
            &format!("the Chinese plate photos at {}", dir.display()),
            "set GATEWARD_SHARED to the shared folder that holds fixtures/plates-cn",
        );
        None
    }
}

/// Whether ffmpeg runs here; when not, [`missing`] (a failure on CI).
pub fn has_ffmpeg() -> bool {
    let ok = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        missing("ffmpeg", "scripts/setup installs it");
    }
    ok
}

/// Whether ffmpeg here has the encoder `name` (libx264, libx265…).
pub fn has_encoder(name: &str) -> bool {
    std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .any(|w| w == name)
        })
}

/// Runs the gateward binary with a throw-away data folder and no config file from the
/// developer's directory.
pub fn gateward(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().expect("temp dir");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gateward"));
    cmd.current_dir(data.path())
        .arg("--data")
        .arg(data.path())
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run gateward")
}

/// Runs the gateward binary on the data folder `data` (kept between calls, so a test can enrol
/// and then recognise), from inside it so no developer's config file is read.
pub fn gateward_in(data: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gateward"))
        .current_dir(data)
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run gateward")
}

/// `gateward enroll ARGS` on the data folder `data` with the person's consent to face collection
/// (本人, written); it must succeed. Its standard output.
pub fn enroll(data: &Path, args: &[&str]) -> String {
    let consent = ["--consent-by", "本人", "--consent-how", "written"];
    let out = gateward_in(data, &[&["enroll"], &consent[..], args].concat());
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// Runs the gateward binary as [`gateward_in`] does and measures it: its output, and the most
/// memory it held at any moment (its peak resident set, in MB, as the kernel counted it).
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives the peak
pub fn gateward_in_peak(data: &Path, args: &[&str]) -> (Output, f64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gateward"))
        .current_dir(data)
        .arg("--data")
        .arg(data)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run gateward");
    let read_all = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = read_all(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read_all(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals; `child` is not waited for
    // again (dropping it does not wait)
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    };
    // Linux counts ru_maxrss in kilobytes
    (output, usage.ru_maxrss as f64 / 1024.0)
}

/// A whole, valid PNG of `width`×`height` black pixels, made here: a 10000×10000 one is about
/// 300 KB, and 300 MB of pixels to a decoder that believes its header.
pub fn huge_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_compression(png::Compression::High);
    let mut writer = enc.write_header().expect("png header");
    let mut rows = writer.stream_writer().expect("png rows");
    let row = vec![0u8; width as usize * 3];
    for _ in 0..height {
        rows.write_all(&row).expect("png row");
    }
    rows.finish().expect("png data");
    writer.finish().expect("png end");
    png
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An error a user can act on: exit status non-zero, exactly one line on stderr starting with
/// "error:", no panic or backtrace.
pub fn assert_one_line_error(o: &Output) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(
        !err.to_lowercase().contains("backtrace"),
        "backtrace: {err}"
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    lines[0].to_owned()
}

/// Copies the model pack into a temp folder so a test can damage it.
pub fn copy_models() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(models()).expect("models/") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

/// 2026-11-28 at `h`:`m` UTC: the instant the store tests work around.
pub fn t(h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap()
}

/// A records database in `dir` whose clock stands at 01:00 UTC.
pub fn open(dir: &Path) -> gateward::store::Store {
    gateward::store::Store::open_with_clock(
        dir.join("gateward.sqlite"),
        std::sync::Arc::new(gateward::clock::SimulatedClock::new(t(1, 0))),
    )
    .unwrap()
}

/// Adds a household (as "admin") and returns its id.
pub fn household(store: &gateward::store::Store, code: &str) -> i64 {
    store
        .upsert_household(
            "admin",
            gateward::store::NewHousehold {
                code: code.into(),
                notes: String::new(),
            },
        )
        .unwrap()
}

/// A gateward process running in the background (`run`, or `replay` of a camera), its stdout
/// and stderr read line by line as they come.
pub struct Running {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    errors: std::sync::mpsc::Receiver<String>,
    said: Vec<String>,
}

impl Running {
    /// Starts gateward on the data folder `data`, from inside it.
    pub fn start(data: &Path, args: &[&str]) -> Running {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gateward"))
            .current_dir(data)
            .arg("--data")
            .arg(data)
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gateward");
        let read = |pipe: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let lines = read(Box::new(child.stdout.take().expect("stdout")));
        let errors = read(Box::new(child.stderr.take().expect("stderr")));
        Running {
            child,
            lines,
            errors,
            said: Vec::new(),
        }
    }

    /// The next JSON event for which `wanted` holds, waiting at most `limit`.
    pub fn next_event(
        &self,
        limit: std::time::Duration,
        wanted: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let deadline = std::time::Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            let line = self.lines.recv_timeout(left).ok()?;
            let Ok(e) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if wanted(&e) {
                return Some(e);
            }
        }
        None
    }

    /// Forgets the events printed so far.
    pub fn skip_printed(&self) {
        while self.lines.try_recv().is_ok() {}
    }

    /// Everything written to stderr so far.
    pub fn stderr(&mut self) -> &[String] {
        self.said.extend(self.errors.try_iter());
        &self.said
    }

    /// Stops it with SIGTERM (as systemd does) and waits up to 20 s; returns whether it exited
    /// cleanly and its stderr.
    pub fn terminate(mut self) -> (bool, Vec<String>) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                _ => break None,
            }
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        let said = self.stderr().to_vec();
        (status.is_some_and(|s| s.success()), said)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
pub mod postgres;
