//! Tests of the import layer on small files written in the test, and on the demo compound.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use encoding_rs::GBK;

use super::*;
use crate::domain::{PersonStatus, Post};

const PEOPLE_HEADER: &str = "name,class,title,household,status,notes,photos\n";
const VEHICLES_HEADER: &str = "plate,owner,kind,valid_from,valid_to,notes\n";

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// A folder holding the given files (photos may be empty files: only their existence counts).
fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn bad_rows(result: Result<impl std::fmt::Debug, ImportError>) -> Vec<BadRow> {
    match result {
        Err(ImportError::BadRows(bad)) => bad.rows,
        other => panic!("expected bad rows, got {other:?}"),
    }
}

/// (line, column) of each bad value.
fn where_bad(rows: &[BadRow]) -> Vec<(usize, &str)> {
    rows.iter().map(|r| (r.line, r.column.as_str())).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn good_people_file_gives_typed_rows() {
    let dir = folder(&[("photos/wang.jpg", b"x"), ("photos/wang2.JPG", b"x")]);
    let csv = format!(
        "{PEOPLE_HEADER}\
         王建国,vip,王总,,,开发商,photos/wang.jpg; photos/wang2.JPG\n\
         陈静, 业主 ,,３－２－１５０２,,,\n\
         马丽,office_staff,主任,,active,,\n\
         冯强,former_staff,,,,,\n"
    );
    let people = parse_people("people.csv", csv.as_bytes(), dir.path()).unwrap();
    assert_eq!(people.len(), 4);
    let wang = &people[0];
    assert_eq!(
        (
            wang.line,
            wang.name.as_str(),
            wang.class,
            wang.title.as_deref()
        ),
        (2, "王建国", PersonClass::Vip, Some("王总"))
    );
    assert_eq!(wang.notes.as_deref(), Some("开发商"));
    assert_eq!(
        wang.photos,
        vec![
            dir.path().join("photos/wang.jpg"),
            dir.path().join("photos/wang2.JPG")
        ]
    );
    assert_eq!(wang.status, PersonStatus::Active);
    assert_eq!(people[1].class, PersonClass::Resident);
    assert_eq!(people[1].household.as_deref(), Some("3-2-1502"));
    assert_eq!(people[1].notes, None);
    assert_eq!(
        people[3].status,
        PersonStatus::Left,
        "former staff have left"
    );
}

#[test]
fn every_kind_of_bad_person_row_is_reported_with_its_line() {
    let dir = folder(&[("a.jpg", b"x"), ("doc.pdf", b"x"), ("sub/x", b"x")]);
    let csv = format!(
        "{PEOPLE_HEADER}\
         ,resident,,1-1-101,,,\n\
         访客甲,visitor,,,,,\n\
         张三,owner,,,,,\n\
         王总,vip,,,,,\n\
         赵六,resident,,,,,\n\
         孙七,resident,,3栋2单元1502,,,\n\
         周八,resident,,1-2-3-4,,,\n\
         吴九,resident,老吴,1-1-101,,,\n\
         郑十,resident,,1-1-101,gone,,\n\
         冯强,former_staff,,,active,,\n\
         钱一,resident,,1-1-101,,,missing.jpg\n\
         钱二,resident,,1-1-101,,,sub\n\
         钱三,resident,,1-1-101,,,doc.pdf\n\
         钱四,resident,,1-1-101,,,a.jpg\n\
         钱五,resident,,1-1-101,,,a.jpg\n\
         钱四,resident,,1-1-102,,,\n\
         李董,vip,李董事长兼集团总经理,,,,\n"
    );
    let rows = bad_rows(parse_people("people.csv", csv.as_bytes(), dir.path()));
    assert_eq!(
        where_bad(&rows),
        vec![
            (2, "name"),      // empty name
            (3, "class"),     // visitor
            (4, "class"),     // unknown class
            (5, "title"),     // VIP without a title
            (6, "household"), // resident without a household
            (7, "household"), // household not in building-unit-room form
            (8, "household"), // four parts
            (9, "title"),     // a resident has no title
            (10, "status"),   // unknown status
            (11, "status"),   // former staff marked active
            (12, "photos"),   // photo not found
            (13, "photos"),   // a folder, not a file
            (14, "photos"),   // not a picture format
            (16, "photos"),   // the same photo for a second person
            (17, "name"),     // duplicate name
            (18, "title"),    // title too long to say
        ]
    );
    let message = |line: usize| &rows.iter().find(|r| r.line == line).unwrap().message;
    assert!(
        message(3).contains("visitors are not enrolled"),
        "{}",
        message(3)
    );
    assert!(
        message(4).contains("vip (贵宾), resident (业主)"),
        "{}",
        message(4)
    );
    assert!(!message(4).contains("visitor"), "{}", message(4));
    assert!(message(5).contains("王总"), "{}", message(5));
    assert!(message(7).contains("3-2-1502"), "{}", message(7));
    assert!(message(12).contains("missing.jpg"), "{}", message(12));
    assert!(message(16).contains("钱四's (line 15)"), "{}", message(16));
    assert!(
        message(17).contains("already on line 15"),
        "{}",
        message(17)
    );
    assert_eq!(rows[0].file, "people.csv");
    assert_eq!(rows[2].value, "owner");
}

#[test]
fn notify_column_is_only_for_company_staff() {
    let csv = "name,class,title,notify\n\
               杨帆,company_staff,杨经理,shift_leader\n\
               马丽,office_staff,主任,shift_leader\n\
               王五,company_staff,,patrol\n";
    let rows = bad_rows(parse_people("p.csv", csv.as_bytes(), Path::new(".")));
    assert_eq!(where_bad(&rows), vec![(3, "notify"), (4, "notify")]);
    let ok = parse_people("p.csv", b"name,class,notify\nYang,company_staff,\xe5\xbd\x93\xe7\x8f\xad\xe5\x88\x86\xe9\x98\x9f\xe9\x95\xbf\n", Path::new("."))
        .unwrap();
    assert_eq!(
        ok[0].notify,
        Some(Post::ShiftLeader),
        "当班分队长 is accepted"
    );
}

#[test]
fn consent_columns_are_all_three_or_none() {
    let csv = "姓名,类别,房号,同意人,同意日期,同意方式\n\
               陈静,resident,3-2-1502,本人,2026/3/5,书面\n\
               刘洋,resident,3-2-1502,,,\n\
               张伟,resident,1-1-101,本人,,oral\n\
               赵敏,resident,1-1-302,本人,2026-02-30,by post\n\
               吴磊,resident,2-2-1101,,2026-03-12,\n";
    let rows = bad_rows(parse_people("p.csv", csv.as_bytes(), Path::new(".")));
    assert_eq!(
        where_bad(&rows),
        vec![
            (4, "consent_date"),
            (5, "consent_date"),
            (5, "consent_how"),
            (6, "consent_by"),
            (6, "consent_how"),
        ]
    );
    assert!(rows[2].message.contains("written (书面)"), "{rows:?}");
    let ok = parse_people(
        "p.csv",
        "name,class,household,consent_by,consent_date,consent_how\n\
         陈静,resident,3-2-1502,监护人 刘洋,2026-03-05,online\n\
         刘洋,resident,3-2-1502,,,\n"
            .as_bytes(),
        Path::new("."),
    )
    .unwrap();
    assert_eq!(
        ok[0].consent,
        Some(ConsentRow {
            by: "监护人 刘洋".into(),
            date: date(2026, 3, 5),
            how: crate::domain::ConsentMethod::Online,
        })
    );
    assert_eq!(ok[1].consent, None);
}

#[test]
fn every_kind_of_bad_vehicle_row_is_reported_with_its_line() {
    let csv = format!(
        "{VEHICLES_HEADER}\
         川A8H458,1-1-101,household,,,\n\
         ,1-1-101,household,,,\n\
         粤BO1234,1-1-101,household,,,\n\
         粤B6R678,,household,,,\n\
         闽GM1862,王建国,car,,,\n\
         京EA5331,,moving_truck,,,\n\
         京EA5332,,moving_truck,2026-11-29,2026-11-27,\n\
         京EA5333,,moving_truck,28/11/2026,2026-02-30,\n\
         川A·8H458,1-1-102,household,,,\n\
         鄂F8888警,,special,,,\n"
    );
    let rows = bad_rows(parse_vehicles("vehicles.csv", csv.as_bytes()));
    assert_eq!(
        where_bad(&rows),
        vec![
            (3, "plate"),      // empty plate
            (4, "plate"),      // letter O
            (5, "owner"),      // household car without owner
            (6, "kind"),       // unknown kind
            (7, "valid_from"), // moving truck without dates
            (7, "valid_to"),
            (8, "valid_to"),   // last day before first day
            (9, "valid_from"), // not YYYY-MM-DD
            (9, "valid_to"),   // no such day
            (10, "plate"),     // duplicate plate (after normalising)
        ]
    );
    assert!(rows[1].message.contains("digit 0"), "{}", rows[1].message);
    assert!(
        rows[3].message.contains("household (业主车辆)"),
        "{}",
        rows[3].message
    );
    assert!(
        rows[9].message.contains("already on line 2"),
        "{}",
        rows[9].message
    );
}

#[test]
fn good_vehicles_file_gives_typed_rows() {
    let csv = format!(
        "{VEHICLES_HEADER}\
         川a·8h458, 1-1-101 ,household,,,蓝牌\n\
         京EA5331,3-1-802,搬家车辆,2026/11/27,2026-11-29,\n\
         鄂F8888警,,special,,,\n"
    );
    let vehicles = parse_vehicles("vehicles.csv", csv.as_bytes()).unwrap();
    assert_eq!(vehicles[0].plate, "川A8H458");
    assert_eq!(vehicles[0].owner.as_deref(), Some("1-1-101"));
    assert_eq!(vehicles[0].notes.as_deref(), Some("蓝牌"));
    assert_eq!(vehicles[1].kind, VehicleKind::MovingTruck);
    assert_eq!(
        (vehicles[1].valid_from, vehicles[1].valid_to),
        (Some(date(2026, 11, 27)), Some(date(2026, 11, 29)))
    );
    assert_eq!((vehicles[2].line, vehicles[2].owner.as_ref()), (4, None));
}

#[test]
fn gbk_file_imports_the_same_as_utf8() {
    let csv = format!(
        "{PEOPLE_HEADER}王建国,贵宾,王总,,,开发商总经理,\n陈静,resident,,3-2-1502,,戴眼镜，短发,\n"
    );
    let (gbk, _, unmappable) = GBK.encode(&csv);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the test file really is GBK"
    );
    let from_gbk = parse_people("people.csv", &gbk, Path::new(".")).unwrap();
    let from_utf8 = parse_people("people.csv", csv.as_bytes(), Path::new(".")).unwrap();
    assert_eq!(from_gbk, from_utf8);
    assert_eq!(from_gbk[1].notes.as_deref(), Some("戴眼镜，短发"));

    let vehicles = format!("{VEHICLES_HEADER}鄂F8888警,,特种车辆,,,警车\n");
    let (gbk, _, _) = GBK.encode(&vehicles);
    assert_eq!(
        parse_vehicles("vehicles.csv", &gbk).unwrap(),
        parse_vehicles("vehicles.csv", vehicles.as_bytes()).unwrap()
    );
}

#[test]
fn utf8_bom_is_accepted() {
    let csv = format!("\u{FEFF}{VEHICLES_HEADER}粤B6R678,,barred,,,\n");
    let vehicles = parse_vehicles("vehicles.csv", csv.as_bytes()).unwrap();
    assert_eq!(vehicles[0].plate, "粤B6R678");
    let csv = format!("\u{FEFF}{PEOPLE_HEADER}张伟,resident,,1-1-101,,,\n");
    assert_eq!(
        parse_people("p.csv", csv.as_bytes(), Path::new(".")).unwrap()[0].name,
        "张伟"
    );
}

#[test]
fn bytes_neither_utf8_nor_gbk_are_refused_clearly() {
    let e = parse_people("people.csv", b"name,class\n\xff\xfe,vip\n", Path::new(".")).unwrap_err();
    assert!(matches!(e, ImportError::Encoding { .. }), "{e:?}");
    assert!(e.to_string().contains("neither UTF-8 nor GBK"), "{e}");
}

#[test]
fn folder_with_both_files_imports_both() {
    let people =
        format!("{PEOPLE_HEADER}王建国,vip,王总,,,,wang.jpg\n陈静,resident,,3-2-1502,,,\n");
    let vehicles =
        format!("{VEHICLES_HEADER}闽EVL838,王建国,vip,,,\n皖AG2R28,3-2-1502,household,,,\n");
    let dir = folder(&[
        ("People.csv", people.as_bytes()),
        ("vehicles.csv", vehicles.as_bytes()),
        ("wang.jpg", b"x"),
    ]);
    let set = parse_folder(dir.path(), |_| false).unwrap();
    assert_eq!(set.people.len(), 2);
    assert_eq!(set.vehicles.len(), 2);
    assert_eq!(set.households, vec!["3-2-1502"]);
    assert_eq!(set.people[0].photos, vec![dir.path().join("wang.jpg")]);
    assert_eq!(load_path(dir.path(), |_| false).unwrap(), set);
}

#[test]
fn vehicle_owner_must_be_known_from_people_or_the_records() {
    let people = format!("{PEOPLE_HEADER}陈静,resident,,3-2-1502,,,\n张伟,resident,,1-1-101,,,\n");
    let vehicles = format!(
        "{VEHICLES_HEADER}\
         皖AG2R28,3-2-1502,household,,,\n\
         川A8H458,张伟,household,,,\n\
         粤B6R678,吴磊,household,,,\n\
         闽GM1862,9-9-909,household,,,\n\
         闽EVL838,陈静,vip,,,\n\
         京EA5331,３－２－１５０２,moving_truck,2026-11-27,2026-11-29,\n"
    );
    let people_in = CsvInput {
        name: "people.csv",
        bytes: people.as_bytes(),
        base_dir: Path::new("."),
    };
    let vehicles_in = CsvInput {
        name: "vehicles.csv",
        bytes: vehicles.as_bytes(),
        base_dir: Path::new("."),
    };
    let rows = bad_rows(parse_set(Some(people_in), Some(vehicles_in), |_| false));
    assert_eq!(
        where_bad(&rows),
        vec![(4, "owner"), (5, "owner"), (6, "kind")]
    );
    assert!(
        rows[0].message.contains("no person of that name"),
        "{}",
        rows[0].message
    );
    assert!(
        rows[2].message.contains("resident (业主)"),
        "{}",
        rows[2].message
    );

    // the records already know 吴磊 and 9-9-909
    let in_store = |owner: &str| owner == "吴磊" || owner == "9-9-909";
    let rows = bad_rows(parse_set(Some(people_in), Some(vehicles_in), in_store));
    assert_eq!(where_bad(&rows), vec![(6, "kind")]);

    // alone, a vehicles file is checked against the records only
    let vehicles = parse_vehicles("vehicles.csv", vehicles.as_bytes()).unwrap();
    let unknown = check_owners("vehicles.csv", &vehicles, |o| o == "张伟");
    assert_eq!(
        where_bad(&unknown),
        vec![
            (2, "owner"),
            (4, "owner"),
            (5, "owner"),
            (6, "owner"),
            (7, "owner")
        ]
    );
}

#[test]
fn bad_rows_in_both_files_are_reported_together_and_nothing_is_returned() {
    let people = format!("{PEOPLE_HEADER}陈静,resident,,3-2-1502,,,\n张伟,resident,,,,,\n");
    let vehicles = format!(
        "{VEHICLES_HEADER}皖AG2R28,3-2-1502,household,,,\n川A8H458,张伟,household,,,\nSN6497,,barred,,,\n"
    );
    let dir = folder(&[
        ("people.csv", people.as_bytes()),
        ("vehicles.csv", vehicles.as_bytes()),
    ]);
    let e = parse_folder(dir.path(), |_| false).unwrap_err();
    let ImportError::BadRows(bad) = &e else {
        panic!("{e:?}")
    };
    let summary: Vec<_> = bad
        .rows
        .iter()
        .map(|r| (r.file.as_str(), r.line, r.column.as_str()))
        .collect();
    // 张伟's row is bad, but his car's row does not also complain about its owner
    assert_eq!(
        summary,
        vec![("people.csv", 3, "household"), ("vehicles.csv", 4, "plate")]
    );
    let text = e.to_string();
    assert!(
        text.starts_with("2 bad values found; nothing was imported"),
        "{text}"
    );
    assert!(
        text.contains("people.csv line 3, column household (房号) is empty: a resident needs"),
        "{text}"
    );
    assert!(
        text.contains("vehicles.csv line 4, column plate (车牌) \"SN6497\": "),
        "{text}"
    );
}

#[test]
fn single_file_is_recognised_by_name_or_header() {
    let vehicles = "车牌,类型,车主\n鄂F8888警,特种车辆,\n";
    let people = format!("{PEOPLE_HEADER}张伟,resident,,1-1-101,,,\n");
    let dir = folder(&[
        ("车辆名单.csv", vehicles.as_bytes()),
        ("业主.csv", people.as_bytes()),
        ("other.csv", b"a,b\n1,2\n"),
    ]);
    let set = load_path(&dir.path().join("车辆名单.csv"), |_| false).unwrap();
    assert_eq!((set.people.len(), set.vehicles.len()), (0, 1));
    let set = load_path(&dir.path().join("业主.csv"), |_| false).unwrap();
    assert_eq!((set.people.len(), set.households.len()), (1, 1));
    let e = load_path(&dir.path().join("other.csv"), |_| false).unwrap_err();
    assert!(matches!(e, ImportError::UnknownFile { .. }), "{e:?}");
    let e = load_path(&dir.path().join("nope.csv"), |_| false).unwrap_err();
    assert!(matches!(e, ImportError::Read { .. }), "{e:?}");
    let empty = tempfile::tempdir().unwrap();
    let e = load_path(empty.path(), |_| false).unwrap_err();
    assert!(matches!(e, ImportError::NothingToImport { .. }), "{e:?}");
}

#[test]
fn bad_header_is_an_error_naming_the_columns() {
    let e = parse_vehicles("vehicles.csv", "plate,onwer,kind\n".as_bytes()).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("unknown column \"onwer\""), "{text}");
    assert!(text.contains("owner (车主, may be left out)"), "{text}");
}

#[test]
fn demo_compound_imports_cleanly() {
    let set = load_path(&demo_dir(), |_| false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.people.len(), 15);
    assert_eq!(set.vehicles.len(), 11);
    assert_eq!(set.households.len(), 8);

    let person = |name: &str| set.people.iter().find(|p| p.name == name).unwrap();
    let wang = person("王建国");
    assert_eq!(
        (wang.class, wang.title.as_deref()),
        (PersonClass::Vip, Some("王总"))
    );
    assert_eq!(
        wang.photos.len(),
        3,
        "the three Obama photos are one person"
    );
    assert_eq!(person("李志强").title.as_deref(), Some("李董"));
    assert_eq!(person("马丽").title.as_deref(), Some("主任"));
    assert_eq!(person("李明").title.as_deref(), Some("李主管"));
    assert_eq!(person("杨帆").notify, Some(Post::ShiftLeader));
    assert_eq!(person("冯强").status, PersonStatus::Left);
    let classes: std::collections::HashSet<_> = set.people.iter().map(|p| p.class).collect();
    assert_eq!(
        classes.len(),
        ENROLLED_CLASSES.len(),
        "every enrolled class appears"
    );
    let photographed: Vec<_> = set.people.iter().filter(|p| !p.photos.is_empty()).collect();
    assert_eq!(photographed.len(), 9);

    let truck = set
        .vehicles
        .iter()
        .find(|v| v.kind == VehicleKind::MovingTruck)
        .unwrap();
    assert_eq!(truck.plate, "京EA5331");
    assert!(
        truck.valid_from <= Some(date(2026, 11, 28)) && Some(date(2026, 11, 28)) <= truck.valid_to
    );
    let kinds: std::collections::HashSet<_> = set.vehicles.iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds.len(),
        VehicleKind::ALL.len(),
        "every vehicle kind appears"
    );
    assert!(
        set.vehicles
            .iter()
            .any(|v| v.plate == "鄂F8888警" && v.kind == VehicleKind::Special)
    );
}

#[test]
fn demo_plates_are_real_readings_of_the_plate_fixtures() {
    let shared = std::env::var_os("GATEWARD_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let labels = shared.join("fixtures/plates-cn/labels.tsv");
    let Ok(labels) = std::fs::read_to_string(&labels) else {
        // straight to stderr, so the harness does not swallow it: a skip must show in CI's log
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED demo_plates_are_real_readings_of_the_plate_fixtures: {} not present (set GATEWARD_SHARED)",
            labels.display()
        );
        return;
    };
    let readings: Vec<&str> = labels
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let vehicles = parse_vehicles(
        "vehicles.csv",
        &std::fs::read(demo_dir().join("vehicles.csv")).unwrap(),
    )
    .unwrap();
    for v in vehicles {
        assert!(
            readings.contains(&v.plate.as_str()),
            "{} is not in labels.tsv",
            v.plate
        );
    }
}

#[test]
fn readme_example_report_is_what_the_import_says() {
    let people = format!(
        "{PEOPLE_HEADER}张伟,resident,,1-1-101,,,\n赵敏,resident,,1-1-302,,,\n周婷,resident,,2-1-201,,,\n\
         吴磊,resident,,2-2-1101,,,\n刘洋,resident,,,,,\n郑丽,resident,,3-1-802,,,\n\
         陈静,resident,,3-2-1502,,,\n访客甲,visitor,,,,,\n"
    );
    let vehicles = format!(
        "{VEHICLES_HEADER}川A8H458,1-1-101,household,,,\n皖AG2R28,3-2-1502,household,,,\n\
         粤BO1234,吴磊,household,,,\n"
    );
    let dir = folder(&[
        ("people.csv", people.as_bytes()),
        ("vehicles.csv", vehicles.as_bytes()),
    ]);
    let report = parse_folder(dir.path(), |_| false).unwrap_err().to_string();
    let readme = std::fs::read_to_string(demo_dir().join("README.md")).unwrap();
    let example: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("3 bad values")
                || l.starts_with("people.csv line")
                || l.starts_with("vehicles.csv line")
        })
        .collect();
    assert_eq!(example.len(), 4, "{example:?}");
    for line in example {
        let line = line.trim_end_matches('…');
        assert!(
            report.contains(line),
            "README says\n{line}\nbut the import says\n{report}"
        );
    }
}
