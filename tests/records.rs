//! The manager's commands on a real SQLite file: import the demo compound, then check what the
//! screen will say with `gateward prompt` (SPEC §2's greetings at their boundary minutes).

mod common;

use std::path::Path;

use common::{assert_one_line_error, gateward_in, stderr, stdout};

/// A data folder with the demo compound imported.
fn demo() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let demo = common::repo().join("fixtures/demo");
    let out = gateward_in(data.path(), &["import", demo.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("15 people added"), "{}", stdout(&out));
    data
}

fn prompt(data: &Path, who: &str, at: &str, leaving: bool) -> String {
    let mut args = vec!["prompt", "--who", who, "--at", at];
    if leaving {
        args.push("--leaving");
    }
    let out = gateward_in(data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn vip_at_0700_is_greeted_wang_zong_zao_shang_hao_and_office_duty_is_notified() {
    let data = demo();
    let text = prompt(data.path(), "王建国", "2026-11-28 07:00", false);
    assert!(text.contains("说：王总，早上好，欢迎光临\n"), "{text}");
    assert!(text.contains("通知：管理处值班人员\n"), "{text}");
}

#[test]
fn vip_leaving_hears_qing_man_zou() {
    let data = demo();
    let text = prompt(data.path(), "王建国", "2026-11-28 07:00", true);
    assert!(text.contains("说：王总，请慢走，欢迎下次光临\n"), "{text}");
}

#[test]
fn resident_greeting_changes_at_0559_0600_1200_1900() {
    let data = demo();
    let say = |at: &str| {
        let text = prompt(data.path(), "陈静", at, false);
        text.lines()
            .find_map(|l| l.strip_prefix("说："))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(say("2026-11-28 05:59"), "晚上好");
    assert_eq!(say("2026-11-28 06:00"), "早上好");
    assert_eq!(say("2026-11-28 08:59"), "早上好");
    assert_eq!(say("2026-11-28 09:00"), "您好");
    assert_eq!(say("2026-11-28 12:00"), "您好");
    assert_eq!(say("2026-11-28 18:59"), "您好");
    assert_eq!(say("2026-11-28 19:00"), "晚上好");
}

#[test]
fn vip_car_is_greeted_like_the_vip() {
    let data = demo();
    let text = prompt(data.path(), "闽EVL838", "2026-11-28 20:00", false);
    assert!(text.contains("说：王总，晚上好，欢迎光临"), "{text}");
}

#[test]
fn booked_moving_truck_is_let_in_on_its_day() {
    let data = demo();
    let text = prompt(data.path(), "京EA5331", "2026-11-28 10:00", false);
    assert!(text.contains("预约搬家车辆"), "{text}");
}

#[test]
fn company_staff_who_asked_not_to_notify_sends_the_shift_leader() {
    let data = demo();
    let text = prompt(data.path(), "杨帆", "2026-11-28 10:00", false);
    assert!(text.contains("通知：当班分队长\n"), "{text}");
}

#[test]
fn unknown_name_is_one_line_pointing_to_import() {
    let data = demo();
    let out = gateward_in(data.path(), &["prompt", "--who", "张三", "--at", "10:00"]);
    let line = assert_one_line_error(&out);
    assert!(line.contains("gateward import"), "{line}");
}

#[test]
fn import_with_bad_rows_imports_nothing_and_lists_every_bad_row() {
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("people.csv");
    std::fs::write(
        &csv,
        "name,class,title,household,status,notes,photos\n\
         王伟,resident,,3-2-1502,,,\n\
         李娜,owner,,3-2-1502,,,\n\
         张强,vip,,,,,\n",
    )
    .unwrap();
    let out = gateward_in(data.path(), &["import", csv.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    // the good row was not written either
    let out = gateward_in(data.path(), &["prompt", "--who", "王伟", "--at", "12:00"]);
    assert!(!out.status.success(), "{}", stdout(&out));
}

/// A name pasted from another program with an invisible NUL, a plate with an escape code: each
/// is a bad row naming its line and column (the report shows the character, on one line), and
/// nothing of the import is written. A note may still hold a line break.
#[test]
fn a_nul_or_control_character_in_any_field_is_a_bad_row_and_nothing_is_imported() {
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("list");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("people.csv"),
        "name,class,title,household,status,notes,photos\n\
         王\u{0}伟,resident,,3-2-1502,,,\n\
         李娜,resident,,3-2-1502,,\"戴眼镜\n常带狗\",\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("vehicles.csv"),
        "plate,owner,kind,valid_from,valid_to,notes\n京A\u{1b}12345,李娜,resident,,,\n",
    )
    .unwrap();
    let out = gateward_in(data.path(), &["import", folder.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(!err.contains('\u{0}') && !err.contains('\u{1b}'), "{err:?}");
    let people = err
        .lines()
        .find(|l| l.contains("people.csv line 2"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        people.contains("column name (姓名)")
            && people.contains("王\\u{0}伟")
            && people.contains("控制字符 U+0000"),
        "{people}"
    );
    let vehicles = err
        .lines()
        .find(|l| l.contains("vehicles.csv line 2"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        vehicles.contains("column plate (车牌)") && vehicles.contains("U+001B"),
        "{vehicles}"
    );
    assert!(
        !err.contains("line 3"),
        "李娜's two-line note is fine: {err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let out = gateward_in(data.path(), &["prompt", "--who", "李娜", "--at", "12:00"]);
    assert!(!out.status.success(), "{}", stdout(&out));
}

#[test]
fn gbk_encoded_csv_imports_like_utf8() {
    let data = tempfile::tempdir().unwrap();
    let text = "name,class,title,household,status,notes,photos\n王伟,resident,,3-2-1502,,戴眼镜,\n";
    let (gbk, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let csv = data.path().join("people.csv");
    std::fs::write(&csv, &gbk).unwrap();
    let out = gateward_in(data.path(), &["import", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = prompt(data.path(), "王伟", "2026-11-28 12:00", false);
    assert!(text.contains("王伟 · 业主 · 3-2-1502"), "{text}");
}

#[test]
fn dry_run_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let demo = common::repo().join("fixtures/demo");
    let out = gateward_in(
        data.path(),
        &["import", "--dry-run", demo.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing written"), "{}", stdout(&out));
    let out = gateward_in(data.path(), &["prompt", "--who", "王建国", "--at", "12:00"]);
    assert!(!out.status.success());
}

/// Writes gate events straight into the records, as the live pipeline will.
fn seed_events(data: &Path) {
    use chrono::{TimeZone, Utc};
    use gateward::domain::{Direction, PersonClass, PlateColour, Post, Shift};
    use gateward::store::{EventKind, NewGateEvent, Store, database_path};
    let store = Store::open(database_path(data)).unwrap();
    let wang = store.people_named("王建国").unwrap()[0].id;
    // local 07:00 and 20:00 on 2026-11-28 in Shanghai
    let morning = Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap();
    let evening = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
    let mut e = NewGateEvent::new(morning, "大门", EventKind::Person, Shift::Morning);
    e.person_id = Some(wang);
    e.class = Some(PersonClass::Vip);
    e.direction = Some(Direction::In);
    e.decision = "王总，早上好，欢迎光临".to_owned();
    e.notified = vec![Post::OfficeDuty];
    store.insert_event(e).unwrap();
    let mut e = NewGateEvent::new(evening, "大门", EventKind::Vehicle, Shift::Evening);
    e.plate = Some("川A·8H458".to_owned());
    e.plate_colour = Some(PlateColour::Blue);
    e.direction = Some(Direction::Out);
    e.decision = "放行，记录车牌".to_owned();
    store.insert_event(e).unwrap();
}

#[test]
fn log_finds_a_plate_with_one_wrong_character() {
    let data = demo();
    seed_events(data.path());
    // the province misread as 皖 still finds 川A8H458, marked as a near match
    let out = gateward_in(data.path(), &["log", "--plate", "皖A8H458"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("≈川A8H458"), "{text}");
    assert!(text.contains("1 events"), "{text}");

    // the reader blurred a 5 into an S on one pass of 川AF058Y: the weighted distance (0.5)
    // finds it, listed after the exact pass although it came first
    {
        use chrono::{TimeZone, Utc};
        use gateward::domain::Shift;
        use gateward::store::{EventKind, NewGateEvent, Store, database_path};
        let store = Store::open(database_path(data.path())).unwrap();
        for (plate, hour) in [("川AF0S8Y", 1), ("川A·F058Y", 2)] {
            let at = Utc.with_ymd_and_hms(2026, 11, 28, hour, 0, 0).unwrap();
            let mut e = NewGateEvent::new(at, "大门", EventKind::Vehicle, Shift::Morning);
            e.plate = Some(plate.to_owned());
            e.decision = "放行，记录车牌".to_owned();
            store.insert_event(e).unwrap();
        }
    }
    let out = gateward_in(data.path(), &["log", "--plate", "川AF058Y"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("2 events"), "{text}");
    let exact = text.find("川AF058Y").expect("the exact pass");
    let near = text.find("≈川AF0S8Y").expect("the blurred pass");
    assert!(exact < near, "{text}");
}

#[test]
fn log_filters_by_person_and_shift_in_local_time() {
    let data = demo();
    seed_events(data.path());
    let out = gateward_in(data.path(), &["log", "--person", "王建国"]);
    let text = stdout(&out);
    assert!(text.contains("2026-11-28 07:00:00"), "{text}");
    assert!(text.contains("王总，早上好"), "{text}");
    let out = gateward_in(
        data.path(),
        &["log", "--shift", "evening", "--day", "2026-11-28"],
    );
    let text = stdout(&out);
    assert!(
        text.contains("川A8H458") && !text.contains("王建国"),
        "{text}"
    );
}

#[test]
fn log_csv_export_starts_with_a_bom_so_excel_reads_chinese() {
    let data = demo();
    seed_events(data.path());
    let file = data.path().join("log.csv");
    let out = gateward_in(
        data.path(),
        &[
            "log",
            "--day",
            "2026-11-28",
            "--csv",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("时间,班次,门岗"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("管理处值班人员"), "{text}");
    // the export is in the audit log: who took what out
    use gateward::store::{AuditQuery, Store, database_path};
    let store = Store::open(database_path(data.path())).unwrap();
    let audit = store
        .audit_entries(&AuditQuery {
            action: Some("export".to_owned()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "manager");
    assert!(audit[0].detail.contains("2 gate events"), "{:?}", audit[0]);
}

#[test]
fn report_for_the_day_counts_the_vip_and_the_car() {
    let data = demo();
    seed_events(data.path());
    let out = gateward_in(data.path(), &["report", "--day", "2026-11-28"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("贵宾 vip: 1"), "{text}");
    assert!(text.contains("车辆 vehicles: 0 in, 1 out"), "{text}");
    let out = gateward_in(data.path(), &["report", "--day", "2026-11-29"]);
    assert!(stdout(&out).contains("人员 people: 0"), "{}", stdout(&out));
}

#[test]
fn handover_reads_the_two_previous_shifts_with_their_follow_ups() {
    use gateward::domain::Shift;
    use gateward::store::{NewShiftRecord, Store, database_path};
    let data = demo();
    seed_events(data.path());
    let store = Store::open(database_path(data.path())).unwrap();
    store
        .save_shift_record(
            "张班长",
            NewShiftRecord {
                gate: "大门".to_owned(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
                shift: Shift::Evening,
                guard: "刘保安".to_owned(),
                notes: "3-2-1502 快递放门岗".to_owned(),
                follow_ups: "明早提醒业主取快递".to_owned(),
                handed_over: true,
            },
        )
        .unwrap();
    drop(store);
    // taking over the night shift of the 29th: the 28th's afternoon and evening
    let out = gateward_in(
        data.path(),
        &["handover", "--date", "2026-11-29", "--shift", "night"],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("2026-11-28 中班"), "{text}");
    assert!(text.contains("2026-11-28 晚班"), "{text}");
    assert!(!text.contains("早班"), "{text}");
    assert!(text.contains("刘保安"), "{text}");
    assert!(text.contains("明早提醒业主取快递"), "{text}");
    assert!(text.contains("1 out"), "{text}");
}
