//! The manager's pages through the real binary over real HTTP: `gateward demo` (no cameras)
//! with the sample compound, logged in as its manager, team leader and guard, and an
//! administrator added to its records.

mod common;
#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use gateward::domain::{Direction, PersonClass, Shift};
use gateward::rules::vehicles::OVERSIZE_REFUSAL;
use gateward::store::{AuditQuery, EventKind, NewGateEvent, NewSighting, Store};

use demo::Demo;
use http::Http;

/// The day the test's gate events happen on (local time at the gate, Asia/Shanghai).
const DAY: &str = "2026-11-20";

fn local(h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 11, 20, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn person_id(store: &Store, name: &str) -> i64 {
    store.people_named(name).unwrap()[0].id
}

/// The part of `page` from `start` to the first `end` after it.
fn slice<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} in the page:\n{page}"));
    let rest = &page[at..];
    &rest[..rest.find(end).map_or(rest.len(), |e| e + end.len())]
}

/// Records the day's gate events: 3 people 07:00–08:00, 2 vehicles 08:00–09:00, one oversize
/// alert at 10:00, one registration at 12:30, one vehicle 18:00–19:00. Returns the id of the
/// event that named 王建国.
fn seed_events(store: &Store) -> i64 {
    let wang = person_id(store, "王建国");
    let chen = person_id(store, "陈静");
    let gate = "东门";
    let mut e = NewGateEvent::new(local(7, 5), gate, EventKind::Person, Shift::Morning);
    e.person_id = Some(wang);
    e.class = Some(PersonClass::Vip);
    e.direction = Some(Direction::In);
    e.decision = "王总，早上好，欢迎光临".into();
    let wang_event = store.insert_event(e).unwrap();
    let mut e = NewGateEvent::new(local(7, 20), gate, EventKind::Person, Shift::Morning);
    e.person_id = Some(chen);
    e.class = Some(PersonClass::Resident);
    e.decision = "早上好".into();
    store.insert_event(e).unwrap();
    let mut e = NewGateEvent::new(local(7, 40), gate, EventKind::Person, Shift::Morning);
    e.decision = "先生/小姐，请问有什么需要帮忙吗？".into();
    store.insert_event(e).unwrap();
    for (plate, at, dir, shift) in [
        ("川A·8H458", local(8, 10), Direction::In, Shift::Morning),
        ("粤B6R678", local(8, 30), Direction::Out, Shift::Morning),
        ("皖AG2R28", local(18, 15), Direction::In, Shift::Evening),
    ] {
        let mut e = NewGateEvent::new(at, gate, EventKind::Vehicle, shift);
        e.plate = Some(plate.into());
        e.direction = Some(dir);
        e.decision = "放行，记录车牌".into();
        e.snapshot = Some(format!("snapshots/{DAY}/test-{}.jpg", at.timestamp()));
        store.insert_event(e).unwrap();
    }
    let mut e = NewGateEvent::new(local(10, 0), gate, EventKind::Alert, Shift::Morning);
    e.plate = Some("冀F12345".into());
    e.decision = OVERSIZE_REFUSAL.into();
    store.insert_event(e).unwrap();
    let mut e = NewGateEvent::new(
        local(12, 30),
        gate,
        EventKind::Registration,
        Shift::Afternoon,
    );
    e.decision = "登记访客张，到1-1-101".into();
    store.insert_event(e).unwrap();
    wang_event
}

/// A GET with the session whose reply headers matter: status, headers, raw body.
fn raw_get(h: &Http, path: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(format!("{}{path}", h.base))
        .header("cookie", h.cookie.as_deref().expect("logged in"))
        .call()
        .expect("GET");
    let headers = r
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_vec().unwrap_or_default();
    (status, headers, body)
}

fn exports(store: &Store) -> Vec<gateward::store::AuditEntry> {
    store
        .audit_entries(&AuditQuery {
            action: Some("export".into()),
            ..AuditQuery::default()
        })
        .unwrap()
}

/// The (hour, count) of every bar of the report's chart.
fn bars(page: &str) -> Vec<(usize, usize)> {
    let attr = |tag: &str, name: &str| -> usize {
        let at = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    page.split("<rect class=\"bar\"")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap()];
            (attr(tag, "data-hour"), attr(tag, "data-count"))
        })
        .collect()
}

#[test]
fn log_search_export_and_report_for_the_right_roles() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    seed_events(&store);
    let leader = Http::login(&demo.base, "leader", demo.password("leader"));
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));

    // the plate typed with the province misread (皖 for 川) still finds the car, marked ≈
    let q = serde_urlencoded::to_string([("plate", "皖A8H458"), ("day", DAY)]).unwrap();
    let page = leader.get_page(&format!("/log?{q}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let table = slice(&page.body, "<table id=\"log\"", "</table>");
    assert!(table.contains("≈川A8H458"), "{table}");
    assert_eq!(table.matches("<tr data-id=").count(), 1, "{table}");
    assert!(
        table.contains("/files/snapshots/"),
        "snapshot link: {table}"
    );
    let link = format!("/log/export.csv?{}", q.replace('&', "&amp;"));
    assert!(page.body.contains(&link), "export link {link}");

    // by person and by shift, as the CLI searches
    let q2 = serde_urlencoded::to_string([("person", "王建国"), ("day", DAY)]).unwrap();
    let page = leader.get_page(&format!("/log?{q2}"));
    assert!(
        page.body.contains("王总，早上好，欢迎光临"),
        "{}",
        page.body
    );
    let page = leader.get_page(&format!("/log?shift=evening&day={DAY}"));
    let table = slice(&page.body, "<table id=\"log\"", "</table>");
    assert!(
        table.contains("皖AG2R28") && !table.contains("川A8H458"),
        "{table}"
    );
    // a name nobody has says so, in Chinese, as a bad request
    let q3 = serde_urlencoded::to_string([("person", "没这人")]).unwrap();
    let page = leader.get_page(&format!("/log?{q3}"));
    assert_eq!(page.status, 400);
    assert!(page.body.contains("名单中没有叫"), "{}", page.body);

    // a guard may neither search nor export, and a refused export records nothing
    assert_eq!(guard.get_page("/log").status, 403);
    let before = exports(&store).len();
    let (status, _, _) = raw_get(&guard, &format!("/log/export.csv?{q}"));
    assert_eq!(status, 403);
    assert_eq!(
        exports(&store).len(),
        before,
        "no audit entry for a refused export"
    );

    // the team leader's export: the CLI's CSV (BOM first), as an attachment, audited
    let (status, headers, body) = raw_get(&leader, &format!("/log/export.csv?{q}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(
        headers["content-type"].starts_with("text/csv"),
        "{headers:?}"
    );
    assert!(
        headers["content-disposition"].starts_with("attachment"),
        "{headers:?}"
    );
    assert!(body.starts_with("\u{feff}".as_bytes()), "BOM first");
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "header and one row: {text}");
    assert!(
        lines[0].contains("时间") && lines[0].contains("车牌"),
        "{text}"
    );
    assert!(lines[1].contains("≈川A8H458") && lines[1].contains("2026-11-20 08:10:00"));
    let audit = exports(&store);
    assert_eq!(audit.len(), before + 1, "{audit:?}");
    let entry = audit.last().unwrap();
    assert_eq!(entry.actor, "分队长老李");
    assert!(entry.object.contains("plate 皖A8H458"), "{entry:?}");
    assert!(entry.detail.starts_with("1 gate events"), "{entry:?}");

    // the day's report: counts as the CLI counts, and 24 hourly bars that match the events
    let page = leader.get_page(&format!("/reports?period=day&date={DAY}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "{}", page.body);
    let bars = bars(&page.body);
    assert_eq!(bars.len(), 24, "{bars:?}");
    let mut expected = [0usize; 24];
    expected[7] = 3;
    expected[8] = 2;
    expected[18] = 1;
    for (hour, count) in &bars {
        assert_eq!(*count, expected[*hour], "hour {hour}: {bars:?}");
    }
    assert!(
        page.body.contains("7时") || page.body.contains("8时"),
        "Chinese labels"
    );
    let counts = slice(&page.body, "<table id=\"counts\"", "</table>");
    for (id, n) in [
        ("vehicles-in", 2),
        ("vehicles-out", 1),
        ("alerts", 1),
        ("oversize", 1),
        ("registrations", 1),
    ] {
        let cell = slice(counts, &format!("id=\"{id}\""), "</td>");
        let value = &cell[cell.find('>').unwrap() + 1..cell.len() - "</td>".len()];
        assert_eq!(value, n.to_string(), "{id}: {counts}");
    }
    // the month holds the day; a wrong period says what to choose
    let page = leader.get_page("/reports?period=month&date=2026-11-05");
    assert_eq!(bars_total(&page.body), 6);
    assert_eq!(leader.get_page("/reports?period=year").status, 400);
    assert_eq!(guard.get_page("/reports").status, 403);
}

fn bars_total(page: &str) -> usize {
    bars(page).iter().map(|(_, n)| n).sum()
}

#[test]
fn people_vehicles_passes_and_users_for_managers_and_admins() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));

    // the people page: 王建国 among the VIPs with his title, photos and plate; the household
    // 3-2-1502 with both its members
    let page = manager.get_page("/manage/people");
    assert_eq!(page.status, 200, "{}", page.body);
    let vips = slice(&page.body, "<section id=\"vip\"", "</section>");
    let wang = slice(vips, "王建国", "</tr>");
    assert!(wang.contains("王总"), "{wang}");
    assert!(wang.contains("闽EVL838"), "his plate: {wang}");
    let photo = http::attr_after(wang, "<img", "src").expect("a photo of 王建国");
    assert!(photo.starts_with("/files/photos/"), "{photo}");
    assert_eq!(manager.get(&photo).status, 200, "{photo}");
    let households = slice(&page.body, "<section id=\"households\"", "</section>");
    let home = slice(households, "data-code=\"3-2-1502\"", "</tr>");
    assert!(home.contains("陈静") && home.contains("刘洋"), "{home}");
    // filtered by class
    let page = manager.get_page("/manage/people?class=vip");
    assert!(page.body.contains("id=\"vip\"") && !page.body.contains("id=\"households\""));
    assert_eq!(guard.get_page("/manage/people").status, 403);

    // one person: their data and recent events
    let wang_id = person_id(&store, "王建国");
    let mut e = NewGateEvent::new(local(7, 5), "东门", EventKind::Person, Shift::Morning);
    e.person_id = Some(wang_id);
    e.decision = "王总，早上好，欢迎光临".into();
    store.insert_event(e).unwrap();
    let page = manager.get_page(&format!("/manage/people/{wang_id}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("王总，早上好，欢迎光临"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/files/photos/"));

    // enrolling 周婷 (no photo in the sample) from a face a camera saw: its embedding, its crop as a photo, an audit entry
    let zhou = person_id(&store, "周婷");
    // the embedder's key and size, as the sample's enrolment stored them
    let (model, dim): (String, i64) = rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row("SELECT model, dim FROM face_embeddings LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let vector: Vec<f32> = (0..dim).map(|i| ((i % 7) as f32 - 3.0) / 10.0).collect();
    std::fs::create_dir_all(demo.data.join("sightings")).unwrap();
    image::RgbImage::from_pixel(112, 112, image::Rgb([120, 90, 60]))
        .save(demo.data.join("sightings/test-crop.png"))
        .unwrap();
    let sighting = store
        .add_sighting(NewSighting {
            source: "东门入口".into(),
            model: model.clone(),
            vector: vector.clone(),
            thumbnail: Some("sightings/test-crop.png".into()),
            person_id: None,
            similarity: None,
        })
        .unwrap();
    // her page shows the faces the cameras saw lately as thumbnails with time and camera; one
    // click (the thumbnail's form) enrols that face
    let page = manager.get_page(&format!("/manage/people/{zhou}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let picker = slice(
        &page.body,
        "<div class=\"sightings\" id=\"sightings\"",
        "</div>",
    );
    assert!(
        picker.contains("/files/sightings/test-crop.png") && picker.contains("东门入口"),
        "{picker}"
    );
    let thumb = slice(
        picker,
        &format!("data-sighting=\"{sighting}\""),
        "</button>",
    );
    assert!(thumb.contains("<img"), "{thumb}");
    let form = &picker[..picker
        .find(&format!("data-sighting=\"{sighting}\""))
        .unwrap()];
    let form = &form[form.rfind("<form").unwrap()..];
    let action = http::attr_after(form, "<form", "action").unwrap();
    let value = http::attr_after(form, "name=\"sighting\"", "value").unwrap();
    assert_eq!(action, format!("/manage/people/{zhou}/enrol-sighting"));
    assert_eq!(manager.get("/files/sightings/test-crop.png").status, 200);
    let r = manager.post_form(&action, &[("sighting", &value)], true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("东门入口 看到的人脸录入为周婷"),
        "{}",
        r.body
    );
    let photos = store.photos(zhou).unwrap();
    assert_eq!(photos.len(), 1, "{photos:?}");
    assert!(photos[0].path.starts_with("photos/"), "{photos:?}");
    assert!(demo.data.join(&photos[0].path).is_file());
    let theirs: Vec<_> = store
        .face_embeddings(&model)
        .unwrap()
        .into_iter()
        .filter(|e| e.person_id == zhou)
        .collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].vector, vector);
    let enrolled = store
        .audit_entries(&AuditQuery {
            action: Some("face.enrol".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    // a sighting that is not kept says so
    let r = manager.post_form(&action, &[("sighting", "999999")], true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("没有编号为 999999 的截图"), "{}", r.body);

    // deleting 周婷's personal data keeps the gate events without the name
    let mut e = NewGateEvent::new(local(20, 0), "东门", EventKind::Person, Shift::Evening);
    e.person_id = Some(zhou);
    e.class = Some(PersonClass::Resident);
    let zhou_event = store.insert_event(e).unwrap();
    let delete = format!("/manage/people/{zhou}/delete");
    assert_eq!(
        manager.post_form(&delete, &[], true).status,
        400,
        "unconfirmed"
    );
    assert_eq!(
        guard.post_form(&delete, &[("confirm", "yes")], true).status,
        403
    );
    let r = manager.post_form(&delete, &[("confirm", "yes")], true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已删除周婷的个人资料"), "{}", r.body);
    assert!(store.person(zhou).unwrap().is_none());
    assert!(store.photos(zhou).unwrap().is_empty());
    assert!(!demo.data.join(&photos[0].path).exists(), "the photo file");
    let kept = store.event(zhou_event).unwrap().expect("the event is kept");
    assert_eq!(kept.person_id, None);
    let deleted = store
        .audit_entries(&AuditQuery {
            action: Some("delete".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].actor, "管理处刘主任");
    assert_eq!(deleted[0].object, format!("person:{zhou}"));

    // vehicles: the sample's booked truck, and a new booking
    let page = manager.get_page("/manage/vehicles");
    assert_eq!(page.status, 200, "{}", page.body);
    let moving = slice(&page.body, "<section id=\"moving\"", "</section>");
    assert!(moving.contains("京EA5331"), "{moving}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let (from, to) = (
        today.to_string(),
        (today + chrono::Days::new(1)).to_string(),
    );
    let booking = [
        ("plate", "京A·99887"),
        ("household", "1-1-101"),
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("notes", "搬家公司"),
    ];
    let r = manager.post_form("/manage/vehicles/moving", &booking, true);
    assert_eq!(r.status, 200, "{}", r.body);
    let moving = slice(&r.body, "<section id=\"moving\"", "</section>");
    let row = slice(moving, "京A99887", "</tr>");
    assert!(
        row.contains("1-1-101") && row.contains(&from) && row.contains(&to),
        "{row}"
    );
    let page = manager.get_page("/manage/vehicles");
    assert!(page.body.contains("京A99887"));
    let truck = store.find_vehicles("京A99887").unwrap();
    assert_eq!(truck.len(), 1);
    assert_eq!(truck[0].kind, gateward::domain::VehicleKind::MovingTruck);
    let mut backwards = booking;
    backwards[2] = ("from", to.as_str());
    backwards[3] = ("to", from.as_str());
    let r = manager.post_form("/manage/vehicles/moving", &backwards, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("晚于结束日期"), "{}", r.body);
    assert_eq!(guard.get_page("/manage/vehicles").status, 403);

    // passes: issue one to the renovation worker; the same number twice is refused
    let qian = person_id(&store, "钱大勇").to_string();
    let pass = [
        ("number", "ZX-0999"),
        ("holder", qian.as_str()),
        ("purpose", "renovation"),
    ];
    let r = manager.post_form("/manage/passes", &pass, true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已发放出入证 ZX-0999"), "{}", r.body);
    let row = slice(&r.body, "<td class=\"number\">ZX-0999", "</tr>");
    assert!(row.contains("钱大勇") && row.contains("装修") && row.contains("不在小区内"));
    assert_eq!(manager.post_form("/manage/passes", &pass, true).status, 400);

    // users: the administrator's page only
    assert_eq!(manager.get_page("/manage/users").status, 403);
    // the demo prints an admin login too
    let admin = Http::login(&demo.base, "admin", demo.password("admin"));
    let page = admin.get_page("/manage/users");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("manager") && page.body.contains("管理处刘主任"));
    let r = admin.post_form(
        "/manage/users",
        &[
            ("login", "xiaozhang"),
            ("name", "小张"),
            ("role", "guard"),
            ("post", "gate"),
            ("started", "2026-11-01"),
        ],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let password = slice(&r.body, "<strong class=\"password\"><code>", "</code>")
        ["<strong class=\"password\"><code>".len()..]
        .trim_end_matches("</code>")
        .to_owned();
    assert_eq!(password.len(), 12, "{password}");
    Http::login(&demo.base, "xiaozhang", &password);
    // a reset gives a new password that works, and the old one no longer does
    let id = store.user_by_login("xiaozhang").unwrap().unwrap().id;
    let r = admin.post_form(&format!("/manage/users/{id}/password"), &[], true);
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = slice(&r.body, "<strong class=\"password\"><code>", "</code>")
        ["<strong class=\"password\"><code>".len()..]
        .trim_end_matches("</code>")
        .to_owned();
    assert_ne!(fresh, password);
    assert_eq!(
        Http::new(&demo.base)
            .try_login("xiaozhang", &password)
            .status,
        401
    );
    Http::login(&demo.base, "xiaozhang", &fresh);
    assert_eq!(
        admin
            .post_form(
                "/manage/users",
                &[
                    ("login", "xiaozhang"),
                    ("name", "重名"),
                    ("role", "guard"),
                    ("post", "gate")
                ],
                true
            )
            .status,
        400,
        "a login taken"
    );
}

/// The manager keeps the records in the browser: changes a person's name, room and notes, a
/// household's notes, adds a vehicle with its plate colour and kind (a bad plate refused with
/// what is wrong), changes and deletes it, and issues passes with an expiry and revokes one; the
/// guard's check-in then refuses the revoked and the expired pass.
#[test]
fn manager_edits_people_households_vehicles_and_passes() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));

    // 刘洋 of 3-2-1502 moves to 1-1-101 and is now written 刘阳; notes under their own heading
    let liu = person_id(&store, "刘洋");
    let page = manager.get_page(&format!("/manage/people/{liu}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let action = http::attr_after(&page.body, "id=\"edit-person\"", "action").expect("edit form");
    assert_eq!(action, format!("/manage/people/{liu}/edit"));
    let edit = [
        ("name", "刘阳"),
        ("class", "resident"),
        ("title", ""),
        ("household", "1-1-101"),
        ("status", "active"),
        ("appearance", "高个子，戴眼镜"),
        ("notes", "常晚归，快递放门岗"),
    ];
    assert_eq!(guard.post_form(&action, &edit, true).status, 403);
    let r = manager.post_form(&action, &edit, true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已保存刘阳的资料"), "{}", r.body);
    let page = manager.get_page(&format!("/manage/people/{liu}"));
    assert!(
        page.body.contains("<h1>刘阳") || page.body.contains("刘阳"),
        "{}",
        page.body
    );
    let room = slice(&page.body, "id=\"household\"", "</td>");
    assert!(room.contains("1-1-101"), "{room}");
    let notes = slice(&page.body, "备注（习惯、特别事项）", "</tr>");
    assert!(notes.contains("常晚归，快递放门岗"), "{notes}");
    let looks = slice(&page.body, "<th>相貌</th>", "</tr>");
    assert!(
        looks.contains("高个子") && !looks.contains("常晚归"),
        "{looks}"
    );
    let list = manager.get_page("/manage/people");
    let households = slice(&list.body, "<section id=\"households\"", "</section>");
    assert!(slice(households, "data-code=\"1-1-101\"", "</tr>").contains("刘阳"));
    assert!(!slice(households, "data-code=\"3-2-1502\"", "</tr>").contains("刘阳"));
    let updates = audit(&store, "person.update", &format!("person:{liu}"));
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(
        updates[0].detail.contains("name: 刘洋 → 刘阳"),
        "{updates:?}"
    );
    assert!(
        updates[0].detail.contains("3-2-1502 → 1-1-101"),
        "{updates:?}"
    );
    // a room not in the records is refused unless the box is ticked; an empty name too
    let mut elsewhere = edit;
    elsewhere[3] = ("household", "9-9-909");
    let r = manager.post_form(&action, &elsewhere, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("房号 9-9-909 还没有登记"), "{}", r.body);
    let mut nameless = edit;
    nameless[0] = ("name", "  ");
    assert_eq!(manager.post_form(&action, &nameless, true).status, 400);
    assert_eq!(store.person(liu).unwrap().unwrap().name, "刘阳");

    // the household 1-1-101: its notes changed on its own page
    let hid = store.household("1-1-101").unwrap().unwrap().id;
    let link = format!("/manage/households/{hid}");
    assert!(households.contains(&link), "{households}");
    let r = manager.post_form(
        &link,
        &[("code", "1-1-101"), ("notes", "联系电话 13800000000")],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("刘阳"), "members: {}", r.body);
    assert_eq!(
        store.household("1-1-101").unwrap().unwrap().notes,
        "联系电话 13800000000"
    );
    let r = manager.post_form(&link, &[("code", "3-2-1502")], true);
    assert_eq!(r.status, 400, "a code another household has");

    // vehicles: added with colour and kind, the colour shown in the list
    let car = [
        ("plate", "粤b·d12345"),
        ("colour", "green"),
        ("kind", "household"),
        ("person", ""),
        ("household", "1-1-101"),
        ("notes", "刘阳的电动车"),
    ];
    let r = manager.post_form("/manage/vehicles", &car, true);
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = slice(&r.body, "<section id=\"vehicles\"", "</section>");
    let row = slice(listed, "粤BD12345", "</tr>");
    assert!(
        row.contains("绿牌") && row.contains("业主车辆") && row.contains("1-1-101"),
        "{row}"
    );
    let v = store.find_vehicles("粤BD12345").unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].colour, Some(gateward::domain::PlateColour::Green));
    // a plate that is no plate: refused, saying what is wrong
    let mut bad = car;
    bad[0] = ("plate", "甲B12345");
    let r = manager.post_form("/manage/vehicles", &bad, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("车牌“甲B12345”不对"), "{}", r.body);
    assert!(r.body.contains("省份简称"), "{}", r.body);
    assert_eq!(guard.post_form("/manage/vehicles", &car, true).status, 403);
    // changed to yellow, then deleted
    let edit_page = format!("/manage/vehicles/{}", v[0].id);
    let form = manager.get_page(&edit_page);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("value=\"粤BD12345\""), "{}", form.body);
    let mut yellow = car;
    yellow[1] = ("colour", "yellow_green");
    let r = manager.post_form(&edit_page, &yellow, true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        store.vehicle(v[0].id).unwrap().unwrap().colour,
        Some(gateward::domain::PlateColour::YellowGreen)
    );
    let list = manager.get_page("/manage/vehicles");
    assert!(slice(&list.body, "粤BD12345", "</tr>").contains("黄绿牌"));
    let r = manager.post_form(&format!("{edit_page}/delete"), &[("confirm", "yes")], true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(store.find_vehicles("粤BD12345").unwrap().is_empty());
    assert_eq!(
        audit(&store, "vehicle.delete", &format!("vehicle:{}", v[0].id)).len(),
        1
    );

    // passes: issued with an expiry from their own purposes, revoked; the desk refuses it
    let page = manager.get_page("/manage/passes");
    assert!(
        page.body.contains(">送货快递<") && !page.body.contains(">参观<"),
        "{}",
        page.body
    );
    let r = manager.post_form(
        "/manage/passes",
        &[
            ("number", "ZX-5001"),
            ("purpose", "delivery"),
            ("expires", "2099-12-31"),
        ],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let row = slice(&r.body, "<td class=\"number\">ZX-5001", "</tr>");
    assert!(
        row.contains("2100-01-01 00:00") && row.contains("送货快递"),
        "{row}"
    );
    let r = manager.post_form("/manage/passes/revoke", &[("number", "ZX-5001")], true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已注销出入证 ZX-5001"), "{}", r.body);
    assert!(slice(&r.body, "<td class=\"number\">ZX-5001", "</tr>").contains("已注销"));
    assert_eq!(audit(&store, "pass.revoke", "pass:ZX-5001").len(), 1);
    let both = |n: &'static str| [("number", n), ("first", "1"), ("second", "1")];
    let r = guard.post_form("/passes/check-in", &both("ZX-5001"), true);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("已被管理处注销"), "{}", r.body);
    assert!(!store.pass("ZX-5001").unwrap().unwrap().at_gate);
    // a past expiry is refused on the form; a pass that has expired is refused at the desk
    let r = manager.post_form(
        "/manage/passes",
        &[
            ("number", "ZX-5002"),
            ("purpose", "renovation"),
            ("expires", "2020-01-01"),
        ],
        true,
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("已经过去"), "{}", r.body);
    store
        .issue_pass(
            "test",
            gateward::store::NewPass {
                number: "ZX-5003".into(),
                holder_person_id: None,
                purpose: gateward::domain::PassPurpose::Renovation,
                issued: Utc::now() - chrono::Duration::days(10),
                expires: Some(Utc::now() - chrono::Duration::hours(1)),
            },
        )
        .unwrap();
    let r = guard.post_form("/passes/check-in", &both("ZX-5003"), true);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("已过期"), "{}", r.body);
    assert!(!store.pass("ZX-5003").unwrap().unwrap().at_gate);
    let page = manager.get_page("/manage/passes");
    assert!(slice(&page.body, "<td class=\"number\">ZX-5003", "</tr>").contains("已过期"));
    // the renovation runs longer: the manager moves the expiry, and the pass opens the gate again
    let r = manager.post_form(
        "/manage/passes/expiry",
        &[("number", "ZX-5003"), ("expires", "2099-12-31")],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("出入证 ZX-5003 已改为有效至 2100-01-01 00:00"),
        "{}",
        r.body
    );
    let r = guard.post_form("/passes/check-in", &both("ZX-5003"), true);
    assert!(r.status < 400, "{}", r.body);
    assert!(store.pass("ZX-5003").unwrap().unwrap().at_gate);
    let r = manager.post_form(
        "/manage/passes/expiry",
        &[("number", "ZX-5003"), ("expires", "2020-01-01")],
        true,
    );
    assert_eq!(r.status, 400);
}

/// The fixture photo `name`'s bytes.
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("fixtures/{name}: {e}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn audit(store: &Store, action: &str, object: &str) -> Vec<gateward::store::AuditEntry> {
    store
        .audit_entries(&AuditQuery {
            action: Some(action.into()),
            ..AuditQuery::default()
        })
        .unwrap()
        .into_iter()
        .filter(|e| e.object == object)
        .collect()
}

/// Every photo file in the data folder's photos/.
fn stored_photos(demo: &Demo) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(demo.data.join("photos"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The manager adds 孙丽 (a resident of 3-2-1502) on the people page, lands on her page and
/// enrols her face from uploaded photos, by `gateward enroll`'s rule: each photo's largest face
/// must pass the enrolment gate. Every face photo of the fixtures is someone's enrolment photo
/// in the sample compound, so hers is obama3.jpg's face (the CLI does not refuse a face that
/// is also someone else's). A text file named .jpg and the Solvay group photo (faces ~48 px,
/// the largest too small to enrol) are refused with the reason; nothing of them is stored.
#[test]
fn manager_adds_a_person_and_enrols_her_face_from_uploaded_photos() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));

    // the form, with the classes by their Chinese names
    let page = manager.get_page("/manage/people");
    let form = slice(&page.body, "<section id=\"add-person\"", "</section>");
    assert!(
        form.contains("action=\"/manage/people\"") && form.contains(">业主<"),
        "{form}"
    );
    assert!(!form.contains("value=\"visitor\""), "no visitors: {form}");

    // mistakes say what to write; nothing is added
    let sun = [
        ("name", "孙丽"),
        ("class", "resident"),
        ("title", ""),
        ("household", "3-2-1502"),
        ("appearance", "短发，常背双肩包"),
    ];
    let mut nameless = sun;
    nameless[0] = ("name", " ");
    let r = manager.post_form("/manage/people", &nameless, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("请填写姓名"), "{}", r.body);
    let mut classless = sun;
    classless[1] = ("class", "");
    let r = manager.post_form("/manage/people", &classless, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("请选择类别"), "{}", r.body);
    let mut visitor = sun;
    visitor[1] = ("class", "visitor");
    assert_eq!(
        manager.post_form("/manage/people", &visitor, true).status,
        400
    );
    let mut badly = sun;
    badly[3] = ("household", "3栋2单元");
    let r = manager.post_form("/manage/people", &badly, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("例如 3-2-1502"), "{}", r.body);
    assert_eq!(guard.post_form("/manage/people", &sun, true).status, 403);
    assert!(store.people_named("孙丽").unwrap().is_empty());

    // 孙丽 added → her page
    let r = manager.post_form("/manage/people", &sun, true);
    assert_eq!(r.status, 303, "{}", r.body);
    let added = store.people_named("孙丽").unwrap();
    assert_eq!(added.len(), 1, "{added:?}");
    let her = &added[0];
    assert_eq!(her.class, PersonClass::Resident);
    assert_eq!(her.household.as_deref(), Some("3-2-1502"));
    assert_eq!(her.appearance_notes, "短发，常背双肩包");
    let id = her.id;
    let object = format!("person:{id}");
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/manage/people/{id}").as_str())
    );
    assert_eq!(audit(&store, "person.insert", &object).len(), 1);
    // twice is refused, with the way to her page
    let r = manager.post_form("/manage/people", &sun, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("名单中已有孙丽"), "{}", r.body);
    assert!(
        r.body.contains(&format!("/manage/people/{id}")),
        "{}",
        r.body
    );
    // a household not in the records: refused unless the box to add it is ticked
    let newcomer = [
        ("name", "何平"),
        ("class", "pass_holder"),
        ("household", "8-1-0302"),
    ];
    let r = manager.post_form("/manage/people", &newcomer, true);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("房号 8-1-0302 还没有登记"), "{}", r.body);
    assert!(store.household("8-1-0302").unwrap().is_none());
    let mut ticked = newcomer.to_vec();
    ticked.push(("new_household", "yes"));
    let r = manager.post_form("/manage/people", &ticked, true);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(store.household("8-1-0302").unwrap().is_some());

    // her page: no consent to face collection yet, so no upload form, and an upload is
    // refused with nothing stored
    let page = manager.get_page(&format!("/manage/people/{id}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let flag = slice(&page.body, "id=\"no-consent\"", "</p>");
    assert!(flag.contains("未登记同意"), "{flag}");
    assert!(!page.body.contains("id=\"upload-photos\""), "{}", page.body);
    let early = format!("/manage/people/{id}/photos");
    let face = fixture("obama3.jpg");
    let r = manager.post_multipart(
        &early,
        &[("photos", "孙丽正面.jpg", "image/jpeg", face.as_slice())],
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("还没有登记孙丽的人脸采集同意"),
        "{}",
        r.body
    );
    assert!(store.photos(id).unwrap().is_empty());
    // she signs the consent form; the manager records it on her page (a guard may not, and a
    // day still to come is refused)
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let today = today.to_string();
    let consent_form = format!("/manage/people/{id}/consent");
    let consent = [
        ("given_by", "本人"),
        ("given_on", today.as_str()),
        ("method", "written"),
        ("note", "同意书存管理处档案"),
    ];
    assert_eq!(guard.post_form(&consent_form, &consent, true).status, 403);
    let mut early_day = consent;
    early_day[1] = ("given_on", tomorrow.as_str());
    assert_eq!(
        manager.post_form(&consent_form, &early_day, true).status,
        400
    );
    assert!(store.consent(id).unwrap().is_none());
    let r = manager.post_form(&consent_form, &consent, true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已登记孙丽的人脸采集同意"), "{}", r.body);
    let shown = slice(&r.body, "id=\"consent\"", "</table>");
    assert!(
        shown.contains("本人") && shown.contains("书面") && shown.contains(&today),
        "{shown}"
    );
    assert!(shown.contains("管理处刘主任"), "who recorded it: {shown}");
    assert_eq!(audit(&store, "consent.record", &object).len(), 1);

    // her page now has the upload form
    let page = manager.get_page(&format!("/manage/people/{id}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("id=\"no-consent\""), "{}", page.body);
    assert!(page.body.contains("上传照片录入人脸"), "{}", page.body);
    let action =
        http::attr_after(&page.body, "id=\"upload-photos\"", "action").expect("the upload form");
    // the token travels in the form, never in the address (logs, history)
    assert_eq!(action, format!("/manage/people/{id}/photos"));
    let upload_form = slice(&page.body, "id=\"upload-photos\"", "</form>");
    assert!(
        upload_form.contains("name=\"csrf\""),
        "the upload form carries the token: {upload_form}"
    );
    assert!(page.body.contains("multipart/form-data"));

    let (model, _): (String, i64) = rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row("SELECT model, dim FROM face_embeddings LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let hers = || -> Vec<gateward::store::FaceEmbedding> {
        store
            .face_embeddings(&model)
            .unwrap()
            .into_iter()
            .filter(|e| e.person_id == id)
            .collect()
    };
    let all_before = store.face_embeddings(&model).unwrap().len();
    let files_before = stored_photos(&demo);

    // without the token, or as a guard: refused, nothing stored (a small file: the refusal
    // comes before the body is read, and a large one would still be being sent)
    let photo = [("photos", "孙丽正面.jpg", "image/jpeg", face.as_slice())];
    let small = [("photos", "小.jpg", "image/jpeg", &face[..512])];
    assert_eq!(manager.post_multipart(&action, &small, false).status, 403);
    // the token in the address is not taken
    let in_query = format!(
        "{action}?csrf={}",
        manager.csrf.as_deref().expect("the manager's token")
    );
    assert_eq!(manager.post_multipart(&in_query, &small, false).status, 403);
    assert_eq!(guard.post_multipart(&action, &small, true).status, 403);
    assert!(hers().is_empty());

    // three photos: one good face, a text file named .jpg, a group photo of small faces
    let text = b"this is a shopping list, not a photo\n".to_vec();
    let solvay = fixture("solvay-1927.png");
    let r = manager.post_multipart(
        &action,
        &[
            ("photos", "孙丽正面.jpg", "image/jpeg", face.as_slice()),
            ("photos", "清单.jpg", "image/jpeg", text.as_slice()),
            ("photos", "合影.png", "image/png", solvay.as_slice()),
        ],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // obama3.jpg is 王建国's enrolment photo: the face is his, so the page warns, names him and
    // the similarity, and enrols nothing until the manager confirms
    let warning = slice(
        &r.body,
        "<div class=\"problem lookalike\" id=\"lookalike\"",
        "</form>",
    );
    assert!(
        warning.contains("孙丽正面.jpg") && warning.contains("王建国"),
        "{warning}"
    );
    let similarity: f32 = slice(warning, "<span class=\"similarity\">", "</span>")
        ["<span class=\"similarity\">".len()..]
        .trim_end_matches("</span>")
        .parse()
        .unwrap();
    assert!(similarity >= 0.66, "{warning}");
    assert!(warning.contains("还没有录入"), "{warning}");
    assert!(!r.body.contains("已从 1 张照片录入"), "{}", r.body);
    assert!(hers().is_empty(), "not enrolled before the confirmation");
    let confirm = http::attr_after(warning, "<form", "action").expect("the confirmation form");
    assert_eq!(confirm, format!("/manage/people/{id}/photos/confirm"));
    let kept = http::attr_after(warning, "name=\"photo\"", "value").unwrap();
    let file = http::attr_after(warning, "name=\"file\"", "value").unwrap();
    // the refused files are listed beside the warning
    let refused_first = r.body.clone();
    // without ticking "it is really her": refused
    let r2 = manager.post_form(&confirm, &[("photo", &kept), ("file", &file)], true);
    assert_eq!(r2.status, 400, "{}", r2.body);
    assert!(r2.body.contains("确实是本人"), "{}", r2.body);
    assert!(hers().is_empty());
    assert_eq!(
        guard
            .post_form(
                &confirm,
                &[("photo", &kept), ("file", &file), ("really", "yes")],
                true
            )
            .status,
        403
    );
    let done_page = manager.post_form(
        &confirm,
        &[("photo", &kept), ("file", &file), ("really", "yes")],
        true,
    );
    assert_eq!(done_page.status, 200, "{}", done_page.body);
    assert!(
        done_page.body.contains("已从 1 张照片录入孙丽的人脸"),
        "{}",
        done_page.body
    );
    let done = slice(&done_page.body, "<ul id=\"upload-result\"", "</ul>");
    assert!(done.contains("孙丽正面.jpg：已录入"), "{done}");
    let refused = slice(
        &refused_first,
        "<div class=\"problem\" id=\"upload-refused\"",
        "</div>",
    );
    let text_row = slice(refused, "清单.jpg", "</li>");
    assert!(text_row.contains("不是可用的照片"), "{text_row}");
    let group_row = slice(refused, "合影.png", "</li>");
    assert!(group_row.contains("脸太小"), "{group_row}");
    assert!(
        group_row.contains("请换一张正面、清晰、脸更大的照片"),
        "{group_row}"
    );

    // in the records: the photo (stored once, by its sha256), her face, the audit entries
    let sha = sha256_hex(&face);
    let photos = store.photos(id).unwrap();
    assert_eq!(photos.len(), 1, "{photos:?}");
    assert_eq!(photos[0].sha256, sha);
    assert_eq!(photos[0].path, format!("photos/{sha}.jpg"));
    assert!(demo.data.join(&photos[0].path).is_file());
    let faces = hers();
    assert_eq!(faces.len(), 1, "{faces:?}");
    assert_eq!(faces[0].photo_id, Some(photos[0].id));
    let thumb = faces[0].thumbnail.as_deref().expect("a face crop");
    assert!(demo.data.join(thumb).is_file(), "{thumb}");
    assert_eq!(store.face_embeddings(&model).unwrap().len(), all_before + 1);
    let enrolled = audit(&store, "face.enrol", &object);
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0].actor, "管理处刘主任");
    assert!(
        enrolled[0].detail.contains("uploaded photo 孙丽正面.jpg"),
        "{enrolled:?}"
    );
    assert!(
        enrolled[0].detail.contains("confirmed as 孙丽"),
        "the confirmation is audited: {enrolled:?}"
    );
    assert_eq!(audit(&store, "photo.add", &object).len(), 1);
    // nothing of the refused files: the only new file is her photo (obama3.jpg is already
    // 王建国's, so no file is new at all)
    assert_eq!(stored_photos(&demo), files_before);
    assert!(
        !stored_photos(&demo)
            .iter()
            .any(|f| f.starts_with(&sha256_hex(&text)) || f.starts_with(&sha256_hex(&solvay))),
        "refused files are not stored"
    );
    // her page shows the photo
    let page = manager.get_page(&format!("/manage/people/{id}"));
    assert!(
        page.body.contains(&format!("/files/photos/{sha}.jpg")),
        "{}",
        page.body
    );

    // the same photo again is not enrolled twice
    let r = manager.post_multipart(&action, &photo, true);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已经录入过"), "{}", r.body);
    assert_eq!(hers().len(), 1);

    // only files that cannot be enrolled: a bad request, each with its reason
    let r = manager.post_multipart(
        &action,
        &[("photos", "清单.jpg", "image/jpeg", text.as_slice())],
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("不是可用的照片"), "{}", r.body);
    // no file chosen
    let r = manager.post_multipart(
        &action,
        &[("photos", "", "application/octet-stream", b"")],
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("没有收到照片"), "{}", r.body);
    assert_eq!(hers().len(), 1);
    assert_eq!(store.photos(id).unwrap().len(), 1);
    assert_eq!(audit(&store, "face.enrol", &object).len(), 1);
}

/// A process's resident memory now and at its peak (VmRSS, VmHWM), in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (mb("VmRSS:"), mb("VmHWM:"))
}

/// The audit's upload: a 300 KB PNG of 10000×10000 took the server from 199 MB to 802 MB, two
/// at once to 1.39 GB. Four such uploads at once are each refused from the header with the
/// reason, in the refused-photo list with the file's name, and the server's memory stays within
/// 100 MB of what it held idle. A JPEG cut short is named as damaged. Nothing of them is stored.
#[test]
fn photos_too_large_or_cut_short_are_refused_and_four_uploads_at_once_keep_the_memory() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let person = store
        .people()
        .unwrap()
        .into_iter()
        .next()
        .expect("a person");
    let id = person.id;
    let page = manager.get_page(&format!("/manage/people/{id}"));
    let action =
        http::attr_after(&page.body, "id=\"upload-photos\"", "action").expect("the upload form");
    let photos_before = store.photos(id).unwrap().len();
    let files_before = stored_photos(&demo);
    let bomb = common::huge_png(10_000, 10_000);
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());

    let refused_row = |body: &str, name: &str| -> String {
        let list = slice(
            body,
            "<div class=\"problem\" id=\"upload-refused\"",
            "</div>",
        );
        slice(list, name, "</li>").to_owned()
    };

    // one, then four at once, with the memory watched the whole time
    let pid = demo.pid();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (idle, _) = memory_mb(pid);
    // the peak is counted from here (writing 5 to clear_refs resets VmHWM to VmRSS)
    let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let started = std::time::Instant::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    let (one, four, sampled) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut most: f64 = 0.0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                most = most.max(memory_mb(pid).0);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            most
        });
        let one = manager.post_multipart(
            &action,
            &[("photos", "大图.png", "image/png", bomb.as_slice())],
            true,
        );
        let uploads: Vec<_> = (0..4)
            .map(|i| {
                let (manager, action, bomb) = (&manager, &action, &bomb);
                s.spawn(move || {
                    let name = format!("大图{i}.png");
                    let r = manager.post_multipart(
                        action,
                        &[("photos", &name, "image/png", bomb.as_slice())],
                        true,
                    );
                    (name, r)
                })
            })
            .collect();
        let four: Vec<_> = uploads.into_iter().map(|u| u.join().unwrap()).collect();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (one, four, sampler.join().unwrap())
    });
    let took = started.elapsed();
    let (_, hwm) = memory_mb(pid);
    let peak = if reset { hwm.max(sampled) } else { sampled };
    eprintln!(
        "demo: {idle:.0} MB idle, {peak:.0} MB at most during five uploads of a 10000×10000 \
         PNG ({took:.2?} for all; VmHWM reset: {reset})"
    );
    for (name, r) in std::iter::once(("大图.png".to_owned(), one)).chain(four) {
        assert_eq!(r.status, 400, "{name}: {}", r.body);
        let row = refused_row(&r.body, &name);
        assert!(
            row.contains("照片太大：10000×10000 像素") && row.contains("save a smaller copy"),
            "{name}: {row}"
        );
    }
    assert!(
        peak < idle + 100.0,
        "the server went from {idle:.0} MB idle to {peak:.0} MB"
    );

    // half of a real JPEG, and a whole photo beside it: the cut one is named as damaged
    let face = fixture("obama.jpg");
    let cut = &face[..face.len() / 2];
    let r = manager.post_multipart(&action, &[("photos", "半张.jpg", "image/jpeg", cut)], true);
    assert_eq!(r.status, 400, "{}", r.body);
    let row = refused_row(&r.body, "半张.jpg");
    assert!(
        row.contains("照片已损坏或不完整") && row.contains("damaged or cut short"),
        "{row}"
    );
    assert!(
        !row.contains("没有找到人脸"),
        "not read as a photo without a face: {row}"
    );

    // nothing of them was kept
    assert_eq!(store.photos(id).unwrap().len(), photos_before);
    assert_eq!(stored_photos(&demo), files_before);
}

/// A resident's data rights on the manager's pages: who has no consent to face collection is
/// flagged, a face of theirs is not enrolled; a person added with their consent has it on
/// record; the manager downloads everything about 王建国 as one ZIP (his photos and his
/// arrival's snapshot inside, the download audited), which a guard and a team leader may not.
#[test]
fn consent_is_flagged_and_a_persons_data_is_downloaded_by_the_manager_only() {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let store = demo.store();
    let manager = Http::login(&demo.base, "manager", demo.password("manager"));
    let leader = Http::login(&demo.base, "leader", demo.password("leader"));
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));

    // the list flags the barred salesman (no consent in the sample), not 王建国
    let page = manager.get_page("/manage/people");
    assert_eq!(page.status, 200, "{}", page.body);
    let barred = slice(&page.body, "<section id=\"barred\"", "</section>");
    assert!(barred.contains("未登记同意"), "{barred}");
    let vips = slice(&page.body, "<section id=\"vip\"", "</section>");
    assert!(
        !slice(vips, "王建国", "</tr>").contains("未登记同意"),
        "{vips}"
    );
    // a face seen is not enrolled as his: no consent
    let salesman = person_id(&store, "推销员(灰夹克)");
    let page = manager.get_page(&format!("/manage/people/{salesman}"));
    assert!(page.body.contains("id=\"no-consent\""), "{}", page.body);
    let (model, dim): (String, i64) = rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row("SELECT model, dim FROM face_embeddings LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let seen = store
        .add_sighting(NewSighting {
            source: "东门入口".into(),
            model: model.clone(),
            vector: (0..dim).map(|i| ((i % 5) as f32 - 2.0) / 10.0).collect(),
            thumbnail: None,
            person_id: None,
            similarity: None,
        })
        .unwrap();
    let r = manager.post_form(
        &format!("/manage/people/{salesman}/enrol-sighting"),
        &[("sighting", &seen.to_string())],
        true,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("人脸采集同意"), "{}", r.body);
    assert!(
        store
            .face_embeddings(&model)
            .unwrap()
            .iter()
            .all(|e| e.person_id != salesman)
    );

    // a person added with her consent (said to the manager) has it on record
    let r = manager.post_form(
        "/manage/people",
        &[
            ("name", "何平"),
            ("class", "pass_holder"),
            ("consent_by", "本人"),
            ("consent_how", "oral"),
        ],
        true,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let he = person_id(&store, "何平");
    let consent = store.consent(he).unwrap().expect("her consent");
    assert_eq!(consent.method, gateward::domain::ConsentMethod::Oral);
    assert_eq!(consent.recorded_by, "管理处刘主任");
    let page = manager.get_page(&format!("/manage/people/{he}"));
    let shown = slice(&page.body, "id=\"consent\"", "</table>");
    assert!(shown.contains("口头"), "{shown}");

    // 王建国's page: his consent (from the sample's people.csv) and the download
    let wang = person_id(&store, "王建国");
    let page = manager.get_page(&format!("/manage/people/{wang}"));
    let shown = slice(&page.body, "id=\"consent\"", "</table>");
    assert!(shown.contains("本人") && shown.contains("书面"), "{shown}");
    let link = format!("/manage/people/{wang}/export");
    assert!(
        page.body.contains(&format!("href=\"{link}\"")),
        "{}",
        page.body
    );
    // his arrival this morning, with its snapshot on disk
    let snap = format!("snapshots/{DAY}/073000.000-东门人行-p1.jpg");
    std::fs::create_dir_all(demo.data.join(format!("snapshots/{DAY}"))).unwrap();
    image::RgbImage::from_pixel(64, 48, image::Rgb([20, 120, 60]))
        .save(demo.data.join(&snap))
        .unwrap();
    let mut e = NewGateEvent::new(local(7, 30), "东门", EventKind::Person, Shift::Morning);
    e.person_id = Some(wang);
    e.decision = "王总，早上好，欢迎光临".into();
    e.snapshot = Some(snap.clone());
    let arrival = store.insert_event(e).unwrap();

    // a guard and a team leader may not take a person's data out; nothing is audited
    let before = exports(&store).len();
    let (status, _, _) = raw_get(&guard, &link);
    assert_eq!(status, 403);
    let (status, _, _) = raw_get(&leader, &link);
    assert_eq!(status, 403);
    assert_eq!(exports(&store).len(), before);

    let (status, headers, body) = raw_get(&manager, &link);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/zip", "{headers:?}");
    let disposition = &headers["content-disposition"];
    assert!(
        disposition.starts_with("attachment")
            && disposition.contains(&format!("person-{wang}-"))
            && disposition.contains(".zip"),
        "{disposition}"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a ZIP file");
    let mut read = |name: &str| -> Vec<u8> {
        use std::io::Read;
        let mut f = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        bytes
    };
    let json: serde_json::Value = serde_json::from_slice(&read("person.json")).unwrap();
    assert_eq!(json["person"]["name"], "王建国");
    assert_eq!(json["person"]["title"], "王总");
    assert_eq!(json["consents"][0]["given_on"], "2026-03-02");
    let photos = json["photos"].as_array().unwrap();
    assert_eq!(
        photos.len(),
        3,
        "the sample's three photos of him: {json:#}"
    );
    for p in photos {
        let file = p["file"].as_str().unwrap();
        assert_eq!(
            read(file),
            std::fs::read(demo.data.join(file)).unwrap(),
            "{file}"
        );
    }
    let events = json["gate_events"].as_array().unwrap();
    let his = events
        .iter()
        .find(|e| e["id"] == arrival)
        .expect("his arrival");
    assert_eq!(his["snapshot"], snap.as_str());
    assert_eq!(read(&snap), std::fs::read(demo.data.join(&snap)).unwrap());
    let audit = exports(&store);
    assert_eq!(audit.len(), before + 1, "{audit:?}");
    let entry = audit.last().unwrap();
    assert_eq!(entry.actor, "管理处刘主任");
    assert_eq!(entry.object, format!("person:{wang}"));
    assert!(entry.detail.contains("3 photos"), "{entry:?}");
}
