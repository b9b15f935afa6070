//! Moving a compound's records between a box's SQLite file and the shared store (`gateward store
//! copy`): every record the boxes share (households, users, people with their faces, passes,
//! visits, vehicles, slips, shifts, training answers) and the gate log, each kept by its id so
//! that copying twice doubles nothing, and every one counted on the other side before the copy
//! is called done.

use std::path::PathBuf;

use crate::store::library::{PulledRecord, RecordKind};
use crate::store::shared::{SharedError, SharedStore, shown};
use crate::store::{Store, StoreError};

/// Records written to the shared store in one transaction.
const BATCH: usize = 500;

/// Where records are copied from or to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A box's records file.
    Sqlite(PathBuf),
    /// A shared store's address.
    Postgres(String),
}

impl Place {
    /// `sqlite:PATH` or `postgres://…` (`postgresql://…`).
    pub fn parse(text: &str) -> Result<Place, CopyError> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(CopyError::Place(text.to_owned()));
            }
            return Ok(Place::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Place::Postgres(text.to_owned()));
        }
        Err(CopyError::Place(shown(text)))
    }

    /// The place as said to the user (a password hidden).
    pub fn shown(&self) -> String {
        match self {
            Place::Sqlite(p) => format!("sqlite:{}", p.display()),
            Place::Postgres(url) => shown(url),
        }
    }
}

/// Why a copy stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "{0} is not a place to copy records from or to: write sqlite:PATH (a box's records file, e.g. sqlite:/var/lib/gateward/gateward.sqlite) or postgres://USER:PASSWORD@HOST:5432/DATABASE"
    )]
    Place(String),
    #[error(
        "copy between a box's records file and a shared store: one of --from and --to is sqlite:PATH, the other postgres://…"
    )]
    SameKind,
    #[error(
        "the records file {0} does not exist; give the box's gateward.sqlite (in its data folder)"
    )]
    NoFile(PathBuf),
    #[error(
        "the records file {0} already holds people, visits or events; copy into a new file (a path that does not exist yet) so that nothing there is mixed up"
    )]
    NotEmpty(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Shared(#[from] SharedError),
    #[error(
        "the copy is not complete: {found} of {expected} {what} are there after copying; nothing was deleted, run the copy again"
    )]
    Count {
        what: &'static str,
        expected: usize,
        found: usize,
    },
}

/// What was copied, each counted at the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// The records of each kind, in the order of [`RecordKind::ALL`].
    pub records: Vec<(RecordKind, usize)>,
    pub events: usize,
}

impl Copied {
    /// How many records of `kind` were copied.
    pub fn of(&self, kind: RecordKind) -> usize {
        self.records
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// Where a copy stands, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The number of records and events to copy, known at the start.
    Total(u64),
    /// This many more copied.
    Done(u64),
}

/// Copies the people, visits and gate log of `store` to the shared store, as box `box_name`
/// (visits registered here carry it).
pub fn to_shared(
    store: &Store,
    shared: &mut SharedStore,
    box_name: &str,
    progress: &mut dyn FnMut(Step),
) -> Result<Copied, CopyError> {
    let records = store.all_records(box_name)?;
    let events = store.events_after(0, usize::MAX >> 1)?;
    progress(Step::Total((records.len() + events.len()) as u64));
    for chunk in records.chunks(BATCH) {
        shared.write_records(box_name, chunk)?;
        progress(Step::Done(chunk.len() as u64));
    }
    for chunk in events.chunks(BATCH) {
        shared.write(box_name, chunk)?;
        progress(Step::Done(chunk.len() as u64));
    }
    let mut copied = Copied::default();
    for kind in RecordKind::ALL {
        let expected: Vec<String> = records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.uid.clone())
            .collect();
        let found = shared.records_present(kind, &expected)?.max(0) as usize;
        check(kind, expected.len(), found)?;
        copied.records.push((kind, found));
    }
    let event_ids: Vec<uuid::Uuid> = events
        .iter()
        .filter_map(|e| uuid::Uuid::parse_str(&e.uid).ok())
        .collect();
    let found = shared.events_present(&event_ids)?.max(0) as usize;
    check_events(events.len(), found)?;
    copied.events = found;
    Ok(copied)
}

/// Copies every person, visit and event of the shared store into `store`, a new records file of
/// the box `box_name` (the visits registered at it are its own again).
pub fn from_shared(
    shared: &mut SharedStore,
    store: &Store,
    box_name: &str,
    progress: &mut dyn FnMut(Step),
) -> Result<Copied, CopyError> {
    let mut total = shared.events_count()?;
    for kind in RecordKind::ALL {
        total += shared.records_count(kind)?;
    }
    progress(Step::Total(total.max(0) as u64));
    // every record, as a box that has none takes them ("" is no box's name)
    let mut after = 0;
    let mut records: Vec<(RecordKind, String)> = Vec::new();
    loop {
        let batch: Vec<PulledRecord> = shared.records_since("", after, BATCH as i64)?;
        let Some(last) = batch.last().map(|r| r.seq) else {
            break;
        };
        after = last;
        let live = batch.iter().filter(|r| r.record.doc.is_some()).count();
        records.extend(
            batch
                .iter()
                .filter(|r| r.record.doc.is_some())
                .map(|r| (r.record.kind, r.record.uid.clone())),
        );
        store.apply_records("store copy", box_name, batch, last)?;
        progress(Step::Done(live as u64));
    }
    let mut events = Vec::new();
    let mut from = None;
    loop {
        let batch = shared.events_page(from, BATCH as i64)?;
        let Some(last) = batch.last() else {
            break;
        };
        from = uuid::Uuid::parse_str(&last.uid).ok();
        events.extend(batch.iter().map(|e| e.uid.clone()));
        let n = batch.len() as u64;
        store.copy_in_events(batch)?;
        progress(Step::Done(n));
    }
    let mut copied = Copied::default();
    for kind in RecordKind::ALL {
        let expected: Vec<String> = records
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, uid)| uid.clone())
            .collect();
        let found = store.records_present(kind, &expected)?;
        check(kind, expected.len(), found)?;
        copied.records.push((kind, found));
    }
    let found = store.events_present(&events)?;
    check_events(events.len(), found)?;
    copied.events = found;
    Ok(copied)
}

fn check(kind: RecordKind, expected: usize, found: usize) -> Result<(), CopyError> {
    counted(kind.named(), expected, found)
}

fn check_events(expected: usize, found: usize) -> Result<(), CopyError> {
    counted("条门岗记录 gate events", expected, found)
}

fn counted(what: &'static str, expected: usize, found: usize) -> Result<(), CopyError> {
    if found == expected {
        Ok(())
    } else {
        Err(CopyError::Count {
            what,
            expected,
            found,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_a_records_file_or_a_shared_store_and_anything_else_says_how_to_write_them() {
        assert_eq!(
            Place::parse("sqlite:/var/lib/gateward/gateward.sqlite").unwrap(),
            Place::Sqlite(PathBuf::from("/var/lib/gateward/gateward.sqlite"))
        );
        assert_eq!(
            Place::parse("sqlite:records.sqlite").unwrap(),
            Place::Sqlite(PathBuf::from("records.sqlite"))
        );
        let pg = "postgres://gw:secret@10.0.0.5:5432/compound";
        assert_eq!(Place::parse(pg).unwrap(), Place::Postgres(pg.to_owned()));
        assert!(!Place::parse(pg).unwrap().shown().contains("secret"));
        for bad in [
            "sqlite:",
            "/var/lib/gateward/gateward.sqlite",
            "mysql://root:pw@h/db",
        ] {
            let e = Place::parse(bad).unwrap_err().to_string();
            assert!(e.contains("write sqlite:PATH"), "{e}");
            assert!(!e.contains(":pw@"), "the password is hidden: {e}");
        }
    }
}
