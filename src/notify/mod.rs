//! Notifications: every gate event published over MQTT (with Home Assistant discovery) and
//! POSTed to a webhook, as `[mqtt]` and `[webhook]` in the config ask.
//!
//! Each notifier subscribes to the service's broadcast of events on its own tokio task, so a
//! slow or absent broker or webhook never holds up the cameras, the records or the screen: a
//! notifier that falls behind misses events (and says so in the log), it never makes anyone
//! wait. MQTT reconnects by itself; events while the broker is away are not published (the
//! retained states are brought up to date when it is back). Webhook posts go through a
//! bounded queue to their own thread; when the queue is full an event is dropped with a
//! warning.
//!
//! Use [`prepare`] to check the config before anything starts (a clear error for an https://
//! webhook, say), then [`Plan::start`] inside the tokio runtime, and [`Notifier::stop`] once
//! the service has stopped, to send what is left and leave the broker cleanly.

mod error;
pub mod mqtt;
mod quit;
#[cfg(test)]
pub(crate) mod sample;
pub mod topics;
pub mod webhook;

pub use error::NotifyError;

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::config::Config;
use crate::domain::event::GateEvent;
use crate::store::Store;

/// The notifiers the config asks for, checked, not yet started.
#[derive(Debug, Clone)]
pub struct Plan {
    mqtt: Option<mqtt::MqttPlan>,
    webhook: Option<webhook::WebhookPlan>,
}

/// Checks `[mqtt]` and `[webhook]`; `None` when neither is configured. Does no I/O.
pub fn prepare(config: &Config) -> Result<Option<Plan>, NotifyError> {
    let mqtt = config
        .mqtt
        .as_ref()
        .map(|m| mqtt::MqttPlan::new(m, gates(config)))
        .transpose()?;
    let webhook = config
        .webhook
        .as_ref()
        .map(webhook::WebhookPlan::new)
        .transpose()?;
    Ok((mqtt.is_some() || webhook.is_some()).then_some(Plan { mqtt, webhook }))
}

/// [`prepare`] then [`Plan::start`]: must be called inside a tokio runtime.
pub fn start(
    config: &Config,
    store: Option<Arc<Store>>,
    events: broadcast::Receiver<GateEvent>,
) -> Result<Option<Notifier>, NotifyError> {
    Ok(prepare(config)?.map(|plan| plan.start(store, events)))
}

/// The gates of the config's cameras, each once, in the file's order (the `[gate]` name when
/// there is no camera): their sensors are announced to Home Assistant from the start.
fn gates(config: &Config) -> Vec<String> {
    let mut gates: Vec<String> = Vec::new();
    for c in &config.cameras {
        if !gates.contains(&c.gate) {
            gates.push(c.gate.clone());
        }
    }
    if gates.is_empty() {
        gates.push(config.gate.name.clone());
    }
    gates
}

impl Plan {
    /// Starts the notifiers on their own tasks (must be called inside a tokio runtime).
    /// `store` gives the count of vehicles inside (`None` publishes no count: with
    /// `--no-record` the list is not kept). `events` is a subscription to the service's events;
    /// each notifier gets its own, so one falling behind does not hold up the other.
    pub fn start(
        self,
        store: Option<Arc<Store>>,
        events: broadcast::Receiver<GateEvent>,
    ) -> Notifier {
        let (webhook_events, mqtt_events) = match (&self.webhook, &self.mqtt) {
            (Some(_), Some(_)) => (Some(events.resubscribe()), Some(events)),
            (Some(_), None) => (Some(events), None),
            (None, _) => (None, Some(events)),
        };
        Notifier {
            mqtt: self
                .mqtt
                .zip(mqtt_events)
                .map(|(plan, events)| plan.start(store, events)),
            webhook: self
                .webhook
                .zip(webhook_events)
                .map(|(plan, events)| plan.start(events)),
        }
    }
}

/// The running notifiers.
pub struct Notifier {
    mqtt: Option<mqtt::MqttNotifier>,
    webhook: Option<webhook::WebhookNotifier>,
}

impl Notifier {
    /// Sends the events already received, then leaves: MQTT says `offline` and disconnects;
    /// the webhook gets a few seconds for its queue. Call it after the service has stopped so
    /// that its last events are sent. Never waits long for a broker or webhook that is away.
    pub async fn stop(self) {
        let mqtt = async {
            if let Some(m) = self.mqtt {
                m.stop().await;
            }
        };
        let webhook = async {
            if let Some(w) = self.webhook {
                w.stop().await;
            }
        };
        tokio::join!(mqtt, webhook);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gateward.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), &Default::default()).unwrap()
    }

    #[test]
    fn nothing_configured_starts_nothing() {
        assert!(prepare(&config("")).unwrap().is_none());
    }

    #[test]
    fn an_https_webhook_is_refused_with_what_to_write() {
        let e = prepare(&config("[webhook]\nurl = \"https://example.com/hook\"\n")).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, NotifyError::WebhookHttps { .. }), "{msg}");
        assert!(msg.contains("http://"), "{msg}");
        assert!(msg.contains("[webhook] url"), "{msg}");
    }

    #[test]
    fn a_topic_prefix_with_a_wildcard_is_refused() {
        let e = prepare(&config(
            "[mqtt]\nhost = \"127.0.0.1\"\ntopic_prefix = \"gate/#\"\n",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("topic_prefix"), "{e}");
        let e = prepare(&config("[mqtt]\nhost = \"\"\n")).unwrap_err();
        assert!(matches!(e, NotifyError::MqttHost), "{e}");
        let e = prepare(&config(
            "[mqtt]\nhost = \"broker\"\npassword = \"secret\"\n",
        ))
        .unwrap_err();
        assert!(matches!(e, NotifyError::MqttPassword), "{e}");
    }

    #[test]
    fn the_gates_announced_are_the_cameras_gates_once_each() {
        let c = config(
            "[gate]\nname = \"大门\"\n\n[[camera]]\nname = \"a\"\nsource = \"rtsp://x\"\ngate = \"东门\"\n\n[[camera]]\nname = \"b\"\nsource = \"rtsp://y\"\ngate = \"东门\"\n\n[[camera]]\nname = \"c\"\nsource = \"rtsp://z\"\ngate = \"北门\"\n",
        );
        assert_eq!(gates(&c), ["东门", "北门"]);
        assert_eq!(gates(&config("[gate]\nname = \"大门\"\n")), ["大门"]);
    }
}
