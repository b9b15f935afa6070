//! Importing the compound's people and vehicles from the CSV files a property manager keeps in
//! Excel (`gateward import FILE.csv|FOLDER`).
//!
//! This layer is pure: bytes in, typed rows or a report of bad rows out. Only [`load_path`] and
//! [`parse_folder`] read files, and [`parse_people`] looks at the photo files it names. Files may
//! be UTF-8 (with or without BOM) or GBK, what Excel on a Chinese Windows saves. An import is all
//! or nothing: when any row is wrong, the caller gets [`ImportError::BadRows`] listing every bad
//! value with its file, spreadsheet line, column and what to write instead, and no rows at all.
//!
//! The formats are documented for the manager in `fixtures/demo/README.md`:
//! - `people.csv`: `name,class,title,household,status,notes,photos[,notify][,consent_by,
//!   consent_date,consent_how]`;
//! - `vehicles.csv`: `plate,owner,kind,valid_from,valid_to,notes`.
//!
//! Headers may use the machine names or the Chinese ones (姓名, 类别…), in any order.

use std::path::Path;

use crate::domain::{PersonClass, VehicleKind};

mod error;
mod named_photos;
mod people;
mod report;
mod set;
mod table;
mod text;
mod vehicles;

pub use error::{ImportError, PEOPLE_FILE, VEHICLES_FILE};
pub use named_photos::{NAMED_PHOTO_DIR, attach_named_photos};
pub use people::{
    ConsentRow, ENROLLED_CLASSES, PHOTO_EXTENSIONS, PersonRow, normalise_household, parse_people,
};
pub use report::{BadRow, BadRows};
pub use set::ImportSet;
pub use text::{Encoding, decode, parse_date};
pub use vehicles::{VehicleRow, check_owners, parse_vehicles};

use error::{finish, sorted};
use report::Collector;

/// Which list a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    People,
    Vehicles,
}

/// One CSV file to import: the name to report it by, its bytes, and the folder its relative
/// photo paths start from.
#[derive(Debug, Clone, Copy)]
pub struct CsvInput<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub base_dir: &'a Path,
}

/// Parses a people file and a vehicles file together (either may be absent) and checks them
/// against each other: a vehicle's owner must be a person or household of the people file, or
/// one `known_owner` knows (the records already stored; pass `|_| false` when there are none).
/// A VIP or staff vehicle whose owner is in the people file must belong to a VIP or staff
/// member. Every bad row of both files is reported at once.
pub fn parse_set(
    people: Option<CsvInput<'_>>,
    vehicles: Option<CsvInput<'_>>,
    known_owner: impl Fn(&str) -> bool,
) -> Result<ImportSet, ImportError> {
    let mut people_bad = Collector::new(people.map_or(PEOPLE_FILE, |p| p.name));
    let people = match people {
        Some(input) => {
            people::read_people(input.name, input.bytes, input.base_dir, &mut people_bad)?
        }
        None => people::People::default(),
    };
    let mut vehicles_bad = Collector::new(vehicles.map_or(VEHICLES_FILE, |v| v.name));
    let vehicles = match vehicles {
        Some(input) => vehicles::read_vehicles(input.name, input.bytes, &mut vehicles_bad)?,
        None => Vec::new(),
    };
    vehicles::check_owners_into(
        &vehicles,
        &|owner| people.knows(owner) || known_owner(owner),
        &mut vehicles_bad,
    );
    check_owner_classes(&vehicles, &people, &mut vehicles_bad);

    let mut bad = sorted(people_bad.rows);
    bad.extend(sorted(vehicles_bad.rows));
    finish(
        bad,
        ImportSet {
            people: people.rows,
            vehicles,
            households: people.households,
        },
    )
}

/// A VIP car must belong to a VIP, a staff car to office or company staff (when the owner is a
/// person of this import).
fn check_owner_classes(vehicles: &[VehicleRow], people: &people::People, bad: &mut Collector) {
    for v in vehicles {
        let Some(owner) = &v.owner else { continue };
        let Some(Some(class)) = people.names.get(owner) else {
            continue;
        };
        let fits = match v.kind {
            VehicleKind::Vip => *class == PersonClass::Vip,
            VehicleKind::Staff => {
                matches!(class, PersonClass::OfficeStaff | PersonClass::CompanyStaff)
            }
            _ => true,
        };
        if !fits {
            bad.push(
                v.line,
                ("kind", "类型"),
                v.kind.key(),
                format!(
                    "the owner {owner} is a {} ({}) in people.csv, so this is not a {} ({}) \
                     vehicle; use household for a resident's car, or correct the person's class",
                    class.key(),
                    class.zh(),
                    v.kind.key(),
                    v.kind.zh()
                ),
            );
        }
    }
}

/// Reads a folder holding `people.csv` and/or `vehicles.csv` (names in any letter case) and
/// parses them together with [`parse_set`]. Photo paths in people.csv are relative to `dir`.
pub fn parse_folder(
    dir: &Path,
    known_owner: impl Fn(&str) -> bool,
) -> Result<ImportSet, ImportError> {
    let read_err = |source| ImportError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut people_path = None;
    let mut vehicles_path = None;
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let name = file_name(&path).to_lowercase();
        if name == PEOPLE_FILE {
            people_path = Some(path);
        } else if name == VEHICLES_FILE {
            vehicles_path = Some(path);
        }
    }
    if people_path.is_none() && vehicles_path.is_none() {
        return Err(ImportError::NothingToImport {
            dir: dir.to_owned(),
        });
    }
    let people_bytes = people_path.as_deref().map(read_bytes).transpose()?;
    let vehicles_bytes = vehicles_path.as_deref().map(read_bytes).transpose()?;
    let people_name = people_path.as_deref().map(file_name).unwrap_or_default();
    let vehicles_name = vehicles_path.as_deref().map(file_name).unwrap_or_default();
    parse_set(
        people_bytes.as_deref().map(|bytes| CsvInput {
            name: &people_name,
            bytes,
            base_dir: dir,
        }),
        vehicles_bytes.as_deref().map(|bytes| CsvInput {
            name: &vehicles_name,
            bytes,
            base_dir: dir,
        }),
        known_owner,
    )
}

/// Imports what `path` names: a folder (see [`parse_folder`]) or one CSV file, recognised by
/// its name (people.csv, vehicles.csv) or else by its header. A vehicles file imported alone
/// has its owners checked by `known_owner` only.
pub fn load_path(
    path: &Path,
    known_owner: impl Fn(&str) -> bool,
) -> Result<ImportSet, ImportError> {
    if path.is_dir() {
        return parse_folder(path, known_owner);
    }
    let bytes = read_bytes(path)?;
    let name = file_name(path);
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let input = CsvInput {
        name: &name,
        bytes: &bytes,
        base_dir,
    };
    match detect_kind(&name, &bytes) {
        Some(CsvKind::People) => parse_set(Some(input), None, known_owner),
        Some(CsvKind::Vehicles) => parse_set(None, Some(input), known_owner),
        None => Err(ImportError::UnknownFile {
            path: path.to_owned(),
        }),
    }
}

/// Tells which list a CSV file holds: by its name (people.csv, vehicles.csv), else by its
/// header (a `plate`/车牌 column means vehicles, a `name`/姓名 column people).
pub fn detect_kind(file_name: &str, bytes: &[u8]) -> Option<CsvKind> {
    match file_name.to_lowercase().as_str() {
        PEOPLE_FILE => return Some(CsvKind::People),
        VEHICLES_FILE => return Some(CsvKind::Vehicles),
        _ => {}
    }
    let (text, _) = decode(bytes)?;
    let header = text.lines().next()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header.as_bytes());
    let record = reader.records().next()?.ok()?;
    let has = |key: &str, zh: &str| {
        record.iter().any(|c| {
            let c = c.trim().trim_start_matches('\u{FEFF}');
            c.eq_ignore_ascii_case(key) || c == zh
        })
    };
    if has("plate", "车牌") {
        Some(CsvKind::Vehicles)
    } else if has("name", "姓名") {
        Some(CsvKind::People)
    } else {
        None
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_owned(),
        source,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests;
