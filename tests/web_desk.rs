//! The guard's desk pages: the handover shows what the previous shift wrote and keeps this
//! shift's notes; a pass is checked in and out through its forms; goods without a slip are
//! refused; a hazardous vehicle becomes an alert; a visitor is signed out; a form posted without
//! the session's token changes nothing; a visitor is registered (from the screen for a camera's
//! arrival, or by hand) only for a room in the records; the handover shows what the outgoing
//! shift leaves open and is signed off once by the incoming guard. Real binary (`gateward demo` without cameras), real
//! HTTP; what is asserted is what the guard reads on the page and what the records hold.

#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use chrono::{Duration, Utc};
use gateward::domain::{Direction, PassPurpose, Post, Shift, VisitPurpose};
use gateward::rules::gate::{ShiftSlot, gate_open};
use gateward::rules::goods::GoodsOutcome;
use gateward::store::{
    AuditQuery, EventKind, EventQuery, NewGateEvent, NewPass, NewShiftRecord, NewVisit, Store,
};

use demo::Demo;
use http::{Http, Reply};

/// The demo gate's name and time zone.
const GATE: &str = "东门";
const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn start() -> (Demo, Http) {
    let demo = Demo::start_with(&["--cameras", "0"]);
    let guard = Http::login(&demo.base, "guard", demo.password("guard"));
    (demo, guard)
}

/// The shift the gate is in now.
fn current_slot() -> ShiftSlot {
    ShiftSlot::at(Utc::now().with_timezone(&TZ).naive_local())
}

/// A redirect to `page`, followed.
fn follow(guard: &Http, r: &Reply, page: &str) -> Reply {
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location.as_deref().expect("a redirect");
    assert!(to.starts_with(page), "redirected to {to}, not {page}");
    let shown = guard.get_page(to);
    assert_eq!(shown.status, 200, "{}", shown.body);
    shown
}

fn events(store: &Store, kind: EventKind) -> Vec<gateward::store::GateEvent> {
    store
        .events(&EventQuery {
            kind: Some(kind),
            ..EventQuery::default()
        })
        .expect("events")
}

#[test]
fn the_handover_shows_the_previous_shift_and_keeps_this_shifts_notes() {
    let (demo, guard) = start();
    let store = demo.store();
    let previous = current_slot().previous();
    store
        .save_shift_record(
            "刘保安",
            NewShiftRecord {
                gate: GATE.to_owned(),
                date: previous.date,
                shift: previous.shift,
                guard: "刘保安".to_owned(),
                notes: "3-2-1502 的快递放在门岗".to_owned(),
                follow_ups: "提醒 3-2-1502 业主取快递".to_owned(),
                handed_over: true,
            },
        )
        .expect("the previous shift's record");

    let page = guard.get_page("/handover");
    assert_eq!(page.status, 200, "{}", page.body);
    let text = &page.body;
    assert!(text.contains("交接班"), "{text}");
    assert!(text.contains("前两班"), "{text}");
    assert!(text.contains(previous.shift.zh()), "{text}");
    assert!(text.contains("刘保安"), "{text}");
    assert!(text.contains("3-2-1502 的快递放在门岗"), "{text}");
    assert!(text.contains("待跟进"), "{text}");
    assert!(text.contains("提醒 3-2-1502 业主取快递"), "{text}");
    assert!(
        text.contains("本班没有值班记录"),
        "the shift before wrote nothing: {text}"
    );
    let rest = guard.get_page("/handover?rest=1");
    assert_eq!(rest.status, 200);
    assert!(rest.body.contains("前两天"), "{}", rest.body);

    // nothing written: refused with what to do, and nothing saved
    let empty = guard.post_form(
        "/handover/notes",
        &[("notes", "  "), ("follow_ups", "")],
        true,
    );
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(
        empty.body.contains("请写下本班情况或待跟进事项"),
        "{}",
        empty.body
    );

    // without the session's token: refused, nothing saved
    let forged = guard.post_form(
        "/handover/notes",
        &[("notes", "伪造的记录"), ("follow_ups", "")],
        false,
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    let day = current_slot().date;
    let records = || {
        store
            .shift_records(Some(GATE), day - Duration::days(1), day)
            .expect("records")
    };
    assert!(!records().iter().any(|r| r.notes.contains("伪造")));
    assert_eq!(records().len(), 1, "only the previous shift's record");

    let saved = guard.post_form(
        "/handover/notes",
        &[
            ("notes", "东侧道闸抬杆慢，已报维修"),
            ("follow_ups", "维修师傅明早九点来"),
        ],
        true,
    );
    let shown = follow(&guard, &saved, "/handover");
    assert!(shown.body.contains("已保存本班记录"), "{}", shown.body);
    assert!(
        shown.body.contains("东侧道闸抬杆慢，已报维修"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("维修师傅明早九点来"), "{}", shown.body);
    let mine = records()
        .into_iter()
        .find(|r| r.notes == "东侧道闸抬杆慢，已报维修")
        .expect("this shift's record is saved");
    assert_eq!(mine.guard, "门岗小王", "saved under the guard's name");
    assert_eq!(mine.follow_ups, "维修师傅明早九点来");
    assert!(
        mine.shift == current_slot().shift || mine.shift == current_slot().previous().shift,
        "{mine:?}"
    );
}

#[test]
fn a_pass_is_checked_in_and_out_through_the_forms() {
    let (demo, guard) = start();
    let store = demo.store();
    store
        .issue_pass(
            "manager",
            NewPass {
                number: "ZX-7777".to_owned(),
                holder_person_id: None,
                purpose: PassPurpose::Renovation,
                issued: Utc::now(),
                expires: None,
            },
        )
        .expect("a pass");
    let at_gate = || {
        store
            .pass("ZX-7777")
            .expect("pass")
            .expect("issued")
            .at_gate
    };

    let page = guard.get_page("/passes");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("门岗没有保管副证"), "{}", page.body);

    // only the first half shown: the rule refuses, in its words
    let one_half = guard.post_form(
        "/passes/check-in",
        &[("number", "ZX-7777"), ("first", "1")],
        true,
    );
    assert_eq!(one_half.status, 400, "{}", one_half.body);
    assert!(
        one_half.body.contains("须出示正副两张出入证"),
        "{}",
        one_half.body
    );
    assert!(!at_gate());

    // a number nobody issued
    let unknown = guard.post_form(
        "/passes/check-in",
        &[("number", "ZX-0000"), ("first", "1"), ("second", "1")],
        true,
    );
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("没有出入证号 ZX-0000"),
        "{}",
        unknown.body
    );

    let checked_in = guard.post_form(
        "/passes/check-in",
        &[("number", " ZX-7777 "), ("first", "1"), ("second", "1")],
        true,
    );
    let shown = follow(&guard, &checked_in, "/passes");
    assert!(shown.body.contains("已登记出入证"), "{}", shown.body);
    assert!(shown.body.contains("副证留在门岗"), "{}", shown.body);
    assert!(
        shown.body.contains("ZX-7777"),
        "held at the gate: {}",
        shown.body
    );
    assert!(at_gate(), "the second half is kept at the gate");
    let registered = events(&store, EventKind::Registration);
    let reg = registered
        .iter()
        .find(|e| e.decision.contains("出入证 ZX-7777 进入"))
        .expect("the check-in is in the duty record");
    assert_eq!(reg.notified, vec![Post::Patrol, Post::CentralControl]);

    // in again while inside
    let again = guard.post_form(
        "/passes/check-in",
        &[("number", "ZX-7777"), ("first", "1"), ("second", "1")],
        true,
    );
    assert_eq!(again.status, 400);
    assert!(again.body.contains("该证副证已在门岗"), "{}", again.body);

    let out = guard.post_form("/passes/check-out", &[("number", "ZX-7777")], true);
    let shown = follow(&guard, &out, "/passes");
    assert!(shown.body.contains("已登记离开"), "{}", shown.body);
    assert!(shown.body.contains("副证已交还"), "{}", shown.body);
    assert!(!at_gate(), "the second half is handed back");
    assert!(store.pass("ZX-7777").unwrap().unwrap().returned.is_some());

    let twice = guard.post_form("/passes/check-out", &[("number", "ZX-7777")], true);
    assert_eq!(twice.status, 400);
    assert!(twice.body.contains("门岗没有该证副证"), "{}", twice.body);
}

#[test]
fn goods_without_a_slip_are_refused_and_a_hazardous_vehicle_is_an_alert() {
    let (demo, guard) = start();
    let store = demo.store();
    let page = guard.get_page("/goods");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("物品放行条"), "{}", page.body);

    // no slip: refused, the guard is told what to say, and it is in the duty record
    let no_slip = guard.post_form(
        "/goods",
        &[("person", "赵先生"), ("items", "冰箱一台")],
        true,
    );
    let shown = follow(&guard, &no_slip, "/goods");
    assert!(shown.body.contains("不能放行"), "{}", shown.body);
    assert!(
        shown.body.contains(GoodsOutcome::NeedSlip.say()),
        "{}",
        shown.body
    );
    assert!(
        events(&store, EventKind::Registration)
            .iter()
            .any(|e| e.decision.contains("冰箱一台") && e.decision.contains("没有放行条")),
        "the refusal is recorded"
    );

    // a matching slip: let out, and the slip is recorded
    let ok = guard.post_form(
        "/goods",
        &[
            ("person", "赵先生"),
            ("items", "冰箱一台"),
            ("slip", "1"),
            ("slip_number", "FX-0001"),
            ("issued_by", "管理处刘主任"),
            ("matches", "1"),
        ],
        true,
    );
    let shown = follow(&guard, &ok, "/goods");
    assert!(
        shown.body.contains(GoodsOutcome::Release.say()),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("FX-0001"),
        "listed among today's slips: {}",
        shown.body
    );
    let slips = store
        .goods_slips(
            Utc::now() - Duration::days(1),
            Utc::now() + Duration::days(1),
        )
        .expect("slips");
    assert_eq!(slips.len(), 1);
    assert_eq!(slips[0].matches, Some(true));

    // a prohibited item taken out: barred only from coming in, so the slip decides, one answer,
    // a registration with a safety reminder, no alert
    let alerts_before = events(&store, EventKind::Alert).len();
    let petrol = guard.post_form(
        "/goods",
        &[
            ("items", "汽油两桶"),
            ("slip", "1"),
            ("slip_number", "FX-0002"),
            ("matches", "1"),
        ],
        true,
    );
    let shown = follow(&guard, &petrol, "/goods");
    assert!(
        shown.body.contains(GoodsOutcome::Release.say()),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("违禁物品"), "{}", shown.body);
    assert!(!shown.body.contains("不能放行"), "{}", shown.body);
    assert!(shown.body.contains("请提醒对方注意安全"), "{}", shown.body);
    assert_eq!(events(&store, EventKind::Alert).len(), alerts_before);
    assert!(
        events(&store, EventKind::Registration)
            .iter()
            .any(|e| e.decision.contains("汽油两桶") && e.decision.contains("相符，放行")),
        "recorded as a registration"
    );
    let no_slip = guard.post_form("/goods", &[("items", "汽油两桶")], true);
    let shown = follow(&guard, &no_slip, "/goods");
    assert!(
        shown.body.contains("不能放行：没有放行条"),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("谢谢，请慢走"), "{}", shown.body);

    // a slip ticked without its number: what to write
    let bad = guard.post_form("/goods", &[("items", "电视机"), ("slip", "1")], true);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("请填写放行条上的编号"), "{}", bad.body);

    // the hazardous vehicle: refused without the token, recorded with it
    let alerts = || events(&store, EventKind::Alert);
    let before = alerts().len();
    let fields = [("plate", "川A·12345"), ("cargo", "液化气罐")];
    let forged = guard.post_form("/alerts/hazard", &fields, false);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(alerts().len(), before, "nothing recorded without the token");
    let flagged = guard.post_form("/alerts/hazard", &fields, true);
    let shown = follow(&guard, &flagged, "/alerts");
    assert!(shown.body.contains("拒绝进入：川A12345"), "{}", shown.body);
    assert!(shown.body.contains("报告当班分队长"), "{}", shown.body);
    let alert = alerts()
        .into_iter()
        .find(|e| e.plate.as_deref() == Some("川A12345"))
        .expect("an alert for the plate");
    assert_eq!(alert.decision, "危险品车辆（液化气罐），拒绝进入");
    assert_eq!(alert.notified, vec![Post::ShiftLeader]);
    assert_eq!(alert.gate, GATE);
    let no_plate = guard.post_form("/alerts/hazard", &[("cargo", "汽油")], true);
    assert_eq!(no_plate.status, 400);
    assert!(no_plate.body.contains("请填写车牌号"), "{}", no_plate.body);

    // a night opening is recorded only while the gate is closed
    let registrations = || events(&store, EventKind::Registration).len();
    let before = registrations();
    let closed = !gate_open(Utc::now().with_timezone(&TZ).time());
    let night = guard.post_form("/alerts/night-open", &[("who", "3-2-1502 王先生")], true);
    let shown = follow(&guard, &night, "/alerts");
    if closed {
        assert!(shown.body.contains("已登记夜间开门"), "{}", shown.body);
        assert!(
            events(&store, EventKind::Registration)
                .iter()
                .any(|e| e.decision == "夜间应请求开门：3-2-1502 王先生")
        );
    } else {
        assert!(shown.body.contains("大门开着"), "{}", shown.body);
        assert_eq!(
            registrations(),
            before,
            "nothing recorded while the gate is open"
        );
    }
}

#[test]
fn a_visitor_inside_is_signed_out_from_the_visitors_page() {
    let (demo, guard) = start();
    let store = demo.store();
    let id = store
        .register_visit(
            "门岗小王",
            NewVisit {
                visitor_surname: "孙".to_owned(),
                room: "3-2-1502".to_owned(),
                purpose: VisitPurpose::Visitor,
                id_checked: true,
                resident_confirmed: true,
                notified: vec![Post::Patrol, Post::CentralControl],
                time_in: Utc::now() - Duration::minutes(5),
                pass_id: None,
                guard: "门岗小王".to_owned(),
                arrival_id: None,
            },
        )
        .expect("a visit");
    let page = guard.get_page("/visitors");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("在小区内的访客"), "{}", page.body);
    assert!(
        page.body.contains(&format!("/visitors/{id}/out")),
        "{}",
        page.body
    );
    assert!(page.body.contains("登记离开"), "{}", page.body);

    let out = guard.post_form(&format!("/visitors/{id}/out"), &[], true);
    let shown = follow(&guard, &out, "/visitors");
    assert!(shown.body.contains("已登记访客孙离开"), "{}", shown.body);
    assert!(
        shown.body.contains("现在没有访客在小区内"),
        "{}",
        shown.body
    );
    assert!(store.visitors_inside().expect("inside").is_empty());

    let again = guard.post_form(&format!("/visitors/{id}/out"), &[], true);
    assert_eq!(again.status, 400);
    assert!(again.body.contains("已经登记离开"), "{}", again.body);
    let nonsense = guard.post_form("/visitors/abc/out", &[], true);
    assert_eq!(nonsense.status, 404);
}

/// A camera's arrival of a stranger at the gate, recorded as the pipeline does.
fn arrival(store: &Store) -> i64 {
    let now = Utc::now();
    let mut e = NewGateEvent::new(now, GATE, EventKind::Person, current_slot().shift);
    e.camera = "东门访客".to_owned();
    e.direction = Some(Direction::In);
    e.decision = "先生/小姐，请问有什么需要帮忙吗？".to_owned();
    store.insert_event(e).expect("an arrival")
}

#[test]
fn a_visitor_is_registered_only_for_a_room_in_the_records_and_the_arrival_says_so() {
    let (demo, guard) = start();
    let store = demo.store();
    let seen = arrival(&store);
    let visitor = |room: &str| {
        serde_json::json!({
            "room": room, "surname": "孙", "purpose": "visitor",
            "id_checked": true, "resident_confirmed": true, "event_id": seen,
        })
    };

    let nowhere = guard.post_json("/api/visitors", &visitor("9-9-9999"), true);
    assert_eq!(nowhere.status, 400, "{}", nowhere.body);
    assert!(
        nowhere.body.contains("没有房号 9-9-9999"),
        "{}",
        nowhere.body
    );
    assert!(
        nowhere.body.contains("请与访客核对房号"),
        "{}",
        nowhere.body
    );
    assert!(store.visitors_inside().expect("inside").is_empty());
    assert!(
        store
            .registered_arrivals(&[seen])
            .expect("arrivals")
            .is_empty()
    );

    let ok = guard.post_json("/api/visitors", &visitor("3-2-1502"), true);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("已登记访客孙，到3-2-1502"), "{}", ok.body);
    assert!(
        store
            .registered_arrivals(&[seen, seen + 1000])
            .expect("arrivals")
            .into_iter()
            .eq([seen]),
        "the arrival has its registration"
    );
    let inside = store.visitors_inside().expect("inside");
    assert_eq!(inside.len(), 1);
    assert_eq!(inside[0].arrival_id, Some(seen));
    // no internal record number in what anyone reads
    let record = events(&store, EventKind::Registration);
    let reg = record.last().expect("in the duty record");
    assert!(!reg.decision.contains("到达记录"), "{}", reg.decision);
    assert_eq!(reg.notified, vec![Post::Patrol, Post::CentralControl]);

    // the same arrival twice: already registered
    let twice = guard.post_json("/api/visitors", &visitor("3-2-1502"), true);
    assert_eq!(twice.status, 400, "{}", twice.body);
    assert!(twice.body.contains("已经登记过了"), "{}", twice.body);
    assert_eq!(store.visitors_inside().expect("inside").len(), 1);
}

#[test]
fn a_visitor_no_camera_saw_is_registered_from_the_visitors_page() {
    let (demo, guard) = start();
    let store = demo.store();
    let page = guard.get_page("/visitors");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("登记访客"), "{}", page.body);
    assert!(page.body.contains("action=\"/visitors\""), "{}", page.body);

    let form = |room: &'static str, reached: &'static str| {
        vec![
            ("room", room),
            ("surname", "周"),
            ("purpose", "food_delivery"),
            ("id_checked", "1"),
            ("reached", reached),
        ]
    };
    let wrong = guard.post_form("/visitors", &form("9-9-9999", "yes"), true);
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains(
            "<p class=\"problem\" role=\"alert\">没有房号 9-9-9999 的住户：请与访客核对房号"
        ),
        "one sentence in the error colour: {}",
        wrong.body
    );
    assert!(
        wrong.body.contains("value=\"9-9-9999\""),
        "the form is kept"
    );
    assert!(store.visitors_inside().expect("inside").is_empty());

    let unreachable = guard.post_form("/visitors", &form("3-2-1502", "no"), true);
    let shown = follow(&guard, &unreachable, "/visitors");
    assert!(shown.body.contains("无法联络业主"), "{}", shown.body);
    assert!(store.visitors_inside().expect("inside").is_empty());
    assert!(
        events(&store, EventKind::Registration)
            .iter()
            .any(|e| e.decision.contains("访客周") && e.decision.contains("不予放行"))
    );

    let ok = guard.post_form("/visitors", &form("3-2-1502", "yes"), true);
    let shown = follow(&guard, &ok, "/visitors");
    assert!(
        shown.body.contains("已登记访客周，到3-2-1502"),
        "{}",
        shown.body
    );
    let inside = store.visitors_inside().expect("inside");
    assert_eq!(inside.len(), 1);
    assert_eq!(inside[0].purpose, VisitPurpose::FoodDelivery);
    assert_eq!(inside[0].arrival_id, None);
    assert_eq!(inside[0].guard, "门岗小王");

    let no_id = guard.post_form(
        "/visitors",
        &[
            ("room", "3-2-1502"),
            ("surname", "吴"),
            ("purpose", "visitor"),
            ("reached", "yes"),
        ],
        true,
    );
    assert_eq!(no_id.status, 400);
    assert!(
        no_id.body.contains("请查验并登记有效证件"),
        "{}",
        no_id.body
    );
}

#[test]
fn the_handover_shows_what_the_shift_leaves_open_and_is_signed_off_once() {
    let (demo, guard) = start();
    let store = demo.store();
    let now = Utc::now();
    store
        .register_visit(
            "门岗小王",
            NewVisit {
                visitor_surname: "欧阳".to_owned(),
                room: "3-2-1502".to_owned(),
                purpose: VisitPurpose::Visitor,
                id_checked: true,
                resident_confirmed: true,
                notified: vec![Post::Patrol, Post::CentralControl],
                time_in: now - Duration::minutes(3),
                pass_id: None,
                guard: "门岗小王".to_owned(),
                arrival_id: None,
            },
        )
        .expect("a visitor inside");
    store
        .issue_pass(
            "manager",
            NewPass {
                number: "ZX-0123".to_owned(),
                holder_person_id: None,
                purpose: PassPurpose::Renovation,
                issued: now - Duration::days(3),
                expires: None,
            },
        )
        .expect("a pass");
    let held = guard.post_form(
        "/passes/check-in",
        &[("number", "ZX-0123"), ("first", "1"), ("second", "1")],
        true,
    );
    assert_eq!(held.status, 303, "{}", held.body);
    store
        .vehicle_came_in("粤B·D12345", None, now - Duration::minutes(1), GATE, None)
        .expect("a vehicle inside");
    let flagged = guard.post_form(
        "/alerts/hazard",
        &[("plate", "川A·54321"), ("cargo", "液化气罐")],
        true,
    );
    assert_eq!(flagged.status, 303, "{}", flagged.body);

    let page = guard.get_page("/handover");
    assert_eq!(page.status, 200);
    let text = &page.body;
    assert!(text.contains("交班未了事项"), "{text}");
    assert!(text.contains("欧阳"), "the visitor inside: {text}");
    assert!(text.contains("ZX-0123"), "the pass held: {text}");
    assert!(text.contains("粤BD12345"), "the vehicle inside: {text}");
    assert!(text.contains("危险品车辆（液化气罐）"), "the alert: {text}");
    assert!(text.contains("确认接班"), "{text}");
    assert!(!text.contains("已交接"), "{text}");

    // the incoming guard signs off: name and time recorded, audited, shown
    let leader = Http::login(&demo.base, "leader", demo.password("leader"));
    let signed = leader.post_form("/handover/sign-off", &[], true);
    let shown = follow(&leader, &signed, "/handover");
    assert!(shown.body.contains("已确认接班"), "{}", shown.body);
    assert!(shown.body.contains("已交接：分队长老李"), "{}", shown.body);
    assert!(!shown.body.contains("确认接班 Take over"), "{}", shown.body);
    let day = current_slot().date;
    let record = store
        .shift_records(Some(GATE), day - Duration::days(1), day)
        .expect("records")
        .into_iter()
        .find(|r| r.handed_to.is_some())
        .expect("the sign-off is recorded");
    let (by, at) = record.handed_to.clone().expect("signed");
    assert_eq!(by, "分队长老李");
    assert!((Utc::now() - at).num_minutes().abs() < 5, "{at}");
    assert!(record.handed_over);
    let audited = store
        .audit_entries(&AuditQuery {
            action: Some("shift.handover".into()),
            ..AuditQuery::default()
        })
        .expect("audit");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, "分队长老李");

    // once a shift
    let again = guard.post_form(
        "/handover/sign-off",
        &[
            ("date", &record.date.to_string()),
            ("shift", record.shift.key()),
        ],
        true,
    );
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(
        again.body.contains("已经由 分队长老李 接班确认过了"),
        "{}",
        again.body
    );
    let shift: Shift = record.shift;
    let after = store
        .shift_records(Some(GATE), record.date, record.date)
        .expect("records")
        .into_iter()
        .find(|r| r.shift == shift)
        .expect("the record");
    assert_eq!(after.handed_to, record.handed_to, "unchanged");
}
