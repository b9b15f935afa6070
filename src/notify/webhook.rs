//! POSTing every gate event as JSON to a webhook on the local network (`[webhook]`).
//!
//! A tokio task takes the events and puts them on a bounded queue without waiting; one thread
//! of its own sends them one by one with ureq, each with the configured timeout. When the
//! queue is full (the webhook is slow or away) the event is dropped with a warning. Failures
//! are logged once until the webhook works again, then the log says how many were lost.
//! Plain http:// only: the webhook is meant for a receiver on the local network.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

use super::error::NotifyError;
use super::quit::stopping;
use crate::config;
use crate::domain::event::GateEvent;

/// Events waiting to be sent; more are dropped.
const QUEUE: usize = 64;
/// At most one "queue full" warning this often.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// How long stopping waits for the queue to empty (besides one post's timeout).
const STOP_WAIT: Duration = Duration::from_secs(2);

/// `[webhook]`, checked.
#[derive(Debug, Clone)]
pub struct WebhookPlan {
    url: String,
    timeout: Duration,
}

impl WebhookPlan {
    pub(super) fn new(w: &config::Webhook) -> Result<WebhookPlan, NotifyError> {
        let url = w.url.trim().to_owned();
        check_url(&url)?;
        Ok(WebhookPlan {
            url,
            timeout: Duration::from_secs(u64::from(w.timeout_s.max(1))),
        })
    }

    /// Starts sending every event of `events` to the webhook until stopped.
    pub fn start(self, events: broadcast::Receiver<GateEvent>) -> WebhookNotifier {
        let (queue, waiting) = sync_channel::<Vec<u8>>(QUEUE);
        let (done_tx, done) = oneshot::channel();
        let give_up = Arc::new(AtomicBool::new(false));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            // a receiver on the local network: never through a proxy from the environment
            .proxy(None)
            .http_status_as_error(true)
            .user_agent(concat!("gateward/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let sender = Sender {
            agent,
            url: self.url.clone(),
            give_up: Arc::clone(&give_up),
        };
        let spawned = std::thread::Builder::new()
            .name("gateward-webhook".into())
            .spawn(move || {
                sender.run(waiting);
                let _ = done_tx.send(());
            });
        let done = match spawned {
            Ok(_) => Some(done),
            Err(e) => {
                tracing::error!(
                    "cannot start the thread that sends events to the webhook {}: {e}; events are not sent to it",
                    self.url
                );
                None
            }
        };
        let (quit, quitting) = watch::channel(false);
        let forwarder = tokio::spawn(forward(events, queue, self.url.clone(), quitting));
        WebhookNotifier {
            url: self.url,
            timeout: self.timeout,
            quit,
            forwarder,
            done,
            give_up,
        }
    }
}

/// Checks that `url` is an http:// address with a host; says what to write instead.
fn check_url(url: &str) -> Result<(), NotifyError> {
    let bad = |why: &str| NotifyError::WebhookUrl {
        url: url.to_owned(),
        why: why.to_owned(),
    };
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|_| bad("it cannot be read as an address"))?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http") => {}
        Some("https") => {
            return Err(NotifyError::WebhookHttps {
                url: url.to_owned(),
            });
        }
        Some(_) => return Err(bad("it does not start with http://")),
        None => return Err(bad("it does not start with http://")),
    }
    match uri.host() {
        Some(h) if !h.is_empty() => Ok(()),
        _ => Err(bad("it has no host")),
    }
}

/// The running webhook notifier.
pub struct WebhookNotifier {
    url: String,
    timeout: Duration,
    quit: watch::Sender<bool>,
    forwarder: JoinHandle<()>,
    /// Says when the sending thread has sent everything and ended.
    done: Option<oneshot::Receiver<()>>,
    give_up: Arc<AtomicBool>,
}

impl WebhookNotifier {
    /// Queues the events already received, then gives the thread a little time to send them
    /// (a post under way may take its timeout); what is left after that is dropped.
    pub async fn stop(mut self) {
        let _ = self.quit.send(true);
        // the forwarder only queues, it never waits: it ends as soon as it has drained
        if tokio::time::timeout(STOP_WAIT, &mut self.forwarder)
            .await
            .is_err()
        {
            self.forwarder.abort();
        }
        let Some(done) = self.done else {
            return;
        };
        if tokio::time::timeout(STOP_WAIT, done).await.is_ok() {
            return;
        }
        // the webhook is slow or away: stop after the post under way
        self.give_up.store(true, Ordering::SeqCst);
        tracing::warn!(
            "the webhook {} is slow to answer: events not sent yet are dropped (waiting at most {} s for the one under way)",
            self.url,
            self.timeout.as_secs()
        );
    }
}

/// Queues each event's JSON for the sending thread; never waits.
async fn forward(
    mut events: broadcast::Receiver<GateEvent>,
    queue: SyncSender<Vec<u8>>,
    url: String,
    mut quit: watch::Receiver<bool>,
) {
    use broadcast::error::{RecvError, TryRecvError};
    let mut full = Dropped::default();
    loop {
        tokio::select! {
            biased;
            e = events.recv() => match e {
                Ok(e) => {
                    if !offer(&queue, &e, &url, &mut full) {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => tracing::warn!(
                    "{missed} events came too fast to send to the webhook; they are in the gate log"
                ),
                Err(RecvError::Closed) => return,
            },
            _ = stopping(&mut quit) => {
                loop {
                    match events.try_recv() {
                        Ok(e) => {
                            if !offer(&queue, &e, &url, &mut full) {
                                return;
                            }
                        }
                        Err(TryRecvError::Lagged(_)) => {}
                        Err(_) => return,
                    }
                }
            }
        }
    }
}

/// Events dropped because the queue was full, and when that was last said.
#[derive(Default)]
struct Dropped {
    count: u64,
    warned: Option<Instant>,
}

/// Puts one event on the queue; `false` when the sending thread is gone.
fn offer(queue: &SyncSender<Vec<u8>>, e: &GateEvent, url: &str, full: &mut Dropped) -> bool {
    let body = match serde_json::to_vec(e) {
        Ok(b) => b,
        Err(err) => {
            tracing::error!(
                "cannot write event {} as JSON for the webhook: {err}",
                e.track
            );
            return true;
        }
    };
    match queue.try_send(body) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            full.count += 1;
            if full.warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                tracing::warn!(
                    "the webhook {url} answers more slowly than events come: {} events were not sent to it",
                    full.count
                );
                full.count = 0;
                full.warned = Some(Instant::now());
            }
            true
        }
        Err(TrySendError::Disconnected(_)) => false,
    }
}

/// The sending thread's side.
struct Sender {
    agent: ureq::Agent,
    url: String,
    give_up: Arc<AtomicBool>,
}

impl Sender {
    /// Sends each queued event until the queue is closed and empty (or stopping gives up).
    fn run(self, waiting: Receiver<Vec<u8>>) {
        // events that could not be sent since the last one that could; None: all is well
        let mut failing: Option<u64> = None;
        for body in waiting {
            if self.give_up.load(Ordering::SeqCst) {
                return;
            }
            match self.post(&body) {
                Ok(()) => {
                    if let Some(lost) = failing.take() {
                        tracing::info!(
                            "the webhook {} works again; {lost} events were not delivered to it",
                            self.url
                        );
                    }
                }
                Err(why) => match &mut failing {
                    Some(lost) => *lost += 1,
                    None => {
                        tracing::warn!(
                            "cannot send events to the webhook {}: {why}; check that its receiver is running and [webhook] url in the config (not logged again until it works)",
                            self.url
                        );
                        failing = Some(1);
                    }
                },
            }
        }
    }

    fn post(&self, body: &[u8]) -> Result<(), String> {
        match self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .send(body)
        {
            Ok(_) => Ok(()),
            Err(ureq::Error::StatusCode(code)) => Err(format!("it answered HTTP {code}")),
            Err(ureq::Error::Timeout(_)) => {
                Err("it did not answer in time ([webhook] timeout_s)".into())
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_addresses_are_taken() {
        assert!(check_url("http://192.168.1.20:8123/api/webhook/gate").is_ok());
        assert!(check_url("HTTP://hooks.local/x").is_ok());
        assert!(matches!(
            check_url("https://example.com/hook"),
            Err(NotifyError::WebhookHttps { .. })
        ));
        for bad in ["192.168.1.20/hook", "ftp://x/y", "http://", "not a url", ""] {
            let e = check_url(bad).unwrap_err();
            assert!(e.to_string().contains("http://192.168.1.20"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_unreachable_webhook_is_logged_and_stopping_does_not_hang() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let plan = WebhookPlan::new(&config::Webhook {
            url: format!("http://127.0.0.1:{port}/hook"),
            timeout_s: 1,
        })
        .unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let started = Instant::now();
        rt.block_on(async {
            let (tx, rx) = broadcast::channel(8);
            let notifier = plan.start(rx);
            for _ in 0..3 {
                let _ = tx.send(crate::notify::sample::sample_event("vehicle"));
            }
            notifier.stop().await;
        });
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
