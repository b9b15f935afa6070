//! `gateward import FILE.csv|FOLDER [--dry-run]`: the property manager's import of people and
//! vehicles (formats in `fixtures/demo/README.md`). All or nothing: any bad row means nothing is
//! written, and every bad row is listed with its line number. Then the face of every new
//! photo of a person whose consent to face collection is on record (the `consent_*` columns, or
//! recorded before) is enrolled, with a progress bar; a rejected photo is listed with the
//! reason, and the people whose consent is missing are named: their photos wait.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::enrol::{enrolment_face, save_enrolled_face};
use crate::app::photos::{photo_name, store_photo};
use crate::config::Config;
use crate::domain::Post;
use crate::import::{self, ImportError, ImportSet};
use crate::store::{
    ImportBatch, ImportPerson, ImportSummary, ImportVehicle, NewConsent, NewHousehold, NewPerson,
    NewPhoto, NewVehicle, Store, VehicleOwner, database_path,
};
use crate::vision::faces::FaceChain;
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// people.csv, vehicles.csv, or a folder holding them (导入文件或文件夹)
    pub path: PathBuf,
    /// Check everything and show what would change, but write nothing (只检查，不写入)
    #[arg(long)]
    pub dry_run: bool,
    /// Who is importing, for the audit log (操作人)
    #[arg(long, default_value = "manager")]
    pub by: String,
}

/// Runs the import.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.paths.data).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.paths.data.display()
        )
    })?;
    let store = Store::open(database_path(&config.paths.data))?;
    let known_owner = |owner: &str| {
        store.household(owner).ok().flatten().is_some()
            || store.people_named(owner).is_ok_and(|p| !p.is_empty())
    };
    let set = match import::load_path(&args.path, known_owner) {
        Ok(set) => set,
        Err(ImportError::BadRows(rows)) => {
            eprintln!("{rows}");
            eprintln!(
                "error: nothing was imported; correct the rows above and run the import again"
            );
            return Err(super::reported::Reported.into());
        }
        Err(e) => return Err(e.into()),
    };
    let mut set = set;
    if !set.people.is_empty() {
        let base = if args.path.is_dir() {
            args.path.as_path()
        } else {
            args.path.parent().unwrap_or(Path::new("."))
        };
        let unmatched = import::attach_named_photos(&mut set, &base.join(import::NAMED_PHOTO_DIR))?;
        for file in &unmatched {
            println!(
                "⚠ {}: 照片文件名不是名单中的姓名 — the file name names no one in people.csv; name it \
                 after the person as written there (王建国.jpg, 王建国-2.jpg); skipped",
                file.display()
            );
        }
    }
    let source = args.path.display().to_string();
    let batch = to_batch(&set, &source)?;
    let checked = store.check_import(batch.clone())?;
    if args.dry_run {
        println!(
            "dry run, nothing written (只检查，未写入): {}",
            summary(&checked)
        );
        return Ok(());
    }
    copy_photos(&set, &config.paths.data)?;
    let originals: HashMap<String, PathBuf> = batch
        .people
        .iter()
        .zip(&set.people)
        .flat_map(|(b, row)| {
            b.photos
                .iter()
                .map(|p| p.sha256.clone())
                .zip(row.photos.clone())
        })
        .collect();
    let done = store.import_batch(&args.by, batch)?;
    println!("imported (已导入) from {source}: {}", summary(&done));
    enrol_faces(config, &store, &originals)
}

/// Enrols the face of every photo in the records that has none yet (the ones just imported,
/// and any rejected before), with a progress bar; each rejected photo is listed with the
/// reason. The people and vehicles are already imported whatever happens here.
fn enrol_faces(
    config: &Config,
    store: &Store,
    originals: &HashMap<String, PathBuf>,
) -> anyhow::Result<()> {
    let fail = |e: anyhow::Error| {
        eprintln!(
            "error: the people were imported, but their faces could not be enrolled: {e:#}. \
             Put this right and run the same import again to enrol them"
        );
        super::reported::Reported
    };
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref()).map_err(|e| fail(e.into()))?;
    let manifest = Manifest::load_with(&config.paths.models, config.vision.precision)
        .map_err(|e| fail(e.into()))?;
    let mut chain = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )
    .map_err(|e| fail(e.into()))?;
    let names: HashMap<i64, String> = store
        .people()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    // a face is sensitive personal information: only the faces of people whose consent is on
    // record are enrolled; the others' photos are kept until it is
    let consented = store.people_with_consent()?;
    let (pending, waiting): (Vec<_>, Vec<_>) = store
        .photos_without_embedding(chain.model_key())?
        .into_iter()
        .partition(|p| consented.contains(&p.person_id));
    let mut without_consent: Vec<&str> = waiting
        .iter()
        .map(|p| names.get(&p.person_id).map_or("?", String::as_str))
        .collect();
    without_consent.dedup();
    for who in &without_consent {
        println!(
            "⚠ {who}: 没有登记人脸采集同意，照片已保存，未录入人脸 — no consent to face collection \
             is recorded: the photos are kept, the face is not enrolled. Fill consent_by, \
             consent_date and consent_how (同意人、同意日期、同意方式) on their row and import again"
        );
    }
    if pending.is_empty() {
        if !waiting.is_empty() {
            println!(
                "faces enrolled (已录入人脸): 0; {} photo(s) of {} people wait for their consent",
                waiting.len(),
                without_consent.len()
            );
        }
        return Ok(());
    }
    let bar = ProgressBar::new(pending.len() as u64).with_style(
        ProgressStyle::with_template("录入人脸 enrolling faces {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut enrolled = 0;
    let mut rejected = Vec::new();
    for photo in &pending {
        let who = names.get(&photo.person_id).map_or("?", String::as_str);
        bar.set_message(who.to_owned());
        let shown = originals
            .get(&photo.sha256)
            .map_or_else(|| photo.path.clone(), |p| p.display().to_string());
        match enrolment_face(
            &mut chain,
            &config.paths.data.join(&photo.path),
            &config.images,
        )? {
            Ok(seen) => {
                save_enrolled_face(store, &config.paths.data, chain.model_key(), photo, &seen)?;
                enrolled += 1;
            }
            Err(why) => rejected.push(format!("✗ {who}: {shown}: {why}")),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for line in &rejected {
        println!("{line}");
    }
    println!(
        "faces enrolled (已录入人脸): {enrolled} of {} photo(s){}{}",
        pending.len(),
        if rejected.is_empty() {
            String::new()
        } else {
            format!(
                "; {} rejected (see above): replace them with clear, front-facing photos and \
                 import again",
                rejected.len()
            )
        },
        if waiting.is_empty() {
            String::new()
        } else {
            format!(
                "; {} photo(s) of {} people wait for their consent (see above)",
                waiting.len(),
                without_consent.len()
            )
        }
    );
    Ok(())
}

fn summary(s: &ImportSummary) -> String {
    format!(
        "{} households added, {} updated; {} people added, {} updated, {} photos, {} consents; {} vehicles added, {} updated",
        s.households_added,
        s.households_updated,
        s.people_added,
        s.people_updated,
        s.photos_added,
        s.consents_added,
        s.vehicles_added,
        s.vehicles_updated
    )
}

/// Turns the parsed rows into what the store writes. Photos are named by their content.
fn to_batch(set: &ImportSet, source: &str) -> anyhow::Result<ImportBatch> {
    let households = set
        .households
        .iter()
        .map(|code| NewHousehold {
            code: code.clone(),
            notes: String::new(),
        })
        .collect();
    let mut people = Vec::with_capacity(set.people.len());
    for row in &set.people {
        let photos = row
            .photos
            .iter()
            .map(|p| {
                let (sha256, stored) = photo_name(p)?;
                Ok(NewPhoto {
                    path: stored,
                    sha256,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        people.push(ImportPerson {
            origin: format!("{} line {}", people_file(source), row.line),
            person: NewPerson {
                name: row.name.clone(),
                class: row.class,
                title: row.title.clone().unwrap_or_default(),
                household: row.household.clone(),
                status: row.status,
                // 备注 holds looks, habits and requests together: the person page's 备注
                appearance_notes: String::new(),
                habit_notes: row.notes.clone().unwrap_or_default(),
                ask_not_to_notify: row.notify == Some(Post::ShiftLeader),
            },
            photos,
            consent: row.consent.as_ref().map(|c| NewConsent {
                given_by: c.by.clone(),
                given_on: c.date,
                method: c.how,
                note: format!("{} line {}", people_file(source), row.line),
            }),
        });
    }
    let vehicles = set
        .vehicles
        .iter()
        .map(|row| ImportVehicle {
            origin: format!("{} line {}", vehicles_file(source), row.line),
            vehicle: NewVehicle {
                plate: row.plate.clone(),
                colour: None,
                kind: row.kind,
                owner: row.owner.as_ref().map(|o| {
                    if import::normalise_household(o).is_ok_and(|h| &h == o) {
                        VehicleOwner::Household(o.clone())
                    } else {
                        VehicleOwner::PersonNamed(o.clone())
                    }
                }),
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                notes: row.notes.clone().unwrap_or_default(),
            },
        })
        .collect();
    Ok(ImportBatch {
        source: source.to_owned(),
        households,
        people,
        vehicles,
    })
}

fn people_file(source: &str) -> String {
    if source.ends_with(".csv") {
        source.to_owned()
    } else {
        import::PEOPLE_FILE.to_owned()
    }
}

fn vehicles_file(source: &str) -> String {
    if source.ends_with(".csv") {
        source.to_owned()
    } else {
        import::VEHICLES_FILE.to_owned()
    }
}

/// Copies every photo into the data folder.
fn copy_photos(set: &ImportSet, data: &Path) -> anyhow::Result<()> {
    for path in set.people.iter().flat_map(|p| &p.photos) {
        store_photo(path, data)?;
    }
    Ok(())
}
