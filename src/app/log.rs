//! Searching the gate log (by plate with fuzzy matching, person, class, time range, shift,
//! kind) and exporting what was found as CSV that Excel opens with the Chinese intact: what
//! `gateward log` and the web's 记录查询 page both do.

use std::io::Write;

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use super::when::{TimeError, parse_local, to_utc};
use crate::domain::clean_plate;
use crate::domain::{PersonClass, Shift};
use crate::recognize::plate_match::{PlateMatch, plate_match};
use crate::store::{EventKind, EventQuery, GateEvent, Store, StoreError};

/// A search of the gate log: what `gateward log` and the web's 记录查询 page ask for. Every field
/// left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Plate or part of one; one wrong character is tolerated.
    pub plate: Option<String>,
    /// A person's exact name.
    pub person: Option<String>,
    pub class: Option<PersonClass>,
    /// One local day; when given, `from` and `to` are not read.
    pub day: Option<NaiveDate>,
    /// From this local time (see [`parse_local`]), inclusive.
    pub from: Option<String>,
    /// Until this local time, exclusive.
    pub to: Option<String>,
    pub shift: Option<Shift>,
    pub kind: Option<EventKind>,
}

/// Why a search cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Nobody has the name searched for.
    #[error("no one named {0} is in the records")]
    NoOne(String),
    /// Several people have the name searched for.
    #[error("{count} people are named {name}; search by --class or time instead")]
    Several { name: String, count: usize },
    /// A time that cannot be read, or does not exist at the gate.
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A gate event found, and how its plate matched the plate searched for.
pub type Found = (GateEvent, Option<PlateMatch>);

/// Runs `search` on the gate log: the gate's time zone `tz`, `today` for times given without a
/// date. Exact plate hits come before near ones, each in time order.
pub fn search(
    store: &Store,
    tz: Tz,
    today: NaiveDate,
    search: &Search,
) -> Result<Vec<Found>, SearchError> {
    let local = |t: &Option<String>| t.as_deref().map(|t| parse_local(t, today)).transpose();
    let (from, to) = match search.day {
        Some(day) => (
            Some(day.and_time(NaiveTime::MIN)),
            Some(day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN)),
        ),
        None => (local(&search.from)?, local(&search.to)?),
    };
    let utc = |t: Option<chrono::NaiveDateTime>| t.map(|t| to_utc(t, tz)).transpose();
    let person_id = match &search.person {
        Some(name) => match store.people_named(name)?.as_slice() {
            [p] => Some(p.id),
            [] => return Err(SearchError::NoOne(name.clone())),
            several => {
                return Err(SearchError::Several {
                    name: name.clone(),
                    count: several.len(),
                });
            }
        },
        None => None,
    };
    let query = EventQuery {
        from: utc(from)?,
        to: utc(to)?,
        person_id,
        class: search.class,
        shift: search.shift,
        kind: search.kind,
        ..EventQuery::default()
    };
    let mut found: Vec<Found> = store
        .events(&query)?
        .into_iter()
        .filter_map(|e| match &search.plate {
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
    Ok(found)
}

/// The columns of the log, as the table and the CSV export show them.
pub const HEADER: [&str; 12] = [
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

/// One event as the columns of [`HEADER`]; `name` is the person's name, a near plate match
/// is marked ≈.
pub fn fields(e: &GateEvent, m: Option<PlateMatch>, tz: Tz, name: String) -> [String; 12] {
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
pub fn describe(search: &Search) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &search.plate {
        parts.push(format!("plate {p}"));
    }
    if let Some(p) = &search.person {
        parts.push(format!("person {p}"));
    }
    if let Some(c) = search.class {
        parts.push(format!("class {c}"));
    }
    if let Some(d) = search.day {
        parts.push(format!("day {d}"));
    }
    if let Some(f) = &search.from {
        parts.push(format!("from {f}"));
    }
    if let Some(t) = &search.to {
        parts.push(format!("to {t}"));
    }
    if let Some(s) = search.shift {
        parts.push(format!("shift {s}"));
    }
    if let Some(k) = search.kind {
        parts.push(format!("kind {k}"));
    }
    if parts.is_empty() {
        "everything".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Why the CSV could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

/// Writes `found` as CSV to `out`: UTF-8 with a byte-order mark, so Excel shows the Chinese,
/// the columns of [`HEADER`]. `names` names an event's person, or its plate's owner.
pub fn write_csv_to(
    mut out: impl Write,
    found: &[Found],
    tz: Tz,
    names: impl Fn(Option<i64>, Option<&str>) -> String,
) -> Result<(), CsvError> {
    // The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for (e, m) in found {
        let who = names(e.person_id, e.plate.as_deref());
        w.write_record(fields(e, *m, tz, who).map(|f| inert(&f)))?;
    }
    w.flush()?;
    Ok(())
}

/// A cell Excel will not run as a formula: text starting with = + - @ (or a tab or carriage
/// return) gets a leading apostrophe, which Excel shows as plain text.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_that_excel_would_run_as_formulas_are_made_plain_text() {
        assert_eq!(super::inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::inert("+1"), "'+1");
        assert_eq!(super::inert("王建国"), "王建国");
        assert_eq!(super::inert("2026-11-28 07:00:00"), "2026-11-28 07:00:00");
    }
}
