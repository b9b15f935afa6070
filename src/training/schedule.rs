//! The spaced-repetition schedule (SM-2, two answers: right or wrong): each card's state is
//! worked out from the guard's answers, so a card answered wrong comes back in minutes and one
//! answered right comes back after a day, then six, then ever longer.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::training::CardKey;
use crate::store::TrainingAnswer;

/// How soon a card answered wrong comes back.
pub const AGAIN_AFTER: Duration = Duration::minutes(10);
/// The ease a new card starts with (SM-2).
pub const START_EASE: f64 = 2.5;
/// The lowest ease (SM-2).
pub const MIN_EASE: f64 = 1.3;
/// How much a wrong answer lowers the ease.
pub const EASE_PENALTY: f64 = 0.2;
/// Right answers in a row, each given when the card was due, that make a card secure.
pub const SECURE_AFTER: u32 = 2;

/// Where a card stands after the answers given so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardState {
    /// Right answers in a row, each given when the card was due; 0 after a wrong answer.
    pub streak: u32,
    /// The wait after the last counted review.
    pub interval: Duration,
    pub ease: f64,
    /// When the card should be asked again.
    pub due: DateTime<Utc>,
    /// When it was last answered.
    pub last: DateTime<Utc>,
    pub answers: u32,
    pub wrong: u32,
}

impl CardState {
    /// The state of a card answered for the first time at `at`.
    fn first(correct: bool, at: DateTime<Utc>) -> CardState {
        let new = CardState {
            streak: 0,
            interval: Duration::zero(),
            ease: START_EASE,
            due: at,
            last: at,
            answers: 0,
            wrong: 0,
        };
        new.after(correct, at)
    }

    /// The state after an answer at `at`.
    ///
    /// - Wrong: the streak ends, the ease drops, and the card is due again in [`AGAIN_AFTER`].
    /// - Right when due: the streak grows and the next review is 1 day, then 6 days, then the
    ///   previous interval × ease later.
    /// - Right before it is due (practice): nothing changes but the count.
    pub fn after(self, correct: bool, at: DateTime<Utc>) -> CardState {
        let mut s = self;
        s.answers += 1;
        s.last = at;
        if !correct {
            s.wrong += 1;
            s.streak = 0;
            s.ease = (s.ease - EASE_PENALTY).max(MIN_EASE);
            s.interval = Duration::zero();
            s.due = at + AGAIN_AFTER;
            return s;
        }
        if at < s.due {
            return s;
        }
        s.streak += 1;
        s.interval = match s.streak {
            1 => Duration::days(1),
            2 => Duration::days(6),
            _ => {
                let secs = s.interval.num_seconds() as f64 * s.ease;
                Duration::seconds(secs.round() as i64)
            }
        };
        s.due = at + s.interval;
        s
    }

    /// Answered right on [`SECURE_AFTER`] spaced reviews in a row and not wrong since.
    pub fn secure(&self) -> bool {
        self.streak >= SECURE_AFTER
    }
}

/// Every card's state after `answers` (in time order); cards never answered are absent.
pub fn states(answers: &[TrainingAnswer]) -> HashMap<CardKey, CardState> {
    let mut out: HashMap<CardKey, CardState> = HashMap::new();
    for a in answers {
        apply(&mut out, a);
    }
    out
}

/// `states` after one more answer, `a` (later than those already applied).
pub fn apply(states: &mut HashMap<CardKey, CardState>, a: &TrainingAnswer) {
    let next = match states.get(&a.card) {
        Some(s) => s.after(a.correct, a.at),
        None => CardState::first(a.correct, a.at),
    };
    states.insert(a.card, next);
}

/// What to ask next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A card seen before whose review is due.
    Due(CardKey),
    /// A card never seen.
    New(CardKey),
    /// Practice: nothing is due and no new card is left for today; the card whose review comes
    /// soonest (answering it early changes nothing).
    Practice(CardKey),
    /// Nothing to ask.
    Nothing,
}

/// The card to ask from `deck` (in its order of introduction) at `now`: the most overdue card
/// first, then a new card while fewer than `new_left` were begun today; with `practice`, the
/// card due soonest when there is nothing else.
pub fn next(
    deck: &[CardKey],
    states: &HashMap<CardKey, CardState>,
    now: DateTime<Utc>,
    new_left: usize,
    practice: bool,
) -> Next {
    let due = deck
        .iter()
        .filter_map(|c| states.get(c).map(|s| (c, s)))
        .filter(|(_, s)| s.due <= now)
        .min_by_key(|(c, s)| (s.due, **c));
    if let Some((c, _)) = due {
        return Next::Due(*c);
    }
    if new_left > 0
        && let Some(c) = deck.iter().find(|c| !states.contains_key(c))
    {
        return Next::New(*c);
    }
    if practice {
        let soonest = deck
            .iter()
            .filter_map(|c| states.get(c).map(|s| (c, s)))
            .min_by_key(|(c, s)| (s.due, s.last, **c));
        if let Some((c, _)) = soonest {
            return Next::Practice(*c);
        }
        if let Some(c) = deck.first() {
            return Next::Practice(*c);
        }
    }
    Next::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::training::{Exercise, Subject};

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap() + Duration::hours(h)
    }

    fn card(id: i64) -> CardKey {
        CardKey {
            exercise: Exercise::FaceName,
            subject: Subject::Person(id),
        }
    }

    fn answer(id: i64, at: DateTime<Utc>, correct: bool) -> TrainingAnswer {
        TrainingAnswer {
            card: card(id),
            at,
            correct,
        }
    }

    #[test]
    fn a_wrong_answer_comes_back_in_minutes_a_right_one_after_a_day() {
        let s = states(&[answer(1, t(0), false), answer(2, t(0), true)]);
        assert_eq!(s[&card(1)].due, t(0) + AGAIN_AFTER);
        assert_eq!(s[&card(2)].due, t(24));
        assert!(s[&card(1)].due < s[&card(2)].due);
    }

    #[test]
    fn right_answers_when_due_space_out_one_then_six_then_ease_times() {
        let mut s = CardState::first(true, t(0));
        assert_eq!((s.streak, s.interval), (1, Duration::days(1)));
        s = s.after(true, t(24));
        assert_eq!((s.streak, s.interval), (2, Duration::days(6)));
        assert!(s.secure());
        s = s.after(true, t(24 + 6 * 24));
        assert_eq!(s.interval, Duration::days(15));
        assert_eq!(s.due, t(24 + 6 * 24) + Duration::days(15));
    }

    #[test]
    fn cramming_before_the_due_time_does_not_make_a_card_secure() {
        let mut s = CardState::first(true, t(0));
        for h in 1..10 {
            s = s.after(true, t(h));
        }
        assert_eq!(s.streak, 1);
        assert!(!s.secure());
        assert_eq!(s.due, t(24));
        assert_eq!(s.answers, 10);
    }

    #[test]
    fn a_wrong_answer_ends_the_streak_and_lowers_the_ease_to_a_floor() {
        let mut s = CardState::first(true, t(0)).after(true, t(24));
        assert!(s.secure());
        s = s.after(false, t(200));
        assert!(!s.secure());
        assert_eq!(s.streak, 0);
        assert!((s.ease - (START_EASE - EASE_PENALTY)).abs() < 1e-9);
        for i in 0..20 {
            s = s.after(false, t(201 + i));
        }
        assert!((s.ease - MIN_EASE).abs() < 1e-9);
        // relearnt: right ten minutes later, then a day later
        let back = t(221) + AGAIN_AFTER;
        s = s.after(true, back);
        assert_eq!((s.streak, s.due), (1, back + Duration::days(1)));
    }

    #[test]
    fn next_asks_the_most_overdue_then_new_cards_then_practice() {
        let deck = [card(1), card(2), card(3)];
        let s = states(&[answer(1, t(0), true), answer(2, t(0), false)]);
        // an hour later card 2 (wrong) is due, card 1 (right) is not
        assert_eq!(next(&deck, &s, t(1), 5, false), Next::Due(card(2)));
        let s = states(&[
            answer(1, t(0), true),
            answer(2, t(0), false),
            answer(2, t(1), true),
        ]);
        assert_eq!(next(&deck, &s, t(1), 5, false), Next::New(card(3)));
        assert_eq!(next(&deck, &s, t(1), 0, false), Next::Nothing);
        assert_eq!(next(&deck, &s, t(1), 0, true), Next::Practice(card(1)));
        // two days later both are overdue: the one due first comes first
        assert_eq!(next(&deck, &s, t(48), 0, false), Next::Due(card(1)));
    }
}
