//! The gate's registrations on a real SQLite file: passes (出入证) checked in and out with their
//! second half kept at the gate, visits registered and signed out, goods-release slips checked,
//! and an audit entry for every change.

mod common;

use common::{household, open, t};

use chrono::{DateTime, Utc};
use gateward::domain::{PassPurpose, PersonClass, Post, VisitPurpose};
use gateward::rules::goods::{GoodsOutcome, check_goods};
use gateward::rules::passes;
use gateward::store::{
    AuditQuery, NewGoodsSlip, NewPass, NewPerson, NewVisit, PassHalf, Store, StoreError,
};

/// The actions of the audit entries about `object`, oldest first.
fn audit_of(store: &Store, object: &str) -> Vec<(String, String)> {
    store
        .audit_entries(&AuditQuery {
            object: Some(object.to_owned()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action))
        .collect()
}

fn pass(number: &str, holder: Option<i64>) -> NewPass {
    NewPass {
        number: number.into(),
        holder_person_id: holder,
        purpose: PassPurpose::Renovation,
        issued: t(0, 30),
        expires: None,
    }
}

fn visit(surname: &str, room: &str, time_in: DateTime<Utc>) -> NewVisit {
    NewVisit {
        visitor_surname: surname.into(),
        room: room.into(),
        purpose: VisitPurpose::Visitor,
        id_checked: true,
        resident_confirmed: true,
        notified: vec![Post::Patrol, Post::CentralControl],
        time_in,
        pass_id: None,
        guard: "刘".into(),
        arrival_id: None,
    }
}

#[test]
fn a_pass_checked_in_keeps_its_second_half_at_the_gate_until_check_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let worker = store
        .insert_person("admin", NewPerson::new("王师傅", PersonClass::PassHolder))
        .unwrap();
    let id = store
        .issue_pass("office", pass(" Z-0012 ", Some(worker)))
        .unwrap();
    store.issue_pass("office", pass("Z-0013", None)).unwrap();

    let issued = store.pass("Z-0012").unwrap().unwrap();
    assert_eq!(issued.id, id);
    assert_eq!(issued.holder_person_id, Some(worker));
    assert_eq!(issued.holder.as_deref(), Some("王师傅"));
    assert_eq!(issued.purpose, PassPurpose::Renovation);
    assert_eq!(issued.issued, t(0, 30));
    assert_eq!(
        (issued.first_half, issued.second_half, issued.at_gate),
        (PassHalf::WithHolder, PassHalf::WithHolder, false)
    );
    assert!(store.passes_at_gate().unwrap().is_empty());
    assert!(store.pass("Z-9999").unwrap().is_none());

    store
        .pass_check_in("刘", "Z-0012", t(8, 0), passes::check_in)
        .unwrap();
    let inside = store.pass("Z-0012").unwrap().unwrap();
    assert_eq!(inside.second_half, PassHalf::AtGate);
    assert_eq!(inside.first_half, PassHalf::WithHolder);
    assert!(inside.at_gate && inside.state_at(t(8, 0)).second_half_at_gate);
    let at_gate: Vec<_> = store
        .passes_at_gate()
        .unwrap()
        .into_iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(at_gate, ["Z-0012"]);

    let e = store
        .pass_check_in("陈", "Z-0012", t(9, 0), passes::check_in)
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("already checked in"), "{e}");
    assert!(e.to_string().contains("副证已在门岗"), "{e}");
    assert!(store.pass("Z-0012").unwrap().unwrap().at_gate);

    store
        .pass_check_out("陈", "Z-0012", t(17, 30), passes::check_out)
        .unwrap();
    let out = store.pass("Z-0012").unwrap().unwrap();
    assert_eq!(out.second_half, PassHalf::WithHolder);
    assert!(!out.at_gate);
    assert_eq!(out.returned, Some(t(17, 30)));
    assert!(store.passes_at_gate().unwrap().is_empty());

    let e = store
        .pass_check_out("陈", "Z-0012", t(18, 0), passes::check_out)
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("not checked in"), "{e}");
    let e = store
        .pass_check_in("陈", "Z-9999", t(18, 0), passes::check_in)
        .unwrap_err();
    assert!(
        matches!(e, StoreError::NotFound { what: "pass", .. }),
        "{e:?}"
    );

    // the holder comes back later and checks in again
    store
        .pass_check_in("刘", "Z-0012", t(23, 0), passes::check_in)
        .unwrap();
    assert!(store.pass("Z-0012").unwrap().unwrap().at_gate);

    let actions: Vec<_> = audit_of(&store, "pass:Z-0012")
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "pass.issue",
            "pass.check_in",
            "pass.check_out",
            "pass.check_in"
        ],
        "refusals change nothing and leave no entry"
    );
}

#[test]
fn pass_numbers_are_unique_and_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.issue_pass("office", pass("Z-0012", None)).unwrap();
    let e = store
        .issue_pass("office", pass("Z-0012", None))
        .unwrap_err();
    assert!(matches!(e, StoreError::Constraint { .. }), "{e:?}");
    let e = store.issue_pass("office", pass("  ", None)).unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
    let e = store
        .issue_pass("office", pass("Z-0014", Some(999)))
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Constraint { .. }),
        "no such holder: {e:?}"
    );
}

#[test]
fn a_visit_is_registered_then_signed_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let hid = household(&store, "3-2-1502");
    let pass_id = store.issue_pass("office", pass("Z-0012", None)).unwrap();

    let zhao = store
        .register_visit("刘", visit("赵", " 3-2-1502 ", t(9, 0)))
        .unwrap();
    let mut worker = visit("王", "9-9-999", t(9, 30));
    worker.purpose = VisitPurpose::Renovation;
    worker.id_checked = false;
    worker.pass_id = Some(pass_id);
    let wang = store.register_visit("刘", worker).unwrap();

    let got = store.visits(t(0, 0), t(23, 59)).unwrap();
    assert_eq!(got.len(), 2);
    let v = &got[0];
    assert_eq!(v.id, zhao);
    assert_eq!(
        (v.visitor_surname.as_str(), v.room.as_str()),
        ("赵", "3-2-1502")
    );
    assert_eq!(v.household_id, Some(hid));
    assert_eq!(v.purpose, VisitPurpose::Visitor);
    assert!(v.id_checked && v.resident_confirmed);
    assert_eq!(v.notified, [Post::Patrol, Post::CentralControl]);
    assert_eq!((v.time_in, v.time_out), (t(9, 0), None));
    assert_eq!(v.guard, "刘");
    let w = &got[1];
    assert_eq!(w.id, wang);
    assert_eq!(
        w.household_id, None,
        "a room no household has is kept as said"
    );
    assert_eq!(w.pass_id, Some(pass_id));
    assert_eq!(w.pass_number.as_deref(), Some("Z-0012"));
    assert!(!w.id_checked);

    let inside: Vec<_> = store
        .visitors_inside()
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(inside, [zhao, wang]);

    store.visit_out("陈", zhao, t(10, 15)).unwrap();
    let got = store.visits(t(9, 0), t(9, 1)).unwrap();
    assert_eq!(got.len(), 1, "from inclusive, to exclusive");
    assert_eq!(got[0].time_out, Some(t(10, 15)));
    let inside: Vec<_> = store
        .visitors_inside()
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(inside, [wang]);

    let e = store.visit_out("陈", zhao, t(11, 0)).unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("already signed out"), "{e}");
    let e = store.visit_out("陈", wang, t(9, 0)).unwrap_err();
    assert!(e.to_string().contains("before the time in"), "{e}");
    let e = store.visit_out("陈", 999, t(11, 0)).unwrap_err();
    assert!(
        matches!(e, StoreError::NotFound { what: "visit", .. }),
        "{e:?}"
    );
    let e = store
        .register_visit("刘", visit(" ", "1-1-101", t(9, 0)))
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");

    assert_eq!(
        audit_of(&store, &format!("visit:{zhao}")),
        [
            ("刘".to_owned(), "visit.register".to_owned()),
            ("陈".to_owned(), "visit.out".to_owned())
        ]
    );
    assert_eq!(audit_of(&store, &format!("visit:{wang}")).len(), 1);
}

#[test]
fn goods_slips_are_recorded_matching_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    household(&store, "3-2-1502");
    let resident = store
        .insert_person("admin", NewPerson::new("张伟", PersonClass::Resident))
        .unwrap();
    let slip = |number: &str, matches: bool, at| NewGoodsSlip {
        slip_number: number.into(),
        person_id: Some(resident),
        household: Some("3-2-1502".into()),
        items: "冰箱一台".into(),
        issued_by: "管理处 李".into(),
        matches,
        at,
    };
    let ok = store
        .record_goods_slip("刘", slip("F-001", true, t(10, 0)))
        .unwrap();
    let bad = store
        .record_goods_slip("刘", slip("F-002", false, t(11, 0)))
        .unwrap();

    let got = store.goods_slips(t(0, 0), t(23, 0)).unwrap();
    assert_eq!(got.iter().map(|s| s.id).collect::<Vec<_>>(), [ok, bad]);
    assert_eq!(got[0].matches, Some(true));
    assert_eq!(
        got[0].matches.map(|m| check_goods(true, m)),
        Some(GoodsOutcome::Release)
    );
    let m = &got[1];
    assert_eq!(m.slip_number, "F-002");
    assert_eq!(m.matches, Some(false));
    assert_eq!(
        m.matches.map(|m| check_goods(true, m)),
        Some(GoodsOutcome::BackToOffice)
    );
    assert_eq!(m.person.as_deref(), Some("张伟"));
    assert_eq!(m.household.as_deref(), Some("3-2-1502"));
    assert_eq!(
        (m.items.as_str(), m.issued_by.as_str()),
        ("冰箱一台", "管理处 李")
    );
    assert_eq!(m.at, t(11, 0));
    assert_eq!(store.goods_slips(t(10, 30), t(23, 0)).unwrap().len(), 1);

    let log = store
        .audit_entries(&AuditQuery {
            object: Some(format!("goods_slip:{bad}")),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "goods_slip.record");
    assert!(log[0].detail.contains("mismatch"), "{}", log[0].detail);

    let mut nowhere = slip("F-003", true, t(12, 0));
    nowhere.household = Some("9-9-999".into());
    let e = store.record_goods_slip("刘", nowhere).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::NotFound {
                what: "household",
                ..
            }
        ),
        "{e:?}"
    );
    let e = store
        .record_goods_slip("刘", slip("", true, t(12, 0)))
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e:?}");
    assert_eq!(store.goods_slips(t(0, 0), t(23, 0)).unwrap().len(), 2);
}

#[test]
fn every_registration_leaves_an_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let before = store.audit_entries(&AuditQuery::default()).unwrap().len();
    store.issue_pass("office", pass("Z-0012", None)).unwrap();
    store
        .pass_check_in("刘", "Z-0012", t(8, 0), passes::check_in)
        .unwrap();
    store
        .pass_check_out("刘", "Z-0012", t(9, 0), passes::check_out)
        .unwrap();
    let v = store
        .register_visit("刘", visit("赵", "1-1-101", t(9, 0)))
        .unwrap();
    store.visit_out("刘", v, t(9, 30)).unwrap();
    store
        .record_goods_slip(
            "刘",
            NewGoodsSlip {
                slip_number: "F-001".into(),
                person_id: None,
                household: None,
                items: "电视机".into(),
                issued_by: String::new(),
                matches: true,
                at: t(10, 0),
            },
        )
        .unwrap();
    let log = store.audit_entries(&AuditQuery::default()).unwrap();
    let actions: Vec<_> = log[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "pass.issue",
            "pass.check_in",
            "pass.check_out",
            "visit.register",
            "visit.out",
            "goods_slip.record"
        ]
    );
    assert!(
        log[before..].iter().all(|e| e.at == t(1, 0)),
        "stamped by the store's clock"
    );
    assert!(
        log[before + 1].detail.contains("2026-11-28T08:00:00"),
        "{}",
        log[before + 1].detail
    );
}

#[test]
fn a_revoked_or_expired_pass_is_refused_at_check_in_and_its_holder_may_still_leave() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut expiring = pass("Z-0020", None);
    expiring.expires = Some(t(12, 0));
    store.issue_pass("office", expiring).unwrap();
    store.issue_pass("office", pass("Z-0021", None)).unwrap();
    // before its expiry it works; from the expiry on it is refused
    store
        .pass_check_in("刘", "Z-0020", t(11, 0), passes::check_in)
        .unwrap();
    store
        .pass_check_out("刘", "Z-0020", t(11, 30), passes::check_out)
        .unwrap();
    let e = store
        .pass_check_in("刘", "Z-0020", t(12, 0), passes::check_in)
        .unwrap_err()
        .to_string();
    assert!(e.contains("expired") && e.contains("已过期"), "{e}");
    // revoked while its holder is inside: the holder leaves, then cannot come back
    store
        .pass_check_in("刘", "Z-0021", t(9, 0), passes::check_in)
        .unwrap();
    let revoked = store.revoke_pass("office", "Z-0021", t(9, 30)).unwrap();
    assert_eq!(revoked.revoked, Some(t(9, 30)));
    store
        .pass_check_out("刘", "Z-0021", t(10, 0), passes::check_out)
        .unwrap();
    let e = store
        .pass_check_in("刘", "Z-0021", t(10, 30), passes::check_in)
        .unwrap_err()
        .to_string();
    assert!(e.contains("revoked") && e.contains("注销"), "{e}");
}
