//! `gateward bench ort`: ONNX Runtime's session settings measured, not guessed. For each model
//! of the pack, at the input size the pipeline gives it from a 1080p frame: the median time of
//! one inference with 1 and 2 threads, each graph optimisation level, threads spinning or
//! sleeping, and how long the session takes to load; then whether two cameras' model sets with
//! one thread each get more frames done on this machine than one set with two threads. The
//! last line holds the figures as `name=value`.

use std::time::Instant;

use comfy_table::Table;
use ndarray::Array4;

use super::measure::median;
use crate::config::Config;
use crate::vision::image_ops;
use crate::vision::manifest::{Layout, Manifest, Role};
use crate::vision::runtime::{Model, OptLevel, Runtime, SessionSettings};

/// Options of `bench ort`.
#[derive(Debug, clap::Args)]
pub struct OrtArgs {
    /// Timed runs per model and setting (after one untimed run).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(3..=1000))]
    pub runs: u32,
    /// Frames per model set in the two-lanes comparison.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub frames: u32,
}

/// The input a model gets in the pipeline: a 1080p frame shrunk for the face detector
/// (`[vision] face_detect_side`) and the plate detector (`plate_detect_side`), padded to
/// multiples of 32; one aligned face; one plate crop; the vehicle detector's square.
fn input_shape(config: &Config, role: Role, manifest_shape: &[i64], layout: Layout) -> [usize; 4] {
    let padded = |side: u32| {
        let (w, h) = image_ops::fit_size(1920, 1080, side, 32);
        (h as usize, w as usize)
    };
    let (h, w) = match role {
        Role::FaceDetect => padded(config.vision.face_detect_side),
        Role::PlateDetect => padded(config.vision.plate_detect_side),
        Role::FaceEmbed => (112, 112),
        Role::PlateRead => (32, 128),
        Role::TextRead => (48, 160),
        Role::VehicleDetect => (416, 416),
    };
    // a fixed dimension of the model wins over the pipeline's size
    let fixed = |i: usize, v: usize| {
        manifest_shape
            .get(i)
            .and_then(|&d| usize::try_from(d).ok())
            .filter(|&d| d > 0)
            .unwrap_or(v)
    };
    match layout {
        Layout::Nchw => [1, fixed(1, 3), fixed(2, h), fixed(3, w)],
        Layout::Nhwc => [1, fixed(1, h), fixed(2, w), fixed(3, 3)],
    }
}

/// A deterministic input with some texture (an all-zero tensor can take shortcuts).
fn input_of(shape: [usize; 4]) -> Array4<f32> {
    Array4::from_shape_fn(shape, |(n, a, b, c)| {
        ((a * 7 + b * 13 + c * 29 + n * 3) % 255) as f32 / 128.0 - 1.0
    })
}

/// One model under one setting.
struct Timing {
    load_ms: f64,
    median_ms: f64,
}

fn time_model(
    runtime: &Runtime,
    manifest: &Manifest,
    role: Role,
    settings: SessionSettings,
    input: &Array4<f32>,
    runs: u32,
) -> anyhow::Result<Timing> {
    let t = Instant::now();
    let mut model = Model::load_with(runtime, manifest, role, settings)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    model.run(input)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(model.run(input)?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(Timing {
        load_ms,
        median_ms: median(&times),
    })
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &OrtArgs) -> anyhow::Result<()> {
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load(&config.paths.models)?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut thread_counts = vec![1];
    if cores > 1 {
        thread_counts.push(cores.min(4));
    }
    let default = SessionSettings::new(config.vision.threads);
    let mut table = Table::new();
    table.set_header([
        "model",
        "input",
        "threads",
        "level",
        "spinning",
        "load ms",
        "median ms",
    ]);
    let mut figures = Vec::new();
    let mut inputs = Vec::new();
    for role in Role::ALL {
        let entry = manifest.model(role)?;
        let shape = input_shape(config, role, &entry.input.shape, entry.input.layout);
        let input = input_of(shape);
        let mut best: Option<(SessionSettings, f64)> = None;
        let mut at_default = None;
        for &threads in &thread_counts {
            for level in OptLevel::EVERY {
                for spinning in [false, true] {
                    let settings = SessionSettings {
                        threads,
                        level,
                        spinning,
                    };
                    let t = time_model(&runtime, &manifest, role, settings, &input, args.runs)?;
                    table.add_row([
                        role.to_string(),
                        format!("{shape:?}"),
                        threads.to_string(),
                        level.key().to_owned(),
                        if spinning { "yes" } else { "no" }.to_owned(),
                        format!("{:.0}", t.load_ms),
                        format!("{:.2}", t.median_ms),
                    ]);
                    if settings == default {
                        at_default = Some(t.median_ms);
                    }
                    if best.is_none_or(|(_, ms)| t.median_ms < ms) {
                        best = Some((settings, t.median_ms));
                    }
                }
            }
        }
        if let Some((b, ms)) = best {
            figures.push(format!(
                "{role}_best_ms={ms:.2} {role}_best=t{}-{}-{}",
                b.threads,
                b.level.key(),
                if b.spinning { "spin" } else { "sleep" }
            ));
        }
        if let Some(ms) = at_default {
            figures.push(format!("{role}_default_ms={ms:.2}"));
        }
        inputs.push((role, input));
    }
    println!(
        "gateward bench ort: each model at the pipeline's input size, {} timed runs per setting, {cores} cores; gateward's setting: {} threads, level all, threads sleep",
        args.runs, config.vision.threads
    );
    println!("{table}");

    // Two cameras on this machine: one model set with all the cores, or one set per core.
    let frame_set = [Role::FaceDetect, Role::VehicleDetect, Role::PlateDetect];
    let set_of = |threads: usize| -> anyhow::Result<Vec<(Model, &Array4<f32>)>> {
        frame_set
            .iter()
            .map(|&role| {
                let input = inputs
                    .iter()
                    .find(|(r, _)| *r == role)
                    .map(|(_, i)| i)
                    .ok_or_else(|| anyhow::anyhow!("no input for {role}"))?;
                Ok((
                    Model::load_with(&runtime, &manifest, role, SessionSettings::new(threads))?,
                    input,
                ))
            })
            .collect()
    };
    let frames = args.frames;
    let run_set = |set: &mut Vec<(Model, &Array4<f32>)>, n: u32| -> anyhow::Result<()> {
        for _ in 0..n {
            for (model, input) in set.iter_mut() {
                std::hint::black_box(model.run(input)?);
            }
        }
        Ok(())
    };
    let mut one = set_of(cores.min(4))?;
    run_set(&mut one, 1)?;
    let t = Instant::now();
    run_set(&mut one, frames * 2)?;
    let one_fps = f64::from(frames * 2) / t.elapsed().as_secs_f64();
    drop(one);
    let mut lanes = vec![set_of(1)?, set_of(1)?];
    for set in &mut lanes {
        run_set(set, 1)?;
    }
    let t = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let handles: Vec<_> = lanes
            .iter_mut()
            .map(|set| s.spawn(|| run_set(set, frames)))
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a lane of the benchmark stopped"))??;
        }
        Ok(())
    })?;
    let two_fps = f64::from(frames * 2) / t.elapsed().as_secs_f64();
    println!(
        "frames through face, vehicle and plate detection: one model set with {} threads {one_fps:.1} frames/s; two sets with 1 thread each, side by side, {two_fps:.1} frames/s",
        cores.min(4)
    );
    figures.push(format!(
        "one_set_fps={one_fps:.2} two_sets_fps={two_fps:.2}"
    ));
    println!("{}", figures.join(" "));
    Ok(())
}
