//! A guard's progress toward the target of SPEC §6: 80% of the households known within three
//! months of starting, with the count day by day for the chart.

use std::collections::HashMap;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;

use super::Roster;
use super::schedule::{self, CardState};
use crate::domain::training::CardKey;
use crate::store::TrainingAnswer;

/// The share of households a new guard must know.
pub const TARGET_PERCENT: u32 = 80;
/// Within how many months of starting.
pub const TARGET_MONTHS: u32 = 3;
/// The chart shows at most this many points (one a day, or one a week for a long history).
const MAX_POINTS: usize = 120;

/// One household and how well the guard knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HomeProgress {
    pub id: i64,
    pub code: String,
    /// Every card about it is secure.
    pub known: bool,
    /// Its cards that are secure, and all its cards.
    pub secure: usize,
    pub cards: usize,
}

/// Known households on one day (at its end, the gate's time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Point {
    pub day: NaiveDate,
    pub known: usize,
}

/// Where a guard stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Households with members, and those the guard knows.
    pub total: usize,
    pub known: usize,
    /// `known` / `total`, in whole percent (rounded down).
    pub percent: u32,
    pub target_percent: u32,
    /// Households to know to reach the target.
    pub target_count: usize,
    /// The day the guard started (the day of their first answer when the records do not say),
    /// and three months after it.
    pub started: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// `started` is the day of the first answer: the user's start date is not recorded.
    pub started_unrecorded: bool,
    /// The target is reached.
    pub reached: bool,
    /// Cards in the deck, answered at least once, secure, and due now.
    pub cards: usize,
    pub seen: usize,
    pub secure: usize,
    pub due: usize,
    pub answers: usize,
    pub homes: Vec<HomeProgress>,
    /// Known households day by day, from the start (or the first answer) to today.
    pub history: Vec<Point>,
}

/// Households of `roster` whose cards are all secure in `states`.
fn homes(roster: &Roster, states: &HashMap<CardKey, CardState>) -> Vec<HomeProgress> {
    roster
        .homes
        .iter()
        .map(|h| {
            let cards = roster.home_cards(h);
            let secure = cards
                .iter()
                .filter(|c| states.get(c).is_some_and(CardState::secure))
                .count();
            HomeProgress {
                id: h.id,
                code: h.code.clone(),
                known: secure == cards.len(),
                secure,
                cards: cards.len(),
            }
        })
        .collect()
}

fn known(roster: &Roster, states: &HashMap<CardKey, CardState>) -> usize {
    homes(roster, states).iter().filter(|h| h.known).count()
}

/// Households known and in all, and the share known in whole percent (rounded down).
pub fn standing(roster: &Roster, states: &HashMap<CardKey, CardState>) -> (usize, usize, u32) {
    let known = known(roster, states);
    let total = roster.homes.len();
    (
        known,
        total,
        (known * 100).checked_div(total).unwrap_or(0) as u32,
    )
}

/// The gate's local day of `at`.
fn day_of(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The progress of a guard who started on `started` and gave `answers` (in time order), at `now`.
pub fn progress(
    roster: &Roster,
    answers: &[TrainingAnswer],
    started: Option<NaiveDate>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Progress {
    let states = schedule::states(answers);
    let deck = roster.deck();
    let from = started.or_else(|| answers.first().map(|a| day_of(a.at, tz)));
    let homes = homes(roster, &states);
    let total = homes.len();
    let known_now = homes.iter().filter(|h| h.known).count();
    let target_count = (total * TARGET_PERCENT as usize).div_ceil(100);
    let today = day_of(now, tz);
    let first = started
        .into_iter()
        .chain(answers.first().map(|a| day_of(a.at, tz)))
        .min()
        .unwrap_or(today)
        .min(today);
    let span = (today - first).num_days().max(0) as usize + 1;
    let step = span.div_ceil(MAX_POINTS).max(1);
    let mut history = Vec::new();
    let mut day = first;
    let mut applied = 0;
    // the states at the end of each day, carried forward answer by answer
    let mut so_far = HashMap::new();
    loop {
        let end = day
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map(|d| d.with_timezone(&Utc));
        while applied < answers.len() && end.is_none_or(|e| answers[applied].at < e) {
            schedule::apply(&mut so_far, &answers[applied]);
            applied += 1;
        }
        if day >= today {
            history.push(Point {
                day: today,
                known: known_now,
            });
            break;
        }
        history.push(Point {
            day,
            known: known(roster, &so_far),
        });
        match day.checked_add_days(Days::new(step as u64)) {
            Some(d) => day = d.min(today),
            None => break,
        }
    }
    Progress {
        total,
        known: known_now,
        percent: (known_now * 100).checked_div(total).unwrap_or(0) as u32,
        target_percent: TARGET_PERCENT,
        target_count,
        started: from,
        deadline: from.and_then(|s| s.checked_add_months(Months::new(TARGET_MONTHS))),
        started_unrecorded: started.is_none() && from.is_some(),
        reached: total > 0 && known_now >= target_count,
        cards: deck.len(),
        seen: deck.iter().filter(|c| states.contains_key(c)).count(),
        secure: deck
            .iter()
            .filter(|c| states.get(c).is_some_and(CardState::secure))
            .count(),
        due: deck
            .iter()
            .filter(|c| states.get(c).is_some_and(|s| s.due <= now))
            .count(),
        answers: answers.len(),
        homes,
        history,
    }
}
