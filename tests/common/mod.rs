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

/// The GPL-3.0 Chinese plate photos, which live beside the repository (`../shared`) and are
/// never copied into it. `None`, with a note on stderr, when they are absent.
pub fn shared_plates(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GATEWARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
        .join("fixtures/plates-cn");
    if dir.join("labels.tsv").is_file() {
        Some(dir)
    } else {
        // Written to stderr directly, not through eprintln!, so the test harness does not
        // swallow it: a skip must show in the CI log.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: the Chinese plate photos are not at {} (set GATEWARD_SHARED to the shared folder)",
            dir.display()
        );
        None
    }
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
