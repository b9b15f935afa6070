//! Publishing gate events to an MQTT broker (QoS 1), with retained per-gate states, an
//! availability topic with a last will, and Home Assistant discovery.
//!
//! Two tokio tasks: the *driver* polls rumqttc's event loop (which connects, reconnects and
//! sends), the *forwarder* turns each event into messages and hands them over without ever
//! waiting. While the broker is away, events are counted and dropped, the states are kept, and
//! the log says once what is wrong; when it is back, `online`, the discovery configs and the
//! latest states are published again (the broker may have restarted without them).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, LastWill, MqttOptions,
    Outgoing, Packet, QoS,
};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::error::NotifyError;
use super::quit::stopping;
use super::topics::{Message, OFFLINE, ONLINE, Sensor, Topics};
use crate::config;
use crate::domain::event::GateEvent;
use crate::store::Store;

/// Messages handed to rumqttc and not yet sent; more are dropped (with a warning).
const QUEUE: usize = 512;
/// The first wait before connecting again; doubles up to [`LONGEST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(30);
/// How often the broker is pinged: a broker gone without a word is noticed within ~1.5×.
const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// How long stopping waits for the last messages to go out.
const STOP_WAIT: Duration = Duration::from_secs(3);
/// At most one "queue full" warning this often.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// `[mqtt]`, checked.
#[derive(Debug, Clone)]
pub struct MqttPlan {
    host: String,
    port: u16,
    login: Option<(String, String)>,
    topics: Topics,
    discovery: bool,
    /// The gates announced to Home Assistant from the start.
    gates: Vec<String>,
}

impl MqttPlan {
    pub(super) fn new(m: &config::Mqtt, gates: Vec<String>) -> Result<MqttPlan, NotifyError> {
        let host = m.host.trim();
        if host.is_empty() {
            return Err(NotifyError::MqttHost);
        }
        let usable = |s: &str| !s.is_empty() && !s.contains(['+', '#', '\0']);
        if !usable(&m.topic_prefix) {
            return Err(NotifyError::MqttPrefix {
                key: "topic_prefix",
                value: m.topic_prefix.clone(),
                example: "gateward",
            });
        }
        if !usable(&m.discovery_prefix) {
            return Err(NotifyError::MqttPrefix {
                key: "discovery_prefix",
                value: m.discovery_prefix.clone(),
                example: "homeassistant",
            });
        }
        let login = match (&m.username, &m.password) {
            (Some(user), password) => Some((user.clone(), password.clone().unwrap_or_default())),
            (None, Some(_)) => return Err(NotifyError::MqttPassword),
            (None, None) => None,
        };
        Ok(MqttPlan {
            host: host.to_owned(),
            port: m.port,
            login,
            topics: Topics {
                prefix: m.topic_prefix.clone(),
                discovery_prefix: m.discovery_prefix.clone(),
            },
            discovery: m.discovery,
            gates,
        })
    }

    /// The broker as the log names it: host:port.
    fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Connects (in the background) and publishes every event of `events` until stopped.
    pub fn start(
        self,
        store: Option<Arc<Store>>,
        events: broadcast::Receiver<GateEvent>,
    ) -> MqttNotifier {
        let id = format!("gateward-{:08x}", rand::random::<u32>());
        let mut options = MqttOptions::new(id, self.host.clone(), self.port);
        options
            .set_keep_alive(KEEP_ALIVE)
            .set_clean_session(true)
            .set_max_packet_size(64 * 1024, 1024 * 1024)
            .set_last_will(LastWill::new(
                self.topics.status(),
                OFFLINE,
                QoS::AtLeastOnce,
                true,
            ));
        if let Some((user, password)) = &self.login {
            options.set_credentials(user.clone(), password.clone());
        }
        let (client, eventloop) = AsyncClient::new(options, QUEUE);
        let link = Arc::new(Link {
            address: self.address(),
            connected: AtomicBool::new(false),
            missed: AtomicU64::new(0),
        });
        let (quit, quitting) = watch::channel(false);
        let (connects, connected) = watch::channel(0u64);
        let driver = tokio::spawn(drive(
            eventloop,
            Arc::clone(&link),
            connects,
            quitting.clone(),
        ));
        let forwarder = Forwarder {
            client: client.clone(),
            link: Arc::clone(&link),
            topics: self.topics.clone(),
            discovery: self.discovery,
            gates: self.gates,
            store,
            states: BTreeMap::new(),
            refused: 0,
            warned_full: None,
        };
        let forwarder = tokio::spawn(forwarder.run(events, connected, quitting));
        MqttNotifier {
            client,
            link,
            topics: self.topics,
            quit,
            forwarder,
            driver,
        }
    }
}

/// What the driver and the forwarder share.
#[derive(Debug)]
struct Link {
    /// host:port, for the log.
    address: String,
    /// Whether the broker has accepted the connection and it has not failed since.
    connected: AtomicBool,
    /// Events not published while the broker was away.
    missed: AtomicU64,
}

/// The running MQTT notifier.
pub struct MqttNotifier {
    client: AsyncClient,
    link: Arc<Link>,
    topics: Topics,
    quit: watch::Sender<bool>,
    forwarder: JoinHandle<()>,
    driver: JoinHandle<()>,
}

impl MqttNotifier {
    /// Publishes the events already received, then `offline`, and disconnects; waits at most a
    /// few seconds for a broker that does not answer (its last will then says `offline`).
    pub async fn stop(mut self) {
        let _ = self.quit.send(true);
        if tokio::time::timeout(STOP_WAIT, &mut self.forwarder)
            .await
            .is_err()
        {
            self.forwarder.abort();
        }
        if self.link.connected.load(Ordering::SeqCst) {
            let offline =
                self.client
                    .try_publish(self.topics.status(), QoS::AtLeastOnce, true, OFFLINE);
            if offline.is_err() || self.client.try_disconnect().is_err() {
                tracing::debug!("the MQTT queue is full at the stop; the last will says offline");
            }
        }
        if tokio::time::timeout(STOP_WAIT, &mut self.driver)
            .await
            .is_err()
        {
            self.driver.abort();
            tracing::warn!(
                "the MQTT broker at {} did not take the last messages in time; it marks gateward offline by itself",
                self.link.address
            );
        }
    }
}

/// Polls the connection: connects, reconnects with backoff, says once per outage what is
/// wrong, and counts each successful connection in `connects` (the forwarder then announces).
async fn drive(
    mut eventloop: EventLoop,
    link: Arc<Link>,
    connects: watch::Sender<u64>,
    mut quit: watch::Receiver<bool>,
) {
    let mut retry = FIRST_RETRY;
    // a warning was given for the outage now going on
    let mut outage = false;
    let mut ever = false;
    loop {
        let connected = link.connected.load(Ordering::SeqCst);
        let polled = tokio::select! {
            p = eventloop.poll() => p,
            // stopping while the broker is away: there is nothing to send
            _ = stopping(&mut quit), if !connected => return,
        };
        match polled {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                link.connected.store(true, Ordering::SeqCst);
                retry = FIRST_RETRY;
                let missed = link.missed.swap(0, Ordering::SeqCst);
                if outage {
                    tracing::info!(
                        "the MQTT broker at {} is reachable again; {missed} events were not published while it was away",
                        link.address
                    );
                } else if !ever {
                    tracing::info!("publishing events to the MQTT broker at {}", link.address);
                }
                outage = false;
                ever = true;
                connects.send_modify(|n| *n += 1);
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                link.connected.store(false, Ordering::SeqCst);
                return;
            }
            Ok(_) => {}
            Err(ConnectionError::RequestsDone) => return,
            Err(e) => {
                link.connected.store(false, Ordering::SeqCst);
                if *quit.borrow() {
                    return;
                }
                if outage {
                    tracing::debug!("MQTT broker at {} still unreachable: {e}", link.address);
                } else {
                    outage = true;
                    tracing::warn!("{}", outage_warning(&link.address, &e, ever));
                }
                tokio::select! {
                    _ = tokio::time::sleep(retry) => {}
                    _ = stopping(&mut quit) => return,
                }
                retry = (retry * 2).min(LONGEST_RETRY);
            }
        }
    }
}

/// What the log says when the broker cannot be reached: where, why, and what to check.
fn outage_warning(address: &str, e: &ConnectionError, was_connected: bool) -> String {
    let lost = if was_connected {
        "lost the connection to"
    } else {
        "cannot connect to"
    };
    match e {
        ConnectionError::ConnectionRefused(
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized,
        ) => format!(
            "the MQTT broker at {address} refused gateward's login: check [mqtt] username and password in the config; events are not published until it accepts them (retrying)"
        ),
        _ => format!(
            "{lost} the MQTT broker at {address} ({e}): check that the broker is running and that [mqtt] host and port in the config are right; events are not published to MQTT until it is back (retrying)"
        ),
    }
}

/// Turns events into messages for rumqttc.
struct Forwarder {
    client: AsyncClient,
    link: Arc<Link>,
    topics: Topics,
    discovery: bool,
    gates: Vec<String>,
    store: Option<Arc<Store>>,
    /// The latest retained state of every state topic, published again on reconnecting.
    states: BTreeMap<String, String>,
    /// Messages rumqttc's queue had no room for since the last warning.
    refused: u64,
    warned_full: Option<Instant>,
}

impl Forwarder {
    async fn run(
        mut self,
        mut events: broadcast::Receiver<GateEvent>,
        mut connects: watch::Receiver<u64>,
        mut quit: watch::Receiver<bool>,
    ) {
        use broadcast::error::{RecvError, TryRecvError};
        let mut driving = true;
        if self.store.is_some() {
            self.refresh_inside().await;
        }
        loop {
            tokio::select! {
                biased;
                // (re)connected: announce before the next event
                c = connects.changed(), if driving => match c {
                    Ok(()) => self.announce(),
                    Err(_) => driving = false,
                },
                e = events.recv() => match e {
                    Ok(e) => self.event(&e).await,
                    Err(RecvError::Lagged(missed)) => tracing::warn!(
                        "{missed} events came too fast to publish over MQTT; they are in the gate log"
                    ),
                    Err(RecvError::Closed) => return,
                },
                _ = stopping(&mut quit) => {
                    // the events already received still go out
                    loop {
                        match events.try_recv() {
                            Ok(e) => self.event(&e).await,
                            Err(TryRecvError::Lagged(_)) => {}
                            Err(_) => return,
                        }
                    }
                }
            }
        }
    }

    fn connected(&self) -> bool {
        self.link.connected.load(Ordering::SeqCst)
    }

    /// One event: its JSON and the states it changes. Dropped (counted) while the broker is
    /// away; the states are kept for when it is back.
    async fn event(&mut self, e: &GateEvent) {
        if !self.gates.contains(&e.gate) {
            self.gates.push(e.gate.clone());
            if self.connected() {
                self.announce_gate(&e.gate.clone());
            }
        }
        let mut messages = match self.topics.event_messages(e) {
            Ok(m) => m,
            Err(err) => {
                tracing::error!("cannot write event {} as JSON for MQTT: {err}", e.track);
                return;
            }
        };
        if e.kind == crate::domain::EventKind::Vehicle && self.store.is_some() {
            messages.extend(self.refresh_inside().await);
        }
        for m in &messages {
            if m.retain {
                self.states.insert(m.topic.clone(), m.payload.clone());
            }
        }
        if !self.connected() {
            self.link.missed.fetch_add(1, Ordering::SeqCst);
            return;
        }
        for m in messages {
            self.send(m);
        }
    }

    /// Reads the count of vehicles inside from the records; returns its state for every gate.
    async fn refresh_inside(&mut self) -> Vec<Message> {
        let Some(store) = self.store.clone() else {
            return Vec::new();
        };
        let count = tokio::task::spawn_blocking(move || store.vehicles_inside()).await;
        let count = match count {
            Ok(Ok(v)) => v.len(),
            Ok(Err(e)) => {
                tracing::warn!("cannot read the vehicles inside for MQTT: {e}");
                return Vec::new();
            }
            Err(_) => return Vec::new(),
        };
        let messages: Vec<Message> = self
            .gates
            .iter()
            .map(|g| {
                self.topics
                    .state_message(g, Sensor::VehiclesInside, count.to_string())
            })
            .collect();
        for m in &messages {
            self.states.insert(m.topic.clone(), m.payload.clone());
        }
        messages
    }

    /// After each connection: `online`, the discovery configs, the latest states.
    fn announce(&mut self) {
        self.send(Message {
            topic: self.topics.status(),
            payload: ONLINE.to_owned(),
            retain: true,
        });
        for gate in self.gates.clone() {
            self.announce_gate(&gate);
        }
        let states: Vec<Message> = self
            .states
            .iter()
            .map(|(topic, payload)| Message {
                topic: topic.clone(),
                payload: payload.clone(),
                retain: true,
            })
            .collect();
        for m in states {
            self.send(m);
        }
    }

    /// A gate's sensors for Home Assistant (the count of vehicles inside only when there are
    /// records to count them from).
    fn announce_gate(&mut self, gate: &str) {
        if !self.discovery {
            return;
        }
        for sensor in Sensor::ALL {
            if sensor == Sensor::VehiclesInside && self.store.is_none() {
                continue;
            }
            let m = self.topics.discovery_config(gate, sensor);
            self.send(m);
        }
    }

    /// Hands one message to rumqttc without waiting; when its queue is full the message is
    /// dropped and the log says so (at most once a minute).
    fn send(&mut self, m: Message) {
        if self
            .client
            .try_publish(m.topic, QoS::AtLeastOnce, m.retain, m.payload)
            .is_ok()
        {
            return;
        }
        self.refused += 1;
        if self.warned_full.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                "the MQTT broker at {} takes messages more slowly than events come; {} messages were dropped",
                self.link.address,
                self.refused
            );
            self.refused = 0;
            self.warned_full = Some(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(host: &str) -> config::Mqtt {
        config::Mqtt {
            host: host.into(),
            port: 1883,
            username: None,
            password: None,
            topic_prefix: "gateward".into(),
            discovery: true,
            discovery_prefix: "homeassistant".into(),
        }
    }

    #[test]
    fn the_warning_names_the_broker_and_what_to_check() {
        let p = MqttPlan::new(&plan("192.168.1.10"), vec!["东门".into()]).unwrap();
        assert_eq!(p.address(), "192.168.1.10:1883");
        let refused =
            ConnectionError::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let w = outage_warning(&p.address(), &refused, false);
        assert!(w.contains("192.168.1.10:1883"), "{w}");
        assert!(w.contains("[mqtt] host and port"), "{w}");
        let login = ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword);
        let w = outage_warning(&p.address(), &login, false);
        assert!(w.contains("username and password"), "{w}");
        let v6 = MqttPlan::new(&plan("::1"), vec![]).unwrap();
        assert_eq!(v6.address(), "[::1]:1883");
    }

    #[tokio::test]
    async fn a_broker_that_is_not_there_neither_blocks_nor_delays_stopping() {
        // a port nothing listens on
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut m = plan("127.0.0.1");
        m.port = port;
        let (tx, rx) = broadcast::channel(4);
        let notifier = MqttPlan::new(&m, vec!["东门".into()])
            .unwrap()
            .start(None, rx);
        let started = Instant::now();
        for i in 0..100 {
            // the channel is small: the notifier falls behind and says so, nobody waits
            let mut e = crate::notify::sample::sample_event("person");
            e.track = i;
            let _ = tx.send(e);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!notifier.link.connected.load(Ordering::SeqCst));
        notifier.stop().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}
