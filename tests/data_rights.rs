//! Residents' data rights on a real records file in a temp folder, with real photo and snapshot
//! files on disk and a simulated clock: consent recorded at enrolment and shown in the person's
//! export; the export (one ZIP) lists their photos and events and holds the image bytes; deleting
//! a person leaves none of their photos, faces, sightings or own snapshots in the records or on
//! disk while a snapshot another event shows stays; retention deletes the 31-day-old visitors'
//! faces and snapshots by the clock, keeps the 29-day-old ones and every enrolled photo. Then the
//! same through `gateward person export|delete`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use gateward::app::photos::store_photo;
use gateward::app::retention::Purged;
use gateward::app::rights::{delete_person, export_person};
use gateward::app::sightings::record_sighting;
use gateward::clock::{Clock, SimulatedClock};
use gateward::config::Retention;
use gateward::domain::{ConsentMethod, Direction, PersonClass, Shift};
use gateward::pipeline::housekeeping::{Housekeeping, sweep};
use gateward::store::{
    AuditQuery, EventKind, NewConsent, NewFaceEmbedding, NewGateEvent, NewHousehold, NewPerson,
    NewPhoto, NewSighting, NewVehicle, Store, VehicleOwner, database_path,
};
use image::{Rgb, RgbImage};

const MODEL: &str = "mobilefacenet@test";

/// 2026-12-06 10:00 at the gate (Asia/Shanghai).
fn now() -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2026, 12, 6, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn face(seed: u32) -> Vec<f32> {
    (0..192).map(|i| ((i * seed) as f32 * 0.37).sin()).collect()
}

/// A small real JPEG snapshot of the gate at `relative` under `data`.
fn snapshot(data: &Path, relative: &str, shade: u8) -> String {
    let path = data.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    RgbImage::from_pixel(64, 48, Rgb([shade, 90, 40]))
        .save(&path)
        .unwrap();
    relative.to_owned()
}

/// The snapshot path of an event at local time `at`, as the pipeline names them.
fn snapshot_path(at: DateTime<Utc>, tag: &str) -> String {
    let local = at.with_timezone(&Shanghai);
    format!(
        "snapshots/{}/{}-东门人行-{tag}.jpg",
        local.format("%Y-%m-%d"),
        local.format("%H%M%S")
    )
}

/// A face crop as the cameras store it (a PNG under sightings/).
fn crop(shade: u8) -> RgbImage {
    RgbImage::from_pixel(112, 112, Rgb([shade, shade / 2, 200]))
}

/// The sample compound's family of 3-2-1502 on a real records file: 陈静 enrolled with her
/// consent from a real photo (astronaut.png), her face crop and embedding; 刘洋 from another
/// photo. Their gate events have real snapshot files.
struct Compound {
    _dir: tempfile::TempDir,
    data: PathBuf,
    clock: Arc<SimulatedClock>,
    store: Arc<Store>,
    chen: i64,
    liu: i64,
}

impl Compound {
    fn new() -> Compound {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let clock = Arc::new(SimulatedClock::new(now() - chrono::Duration::days(40)));
        let store = Arc::new(Store::open_with_clock(database_path(&data), clock.clone()).unwrap());
        store
            .upsert_household(
                "管理处刘主任",
                NewHousehold {
                    code: "3-2-1502".into(),
                    notes: String::new(),
                },
            )
            .unwrap();
        let mut chen = NewPerson::new("陈静", PersonClass::Resident);
        chen.household = Some("3-2-1502".into());
        chen.appearance_notes = "戴眼镜，短发".into();
        let chen = store.insert_person("管理处刘主任", chen).unwrap();
        let mut liu = NewPerson::new("刘洋", PersonClass::Resident);
        liu.household = Some("3-2-1502".into());
        let liu = store.insert_person("管理处刘主任", liu).unwrap();
        let c = Compound {
            _dir: dir,
            data,
            clock,
            store,
            chen,
            liu,
        };
        c.enrol(chen, "astronaut.png", 3);
        c.enrol(liu, "solvay-dirac.jpg", 5);
        c
    }

    /// Records `who`'s consent, then their photo (copied into photos/), its face crop and
    /// embedding, as an enrolment does.
    fn enrol(&self, who: i64, photo: &str, seed: u32) {
        self.store
            .record_consent(
                "管理处刘主任",
                who,
                NewConsent {
                    given_by: "本人".into(),
                    given_on: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
                    method: ConsentMethod::Written,
                    note: "同意书存管理处".into(),
                },
            )
            .unwrap();
        let (sha, stored) = store_photo(&common::fixture(photo), &self.data).unwrap();
        let photo_id = self
            .store
            .add_photo(
                "管理处刘主任",
                who,
                NewPhoto {
                    path: stored,
                    sha256: sha.clone(),
                },
            )
            .unwrap();
        let thumb = format!("faces/{sha}.png");
        std::fs::create_dir_all(self.data.join("faces")).unwrap();
        crop(seed as u8 * 10).save(self.data.join(&thumb)).unwrap();
        self.store
            .add_face_embedding(NewFaceEmbedding {
                person_id: who,
                model: MODEL.into(),
                vector: face(seed),
                thumbnail: Some(thumb),
                photo_id: Some(photo_id),
            })
            .unwrap();
    }

    /// A face a camera saw now, with its crop file.
    fn sighting(&self, person: Option<i64>, vector: Vec<f32>, shade: u8) -> i64 {
        record_sighting(
            &self.store,
            &self.data,
            &crop(shade),
            NewSighting {
                source: "东门人行".into(),
                model: MODEL.into(),
                vector,
                thumbnail: None,
                person_id: person,
                similarity: person.map(|_| 0.81),
            },
        )
        .unwrap()
    }

    /// A gate event now that named `person` (or nobody), with `snapshot`.
    fn event(&self, person: Option<i64>, kind: EventKind, snapshot: Option<&str>) -> i64 {
        let mut e = NewGateEvent::new(self.clock.now(), "东门", kind, Shift::Morning);
        e.person_id = person;
        e.class = person.map(|_| PersonClass::Resident);
        e.direction = Some(Direction::In);
        e.decision = match person {
            Some(_) => "陈静，早上好".into(),
            None => "先生/小姐，请问有什么需要帮忙吗？".into(),
        };
        e.snapshot = snapshot.map(str::to_owned);
        self.store.insert_event(e).unwrap()
    }

    fn file(&self, relative: &str) -> PathBuf {
        self.data.join(relative)
    }
}

/// The entries of a ZIP file, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP file");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        out.insert(f.name().expect("an entry name").into_owned(), body);
    }
    out
}

#[test]
fn a_persons_export_holds_their_consent_records_and_image_files() {
    let c = Compound::new();
    c.clock.set(now() - chrono::Duration::days(2));
    let at = c.clock.now();
    let own = snapshot(&c.data, &snapshot_path(at, "p1"), 30);
    let arrival = c.event(Some(c.chen), EventKind::Person, Some(&own));
    let seen = c.sighting(Some(c.chen), face(3), 60);
    let liu_snap = snapshot(&c.data, &snapshot_path(at, "p2"), 90);
    c.event(Some(c.liu), EventKind::Person, Some(&liu_snap));
    c.store
        .add_vehicle(
            "管理处刘主任",
            NewVehicle {
                owner: Some(VehicleOwner::Person(c.chen)),
                ..NewVehicle::new("皖AG2R28", gateward::domain::VehicleKind::Household)
            },
        )
        .unwrap();
    c.clock.set(now());

    let export = export_person(&c.store, &c.data, "管理处刘主任", c.chen, now(), Shanghai).unwrap();
    assert_eq!(export.file_name, format!("person-{}-20261206.zip", c.chen));
    assert!(export.missing.is_empty(), "{:?}", export.missing);
    let files = unzip(&export.bytes);
    assert!(files.contains_key("说明-README.txt"), "{:?}", files.keys());
    let json: serde_json::Value = serde_json::from_slice(&files["person.json"]).unwrap();

    // who she is and her consent, as recorded
    assert_eq!(json["person"]["name"], "陈静");
    assert_eq!(json["person"]["household"], "3-2-1502");
    assert_eq!(json["person"]["appearance_notes"], "戴眼镜，短发");
    assert_eq!(json["household"]["code"], "3-2-1502");
    let consent = &json["consents"][0];
    assert_eq!(consent["given_by"], "本人");
    assert_eq!(consent["given_on"], "2026-03-05");
    assert_eq!(consent["method"], "written");
    assert_eq!(consent["method_zh"], "书面");
    assert_eq!(consent["recorded_by"], "管理处刘主任");

    // her photo, with the very bytes of the file kept
    let photos = json["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1, "{json:#}");
    let photo = photos[0]["file"].as_str().unwrap();
    assert_eq!(
        files[photo],
        std::fs::read(common::fixture("astronaut.png")).unwrap()
    );
    // her face: what it is, not its numbers, and the crop
    let embedding = &json["face_embeddings"][0];
    assert_eq!(embedding["model"], MODEL);
    assert_eq!(embedding["dimensions"], 192);
    assert!(embedding.get("vector").is_none(), "{embedding:#}");
    let crop_file = embedding["face_crop"].as_str().unwrap();
    assert_eq!(files[crop_file], std::fs::read(c.file(crop_file)).unwrap());
    // the face the camera saw, and her arrival with its snapshot
    let sighting = &json["sightings"][0];
    assert_eq!(sighting["id"], seen);
    let seen_file = sighting["file"].as_str().unwrap();
    assert!(seen_file.starts_with("sightings/"), "{seen_file}");
    assert_eq!(files[seen_file], std::fs::read(c.file(seen_file)).unwrap());
    let events = json["gate_events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{json:#}");
    assert_eq!(events[0]["id"], arrival);
    assert_eq!(events[0]["decision"], "陈静，早上好");
    assert_eq!(events[0]["snapshot"], own.as_str());
    assert!(
        events[0]["at"].as_str().unwrap().ends_with("+08:00"),
        "gate time: {events:?}"
    );
    assert_eq!(files[&own], std::fs::read(c.file(&own)).unwrap());
    assert_eq!(json["vehicles"][0]["plate"], "皖AG2R28");
    // the audit entries about her record, consent first
    let actions: Vec<&str> = json["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.starts_with(&["person.insert", "consent.record", "photo.add"]),
        "{actions:?}"
    );
    // nothing of her husband's
    assert!(!files.contains_key(&liu_snap), "{:?}", files.keys());
    assert!(
        !String::from_utf8_lossy(&files["person.json"]).contains("刘洋"),
        "{json:#}"
    );

    // the export is in the audit log
    let audited = c
        .store
        .audit_entries(&AuditQuery {
            action: Some("export".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, "管理处刘主任");
    assert_eq!(audited[0].object, format!("person:{}", c.chen));
    assert_eq!(audited[0].at, now());
}

#[test]
fn deleting_a_person_leaves_none_of_their_faces_or_own_snapshots_in_the_records_or_on_disk() {
    let c = Compound::new();
    c.clock.set(now() - chrono::Duration::days(1));
    let at = c.clock.now();
    // her own arrival's snapshot; another whose frame also caught a car (two events, one file)
    let own = snapshot(&c.data, &snapshot_path(at, "p1"), 30);
    let shared = snapshot(&c.data, &snapshot_path(at, "p2"), 40);
    let arrival = c.event(Some(c.chen), EventKind::Person, Some(&own));
    let second = c.event(Some(c.chen), EventKind::Person, Some(&shared));
    let car = c.event(None, EventKind::Vehicle, Some(&shared));
    // faces seen: taken for her; a stranger's face later enrolled as hers; a visitor's
    let hers = c.sighting(Some(c.chen), face(3), 61);
    let became_hers = c.sighting(None, face(7), 62);
    c.store
        .add_face_embedding(NewFaceEmbedding {
            person_id: c.chen,
            model: MODEL.into(),
            vector: face(7),
            thumbnail: None,
            photo_id: None,
        })
        .unwrap();
    let visitor = c.sighting(None, face(11), 63);
    let liu_snap = snapshot(&c.data, &snapshot_path(at, "p3"), 90);
    c.event(Some(c.liu), EventKind::Person, Some(&liu_snap));
    let liu_seen = c.sighting(Some(c.liu), face(5), 64);

    let crop_of = |id: i64| c.store.sighting(id).unwrap().unwrap().thumbnail.unwrap();
    let (hers_file, became_file, visitor_file, liu_seen_file) = (
        crop_of(hers),
        crop_of(became_hers),
        crop_of(visitor),
        crop_of(liu_seen),
    );
    let photo = c.store.photos(c.chen).unwrap()[0].path.clone();
    let face_crop = format!("faces/{}.png", c.store.photos(c.chen).unwrap()[0].sha256);
    for f in [&photo, &face_crop, &own, &shared, &hers_file, &became_file] {
        assert!(c.file(f).is_file(), "{f} before");
    }

    let gone = delete_person(&c.store, &c.data, "管理处刘主任", c.chen).unwrap();
    let r = &gone.records;
    assert_eq!(r.name, "陈静");
    assert_eq!(
        (r.photos, r.embeddings, r.sightings, r.consents),
        (1, 2, 2, 1)
    );
    assert_eq!((r.snapshots_deleted, r.snapshots_shared), (1, 1));
    assert_eq!(r.events_kept, 2);

    // the records: no person, photo, face, consent or sighting of hers
    let s = &c.store;
    assert!(s.person(c.chen).unwrap().is_none());
    assert!(s.photos(c.chen).unwrap().is_empty());
    assert!(s.consents(c.chen).unwrap().is_empty());
    assert!(
        s.face_embeddings(MODEL)
            .unwrap()
            .iter()
            .all(|e| e.person_id != c.chen)
    );
    assert!(s.sighting(hers).unwrap().is_none());
    assert!(s.sighting(became_hers).unwrap().is_none());
    // the disk: her photo, face crop, the faces seen of her and her own snapshot are gone
    for f in [&photo, &face_crop, &hers_file, &became_file, &own] {
        assert!(!c.file(f).exists(), "{f} is still on disk");
    }
    // the duty log keeps her arrivals without her name or snapshot
    for id in [arrival, second] {
        let e = s.event(id).unwrap().unwrap();
        assert_eq!(e.person_id, None);
        assert_eq!(e.snapshot, None, "event {id}");
        assert!(!e.decision.contains("陈静"), "{}", e.decision);
        assert!(e.decision.contains("早上好"), "{}", e.decision);
    }
    // the snapshot the car's event shows too stays, for that event
    assert!(c.file(&shared).is_file());
    assert_eq!(
        s.event(car).unwrap().unwrap().snapshot.as_deref(),
        Some(shared.as_str())
    );
    // a visitor's face and her husband's records are untouched
    assert!(s.sighting(visitor).unwrap().is_some());
    assert!(c.file(&visitor_file).is_file());
    assert!(s.sighting(liu_seen).unwrap().is_some());
    assert!(c.file(&liu_seen_file).is_file());
    assert!(c.file(&liu_snap).is_file());
    assert_eq!(s.photos(c.liu).unwrap().len(), 1);
    assert!(c.file(&s.photos(c.liu).unwrap()[0].path).is_file());
    assert!(s.consent(c.liu).unwrap().is_some());
    // and the deletion is in the audit log
    let audited = s
        .audit_entries(&AuditQuery {
            action: Some("delete".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(
        audited[0].detail.contains("2 face sightings"),
        "{audited:?}"
    );
}

/// What retention acts on: a visitor seen (face and snapshot) 31 days before `now()` and
/// another 29 days before; 陈静's enrolled photo (40 days old) and a face of hers enrolled from
/// a sighting 31 days old, whose crop became her photo.
struct Aged {
    old_face: i64,
    old_crop: String,
    old_event: i64,
    old_snapshot: String,
    new_face: i64,
    new_crop: String,
    new_event: i64,
    new_snapshot: String,
    enrolled: Vec<String>,
}

fn aged(c: &Compound) -> Aged {
    c.clock.set(now() - chrono::Duration::days(31));
    let old_face = c.sighting(None, face(13), 70);
    let old_snapshot = snapshot(&c.data, &snapshot_path(c.clock.now(), "p1"), 71);
    let old_event = c.event(None, EventKind::Person, Some(&old_snapshot));
    // the manager enrolled one face of 陈静 from a sighting of that day: its crop was copied
    // into photos/ as hers
    let hers = c.sighting(Some(c.chen), face(17), 72);
    let crop_file = c.store.sighting(hers).unwrap().unwrap().thumbnail.unwrap();
    let (sha, stored) = store_photo(&c.file(&crop_file), &c.data).unwrap();
    c.store
        .add_photo(
            "管理处刘主任",
            c.chen,
            NewPhoto {
                path: stored,
                sha256: sha,
            },
        )
        .unwrap();
    c.clock.set(now() - chrono::Duration::days(29));
    let new_face = c.sighting(None, face(19), 80);
    let new_snapshot = snapshot(&c.data, &snapshot_path(c.clock.now(), "p1"), 81);
    let new_event = c.event(None, EventKind::Person, Some(&new_snapshot));
    let crop_of = |id: i64| c.store.sighting(id).unwrap().unwrap().thumbnail.unwrap();
    let mut enrolled: Vec<String> = [c.chen, c.liu]
        .into_iter()
        .flat_map(|who| c.store.photos(who).unwrap())
        .map(|p| p.path)
        .collect();
    enrolled.extend(
        c.store
            .face_embeddings(MODEL)
            .unwrap()
            .into_iter()
            .filter_map(|e| e.thumbnail),
    );
    Aged {
        old_crop: crop_of(old_face),
        new_crop: crop_of(new_face),
        old_face,
        old_event,
        old_snapshot,
        new_face,
        new_event,
        new_snapshot,
        enrolled,
    }
}

fn assert_purged(c: &Compound, a: &Aged) {
    let s = &c.store;
    // 31 days old: the visitor's face and its crop, and the snapshot, are gone; the event stays
    assert!(s.sighting(a.old_face).unwrap().is_none());
    assert!(!c.file(&a.old_crop).exists(), "{}", a.old_crop);
    assert!(!c.file(&a.old_snapshot).exists(), "{}", a.old_snapshot);
    let old = s
        .event(a.old_event)
        .unwrap()
        .expect("the event stays in the log");
    assert_eq!(old.snapshot, None);
    // 29 days old: kept, files and all
    assert!(s.sighting(a.new_face).unwrap().is_some());
    assert!(c.file(&a.new_crop).is_file());
    assert!(c.file(&a.new_snapshot).is_file());
    assert_eq!(
        s.event(a.new_event).unwrap().unwrap().snapshot.as_deref(),
        Some(a.new_snapshot.as_str())
    );
    // every enrolled photo and face crop is kept, the one from the expired sighting too
    assert_eq!(a.enrolled.len(), 5, "{:?}", a.enrolled);
    for f in &a.enrolled {
        assert!(c.file(f).is_file(), "enrolled {f} was deleted");
    }
    assert_eq!(s.photos(c.chen).unwrap().len(), 2);
    assert_eq!(s.face_embeddings(MODEL).unwrap().len(), 2);
}

#[test]
fn retention_deletes_the_31_day_old_visitor_faces_and_snapshots_and_keeps_the_rest() {
    let c = Compound::new();
    let a = aged(&c);
    let retention = Retention {
        sightings_days: 30,
        snapshots_days: 30,
    };
    // at 29 and 30 days nothing is due
    c.clock.set(now() - chrono::Duration::days(1));
    let nothing = sweep(&c.store, &c.data, &retention, Shanghai, c.clock.now());
    assert_eq!(nothing, Purged::default());
    assert!(c.file(&a.old_crop).is_file() && c.file(&a.old_snapshot).is_file());

    c.clock.set(now());
    let purged = sweep(&c.store, &c.data, &retention, Shanghai, c.clock.now());
    assert_eq!(
        purged.face_crops, 2,
        "the visitor's face and 陈静's old sighting"
    );
    assert!(purged.snapshots >= 1, "{purged:?}");
    assert_purged(&c, &a);
    // the 31-day-old day's folder is gone with its last snapshot
    assert!(!c.file(&a.old_snapshot).parent().unwrap().exists());
}

/// The service's housekeeping (what `gateward run` and `gateward demo` start) purges at once
/// when it starts, by its clock.
#[test]
fn the_service_housekeeping_purges_when_it_starts() {
    let c = Compound::new();
    let a = aged(&c);
    c.clock.set(now());
    let keeper = Housekeeping {
        store: Arc::clone(&c.store),
        data: c.data.clone(),
        retention: Retention {
            sightings_days: 30,
            snapshots_days: 30,
        },
        tz: Shanghai,
        clock: c.clock.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let task = runtime.spawn(keeper.run());
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.file(&a.old_snapshot).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    task.abort();
    drop(runtime);
    assert_purged(&c, &a);
}

/// `gateward person export` writes the ZIP and `gateward person delete` (only with --yes)
/// deletes the person's files, on the records of a data folder.
#[test]
fn the_command_line_exports_and_deletes_a_persons_data() {
    let c = Compound::new();
    c.clock.set(now() - chrono::Duration::days(1));
    let own = snapshot(&c.data, &snapshot_path(c.clock.now(), "p1"), 30);
    c.event(Some(c.chen), EventKind::Person, Some(&own));
    let photo = c.store.photos(c.chen).unwrap()[0].path.clone();
    let data = c.data.clone();
    let out_dir = tempfile::tempdir().unwrap();
    let zip_path = out_dir.path().join("陈静.zip");

    let out = common::gateward_in(
        &data,
        &[
            "person",
            "export",
            "陈静",
            "--out",
            zip_path.to_str().unwrap(),
            "--by",
            "管理处刘主任",
        ],
    );
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        common::stderr(&out)
    );
    assert!(common::stdout(&out).contains("已导出陈静的个人信息"));
    let files = unzip(&std::fs::read(&zip_path).unwrap());
    let json: serde_json::Value = serde_json::from_slice(&files["person.json"]).unwrap();
    assert_eq!(json["person"]["id"], c.chen);
    assert_eq!(json["exported_by"], "管理处刘主任");
    assert_eq!(files[&photo], std::fs::read(c.file(&photo)).unwrap());
    assert_eq!(files[&own], std::fs::read(c.file(&own)).unwrap());

    // a name no one has, and a deletion not confirmed, do nothing
    let out = common::gateward_in(&data, &["person", "export", "没这人"]);
    assert!(!out.status.success());
    assert!(common::stderr(&out).contains("没有叫没这人的人"));
    let out = common::gateward_in(&data, &["person", "delete", &c.chen.to_string()]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("--yes"),
        "{}",
        common::stderr(&out)
    );
    assert!(c.store.person(c.chen).unwrap().is_some());

    let out = common::gateward_in(&data, &["person", "delete", &c.chen.to_string(), "--yes"]);
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        common::stderr(&out)
    );
    assert!(common::stdout(&out).contains("已删除陈静的个人信息"));
    assert!(c.store.person(c.chen).unwrap().is_none());
    assert!(!c.file(&photo).exists());
    assert!(!c.file(&own).exists());
    assert!(c.store.person(c.liu).unwrap().is_some());
}
