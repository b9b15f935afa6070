//! `gateward import FILE.csv|FOLDER [--dry-run]`: the property manager's import of people and
//! vehicles (formats in `fixtures/demo/README.md`). All or nothing: any bad row means nothing is
//! written, and every bad row is listed with its line number.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::photos::{photo_name, store_photo};
use crate::config::Config;
use crate::domain::Post;
use crate::import::{self, ImportError, ImportSet};
use crate::store::{
    ImportBatch, ImportPerson, ImportSummary, ImportVehicle, NewHousehold, NewPerson, NewPhoto,
    NewVehicle, Store, VehicleOwner, database_path,
};

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
            return Err(super::Reported.into());
        }
        Err(e) => return Err(e.into()),
    };
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
    let done = store.import_batch(&args.by, batch)?;
    println!("imported (已导入) from {source}: {}", summary(&done));
    Ok(())
}

fn summary(s: &ImportSummary) -> String {
    format!(
        "{} households added, {} updated; {} people added, {} updated, {} photos; {} vehicles added, {} updated",
        s.households_added,
        s.households_updated,
        s.people_added,
        s.people_updated,
        s.photos_added,
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
                appearance_notes: row.notes.clone().unwrap_or_default(),
                habit_notes: String::new(),
                ask_not_to_notify: row.notify == Some(Post::ShiftLeader),
            },
            photos,
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
