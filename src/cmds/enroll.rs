//! `gateward enroll --name 王伟 --class resident [--household 3-2-1502] [--title 王总] photo…`:
//! enrols a person's face from photos. Each photo's largest face must pass the enrolment
//! quality gate; a rejected photo (a poor face; or damaged, cut short, over `[images]
//! max_pixels`) is named on one line with the reason, the others are kept.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::app::enrol::{enrolment_face, load_face_chain, new_person, save_enrolled_face};
use crate::app::photos::store_photo;
use crate::config::Config;
use crate::domain::PersonClass;
use crate::store::{NewPhoto, Photo, Store, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The person's name (姓名)
    #[arg(long)]
    pub name: String,
    /// vip, resident, office_staff, company_staff, pass_holder, barred, former_staff (类别)
    #[arg(long)]
    pub class: PersonClass,
    /// Household, building-unit-room, e.g. 3-2-1502 (房号)
    #[arg(long)]
    pub household: Option<String>,
    /// How the guard greets them, e.g. 王总 (称呼)
    #[arg(long)]
    pub title: Option<String>,
    /// Photos of the person's face (照片)
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,
    /// Who enrols, for the audit log (操作人)
    #[arg(long, default_value = "manager")]
    pub by: String,
}

/// Runs the enrolment.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    if args.class == PersonClass::Visitor {
        bail!("visitors are not enrolled; choose the class the person belongs to");
    }
    std::fs::create_dir_all(&config.paths.data).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.paths.data.display()
        )
    })?;
    let mut chain = load_face_chain(
        config.paths.onnxruntime.as_deref(),
        &config.paths.models,
        &config.vision,
    )?;
    let store = Store::open(database_path(&config.paths.data))?;

    // Check every photo before writing anything about the person.
    let mut accepted = Vec::new();
    let mut rejected = 0;
    for path in &args.photos {
        match enrolment_face(&mut chain, path, &config.images)? {
            Ok(face) => accepted.push((path.clone(), face)),
            Err(why) => {
                println!("✗ {}: {why}", path.display());
                rejected += 1;
            }
        }
    }
    if accepted.is_empty() {
        bail!(
            "no photo of {} could be enrolled; see the reasons above",
            args.name
        );
    }

    let person_id = find_or_add_person(&store, args)?;
    for (path, seen) in &accepted {
        let (sha, stored) = store_photo(path, &config.paths.data)?;
        let photo_id = store.add_photo(
            &args.by,
            person_id,
            NewPhoto {
                path: stored.clone(),
                sha256: sha.clone(),
            },
        )?;
        let photo = Photo {
            id: photo_id,
            person_id,
            path: stored,
            sha256: sha,
            added: chrono::Utc::now(),
        };
        save_enrolled_face(&store, &config.paths.data, chain.model_key(), &photo, seen)?;
        println!(
            "✓ {}: face {:.0} px, enrolled",
            path.display(),
            seen.face.width()
        );
    }
    println!(
        "{} enrolled from {} photo(s){}",
        args.name,
        accepted.len(),
        if rejected > 0 {
            format!(", {rejected} rejected")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// The person with this name (and household, when given), or a new one.
fn find_or_add_person(store: &Store, args: &Args) -> anyhow::Result<i64> {
    let same: Vec<_> = store
        .people_named(&args.name)?
        .into_iter()
        .filter(|p| args.household.is_none() || p.household == args.household)
        .collect();
    match same.as_slice() {
        [p] => Ok(p.id),
        [] => {
            // a new household is added; an existing one keeps its notes
            if let Some(h) = &args.household
                && store.household(h)?.is_none()
            {
                store.upsert_household(
                    &args.by,
                    crate::store::NewHousehold {
                        code: h.clone(),
                        notes: String::new(),
                    },
                )?;
            }
            let p = new_person(
                &args.name,
                args.class,
                args.title.as_deref(),
                args.household.as_deref(),
            );
            Ok(store.insert_person(&args.by, p)?)
        }
        several => bail!(
            "{} people are named {}; add --household to say which",
            several.len(),
            args.name
        ),
    }
}
