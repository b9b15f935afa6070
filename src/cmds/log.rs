//! `gateward log`: searches the gate log (by plate with fuzzy matching, person, class, time
//! range, shift) with [`crate::app::log`] and prints it as a table, or exports it as CSV that
//! Excel opens with the Chinese intact.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::app::log::{Found, HEADER, Search, describe, fields, search, write_csv_to};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::{PersonClass, Shift};
use crate::store::{NewAuditEntry, Store, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Plate or part of one; one wrong character is tolerated (车牌，可模糊)
    #[arg(long)]
    pub plate: Option<String>,
    /// A person's name (人名)
    #[arg(long)]
    pub person: Option<String>,
    /// Class: vip, resident, office_staff, company_staff, pass_holder, visitor, barred, former_staff (类别)
    #[arg(long)]
    pub class: Option<PersonClass>,
    /// One local day, YYYY-MM-DD (日期)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub day: Option<NaiveDate>,
    /// From this local time, "YYYY-MM-DD HH:MM" or a date (起)
    #[arg(long)]
    pub from: Option<String>,
    /// Until this local time (exclusive) (止)
    #[arg(long)]
    pub to: Option<String>,
    /// Shift: night, morning, afternoon, evening (班次)
    #[arg(long)]
    pub shift: Option<Shift>,
    /// Write CSV (UTF-8 with BOM, opens in Excel) to FILE, or "-" for standard output (导出)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Who exports, for the audit log (操作人)
    #[arg(long, default_value = "manager")]
    pub by: String,
}

impl Args {
    /// The search the options ask for.
    pub fn search(&self) -> Search {
        Search {
            plate: self.plate.clone(),
            person: self.person.clone(),
            class: self.class,
            day: self.day,
            from: self.from.clone(),
            to: self.to.clone(),
            shift: self.shift,
            kind: None,
        }
    }
}

/// Runs the search.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let store = Store::open(database_path(&config.paths.data))?;
    let today = SystemClock.now().with_timezone(&tz).date_naive();
    let found = search(&store, tz, today, &args.search())?;
    let names = |id: Option<i64>| -> String {
        id.and_then(|id| store.person(id).ok().flatten())
            .map(|p| p.name)
            .unwrap_or_default()
    };
    match &args.csv {
        Some(path) => {
            write_csv(path, &found, tz, names)?;
            // Exports of personal data are recorded: who took what out of the box.
            store.append_audit(NewAuditEntry {
                actor: args.by.clone(),
                action: "export".to_owned(),
                object: path.display().to_string(),
                detail: format!("{} gate events ({})", found.len(), describe(&args.search())),
            })?;
            Ok(())
        }
        None => {
            print_table(&found, tz, names);
            Ok(())
        }
    }
}

fn print_table(found: &[Found], tz: Tz, names: impl Fn(Option<i64>) -> String) {
    if found.is_empty() {
        println!("no gate events match (没有符合条件的记录)");
        return;
    }
    let mut t = comfy_table::Table::new();
    t.set_header(HEADER);
    for (e, m) in found {
        t.add_row(fields(e, *m, tz, names(e.person_id)));
    }
    println!("{t}");
    println!("{} events (条记录)", found.len());
}

fn write_csv(
    path: &std::path::Path,
    found: &[Found],
    tz: Tz,
    names: impl Fn(Option<i64>) -> String,
) -> anyhow::Result<()> {
    let out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )
    };
    write_csv_to(out, found, tz, |id, _| names(id))
        .with_context(|| format!("cannot write {} (is the disk full?)", path.display()))?;
    if path.as_os_str() != "-" {
        eprintln!("{} events written to {}", found.len(), path.display());
    }
    Ok(())
}
