//! `gateward demo`: the product working in a minute. A throw-away data folder (or the folder
//! `--data DIR` names, kept) with the sample compound, the gate's fixture clips played again and
//! again as five live cameras, the guard's screen on http://127.0.0.1:8080 and demo logins
//! printed, one for each role.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use super::events::print_events;
use super::run::start_web;
use crate::clock::SystemClock;
use crate::config::{CameraConfig, Config};
use crate::domain::{CameraRole, Desk, Direction, Role};
use crate::pipeline::service::{Service, Settings, Timing};
use crate::pipeline::start::{lanes, load_eyes, plans, runtime};
use crate::store::{NewUser, Store};
use crate::web;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port of the guard's screen.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// The folder holding demo/ (the sample compound) and clips/ [default: the repository's
    /// fixtures folder]
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Keep the throw-away data folder at the end (it is printed) instead of deleting it; a
    /// folder given with --data is always kept.
    #[arg(long)]
    pub keep: bool,
    /// Print each event as one line of JSON too.
    #[arg(long)]
    pub json_events: bool,
    /// How many of the five demo cameras to play (0: the screen and pages only).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=5))]
    pub cameras: u8,
    /// Serve the screen over HTTPS with a self-signed certificate made in the data folder (or
    /// the certificate `[web] tls_cert`/`tls_key` name), as the patrol phones would reach it.
    #[arg(long)]
    pub https: bool,
}

/// The demo's cameras: one clip each, played as if live. The visitor's and the resident's
/// walks are optional so an older fixtures folder still runs.
const CAMERAS: [(&str, &str, CameraRole); 5] = [
    ("东门人行", "vip-arrives.mp4", CameraRole::Faces),
    ("东门访客", "visitor-arrives.mp4", CameraRole::Faces),
    ("东门住户", "resident-walks.mp4", CameraRole::Faces),
    ("东门车道", "resident-car.mp4", CameraRole::Plates),
    ("东门货车道", "truck-arrives.mp4", CameraRole::Plates),
];

/// The demo logins, one for each role: login, name, role, post.
const USERS: [(&str, &str, Role, Desk); 5] = [
    ("guard", "门岗小王", Role::Guard, Desk::Gate),
    ("leader", "分队长老李", Role::TeamLeader, Desk::ShiftLeader),
    ("patrol", "巡逻岗小张", Role::Guard, Desk::Patrol),
    ("manager", "管理处刘主任", Role::Manager, Desk::OfficeDuty),
    ("admin", "系统管理员老陈", Role::Admin, Desk::OfficeDuty),
];

fn fixtures_folder(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let candidates: Vec<PathBuf> = match given {
        Some(p) => vec![p.to_path_buf()],
        None => vec![
            PathBuf::from("fixtures"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        ],
    };
    candidates
        .into_iter()
        .find(|p| p.join("demo/people.csv").is_file() && p.join("clips").is_dir())
        .context(
            "cannot find the demo's fixtures (demo/people.csv and clips/): run gateward demo in the repository, or give --fixtures DIR",
        )
}

/// Runs the demo; `data` is the folder `--data` named (created when missing, kept at the end),
/// or `None` for a throw-away one.
pub fn run(config: &Config, args: &Args, data: Option<&Path>) -> anyhow::Result<()> {
    let fixtures = fixtures_folder(args.fixtures.as_deref())?;
    let (folder, data) = match data {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| {
                format!(
                    "无法创建数据目录 {} (cannot create the data folder: check the path and its permissions)",
                    dir.display()
                )
            })?;
            (None, dir.to_path_buf())
        }
        None => {
            let folder = tempfile::Builder::new()
                .prefix("gateward-demo.")
                .tempdir()
                .context("cannot create a temporary data folder for the demo")?;
            let data = folder.path().to_path_buf();
            (Some(folder), data)
        }
    };
    let mut config = config.clone();
    config.paths.data = data.clone();
    config.gate.name = "东门".into();
    if args.https && config.web.tls.is_none() {
        config.web.tls = Some(crate::config::Tls::SelfSigned { names: Vec::new() });
    }
    config.cameras = CAMERAS
        .iter()
        .filter(|(_, clip, _)| fixtures.join("clips").join(clip).is_file())
        .take(usize::from(args.cameras))
        .map(|(name, clip, role)| CameraConfig {
            name: (*name).to_owned(),
            source: fixtures
                .join("clips")
                .join(clip)
                .to_string_lossy()
                .into_owned(),
            gate: "东门".into(),
            direction: Some(Direction::In),
            role: *role,
            roi: None,
            fps: None,
            repeat: true,
            detect_source: None,
            main_quiet: Duration::from_secs(u64::from(crate::config::DEFAULT_MAIN_QUIET_S)),
            size: None,
        })
        .collect();
    // the certificate before anything else: a wrong one is said at once
    let tls = super::run::load_tls(&config)?;
    eprintln!(
        "示例小区 sample compound: {}",
        fixtures.join("demo").display()
    );
    super::import::run(
        &config,
        &super::import::Args {
            path: fixtures.join("demo"),
            dry_run: false,
            by: "demo".into(),
        },
    )?;
    let store = Store::open(crate::store::database_path(&data))?;
    let mut logins = Vec::new();
    for (login, name, role, post) in USERS {
        let password = web::auth::random_password();
        // a kept folder run again: the login is there, with a new password
        if let Some(known) = store.user_by_login(login)? {
            store.set_password(
                "demo",
                known.id,
                web::auth::hash_password(&password)?,
                false,
            )?;
            logins.push((login, name, role, post, password));
            continue;
        }
        store.add_user(
            "demo",
            NewUser {
                login: login.into(),
                name: name.into(),
                role,
                post,
                password_hash: web::auth::hash_password(&password)?,
                started: Some(
                    chrono::Utc::now()
                        .with_timezone(&config.gate.time_zone)
                        .date_naive(),
                ),
                // the demo's logins are printed for anyone to try: no change asked
                must_change: false,
            },
        )?;
        logins.push((login, name, role, post, password));
    }
    let eyes = (0..lanes(&config))
        .map(|_| load_eyes(&config, Some(&store)))
        .collect::<Result<Vec<_>, _>>()?;
    let face_model = eyes.first().map(|e| e.faces.model_key().to_owned());
    let store = Arc::new(store);
    let settings = Settings {
        record: true,
        snapshots: Some(data.clone()),
        sightings: Some(data.clone()),
        ..Settings::new(&config, Timing::Live(Arc::new(SystemClock)))
    };
    let plans = plans(&config);
    let seconds = args.seconds;
    runtime()?.block_on(async {
        let (service, events) = Service::start(plans, eyes, Some(Arc::clone(&store)), settings);
        let printer = tokio::spawn(print_events(events, args.json_events));
        let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
        // with --store, the demo box sends its events to a shared store like `gateward run`
        let faces = face_model.map(|m| (m, service.gallery_editor()));
        let uplink = super::run::uplink(&config, &store, faces);
        let screen = match start_web(
            &config,
            &store,
            &service,
            &args.listen,
            tls,
            uplink.as_ref(),
            async {
                let _ = web_stopped.await;
            },
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                service.stop().await;
                return Err(e);
            }
        };
        println!();
        println!("门岗助手演示 gateward demo");
        for line in screen.lines() {
            println!("  {line}");
        }
        println!("  数据目录 data folder: {}", data.display());
        println!("  演示账号 demo logins (账号 / 密码):");
        for (login, name, role, post, password) in &logins {
            println!(
                "    {login} / {password}    {name}，{}，{}",
                role.zh(),
                post.zh()
            );
        }
        println!(
            "  摄像头 cameras: 东门 {} 路，录像循环播放 (fixture clips played as live cameras)",
            config.cameras.len()
        );
        println!("  Ctrl-C 结束 (stop)");
        println!();
        // faces seen and snapshots past their retention go, as in `gateward run`
        let keeper = tokio::spawn(super::run::housekeeping(&config, &store).run());
        let why = match seconds {
            Some(s) => tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(s)) => "time up",
                w = super::run::stopped() => w,
            },
            None => super::run::stopped().await,
        };
        tracing::info!("{why}: stopping the demo");
        let _ = stop_web.send(());
        keeper.abort();
        service.stop().await;
        if let Some(uplink) = uplink {
            let _ = tokio::task::spawn_blocking(move || uplink.stop()).await;
        }
        let _ = printer.await;
        Ok(())
    })?;
    match folder {
        Some(folder) if args.keep => {
            let kept = folder.keep();
            eprintln!("数据目录已保留 data folder kept: {}", kept.display());
        }
        Some(_) => {}
        None => eprintln!("数据目录已保留 data folder kept: {}", data.display()),
    }
    Ok(())
}
