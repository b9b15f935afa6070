//! The records store on real SQLite files: round trips of every record kind, filters, schema
//! upgrades and refusals, all-or-nothing imports, readers beside the writer, and the issue-3
//! crash test (`kill -9` while writing loses no acknowledged event).

mod common;

use common::{household, open, t};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use gateward::clock::SimulatedClock;
use gateward::domain::{
    Direction, PersonClass, PersonStatus, PlateColour, Post, Shift, VehicleKind,
};
use gateward::store::schema::{APPLICATION_ID, MIGRATIONS};
use gateward::store::{
    AuditQuery, EventKind, EventQuery, ImportBatch, ImportPerson, ImportVehicle, NewAuditEntry,
    NewFaceEmbedding, NewGateEvent, NewHousehold, NewPerson, NewPhoto, NewShiftRecord, NewVehicle,
    SCHEMA_VERSION, Store, StoreError, VehicleOwner,
};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

#[test]
fn store_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Store>();
}

#[test]
fn households_upsert_by_code_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = household(&store, "3-2-1502");
    let again = store
        .upsert_household(
            "admin",
            NewHousehold {
                code: " 3-2-1502 ".into(),
                notes: "养狗".into(),
            },
        )
        .unwrap();
    assert_eq!(id, again);
    household(&store, "1-1-101");
    let h = store.household("3-2-1502").unwrap().unwrap();
    assert_eq!((h.id, h.notes.as_str()), (id, "养狗"));
    assert!(store.household("9-9-999").unwrap().is_none());
    let codes: Vec<_> = store
        .households()
        .unwrap()
        .into_iter()
        .map(|h| h.code)
        .collect();
    assert_eq!(codes, ["1-1-101", "3-2-1502"]);
}

#[test]
fn people_insert_update_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let hid = household(&store, "3-2-1502");
    let mut p = NewPerson::new("张伟", PersonClass::Resident);
    p.household = Some("3-2-1502".into());
    p.appearance_notes = "戴眼镜，偏瘦".into();
    let id = store.insert_person("admin", p.clone()).unwrap();

    let got = store.person(id).unwrap().unwrap();
    assert_eq!(got.name, "张伟");
    assert_eq!(got.class, PersonClass::Resident);
    assert_eq!(got.household_id, Some(hid));
    assert_eq!(got.household.as_deref(), Some("3-2-1502"));
    assert_eq!(got.status, PersonStatus::Active);
    assert_eq!(got.appearance_notes, "戴眼镜，偏瘦");
    assert_eq!(got.created, t(1, 0));

    let mut vip = NewPerson::new("王建国", PersonClass::Vip);
    vip.title = "王总".into();
    let vip_id = store.insert_person("admin", vip).unwrap();
    let mut staff = NewPerson::new("李娜", PersonClass::CompanyStaff);
    staff.ask_not_to_notify = true;
    store.insert_person("admin", staff).unwrap();

    p.class = PersonClass::FormerStaff;
    p.status = PersonStatus::Left;
    store.update_person("manager", id, p).unwrap();
    let got = store.person(id).unwrap().unwrap();
    assert_eq!(
        (got.class, got.status),
        (PersonClass::FormerStaff, PersonStatus::Left)
    );

    assert_eq!(store.people_named("王建国").unwrap()[0].title, "王总");
    assert!(store.people_named("李娜").unwrap()[0].ask_not_to_notify);
    assert_eq!(store.people().unwrap().len(), 3);
    assert!(store.person(vip_id + 100).unwrap().is_none());

    let log = store
        .audit_entries(&AuditQuery {
            object: Some(format!("person:{id}")),
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["person.insert", "person.update"]);
    assert_eq!(log[1].actor, "manager");
    assert!(
        log[1].detail.contains("status: active → left"),
        "{}",
        log[1].detail
    );
    assert!(log[1].detail.contains("class: resident → former_staff"));

    let mut nowhere = NewPerson::new("赵六", PersonClass::Resident);
    nowhere.household = Some("9-9-999".into());
    let e = store.insert_person("admin", nowhere).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                what: "household",
                ..
            }
        ),
        "{e}"
    );
    let e = store
        .update_person("admin", 999, NewPerson::new("x", PersonClass::Visitor))
        .unwrap_err();
    assert!(
        matches!(e, StoreError::NotFound { what: "person", .. }),
        "{e}"
    );
}

#[test]
fn photos_and_face_embeddings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = store
        .insert_person("admin", NewPerson::new("张伟", PersonClass::Resident))
        .unwrap();
    let photo = NewPhoto {
        path: "photos/zhang.jpg".into(),
        sha256: sha(0xab).to_uppercase(),
    };
    let pid = store.add_photo("admin", id, photo.clone()).unwrap();
    assert_eq!(
        store.add_photo("admin", id, photo).unwrap(),
        pid,
        "same file twice"
    );
    let photos = store.photos(id).unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].path, "photos/zhang.jpg");
    assert_eq!(photos[0].sha256, sha(0xab));
    let bad = NewPhoto {
        path: "x.jpg".into(),
        sha256: "nothex".into(),
    };
    assert!(matches!(
        store.add_photo("admin", id, bad),
        Err(StoreError::Invalid { .. })
    ));

    let vector = vec![0.25f32, -1.5, 3.0];
    let eid = store
        .add_face_embedding(NewFaceEmbedding {
            person_id: id,
            model: "mobilefacenet".into(),
            vector: vector.clone(),
            thumbnail: Some("faces/1.jpg".into()),
            photo_id: Some(pid),
        })
        .unwrap();
    let all = store.face_embeddings("mobilefacenet").unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].id, all[0].person_id), (eid, id));
    assert_eq!(all[0].vector, vector);
    assert_eq!(all[0].photo_id, Some(pid));
    assert!(store.face_embeddings("other").unwrap().is_empty());
}

#[test]
fn vehicles_are_found_by_normalised_plate() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    household(&store, "3-2-1502");
    let owner = store
        .insert_person("admin", NewPerson::new("王建国", PersonClass::Vip))
        .unwrap();
    let mut car = NewVehicle::new("京A·12345", VehicleKind::Vip);
    car.colour = Some(PlateColour::Blue);
    car.owner = Some(VehicleOwner::PersonNamed("王建国".into()));
    let id = store.add_vehicle("admin", car).unwrap();

    let found = store.find_vehicles("京a 12345").unwrap();
    assert_eq!(found.len(), 1);
    let v = &found[0];
    assert_eq!((v.id, v.plate.as_str()), (id, "京A12345"));
    assert_eq!(v.colour, Some(PlateColour::Blue));
    assert_eq!(v.owner_person_id, Some(owner));
    assert_eq!(v.owner_person.as_deref(), Some("王建国"));

    let mut truck = NewVehicle::new("粤B·D12345", VehicleKind::MovingTruck);
    truck.colour = Some(PlateColour::Yellow);
    truck.owner = Some(VehicleOwner::Household("3-2-1502".into()));
    truck.valid_from = Some(day(28));
    truck.valid_to = Some(day(29));
    let tid = store.add_vehicle("admin", truck.clone()).unwrap();
    truck.notes = "搬家公司".into();
    assert_eq!(
        store.add_vehicle("admin", truck).unwrap(),
        tid,
        "same booking updated"
    );
    let t = &store.find_vehicles("粤BD12345").unwrap()[0];
    assert_eq!(t.owner_household.as_deref(), Some("3-2-1502"));
    assert_eq!(t.notes, "搬家公司");
    assert!(t.valid_on(day(28)) && t.valid_on(day(29)));
    assert!(!t.valid_on(day(27)) && !t.valid_on(day(30)));
    assert_eq!(store.vehicles().unwrap().len(), 2);
    assert!(store.find_vehicles("京A99999").unwrap().is_empty());

    let mut backwards = NewVehicle::new("粤B11111", VehicleKind::MovingTruck);
    backwards.valid_from = Some(day(29));
    backwards.valid_to = Some(day(28));
    assert!(matches!(
        store.add_vehicle("admin", backwards),
        Err(StoreError::Invalid { .. })
    ));
    let mut nobody = NewVehicle::new("粤B22222", VehicleKind::Household);
    nobody.owner = Some(VehicleOwner::PersonNamed("无名".into()));
    assert!(matches!(
        store.add_vehicle("admin", nobody),
        Err(StoreError::NotFound { what: "person", .. })
    ));
}

fn event(at: DateTime<Utc>, kind: EventKind, shift: Shift) -> NewGateEvent {
    NewGateEvent::new(at, "东门", kind, shift)
}

#[test]
fn gate_events_round_trip_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let vip = store
        .insert_person("admin", NewPerson::new("王建国", PersonClass::Vip))
        .unwrap();

    let mut a = event(t(7, 0), EventKind::Person, Shift::Morning);
    a.camera = "cam1".into();
    a.direction = Some(Direction::In);
    a.person_id = Some(vip);
    a.class = Some(PersonClass::Vip);
    a.decision = "王总，早上好，欢迎光临".into();
    a.notified = vec![Post::OfficeDuty];
    a.snapshot = Some("snapshots/2026-11-28/070000.jpg".into());
    a.score = Some(0.875);
    let mut b = event(t(7, 5), EventKind::Vehicle, Shift::Morning);
    b.plate = Some("京A·12345".into());
    b.plate_colour = Some(PlateColour::Blue);
    b.direction = Some(Direction::Out);
    let mut c = event(t(13, 0), EventKind::Alert, Shift::Afternoon);
    c.plate = Some("粤B·D12345".into());
    c.plate_colour = Some(PlateColour::Yellow);
    c.decision = "超大车辆".into();
    c.notified = vec![Post::Patrol, Post::CentralControl];
    let mut d = event(t(19, 0), EventKind::Registration, Shift::Evening);
    d.class = Some(PersonClass::Visitor);
    d.gate = "西门".into();
    let ids: Vec<i64> = [a.clone(), b, c, d]
        .into_iter()
        .map(|e| store.insert_event(e).unwrap())
        .collect();

    let all = store.events(&EventQuery::default()).unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    let got = &all[0];
    assert_eq!(got.at, a.at);
    assert_eq!(got.camera, "cam1");
    assert_eq!(got.kind, EventKind::Person);
    assert_eq!(got.direction, Some(Direction::In));
    assert_eq!(got.person_id, Some(vip));
    assert_eq!(got.class, Some(PersonClass::Vip));
    assert_eq!(got.decision, a.decision);
    assert_eq!(got.notified, vec![Post::OfficeDuty]);
    assert_eq!(got.snapshot, a.snapshot);
    assert_eq!(got.score, Some(0.875));
    assert_eq!(got.shift, Shift::Morning);
    assert_eq!(all[1].plate.as_deref(), Some("京A12345"));
    assert_eq!(all[2].notified, vec![Post::Patrol, Post::CentralControl]);

    let find = |q: EventQuery| -> Vec<i64> {
        store
            .events(&q)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    let range = find(EventQuery {
        from: Some(t(7, 5)),
        to: Some(t(19, 0)),
        ..Default::default()
    });
    assert_eq!(range, [ids[1], ids[2]], "from inclusive, to exclusive");
    let plate = find(EventQuery {
        plate: Some("d123".into()),
        ..Default::default()
    });
    assert_eq!(plate, [ids[2]], "plate substring, any case");
    let plate = find(EventQuery {
        plate: Some("12345".into()),
        ..Default::default()
    });
    assert_eq!(plate, [ids[1], ids[2]]);
    let person = find(EventQuery {
        person_id: Some(vip),
        ..Default::default()
    });
    assert_eq!(person, [ids[0]]);
    let class = find(EventQuery {
        class: Some(PersonClass::Visitor),
        ..Default::default()
    });
    assert_eq!(class, [ids[3]]);
    let shift = find(EventQuery {
        shift: Some(Shift::Morning),
        ..Default::default()
    });
    assert_eq!(shift, [ids[0], ids[1]]);
    let gate = find(EventQuery {
        gate: Some("西门".into()),
        ..Default::default()
    });
    assert_eq!(gate, [ids[3]]);
    let kind = find(EventQuery {
        kind: Some(EventKind::Alert),
        ..Default::default()
    });
    assert_eq!(kind, [ids[2]]);
    let limited = find(EventQuery {
        limit: Some(2),
        ..Default::default()
    });
    assert_eq!(limited, [ids[0], ids[1]]);
    let none = find(EventQuery {
        shift: Some(Shift::Night),
        ..Default::default()
    });
    assert!(none.is_empty());
}

/// A stranger's arrival the camera names on a later look is revised in the log (who, class,
/// score, what the screen said; never when or its snapshot); one a guard has already confirmed
/// keeps the guard's word.
#[test]
fn an_arrival_named_later_is_revised_unless_a_guard_has_checked_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let vip = store
        .insert_person("admin", NewPerson::new("王建国", PersonClass::Vip))
        .unwrap();
    let mut stranger = event(t(7, 0), EventKind::Person, Shift::Morning);
    stranger.direction = Some(Direction::In);
    stranger.decision = "您好，请问您找哪位？".into();
    stranger.snapshot = Some("snapshots/2026-11-28/070000.jpg".into());
    let mut named = event(
        t(7, 0) + chrono::Duration::seconds(2),
        EventKind::Person,
        Shift::Morning,
    );
    named.direction = Some(Direction::In);
    named.person_id = Some(vip);
    named.class = Some(PersonClass::Vip);
    named.decision = "王总，早上好，欢迎光临".into();
    named.notified = vec![Post::OfficeDuty];
    named.score = Some(0.8);

    let open_one = store.insert_event(stranger.clone()).unwrap();
    let checked = store.insert_event(stranger.clone()).unwrap();
    store.check_event("张三", checked, true, None).unwrap();
    assert!(store.revise_event(open_one, named.clone()).unwrap());
    assert!(!store.revise_event(checked, named.clone()).unwrap());

    let got = store.event(open_one).unwrap().unwrap();
    assert_eq!(got.person_id, Some(vip));
    assert_eq!(got.class, Some(PersonClass::Vip));
    assert_eq!(got.decision, named.decision);
    assert_eq!(got.notified, vec![Post::OfficeDuty]);
    assert_eq!(got.score, Some(0.8));
    assert_eq!(
        (got.at, got.snapshot),
        (stranger.at, stranger.snapshot.clone())
    );
    let kept = store.event(checked).unwrap().unwrap();
    assert_eq!((kept.person_id, kept.decision), (None, stranger.decision));
}

#[test]
fn event_kinds_parse_from_keys_and_chinese() {
    for k in EventKind::ALL {
        assert_eq!(k.key().parse::<EventKind>(), Ok(*k));
        assert_eq!(k.zh().parse::<EventKind>(), Ok(*k));
    }
    let e = "sighting".parse::<EventKind>().unwrap_err().to_string();
    assert!(e.contains("person, vehicle, alert, registration"), "{e}");
}

#[test]
fn shift_records_save_replace_and_list_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let rec = |date, shift, guard: &str| NewShiftRecord {
        gate: "东门".into(),
        date,
        shift,
        guard: guard.into(),
        notes: String::new(),
        follow_ups: String::new(),
        handed_over: false,
    };
    let evening = store
        .save_shift_record("刘", rec(day(27), Shift::Evening, "刘"))
        .unwrap();
    store
        .save_shift_record("陈", rec(day(28), Shift::Morning, "陈"))
        .unwrap();
    store
        .save_shift_record("周", rec(day(28), Shift::Night, "周"))
        .unwrap();
    let mut again = rec(day(27), Shift::Evening, "刘");
    again.notes = "3-2-1502 投诉噪音".into();
    again.follow_ups = "明早通知管理处".into();
    again.handed_over = true;
    assert_eq!(store.save_shift_record("刘", again).unwrap(), evening);

    let list = store.shift_records(Some("东门"), day(27), day(28)).unwrap();
    let order: Vec<_> = list.iter().map(|r| (r.date, r.shift)).collect();
    assert_eq!(
        order,
        [
            (day(27), Shift::Evening),
            (day(28), Shift::Night),
            (day(28), Shift::Morning)
        ]
    );
    assert_eq!(list[0].follow_ups, "明早通知管理处");
    assert!(list[0].handed_over);
    assert_eq!(
        store.shift_records(None, day(28), day(28)).unwrap().len(),
        2
    );
    assert!(
        store
            .shift_records(Some("西门"), day(27), day(28))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn audit_log_appends_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SimulatedClock::new(t(8, 0)));
    let store = Store::open_with_clock(dir.path().join("g.sqlite"), clock.clone()).unwrap();
    let entry = |actor: &str, action: &str| NewAuditEntry {
        actor: actor.into(),
        action: action.into(),
        object: "log-2026-11.csv".into(),
        detail: "month".into(),
    };
    let first = store.append_audit(entry("经理", "export")).unwrap();
    clock.set(t(9, 0));
    store.append_audit(entry("队长", "export")).unwrap();
    store.append_audit(entry("经理", "login")).unwrap();

    let all = store.audit_entries(&AuditQuery::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!((all[0].id, all[0].at), (first, t(8, 0)));
    assert_eq!(all[0].object, "log-2026-11.csv");
    let by = |q: AuditQuery| store.audit_entries(&q).unwrap().len();
    assert_eq!(
        by(AuditQuery {
            actor: Some("经理".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        by(AuditQuery {
            action: Some("export".into()),
            from: Some(t(8, 30)),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        by(AuditQuery {
            to: Some(t(8, 30)),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        by(AuditQuery {
            limit: Some(2),
            ..Default::default()
        }),
        2
    );
}

fn batch(people: Vec<(&str, Option<&str>)>, vehicles: Vec<(&str, &str)>) -> ImportBatch {
    ImportBatch {
        source: "people.csv".into(),
        households: vec![NewHousehold {
            code: "3-2-1502".into(),
            notes: String::new(),
        }],
        people: people
            .into_iter()
            .enumerate()
            .map(|(i, (name, household))| {
                let mut person = NewPerson::new(name, PersonClass::Resident);
                person.household = household.map(str::to_owned);
                ImportPerson {
                    origin: format!("people.csv line {}", i + 2),
                    person,
                    photos: vec![NewPhoto {
                        path: format!("photos/{i}.jpg"),
                        sha256: sha(i as u8),
                    }],
                    consent: None,
                }
            })
            .collect(),
        vehicles: vehicles
            .into_iter()
            .enumerate()
            .map(|(i, (plate, owner))| {
                let mut vehicle = NewVehicle::new(plate, VehicleKind::Household);
                vehicle.owner = Some(VehicleOwner::PersonNamed(owner.into()));
                ImportVehicle {
                    origin: format!("vehicles.csv line {}", i + 2),
                    vehicle,
                }
            })
            .collect(),
    }
}

#[test]
fn import_batch_writes_everything_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let good = batch(
        vec![("张伟", Some("3-2-1502")), ("李娜", None)],
        vec![("京A·12345", "张伟")],
    );
    let dry = store.check_import(good.clone()).unwrap();
    assert_eq!((dry.people_added, dry.vehicles_added), (2, 1));
    assert!(
        store.people().unwrap().is_empty(),
        "a dry run writes nothing"
    );

    let sum = store.import_batch("经理", good.clone()).unwrap();
    assert_eq!(sum, dry);
    assert_eq!(sum.households_added, 1);
    assert_eq!(sum.photos_added, 2);
    let zhang = &store.people_named("张伟").unwrap()[0];
    assert_eq!(zhang.household.as_deref(), Some("3-2-1502"));
    assert_eq!(store.photos(zhang.id).unwrap().len(), 1);
    let car = &store.find_vehicles("京A12345").unwrap()[0];
    assert_eq!(car.owner_person_id, Some(zhang.id));
    let audit = store
        .audit_entries(&AuditQuery {
            action: Some("import".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].object.as_str()),
        ("经理", "people.csv")
    );

    // the same import again updates, it does not duplicate
    let again = store.import_batch("经理", good).unwrap();
    assert_eq!((again.people_added, again.people_updated), (0, 2));
    assert_eq!((again.photos_added, again.vehicles_updated), (0, 1));
    assert_eq!(store.people().unwrap().len(), 2);
}

/// Two boxes of one compound that import the same file hold the same people and vehicles: the
/// shared store then keeps each once, and applying the other box's copy doubles nothing.
#[test]
fn two_boxes_importing_the_same_file_share_one_record_of_each_person_and_vehicle() {
    use gateward::store::library::{PulledRecord, RecordKind};
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (open(a_dir.path()), open(b_dir.path()));
    let file = batch(
        vec![("王芳", Some("3-2-1502")), ("李雷", None)],
        vec![("粤B·D12345", "王芳")],
    );
    a.import_batch("经理", file.clone()).unwrap();
    b.import_batch("经理", file).unwrap();
    let (a_docs, _) = a.records_to_send("s", "东门", 100).unwrap();
    let (b_docs, _) = b.records_to_send("s", "北门", 100).unwrap();
    let keys = |docs: &[gateward::store::library::RecordDoc]| -> BTreeSet<(String, String)> {
        docs.iter()
            .map(|d| (d.kind.key().to_owned(), d.uid.clone()))
            .collect()
    };
    assert_eq!(keys(&a_docs), keys(&b_docs));
    assert_eq!(
        a_docs
            .iter()
            .filter(|d| d.kind == RecordKind::Person)
            .count(),
        2,
        "the random ids the import replaced are not sent: {a_docs:?}"
    );
    let (_, last) = b.records_to_send("s", "北门", 100).unwrap();
    b.mark_records_sent("s", last.unwrap()).unwrap();
    let pulled = a_docs
        .into_iter()
        .enumerate()
        .map(|(i, record)| PulledRecord {
            seq: i as i64 + 1,
            box_name: "东门".to_owned(),
            record,
        })
        .collect::<Vec<_>>();
    let n = pulled.len() as i64;
    let applied = b.apply_records("s", "北门", pulled, n).unwrap();
    assert_eq!(applied.skipped, 0, "{applied:?}");
    assert_eq!(b.people().unwrap().len(), 2);
    assert_eq!(b.vehicles().unwrap().len(), 1);
}

#[test]
fn import_batch_with_bad_rows_writes_nothing_and_lists_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let bad = batch(
        vec![("王芳", Some("3-2-1502")), ("赵六", Some("9-9-999"))],
        vec![("粤B·D12345", "王芳"), ("粤B·11111", "无名氏")],
    );
    let e = store.import_batch("经理", bad.clone()).unwrap_err();
    let StoreError::ImportRejected { problems } = &e else {
        panic!("{e}");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("people.csv line 3:"),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("9-9-999"));
    assert!(
        problems[1].starts_with("vehicles.csv line 3:"),
        "{}",
        problems[1]
    );
    assert!(e.to_string().contains("nothing was written"), "{e}");
    assert!(store.households().unwrap().is_empty());
    assert!(store.people().unwrap().is_empty());
    assert!(store.vehicles().unwrap().is_empty());
    assert!(
        store
            .audit_entries(&AuditQuery::default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.check_import(bad).unwrap_err(), e);
}

#[test]
fn database_of_schema_1_is_upgraded_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0].sql).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        c.execute(
            "INSERT INTO households (code, notes) VALUES ('3-2-1502', '老住户')",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO people (name, class, household_id, created_ms, updated_ms) \
             VALUES ('张伟', 'resident', 1, 0, 0)",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(SCHEMA_VERSION, 15);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        store.household("3-2-1502").unwrap().unwrap().notes,
        "老住户"
    );
    let zhang = &store.people_named("张伟").unwrap()[0];
    assert_eq!(zhang.household.as_deref(), Some("3-2-1502"));
    let id = store
        .insert_event(event(t(7, 0), EventKind::Person, Shift::Morning))
        .unwrap();
    assert_eq!(store.events(&EventQuery::default()).unwrap()[0].id, id);
    // schema 13: the event has an id made on this box, for a compound's shared store
    let outgoing = store.outgoing_events("postgres://shared", 10).unwrap();
    assert_eq!(outgoing.len(), 1);
    assert_eq!(outgoing[0].uid.len(), 36, "{}", outgoing[0].uid);
    // schema 14: the person recorded before it is among the records to send to a shared store
    let (records, _) = store
        .records_to_send("postgres://shared", "东门", 10)
        .unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].doc.as_ref().unwrap()["name"], "张伟");
    // schema 15: and their household, with its notes
    assert_eq!(records[1].uid, "3-2-1502");
    assert_eq!(records[1].doc.as_ref().unwrap()["notes"], "老住户");
    drop(store);
    // opening again finds nothing to do
    assert_eq!(
        Store::open(&path).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
}

#[test]
fn database_of_a_newer_gateward_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::TooNew {
                found: 99,
                known: SCHEMA_VERSION,
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains(&format!(
            "written by a newer gateward (schema 99, this one knows {SCHEMA_VERSION})"
        )),
        "{msg}"
    );
    assert!(
        msg.contains("upgrade gateward or restore a backup"),
        "{msg}"
    );
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    let text = "name,class\n张伟,resident\n".repeat(50);
    std::fs::write(&path, &text).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::NotADatabase { .. }), "{e:?}");
    assert!(e.to_string().contains("is not a records database"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "left untouched"
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE songs (title TEXT)")
        .unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Foreign { .. }), "{e:?}");
    assert!(e.to_string().contains("another program"), "{e}");
}

#[test]
fn a_missing_data_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Store::open(dir.path().join("nope/gateward.sqlite")).unwrap_err();
    assert!(matches!(e, StoreError::Open { .. }), "{e:?}");
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn a_read_only_database_is_refused_with_a_message_saying_so() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    drop(Store::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
        common::cannot_run("this user (root?) can write read-only files");
        return;
    }
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
    assert!(e.to_string().contains("read-only"), "{e}");
}

#[test]
fn readers_are_not_blocked_by_an_open_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    let store = Store::open(&path).unwrap();
    store
        .insert_event(event(t(7, 0), EventKind::Person, Shift::Morning))
        .unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    other
        .execute(
            "INSERT INTO gate_events (at_ms, gate, kind, shift) VALUES (0, 'x', 'alert', 'night')",
            [],
        )
        .unwrap();
    let started = Instant::now();
    let seen = store.events(&EventQuery::default()).unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(seen.len(), 1, "the uncommitted row is not visible");
    other.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn reads_run_while_many_threads_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let mut e = event(t(7, 0), EventKind::Vehicle, Shift::Morning);
                        e.plate = Some(format!("京A{w}{i:04}"));
                        store.insert_event(e).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut last = 0;
    let mut reads = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        let n = store.events(&EventQuery::default()).unwrap().len();
        assert!(n >= last, "a reader never sees fewer committed rows");
        last = n;
        reads += 1;
    }
    assert!(reads > 0);
    let ids: BTreeSet<i64> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert_eq!(ids.len(), 200, "every write acknowledged with its own id");
    let stored: BTreeSet<i64> = store
        .events(&EventQuery::default())
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(stored, ids);
}

const CRASH_CHILD: &str = "GATEWARD_STORE_CRASH_CHILD";

/// Issue 3: killing the process (`kill -9`) while 1,000 events are being written loses none
/// that were acknowledged, and the database passes `PRAGMA integrity_check` after.
///
/// The child is this test binary run again with `CRASH_CHILD` set: it writes the events one by
/// one and prints `ACK <id>` after each acknowledgement.
#[test]
fn kill_9_while_writing_loses_no_acknowledged_event() {
    if let Some(path) = std::env::var_os(CRASH_CHILD) {
        let store = Store::open(Path::new(&path)).unwrap();
        let mut out = std::io::stdout().lock();
        for i in 0..1000 {
            let mut e = event(t(7, 0), EventKind::Vehicle, Shift::Morning);
            e.plate = Some(format!("京A{i:05}"));
            e.snapshot = Some(format!("snapshots/{i}.jpg"));
            let id = store.insert_event(e).unwrap();
            writeln!(out, "ACK {id}").unwrap();
            out.flush().unwrap();
        }
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateward.sqlite");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "kill_9_while_writing_loses_no_acknowledged_event",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    let ack = |line: &str| {
        line.strip_prefix("ACK ")
            .and_then(|n| n.parse::<i64>().ok())
    };
    while acked.len() < 300 {
        let line = lines.next().expect("the child stopped early").unwrap();
        acked.extend(ack(&line));
    }
    child.kill().unwrap(); // SIGKILL
    // acknowledgements printed before the kill are still in the pipe
    for line in lines.map_while(Result::ok) {
        acked.extend(ack(&line));
    }
    let status = child.wait().unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "killed partway, not finished: {status}"
        );
    }
    assert!(acked.len() < 1000, "killed before the end");
    eprintln!("{} events acknowledged before the kill", acked.len());

    let raw = rusqlite::Connection::open(&path).unwrap();
    let check: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(raw);
    let store = Store::open(&path).unwrap();
    store.integrity_check().unwrap();
    let stored: BTreeSet<i64> = store
        .events(&EventQuery::default())
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored.len() >= acked.len());
    // the store still takes writes after the crash
    store
        .insert_event(event(t(8, 0), EventKind::Person, Shift::Morning))
        .unwrap();
}

/// A sighting expires after the retention period; the guard's correction made from it stays,
/// with its own copy of the face, until the person is deleted.
#[test]
fn expired_sightings_go_but_corrections_made_from_them_stay() {
    use gateward::store::NewSighting;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let wang = store
        .insert_person("admin", NewPerson::new("王建国", PersonClass::Vip))
        .unwrap();
    let face: Vec<f32> = (0..192).map(|i| (i as f32).sin()).collect();
    let seen = store
        .add_sighting(NewSighting {
            source: "东门-1".into(),
            model: "m@1".into(),
            vector: face.clone(),
            thumbnail: Some("sightings/a.png".into()),
            person_id: Some(wang),
            similarity: Some(0.71),
        })
        .unwrap();
    let sighting = store.sighting(seen).unwrap().unwrap();
    assert_eq!(
        (sighting.person_id, sighting.similarity),
        (Some(wang), Some(0.71))
    );
    let c = store.add_face_correction("guard", seen, wang).unwrap();
    // said twice, kept once
    assert_eq!(store.add_face_correction("guard", seen, wang).unwrap(), c);
    assert!(matches!(
        store.add_face_correction("guard", seen + 1, wang),
        Err(StoreError::NotFound {
            what: "sighting",
            ..
        })
    ));
    let audit = store.audit_entries(&AuditQuery::default()).unwrap();
    assert!(audit.iter().any(|a| a.action == "face.not"), "{audit:?}");

    // nothing is older than the clock's 01:00: nothing purged
    assert!(store.purge_sightings(t(0, 0)).unwrap().is_empty());
    assert_eq!(
        store.purge_sightings(t(2, 0)).unwrap(),
        vec!["sightings/a.png".to_owned()]
    );
    assert!(store.sighting(seen).unwrap().is_none());
    let kept = store.face_corrections("m@1").unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].person_id, kept[0].sighting_id), (wang, None));
    assert_eq!(kept[0].vector, face);
    assert!(store.face_corrections("other@2").unwrap().is_empty());
}

#[test]
fn training_answers_are_each_users_and_go_with_the_person_or_household() {
    use gateward::domain::{Desk, Role};
    use gateward::store::{NewUser, TrainingAnswer};
    use gateward::training::{CardKey, Exercise, Subject};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let home = household(&store, "3-2-1502");
    let mut chen = NewPerson::new("陈静", PersonClass::Resident);
    chen.household = Some("3-2-1502".into());
    let chen = store.insert_person("admin", chen).unwrap();
    let user = |login: &str| {
        store
            .add_user(
                "admin",
                NewUser {
                    login: login.into(),
                    name: login.into(),
                    role: Role::Guard,
                    post: Desk::Gate,
                    password_hash: "x".into(),
                    started: None,
                    must_change: false,
                },
            )
            .unwrap()
    };
    let (a, b) = (user("a"), user("b"));
    let face = CardKey {
        exercise: Exercise::FaceName,
        subject: Subject::Person(chen),
    };
    let who = CardKey {
        exercise: Exercise::HouseholdMembers,
        subject: Subject::Household(home),
    };
    for (card, at, correct) in [
        (face, t(7, 0), false),
        (who, t(7, 1), true),
        (face, t(7, 2), true),
    ] {
        store
            .add_training_answer(a, TrainingAnswer { card, at, correct })
            .unwrap();
    }
    let got = store.training_answers(a).unwrap();
    assert_eq!(
        got.iter().map(|x| (x.card, x.correct)).collect::<Vec<_>>(),
        [(face, false), (who, true), (face, true)]
    );
    assert_eq!(got[1].at, t(7, 1));
    assert!(store.training_answers(b).unwrap().is_empty());
    // deleting the person deletes what was answered about them
    store.delete_person("admin", chen).unwrap();
    let left = store.training_answers(a).unwrap();
    assert_eq!(left.iter().map(|x| x.card).collect::<Vec<_>>(), [who]);
}
