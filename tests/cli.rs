//! The command line as a user meets it: `gateward check` on the real runtime and model pack,
//! and one clear line when the runtime, a model or the config is wrong.

mod common;

use common::{assert_one_line_error, copy_models, gateward, stderr, stdout};

#[test]
fn check_runs_every_model_on_real_photos_and_says_ok() {
    let out = gateward(&["check"], &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    for role in [
        "face_detect",
        "face_embed",
        "plate_detect",
        "plate_read",
        "text_read",
        "vehicle_detect",
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(role))
            .unwrap_or_else(|| panic!("no row for {role}: {text}"));
        assert!(line.contains(" ok "), "{line}");
    }
    assert!(text.contains("face found"), "{text}");
    assert!(text.contains("2 people"), "{text}");
    // both readers read the Czech plate of the car photo exactly
    assert_eq!(text.matches("read as \"5AU5341\"").count(), 2, "{text}");
    assert!(text.contains("all 6 models ok"), "{text}");
}

#[test]
fn missing_runtime_names_the_file_and_scripts_setup() {
    let out = gateward(
        &["check"],
        &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")],
    );
    let line = assert_one_line_error(&out);
    assert!(
        line.contains("/nonexistent/libonnxruntime.so.1.31.1"),
        "{line}"
    );
    assert!(line.contains("scripts/setup"), "{line}");
}

#[test]
fn corrupt_runtime_names_the_file_and_scripts_setup() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&lib, b"this is not a shared library").unwrap();
    let out = gateward(&["check"], &[("ORT_DYLIB_PATH", lib.to_str().unwrap())]);
    let line = assert_one_line_error(&out);
    assert!(line.contains(lib.to_str().unwrap()), "{line}");
    assert!(line.contains("scripts/setup"), "{line}");
}

#[test]
fn corrupt_model_is_refused_with_its_name_and_the_fix_while_the_others_pass() {
    let pack = copy_models();
    let target = pack.path().join("clp_v2_c_rec.onnx");
    let mut bytes = std::fs::read(&target).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&target, bytes).unwrap();
    let out = gateward(&["--models", pack.path().to_str().unwrap(), "check"], &[]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("plate_read"), "{line}");
    assert!(line.contains("clp_v2_c_rec.onnx"), "{line}");
    assert!(line.contains("damaged or was replaced"), "{line}");
    assert!(line.contains("tools/models/build"), "{line}");
    let text = stdout(&out);
    assert_eq!(text.matches(" ok ").count(), 5, "{text}");
    assert!(text.contains("1 of 6 models failed"), "{text}");
}

#[test]
fn deleted_model_is_named_as_missing() {
    let pack = copy_models();
    std::fs::remove_file(pack.path().join("mobilefacenet.onnx")).unwrap();
    let out = gateward(&["--models", pack.path().to_str().unwrap(), "check"], &[]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("mobilefacenet.onnx is missing"), "{line}");
    assert!(line.contains("git checkout -- models/"), "{line}");
}

#[test]
fn missing_manifest_tells_where_to_point_models() {
    let empty = tempfile::tempdir().unwrap();
    let out = gateward(&["--models", empty.path().to_str().unwrap(), "check"], &[]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("manifest.toml"), "{line}");
    assert!(line.contains("--models"), "{line}");
}

#[test]
fn options_override_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gate.toml");
    std::fs::write(
        &cfg,
        "[gate]\nname = \"东门\"\ntime_zone = \"Asia/Urumqi\"\n[paths]\ndata = \"records\"\nmodels = \"pack\"\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let out = gateward(&["--config", cfg, "--models", "/opt/pack", "config"], &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("东门"), "{text}");
    assert!(text.contains("Asia/Urumqi"), "{text}");
    assert!(text.contains("/opt/pack"), "{text}");
    // gateward() passes a throw-away --data, which wins over the file's "records"
    assert!(!text.contains("records"), "{text}");
}

#[test]
fn bad_config_is_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gate.toml");
    std::fs::write(&cfg, "[gate]\ntimezone = \"Asia/Shanghai\"\n").unwrap();
    let out = gateward(&["--config", cfg.to_str().unwrap(), "config"], &[]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("timezone"), "{line}");
}

#[test]
fn help_lists_commands_with_chinese_names() {
    let out = gateward(&["--help"], &[]);
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(text.contains("check"), "{text}");
    assert!(text.contains("检查"), "{text}");
    assert!(text.contains("--models"), "{text}");
}
