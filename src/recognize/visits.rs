//! One arrival per visit: who has been seen at which gate, going which way, and when last, so
//! that the same person or plate seen again within the window (another camera, the same camera
//! after they turned away, a car reversing at the barrier) is the visit already announced, not
//! a new arrival.
//!
//! The window slides: it counts from the last time the visitor was seen, so someone who stays
//! at the gate for twenty minutes is one visit, and someone who comes back after the window is
//! greeted again. Going in and going out are separate visits.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::Direction;

/// Who was seen.
#[derive(Debug, Clone, PartialEq)]
pub enum Who {
    /// A person in the records.
    Person(i64),
    /// A face nobody enrolled, by its embedding (unit length).
    Stranger(Vec<f32>),
    /// A vehicle, by its normalised plate.
    Plate(String),
}

/// A visit's number, given by [`Visits::arrive`].
pub type VisitNo = u64;

/// What [`Visits::arrive`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrived {
    /// A new visit: announce it, then tell [`Visits::recorded`] its stored arrival.
    New(VisitNo),
    /// The visit `no` is still open: this is the same visitor; `arrival` is its stored
    /// arrival, when it was recorded.
    Again { no: VisitNo, arrival: Option<i64> },
}

impl Arrived {
    /// The visit's number, new or not.
    pub fn no(self) -> VisitNo {
        match self {
            Arrived::New(no) | Arrived::Again { no, .. } => no,
        }
    }
}

#[derive(Debug, Clone)]
struct Visit {
    no: VisitNo,
    gate: String,
    who: Who,
    direction: Option<Direction>,
    arrival: Option<i64>,
    last: DateTime<Utc>,
}

/// The open visits of one box's gates.
#[derive(Debug, Clone)]
pub struct Visits {
    window: Duration,
    /// Least cosine similarity for two faces nobody enrolled to be the same stranger.
    same_stranger: f32,
    open: Vec<Visit>,
    next: VisitNo,
}

impl Visits {
    /// No visit open yet. `window`: how long after the last sighting a visit stays open (zero:
    /// every sighting is a new arrival); `same_stranger`: the least cosine similarity of two
    /// faces of one stranger (the gallery's naming threshold is a good one).
    pub fn new(window: Duration, same_stranger: f32) -> Visits {
        Visits {
            window,
            same_stranger,
            open: Vec::new(),
            next: 1,
        }
    }

    /// The window visits stay open for.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// `who` was seen at `gate` going `direction` at `at`: the visit still open for them, or a
    /// new one.
    pub fn arrive(
        &mut self,
        gate: &str,
        who: Who,
        direction: Option<Direction>,
        at: DateTime<Utc>,
    ) -> Arrived {
        self.close_before(at);
        if !self.window.is_zero() {
            let same = self.open.iter_mut().find(|v| {
                v.gate == gate && v.direction == direction && same(&v.who, &who, self.same_stranger)
            });
            if let Some(v) = same {
                v.last = v.last.max(at);
                return Arrived::Again {
                    no: v.no,
                    arrival: v.arrival,
                };
            }
        }
        let no = self.next;
        self.next += 1;
        self.open.push(Visit {
            no,
            gate: gate.to_owned(),
            who,
            direction,
            arrival: None,
            last: at,
        });
        Arrived::New(no)
    }

    /// The visit `no` was recorded as the arrival `arrival`: later sightings refer to it.
    pub fn recorded(&mut self, no: VisitNo, arrival: i64) {
        if let Some(v) = self.open.iter_mut().find(|v| v.no == no) {
            v.arrival = Some(arrival);
        }
    }

    /// The visitor of visit `no` is still in view at `at`: the window counts from now.
    pub fn seen(&mut self, no: VisitNo, at: DateTime<Utc>) {
        if let Some(v) = self.open.iter_mut().find(|v| v.no == no) {
            v.last = v.last.max(at);
        }
    }

    /// How many visits are open (for tests and health).
    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Forgets the visits last seen longer than the window before `now`: nothing about a
    /// visitor is kept once their visit is over.
    fn close_before(&mut self, now: DateTime<Utc>) {
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        self.open
            .retain(|v| now.signed_duration_since(v.last) <= window);
    }
}

fn same(a: &Who, b: &Who, same_stranger: f32) -> bool {
    match (a, b) {
        (Who::Person(a), Who::Person(b)) => a == b,
        (Who::Plate(a), Who::Plate(b)) => a == b,
        (Who::Stranger(a), Who::Stranger(b)) => {
            a.len() == b.len() && a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() >= same_stranger
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap() + chrono::Duration::seconds(s)
    }

    fn five_minutes() -> Visits {
        Visits::new(Duration::from_secs(300), 0.4)
    }

    #[test]
    fn the_same_person_within_the_window_is_one_visit() {
        let mut v = five_minutes();
        let first = v.arrive("东门", Who::Person(7), Some(Direction::In), t(0));
        assert_eq!(first, Arrived::New(1));
        v.recorded(first.no(), 42);
        // another camera, four minutes later
        assert_eq!(
            v.arrive("东门", Who::Person(7), Some(Direction::In), t(240)),
            Arrived::Again {
                no: 1,
                arrival: Some(42)
            }
        );
        // the window slid: four more minutes from the last sighting is still the visit
        assert!(matches!(
            v.arrive("东门", Who::Person(7), Some(Direction::In), t(480)),
            Arrived::Again { no: 1, .. }
        ));
    }

    #[test]
    fn after_the_window_the_visitor_is_greeted_again() {
        let mut v = five_minutes();
        v.arrive("东门", Who::Person(7), Some(Direction::In), t(0));
        assert_eq!(
            v.arrive("东门", Who::Person(7), Some(Direction::In), t(301)),
            Arrived::New(2)
        );
        // the closed visit was forgotten
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn still_in_view_keeps_the_visit_open() {
        let mut v = five_minutes();
        let no = v
            .arrive("东门", Who::Plate("川A8H458".into()), None, t(0))
            .no();
        v.seen(no, t(290));
        assert!(matches!(
            v.arrive("东门", Who::Plate("川A8H458".into()), None, t(580)),
            Arrived::Again { .. }
        ));
    }

    #[test]
    fn another_gate_another_way_or_another_person_is_a_new_arrival() {
        let mut v = five_minutes();
        v.arrive("东门", Who::Person(7), Some(Direction::In), t(0));
        assert!(matches!(
            v.arrive("西门", Who::Person(7), Some(Direction::In), t(1)),
            Arrived::New(_)
        ));
        assert!(matches!(
            v.arrive("东门", Who::Person(7), Some(Direction::Out), t(2)),
            Arrived::New(_)
        ));
        assert!(matches!(
            v.arrive("东门", Who::Person(8), Some(Direction::In), t(3)),
            Arrived::New(_)
        ));
        assert!(matches!(
            v.arrive("东门", Who::Plate("7".into()), Some(Direction::In), t(4)),
            Arrived::New(_)
        ));
    }

    #[test]
    fn strangers_are_told_apart_by_their_faces() {
        let mut v = five_minutes();
        let a = vec![1.0, 0.0, 0.0];
        let a_again = vec![0.8, 0.6, 0.0];
        let b = vec![0.0, 0.0, 1.0];
        v.arrive("东门", Who::Stranger(a), None, t(0));
        assert!(matches!(
            v.arrive("东门", Who::Stranger(a_again), None, t(10)),
            Arrived::Again { .. }
        ));
        assert!(matches!(
            v.arrive("东门", Who::Stranger(b), None, t(20)),
            Arrived::New(_)
        ));
    }

    #[test]
    fn a_zero_window_makes_every_sighting_an_arrival() {
        let mut v = Visits::new(Duration::ZERO, 0.4);
        v.arrive("东门", Who::Person(7), None, t(0));
        assert!(matches!(
            v.arrive("东门", Who::Person(7), None, t(0)),
            Arrived::New(_)
        ));
    }
}
