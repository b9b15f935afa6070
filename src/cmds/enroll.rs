//! `gateward enroll --name 王伟 --class resident [--household 3-2-1502] [--title 王总]
//! [--consent-by 本人 --consent-how written [--consent-date 2026-11-28]] photo…`: enrols a
//! person's face from photos. Each photo's largest face must pass the enrolment quality gate; a
//! rejected photo (a poor face; or damaged, cut short, over `[images] max_pixels`) is named on
//! one line with the reason, the others are kept.
//!
//! A face is sensitive personal information (PIPL): the command refuses to enrol one unless the
//! person's consent to face collection is on record, or is given with `--consent-by` and
//! `--consent-how` (recorded before the face, by `--by`). The photos are checked first, so a
//! photo problem is reported whatever the consent.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::app::enrol::{enrolment_face, load_face_chain, new_person, save_enrolled_face};
use crate::app::photos::store_photo;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::{ConsentMethod, PersonClass};
use crate::store::{NewConsent, NewPhoto, Photo, Store, database_path};

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
    /// Who consented to the collection of the face: 本人 (the person), or who speaks for them,
    /// e.g. "监护人 陈静" (同意人). Needed unless a consent is already on record
    #[arg(long, value_name = "WHO")]
    pub consent_by: Option<String>,
    /// How the consent was given: written (书面), oral (口头) or online (线上) (同意方式)
    #[arg(long, value_name = "HOW")]
    pub consent_how: Option<ConsentMethod>,
    /// The day the consent was given, YYYY-MM-DD [default: today] (同意日期)
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub consent_date: Option<chrono::NaiveDate>,
}

fn parse_day(raw: &str) -> Result<chrono::NaiveDate, String> {
    crate::import::parse_date(raw)
}

/// The consent the options give, if any; only one of --consent-by and --consent-how is a
/// mistake.
fn consent_of(config: &Config, args: &Args) -> anyhow::Result<Option<NewConsent>> {
    let today = SystemClock
        .now()
        .with_timezone(&config.gate.time_zone)
        .date_naive();
    match (args.consent_by.as_deref().map(str::trim), args.consent_how) {
        (None, None) => Ok(None),
        (Some(by), Some(method)) if !by.is_empty() => {
            let given_on = args.consent_date.unwrap_or(today);
            if given_on > today {
                bail!(
                    "--consent-date {given_on} is in the future; give the day the consent was given"
                );
            }
            Ok(Some(NewConsent {
                given_by: by.to_owned(),
                given_on,
                method,
                note: "gateward enroll".to_owned(),
            }))
        }
        _ => bail!(
            "give both --consent-by (who consented: 本人, or who speaks for them) and \
             --consent-how (written 书面, oral 口头 or online 线上)"
        ),
    }
}

/// Runs the enrolment.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    if args.class == PersonClass::Visitor {
        bail!("visitors are not enrolled; choose the class the person belongs to");
    }
    let consent = consent_of(config, args)?;
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

    let known = find_person(&store, args)?;
    let on_record = match known {
        Some(id) => store.consent(id)?.is_some(),
        None => false,
    };
    if consent.is_none() && !on_record {
        bail!(
            "没有登记{name}的人脸采集同意，未录入 (no consent to face collection is recorded for \
             {name}: nothing was enrolled). A face is sensitive personal information: record who \
             consented and how with --consent-by 本人 --consent-how written|oral|online \
             [--consent-date YYYY-MM-DD]",
            name = args.name
        );
    }
    let person_id = match known {
        Some(id) => id,
        None => add_person(&store, args)?,
    };
    if let Some(c) = consent
        && store.record_consent(&args.by, person_id, c)?
    {
        println!("✓ 已登记{}的人脸采集同意 (consent recorded)", args.name);
    }
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
            added: SystemClock.now(),
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

/// The person with this name (and household, when given), if there is one.
fn find_person(store: &Store, args: &Args) -> anyhow::Result<Option<i64>> {
    let same: Vec<_> = store
        .people_named(&args.name)?
        .into_iter()
        .filter(|p| args.household.is_none() || p.household == args.household)
        .collect();
    match same.as_slice() {
        [p] => Ok(Some(p.id)),
        [] => Ok(None),
        several => bail!(
            "{} people are named {}; add --household to say which",
            several.len(),
            args.name
        ),
    }
}

/// Adds the person the options describe (and their household when it is new).
fn add_person(store: &Store, args: &Args) -> anyhow::Result<i64> {
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
