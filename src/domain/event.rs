//! The gate event: one typed record of what happened at the gate, made by the pipeline (a person
//! or a vehicle seen) and the desk (a registration, an alert) alike, which the store, the
//! screens, MQTT and the webhook each receive. Enums, not strings: a key is written only when
//! the event is serialised (the JSON of the screen, MQTT, the webhook and `replay --json-events`).

use chrono::{DateTime, FixedOffset};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::{CameraStatus, Direction, EventKind, PersonClass, PlateColour, Post};

vocabulary! {
    /// Where an event stands in its object's life: the first report, or a better view that
    /// changed the answer. The screen's stream names its events by the key.
    Report, "report" {
        /// The first report of a person or vehicle (or a registration made at the desk).
        Arrival = ("arrival", "到达"),
        /// A better view changed the answer: who it is, the plate, or the way.
        Update = ("update", "更新"),
    }
}

vocabulary! {
    /// How the screen shows an event's card: the colour that says at a glance what it is (the
    /// key is the card's CSS class).
    Look, "card look" {
        /// A VIP: gold.
        Vip = ("vip", "贵宾"),
        /// Someone the records know and who may come in: green.
        Known = ("known", "已知"),
        /// A stranger or someone to be treated as a visitor: orange.
        Stranger = ("stranger", "陌生"),
        /// Turn away, tell the shift leader: red.
        Alert = ("alert", "警报"),
        /// A vehicle let in or to register: blue.
        Vehicle = ("vehicle", "车辆"),
    }
}

/// Why a large vehicle may enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exemption {
    /// Police, fire, ambulance, rescue (特种车辆).
    Special,
    /// A moving truck booked for today (搬家车辆).
    BookedMovingTruck,
}

/// What the gate does with a vehicle (SPEC §3); `rules::vehicles` decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VehicleDecision {
    /// A known vehicle (household, VIP, staff) or an exempt one: let in.
    Admit { exempt: Option<Exemption> },
    /// Unknown small vehicle: check a pass or register it (出入证制度、登记制度).
    Register,
    /// Large vehicle (yellow plate or truck/bus) not exempt: turn away and alert.
    Oversize,
    /// On the barred list: refuse.
    Barred,
    /// Carrying dangerous goods: refuse.
    DangerousGoods,
    /// The plate's colour is not certain and the two colours it may be are decided differently
    /// (a yellow plate is turned away, a white one let in): the guard looks first.
    CheckColour {
        /// The likelier colour.
        seen: PlateColour,
        /// The other colour it may be.
        or: PlateColour,
    },
}

impl VehicleDecision {
    /// Stable key for records and JSON.
    pub fn key(self) -> &'static str {
        match self {
            VehicleDecision::Admit { exempt: None } => "admit",
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special),
            } => "admit_special",
            VehicleDecision::Admit {
                exempt: Some(Exemption::BookedMovingTruck),
            } => "admit_moving_truck",
            VehicleDecision::Register => "register",
            VehicleDecision::Oversize => "oversize",
            VehicleDecision::Barred => "barred",
            VehicleDecision::DangerousGoods => "dangerous_goods",
            VehicleDecision::CheckColour { .. } => "check_colour",
        }
    }

    /// Its short Chinese name, for a line of the screen's list.
    pub fn zh(self) -> &'static str {
        match self {
            VehicleDecision::Admit { exempt: None } => "放行",
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special),
            } => "特种车辆放行",
            VehicleDecision::Admit {
                exempt: Some(Exemption::BookedMovingTruck),
            } => "预约搬家车放行",
            VehicleDecision::Register => "需登记",
            VehicleDecision::Oversize => "超限 拒入",
            VehicleDecision::Barred => "禁止进入",
            VehicleDecision::DangerousGoods => "危险品 拒入",
            VehicleDecision::CheckColour { .. } => "核对车牌颜色",
        }
    }

    /// Whether the vehicle is let in (admitted, or registered and let in), not turned away.
    pub fn lets_in(self) -> bool {
        matches!(
            self,
            VehicleDecision::Admit { .. } | VehicleDecision::Register
        )
    }
}

impl Serialize for VehicleDecision {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// The person of a person event, as the records know them. Written with the Chinese name of
/// their class beside its key (`class_zh`).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSeen {
    pub id: i64,
    pub name: String,
    /// The class they are treated as now (someone who left is a visitor or former staff).
    pub class: PersonClass,
    /// The gallery's similarity of the face to theirs.
    pub similarity: f32,
}

impl PersonSeen {
    /// `name` of the records (`id`), treated as `class`, whose face matched with `similarity`.
    pub fn new(id: i64, name: impl Into<String>, class: PersonClass, similarity: f32) -> Self {
        PersonSeen {
            id,
            name: name.into(),
            class,
            similarity,
        }
    }
}

impl Serialize for PersonSeen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("PersonSeen", 5)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("name", &self.name)?;
        out.serialize_field("class", &self.class)?;
        out.serialize_field("class_zh", self.class.zh())?;
        out.serialize_field("similarity", &self.similarity)?;
        out.end()
    }
}

/// The plate of a vehicle event. Written with the Chinese name of its colour beside its key
/// (`colour_zh`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlateSeen {
    /// Clean (京A12345).
    pub text: String,
    /// For people (京A·12345).
    pub formatted: String,
    pub colour: PlateColour,
    /// The other colour the plate may be, when its colour is not certain (the screen asks the
    /// guard to look).
    pub colour_doubt: Option<PlateColour>,
    /// Frames whose readings were voted.
    pub readings: usize,
    /// A large vehicle (4 tonnes and over), and why, in Chinese.
    pub large: bool,
    pub large_reason: Option<String>,
    /// The vehicle's owner and household in the records (张伟, 1-1-101), when it is known.
    pub owner: Option<String>,
    pub household: Option<String>,
}

impl Serialize for PlateSeen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("PlateSeen", 11)?;
        out.serialize_field("text", &self.text)?;
        out.serialize_field("formatted", &self.formatted)?;
        out.serialize_field("colour", &self.colour)?;
        out.serialize_field("colour_zh", self.colour.zh())?;
        out.serialize_field("colour_doubt", &self.colour_doubt)?;
        out.serialize_field("colour_doubt_zh", &self.colour_doubt.map(|c| c.zh()))?;
        out.serialize_field("readings", &self.readings)?;
        out.serialize_field("large", &self.large)?;
        out.serialize_field("large_reason", &self.large_reason)?;
        out.serialize_field("owner", &self.owner)?;
        out.serialize_field("household", &self.household)?;
        out.end()
    }
}

/// One thing that happened at the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateEvent {
    /// The first report or an update of it.
    #[serde(rename = "event")]
    pub report: Report,
    /// The track within its camera's run (0 for an event made at the desk).
    pub track: u64,
    /// The camera that saw it; empty for an event made at the desk.
    pub camera: String,
    pub gate: String,
    /// A person or a vehicle seen; a registration or an alert made at the desk.
    pub kind: EventKind,
    /// Local time at the gate (written as RFC 3339 with the offset: 2026-11-28T07:30:00+08:00).
    #[serde(serialize_with = "rfc3339_seconds")]
    pub at: DateTime<FixedOffset>,
    /// Seconds into the stream (the frame's position in a video, or since the camera started).
    pub stream_s: f64,
    /// `in`, `out`, or absent when unknown.
    pub direction: Option<Direction>,
    pub person: Option<PersonSeen>,
    pub plate: Option<PlateSeen>,
    /// What the rules decide: the words to say, what to do, whom to notify.
    pub say: String,
    pub actions: Vec<String>,
    pub notify: Vec<Post>,
    /// For vehicles, what the gate does with it.
    pub decision: Option<VehicleDecision>,
    /// How the screen shows the card, and the big action on it (敬礼问候, 超限车辆 拒绝进入).
    pub look: Look,
    pub headline: String,
    /// Where in the frame: x1, y1, x2, y2 in the frame's pixels (the face, or the plate).
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// The frame's width and height in pixels (the box's frame of reference).
    pub frame: [u32; 2],
    /// The stored event's id, when recorded (an update refers to its arrival).
    pub id: Option<i64>,
    /// The snapshot (frame with the box drawn), relative to the data folder, when saved.
    pub snapshot: Option<String>,
    /// The recorded face sighting of a person event, which a guard can correct.
    pub sighting: Option<i64>,
    /// Who recorded an event made at the desk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

fn rfc3339_seconds<S: Serializer>(at: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

impl GateEvent {
    /// The local time at the gate as the JSON writes it (2026-11-28T07:30:00+08:00).
    pub fn at_text(&self) -> String {
        self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    /// Whether this is about the same object as `other`: the same camera's same track.
    pub fn same_object(&self, other: &GateEvent) -> bool {
        self.camera == other.camera && self.track == other.track && self.kind == other.kind
    }
}

/// What the guard's screen shows about a camera.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraHealth {
    pub name: String,
    pub gate: String,
    /// `connecting`, `live`, `reconnecting`, `ended` or `stopped`.
    pub state: CameraStatus,
    /// Why the camera is not live, in words an installer can act on.
    pub problem: Option<String>,
    /// Frames read from the camera.
    pub received: u64,
    /// Frames replaced by a newer one before they could be looked at.
    pub dropped: u64,
    /// Frames with motion (looked at) and without (skipped).
    pub looked: u64,
    pub still: u64,
    /// Frames that could not be looked at (a model or records error; see the log).
    pub errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_have_their_keys_and_say_which_let_in() {
        assert_eq!(VehicleDecision::Oversize.key(), "oversize");
        assert_eq!(
            VehicleDecision::Admit {
                exempt: Some(Exemption::BookedMovingTruck)
            }
            .key(),
            "admit_moving_truck"
        );
        assert!(VehicleDecision::Register.lets_in());
        assert!(!VehicleDecision::Oversize.lets_in());
    }

    #[test]
    fn an_event_serialises_keys_and_the_local_time() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T07:30:00+08:00").unwrap();
        let e = GateEvent {
            report: Report::Arrival,
            track: 1,
            camera: "东门".into(),
            gate: "东门".into(),
            kind: EventKind::Person,
            at,
            stream_s: 0.5,
            direction: Some(Direction::In),
            person: Some(PersonSeen::new(3, "王建国", PersonClass::Vip, 0.8)),
            plate: None,
            say: "王总，早上好，欢迎光临".into(),
            actions: vec![],
            notify: vec![Post::OfficeDuty],
            decision: None,
            look: Look::Vip,
            headline: "敬礼问候".into(),
            bbox: [0.0; 4],
            frame: [1280, 720],
            id: None,
            snapshot: None,
            sighting: None,
            by: None,
        };
        let j = serde_json::to_value(&e).unwrap();
        assert_eq!(j["event"], "arrival");
        assert_eq!(j["kind"], "person");
        assert_eq!(j["at"], "2026-11-28T07:30:00+08:00");
        assert_eq!(j["direction"], "in");
        assert_eq!(j["person"]["class"], "vip");
        assert_eq!(j["person"]["class_zh"], "贵宾");
        assert_eq!(j["notify"][0], "office_duty");
        assert_eq!(j["look"], "vip");
        assert!(j.get("by").is_none());
    }
}
