//! `gateward enroll --name 王伟 --class resident [--household 3-2-1502] [--title 王总] photo…`:
//! enrols a person's face from photos. Each photo's largest face must pass the enrolment
//! quality gate; a rejected photo is named with the reason, the others are kept.

use std::path::PathBuf;

use anyhow::{Context, bail};

use super::photos::store_photo;
use crate::config::Config;
use crate::domain::{PersonClass, PersonStatus};
use crate::store::{NewFaceEmbedding, NewPerson, NewPhoto, Store, database_path};
use crate::vision::face_quality::{self, QualityLimits};
use crate::vision::faces::FaceChain;
use crate::vision::image_ops;
use crate::vision::manifest::Manifest;
use crate::vision::runtime::Runtime;

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
    let runtime = Runtime::init(config.paths.onnxruntime.as_deref())?;
    let manifest = Manifest::load(&config.paths.models)?;
    let mut chain = FaceChain::load(
        &runtime,
        &manifest,
        config.vision.threads,
        config.vision.face_detect(),
    )?;
    let store = Store::open(database_path(&config.paths.data))?;
    let limits = QualityLimits::for_enrolment();

    // Check every photo before writing anything about the person.
    let mut accepted = Vec::new();
    let mut rejected = 0;
    for path in &args.photos {
        let img = match image_ops::open(path) {
            Ok(img) => img,
            Err(e) => {
                println!("✗ {}: {e}", path.display());
                rejected += 1;
                continue;
            }
        };
        let faces = chain.faces(&img)?;
        let Some(best) = faces.into_iter().next() else {
            println!("✗ {}: 没有找到人脸 — no face found", path.display());
            rejected += 1;
            continue;
        };
        let q = face_quality::assess(&best.face, &best.aligned);
        if let Err(problems) = face_quality::check(&q, &limits) {
            let why: Vec<String> = problems.iter().map(ToString::to_string).collect();
            println!("✗ {}: {}", path.display(), why.join("; "));
            rejected += 1;
            continue;
        }
        accepted.push((path.clone(), best));
    }
    if accepted.is_empty() {
        bail!(
            "no photo of {} could be enrolled; see the reasons above",
            args.name
        );
    }

    let person_id = find_or_add_person(&store, args)?;
    let faces_dir = config.paths.data.join("faces");
    std::fs::create_dir_all(&faces_dir)
        .with_context(|| format!("cannot create {}", faces_dir.display()))?;
    for (path, seen) in &accepted {
        let (sha, stored) = store_photo(path, &config.paths.data)?;
        let photo_id = store.add_photo(
            &args.by,
            person_id,
            NewPhoto {
                path: stored,
                sha256: sha.clone(),
            },
        )?;
        let thumb = format!("faces/{sha}.png");
        seen.aligned
            .save(config.paths.data.join(&thumb))
            .with_context(|| {
                format!("cannot write the face thumbnail {thumb} (is the disk full?)")
            })?;
        store.add_face_embedding(NewFaceEmbedding {
            person_id,
            model: chain.model_key().to_owned(),
            vector: seen.embedding.to_vec(),
            thumbnail: Some(thumb),
            photo_id: Some(photo_id),
        })?;
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
            if let Some(h) = &args.household {
                store.upsert_household(
                    &args.by,
                    crate::store::NewHousehold {
                        code: h.clone(),
                        notes: String::new(),
                    },
                )?;
            }
            let mut p = NewPerson::new(args.name.clone(), args.class);
            p.title = args.title.clone().unwrap_or_default();
            p.household = args.household.clone();
            if args.class == PersonClass::FormerStaff {
                p.status = PersonStatus::Left;
            }
            Ok(store.insert_person(&args.by, p)?)
        }
        several => bail!(
            "{} people are named {}; add --household to say which",
            several.len(),
            args.name
        ),
    }
}
