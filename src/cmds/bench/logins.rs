//! `gateward bench logins`: whether the time a failed login takes tells which accounts exist.
//! Over HTTP to the real web app (a throw-away records folder), it times a wrong password for
//! a login no one has and for a real account, in turns, and prints the medians: they should be
//! within 20 % of each other (both pay one argon2 check). A right password after each round
//! clears the throttle's counts, so the throttle never refuses a measured try.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::measure::{BenchServer, median, serve_for_bench};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::{Desk, Role};
use crate::store::{NewUser, Store, database_path};
use crate::web::{self, auth};

#[derive(Debug, clap::Args)]
pub struct LoginsArgs {
    /// Rounds to time (each: one unknown login, one real login with a wrong password).
    #[arg(long, default_value_t = 40)]
    pub rounds: usize,
}

/// A client of the login page, as a browser (no redirects followed).
struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    /// Posts the login form (with the token and cookie of a fresh login page); its status and
    /// the time from sending the form to the end of the answer.
    fn try_login(&self, login: &str, password: &str) -> anyhow::Result<(u16, Duration)> {
        let mut page = self
            .agent
            .get(format!("{}/login", self.base))
            .header("accept", "text/html")
            .call()
            .context("GET /login")?;
        let cookie = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("gw_login="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
            .context("the login page sets no gw_login cookie")?;
        let body = page.body_mut().read_to_string()?;
        const MARK: &str = "name=\"csrf\" value=\"";
        let at = body
            .find(MARK)
            .context("the login page has no csrf field")?
            + MARK.len();
        let token = body[at..]
            .split('"')
            .next()
            .context("the csrf field has no end")?
            .to_owned();
        let began = Instant::now();
        let mut r = self
            .agent
            .post(format!("{}/login", self.base))
            .header("cookie", &cookie)
            .send_form([
                ("login", login),
                ("password", password),
                ("csrf", token.as_str()),
            ])
            .context("POST /login")?;
        let _ = r.body_mut().read_to_string();
        Ok((r.status().as_u16(), began.elapsed()))
    }
}

pub fn run(config: &Config, args: &LoginsArgs) -> anyhow::Result<()> {
    let folder = tempfile::tempdir().context("cannot create a temporary folder")?;
    let store = Arc::new(Store::open(database_path(folder.path()))?);
    let password = auth::random_password();
    store.add_user(
        "bench",
        NewUser {
            login: "bench".into(),
            name: "bench".into(),
            role: Role::Guard,
            post: Desk::Gate,
            password_hash: auth::hash_password(&password)?,
            started: None,
            must_change: false,
        },
    )?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // the runtime serves until the end of the benchmark
    let BenchServer {
        rt: _rt,
        addr,
        stop,
    } = serve_for_bench(config, &store, web::Hub::new(), clock, folder.path())?;
    let client = Client {
        agent: ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into(),
        base: format!("http://{addr}"),
    };
    let wrong = "not-the-password-1";
    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    // three rounds to warm up, then the measured ones; the two kinds in turns, each first
    // every other round
    for round in 0..args.rounds.max(1) + 3 {
        let ghost = format!("ghost{round}");
        let mut times = [Duration::ZERO; 2];
        for i in 0..2 {
            let unknown_now = (round + i) % 2 == 0;
            let (login, which) = if unknown_now {
                (ghost.as_str(), 0)
            } else {
                ("bench", 1)
            };
            let (status, took) = client.try_login(login, wrong)?;
            anyhow::ensure!(
                status == 401,
                "a wrong password for {login} answered {status}, not 401: the throttle refused it?"
            );
            times[which] = took;
        }
        let (status, _) = client.try_login("bench", &password)?;
        anyhow::ensure!(
            status == 303,
            "the right password answered {status}, not 303"
        );
        if round >= 3 {
            unknown.push(times[0].as_secs_f64() * 1000.0);
            known.push(times[1].as_secs_f64() * 1000.0);
        }
    }
    let _ = stop.send(());
    unknown.sort_by(f64::total_cmp);
    known.sort_by(f64::total_cmp);
    let (u, k) = (median(&unknown), median(&known));
    let difference = if u.min(k) > 0.0 {
        (u - k).abs() / u.min(k) * 100.0
    } else {
        0.0
    };
    println!(
        "failed login over HTTP, median of {} tries each: login no one has {u:.2} ms, real account with a wrong password {k:.2} ms ({difference:.1} % apart; within 20 % is the goal)",
        unknown.len()
    );
    println!(
        "login_unknown_p50_ms={u:.2} login_known_wrong_p50_ms={k:.2} login_difference_pct={difference:.1}"
    );
    Ok(())
}
