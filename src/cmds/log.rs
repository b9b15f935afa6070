//! `gateward log`: searches the gate log (by plate with fuzzy matching, person, class, time
//! range, shift) and prints it or exports it as CSV that Excel opens with the Chinese intact.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::when::{parse_local, to_utc};
use crate::clock::{Clock, SystemClock};
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::config::Config;
use crate::domain::clean_plate;
use crate::domain::{PersonClass, Shift};
use crate::recognize::plate_match::{PlateMatch, plate_match};
use crate::store::{EventQuery, GateEvent, NewAuditEntry, Store, database_path};

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

/// Runs the search.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let store = Store::open(database_path(&config.paths.data))?;
    let today = SystemClock.now().with_timezone(&tz).date_naive();
    let (from, to) = match args.day {
        Some(day) => (
            Some(day.and_time(NaiveTime::MIN)),
            Some(day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN)),
        ),
        None => (
            args.from
                .as_deref()
                .map(|t| parse_local(t, today))
                .transpose()?,
            args.to
                .as_deref()
                .map(|t| parse_local(t, today))
                .transpose()?,
        ),
    };
    let person_id = match &args.person {
        Some(name) => match store.people_named(name)?.as_slice() {
            [p] => Some(p.id),
            [] => bail!("no one named {name} is in the records"),
            several => bail!(
                "{} people are named {name}; search by --class or time instead",
                several.len()
            ),
        },
        None => None,
    };
    let query = EventQuery {
        from: from.map(|t| to_utc(t, tz)).transpose()?,
        to: to.map(|t| to_utc(t, tz)).transpose()?,
        person_id,
        class: args.class,
        shift: args.shift,
        ..EventQuery::default()
    };
    let mut found: Vec<(GateEvent, Option<PlateMatch>)> = store
        .events(&query)?
        .into_iter()
        .filter_map(|e| match &args.plate {
            None => Some((e, None)),
            Some(q) => {
                let m = e
                    .plate
                    .as_deref()
                    .and_then(|p| plate_match(&clean_plate(q), p))?;
                Some((e, Some(m)))
            }
        })
        .collect();
    // exact plate hits before near ones, each in time order
    found.sort_by_key(|(e, m)| (*m, e.at, e.id));
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
                detail: format!("{} gate events ({})", found.len(), describe(args)),
            })?;
            Ok(())
        }
        None => {
            print_table(&found, tz, names);
            Ok(())
        }
    }
}

const HEADER: [&str; 12] = [
    "时间",
    "班次",
    "门岗",
    "方向",
    "类型",
    "类别",
    "人员",
    "车牌",
    "车牌颜色",
    "处理",
    "通知",
    "抓拍",
];

fn fields(e: &GateEvent, m: Option<PlateMatch>, tz: Tz, name: String) -> [String; 12] {
    let plate = e.plate.clone().unwrap_or_default();
    [
        e.at.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        e.shift.zh().to_owned(),
        e.gate.clone(),
        e.direction.map(|d| d.zh()).unwrap_or_default().to_owned(),
        e.kind.zh().to_owned(),
        e.class.map(|c| c.zh()).unwrap_or_default().to_owned(),
        name,
        if m == Some(PlateMatch::Near) {
            format!("≈{plate}")
        } else {
            plate
        },
        e.plate_colour
            .map(|c| c.zh())
            .unwrap_or_default()
            .to_owned(),
        e.decision.clone(),
        e.notified
            .iter()
            .map(|p| p.zh())
            .collect::<Vec<_>>()
            .join("、"),
        e.snapshot.clone().unwrap_or_default(),
    ]
}

/// The search, in words, for the audit log.
fn describe(args: &Args) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &args.plate {
        parts.push(format!("plate {p}"));
    }
    if let Some(p) = &args.person {
        parts.push(format!("person {p}"));
    }
    if let Some(c) = args.class {
        parts.push(format!("class {c}"));
    }
    if let Some(d) = args.day {
        parts.push(format!("day {d}"));
    }
    if let Some(f) = &args.from {
        parts.push(format!("from {f}"));
    }
    if let Some(t) = &args.to {
        parts.push(format!("to {t}"));
    }
    if let Some(s) = args.shift {
        parts.push(format!("shift {s}"));
    }
    if parts.is_empty() {
        "everything".to_owned()
    } else {
        parts.join(", ")
    }
}

fn print_table(
    found: &[(GateEvent, Option<PlateMatch>)],
    tz: Tz,
    names: impl Fn(Option<i64>) -> String,
) {
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
    found: &[(GateEvent, Option<PlateMatch>)],
    tz: Tz,
    names: impl Fn(Option<i64>) -> String,
) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )
    };
    // The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for (e, m) in found {
        w.write_record(fields(e, *m, tz, names(e.person_id)))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {} (is the disk full?)", path.display()))?;
    if path.as_os_str() != "-" {
        eprintln!("{} events written to {}", found.len(), path.display());
    }
    Ok(())
}
