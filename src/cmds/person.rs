//! `gateward person export WHO --out FILE` and `gateward person delete WHO --yes`: a resident's
//! data rights from the command line, as the manager's person page offers them (PIPL): a copy of
//! everything the records hold about one person as one ZIP file, and the deletion of their
//! personal data with the files that show them. WHO is the person's number (as in
//! /manage/people/12) or their exact name. Both are written in the audit log under `--by`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::app::rights::{delete_person, export_person};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{Store, database_path};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Everything the records hold about one person, as one ZIP file (导出个人信息)
    Export {
        /// The person's number (as in /manage/people/12) or exact name
        who: String,
        /// The ZIP file to write [default: person-ID-DATE.zip here]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Who exports, for the audit log (操作人)
        #[arg(long, default_value = "manager")]
        by: String,
    },
    /// Delete a person's personal data: record, photos, faces, sightings, the snapshots that show
    /// only them; the gate log keeps the events without the name (删除个人信息)
    Delete {
        /// The person's number (as in /manage/people/12) or exact name
        who: String,
        /// Confirm the deletion (it cannot be undone)
        #[arg(long)]
        yes: bool,
        /// Who deletes, for the audit log (操作人)
        #[arg(long, default_value = "manager")]
        by: String,
    },
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let data = &config.paths.data;
    let path = database_path(data);
    if !path.is_file() {
        bail!(
            "没有记录 (no records at {}): import the people first, or give --data",
            path.display()
        );
    }
    let store = Store::open(&path)?;
    match &args.action {
        Action::Export { who, out, by } => {
            let id = find(&store, who)?;
            let export = export_person(
                &store,
                data,
                by,
                id,
                SystemClock.now(),
                config.gate.time_zone,
            )?;
            let out = out
                .clone()
                .unwrap_or_else(|| PathBuf::from(&export.file_name));
            std::fs::write(&out, &export.bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "已导出{}的个人信息 (exported): {} — {} photos, {} gate events, {} files",
                export.name,
                out.display(),
                export.photos,
                export.events,
                export.files
            );
            if !export.missing.is_empty() {
                println!(
                    "⚠ {} file(s) the records name are no longer on disk (listed in person.json): {}",
                    export.missing.len(),
                    export.missing.join(", ")
                );
            }
        }
        Action::Delete { who, yes, by } => {
            let id = find(&store, who)?;
            if !yes {
                bail!(
                    "删除不能撤销：确认请加 --yes (the deletion cannot be undone: add --yes to confirm)"
                );
            }
            let gone = delete_person(&store, data, by, id)?;
            let r = &gone.records;
            println!(
                "已删除{}的个人信息 (deleted): {} photos, {} face embeddings, {} face sightings, {} \
                 consents, {} snapshots showing only them; {} files deleted. {} gate events kept \
                 without the name{}",
                r.name,
                r.photos,
                r.embeddings,
                r.sightings,
                r.consents,
                r.snapshots_deleted,
                gone.files_deleted,
                r.events_kept,
                if r.vehicles_kept.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; vehicles kept without owner: {}",
                        r.vehicles_kept.join(", ")
                    )
                }
            );
        }
    }
    Ok(())
}

/// The person `who` names: a number, or exactly one person's name.
fn find(store: &Store, who: &str) -> anyhow::Result<i64> {
    let who = who.trim();
    if let Ok(id) = who.parse::<i64>() {
        return match store.person(id)? {
            Some(_) => Ok(id),
            None => bail!("没有编号为 {id} 的人员 (no person {id})"),
        };
    }
    match store.people_named(who)?.as_slice() {
        [p] => Ok(p.id),
        [] => bail!("名单中没有叫{who}的人 (no one is called {who})"),
        several => bail!(
            "{} people are called {who} (numbers {}); give the number",
            several.len(),
            several
                .iter()
                .map(|p| p.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
