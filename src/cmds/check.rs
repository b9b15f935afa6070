//! `gateward check`: loads ONNX Runtime and every model of the pack, runs each once on a real
//! photo, and prints a table; exits non-zero when anything is wrong.
//!
//! The photos are compiled into the binary (from `fixtures/`), so the check works wherever the
//! binary is installed. Each model's answer is also sanity-checked (a face on the astronaut, a
//! vehicle on the car photo…), which catches a wrong normalisation as well as a broken file.

use std::time::{Duration, Instant};

use anyhow::Context;
use comfy_table::Table;
use image::RgbImage;
use ndarray::{Array4, ArrayD, Axis};

use crate::config::Config;
use crate::store::shared::SharedStore;
use crate::vision::ctc::{self, Charset};
use crate::vision::decode::{self, ImageLimits};
use crate::vision::image_ops;
use crate::vision::manifest::{Manifest, ModelEntry, Role};
use crate::vision::runtime::{Model, Runtime};

const ASTRONAUT: &[u8] = include_bytes!("../../fixtures/astronaut.png");
const OBAMA: &[u8] = include_bytes!("../../fixtures/obama.jpg");
const CAR: &[u8] = include_bytes!("../../fixtures/car-czech.png");

/// Where the plate "5AU 5341" sits in car-czech.png (x, y, width, height), with 2 pixels of
/// margin; measured once with the plate detector (see models/MODELS.md).
const CZECH_PLATE: (u32, u32, u32, u32) = (314, 187, 76, 25);

/// What the readers must find on that plate (the Czech "5AU 5341"; the plate reader knows only
/// Chinese plates and may add a province character).
const CZECH_PLATE_TEXT: [&str; 2] = ["5AU", "5341"];

/// COCO class ids (0-based) the vehicle detector reports for vehicles.
const COCO_VEHICLES: [(usize, &str); 4] = [(2, "car"), (3, "motorcycle"), (5, "bus"), (7, "truck")];

/// One line of the table.
#[derive(Debug)]
pub struct Row {
    pub role: Role,
    pub file: String,
    pub megabytes: f64,
    pub input: String,
    pub load_ms: Option<f64>,
    pub run_ms: Option<f64>,
    /// What the model answered, or why it failed.
    pub outcome: Result<String, String>,
}

/// Runs the check and prints the table; an error return means something is wrong.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    println!(
        "ONNX Runtime {} from {}",
        runtime.version(),
        runtime.library().display()
    );
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    println!("Model pack {}", manifest.dir().display());
    let rows = check_all(&runtime, &manifest, config.vision.threads)?;
    println!("{}", table(&rows));
    let mut failed = 0;
    for row in &rows {
        if let Err(why) = &row.outcome {
            eprintln!("error: {}: {why}", row.role);
            failed += 1;
        }
    }
    let stores_ok = stores(config);
    if failed == 0 {
        println!("all {} models ok", rows.len());
    } else {
        println!("{failed} of {} models failed the check", rows.len());
    }
    if failed == 0 && stores_ok {
        Ok(())
    } else {
        Err(super::reported::Reported.into())
    }
}

/// Prints where the records are kept: the box's own database and, in a compound with several
/// boxes, the shared store (its version, whether it answers, and this box's events still to
/// send). False when the shared store cannot be reached.
fn stores(config: &Config) -> bool {
    let path = crate::store::database_path(&config.paths.data);
    let local = path.is_file().then(|| crate::store::Store::open(&path));
    match &local {
        None => println!(
            "Records {}: not made yet (the first run makes it)",
            path.display()
        ),
        Some(Ok(store)) => println!(
            "Records {}: SQLite, schema {}",
            path.display(),
            store.schema_version().unwrap_or_default()
        ),
        Some(Err(e)) => println!("Records: {e}"),
    }
    let Some(url) = &config.shared_store else {
        println!("Shared store: none (a one-box compound; [store] url names one)");
        return true;
    };
    let shown = crate::store::shared::shown(url);
    let waiting = match &local {
        Some(Ok(store)) => store
            .outgoing_count(&shown)
            .ok()
            .zip(store.records_pending(&shown).ok()),
        _ => None,
    };
    let waiting = waiting.map_or_else(String::new, |(events, records)| {
        format!(
            "; {events} events of this box still to send, {records} people or visits changed here still to send"
        )
    });
    match SharedStore::connect(url, Duration::from_secs(5)).and_then(|mut s| s.server_version()) {
        Ok(version) => {
            println!(
                "Shared store {shown}: PostgreSQL {version}, schema {}, reachable; this box is {}{waiting}",
                crate::store::shared::SHARED_SCHEMA_VERSION,
                config.box_name
            );
            true
        }
        Err(e) => {
            println!("Shared store: {e}{waiting}");
            false
        }
    }
}

/// Loads and runs every model of the pack; a failing model gives a failed row, not an error.
pub fn check_all(
    runtime: &Runtime,
    manifest: &Manifest,
    threads: usize,
) -> anyhow::Result<Vec<Row>> {
    let photos = Photos {
        astronaut: decode::decode(ASTRONAUT, "fixtures/astronaut.png", &ImageLimits::default())?,
        obama: decode::decode(OBAMA, "fixtures/obama.jpg", &ImageLimits::default())?,
        car: decode::decode(CAR, "fixtures/car-czech.png", &ImageLimits::default())?,
    };
    Ok(Role::ALL
        .iter()
        .map(|&role| check_one(runtime, manifest, role, threads, &photos))
        .collect())
}

struct Photos {
    astronaut: RgbImage,
    obama: RgbImage,
    car: RgbImage,
}

fn check_one(
    runtime: &Runtime,
    manifest: &Manifest,
    role: Role,
    threads: usize,
    photos: &Photos,
) -> Row {
    let mut row = Row {
        role,
        file: String::from("-"),
        megabytes: 0.0,
        input: String::from("-"),
        load_ms: None,
        run_ms: None,
        outcome: Err(String::new()),
    };
    let entry = match manifest.model(role) {
        Ok(e) => e,
        Err(e) => {
            row.outcome = Err(e.to_string());
            return row;
        }
    };
    row.file = entry.file.clone();
    row.megabytes = entry.bytes as f64 / 1e6;
    row.outcome = (|| {
        let input = prepare(role, entry, photos)?;
        row.input = format!("{:?}", input.shape());
        let start = Instant::now();
        let mut model = Model::load(runtime, manifest, role, threads)?;
        row.load_ms = Some(ms(start));
        let start = Instant::now();
        let outputs = model.run(&input)?;
        row.run_ms = Some(ms(start));
        let charset = match role {
            Role::PlateRead | Role::TextRead => Some(model.charset(manifest)?),
            _ => None,
        };
        if let Some(bad) = outputs
            .iter()
            .position(|o| o.iter().any(|v| !v.is_finite()))
        {
            anyhow::bail!(
                "output \"{}\" holds NaN or infinity",
                entry.outputs[bad].name
            );
        }
        judge(role, &outputs, charset.as_ref())
    })()
    .map_err(|e| format!("{e:#}"));
    row
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// The input tensor each role is checked with.
fn prepare(role: Role, entry: &ModelEntry, p: &Photos) -> anyhow::Result<Array4<f32>> {
    let spec = &entry.input;
    let sized = |img: &RgbImage, default: (u32, u32)| -> anyhow::Result<RgbImage> {
        let (h, w) = spec.fixed_size();
        Ok(image_ops::resize(
            img,
            w.unwrap_or(default.0),
            h.unwrap_or(default.1),
        )?)
    };
    let fitted = |img: &RgbImage, max_side: u32| -> anyhow::Result<RgbImage> {
        let (w, h) = image_ops::fit_size(img.width(), img.height(), max_side, 32);
        sized(img, (w, h))
    };
    let tensor = match role {
        Role::FaceDetect => image_ops::to_tensor(&[&fitted(&p.astronaut, 640)?], spec)?,
        // Two different people in one batch: proves the batch dimension is dynamic.
        Role::FaceEmbed => {
            let a = sized(&p.astronaut, (112, 112))?;
            let b = sized(&p.obama, (112, 112))?;
            image_ops::to_tensor(&[&a, &b], spec)?
        }
        Role::PlateDetect => image_ops::to_tensor(&[&fitted(&p.car, 640)?], spec)?,
        Role::PlateRead | Role::TextRead => {
            let (x, y, w, h) = CZECH_PLATE;
            let plate = image::imageops::crop_imm(&p.car, x, y, w, h).to_image();
            let height = spec
                .fixed_size()
                .0
                .context("a text reader needs a fixed input height")?;
            // The check feeds the plate reader this plate stretched to 4:1, which it reads;
            // gateward's plate chain keeps the aspect ratio for both readers (vision::plate_read). Widths are multiples of 8 (the readers downsample by 4, 8).
            let width = match role {
                Role::PlateRead => 4 * height,
                _ => (w * height / h).div_ceil(8) * 8,
            };
            image_ops::to_tensor(&[&image_ops::resize(&plate, width, height)?], spec)?
        }
        Role::VehicleDetect => image_ops::to_tensor(&[&fitted(&p.car, 512)?], spec)?,
    };
    Ok(tensor)
}

/// Reads the outputs the way later stages will and says whether the answer makes sense.
fn judge(role: Role, outputs: &[ArrayD<f32>], charset: Option<&Charset>) -> anyhow::Result<String> {
    // Outputs are found by shape, so the manifest may list them in any order.
    let last_dim = |n: usize| {
        outputs
            .iter()
            .find(|o| o.shape().last() == Some(&n))
            .with_context(|| format!("no output has a last dimension of {n}"))
    };
    let out = |i: usize| outputs.get(i).context("the model returned too few outputs");
    match role {
        Role::FaceDetect | Role::PlateDetect => {
            // outputs: loc, conf, landmarks; conf [1, anchors, 2] = softmax (background, object)
            let conf = last_dim(2)?;
            let best = conf
                .lanes(Axis(conf.ndim() - 1))
                .into_iter()
                .map(|l| l[1])
                .fold(0.0f32, f32::max);
            let (what, photo) = if role == Role::FaceDetect {
                ("face", "the astronaut photo")
            } else {
                ("plate", "the car photo")
            };
            anyhow::ensure!(
                best >= 0.5,
                "found no {what} on {photo} (best score {best:.2}); the model or its normalisation is wrong"
            );
            Ok(format!("{what} found, score {best:.2}"))
        }
        Role::FaceEmbed => {
            let emb = out(0)?;
            anyhow::ensure!(
                emb.ndim() == 2 && emb.shape()[0] == 2,
                "expected 2 embeddings, got shape {:?}",
                emb.shape()
            );
            let rows: Vec<Vec<f32>> = emb
                .outer_iter()
                .map(|r| normalise(r.iter().copied()))
                .collect();
            let cos: f32 = rows[0].iter().zip(&rows[1]).map(|(a, b)| a * b).sum();
            anyhow::ensure!(
                cos < 0.9,
                "two different people gave the same embedding (cosine {cos:.2})"
            );
            Ok(format!("{}-d, 2 people cos {cos:.2}", emb.shape()[1]))
        }
        Role::PlateRead | Role::TextRead => {
            let probs = out(0)?;
            let charset = charset.context("no character set")?;
            anyhow::ensure!(
                probs.ndim() == 3 && probs.shape()[2] == charset.classes(),
                "expected [batch, steps, {}] (the dictionary's size), got {:?}",
                charset.classes(),
                probs.shape()
            );
            let steps = probs.index_axis(Axis(0), 0);
            let steps = steps.into_dimensionality::<ndarray::Ix2>()?;
            let reading = ctc::greedy_decode(steps, charset);
            let text = reading.text();
            anyhow::ensure!(
                CZECH_PLATE_TEXT.iter().all(|part| text.contains(part)),
                "read \"{text}\" on the plate \"5AU 5341\"; the model, its dictionary or its normalisation is wrong"
            );
            Ok(format!("plate 5AU 5341 read as \"{text}\""))
        }
        Role::VehicleDetect => {
            // scores [1, cells, 80]: per-class probabilities, COCO classes numbered from 0
            let scores = last_dim(80)?;
            let (name, score) = scores
                .lanes(Axis(scores.ndim() - 1))
                .into_iter()
                .flat_map(|cell| COCO_VEHICLES.map(|(id, name)| (name, cell[id])))
                .fold(
                    ("", 0.0f32),
                    |best, cur| if cur.1 > best.1 { cur } else { best },
                );
            anyhow::ensure!(
                score >= 0.35,
                "found no vehicle on the car photo (best {score:.2}); the model or its normalisation is wrong"
            );
            Ok(format!("{name} found, score {score:.2}"))
        }
    }
}

fn normalise(v: impl Iterator<Item = f32>) -> Vec<f32> {
    let v: Vec<f32> = v.collect();
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    v.into_iter().map(|x| x / norm).collect()
}

/// The table shown to the user.
pub fn table(rows: &[Row]) -> Table {
    let mut t = Table::new();
    t.set_header([
        "model", "file", "MB", "input", "load ms", "run ms", "result", "status",
    ]);
    let time = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    for r in rows {
        let (result, status) = match &r.outcome {
            Ok(text) => (text.as_str(), "ok"),
            Err(_) => ("see below", "ERROR"),
        };
        t.add_row([
            r.role.to_string(),
            r.file.clone(),
            format!("{:.1}", r.megabytes),
            r.input.clone(),
            time(r.load_ms),
            time(r.run_ms),
            result.to_owned(),
            status.to_owned(),
        ]);
    }
    t
}
