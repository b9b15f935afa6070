//! MQTT topic names and payloads, pure: which messages one gate event makes, and the Home
//! Assistant discovery configs of a gate's sensors. No I/O; [`super::mqtt`] sends them.

use serde_json::json;

use crate::domain::EventKind;
use crate::domain::event::GateEvent;

/// What the last-person sensor says when the face was not recognised.
pub const STRANGER: &str = "陌生人";

/// The availability payloads of `{prefix}/status`.
pub const ONLINE: &str = "online";
pub const OFFLINE: &str = "offline";

/// One message to publish (QoS 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: String,
    /// Kept by the broker for whoever subscribes later (states, availability, discovery).
    pub retain: bool,
}

/// The retained state sensors each gate has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensor {
    /// The formatted plate of the last vehicle (川A·8H458).
    LastPlate,
    /// How many vehicles are inside the compound now.
    VehiclesInside,
    /// The name of the last person, or 陌生人.
    LastPerson,
}

impl Sensor {
    pub const ALL: [Sensor; 3] = [
        Sensor::LastPlate,
        Sensor::VehiclesInside,
        Sensor::LastPerson,
    ];

    /// The last topic segment of its state, and its object id in discovery.
    pub fn object(self) -> &'static str {
        match self {
            Sensor::LastPlate => "last_plate",
            Sensor::VehiclesInside => "vehicles_inside",
            Sensor::LastPerson => "last_person",
        }
    }

    /// Its name in Home Assistant (the guard's language).
    pub fn name(self) -> &'static str {
        match self {
            Sensor::LastPlate => "最近车牌",
            Sensor::VehiclesInside => "在场车辆",
            Sensor::LastPerson => "最近来人",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Sensor::LastPlate => "mdi:card-text-outline",
            Sensor::VehiclesInside => "mdi:car-multiple",
            Sensor::LastPerson => "mdi:account",
        }
    }
}

/// A gate's name as one topic level: MQTT allows any UTF-8, but `/` would split the level and
/// `+` `#` are wildcards (and NUL is forbidden), so those are removed. A name left empty is
/// `gate`.
pub fn topic_segment(gate: &str) -> String {
    let s: String = gate
        .chars()
        .filter(|c| !matches!(c, '/' | '+' | '#' | '\0'))
        .collect();
    let s = s.trim();
    if s.is_empty() {
        "gate".to_owned()
    } else {
        s.to_owned()
    }
}

/// A gate's name as an id Home Assistant accepts (`[a-zA-Z0-9_-]`): the name itself when it
/// is made of those characters only, else the hex of its UTF-8 bytes (东门 → `e4b89ce997a8`),
/// which is stable and never collides for two different names.
pub fn gate_slug(gate: &str) -> String {
    let gate = gate.trim();
    if gate.is_empty() {
        "gate".to_owned()
    } else if gate
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        gate.to_owned()
    } else {
        hex::encode(gate.as_bytes())
    }
}

/// The topic names, from `[mqtt] topic_prefix` and `discovery_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    pub prefix: String,
    pub discovery_prefix: String,
}

impl Topics {
    /// Every event of `kind` (person, vehicle) at `gate`, as JSON: `{prefix}/{gate}/{kind}`.
    pub fn event(&self, gate: &str, kind: &str) -> String {
        format!("{}/{}/{}", self.prefix, topic_segment(gate), kind)
    }

    /// A sensor's retained state: `{prefix}/{gate}/{object}`.
    pub fn state(&self, gate: &str, sensor: Sensor) -> String {
        format!(
            "{}/{}/{}",
            self.prefix,
            topic_segment(gate),
            sensor.object()
        )
    }

    /// Availability, retained: `online`, or `offline` (also the last will).
    pub fn status(&self) -> String {
        format!("{}/status", self.prefix)
    }

    /// A sensor's discovery config:
    /// `{discovery_prefix}/sensor/gateward_{slug}/{object}/config`.
    pub fn discovery(&self, gate: &str, sensor: Sensor) -> String {
        format!(
            "{}/sensor/{}/{}/config",
            self.discovery_prefix,
            node_id(gate),
            sensor.object()
        )
    }

    /// The retained discovery config of `sensor` at `gate`, for Home Assistant.
    pub fn discovery_config(&self, gate: &str, sensor: Sensor) -> Message {
        let node = node_id(gate);
        let mut config = json!({
            "name": sensor.name(),
            "unique_id": format!("{node}_{}", sensor.object()),
            "state_topic": self.state(gate, sensor),
            "availability_topic": self.status(),
            "payload_available": ONLINE,
            "payload_not_available": OFFLINE,
            "icon": sensor.icon(),
            "has_entity_name": true,
            "device": {
                "identifiers": [node],
                "name": format!("gateward {}", gate.trim()),
                "manufacturer": "gateward",
                "model": "门岗助手 gate assistant",
                "sw_version": env!("CARGO_PKG_VERSION"),
            },
            "origin": {
                "name": "gateward",
                "sw_version": env!("CARGO_PKG_VERSION"),
            },
        });
        if sensor == Sensor::VehiclesInside {
            config["unit_of_measurement"] = json!("辆");
            config["state_class"] = json!("measurement");
        }
        Message {
            topic: self.discovery(gate, sensor),
            payload: config.to_string(),
            retain: true,
        }
    }

    /// A sensor's state, retained.
    pub fn state_message(&self, gate: &str, sensor: Sensor, value: String) -> Message {
        Message {
            topic: self.state(gate, sensor),
            payload: value,
            retain: true,
        }
    }

    /// What one event makes: the event as JSON on its kind's topic, then the state it changes
    /// (the last plate of a vehicle, the last person). The count of vehicles inside comes from
    /// the records and is added by the sender.
    pub fn event_messages(&self, e: &GateEvent) -> Result<Vec<Message>, serde_json::Error> {
        let mut out = vec![Message {
            topic: self.event(&e.gate, e.kind.key()),
            payload: serde_json::to_string(e)?,
            retain: false,
        }];
        if let Some(plate) = &e.plate {
            out.push(self.state_message(&e.gate, Sensor::LastPlate, plate.formatted.clone()));
        } else if e.kind == EventKind::Person {
            let name = e
                .person
                .as_ref()
                .map_or_else(|| STRANGER.to_owned(), |p| p.name.clone());
            out.push(self.state_message(&e.gate, Sensor::LastPerson, name));
        }
        Ok(out)
    }
}

/// The gate's device id in Home Assistant: `gateward_{slug}`.
pub fn node_id(gate: &str) -> String {
    format!("gateward_{}", gate_slug(gate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{PersonSeen, PlateSeen, VehicleDecision};
    use crate::domain::{PersonClass, PlateColour};

    fn topics() -> Topics {
        Topics {
            prefix: "gateward".into(),
            discovery_prefix: "homeassistant".into(),
        }
    }

    fn event(kind: &'static str) -> GateEvent {
        crate::notify::sample::sample_event(kind)
    }

    #[test]
    fn a_chinese_gate_name_is_kept_in_topics_without_wildcards_or_slashes() {
        assert_eq!(topic_segment("东门"), "东门");
        assert_eq!(topic_segment("东/门+#"), "东门");
        assert_eq!(topic_segment(" 北门 "), "北门");
        assert_eq!(topic_segment("/#"), "gate");
        let t = topics();
        assert_eq!(t.event("东门", "vehicle"), "gateward/东门/vehicle");
        assert_eq!(t.event("a/b", "person"), "gateward/ab/person");
        assert_eq!(
            t.state("东门", Sensor::LastPlate),
            "gateward/东门/last_plate"
        );
        assert_eq!(
            t.state("东门", Sensor::VehiclesInside),
            "gateward/东门/vehicles_inside"
        );
        assert_eq!(
            t.state("东门", Sensor::LastPerson),
            "gateward/东门/last_person"
        );
        assert_eq!(t.status(), "gateward/status");
    }

    #[test]
    fn gate_slugs_are_ascii_ids_and_differ_for_different_gates() {
        assert_eq!(gate_slug("东门"), "e4b89ce997a8");
        assert_eq!(gate_slug("North-Gate_2"), "North-Gate_2");
        assert_eq!(gate_slug("Gate 2"), hex::encode("Gate 2"));
        assert_ne!(gate_slug("东门"), gate_slug("西门"));
        for g in ["东门", "Gate 2", "北门/2", "", "a+b"] {
            let s = gate_slug(g);
            assert!(
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{g}: {s}"
            );
        }
        assert_eq!(
            topics().discovery("东门", Sensor::LastPlate),
            "homeassistant/sensor/gateward_e4b89ce997a8/last_plate/config"
        );
    }

    #[test]
    fn discovery_configs_name_the_sensor_its_state_and_the_gate_device() {
        let t = topics();
        let m = t.discovery_config("东门", Sensor::VehiclesInside);
        assert!(m.retain);
        let c: serde_json::Value = serde_json::from_str(&m.payload).unwrap();
        assert_eq!(c["name"], "在场车辆");
        assert_eq!(c["unique_id"], "gateward_e4b89ce997a8_vehicles_inside");
        assert_eq!(c["state_topic"], "gateward/东门/vehicles_inside");
        assert_eq!(c["availability_topic"], "gateward/status");
        assert_eq!(c["unit_of_measurement"], "辆");
        assert_eq!(c["state_class"], "measurement");
        assert_eq!(c["device"]["name"], "gateward 东门");
        assert_eq!(c["device"]["identifiers"][0], "gateward_e4b89ce997a8");
        assert_eq!(c["device"]["manufacturer"], "gateward");
        let plate: serde_json::Value =
            serde_json::from_str(&t.discovery_config("东门", Sensor::LastPlate).payload).unwrap();
        assert_eq!(plate["name"], "最近车牌");
        assert!(plate.get("unit_of_measurement").is_none(), "{plate}");
        // every sensor of a gate has its own unique id, the same device
        let ids: std::collections::HashSet<String> = Sensor::ALL
            .iter()
            .map(|s| {
                let c: serde_json::Value =
                    serde_json::from_str(&t.discovery_config("东门", *s).payload).unwrap();
                assert_eq!(c["device"]["identifiers"][0], "gateward_e4b89ce997a8");
                c["unique_id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn a_vehicle_event_gives_its_json_and_the_formatted_last_plate() {
        let mut e = event("vehicle");
        e.decision = Some(VehicleDecision::Oversize);
        e.plate = Some(PlateSeen {
            text: "川AD2718".into(),
            formatted: "川A·D2718".into(),
            colour: PlateColour::Yellow,
            colour_doubt: None,
            readings: 5,
            large: true,
            large_reason: Some("黄色号牌".into()),
            owner: None,
            household: None,
        });
        let m = topics().event_messages(&e).unwrap();
        assert_eq!(m.len(), 2, "{m:#?}");
        assert_eq!(m[0].topic, "gateward/东门/vehicle");
        assert!(!m[0].retain);
        let json: serde_json::Value = serde_json::from_str(&m[0].payload).unwrap();
        assert_eq!(json["plate"]["text"], "川AD2718");
        assert_eq!(json["decision"], "oversize");
        assert_eq!(json["box"][2], 3.0);
        assert_eq!(
            m[1],
            Message {
                topic: "gateward/东门/last_plate".into(),
                payload: "川A·D2718".into(),
                retain: true
            }
        );
    }

    #[test]
    fn a_person_event_gives_the_name_or_stranger_as_last_person() {
        let t = topics();
        let stranger = t.event_messages(&event("person")).unwrap();
        assert_eq!(stranger[0].topic, "gateward/东门/person");
        assert_eq!(stranger[1].topic, "gateward/东门/last_person");
        assert_eq!(stranger[1].payload, STRANGER);
        let mut vip = event("person");
        vip.person = Some(PersonSeen::new(1, "王建国", PersonClass::Vip, 0.8));
        let m = t.event_messages(&vip).unwrap();
        assert_eq!(m[1].payload, "王建国");
        assert!(m[1].retain);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Whatever a gate is called and whatever the rules say, the event's JSON parses back
        /// with the same words, and its topic has no wildcard, NUL or extra level.
        #[test]
        fn any_gate_and_words_make_valid_json_on_a_clean_topic(
            gate in proptest::prelude::any::<String>(),
            say in proptest::prelude::any::<String>(),
            stream_s in proptest::prelude::any::<f64>(),
        ) {
            let mut e = event("person");
            e.gate = gate.clone();
            e.say = say.clone();
            e.stream_s = stream_s;
            let m = topics().event_messages(&e).unwrap();
            let json: serde_json::Value = serde_json::from_str(&m[0].payload).unwrap();
            proptest::prop_assert_eq!(json["say"].as_str(), Some(say.as_str()));
            proptest::prop_assert_eq!(json["gate"].as_str(), Some(gate.as_str()));
            let levels: Vec<&str> = m[0].topic.split('/').collect();
            proptest::prop_assert_eq!(levels.len(), 3, "{}", m[0].topic);
            proptest::prop_assert!(!m[0].topic.contains(['+', '#', '\0']));
            let slug = gate_slug(&gate);
            proptest::prop_assert!(slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
    }
}
