//! `gateward run`: the service. Watches every camera of the config until stopped (Ctrl-C or
//! SIGTERM), records each gate event with its snapshot, keeps the list of vehicles inside, and
//! prints the events; snapshots and face sightings past their retention are deleted at start and
//! then hourly (`pipeline::housekeeping`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use super::events::print_events;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::pipeline::housekeeping::Housekeeping;
use crate::pipeline::service::{CameraHealth, GalleryEditor, Service, Settings, Timing};
use crate::pipeline::start::{lanes, load_eyes, plans, runtime};
use crate::pipeline::uplink::{Reach, Uplink, UplinkPlan};
use crate::store::Store;
use crate::web;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print each event as one line of JSON (for scripts and tests).
    #[arg(long)]
    pub json_events: bool,
    /// Do not write events to the gate log (to try a camera without filling the records).
    #[arg(long)]
    pub no_record: bool,
    /// Do not serve the guard's screen.
    #[arg(long)]
    pub no_web: bool,
    /// Address and port of the guard's screen; overrides [web] listen (e.g. 0.0.0.0:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

/// Runs the service until Ctrl-C or SIGTERM.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    if config.cameras.is_empty() {
        anyhow::bail!(
            "no cameras are set up in {}: add a [[camera]] section for each camera with its name and source (an rtsp:// address or a video file); see gateward.toml in the repository",
            config
                .source
                .as_ref()
                .map_or_else(|| "the config".to_owned(), |p| p.display().to_string())
        );
    }
    // [mqtt] and [webhook] are checked before the models load: a mistake is said at once
    let notify = crate::notify::prepare(config)?;
    let data = &config.paths.data;
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    // the certificate before the models and cameras: a wrong one is said at once
    let tls = if args.no_web { None } else { load_tls(config)? };
    let store = Store::open(crate::store::database_path(data))?;
    let eyes = (0..lanes(config))
        .map(|_| load_eyes(config, Some(&store)))
        .collect::<Result<Vec<_>, _>>()?;
    let face_model = eyes.first().map(|e| e.faces.model_key().to_owned());
    let store = Arc::new(store);
    let record = !args.no_record;
    let settings = Settings {
        record,
        snapshots: (record && config.retention.snapshots_days > 0).then(|| data.clone()),
        sightings: (record && config.retention.sightings_days > 0).then(|| data.clone()),
        ..Settings::new(config, Timing::Live(Arc::new(SystemClock)))
    };
    let plans = plans(config);
    for p in &plans {
        tracing::info!(camera = %p.info.name, gate = %p.info.gate, role = %p.info.role, "watching");
    }
    let config = config.clone();
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| config.web.listen.clone());
    let web = !args.no_web;
    let health = runtime()?.block_on(async move {
        let (service, events) = Service::start(plans, eyes, Some(Arc::clone(&store)), settings);
        let printer = tokio::spawn(print_events(events, args.json_events));
        let notifier =
            notify.map(|n| n.start(record.then(|| Arc::clone(&store)), service.subscribe()));
        let faces = face_model.map(|m| (m, service.gallery_editor()));
        let uplink = record.then(|| uplink(&config, &store, faces)).flatten();
        let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
        let screen = if web {
            match start_web(
                &config,
                &store,
                &service,
                &listen,
                tls,
                uplink.as_ref(),
                async {
                    let _ = web_stopped.await;
                },
            )
            .await
            {
                Ok(screen) => Some(screen),
                Err(e) => {
                    service.stop().await;
                    return Err(e);
                }
            }
        } else {
            None
        };
        if let Some(screen) = screen {
            for line in screen.lines() {
                eprintln!("{line}");
            }
        }
        let keeper = tokio::spawn(housekeeping(&config, &store).run());
        let why = stopped().await;
        tracing::info!("{why}: stopping the cameras");
        let _ = stop_web.send(());
        let health = service.stop().await;
        if let Some(n) = notifier {
            n.stop().await;
        }
        keeper.abort();
        if let Some(uplink) = uplink {
            // its last round may wait for the network: not on the runtime's threads
            let _ = tokio::task::spawn_blocking(move || uplink.stop()).await;
        }
        if let Ok(Err(e)) = printer.await {
            tracing::warn!("printing events stopped: {e}");
        }
        Ok(health)
    })?;
    for h in &health {
        eprintln!("{}", summary(h));
    }
    Ok(())
}

/// In a compound with several boxes (`[store] url` or `--store`): this box's events sent on to
/// the shared store, from now until the uplink is stopped, and the people and visits shared
/// with the other boxes; `faces` (the face model's key and the running gallery) learns of the
/// people enrolled or changed there.
pub fn uplink(
    config: &Config,
    store: &Arc<Store>,
    faces: Option<(String, GalleryEditor)>,
) -> Option<Uplink> {
    let url = config.shared_store.as_ref()?;
    tracing::info!(
        store = %crate::store::shared::shown(url),
        box_name = %config.box_name,
        "sending this box's events to the shared store"
    );
    Some(Uplink::start(
        Arc::clone(store),
        UplinkPlan {
            url: url.clone(),
            box_name: config.box_name.clone(),
            every: Duration::from_millis(500),
            faces,
        },
    ))
}

/// Where the guard's screen is served.
pub struct Screen {
    pub addr: std::net::SocketAddr,
    /// The certificate when served over HTTPS.
    pub tls: Option<web::tls::Tls>,
}

impl Screen {
    /// The screen's address, `http://` or `https://`.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}/", self.addr)
    }

    /// What to print of it: the address, and over HTTPS the certificate's fingerprint (for a
    /// self-signed one, what a phone will say the first time).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("门岗屏 guard screen: {}", self.url())];
        if let Some(tls) = &self.tls {
            lines.push(format!("证书指纹 certificate SHA-256: {}", tls.fingerprint));
            lines.push(format!("  证书 certificate: {}", tls.cert.display()));
            if tls.made {
                lines.push(
                    "  新的自签名证书：手机或电脑第一次打开时会提示“不安全/证书无效”，核对证书指纹与上面一致后再继续访问 (a new self-signed certificate: browsers warn on the first visit; go on only when the certificate's SHA-256 fingerprint matches this one)"
                        .to_owned(),
                );
            }
        }
        lines
    }
}

/// The certificate `config` asks for, if any (a self-signed one made on first run).
pub fn load_tls(config: &Config) -> anyhow::Result<Option<web::tls::Tls>> {
    let Some(tls) = &config.web.tls else {
        return Ok(None);
    };
    Ok(Some(web::tls::load(
        tls,
        &config.paths.data,
        SystemClock.now(),
    )?))
}

/// How long a box on a shared store waits at its start for the compound's records (its users
/// among them) before it makes a first administrator of its own.
const FIRST_ROUND: std::time::Duration = std::time::Duration::from_secs(15);

/// Serves the guard's screen and the manager's pages for the running `service` until `stop`,
/// over HTTPS with `tls` (see [`load_tls`]), with the shared store's state and the other boxes'
/// notices when `uplink` sends this box's records to one; creates the first administrator (and
/// prints the one-time password) when there is no user, here or, on a shared store, in the
/// compound. Returns where it is served.
pub async fn start_web(
    config: &Config,
    store: &Arc<Store>,
    service: &Service,
    listen: &str,
    tls: Option<web::tls::Tls>,
    uplink: Option<&Uplink>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Screen> {
    let shared_store = uplink.map(Uplink::status_fn);
    if let Some(uplink) = uplink {
        // the compound's users may be in the shared store already: take them before deciding
        // that this box has none (a box that cannot reach it goes on after the wait)
        let until = std::time::Instant::now() + FIRST_ROUND;
        while uplink.status().reach == Reach::Connecting && std::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let first = Arc::clone(store);
    let admin = tokio::task::spawn_blocking(move || web::auth::ensure_admin(&first))
        .await
        .context("cannot check the users")??;
    if let Some((login, password)) = admin {
        eprintln!(
            "首次运行：已创建管理员账号 {login}，一次性密码 {password}（登录后请在“账号”页改密码并为门岗建账号）\nfirst run: administrator {login} created with the one-time password {password}"
        );
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let hub = web::Hub::new();
    hub.feed(service.subscribe(), Arc::clone(&clock));
    if let Some(uplink) = uplink {
        hub.feed_elsewhere(uplink.subscribe_elsewhere(), config.gate.time_zone);
    }
    let editor = service.gallery_editor();
    let health_of = editor.clone();
    let state = web::AppState {
        store: Arc::clone(store),
        hub,
        clock,
        tz: config.gate.time_zone,
        gate: config.gate.name.clone(),
        data: config.paths.data.clone(),
        // over HTTPS the cookies are sent over HTTPS only
        secure_cookie: config.web.secure_cookies(),
        session_hours: config.web.session_hours,
        health: Arc::new(move || health_of.health()),
        shared_store,
        gallery: Some(editor),
        enrol: Some(Arc::new(crate::app::enrol::Enroller::new(config))),
        training: config.training,
    };
    let addr = web::serve(state, listen, tls.clone(), stop).await?;
    Ok(Screen { addr, tls })
}

/// One line about a camera at the end: what it read, dropped and looked at.
fn summary(h: &CameraHealth) -> String {
    format!(
        "{}（{}）: {} frames, {} dropped while busy, {} looked at, {} without motion, {} errors",
        h.name, h.gate, h.received, h.dropped, h.looked, h.still, h.errors
    )
}

/// Waits for Ctrl-C or SIGTERM; says which.
pub async fn stopped() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The housekeeping of the service on `store`: what is past its retention goes, at start and
/// every hour, by the system clock.
pub fn housekeeping(config: &Config, store: &Arc<Store>) -> Housekeeping {
    Housekeeping {
        store: Arc::clone(store),
        data: config.paths.data.clone(),
        retention: config.retention,
        tz: config.gate.time_zone,
        clock: Arc::new(SystemClock),
    }
}
