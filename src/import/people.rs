//! `people.csv`: the people enrolled at the gate (residents, VIPs, staff, pass holders, barred and
//! former staff), one per row, with their photos and their consent to face collection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::domain::{ConsentMethod, PersonClass, PersonStatus, Post};

use super::error::{ImportError, finish};
use super::report::Collector;
use super::table::{Column, Row, read_table};
use super::text::{parse_date, to_halfwidth};

/// The columns of `people.csv`, in their documented order.
pub(crate) const COLUMNS: &[Column] = &[
    Column {
        key: "name",
        zh: "姓名",
        required: true,
        lines: false,
    },
    Column {
        key: "class",
        zh: "类别",
        required: true,
        lines: false,
    },
    Column {
        key: "title",
        zh: "称呼",
        required: false,
        lines: false,
    },
    Column {
        key: "household",
        zh: "房号",
        required: false,
        lines: false,
    },
    Column {
        key: "status",
        zh: "状态",
        required: false,
        lines: false,
    },
    Column {
        key: "notes",
        zh: "备注",
        required: false,
        lines: true,
    },
    Column {
        key: "photos",
        zh: "照片",
        required: false,
        lines: false,
    },
    Column {
        key: "notify",
        zh: "通知",
        required: false,
        lines: false,
    },
    Column {
        key: "consent_by",
        zh: "同意人",
        required: false,
        lines: false,
    },
    Column {
        key: "consent_date",
        zh: "同意日期",
        required: false,
        lines: false,
    },
    Column {
        key: "consent_how",
        zh: "同意方式",
        required: false,
        lines: false,
    },
];
const NAME: usize = 0;
const CLASS: usize = 1;
const TITLE: usize = 2;
const HOUSEHOLD: usize = 3;
const STATUS: usize = 4;
const NOTES: usize = 5;
const PHOTOS: usize = 6;
const NOTIFY: usize = 7;
const CONSENT_BY: usize = 8;
const CONSENT_DATE: usize = 9;
const CONSENT_HOW: usize = 10;

/// The classes a person may be enrolled as: everyone of SPEC §1 except visitors, who are
/// registered at the gate each time.
pub const ENROLLED_CLASSES: &[PersonClass] = &[
    PersonClass::Vip,
    PersonClass::Resident,
    PersonClass::OfficeStaff,
    PersonClass::CompanyStaff,
    PersonClass::PassHolder,
    PersonClass::Barred,
    PersonClass::FormerStaff,
];

/// Photo file extensions the face pipeline can decode.
pub const PHOTO_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp"];

/// One valid row of `people.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// Spreadsheet line of the row (header = 1), to point at it in later messages.
    pub line: usize,
    /// Unique within the file (姓名).
    pub name: String,
    /// Never `Visitor` (类别).
    pub class: PersonClass,
    /// The title the guard greets them by, e.g. 王总 (称呼); always set for a VIP, only set for
    /// VIPs and office or company staff.
    pub title: Option<String>,
    /// Household code `building-unit-room`, e.g. 3-2-1502 (房号); always set for a resident.
    pub household: Option<String>,
    /// `Left` for former staff.
    pub status: PersonStatus,
    /// Free text: looks, habits, requests (备注).
    pub notes: Option<String>,
    /// Photo files, resolved against the CSV file's folder; each exists and is a file.
    pub photos: Vec<PathBuf>,
    /// Whom to notify instead of the usual post (通知): only for company staff who asked that
    /// the office not be told (`ShiftLeader`); `None` means the rules' default for the class.
    pub notify: Option<Post>,
    /// Their consent to the collection of their face (同意人, 同意日期, 同意方式), when the row
    /// records one. A face is enrolled only for a person whose consent is on record.
    pub consent: Option<ConsentRow>,
}

/// A consent to face collection as a row of `people.csv` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// Who gave it: 本人 (the person), or who speaks for them, e.g. 监护人 陈静 (同意人).
    pub by: String,
    /// The day it was given (同意日期).
    pub date: NaiveDate,
    /// How: written (书面), oral (口头) or online (线上) (同意方式).
    pub how: ConsentMethod,
}

/// What reading `people.csv` gives the cross-file checks: the good rows, plus every name and
/// well-formed household the file mentions (bad rows included, so that one bad person row does
/// not also make their car's row bad).
#[derive(Debug, Default)]
pub(crate) struct People {
    pub rows: Vec<PersonRow>,
    /// Each name with its class when the class was valid.
    pub names: HashMap<String, Option<PersonClass>>,
    pub households: Vec<String>,
}

impl People {
    /// True when `owner` is a person's name or a household code of this file.
    pub fn knows(&self, owner: &str) -> bool {
        self.names.contains_key(owner) || self.households.iter().any(|h| h == owner)
    }
}

/// Parses `people.csv` (UTF-8 or GBK). `file` names it in the report; photo paths are resolved
/// against `base_dir` (the CSV file's folder) and each photo must exist there. Returns every
/// row, or [`ImportError::BadRows`] listing every bad one.
pub fn parse_people(
    file: &str,
    bytes: &[u8],
    base_dir: &Path,
) -> Result<Vec<PersonRow>, ImportError> {
    let mut bad = Collector::new(file);
    let people = read_people(file, bytes, base_dir, &mut bad)?;
    finish(bad.rows, people.rows)
}

pub(crate) fn read_people(
    file: &str,
    bytes: &[u8],
    base_dir: &Path,
    bad: &mut Collector,
) -> Result<People, ImportError> {
    let rows = read_table(file, bytes, COLUMNS, bad)?;
    let mut people = People::default();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut photo_owner: HashMap<PathBuf, (String, usize)> = HashMap::new();
    for row in &rows {
        let before = bad.rows.len();
        let person = read_person(row, base_dir, bad, &mut photo_owner);
        let name = row.get(NAME);
        if !name.is_empty() {
            if let Some(first) = first_line.get(name) {
                let tag = person.household.as_deref().unwrap_or("3-2-1502");
                bad.push(
                    row.line,
                    COLUMNS[NAME].label(),
                    name,
                    format!(
                        "{name} is already on line {first}; each person needs a different \
                         name, so add something to tell them apart, e.g. {name}({tag})"
                    ),
                );
            } else {
                first_line.insert(name.to_owned(), row.line);
                let class = parse_class(row.get(CLASS)).ok();
                people.names.insert(name.to_owned(), class);
            }
        }
        if let Some(h) = &person.household
            && !people.households.contains(h)
        {
            people.households.push(h.clone());
        }
        if bad.rows.len() == before {
            people.rows.push(person);
        }
    }
    Ok(people)
}

/// Reads one row, recording each bad value; the returned person is only meaningful when
/// nothing was recorded.
fn read_person(
    row: &Row,
    base_dir: &Path,
    bad: &mut Collector,
    photo_owner: &mut HashMap<PathBuf, (String, usize)>,
) -> PersonRow {
    let line = row.line;
    let name = row.get(NAME);
    if name.is_empty() {
        bad.push(
            line,
            COLUMNS[NAME].label(),
            "",
            "write the person's name (姓名), e.g. 张伟",
        );
    }

    let class = match parse_class(row.get(CLASS)) {
        Ok(class) => Some(class),
        Err(message) => {
            bad.push(line, COLUMNS[CLASS].label(), row.get(CLASS), message);
            None
        }
    };

    let title = non_empty(row.get(TITLE));
    if let Some(class) = class {
        check_title(class, title.as_deref(), line, bad);
    }

    let household = match row.get(HOUSEHOLD) {
        "" => {
            if class == Some(PersonClass::Resident) {
                bad.push(
                    line,
                    COLUMNS[HOUSEHOLD].label(),
                    "",
                    "a resident needs their household (房号) as building-unit-room, e.g. 3-2-1502",
                );
            }
            None
        }
        raw => match normalise_household(raw) {
            Ok(h) => Some(h),
            Err(message) => {
                bad.push(line, COLUMNS[HOUSEHOLD].label(), raw, message);
                None
            }
        },
    };

    let former = class == Some(PersonClass::FormerStaff);
    let status = match row.get(STATUS) {
        "" if former => PersonStatus::Left,
        "" => PersonStatus::Active,
        raw => match raw.parse::<PersonStatus>() {
            Ok(PersonStatus::Active) if former => {
                bad.push(
                    line,
                    COLUMNS[STATUS].label(),
                    raw,
                    "former staff have always left (they are treated as visitors); write left \
                     or leave it empty",
                );
                PersonStatus::Left
            }
            Ok(s) => s,
            Err(_) => {
                bad.push(
                    line,
                    COLUMNS[STATUS].label(),
                    raw,
                    "write active (在册) or left (已离开), or leave it empty for active",
                );
                PersonStatus::Active
            }
        },
    };

    let notify = match row.get(NOTIFY) {
        "" => None,
        raw => {
            let post = raw.parse::<Post>().ok();
            if class.is_some_and(|c| c != PersonClass::CompanyStaff) {
                bad.push(
                    line,
                    COLUMNS[NOTIFY].label(),
                    raw,
                    "notify is only for company staff (公司员工) who asked that the office not be \
                     told when they come; leave it empty",
                );
            } else if !matches!(post, Some(Post::ShiftLeader | Post::OfficeDuty)) {
                bad.push(
                    line,
                    COLUMNS[NOTIFY].label(),
                    raw,
                    "write shift_leader (当班分队长) when the person asked that the office not be \
                     told, or leave it empty to notify office_duty (管理处值班人员)",
                );
            }
            post
        }
    };

    let photos = read_photos(row, base_dir, bad, photo_owner);
    let consent = read_consent(row, bad);

    PersonRow {
        line,
        name: name.to_owned(),
        class: class.unwrap_or(PersonClass::Resident),
        title,
        household,
        status,
        notes: non_empty(row.get(NOTES)),
        photos,
        notify,
        consent,
    }
}

/// The consent columns of a row: all three empty (no consent recorded in the file), or all
/// three filled and valid.
fn read_consent(row: &Row, bad: &mut Collector) -> Option<ConsentRow> {
    let (by, date, how) = (
        row.get(CONSENT_BY),
        row.get(CONSENT_DATE),
        row.get(CONSENT_HOW),
    );
    if by.is_empty() && date.is_empty() && how.is_empty() {
        return None;
    }
    let line = row.line;
    let methods = ConsentMethod::ALL
        .iter()
        .map(|m| format!("{} ({})", m.key(), m.zh()))
        .collect::<Vec<_>>()
        .join(", ");
    if by.is_empty() {
        bad.push(
            line,
            COLUMNS[CONSENT_BY].label(),
            "",
            "write who gave the consent to face collection: 本人 (the person), or who speaks for \
             them, e.g. 监护人 陈静; or leave all three consent columns empty",
        );
    }
    let date = match date {
        "" => {
            bad.push(
                line,
                COLUMNS[CONSENT_DATE].label(),
                "",
                "write the day the consent was given, e.g. 2026-11-28",
            );
            None
        }
        raw => match parse_date(raw) {
            Ok(d) => Some(d),
            Err(message) => {
                bad.push(line, COLUMNS[CONSENT_DATE].label(), raw, message);
                None
            }
        },
    };
    let how = match how {
        "" => {
            bad.push(
                line,
                COLUMNS[CONSENT_HOW].label(),
                "",
                format!("write how the consent was given: {methods}"),
            );
            None
        }
        raw => match raw.parse::<ConsentMethod>() {
            Ok(m) => Some(m),
            Err(_) => {
                bad.push(
                    line,
                    COLUMNS[CONSENT_HOW].label(),
                    raw,
                    format!("write how the consent was given, one of: {methods}"),
                );
                None
            }
        },
    };
    Some(ConsentRow {
        by: by.to_owned(),
        date: date?,
        how: how?,
    })
}

/// A class of `people.csv`: any of [`ENROLLED_CLASSES`], by machine or Chinese name.
fn parse_class(raw: &str) -> Result<PersonClass, String> {
    if raw.is_empty() {
        return Err(format!("write the person's class (类别): {}", class_list()));
    }
    match raw.parse::<PersonClass>() {
        Ok(PersonClass::Visitor) => Err(
            "visitors are not enrolled: the guard registers them at the gate each time; for \
             someone who comes often with a pass (renovation, deliveries) use pass_holder"
                .to_owned(),
        ),
        Ok(class) => Ok(class),
        Err(_) => Err(format!("unknown class; use one of: {}", class_list())),
    }
}

fn class_list() -> String {
    ENROLLED_CLASSES
        .iter()
        .map(|c| format!("{} ({})", c.key(), c.zh()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_title(class: PersonClass, title: Option<&str>, line: usize, bad: &mut Collector) {
    let col = COLUMNS[TITLE].label();
    match (class, title) {
        (PersonClass::Vip, None) => bad.push(
            line,
            col,
            "",
            "a VIP needs the title the guard greets them by (称呼): surname + 总, 董 or 主任, \
             e.g. 王总",
        ),
        (PersonClass::Vip | PersonClass::OfficeStaff | PersonClass::CompanyStaff, Some(t))
            if t.chars().count() > 8 =>
        {
            bad.push(
                line,
                col,
                t,
                "the title is said aloud in the greeting (王总，早上好); keep it short, e.g. 王总 or \
                 李主管, and put the rest in notes",
            )
        }
        (PersonClass::Vip | PersonClass::OfficeStaff | PersonClass::CompanyStaff, _) | (_, None) => {}
        (other, Some(t)) => bad.push(
            line,
            col,
            t,
            format!(
                "only vip, office_staff and company_staff are greeted by title; leave it empty \
                 for a {} ({}), or put it in notes",
                other.key(),
                other.zh()
            ),
        ),
    }
}

/// Normalises a household code `building-unit-room` (3-2-1502; also 2-1502 or 1502): one to
/// three parts of letters and digits separated by `-`. Full-width characters are made plain.
pub fn normalise_household(raw: &str) -> Result<String, String> {
    let code: String = to_halfwidth(raw.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if matches!(c, '—' | '–' | '－') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let parts: Vec<&str> = code.split('-').collect();
    let ok = parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(code)
    } else {
        Err(
            "write the household (房号) as building-unit-room with '-' between the parts, e.g. \
             3-2-1502 for 3栋2单元1502室 (2-1502 or 1502 also work)"
                .to_owned(),
        )
    }
}

fn read_photos(
    row: &Row,
    base_dir: &Path,
    bad: &mut Collector,
    photo_owner: &mut HashMap<PathBuf, (String, usize)>,
) -> Vec<PathBuf> {
    let col = COLUMNS[PHOTOS].label();
    let mut photos = Vec::new();
    for entry in row.get(PHOTOS).split([';', '；']).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let path = base_dir.join(entry);
        let ext_ok = Path::new(entry)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| PHOTO_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
        match std::fs::metadata(&path) {
            Err(_) => bad.push(
                row.line,
                col,
                entry,
                format!(
                    "photo file not found (looked for {}); photo paths are relative to the \
                     folder of the CSV file, several separated by ';'",
                    path.display()
                ),
            ),
            Ok(meta) if !meta.is_file() => bad.push(
                row.line,
                col,
                entry,
                "this is a folder, not a photo file; name each photo file, separated by ';'",
            ),
            Ok(_) if !ext_ok => bad.push(
                row.line,
                col,
                entry,
                "a photo must be a .jpg, .png or .webp file; save it in one of those formats",
            ),
            Ok(_) => {
                let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                let name = row.get(NAME);
                match photo_owner.get(&key) {
                    Some((other, _)) if other == name => {} // listed twice for one person
                    Some((other, line)) => bad.push(
                        row.line,
                        col,
                        entry,
                        format!(
                            "this photo is already {other}'s (line {line}); one real person is \
                             enrolled once, so put all their photos on one row"
                        ),
                    ),
                    _ => {
                        photo_owner.insert(key, (name.to_owned(), row.line));
                        photos.push(path);
                    }
                }
            }
        }
    }
    photos
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}
