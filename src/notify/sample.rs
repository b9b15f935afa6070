//! A gate event for the notifiers' tests.

use crate::domain::event::GateEvent;

/// A gate event at 东门 of `kind`, with nobody and no plate, for the tests.
pub(crate) fn sample_event(kind: &str) -> GateEvent {
    use crate::domain::event::{Look, Report};
    GateEvent {
        report: Report::Arrival,
        track: 3,
        camera: "东门车道".into(),
        gate: "东门".into(),
        kind: kind.parse().expect("an event kind"),
        at: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:20:00+08:00")
            .expect("a valid time"),
        stream_s: 1.5,
        direction: Some(crate::domain::Direction::In),
        person: None,
        plate: None,
        say: "您好".into(),
        actions: vec![],
        notify: vec![crate::domain::Post::OfficeDuty],
        decision: None,
        look: Look::Stranger,
        headline: "访客登记".into(),
        bbox: [1.0, 2.0, 3.0, 4.0],
        frame: [1280, 720],
        id: Some(7),
        snapshot: None,
        sighting: None,
        by: None,
    }
}
