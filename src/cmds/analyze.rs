//! `gateward analyze IMAGE… [--json]`: what the cameras' models see in each photo — every face,
//! with box, score, landmarks, quality, who it is (or null) and the sighting it is kept under
//! for corrections; every plate read and every vehicle found. The JSON shape is kept stable:
//! one object per image with `faces`, `plates` and `vehicles`, and `error` when the image could
//! not be analysed.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::app::gallery::{gallery_of, records_if_any};
use crate::app::sightings::{purge_sightings, record_sighting};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::pipeline::vehicles::{PlateResult, VehicleEyes, VehicleResult};
use crate::recognize::gallery::{Gallery, Match, MatchParams};
use crate::store::{NewSighting, PersonRecord, Store};
use crate::vision::decode;
use crate::vision::face_quality::{self, QualityLimits};
use crate::vision::faces::{FaceChain, SeenFace};
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Photos to analyse (照片)
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Print JSON instead of text (输出 JSON)
    #[arg(long)]
    pub json: bool,
    /// Do not keep the faces seen for corrections (不保存识别记录)
    #[arg(long = "no-record", action = clap::ArgAction::SetFalse)]
    pub record: bool,
}

/// One image's result.
#[derive(Debug, Serialize)]
pub struct ImageResult {
    pub image: String,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FaceResult>,
    pub plates: Vec<PlateResult>,
    pub vehicles: Vec<VehicleResult>,
    /// Why the image could not be analysed; `faces` is then empty.
    pub error: Option<String>,
}

/// One face.
#[derive(Debug, Serialize)]
pub struct FaceResult {
    /// x1, y1, x2, y2 in image pixels.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub score: f32,
    /// image-left eye, image-right eye, nose, mouth left, mouth right.
    pub landmarks: [[f32; 2]; 5],
    pub quality: QualityResult,
    pub identity: Option<Identity>,
    /// The id under which this face is kept for corrections (`gateward not --sighting ID`);
    /// null when it is not kept (no records, `--no-record`, retention 0, or poor quality).
    pub sighting: Option<i64>,
}

/// How usable the face is for recognition.
#[derive(Debug, Serialize)]
pub struct QualityResult {
    pub ok: bool,
    /// Share of the face inside the photo (1 = whole face).
    pub visible: f32,
    pub face_px: f32,
    pub sharpness: f32,
    pub yaw: f32,
    pub roll_deg: f32,
    /// Why it is not usable, in words for people.
    pub problems: Vec<String>,
}

/// Who the face is.
#[derive(Debug, Serialize)]
pub struct Identity {
    pub person_id: i64,
    pub name: String,
    pub class: String,
    pub similarity: f32,
}

/// Runs the analysis.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)?;
    let mut chain = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )?;
    // Known people come from the records when there are any; without records every face is
    // simply unknown.
    let store = records_if_any(&config.paths.data)?;
    let gallery = gallery_of(store.as_ref(), chain.model_key())?;
    // Faces seen are kept for the retention period so a wrong name can be corrected with
    // `gateward not`; with no records, or retention 0, nothing is kept.
    let days = config.retention.sightings_days;
    let model_key = chain.model_key().to_owned();
    let recorder = match &store {
        Some(store) if days > 0 && args.record => {
            let purged = purge_sightings(store, &config.paths.data, days, SystemClock.now())?;
            if purged > 0 {
                tracing::info!(purged, days, "expired face crops deleted");
            }
            Some(Recorder {
                store,
                data: &config.paths.data,
                model: model_key.as_str(),
            })
        }
        _ => None,
    };
    let limits = QualityLimits::default();
    let params = config.recognition.match_params();
    let context = Context {
        limits: &limits,
        params: &params,
        gallery: &gallery,
        store: store.as_ref(),
        recorder: recorder.as_ref(),
    };
    let mut eyes = VehicleEyes::load(&runtime, &manifest, &config.vision)?;
    let today = SystemClock
        .now()
        .with_timezone(&config.gate.time_zone)
        .date_naive();
    let mut results = Vec::new();
    for path in &args.images {
        let mut result = ImageResult {
            image: path.display().to_string(),
            width: 0,
            height: 0,
            faces: Vec::new(),
            plates: Vec::new(),
            vehicles: Vec::new(),
            error: None,
        };
        // every error names the photo: the text output prints it alone on its line
        let failed = |e: &dyn std::fmt::Display| Some(format!("{e}: {}", path.display()));
        match decode::open(path, &config.images) {
            Err(e) => result.error = Some(e.to_string()),
            Ok(img) => {
                result.width = img.width();
                result.height = img.height();
                match chain.faces(&img) {
                    Err(e) => result.error = failed(&e),
                    Ok(faces) => {
                        result.faces = faces
                            .iter()
                            .map(|f| face_result(f, path, img.dimensions(), &context))
                            .collect::<anyhow::Result<_>>()?
                    }
                }
                match eyes.see(&img, store.as_ref(), today) {
                    Err(e) => result.error = failed(&e),
                    Ok((plates, vehicles)) => {
                        result.plates = plates;
                        result.vehicles = vehicles;
                    }
                }
            }
        }
        results.push(result);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        for r in &results {
            print_text(r);
        }
    }
    if results.iter().any(|r| r.error.is_some()) {
        if !args.json {
            eprintln!("error: some images could not be analysed (see above)");
        }
        return Err(super::reported::Reported.into());
    }
    Ok(())
}

/// Where seen faces are recorded.
struct Recorder<'a> {
    store: &'a Store,
    data: &'a Path,
    model: &'a str,
}

/// What every face of a run is judged and recorded with.
struct Context<'a> {
    limits: &'a QualityLimits,
    params: &'a MatchParams,
    gallery: &'a Gallery,
    store: Option<&'a Store>,
    recorder: Option<&'a Recorder<'a>>,
}

fn face_result(
    seen: &SeenFace,
    path: &Path,
    frame: (u32, u32),
    cx: &Context,
) -> anyhow::Result<FaceResult> {
    let (limits, params, gallery, store, recorder) =
        (cx.limits, cx.params, cx.gallery, cx.store, cx.recorder);
    let q = face_quality::assess(&seen.face, &seen.aligned, frame);
    let problems = match face_quality::check(&q, limits) {
        Ok(()) => Vec::new(),
        Err(rejections) => rejections.iter().map(ToString::to_string).collect(),
    };
    let identity = match gallery.search(&seen.embedding, params) {
        Match::Known {
            person, similarity, ..
        } => store
            .and_then(|s| s.person(person).ok().flatten())
            .map(|p: PersonRecord| Identity {
                person_id: p.id,
                name: p.name,
                class: p.class.key().to_owned(),
                similarity,
            }),
        Match::Unknown { .. } => None,
    };
    let sighting = match recorder {
        // only faces good enough to recognise are worth correcting
        Some(r) if problems.is_empty() => Some(record_sighting(
            r.store,
            r.data,
            &seen.aligned,
            NewSighting {
                source: path.display().to_string(),
                model: r.model.to_owned(),
                vector: seen.embedding.to_vec(),
                thumbnail: None,
                person_id: identity.as_ref().map(|i| i.person_id),
                similarity: identity.as_ref().map(|i| i.similarity),
            },
        )?),
        _ => None,
    };
    Ok(FaceResult {
        bbox: seen.face.bbox,
        score: seen.face.score,
        landmarks: seen.face.landmarks,
        quality: QualityResult {
            ok: problems.is_empty(),
            visible: q.visible,
            face_px: q.face_px,
            sharpness: q.sharpness,
            yaw: q.yaw,
            roll_deg: q.roll_deg,
            problems,
        },
        identity,
        sighting,
    })
}

fn print_text(r: &ImageResult) {
    if let Some(e) = &r.error {
        println!("✗ {e}");
        return;
    }
    println!(
        "{} ({}×{}): {} face(s)",
        r.image,
        r.width,
        r.height,
        r.faces.len()
    );
    for (i, f) in r.faces.iter().enumerate() {
        let who = f
            .identity
            .as_ref()
            .map(|id| format!("{} ({}, {:.2})", id.name, id.class, id.similarity))
            .unwrap_or_else(|| "unknown 未识别".to_owned());
        let kept = f
            .sighting
            .map(|id| format!(" · sighting {id}"))
            .unwrap_or_default();
        println!(
            "  {}. [{:.0},{:.0},{:.0},{:.0}] score {:.2} · {} · {}{kept}",
            i + 1,
            f.bbox[0],
            f.bbox[1],
            f.bbox[2],
            f.bbox[3],
            f.score,
            who,
            if f.quality.ok {
                "quality ok".to_owned()
            } else {
                f.quality.problems.join("; ")
            }
        );
    }
    for p in &r.plates {
        let on = p
            .vehicle
            .and_then(|v| r.vehicles.get(v))
            .map(|v| format!(" · on a {}", v.class))
            .unwrap_or_default();
        let large = p
            .decision
            .large_reason
            .as_deref()
            .map(|why| format!(" · 大型车辆：{why}"))
            .unwrap_or_default();
        let colour = match p.colour_doubt {
            Some(or) => format!("{} (or {or}?)", p.colour),
            None => p.colour.to_string(),
        };
        println!(
            "  plate {} ({}, {}, {} row{}) confidence {:.2}{on}{large} · {}{}",
            p.formatted,
            p.kind_zh,
            colour,
            p.rows,
            if p.rows == 1 { "" } else { "s" },
            p.confidence,
            p.decision.decision.key(),
            if p.decision.say.is_empty() {
                String::new()
            } else {
                format!(" · 「{}」", p.decision.say)
            }
        );
    }
    let without_plate = r.vehicles.iter().filter(|v| v.plate.is_none()).count();
    if without_plate > 0 {
        println!("  {without_plate} vehicle(s) with no plate read");
    }
}
