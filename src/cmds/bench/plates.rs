//! `gateward bench plates`: plate reading time on this machine, per photo of the plate folder
//! and for one plate in a 1920×1080 frame (detect, rectify + read, colour), and, with
//! `--baseline`, agentclpr's own Python pipeline on the same photos in the same run, side by
//! side with the ratio: as shipped, and with gateward's ONNX Runtime session settings. The last
//! line holds the figures as `name=value`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use comfy_table::Table;

use super::measure::{median, on_canvas};
use crate::config::Config;
use crate::vision::decode;
use crate::vision::manifest::Manifest;
use crate::vision::plate_detect::PlateDetector;
use crate::vision::plate_read::{PlateReader, ReadBy};
use crate::vision::plates::PlateChain;
use crate::vision::runtime::Runtime;

/// Options of `bench plates`.
#[derive(Debug, clap::Args)]
pub struct PlatesArgs {
    /// Folder of plate photos [default: ../shared/fixtures/plates-cn]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Timed runs per photo (after one warm-up run)
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Also run agentclpr's own Python pipeline on the same photos, in this run, and print the
    /// ratio (needs `tools/bench/setup-python` done once)
    #[arg(long)]
    pub baseline: bool,
}

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
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    let threads = config.vision.threads;
    let mut chain = PlateChain::load(&runtime, &manifest, threads, config.vision.plate_detect())?;

    // Per photo: the whole plate chain, as analyze runs it.
    let mut ours: Vec<(String, f64, usize)> = Vec::new();
    for file in &files {
        let img = decode::open(file, &config.images)?;
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

    // One plate in a 1920×1080 frame, stage by stage: every photo placed on a 1080p frame at
    // its own size (shrunk if larger, never enlarged: an enlarged plate is a blurred one), its
    // best plate detected and read.
    let mut detector =
        PlateDetector::load(&runtime, &manifest, threads, config.vision.plate_detect())?;
    let mut reader = PlateReader::load(&runtime, &manifest, threads)?;
    // per photo: median detect, read and total ms
    let mut per_photo: Vec<[f64; 3]> = Vec::new();
    let mut by_text_reader_alone = 0;
    for file in &files {
        let frame = on_canvas(&decode::open(file, &config.images)?, (1920, 1080), false)?;
        let mut stages = [Vec::new(), Vec::new(), Vec::new()];
        for run in 0..=args.runs {
            let t0 = Instant::now();
            let plates = detector.detect(&frame)?;
            let t1 = Instant::now();
            let Some(best) = plates.first() else {
                break;
            };
            let read = std::hint::black_box(reader.read(&frame, best)?);
            let t2 = Instant::now();
            if run == 0 {
                by_text_reader_alone +=
                    usize::from(read.is_some_and(|r| r.read_by == ReadBy::TextReader));
            } else {
                stages[0].push((t1 - t0).as_secs_f64() * 1e3);
                stages[1].push((t2 - t1).as_secs_f64() * 1e3);
                stages[2].push((t2 - t0).as_secs_f64() * 1e3);
            }
        }
        if stages[2].is_empty() {
            continue;
        }
        per_photo.push(stages.map(|mut v| {
            v.sort_by(f64::total_cmp);
            median(&v)
        }));
    }
    let stage = |i: usize| {
        let mut v: Vec<f64> = per_photo.iter().map(|p| p[i]).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (detect_ms, read_ms, total_ms) = (stage(0), stage(1), stage(2));
    println!(
        "gateward bench plates: {} photos of {}, {threads} threads per model, {} runs each",
        files.len(),
        dir.display(),
        args.runs
    );
    println!(
        "one plate in a 1920×1080 frame: the {} photos with a plate, each on a 1080p frame at its \
         own size; {by_text_reader_alone} of their plates were read by PP-OCR alone (sure \
         enough to skip the plate reader)",
        per_photo.len()
    );
    let mut table = Table::new();
    table.set_header([
        "one plate in a 1920×1080 frame",
        "median over photos, ms",
        "slowest photo, ms",
    ]);
    let detect_stage = format!(
        "detect (frame shrunk to {} px)",
        config.vision.plate_detect_side
    );
    for (stage, v) in [
        (detect_stage.as_str(), &detect_ms),
        ("rectify + read (readers, grammar)", &read_ms),
        ("total", &total_ms),
    ] {
        table.add_row([
            stage.to_owned(),
            format!("{:.1}", median(v)),
            format!("{:.1}", v.last().copied().unwrap_or(0.0)),
        ]);
    }
    println!("{table}");

    // agentclpr as shipped (its sessions as it makes them) and with gateward's session
    // settings, each run now on the same photos
    let baselines: Vec<(&str, Vec<(String, f64)>)> = if args.baseline {
        vec![
            ("shipped", agentclpr(&dir, args.runs, "shipped")?),
            ("gateward", agentclpr(&dir, args.runs, "gateward")?),
        ]
    } else {
        Vec::new()
    };
    let mut table = Table::new();
    let mut header = vec!["photo", "plates read", "gateward ms"];
    if !baselines.is_empty() {
        header.extend([
            "agentclpr as shipped ms",
            "ratio",
            "agentclpr, gateward's session settings ms",
            "ratio",
        ]);
    }
    table.set_header(header);
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); baselines.len()];
    for (name, ms, found) in &ours {
        let mut row = vec![name.clone(), found.to_string(), format!("{ms:.1}")];
        for (i, (_, times)) in baselines.iter().enumerate() {
            match times.iter().find(|(n, _)| n == name) {
                Some((_, theirs)) => {
                    row.push(format!("{theirs:.1}"));
                    row.push(format!("{:.1}×", theirs / ms));
                    ratios[i].push(theirs / ms);
                }
                None => row.extend(["error".to_owned(), String::new()]),
            }
        }
        table.add_row(row);
    }
    println!("{table}");
    let mut ours_ms: Vec<f64> = ours.iter().map(|o| o.1).collect();
    ours_ms.sort_by(f64::total_cmp);
    let ours_median = median(&ours_ms);
    println!("median per photo: gateward {ours_median:.1} ms");
    let mut figures = vec![
        format!("plates_photo_median_ms={ours_median:.1}"),
        format!("plates_1080p_one_plate_ms={:.1}", median(&total_ms)),
        format!("plates_1080p_detect_ms={:.1}", median(&detect_ms)),
        format!("plates_1080p_read_ms={:.1}", median(&read_ms)),
    ];
    for ((sessions, times), ratios) in baselines.iter().zip(&mut ratios) {
        let mut theirs: Vec<f64> = times.iter().map(|o| o.1).collect();
        theirs.sort_by(f64::total_cmp);
        ratios.sort_by(f64::total_cmp);
        let (theirs, ratio) = (median(&theirs), median(&theirs) / ours_median);
        println!(
            "agentclpr ({}): median {theirs:.1} ms per photo; gateward is {ratio:.1}× faster \
             (median of per-photo ratios {:.1}×)",
            if *sessions == "shipped" {
                "as shipped"
            } else {
                "with gateward's session settings"
            },
            median(ratios)
        );
        figures.push(format!("agentclpr_{sessions}_median_ms={theirs:.1}"));
        figures.push(format!("ratio_vs_agentclpr_{sessions}={ratio:.2}"));
    }
    println!("{}", figures.join(" "));
    Ok(())
}

/// agentclpr's per-photo median times, from `tools/bench/plates_agentclpr.py` run now with its
/// sessions `sessions` ("shipped" or "gateward").
fn agentclpr(dir: &Path, runs: u32, sessions: &str) -> anyhow::Result<Vec<(String, f64)>> {
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
        .arg("--sessions")
        .arg(sessions)
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
