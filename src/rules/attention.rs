//! How much of the guard's attention an arrival asks for, on a busy gate screen: alerts
//! (turn away, tell the shift leader) first, then former staff (treated as visitors, SPEC §3),
//! then VIPs (salute and greet at 5–7 steps, SPEC §1); those stay on the screen until a guard
//! acknowledges them. Every other arrival gives way to the next one.

use crate::domain::event::{GateEvent, Look};
use crate::domain::{EventKind, PersonClass};

/// Where an event stands in the screen's queue: `rank` 0 comes first; `held` cards stay until
/// a guard acknowledges them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attention {
    pub rank: u8,
    pub held: bool,
}

/// The attention `event` asks for.
pub fn attention(event: &GateEvent) -> Attention {
    let class = event.person.as_ref().map(|p| p.class);
    let (rank, held) = match (event.look, class, event.kind) {
        (Look::Alert, _, _) | (_, _, EventKind::Alert) => (0, true),
        (_, Some(PersonClass::FormerStaff), _) => (1, true),
        (Look::Vip, _, _) | (_, Some(PersonClass::Vip), _) => (2, true),
        (Look::Stranger, _, _) => (3, false),
        _ => (4, false),
    };
    Attention { rank, held }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{PersonSeen, VehicleDecision};

    fn with(look: Look, class: Option<PersonClass>) -> GateEvent {
        GateEvent {
            report: crate::domain::event::Report::Arrival,
            track: 1,
            camera: "东门人行".into(),
            gate: "东门".into(),
            kind: EventKind::Person,
            at: chrono::DateTime::parse_from_rfc3339("2026-12-06T07:00:00+08:00").unwrap(),
            stream_s: 0.0,
            direction: None,
            person: class.map(|c| PersonSeen::new(1, "某人", c, 0.9)),
            plate: None,
            say: String::new(),
            actions: vec![],
            notify: vec![],
            decision: None,
            look,
            headline: String::new(),
            bbox: [0.0; 4],
            frame: [1280, 720],
            id: None,
            snapshot: None,
            sighting: None,
            by: None,
        }
    }

    #[test]
    fn alerts_and_vips_wait_for_the_guard_and_come_first() {
        let mut truck = with(Look::Alert, None);
        truck.kind = EventKind::Vehicle;
        truck.decision = Some(VehicleDecision::Oversize);
        let truck = attention(&truck);
        let vip = attention(&with(Look::Vip, Some(PersonClass::Vip)));
        let former = attention(&with(Look::Stranger, Some(PersonClass::FormerStaff)));
        let resident = attention(&with(Look::Known, Some(PersonClass::Resident)));
        let visitor = attention(&with(Look::Stranger, None));
        assert!(truck.held && vip.held && former.held);
        assert!(!resident.held && !visitor.held);
        assert!(truck.rank < former.rank && former.rank < vip.rank);
        assert!(vip.rank < visitor.rank && visitor.rank < resident.rank);
    }
}
