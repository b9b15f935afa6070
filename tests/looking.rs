//! Looking only where something is followed, with the real models on real photos: a person and a
//! car coming closer across a 1080p frame make the same arrivals when the watcher looks in crops
//! between whole looks as when it looks at every frame whole, and most frames are looked at in
//! crops; someone new stepping in while the first two are followed is seen on the frame they
//! appear, as a whole look would see them.

mod common;

use std::time::Duration;

use chrono::Utc;
use gateward::config::{Config, Overrides};
use gateward::domain::event::{GateEvent, Report};
use gateward::domain::{EventKind, PersonClass};
use gateward::pipeline::start::load_eyes;
use gateward::pipeline::watch::{CameraInfo, Eyes, Sink, Watcher};
use gateward::recognize::regions::LookConfig;
use gateward::vision::decode::{self, ImageLimits};
use gateward::vision::image_ops;
use image::{Rgb, RgbImage};

const FRAMES: u32 = 30;

/// A photo placed in the frame: left, top, height at the first frame, pixels walked per frame,
/// and the frame it steps in.
struct Place {
    photo: RgbImage,
    x: u32,
    y: u32,
    height: u32,
    walk: u32,
    from: u32,
}

fn photo(name: &str) -> RgbImage {
    decode::open(&common::fixture(name), &ImageLimits::default()).expect("fixture photo")
}

/// Frame `i`: grey, each photo in view at its place, grown by up to 20 % by the last frame.
fn frame(places: &[Place], i: u32) -> RgbImage {
    let mut frame = RgbImage::from_pixel(1920, 1080, Rgb([118, 118, 118]));
    let grow = 1.0 + 0.2 * i as f32 / FRAMES as f32;
    for p in places.iter().filter(|p| i >= p.from) {
        let x = p.x.saturating_sub(p.walk * (i - p.from));
        let h = ((p.height as f32 * grow) as u32).min(1080 - p.y);
        let w = ((p.photo.width() * h / p.photo.height()).max(1)).min(1920 - x);
        let scaled = image_ops::resize(&p.photo, w, h).expect("resize");
        image::imageops::replace(&mut frame, &scaled, i64::from(x), i64::from(p.y));
    }
    frame
}

/// The arrivals of the scene, as (frame, kind, plate text), and the frames looked at whole
/// and in crops.
fn arrivals(eyes: &mut Eyes, places: &[Place], looking: LookConfig) -> (Vec<String>, u64, u64) {
    let mut watcher = Watcher::new(
        CameraInfo::new("东门", "东门", None),
        chrono_tz::Asia::Shanghai,
    )
    .looking(looking);
    let start = Utc::now();
    let mut out = Vec::new();
    for i in 0..FRAMES {
        let offset = Duration::from_millis(100 * u64::from(i));
        let at = start + chrono::Duration::milliseconds(100 * i64::from(i));
        let events: Vec<GateEvent> = watcher
            .frame(eyes, &frame(places, i), offset, at, &Sink::default())
            .expect("look at the frame");
        for e in events.iter().filter(|e| e.report == Report::Arrival) {
            let what = match e.kind {
                EventKind::Person => "person".to_owned(),
                EventKind::Vehicle => e.plate.as_ref().map_or("?".into(), |p| p.text.clone()),
                other => format!("{other:?}"),
            };
            out.push(format!("frame {i}: {what}"));
        }
    }
    eprintln!("whole looks and why: {:?}", watcher.whole_for);
    (out, watcher.whole, watcher.cropped)
}

fn eyes() -> Option<Eyes> {
    if !common::models().join("manifest.toml").is_file() {
        common::missing("the model pack", "run scripts/setup");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("gateward.toml");
    std::fs::write(&file, format!("[paths]\nmodels = {:?}\n", common::models())).expect("config");
    let config = Config::load(Some(&file), &Overrides::default()).expect("config");
    Some(load_eyes(&config, None).expect("models"))
}

#[test]
fn crops_between_whole_looks_make_the_same_arrivals_as_whole_frames() {
    let Some(mut eyes) = eyes() else { return };
    let places = [
        Place {
            photo: photo("obama.jpg"),
            x: 60,
            y: 80,
            height: 600,
            walk: 0,
            from: 0,
        },
        Place {
            photo: photo("car-resident-blue.png"),
            x: 800,
            y: 80,
            height: 600,
            walk: 4,
            from: 0,
        },
        // someone else steps in on the right while the first two are followed
        Place {
            photo: photo("biden.jpg"),
            x: 1720,
            y: 420,
            height: 380,
            walk: 0,
            from: 14,
        },
    ];
    let whole = LookConfig {
        full_every: 1,
        ..LookConfig::default()
    };
    let (expected, all_whole, none) = arrivals(&mut eyes, &places, whole);
    assert!(
        all_whole > 0 && none == 0,
        "{all_whole} whole, {none} in crops"
    );
    assert!(
        expected.iter().filter(|a| a.ends_with("person")).count() == 2
            && expected.iter().any(|a| a.ends_with("川A8H458")),
        "the scene makes two people's and the car's arrivals: {expected:?}"
    );
    let (got, whole, cropped) = arrivals(&mut eyes, &places, LookConfig::default());
    assert_eq!(
        got, expected,
        "crops make the same arrivals on the same frames"
    );
    assert!(
        cropped >= 2 * whole,
        "most frames are looked at in crops: {whole} whole, {cropped} in crops"
    );
}

/// The manager enrols the VIP while he stands in view of the camera (at this box or another):
/// the track that called him a stranger names him on the next frame, though no better view of
/// him comes (the same frame again and again); the card the guard sees and the arrival in the
/// gate log become his.
#[test]
fn someone_enrolled_while_standing_in_view_is_named_on_the_next_frame() {
    let Some(mut eyes) = eyes() else { return };
    let data = tempfile::tempdir().expect("temp");
    let store = gateward::store::Store::open(gateward::store::database_path(data.path()))
        .expect("the records");
    let places = [Place {
        photo: photo("obama.jpg"),
        x: 500,
        y: 120,
        height: 700,
        walk: 0,
        from: 0,
    }];
    let still = frame(&places, 0);
    let mut watcher = Watcher::new(
        CameraInfo::new("东门", "东门", None),
        chrono_tz::Asia::Shanghai,
    );
    let sink = Sink {
        store: Some(&store),
        record: true,
        ..Sink::default()
    };
    let start = Utc::now();
    let mut said: Vec<(u32, Report, Option<String>)> = Vec::new();
    let mut wang_id = None;
    for i in 0..12u32 {
        if i == 6 {
            let mut wang = gateward::store::NewPerson::new("王建国", PersonClass::Vip);
            wang.title = "王总".to_owned();
            let id = store.insert_person("test", wang).expect("enrol");
            wang_id = Some(id);
            let enrolment = photo("obama3.jpg");
            let faces = eyes.faces.faces(&enrolment).expect("his enrolment photo");
            eyes.gallery
                .add(id, &faces[0].embedding)
                .expect("his face in the gallery");
        }
        let offset = Duration::from_millis(100 * u64::from(i));
        let at = start + chrono::Duration::milliseconds(100 * i64::from(i));
        // looked at directly: a still frame would not pass the motion gate
        for e in watcher
            .look(&mut eyes, &still, &still, offset, at, &sink)
            .expect("look at the frame")
        {
            said.push((i, e.report, e.person.map(|p| p.name)));
        }
    }
    let before: Vec<_> = said.iter().filter(|s| s.0 < 6).collect();
    assert!(
        before.len() == 1 && before[0].1 == Report::Arrival && before[0].2.is_none(),
        "a stranger arrives: {said:?}"
    );
    let after: Vec<_> = said.iter().filter(|s| s.0 >= 6).collect();
    assert_eq!(
        after,
        [&(6, Report::Update, Some("王建国".to_owned()))],
        "named on the next frame, once: {said:?}"
    );
    // the gate log holds one arrival, his: a guard's ✓ or ✗ on his card is about him
    let log = store
        .events(&gateward::store::EventQuery::default())
        .expect("the gate log");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].person_id, wang_id, "{log:?}");
    assert_eq!(log[0].class, Some(PersonClass::Vip), "{log:?}");
    assert!(log[0].decision.starts_with("王总"), "{log:?}");
}
