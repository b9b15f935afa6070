//! The deck, the questions and the known-household rule on a small compound.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::progress::progress;
use super::*;
use crate::store::TrainingAnswer;

fn at0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap()
}

fn person(id: i64, name: &str, class: PersonClass, home: Option<(i64, &str)>) -> PersonRecord {
    PersonRecord {
        id,
        name: name.into(),
        class,
        title: if class == PersonClass::Vip {
            format!("{}总", name.chars().next().unwrap())
        } else {
            String::new()
        },
        household_id: home.map(|h| h.0),
        household: home.map(|h| h.1.to_owned()),
        status: PersonStatus::Active,
        appearance_notes: String::new(),
        habit_notes: String::new(),
        ask_not_to_notify: false,
        created: at0(),
        updated: at0(),
    }
}

fn vehicle(id: i64, plate: &str, person: Option<i64>, home: Option<i64>) -> VehicleRecord {
    VehicleRecord {
        id,
        plate: plate.into(),
        colour: None,
        kind: if person == Some(1) {
            VehicleKind::Vip
        } else {
            VehicleKind::Household
        },
        owner_person_id: person,
        owner_person: None,
        owner_household_id: home,
        owner_household: None,
        valid_from: None,
        valid_to: None,
        notes: String::new(),
        created: at0(),
        updated: at0(),
    }
}

/// 王建国 (VIP, car 闽E·VL838), 马丽 (office), households 1-1-101 (张伟), 3-2-1502 (陈静,
/// 刘洋), 2-1-201 (周婷), 1-2-601 (a pass holder only: not a household to know), a former
/// resident who left. Everyone but 刘洋 has a face.
fn roster() -> Roster {
    let homes = [
        (10, "1-1-101"),
        (11, "3-2-1502"),
        (12, "2-1-201"),
        (13, "1-2-601"),
    ];
    let households: Vec<Household> = homes
        .iter()
        .map(|(id, code)| Household {
            id: *id,
            code: (*code).into(),
            notes: String::new(),
        })
        .collect();
    let mut left = person(9, "冯强", PersonClass::Resident, Some(homes[0]));
    left.status = PersonStatus::Left;
    let people = vec![
        person(1, "王建国", PersonClass::Vip, None),
        person(2, "马丽", PersonClass::OfficeStaff, None),
        person(3, "张伟", PersonClass::Resident, Some(homes[0])),
        person(4, "陈静", PersonClass::Resident, Some(homes[1])),
        person(5, "刘洋", PersonClass::Resident, Some(homes[1])),
        person(6, "周婷", PersonClass::Resident, Some(homes[2])),
        person(7, "钱大勇", PersonClass::PassHolder, Some(homes[3])),
        left,
    ];
    let faces: Vec<FaceThumbnail> = [1, 2, 3, 4, 6, 7, 9]
        .iter()
        .map(|p| FaceThumbnail {
            id: 100 + p,
            person_id: *p,
            path: format!("faces/{p}.png"),
        })
        .collect();
    let vehicles = [
        vehicle(1, "闽EVL838", Some(1), None),
        vehicle(2, "皖AG2R28", None, Some(11)),
    ];
    Roster::new(&people, &households, &vehicles, &faces)
}

fn card(exercise: Exercise, subject: Subject) -> CardKey {
    CardKey { exercise, subject }
}

#[test]
fn the_roster_holds_whom_a_guard_must_know_and_households_with_members() {
    let r = roster();
    let names: Vec<&str> = r.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["王建国", "马丽", "张伟", "周婷", "刘洋", "陈静"]);
    let codes: Vec<&str> = r.homes.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["1-1-101", "2-1-201", "3-2-1502"]);
    assert_eq!(r.home(11).unwrap().plates, ["皖A·G2R28"]);
    assert_eq!(r.person(1).unwrap().plates, ["闽E·VL838"]);
}

#[test]
fn the_deck_has_each_exercise_where_it_can_be_asked() {
    let r = roster();
    let deck = r.deck();
    let p = |e, id| card(e, Subject::Person(id));
    // the VIP and the office staff come first
    assert_eq!(
        &deck[..4],
        [
            p(Exercise::FaceName, 1),
            p(Exercise::NameFace, 1),
            p(Exercise::VipTitle, 1),
            p(Exercise::FaceName, 2),
        ]
    );
    // 刘洋 has no face: only "who lives here" asks about him
    assert!(!deck.iter().any(|c| c.subject == Subject::Person(5)));
    assert!(deck.contains(&card(Exercise::HouseholdMembers, Subject::Household(11))));
    assert!(deck.contains(&p(Exercise::FaceHousehold, 4)));
    // a pass holder's room is no household to learn
    assert!(!deck.contains(&card(Exercise::HouseholdMembers, Subject::Household(13))));
}

#[test]
fn every_question_offers_the_right_answer_among_four_and_checks_it() {
    let r = roster();
    let mut rng = StdRng::seed_from_u64(7);
    for c in r.deck() {
        for _ in 0..5 {
            let q = question(&r, c, &mut rng).unwrap();
            let ids: BTreeSet<&str> = q.choices.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids.len(), q.choices.len(), "{c:?}: choices repeat: {q:?}");
            let right: Vec<String> = match (c.exercise, c.subject) {
                (Exercise::HouseholdMembers, Subject::Household(h)) => {
                    assert!(q.several);
                    r.home(h)
                        .unwrap()
                        .members
                        .iter()
                        .map(i64::to_string)
                        .collect()
                }
                (Exercise::FaceHousehold, Subject::Person(p)) => {
                    vec![
                        r.person(p)
                            .unwrap()
                            .household
                            .as_ref()
                            .unwrap()
                            .0
                            .to_string(),
                    ]
                }
                (Exercise::VipTitle, _) => vec!["王总 · 闽E·VL838".to_owned()],
                (_, Subject::Person(p)) => vec![p.to_string()],
                _ => unreachable!(),
            };
            assert!(q.choices.len() >= CHOICES - 1, "{c:?}: {q:?}");
            for id in &right {
                assert!(
                    ids.contains(id.as_str()),
                    "{c:?}: {id} not offered in {q:?}"
                );
            }
            assert!(check(&r, c, &right).unwrap().correct, "{c:?}");
            let wrong: Vec<String> = q
                .choices
                .iter()
                .map(|c| c.id.clone())
                .filter(|id| !right.contains(id))
                .take(1)
                .collect();
            let v = check(&r, c, &wrong).unwrap();
            assert!(!v.correct, "{c:?}: {wrong:?}");
            match c.exercise {
                Exercise::FaceName | Exercise::FaceHousehold | Exercise::VipTitle => {
                    assert!(q.face.is_some());
                }
                Exercise::NameFace => assert!(q.choices.iter().all(|c| c.face.is_some())),
                Exercise::HouseholdMembers => assert!(q.face.is_none()),
            }
        }
    }
    // who lives at 3-2-1502: both, not one of them
    let home = card(Exercise::HouseholdMembers, Subject::Household(11));
    assert!(!check(&r, home, &["4".into()]).unwrap().correct);
    let v = check(&r, home, &["4".into(), "5".into()]).unwrap();
    assert!(v.correct);
    assert!(v.right.contains("陈静") && v.right.contains("刘洋"));
    assert_eq!(check(&r, home, &[]), Err(TrainingError::NoAnswer));
    let gone = card(Exercise::FaceName, Subject::Person(9));
    assert_eq!(
        check(&r, gone, &["9".into()]),
        Err(TrainingError::NoSuchCard)
    );
}

#[test]
fn a_household_is_known_when_all_its_cards_are_right_on_two_spaced_reviews() {
    let r = roster();
    let tz = chrono_tz::Asia::Shanghai;
    let home = r.home(11).unwrap();
    let cards = r.home_cards(home);
    assert_eq!(cards.len(), 4, "{cards:?}"); // 陈静 ×3, who lives here
    let answers_at = |at: DateTime<Utc>, correct: bool| -> Vec<TrainingAnswer> {
        cards
            .iter()
            .map(|c| TrainingAnswer {
                card: *c,
                at,
                correct,
            })
            .collect()
    };
    let started = NaiveDate::from_ymd_opt(2026, 12, 1);
    let mut answers = answers_at(at0(), true);
    let p = progress(&r, &answers, started, at0(), tz);
    assert_eq!((p.known, p.total, p.target_count), (0, 3, 3));
    // again an hour later: not a spaced review, still unknown
    answers.extend(answers_at(at0() + Duration::hours(1), true));
    assert_eq!(
        progress(&r, &answers, started, at0() + Duration::hours(2), tz).known,
        0
    );
    // one card wrong the next day: still unknown
    let day2 = at0() + Duration::days(1);
    let mut d2 = answers_at(day2, true);
    d2[0].correct = false;
    answers.extend(d2);
    assert_eq!(progress(&r, &answers, started, day2, tz).known, 0);
    // the wrong one relearnt, then right a day later: known
    answers.push(TrainingAnswer {
        card: cards[0],
        at: day2 + Duration::minutes(10),
        correct: true,
    });
    let day3 = day2 + Duration::days(1) + Duration::minutes(10);
    answers.push(TrainingAnswer {
        card: cards[0],
        at: day3,
        correct: true,
    });
    let p = progress(&r, &answers, started, day3, tz);
    assert_eq!(p.known, 1);
    assert_eq!(p.percent, 33);
    assert!(!p.reached);
    assert_eq!(p.deadline, NaiveDate::from_ymd_opt(2027, 3, 1));
    let days: Vec<(String, usize)> = p
        .history
        .iter()
        .map(|x| (x.day.to_string(), x.known))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-12-01".into(), 0),
            ("2026-12-02".into(), 0),
            ("2026-12-03".into(), 1)
        ]
    );
    assert!(p.homes.iter().any(|h| h.code == "3-2-1502" && h.known));
}

#[test]
fn without_a_recorded_start_the_three_months_run_from_the_first_answer() {
    let r = roster();
    let tz = chrono_tz::Asia::Shanghai;
    let none = progress(&r, &[], None, at0(), tz);
    assert_eq!(
        (none.started, none.deadline, none.started_unrecorded),
        (None, None, false)
    );
    let answers = [TrainingAnswer {
        card: r.deck()[0],
        at: at0() + Duration::days(3),
        correct: true,
    }];
    let p = progress(&r, &answers, None, at0() + Duration::days(3), tz);
    assert_eq!(p.started, NaiveDate::from_ymd_opt(2026, 12, 4));
    assert_eq!(p.deadline, NaiveDate::from_ymd_opt(2027, 3, 4));
    assert!(p.started_unrecorded);
    let recorded = progress(
        &r,
        &answers,
        NaiveDate::from_ymd_opt(2026, 11, 1),
        at0(),
        tz,
    );
    assert_eq!(recorded.deadline, NaiveDate::from_ymd_opt(2027, 2, 1));
    assert!(!recorded.started_unrecorded);
}
