//! The gallery learns from the gate, with the real models on real photos of one man: a
//! resident enrolled with one poor photo (a partial face) is not named when he walks in (another
//! photo of him, another day), a guard confirms that arrival as him, and his next arrival (a
//! third photo) is named. The gate runs a strict threshold (0.75), as a compound that would
//! rather ask than misname does; an unconfirmed arrival teaches nothing.

mod common;

use std::time::Duration;

use chrono::Utc;
use gateward::app::learning::{Confirmed, learn_confirmed};
use gateward::config::{Config, Overrides};
use gateward::domain::event::GateEvent;
use gateward::domain::{ConsentMethod, Direction, PersonClass};
use gateward::pipeline::start::load_eyes;
use gateward::pipeline::watch::{CameraInfo, Eyes, Sink, Watcher};
use gateward::store::{NewConsent, NewFaceEmbedding, NewPerson, Store};
use gateward::vision::decode::{self, ImageLimits};

/// `photo` held in front of a new camera for a second: the arrivals it makes.
fn walk_in(eyes: &mut Eyes, store: &Store, data: &std::path::Path, photo: &str) -> Vec<GateEvent> {
    let image = decode::open(&common::fixture(photo), &ImageLimits::default()).expect("photo");
    let mut watcher = Watcher::new(
        CameraInfo::new("东门人行", "东门", Some(Direction::In)),
        chrono_tz::Asia::Shanghai,
    );
    let sink = Sink {
        store: Some(store),
        record: true,
        snapshots: None,
        sightings: Some(data),
        visits: None,
    };
    let start = Utc::now();
    let mut events = Vec::new();
    for i in 0..10u32 {
        let offset = Duration::from_millis(100 * u64::from(i));
        let at = start + chrono::Duration::milliseconds(100 * i64::from(i));
        events.extend(
            watcher
                .look(eyes, &image, &image, offset, at, &sink)
                .expect("look at the frame"),
        );
    }
    events
}

#[test]
fn a_resident_not_named_is_named_after_a_guard_confirms_one_arrival() {
    if !common::models().join("manifest.toml").is_file() {
        common::missing("the model pack", "run scripts/setup");
        return;
    }
    let dir = tempfile::tempdir().expect("temp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let config_file = dir.path().join("gateward.toml");
    std::fs::write(
        &config_file,
        format!(
            "[paths]\nmodels = {:?}\ndata = {:?}\n[recognition]\nface_threshold = 0.75\n",
            common::models(),
            data
        ),
    )
    .expect("config");
    let config = Config::load(Some(&config_file), &Overrides::default()).expect("config");
    let store = Store::open(gateward::store::database_path(&data)).expect("records");
    let mut eyes = load_eyes(&config, Some(&store)).expect("models");
    assert!((eyes.params.threshold - 0.75).abs() < 1e-6);

    // the manager enrolled him with the one photo they had: half his face
    let zhang = store
        .insert_person("管理处", NewPerson::new("张伟", PersonClass::Resident))
        .expect("person");
    // he consented to the collection of his face (without it no face of his is kept)
    store
        .record_consent(
            "管理处",
            zhang,
            NewConsent {
                given_by: "本人".into(),
                given_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 6).expect("day"),
                method: ConsentMethod::Written,
                note: String::new(),
            },
        )
        .expect("consent");
    let old = decode::open(
        &common::fixture("obama_partial_face.jpg"),
        &ImageLimits::default(),
    )
    .expect("photo");
    let face = eyes
        .faces
        .faces(&old)
        .expect("faces")
        .into_iter()
        .max_by(|a, b| a.face.width().total_cmp(&b.face.width()))
        .expect("a face in the enrolment photo");
    let model = eyes.faces.model_key().to_owned();
    store
        .add_face_embedding(NewFaceEmbedding {
            person_id: zhang,
            model: model.clone(),
            vector: face.embedding.to_vec(),
            thumbnail: None,
            photo_id: None,
        })
        .expect("enrol");
    eyes.gallery
        .add_vector(zhang, &face.embedding)
        .expect("gallery");

    // he walks in: not named from that photo, and no arrival of his yet teaches anything
    let first = walk_in(&mut eyes, &store, &data, "obama2.jpg");
    let arrival = first.first().expect("an arrival");
    assert!(
        arrival.person.is_none(),
        "named from the old photo: {arrival:?}"
    );
    let control = walk_in(&mut eyes, &store, &data, "obama3.jpg");
    assert!(
        control.iter().all(|e| e.person.is_none()),
        "another day, still not named before a guard confirms: {control:?}"
    );
    assert_eq!(store.gate_faces(zhang, &model).expect("count"), 0);

    // the guard says it is 张伟 (the correction names him): that face becomes his
    let sighting = arrival
        .sighting
        .expect("the arrival's face was kept for the guard");
    let Confirmed::Kept(learned) =
        learn_confirmed(&store, "门岗小王", zhang, sighting, None).expect("learn")
    else {
        panic!("the arrival's sighting is kept and is the arrival's");
    };
    assert!(learned.replaced.is_empty());
    eyes.gallery
        .add_vector(learned.person, &learned.added)
        .expect("gallery");
    assert_eq!(store.gate_faces(zhang, &model).expect("count"), 1);

    // his next arrival is named, as the one after a restart would be (the gallery from records)
    let next = walk_in(&mut eyes, &store, &data, "obama3.jpg");
    let named = next.first().and_then(|e| e.person.as_ref()).expect("named");
    assert_eq!(named.name, "张伟");
    eprintln!("named with similarity {:.3}", named.similarity);
    let mut restarted = load_eyes(&config, Some(&store)).expect("models again");
    let again = walk_in(&mut restarted, &store, &data, "obama3.jpg");
    assert_eq!(
        again.first().and_then(|e| e.person.as_ref()).map(|p| p.id),
        Some(zhang)
    );
}
