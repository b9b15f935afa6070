//! Enrolment and `analyze --json` as the manager meets them: the right name on the right photo,
//! a stranger stays unknown, and a photo too small to enrol is refused with the reason.

mod common;

use std::path::Path;

use common::{enroll, fixture, gateward_in, stderr, stdout};

#[test]
fn enrolled_vip_is_named_on_another_photo_and_a_stranger_stays_unknown() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let obama = fixture("obama.jpg");
    let obama2 = fixture("obama2.jpg");
    enroll(
        d,
        &[
            "--name",
            "王建国",
            "--class",
            "vip",
            "--title",
            "王总",
            obama.to_str().unwrap(),
            obama2.to_str().unwrap(),
        ],
    );
    let astronaut = fixture("astronaut.png");
    enroll(
        d,
        &[
            "--name",
            "陈静",
            "--class",
            "resident",
            "--household",
            "3-2-1502",
            astronaut.to_str().unwrap(),
        ],
    );

    let obama3 = fixture("obama3.jpg");
    let biden = fixture("biden.jpg");
    let out = gateward_in(
        d,
        &[
            "analyze",
            "--json",
            obama3.to_str().unwrap(),
            biden.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let who = |i: usize| json[i]["faces"][0]["identity"].clone();
    assert_eq!(who(0)["name"], "王建国", "{json:#}");
    assert_eq!(who(0)["class"], "vip");
    assert!(who(0)["similarity"].as_f64().unwrap() > 0.66);
    // Biden was never enrolled: unknown, not a wrong name
    assert!(who(1).is_null(), "{json:#}");
    assert_eq!(json[1]["faces"][0]["quality"]["ok"], true);
}

#[test]
fn a_photo_too_small_to_enrol_is_refused_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let small = data.path().join("small.png");
    let img = image::open(fixture("astronaut.png")).unwrap();
    img.resize(128, 128, image::imageops::FilterType::Triangle)
        .save(&small)
        .unwrap();
    let out = gateward_in(
        data.path(),
        &[
            "enroll",
            "--name",
            "陈静",
            "--class",
            "resident",
            small.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(text.contains("脸太小"), "{text}");
    assert!(
        stderr(&out).contains("no photo of 陈静 could be enrolled"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_damaged_photo_is_named_and_the_others_still_analysed() {
    let data = tempfile::tempdir().unwrap();
    let bad = data.path().join("broken.jpg");
    std::fs::write(&bad, b"\xFF\xD8\xFF not really a jpeg").unwrap();
    let astronaut = fixture("astronaut.png");
    let out = gateward_in(
        data.path(),
        &[
            "analyze",
            "--json",
            bad.to_str().unwrap(),
            astronaut.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        json[0]["error"].as_str().unwrap().contains("broken.jpg"),
        "{json:#}"
    );
    assert_eq!(json[1]["faces"].as_array().unwrap().len(), 1, "{json:#}");
}

/// Enrols obama.jpg as the VIP 王建国.
fn enroll_wang_from_obama(data: &Path) {
    let obama = fixture("obama.jpg");
    enroll(
        data,
        &[
            "--name",
            "王建国",
            "--class",
            "vip",
            obama.to_str().unwrap(),
        ],
    );
}

fn analyze(data: &Path, photo: &Path) -> serde_json::Value {
    let out = gateward_in(data, &["analyze", "--json", photo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// A guard says the face named 王建国 is not him: that face is never named 王建国 again, while
/// another photo of him still is, and a mistyped sighting or name is refused in words.
#[test]
fn a_guards_correction_stops_that_face_being_named_and_only_that_face() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    enroll_wang_from_obama(d);
    let obama2 = fixture("obama2.jpg");
    let first = analyze(d, &obama2);
    let face = &first[0]["faces"][0];
    assert_eq!(face["identity"]["name"], "王建国", "{first:#}");
    let sighting = face["sighting"].as_i64().expect("the face is kept");

    let out = gateward_in(
        d,
        &[
            "not",
            "--sighting",
            &sighting.to_string(),
            "--person",
            "王建国",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("不是 王建国"), "{}", stdout(&out));

    let again = analyze(d, &obama2);
    assert!(again[0]["faces"][0]["identity"].is_null(), "{again:#}");
    // a different photo of the same man is still named
    let other = analyze(d, &fixture("obama3.jpg"));
    assert_eq!(
        other[0]["faces"][0]["identity"]["name"], "王建国",
        "{other:#}"
    );

    for (args, says) in [
        (
            vec!["not", "--sighting", "999999", "--person", "王建国"],
            "no sighting 999999",
        ),
        (
            vec![
                "not",
                "--sighting",
                &sighting.to_string(),
                "--person",
                "王健国",
            ],
            "no one named 王健国",
        ),
    ] {
        let out = gateward_in(d, &args);
        assert!(!out.status.success());
        let err = common::assert_one_line_error(&out);
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn with_no_record_nothing_is_kept() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    enroll_wang_from_obama(d);
    let out = gateward_in(
        d,
        &[
            "analyze",
            "--json",
            "--no-record",
            fixture("obama2.jpg").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json[0]["faces"][0]["sighting"].is_null(), "{json:#}");
    assert!(!d.join("sightings").exists());
}

/// The manager's bulk enrolment: people.csv plus a `photos/` folder of files named after the
/// people. Each good photo of a person whose consent is in the file is enrolled, a cut-off one
/// is listed with the reason, a file named after no one is pointed out, a person without
/// consent keeps their photo but not their face, and the people are recognised afterwards.
#[test]
fn bulk_import_enrols_photos_named_by_person_and_lists_the_rejected_ones() {
    let src = tempfile::tempdir().unwrap();
    let s = src.path();
    std::fs::write(
        s.join("people.csv"),
        "name,class,title,household,status,notes,photos,consent_by,consent_date,consent_how\n\
         王建国,vip,王总,,,,,本人,2026-03-02,written\n\
         陈静,resident,,3-2-1502,,,,本人,2026/3/5,书面\n\
         刘洋,resident,,3-2-1502,,,,,,\n",
    )
    .unwrap();
    let photos = s.join("photos");
    std::fs::create_dir(&photos).unwrap();
    for (from, to) in [
        ("obama.jpg", "王建国.jpg"),
        ("obama2.jpg", "王建国-2.jpg"),
        ("obama_partial_face.jpg", "王建国(3).jpg"),
        ("astronaut.png", "陈静.png"),
        ("solvay-dirac.jpg", "刘洋.jpg"),
        ("biden.jpg", "李四.jpg"),
    ] {
        std::fs::copy(fixture(from), photos.join(to)).unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let out = gateward_in(d, &["import", s.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("faces enrolled (已录入人脸): 3 of 4 photo(s)"),
        "{text}"
    );
    let rejected: Vec<&str> = text.lines().filter(|l| l.starts_with('✗')).collect();
    assert_eq!(rejected.len(), 1, "{text}");
    assert!(
        rejected[0].contains("王建国(3).jpg") && rejected[0].contains("脸不完整"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with('⚠') && l.contains("李四.jpg")),
        "{text}"
    );
    // 刘洋's consent is not in the file: his photo is kept, his face is not enrolled
    assert!(
        text.lines()
            .any(|l| l.starts_with("⚠ 刘洋") && l.contains("没有登记人脸采集同意")),
        "{text}"
    );
    assert!(
        text.contains("1 photo(s) of 1 people wait for their consent"),
        "{text}"
    );
    let store = gateward::store::Store::open(gateward::store::database_path(d)).unwrap();
    let liu = store.people_named("刘洋").unwrap()[0].id;
    assert_eq!(store.photos(liu).unwrap().len(), 1);
    assert!(store.consent(liu).unwrap().is_none());
    let chen = store.people_named("陈静").unwrap()[0].id;
    let consent = store.consent(chen).unwrap().expect("陈静's consent");
    assert_eq!(consent.given_by, "本人");
    assert_eq!(consent.given_on.to_string(), "2026-03-05");
    assert_eq!(consent.method, gateward::domain::ConsentMethod::Written);
    drop(store);
    let json = analyze(d, &fixture("solvay-dirac.jpg"));
    assert!(json[0]["faces"][0]["identity"].is_null(), "{json:#}");

    let json = analyze(d, &fixture("obama3.jpg"));
    assert_eq!(
        json[0]["faces"][0]["identity"]["name"], "王建国",
        "{json:#}"
    );
    let json = analyze(d, &fixture("biden.jpg"));
    assert!(json[0]["faces"][0]["identity"].is_null(), "{json:#}");

    // importing again enrols nothing new, and says the cut-off photo is still refused
    let again = gateward_in(d, &["import", s.to_str().unwrap()]);
    assert!(again.status.success());
    let text = stdout(&again);
    assert!(text.contains("0 of 1 photo(s)"), "{text}");
}

#[test]
fn enrolling_a_new_person_into_an_existing_household_keeps_its_notes() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    {
        let store =
            gateward::store::Store::open(gateward::store::database_path(d)).expect("records");
        store
            .upsert_household(
                "manager",
                gateward::store::NewHousehold {
                    code: "3-2-1502".into(),
                    notes: "养狗，快递放门卫".into(),
                },
            )
            .unwrap();
    }
    let astronaut = fixture("astronaut.png");
    enroll(
        d,
        &[
            "--name",
            "陈静",
            "--class",
            "resident",
            "--household",
            "3-2-1502",
            astronaut.to_str().unwrap(),
        ],
    );
    let store = gateward::store::Store::open(gateward::store::database_path(d)).expect("records");
    let h = store.household("3-2-1502").unwrap().expect("household");
    assert_eq!(h.notes, "养狗，快递放门卫");
    assert_eq!(
        store.people_named("陈静").unwrap()[0].household.as_deref(),
        Some("3-2-1502")
    );
}

/// `gateward enroll` refuses a face without the person's consent to face collection (after
/// checking the photos), and records the consent given with --consent-by and --consent-how;
/// once it is on record, more photos need no options.
#[test]
fn enrolling_a_face_needs_the_persons_consent() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let obama = fixture("obama.jpg");
    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            obama.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("没有登记王建国的人脸采集同意"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--consent-by"), "{}", stderr(&out));
    let records = || gateward::store::Store::open(gateward::store::database_path(d)).unwrap();
    assert!(records().people_named("王建国").unwrap().is_empty());
    // one of the two options only: refused
    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            "--consent-by",
            "本人",
            obama.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--consent-how"), "{}", stderr(&out));

    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            "--by",
            "刘主任",
            "--consent-by",
            "本人",
            "--consent-how",
            "口头",
            "--consent-date",
            "2026-03-02",
            obama.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("已登记王建国的人脸采集同意"),
        "{}",
        stdout(&out)
    );
    let store = records();
    let wang = store.people_named("王建国").unwrap()[0].id;
    let consent = store.consent(wang).unwrap().expect("consent");
    assert_eq!(
        (
            consent.given_by.as_str(),
            consent.given_on.to_string().as_str(),
            consent.method,
            consent.recorded_by.as_str()
        ),
        (
            "本人",
            "2026-03-02",
            gateward::domain::ConsentMethod::Oral,
            "刘主任"
        )
    );
    drop(store);
    // the consent is on record: another photo needs no options
    let obama2 = fixture("obama2.jpg");
    let out = gateward_in(
        d,
        &[
            "enroll",
            "--name",
            "王建国",
            "--class",
            "vip",
            obama2.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(records().photos(wang).unwrap().len(), 2);
}
