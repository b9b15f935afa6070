//! `gateward bench plates`: plate reading time on this machine, per photo of the plate folder
//! and for one plate in a 1920×1080 frame (detect, rectify + read, colour), and, with
//! `--baseline`, agentclpr's own Python pipeline on the same photos in the same run, side by
//! side with the ratio.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use comfy_table::Table;

use super::bench::{PlatesArgs, median, on_canvas};
use crate::config::Config;
use crate::vision::image_ops;
use crate::vision::manifest::Manifest;
use crate::vision::plate_detect::{PlateDetectConfig, PlateDetector};
use crate::vision::plate_read::PlateReader;
use crate::vision::plates::{LOW_SCORE, PlateChain};
use crate::vision::runtime::Runtime;

/// Runs the benchmark.
pub fn run(config: &Config, args: &PlatesArgs) -> anyhow::Result<()> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("../shared/fixtures/plates-cn"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| {
            format!(
                "cannot read the plate photos in {} (name the folder with --dir)",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no .jpg or .png photos in {}", dir.display());
    }
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load(&config.paths.models)?;
    let threads = config.vision.threads;
    let mut chain = PlateChain::load(&runtime, &manifest, threads, config.vision.plate_detect())?;

    // Per photo: the whole plate chain, as analyze runs it.
    let mut ours: Vec<(String, f64, usize)> = Vec::new();
    for file in &files {
        let img = image_ops::open(file)?;
        let mut times = Vec::new();
        let mut found = 0;
        for run in 0..=args.runs {
            let t = Instant::now();
            found = chain.plates(&img)?.len();
            if run > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        times.sort_by(f64::total_cmp);
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        ours.push((name, median(&times), found));
    }

    // One plate in a 1920×1080 frame, stage by stage.
    let sample = files
        .iter()
        .find(|f| f.ends_with("cn-dev-19.jpg"))
        .unwrap_or(&files[0]);
    let frame = on_canvas(&image_ops::open(sample)?, (1920, 1080))?;
    let mut detector = PlateDetector::load(
        &runtime,
        &manifest,
        threads,
        PlateDetectConfig {
            score_threshold: LOW_SCORE,
            ..config.vision.plate_detect()
        },
    )?;
    let mut reader = PlateReader::load(&runtime, &manifest, threads)?;
    let (mut detect_ms, mut read_ms, mut total_ms) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..=args.runs.max(5) {
        let t0 = Instant::now();
        let plates = detector.detect(&frame)?;
        let t1 = Instant::now();
        let best = plates
            .first()
            .context("no plate found in the sample frame")?;
        std::hint::black_box(reader.read(&frame, best)?);
        let t2 = Instant::now();
        if run > 0 {
            detect_ms.push((t1 - t0).as_secs_f64() * 1e3);
            read_ms.push((t2 - t1).as_secs_f64() * 1e3);
            total_ms.push((t2 - t0).as_secs_f64() * 1e3);
        }
    }
    for v in [&mut detect_ms, &mut read_ms, &mut total_ms] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "gateward bench plates: {} photos of {}, {threads} threads per model, {} runs each",
        files.len(),
        dir.display(),
        args.runs
    );
    let mut table = Table::new();
    table.set_header(["one plate in a 1920×1080 frame", "median ms", "slowest ms"]);
    let detect_stage = format!(
        "detect (frame shrunk to {} px)",
        config.vision.plate_detect_side
    );
    for (stage, v) in [
        (detect_stage.as_str(), &detect_ms),
        ("rectify + read (both readers, grammar)", &read_ms),
        ("total", &total_ms),
    ] {
        table.add_row([
            stage.to_owned(),
            format!("{:.1}", median(v)),
            format!("{:.1}", v.last().copied().unwrap_or(0.0)),
        ]);
    }
    println!("{table}");

    let baseline = if args.baseline {
        Some(agentclpr(&dir, args.runs)?)
    } else {
        None
    };
    let mut table = Table::new();
    let mut header = vec!["photo", "plates read", "gateward ms"];
    if baseline.is_some() {
        header.extend(["agentclpr ms", "ratio"]);
    }
    table.set_header(header);
    let mut ratios = Vec::new();
    for (name, ms, found) in &ours {
        let mut row = vec![name.clone(), found.to_string(), format!("{ms:.1}")];
        if let Some(b) = &baseline {
            match b.iter().find(|(n, _)| n == name) {
                Some((_, theirs)) => {
                    row.push(format!("{theirs:.1}"));
                    row.push(format!("{:.1}×", theirs / ms));
                    ratios.push(theirs / ms);
                }
                None => row.extend(["error".to_owned(), String::new()]),
            }
        }
        table.add_row(row);
    }
    println!("{table}");
    let mut ours_ms: Vec<f64> = ours.iter().map(|o| o.1).collect();
    ours_ms.sort_by(f64::total_cmp);
    print!("median per photo: gateward {:.1} ms", median(&ours_ms));
    if let Some(b) = &baseline {
        let mut theirs: Vec<f64> = b.iter().map(|o| o.1).collect();
        theirs.sort_by(f64::total_cmp);
        ratios.sort_by(f64::total_cmp);
        print!(
            ", agentclpr {:.1} ms: gateward is {:.1}× faster (median of per-photo ratios {:.1}×)",
            median(&theirs),
            median(&theirs) / median(&ours_ms),
            median(&ratios)
        );
    }
    println!();
    Ok(())
}

/// agentclpr's per-photo median times, from `tools/bench/plates_agentclpr.py` run now.
fn agentclpr(dir: &Path, runs: u32) -> anyhow::Result<Vec<(String, f64)>> {
    let python = Path::new("tools/bench/.work/venv/bin/python");
    if !python.is_file() {
        bail!(
            "agentclpr's Python pipeline is not set up: run tools/bench/setup-python in the \
             gateward folder first"
        );
    }
    let out_file =
        std::env::temp_dir().join(format!("gateward-agentclpr-{}.json", std::process::id()));
    let status = Command::new(python)
        .arg("tools/bench/plates_agentclpr.py")
        .arg(dir)
        .arg("--runs")
        .arg(runs.to_string())
        .arg("--json")
        .arg(&out_file)
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot start tools/bench/plates_agentclpr.py")?;
    if !status.success() {
        bail!("tools/bench/plates_agentclpr.py failed ({status})");
    }
    let text = std::fs::read_to_string(&out_file)?;
    let _ = std::fs::remove_file(&out_file);
    let json: serde_json::Value = serde_json::from_str(&text)?;
    Ok(json["images"]
        .as_array()
        .map(|images| {
            images
                .iter()
                .filter(|i| i["error"].is_null())
                .filter_map(|i| Some((i["file"].as_str()?.to_owned(), i["ms"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default())
}
