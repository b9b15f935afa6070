//! Residents' habits learned from the gate log: their usual times out and back, and whether they
//! drive or walk ("常在 07:30 左右出门，开车（皖A·G2R28）"). A person's own trips are the gate
//! events that named their face and those of the vehicles registered to them; a household's car
//! is the household's, shown on each member's card, since the log cannot tell who drove it.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime, Timelike};
use chrono_tz::Tz;

use crate::domain::Direction;
use crate::store::{EventKind, GateEvent, VehicleRecord};

/// How many days back the habits are learned from.
pub const DAYS: i64 = 60;
/// The fewest days a time must recur on to be called usual.
pub const MIN_DAYS: usize = 3;
/// Half the width of the window of times counted as the same habit.
pub const WINDOW_MINUTES: u32 = 30;
/// Sightings of the same one, the same way, this close together are one trip (two cameras).
pub const SAME_TRIP_MINUTES: u32 = 5;

/// One passage through the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    /// The gate's local day and time.
    pub day: NaiveDate,
    pub time: NaiveTime,
    pub direction: Option<Direction>,
    /// The plate, formatted, when by car.
    pub car: Option<String>,
}

/// Trips by person and by household (household cars).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trips {
    pub people: HashMap<i64, Vec<Trip>>,
    pub homes: HashMap<i64, Vec<Trip>>,
}

fn minutes(t: NaiveTime) -> u32 {
    t.hour() * 60 + t.minute()
}

/// The trips of `events` (any order), with vehicles' owners from `vehicles`.
pub fn trips(events: &[GateEvent], vehicles: &[VehicleRecord], tz: Tz) -> Trips {
    let mut sorted: Vec<&GateEvent> = events.iter().collect();
    sorted.sort_by_key(|e| e.at);
    let mut out = Trips::default();
    for e in sorted {
        let local = e.at.with_timezone(&tz).naive_local();
        let mut trip = Trip {
            day: local.date(),
            time: local.time(),
            direction: e.direction,
            car: None,
        };
        let list = match (e.kind, e.person_id, &e.plate) {
            (EventKind::Person, Some(p), _) => out.people.entry(p).or_default(),
            (EventKind::Vehicle, _, Some(plate)) => {
                let Some(v) = vehicles.iter().find(|v| &v.plate == plate) else {
                    continue;
                };
                trip.car = Some(crate::domain::plate::format(plate));
                match (v.owner_person_id, v.owner_household_id) {
                    (Some(p), _) => out.people.entry(p).or_default(),
                    (None, Some(h)) => out.homes.entry(h).or_default(),
                    (None, None) => continue,
                }
            }
            _ => continue,
        };
        let repeat = list.last().is_some_and(|last| {
            last.day == trip.day
                && last.direction == trip.direction
                && last.car == trip.car
                && minutes(trip.time).abs_diff(minutes(last.time)) <= SAME_TRIP_MINUTES
        });
        if !repeat {
            list.push(trip);
        }
    }
    out
}

/// A time of day that recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usual {
    /// The median of the times, to 5 minutes.
    pub at: NaiveTime,
    /// On how many days.
    pub days: usize,
}

/// The time of day most of `trips` fall near, if it recurs on [`MIN_DAYS`] days or more and on at
/// least half the days with any of them.
pub fn usual(trips: &[&Trip]) -> Option<Usual> {
    let all_days: BTreeSet<NaiveDate> = trips.iter().map(|t| t.day).collect();
    let mut best: Option<(usize, Vec<u32>)> = None;
    for centre in trips.iter().map(|t| minutes(t.time)) {
        let near: Vec<&&Trip> = trips
            .iter()
            .filter(|t| minutes(t.time).abs_diff(centre) <= WINDOW_MINUTES)
            .collect();
        let days: BTreeSet<NaiveDate> = near.iter().map(|t| t.day).collect();
        if best.as_ref().is_none_or(|(d, _)| days.len() > *d) {
            best = Some((days.len(), near.iter().map(|t| minutes(t.time)).collect()));
        }
    }
    let (days, mut times) = best?;
    if days < MIN_DAYS || days * 2 < all_days.len() {
        return None;
    }
    times.sort_unstable();
    let median = times[times.len() / 2];
    let rounded = ((median + 2) / 5 * 5).min(23 * 60 + 55);
    Some(Usual {
        at: NaiveTime::from_hms_opt(rounded / 60, rounded % 60, 0)?,
        days,
    })
}

/// What the gate log says of one person's or one car's comings and goings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Habits {
    pub leaves: Option<Usual>,
    pub returns: Option<Usual>,
    /// For trips whose direction is unknown.
    pub passes: Option<Usual>,
    pub on_foot: usize,
    pub by_car: usize,
    /// The car most used.
    pub car: Option<String>,
    /// Trips in all.
    pub trips: usize,
}

/// The habits of `trips`.
pub fn habits(trips: &[Trip]) -> Habits {
    let of = |d: Option<Direction>| {
        trips
            .iter()
            .filter(|t| t.direction == d)
            .collect::<Vec<_>>()
    };
    let mut cars: HashMap<&str, usize> = HashMap::new();
    for c in trips.iter().filter_map(|t| t.car.as_deref()) {
        *cars.entry(c).or_default() += 1;
    }
    let car = cars
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.to_owned());
    let by_car = trips.iter().filter(|t| t.car.is_some()).count();
    Habits {
        leaves: usual(&of(Some(Direction::Out))),
        returns: usual(&of(Some(Direction::In))),
        passes: usual(&of(None)),
        on_foot: trips.len() - by_car,
        by_car,
        car,
        trips: trips.len(),
    }
}

impl Habits {
    /// "开车（皖A·G2R28）", "步行" or "" when the trips are mixed.
    fn mode(&self) -> String {
        if self.by_car * 3 >= self.trips * 2 && self.by_car > 0 {
            match &self.car {
                Some(c) => format!("开车（{c}）"),
                None => "开车".into(),
            }
        } else if self.on_foot * 3 >= self.trips * 2 && self.on_foot > 0 {
            "步行".into()
        } else {
            String::new()
        }
    }

    /// The usual times, in words: 常在 07:30 左右出门.
    fn times(&self) -> Vec<String> {
        let when = |u: &Usual| u.at.format("%H:%M").to_string();
        [
            (&self.leaves, "出门"),
            (&self.returns, "回来"),
            (&self.passes, "经过大门"),
        ]
        .into_iter()
        .filter_map(|(u, what)| u.as_ref().map(|u| format!("常在 {} 左右{what}", when(u))))
        .collect()
    }

    /// What a person's card says, in Chinese: one line per habit, none when the log shows no
    /// pattern.
    pub fn lines(&self) -> Vec<String> {
        if self.trips == 0 {
            return Vec::new();
        }
        let mode = self.mode();
        let mut out: Vec<String> = self
            .times()
            .into_iter()
            .map(|t| {
                if mode.is_empty() {
                    t
                } else {
                    format!("{t}，{mode}")
                }
            })
            .collect();
        if out.is_empty() {
            out.push(match mode.as_str() {
                "" => format!("近{DAYS}天经过大门 {} 次，开车、步行都有", self.trips),
                m => format!("近{DAYS}天经过大门 {} 次，多{m}", self.trips),
            });
        }
        out
    }

    /// What a household car's trips say, on each member's card: 家里的车 皖A·G2R28 常在 07:30
    /// 左右出门.
    pub fn car_lines(&self) -> Vec<String> {
        let Some(car) = &self.car else {
            return Vec::new();
        };
        let times = self.times();
        if times.is_empty() {
            return vec![format!("家里的车 {car} 近{DAYS}天进出 {} 次", self.trips)];
        }
        times
            .into_iter()
            .map(|t| format!("家里的车 {car} {t}"))
            .collect()
    }
}

/// People whose trips (their own, or their household car's) fell within `minutes` after the time
/// of day `from` on two days or more, with the number of days, the most first.
pub fn likely(
    trips: &Trips,
    members: &HashMap<i64, Vec<i64>>,
    from: NaiveTime,
    minutes_ahead: u32,
) -> Vec<(i64, usize)> {
    let start = minutes(from);
    let within = |t: &Trip| (minutes(t.time) + 24 * 60 - start) % (24 * 60) < minutes_ahead;
    let mut days: HashMap<i64, BTreeSet<NaiveDate>> = HashMap::new();
    for (p, list) in &trips.people {
        days.entry(*p)
            .or_default()
            .extend(list.iter().filter(|t| within(t)).map(|t| t.day));
    }
    for (h, list) in &trips.homes {
        for p in members.get(h).into_iter().flatten() {
            days.entry(*p)
                .or_default()
                .extend(list.iter().filter(|t| within(t)).map(|t| t.day));
        }
    }
    let mut out: Vec<(i64, usize)> = days
        .into_iter()
        .map(|(p, d)| (p, d.len()))
        .filter(|(_, n)| *n >= 2)
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip(day: u32, hm: (u32, u32), d: Option<Direction>, car: Option<&str>) -> Trip {
        Trip {
            day: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            time: NaiveTime::from_hms_opt(hm.0, hm.1, 0).unwrap(),
            direction: d,
            car: car.map(str::to_owned),
        }
    }

    #[test]
    fn a_time_recurring_on_three_days_is_usual_and_named_to_five_minutes() {
        let out = Some(Direction::Out);
        let t = [
            trip(2, (7, 28), out, None),
            trip(3, (7, 33), out, None),
            trip(4, (7, 31), out, None),
        ];
        let refs: Vec<&Trip> = t.iter().collect();
        let u = usual(&refs).unwrap();
        assert_eq!((u.at.hour(), u.at.minute(), u.days), (7, 30, 3));
        // two days are not a habit
        assert_eq!(usual(&refs[..2]), None);
    }

    #[test]
    fn scattered_times_are_no_habit() {
        let t: Vec<Trip> = (1..=6)
            .map(|d| trip(d, (6 + 2 * d, 0), Some(Direction::Out), None))
            .collect();
        let refs: Vec<&Trip> = t.iter().collect();
        assert_eq!(usual(&refs), None);
    }

    #[test]
    fn the_card_says_when_they_leave_and_come_back_and_by_which_car() {
        let (out, back) = (Some(Direction::Out), Some(Direction::In));
        let car = Some("川A·35D98");
        let mut t = Vec::new();
        for d in 2..=6 {
            t.push(trip(d, (7, 30), out, car));
            t.push(trip(d, (18, 40), back, car));
        }
        t.push(trip(7, (12, 0), out, None));
        assert_eq!(
            habits(&t).lines(),
            [
                "常在 07:30 左右出门，开车（川A·35D98）",
                "常在 18:40 左右回来，开车（川A·35D98）"
            ]
        );
    }

    #[test]
    fn without_a_recurring_time_the_card_says_how_often_and_how() {
        let t = [trip(2, (9, 0), None, None), trip(3, (15, 0), None, None)];
        assert_eq!(habits(&t).lines(), ["近60天经过大门 2 次，多步行"]);
        assert!(habits(&[]).lines().is_empty());
    }

    #[test]
    fn a_household_car_is_named_on_its_own_line() {
        let car = Some("皖A·G2R28");
        let t: Vec<Trip> = (2..=4)
            .map(|d| trip(d, (7, 35), Some(Direction::Out), car))
            .collect();
        assert_eq!(
            habits(&t).car_lines(),
            ["家里的车 皖A·G2R28 常在 07:35 左右出门"]
        );
        assert_eq!(
            habits(&t[..1]).car_lines(),
            ["家里的车 皖A·G2R28 近60天进出 1 次"]
        );
    }

    #[test]
    fn likely_arrivals_are_those_seen_in_the_coming_hour_on_two_days_or_more() {
        let mut trips = Trips::default();
        trips.people.insert(
            1,
            vec![
                trip(2, (7, 40), None, None),
                trip(3, (7, 50), None, None),
                trip(4, (7, 45), None, None),
            ],
        );
        trips.people.insert(
            2,
            vec![trip(2, (7, 40), None, None), trip(3, (12, 0), None, None)],
        );
        trips.homes.insert(
            9,
            vec![
                trip(2, (8, 10), None, Some("川A·1")),
                trip(3, (8, 5), None, Some("川A·1")),
            ],
        );
        let members = HashMap::from([(9, vec![3, 4])]);
        let at = NaiveTime::from_hms_opt(7, 30, 0).unwrap();
        assert_eq!(likely(&trips, &members, at, 60), [(1, 3), (3, 2), (4, 2)]);
        // the hour past midnight wraps
        let late = NaiveTime::from_hms_opt(23, 30, 0).unwrap();
        assert!(likely(&trips, &members, late, 60).is_empty());
    }
}
