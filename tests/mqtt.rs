//! Notifications from `gateward run` on the sample compound, against a real Mosquitto broker
//! and a real HTTP receiver: the oversize yellow truck (川A·D2718) and the VIP (王建国) are
//! published as JSON on their gate's topics, Home Assistant finds the gate's sensors (retained
//! discovery configs) and their states, availability says online then offline after a clean
//! stop; the webhook receives the same event; a broker that is not there changes nothing on
//! stdout and is named once in the log; an https:// webhook is refused at the start.
//!
//! The broker is Debian's `/usr/sbin/mosquitto` (scripts/setup installs it), started by each
//! test on a free port with its own config; the tests that need it are skipped, saying so,
//! when it is not installed (and fail under `CI=true`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use common::{Running, fixture, gateward_in};
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use serde_json::Value;

/// How long a clip may take to give its first events on a busy 2-core machine.
const EVENTS_WITHIN: Duration = Duration::from_secs(150);

/// The discovery node of the gate 东门: `gateward_` and the hex of its UTF-8 bytes.
const NODE: &str = "gateward_e4b89ce997a8";

/// The tests that run the models run one at a time: each loads every model and decodes video,
/// and two at once on a 2-core machine would only make both slow.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A Mosquitto broker of this test's own on a free 127.0.0.1 port; stopped when dropped.
struct Broker {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Broker {
    /// `None` when Mosquitto is not installed, after `common::missing` (a failure on CI).
    fn start() -> Option<Broker> {
        let Some(exe) = mosquitto() else {
            common::missing("mosquitto", "scripts/setup installs it");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
            ),
        )
        .unwrap();
        let child = std::process::Command::new(exe)
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start mosquitto");
        let broker = Broker {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(broker)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mosquitto() -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/sbin/mosquitto");
    if debian.is_file() {
        return Some(debian);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("mosquitto"))
            .find(|p| p.is_file())
    })
}

/// A port nothing listens on (free when this returns).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One message a subscriber received.
#[derive(Debug, Clone)]
struct Msg {
    topic: String,
    payload: String,
    retain: bool,
}

impl Msg {
    fn json(&self) -> Value {
        serde_json::from_str(&self.payload)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.topic, self.payload))
    }
}

/// A client subscribed to `filter`, its messages on a channel; gone when dropped.
struct Subscriber {
    messages: Receiver<Msg>,
    _client: Client,
}

impl Subscriber {
    /// Connects and waits until the broker has acknowledged the subscription, so nothing
    /// published after this returns is missed.
    fn new(port: u16, filter: &str) -> Subscriber {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let id = format!(
            "test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut options = MqttOptions::new(id, "127.0.0.1", port);
        options.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut connection) = Client::new(options, 16);
        client.subscribe(filter, QoS::AtLeastOnce).unwrap();
        let (tx, messages) = channel();
        let (ready, subscribed) = channel();
        std::thread::spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = ready.send(());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let msg = Msg {
                            topic: p.topic.clone(),
                            payload: String::from_utf8_lossy(&p.payload).into_owned(),
                            retain: p.retain,
                        };
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        subscribed
            .recv_timeout(Duration::from_secs(10))
            .expect("the broker did not acknowledge the subscription");
        Subscriber {
            messages,
            _client: client,
        }
    }

    /// The first message for which `wanted` holds, waiting at most `limit`; the others
    /// received meanwhile are appended to `seen`.
    fn wait_for(
        &self,
        limit: Duration,
        seen: &mut Vec<Msg>,
        wanted: impl Fn(&Msg) -> bool,
    ) -> Option<Msg> {
        let deadline = Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let m = self.messages.recv_timeout(left).ok()?;
            seen.push(m.clone());
            if wanted(&m) {
                return Some(m);
            }
        }
        None
    }

    /// Every message until none has come for `quiet` (at most 10 s).
    fn until_quiet(&self, quiet: Duration) -> Vec<Msg> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while Instant::now() < deadline {
            match self.messages.recv_timeout(quiet) {
                Ok(m) => out.push(m),
                Err(_) => break,
            }
        }
        out
    }
}

/// What a new subscriber to `#` gets at once: the retained messages, topic → payload.
fn retained(port: u16) -> BTreeMap<String, String> {
    let s = Subscriber::new(port, "#");
    s.until_quiet(Duration::from_millis(700))
        .into_iter()
        // events published meanwhile come too, not marked retained
        .filter(|m| m.retain)
        .map(|m| (m.topic, m.payload))
        .collect()
}

/// The sample compound imported into a new data folder.
fn compound() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let import = gateward_in(data.path(), &["import", fixture("demo").to_str().unwrap()]);
    assert!(import.status.success(), "{}", common::stderr(&import));
    data
}

/// A config for the gate 东门 with `cameras` (name, clip, role) and `extra` sections.
fn config(dir: &Path, cameras: &[(&str, &str, &str)], extra: &str) -> PathBuf {
    let mut text = format!("[gate]\nname = \"东门\"\n\n{extra}\n");
    for (name, clip, role) in cameras {
        text.push_str(&format!(
            "\n[[camera]]\nname = \"{name}\"\nsource = \"{}\"\ndirection = \"in\"\nrole = \"{role}\"\nrepeat = true\n",
            fixture(&format!("clips/{clip}")).display()
        ));
    }
    let path = dir.join("gate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const TRUCK: (&str, &str, &str) = ("东门货车道", "truck-arrives.mp4", "plates");
const VIP: (&str, &str, &str) = ("东门人行", "vip-arrives.mp4", "faces");

fn run(data: &Path, config: &Path) -> Running {
    Running::start(
        data,
        &[
            "--config",
            config.to_str().unwrap(),
            "run",
            "--json-events",
            "--no-web",
        ],
    )
}

fn is_truck(e: &Value) -> bool {
    e["kind"] == "vehicle" && e["plate"]["text"] == "川AD2718"
}

#[test]
fn events_and_home_assistant_sensors_reach_the_broker() {
    if !common::has_ffmpeg() {
        return;
    }
    let Some(broker) = Broker::start() else {
        return;
    };
    let _one = one_at_a_time();
    let data = compound();
    let mqtt = format!("[mqtt]\nhost = \"127.0.0.1\"\nport = {}\n", broker.port);
    let config = config(data.path(), &[TRUCK, VIP], &mqtt);
    let live = Subscriber::new(broker.port, "#");
    let running = run(data.path(), &config);

    // the truck and the VIP arrive, each on its gate's topic for its kind
    let is_truck_msg = |m: &Msg| m.topic == "gateward/东门/vehicle" && is_truck(&m.json());
    let is_vip_msg =
        |m: &Msg| m.topic == "gateward/东门/person" && m.json()["person"]["name"] == "王建国";
    let mut seen = Vec::new();
    let deadline = Instant::now() + EVENTS_WITHIN;
    while !(seen.iter().any(is_truck_msg) && seen.iter().any(is_vip_msg)) {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        if live.wait_for(left, &mut seen, |_| true).is_none() {
            break;
        }
    }
    let truck = seen.iter().find(|m| is_truck_msg(m)).cloned();
    let vip = seen.iter().find(|m| is_vip_msg(m)).cloned();
    let mut running = running;
    let truck = truck.unwrap_or_else(|| {
        panic!(
            "no truck on gateward/东门/vehicle; got {:#?}; stderr {:#?}",
            seen.iter().map(|m| &m.topic).collect::<Vec<_>>(),
            running.stderr()
        )
    });
    assert!(
        vip.is_some(),
        "no VIP on gateward/东门/person: {:#?}",
        running.stderr()
    );
    assert!(!truck.retain);
    let event = truck.json();
    assert_eq!(event["event"], "arrival", "{event}");
    assert_eq!(event["gate"], "东门");
    assert_eq!(event["camera"], "东门货车道");
    assert_eq!(event["decision"], "oversize", "{event}");
    assert_eq!(event["plate"]["formatted"], "川A·D2718", "{event}");
    assert_eq!(event["plate"]["colour"], "yellow");
    // the same event, field for field, as the one printed
    let printed = running
        .next_event(Duration::from_secs(10), |e| {
            is_truck(e) && e["event"] == "arrival" && e["track"] == event["track"]
        })
        .expect("the truck's arrival on stdout");
    assert_eq!(printed, event);

    // what Home Assistant finds when it starts: the gate's three sensors, available
    let now = retained(broker.port);
    assert_eq!(
        now.get("gateward/status").map(String::as_str),
        Some("online")
    );
    let discovery = |object: &str| -> Value {
        let topic = format!("homeassistant/sensor/{NODE}/{object}/config");
        let text = now
            .get(&topic)
            .unwrap_or_else(|| panic!("no retained {topic}: {:#?}", now.keys()));
        serde_json::from_str(text).unwrap()
    };
    let plate = discovery("last_plate");
    assert_eq!(plate["name"], "最近车牌");
    assert_eq!(plate["state_topic"], "gateward/东门/last_plate");
    assert_eq!(plate["availability_topic"], "gateward/status");
    assert_eq!(plate["unique_id"], format!("{NODE}_last_plate"));
    assert_eq!(plate["device"]["name"], "gateward 东门");
    assert_eq!(plate["device"]["identifiers"][0], NODE);
    let inside = discovery("vehicles_inside");
    assert_eq!(inside["name"], "在场车辆");
    assert_eq!(inside["unit_of_measurement"], "辆");
    assert_eq!(inside["state_class"], "measurement");
    assert_eq!(inside["state_topic"], "gateward/东门/vehicles_inside");
    let person = discovery("last_person");
    assert_eq!(person["name"], "最近来人");
    assert_eq!(person["state_topic"], "gateward/东门/last_person");
    assert_eq!(person["device"], plate["device"]);

    // a clean stop says offline; the states are those of the last events published
    let (clean, stderr) = running.terminate();
    assert!(clean, "SIGTERM did not stop it cleanly: {stderr:#?}");
    seen.extend(live.until_quiet(Duration::from_millis(700)));
    let last = |topic: &str| -> Value {
        seen.iter()
            .rev()
            .find(|m| m.topic == topic)
            .unwrap_or_else(|| panic!("nothing on {topic}"))
            .json()
    };
    let (last_vehicle, last_person) = (last("gateward/东门/vehicle"), last("gateward/东门/person"));
    let after = retained(broker.port);
    let state = |object: &str| after.get(&format!("gateward/东门/{object}")).cloned();
    assert_eq!(
        after.get("gateward/status").map(String::as_str),
        Some("offline")
    );
    assert_eq!(state("last_plate"), Some("川A·D2718".to_owned()));
    assert_eq!(
        state("last_plate").as_deref(),
        last_vehicle["plate"]["formatted"].as_str()
    );
    assert_eq!(
        state("last_person").as_deref(),
        last_person["person"]["name"].as_str().or(Some("陌生人"))
    );
    // the oversize truck was turned away: no vehicle is inside
    assert_eq!(state("vehicles_inside"), Some("0".to_owned()), "{after:#?}");
}

#[test]
fn the_webhook_receives_each_event_as_json() {
    if !common::has_ffmpeg() {
        return;
    }
    let _one = one_at_a_time();
    // a real HTTP receiver: every JSON body POSTed to /hook comes out of `posts`
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (tx, posts) = channel::<Value>();
    let port = rt.block_on(async move {
        use axum::routing::post;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tx = std::sync::Arc::new(Mutex::new(tx));
        let app = axum::Router::new().route(
            "/hook",
            post(move |axum::Json(body): axum::Json<Value>| {
                let tx = std::sync::Arc::clone(&tx);
                async move {
                    let _ = tx.lock().unwrap().send(body);
                    "ok"
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        port
    });
    let data = compound();
    let hook = format!("[webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\ntimeout_s = 5\n");
    let config = config(data.path(), &[TRUCK], &hook);
    let mut running = run(data.path(), &config);
    let deadline = Instant::now() + EVENTS_WITHIN;
    let mut got = Vec::new();
    let truck = loop {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break None;
        };
        match posts.recv_timeout(left) {
            Ok(e) if is_truck(&e) && e["event"] == "arrival" => break Some(e),
            Ok(e) => got.push(e),
            Err(_) => break None,
        }
    };
    let truck = truck.unwrap_or_else(|| {
        panic!(
            "the webhook got no truck: {got:#?}; stderr {:#?}",
            running.stderr()
        )
    });
    assert_eq!(truck["decision"], "oversize", "{truck}");
    assert_eq!(truck["gate"], "东门");
    assert_eq!(truck["plate"]["formatted"], "川A·D2718");
    let printed = running
        .next_event(Duration::from_secs(10), |e| {
            is_truck(e) && e["event"] == "arrival" && e["track"] == truck["track"]
        })
        .expect("the truck's arrival on stdout");
    assert_eq!(printed, truck);
    let (clean, stderr) = running.terminate();
    assert!(clean, "SIGTERM did not stop it cleanly: {stderr:#?}");
    assert!(
        !stderr.iter().any(|l| l.contains("webhook")),
        "the webhook worked, yet: {stderr:#?}"
    );
}

#[test]
fn a_broker_that_is_not_there_changes_nothing_on_stdout_and_is_named_once() {
    if !common::has_ffmpeg() {
        return;
    }
    let _one = one_at_a_time();
    let data = compound();
    let port = free_port();
    let mqtt = format!("[mqtt]\nhost = \"127.0.0.1\"\nport = {port}\n");
    let config = config(data.path(), &[TRUCK], &mqtt);
    let running = run(data.path(), &config);
    let first = running.next_event(EVENTS_WITHIN, is_truck);
    // a few more tries to connect (1 s, 2 s, 4 s apart): still one warning
    std::thread::sleep(Duration::from_secs(4));
    let (clean, stderr) = running.terminate();
    let first = first.unwrap_or_else(|| panic!("no truck on stdout: {stderr:#?}"));
    assert_eq!(first["decision"], "oversize");
    assert!(clean, "SIGTERM did not stop it cleanly: {stderr:#?}");
    let address = format!("127.0.0.1:{port}");
    let named: Vec<&String> = stderr.iter().filter(|l| l.contains(&address)).collect();
    assert_eq!(
        named.len(),
        1,
        "the broker named once per outage: {stderr:#?}"
    );
    assert!(named[0].contains("WARN"), "{named:#?}");
    assert!(named[0].contains("[mqtt] host and port"), "{named:#?}");
}

#[test]
fn an_https_webhook_is_refused_at_the_start_with_what_to_write() {
    let data = tempfile::tempdir().unwrap();
    let config = config(
        data.path(),
        &[TRUCK],
        "[webhook]\nurl = \"https://example.com/hook\"\n",
    );
    let o = gateward_in(
        data.path(),
        &["--config", config.to_str().unwrap(), "run", "--no-web"],
    );
    let line = common::assert_one_line_error(&o);
    assert!(line.contains("https://example.com/hook"), "{line}");
    assert!(line.contains("http://"), "{line}");
}
