//! `gateward bench screen`: how long a gate event takes from the service to the guard's
//! screens: events are published into the web app's feed while screens (HTTP clients of the
//! real server, logged in) listen to the live stream; the time to each screen is measured.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::measure::{BenchServer, median, serve_for_bench};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::event::{GateEvent, PersonSeen, Report};
use crate::domain::{Desk, Direction, EventKind, PersonClass, Post, Role};
use crate::store::{NewUser, Store, database_path};
use crate::web::{self, auth};

#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// Events to publish.
    #[arg(long, default_value_t = 300)]
    pub events: usize,
    /// Screens listening at once (the gate, patrol, central control, the office…).
    #[arg(long, default_value_t = 4)]
    pub screens: usize,
    /// Pause between events, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub every_ms: u64,
}

fn event(track: u64) -> GateEvent {
    let (look, headline) = crate::rules::prompts::card(PersonClass::Vip);
    GateEvent {
        report: Report::Arrival,
        track,
        camera: "东门人行".into(),
        gate: "东门".into(),
        kind: EventKind::Person,
        at: chrono::DateTime::parse_from_rfc3339("2026-11-28T07:30:00+08:00").unwrap_or_default(),
        stream_s: 0.0,
        direction: Some(Direction::In),
        person: Some(PersonSeen::new(1, "王建国", PersonClass::Vip, 0.9)),
        plate: None,
        say: "王总，早上好，欢迎光临".into(),
        actions: vec!["在5–7步远处立正敬礼".into()],
        notify: vec![Post::OfficeDuty],
        decision: None,
        look,
        headline: headline.into(),
        bbox: [100.0, 100.0, 300.0, 300.0],
        frame: [1920, 1080],
        id: Some(track as i64),
        snapshot: None,
        sighting: None,
        by: None,
    }
}

pub fn run(config: &Config, args: &ScreenArgs) -> anyhow::Result<()> {
    let folder = tempfile::tempdir().context("cannot create a temporary folder")?;
    let store = Arc::new(Store::open(database_path(folder.path()))?);
    let user = store.add_user(
        "bench",
        NewUser {
            login: "bench".into(),
            name: "bench".into(),
            role: Role::Guard,
            post: Desk::Gate,
            password_hash: auth::hash_password(&auth::random_password())?,
            started: None,
            must_change: false,
        },
    )?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let tokens: Vec<String> = (0..args.screens.max(1))
        .map(|_| {
            let token = auth::random_token();
            store.start_session(
                auth::token_hash(&token),
                user,
                auth::random_token(),
                clock.now() + chrono::Duration::hours(1),
            )?;
            Ok(token)
        })
        .collect::<anyhow::Result<_>>()?;
    let hub = web::Hub::new();
    let BenchServer { rt, addr, stop } =
        serve_for_bench(config, &store, hub.clone(), clock, folder.path())?;
    // each screen reads the stream on its own thread and reports (track, when it arrived)
    let (tx, rx) = mpsc::channel::<(usize, u64, Instant)>();
    for (screen, token) in tokens.iter().enumerate() {
        let (tx, token) = (tx.clone(), token.clone());
        let url = format!("http://{addr}/api/stream");
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(None)
                .build()
                .into();
            let Ok(mut response) = agent
                .get(&url)
                .header("cookie", format!("{}={token}", auth::SESSION_COOKIE))
                .call()
            else {
                return;
            };
            let reader = BufReader::new(response.body_mut().as_reader());
            for line in reader.lines().map_while(Result::ok) {
                let Some(data) = line.strip_prefix("data:") else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim()) else {
                    continue;
                };
                if let Some(track) = v.get("track").and_then(|t| t.as_u64())
                    && tx.send((screen, track, Instant::now())).is_err()
                {
                    break;
                }
            }
        });
    }
    drop(tx);
    // let every screen connect: publish warm-up events until each has seen one
    let mut ready = vec![false; tokens.len()];
    let begin = Instant::now();
    let mut warm = 1_000_000u64;
    while !ready.iter().all(|r| *r) {
        anyhow::ensure!(
            begin.elapsed() < Duration::from_secs(20),
            "the screens did not connect to the live stream"
        );
        rt.block_on(async { hub.publish(event(warm), chrono::Utc::now()) });
        warm += 1;
        while let Ok((screen, _, _)) = rx.recv_timeout(Duration::from_millis(50)) {
            ready[screen] = true;
        }
    }
    while rx.recv_timeout(Duration::from_millis(200)).is_ok() {}
    let mut sent = Vec::with_capacity(args.events);
    for track in 0..args.events as u64 {
        sent.push(Instant::now());
        hub.publish(event(track), chrono::Utc::now());
        std::thread::sleep(Duration::from_millis(args.every_ms));
    }
    let mut ms = Vec::with_capacity(args.events * tokens.len());
    let deadline = Instant::now() + Duration::from_secs(5);
    while ms.len() < args.events * tokens.len() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        match rx.recv_timeout(left) {
            Ok((_, track, at)) if (track as usize) < sent.len() => {
                ms.push(at.duration_since(sent[track as usize]).as_secs_f64() * 1000.0);
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = stop.send(());
    let expected = args.events * tokens.len();
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        ms.get(((ms.len() as f64 * p) as usize).min(ms.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "event → screen over the live stream: {} events × {} screens, {} received",
        args.events,
        tokens.len(),
        ms.len()
    );
    println!(
        "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        median(&ms),
        pct(0.95),
        pct(0.99),
        ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "screen_p50_ms={:.2} screen_p95_ms={:.2} screen_p99_ms={:.2} screen_max_ms={:.2} screen_lost={}",
        median(&ms),
        pct(0.95),
        pct(0.99),
        ms.last().copied().unwrap_or(0.0),
        expected - ms.len()
    );
    Ok(())
}
