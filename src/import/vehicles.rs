//! `vehicles.csv`: the vehicles the gate knows (household cars, VIP and staff cars, booked moving
//! trucks, special vehicles, barred plates), one plate per row.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::VehicleKind;
use crate::domain::plate::normalise_plate;

use super::error::{ImportError, finish};
use super::people::normalise_household;
use super::report::{BadRow, Collector};
use super::table::{Column, Row, read_table};
use super::text::parse_date;

/// The columns of `vehicles.csv`, in their documented order.
pub(crate) const COLUMNS: &[Column] = &[
    Column {
        key: "plate",
        zh: "车牌",
        required: true,
        lines: false,
    },
    Column {
        key: "owner",
        zh: "车主",
        required: false,
        lines: false,
    },
    Column {
        key: "kind",
        zh: "类型",
        required: true,
        lines: false,
    },
    Column {
        key: "valid_from",
        zh: "开始日期",
        required: false,
        lines: false,
    },
    Column {
        key: "valid_to",
        zh: "结束日期",
        required: false,
        lines: false,
    },
    Column {
        key: "notes",
        zh: "备注",
        required: false,
        lines: true,
    },
];
const PLATE: usize = 0;
const OWNER: usize = 1;
const KIND: usize = 2;
const VALID_FROM: usize = 3;
const VALID_TO: usize = 4;
const NOTES: usize = 5;

/// One valid row of `vehicles.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRow {
    /// Spreadsheet line of the row (header = 1).
    pub line: usize,
    /// Normalised plate (see [`normalise_plate`]), unique within the file (车牌).
    pub plate: String,
    /// A person's name or a household code (车主); always set for household, VIP and staff
    /// vehicles. Household codes are normalised like people.csv's.
    pub owner: Option<String>,
    /// Why the gate knows it (类型).
    pub kind: VehicleKind,
    /// First day it may come in (开始日期); always set for a moving truck.
    pub valid_from: Option<NaiveDate>,
    /// Last day it may come in (结束日期); always set for a moving truck, never before
    /// `valid_from`.
    pub valid_to: Option<NaiveDate>,
    /// Free text (备注).
    pub notes: Option<String>,
}

/// Parses `vehicles.csv` (UTF-8 or GBK); `file` names it in the report. Owners are not checked
/// here: see [`check_owners`]. Returns every row, or [`ImportError::BadRows`] listing every bad
/// one.
pub fn parse_vehicles(file: &str, bytes: &[u8]) -> Result<Vec<VehicleRow>, ImportError> {
    let mut bad = Collector::new(file);
    let rows = read_vehicles(file, bytes, &mut bad)?;
    finish(bad.rows, rows)
}

pub(crate) fn read_vehicles(
    file: &str,
    bytes: &[u8],
    bad: &mut Collector,
) -> Result<Vec<VehicleRow>, ImportError> {
    let rows = read_table(file, bytes, COLUMNS, bad)?;
    let mut vehicles = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let before = bad.rows.len();
        let vehicle = read_vehicle(row, bad);
        if let Some(plate) = &vehicle.plate {
            if let Some(first) = first_line.get(plate) {
                bad.push(
                    row.line,
                    COLUMNS[PLATE].label(),
                    row.get(PLATE),
                    format!(
                        "plate {plate} is already on line {first}; a plate is listed once \
                         (merge the two rows)"
                    ),
                );
            } else {
                first_line.insert(plate.clone(), row.line);
            }
        }
        if bad.rows.len() == before
            && let (Some(plate), Some(kind)) = (vehicle.plate, vehicle.kind)
        {
            vehicles.push(VehicleRow {
                line: row.line,
                plate,
                owner: vehicle.owner,
                kind,
                valid_from: vehicle.valid_from,
                valid_to: vehicle.valid_to,
                notes: vehicle.notes,
            });
        }
    }
    Ok(vehicles)
}

/// A row's values as far as they could be read.
struct Partial {
    plate: Option<String>,
    owner: Option<String>,
    kind: Option<VehicleKind>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    notes: Option<String>,
}

fn read_vehicle(row: &Row, bad: &mut Collector) -> Partial {
    let line = row.line;
    let plate = normalise_plate(row.get(PLATE))
        .map_err(|e| bad.push(line, COLUMNS[PLATE].label(), row.get(PLATE), e.to_string()))
        .ok();

    let kind = match row.get(KIND) {
        "" => {
            bad.push(
                line,
                COLUMNS[KIND].label(),
                "",
                format!("write the kind (类型): {}", kind_list()),
            );
            None
        }
        raw => raw
            .parse::<VehicleKind>()
            .map_err(|_| {
                bad.push(
                    line,
                    COLUMNS[KIND].label(),
                    raw,
                    format!("unknown kind; use one of: {}", kind_list()),
                )
            })
            .ok(),
    };

    let owner = match row.get(OWNER) {
        "" => {
            if let Some(k @ (VehicleKind::Household | VehicleKind::Vip | VehicleKind::Staff)) = kind
            {
                bad.push(
                    line,
                    COLUMNS[OWNER].label(),
                    "",
                    format!(
                        "a {} ({}) vehicle needs its owner (车主): the person's name as written \
                         in people.csv, or their household, e.g. 3-2-1502",
                        k.key(),
                        k.zh()
                    ),
                );
            }
            None
        }
        raw => Some(normalise_owner(raw)),
    };

    let date = |index: usize, bad: &mut Collector| match row.get(index) {
        "" => None,
        raw => parse_date(raw)
            .map_err(|message| bad.push(line, COLUMNS[index].label(), raw, message))
            .ok(),
    };
    let valid_from = date(VALID_FROM, bad);
    let valid_to = date(VALID_TO, bad);
    if kind == Some(VehicleKind::MovingTruck) {
        for index in [VALID_FROM, VALID_TO] {
            if row.get(index).is_empty() {
                bad.push(
                    line,
                    COLUMNS[index].label(),
                    "",
                    "a moving truck (搬家车辆) is let in only on its booked days: write the first \
                     day in valid_from and the last in valid_to, as YYYY-MM-DD, e.g. 2026-11-28",
                );
            }
        }
    }
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && from > to
    {
        bad.push(
            line,
            COLUMNS[VALID_TO].label(),
            row.get(VALID_TO),
            format!("the last day {to} is before the first day {from}; swap them or correct one"),
        );
    }

    Partial {
        plate,
        owner,
        kind,
        valid_from,
        valid_to,
        notes: Some(row.get(NOTES))
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    }
}

fn kind_list() -> String {
    VehicleKind::ALL
        .iter()
        .map(|k| format!("{} ({})", k.key(), k.zh()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An owner as written, except that a household code (anything with a digit that has the
/// household shape) is normalised like people.csv's.
fn normalise_owner(raw: &str) -> String {
    let has_digit = super::text::to_halfwidth(raw)
        .chars()
        .any(|c| c.is_ascii_digit());
    match normalise_household(raw) {
        Ok(code) if has_digit => code,
        _ => raw.to_owned(),
    }
}

/// Checks that each vehicle's owner is known: `known_owner` is asked with the owner as stored
/// in the row (a person's name, or a normalised household code). `file` names the vehicles file
/// in the report. Returns one bad row per unknown owner.
pub fn check_owners(
    file: &str,
    vehicles: &[VehicleRow],
    known_owner: impl Fn(&str) -> bool,
) -> Vec<BadRow> {
    let mut bad = Collector::new(file);
    check_owners_into(vehicles, &known_owner, &mut bad);
    bad.rows
}

pub(crate) fn check_owners_into(
    vehicles: &[VehicleRow],
    known_owner: &dyn Fn(&str) -> bool,
    bad: &mut Collector,
) {
    for v in vehicles {
        if let Some(owner) = &v.owner
            && !known_owner(owner)
        {
            bad.push(
                v.line,
                COLUMNS[OWNER].label(),
                owner,
                "no person of that name and no such household in people.csv or in the \
                 records; write the owner's name exactly as in people.csv, or their household \
                 (e.g. 3-2-1502), or import people.csv first",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_iso_and_excel_form() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(parse_date("2026-11-28"), Ok(d));
        assert_eq!(parse_date("2026/11/28"), Ok(d));
        assert_eq!(
            parse_date("2026-1-5"),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
        );
        assert!(parse_date("28.11.2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("26-11-28").unwrap_err().contains("YYYY-MM-DD"));
        assert!(
            parse_date("2026-02-30")
                .unwrap_err()
                .contains("no such day")
        );
    }

    #[test]
    fn household_owners_are_normalised_names_are_not() {
        assert_eq!(normalise_owner("３－２－１５０２"), "3-2-1502");
        assert_eq!(normalise_owner("王建国"), "王建国");
        assert_eq!(normalise_owner("Tom"), "Tom");
    }
}
