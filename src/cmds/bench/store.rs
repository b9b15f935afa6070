//! `gateward bench store`: gate events written per second and the p99 time of one write, on a
//! box's own SQLite file and on a compound's shared PostgreSQL (`--store`), with 1, 4 and 16
//! boxes writing at once (threads, each with its own connection to the shared store; for SQLite,
//! writers of the one file), one event per write as events come; and the catch-up rate of a box
//! sending its kept events after an outage (500 a transaction, as the uplink does); and the time
//! to load a face gallery of 100,000 faces (`--faces`) from the box's file, and from the shared
//! store, as a box joining the compound takes it. The rows the bench writes in the shared store
//! are deleted after. The last line holds the figures as `name=value`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;

use crate::app::gallery::load_gallery;
use crate::config::Config;
use crate::domain::{EventKind, PersonClass, Shift};
use crate::recognize::gallery::{Gallery, RandomEmbeddings};
use crate::store::library::{PulledRecord, RecordDoc};
use crate::store::shared::{SharedStore, shown};
use crate::store::{GateEvent, NewGateEvent, OutgoingEvent, Store};

/// Options of `bench store`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Seconds each number of writers runs.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub seconds: u32,
    /// Faces in the gallery whose load is timed (4 a person); 0: not timed.
    #[arg(long, default_value_t = 100_000)]
    pub faces: usize,
}

/// Boxes writing at once.
const WRITERS: [usize; 3] = [1, 4, 16];

/// Events a transaction when a box catches up.
const CATCH_UP_BATCH: usize = 500;

/// What one number of writers did.
struct Measured {
    per_second: f64,
    p99_ms: f64,
}

/// Runs `writers` threads, each calling `write` (its own state made by `open`) until `seconds`
/// are up; every call's time is kept.
fn measure<S, O, W>(writers: usize, seconds: u32, open: O, write: W) -> anyhow::Result<Measured>
where
    O: Fn(usize) -> anyhow::Result<S> + Sync,
    W: Fn(&mut S, usize, u64) -> anyhow::Result<()> + Sync,
{
    let until = Instant::now() + Duration::from_secs(u64::from(seconds));
    let started = Instant::now();
    let times = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (open, write) = (&open, &write);
                scope.spawn(move || -> anyhow::Result<Vec<Duration>> {
                    let mut state = open(w)?;
                    let mut times = Vec::new();
                    let mut n = 0u64;
                    while Instant::now() < until {
                        let t = Instant::now();
                        write(&mut state, w, n)?;
                        times.push(t.elapsed());
                        n += 1;
                    }
                    Ok(times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("a writer panicked"))?)
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut all: Vec<Duration> = times.into_iter().flatten().collect();
    all.sort();
    let p99 = all
        .get((all.len() * 99 / 100).min(all.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default();
    Ok(Measured {
        per_second: all.len() as f64 / elapsed,
        p99_ms: p99.as_secs_f64() * 1000.0,
    })
}

fn new_event(w: usize, n: u64) -> NewGateEvent {
    let mut e = NewGateEvent::new(Utc::now(), "东门", EventKind::Vehicle, Shift::Morning);
    e.camera = format!("车道{w}");
    e.plate = Some(format!("川A{:05}", n % 100_000));
    e.decision = "放行".to_owned();
    e
}

fn outgoing(w: usize, n: u64) -> OutgoingEvent {
    let e = new_event(w, n);
    OutgoingEvent {
        uid: uuid::Uuid::now_v7().to_string(),
        event: GateEvent {
            id: n as i64,
            at: e.at,
            gate: e.gate,
            camera: e.camera,
            kind: e.kind,
            direction: None,
            person_id: None,
            plate: e.plate,
            plate_colour: None,
            class: None,
            decision: e.decision,
            notified: Vec::new(),
            snapshot: None,
            score: None,
            shift: e.shift,
        },
        person: None,
    }
}

/// Runs the benchmark.
pub fn run(config: &Config, args: &StoreArgs) -> anyhow::Result<()> {
    println!(
        "gateward bench store: gate events written, one a write, {} s for each number of writers; {} cores",
        args.seconds,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let mut figures = Vec::new();
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let store = Arc::new(Store::open(crate::store::database_path(dir.path()))?);
    for writers in WRITERS {
        let m = measure(
            writers,
            args.seconds,
            |_| Ok(()),
            |_, w, n| {
                store.insert_event(new_event(w, n))?;
                Ok(())
            },
        )?;
        println!(
            "  SQLite (the box's file), {writers:>2} writers: {:7.0} events/s, p99 {:6.2} ms",
            m.per_second, m.p99_ms
        );
        figures.push(format!("sqlite_{writers}_per_s={:.0}", m.per_second));
        figures.push(format!("sqlite_{writers}_p99_ms={:.2}", m.p99_ms));
    }
    let people = gallery_people(args.faces);
    if !people.is_empty() {
        figures.extend(gallery_from_sqlite(&people)?);
    }
    let Some(url) = &config.shared_store else {
        println!(
            "  PostgreSQL: not measured; give the shared store: --store postgres://USER:PASSWORD@HOST/DATABASE"
        );
        println!("{}", figures.join(" "));
        return Ok(());
    };
    let tag = format!("bench {}", std::process::id());
    let boxes = |w: usize| format!("{tag} box {w}");
    let connect =
        |_| SharedStore::connect(url, Duration::from_secs(5)).map_err(anyhow::Error::from);
    let mut version = connect(0)?.server_version()?;
    version.truncate(version.find(' ').unwrap_or(version.len()));
    for writers in WRITERS {
        let m = measure(writers, args.seconds, connect, |s, w, n| {
            s.write(&boxes(w), &[outgoing(w, n)])?;
            Ok(())
        })?;
        println!(
            "  PostgreSQL {version} ({}), {writers:>2} boxes: {:7.0} events/s, p99 {:6.2} ms",
            shown(url),
            m.per_second,
            m.p99_ms
        );
        figures.push(format!("postgres_{writers}_per_s={:.0}", m.per_second));
        figures.push(format!("postgres_{writers}_p99_ms={:.2}", m.p99_ms));
    }
    let m = measure(1, args.seconds, connect, |s, w, n| {
        let batch: Vec<OutgoingEvent> = (0..CATCH_UP_BATCH as u64)
            .map(|i| outgoing(w, n * CATCH_UP_BATCH as u64 + i))
            .collect();
        s.write(&boxes(w), &batch)?;
        Ok(())
    })?;
    let catch_up = m.per_second * CATCH_UP_BATCH as f64;
    println!(
        "  PostgreSQL, a box catching up after an outage ({CATCH_UP_BATCH} a transaction): {catch_up:7.0} events/s"
    );
    figures.push(format!("postgres_catch_up_per_s={catch_up:.0}"));
    let removed = connect(0)?.remove_boxes_like(&format!("{tag} box %"))?;
    println!("  ({removed} events the bench wrote removed from the shared store)");
    if !people.is_empty() {
        let measured = gallery_from_postgres(url, &tag, &people);
        let removed = connect(0)?.remove_records_like(&format!("{tag} box %"))?;
        println!("  ({removed} people the bench wrote removed from the shared store)");
        figures.extend(measured?);
    }
    println!("{}", figures.join(" "));
    Ok(())
}

/// Faces a person in the timed gallery.
const FACES_EACH: usize = 4;

/// The face model's key in the timed gallery's records.
const GALLERY_MODEL: &str = "bench-model";

/// `faces` random faces, [`FACES_EACH`] a person, as person records.
fn gallery_people(faces: usize) -> Vec<RecordDoc> {
    let mut random = RandomEmbeddings::new(20);
    (0..faces.div_ceil(FACES_EACH))
        .map(|i| {
            let vectors: Vec<Vec<f32>> = (0..FACES_EACH.min(faces - i * FACES_EACH))
                .map(|_| random.unit().to_vec())
                .collect();
            RecordDoc::new_person(
                &format!("住户{i:06}"),
                PersonClass::Resident,
                GALLERY_MODEL,
                &vectors,
            )
        })
        .collect()
}

fn faces_in(people: &[RecordDoc]) -> usize {
    people
        .iter()
        .map(|p| p.person_faces(GALLERY_MODEL).len())
        .sum()
}

/// Stores `people` in a new box file (as taken from the shared store) and times loading their
/// gallery from it, as the service does at every start.
fn gallery_from_sqlite(people: &[RecordDoc]) -> anyhow::Result<Vec<String>> {
    let faces = faces_in(people);
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let store = Store::open(crate::store::database_path(dir.path()))?;
    let t = Instant::now();
    store_people(&store, people)?;
    let stored = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let gallery = load_gallery(&store, GALLERY_MODEL)?;
    let loaded = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        gallery.len() == faces,
        "{} of {faces} faces loaded",
        gallery.len()
    );
    println!(
        "  SQLite: a gallery of {faces} faces ({} people) loaded in {loaded:.2} s (stored in the box's file in {stored:.1} s)",
        people.len()
    );
    Ok(vec![
        format!("sqlite_gallery_{faces}_load_s={loaded:.2}"),
        format!("sqlite_gallery_{faces}_store_s={stored:.1}"),
    ])
}

/// Stores `people` in `store` as records taken from the shared store, 1,000 a transaction.
fn store_people(store: &Store, people: &[RecordDoc]) -> anyhow::Result<()> {
    for (n, chunk) in people.chunks(1000).enumerate() {
        let pulled: Vec<PulledRecord> = chunk
            .iter()
            .enumerate()
            .map(|(i, record)| PulledRecord {
                seq: (n * 1000 + i + 1) as i64,
                box_name: "bench".to_owned(),
                record: record.clone(),
            })
            .collect();
        let until = pulled.last().map_or(0, |p| p.seq);
        store.apply_records("bench", "bench reader", pulled, until)?;
    }
    Ok(())
}

/// Writes `people` to the shared store, then times a box loading their gallery from it: every
/// record read, its faces decoded into the gallery; and a box joining the compound taking them
/// into its own file.
fn gallery_from_postgres(
    url: &str,
    tag: &str,
    people: &[RecordDoc],
) -> anyhow::Result<Vec<String>> {
    let faces = faces_in(people);
    let mut shared = SharedStore::connect(url, Duration::from_secs(5))?;
    let start = shared.records_seq()?;
    let t = Instant::now();
    for chunk in people.chunks(500) {
        shared.write_records(&format!("{tag} box 0"), chunk)?;
    }
    let written = t.elapsed().as_secs_f64();
    // read as another box does, from where the shared store stood before
    let t = Instant::now();
    let mut gallery = Gallery::with_capacity(faces);
    let mut after = start;
    let mut read = Vec::with_capacity(people.len());
    loop {
        let batch = shared.records_since(&format!("{tag} reader"), after, 2000)?;
        let Some(last) = batch.last().map(|r| r.seq) else {
            break;
        };
        after = last;
        for r in batch {
            for v in r.record.person_faces(GALLERY_MODEL) {
                gallery.add_vector(r.seq, &v)?;
            }
            read.push(r.record);
        }
    }
    let loaded = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        gallery.len() == faces,
        "{} of {faces} faces read",
        gallery.len()
    );
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let store = Store::open(crate::store::database_path(dir.path()))?;
    let t = Instant::now();
    store_people(&store, &read)?;
    let joined = loaded + t.elapsed().as_secs_f64();
    println!(
        "  PostgreSQL: a gallery of {faces} faces loaded in {loaded:.2} s (written in {written:.1} s); a new box takes it into its own file in {joined:.1} s"
    );
    Ok(vec![
        format!("postgres_gallery_{faces}_load_s={loaded:.2}"),
        format!("postgres_gallery_{faces}_write_s={written:.1}"),
        format!("postgres_gallery_{faces}_new_box_s={joined:.1}"),
    ])
}
