//! Login throttling, the rule itself (pure: the failures so far and the time in, a verdict out):
//! how many failed tries in a row an account or a client address gets for free, how long it
//! then waits before the next try (1 s, 2 s, 4 s … capped), and when it is locked (for an hour,
//! or until a manager lifts the lock). The records keep the counts (`store::logins`); the web
//! app's login and password pages ask this rule before checking a password.
//!
//! Every try counts: a wrong password, and a try refused because the account (or the address)
//! had to wait or was locked. A refused try does not move the time the wait is counted from, so
//! a script that ignores the wait makes the wait longer and soon locks the account; a person who
//! waits as told gets the next try.

use chrono::{DateTime, Duration, Utc};

/// How strict the rule is for one kind of key (an account, a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failed tries in a row that cost nothing; the next one waits.
    pub free: u32,
    /// Failed tries in a row that lock the key.
    pub lock_at: u32,
    /// The wait after the `free`-th failure; it doubles with each further one.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
    /// How long a lock lasts (counted from the last wrong password) unless a manager lifts it.
    pub lock_for: Duration,
    /// Failures older than this (and no lock in force) are forgotten.
    pub forget_after: Duration,
}

/// An account (the login as typed, whether or not anyone has it): 5 free tries, then 1 s, 2 s,
/// 4 s, 8 s, 16 s; the 10th failure in a row locks it for an hour.
pub const ACCOUNT: Throttle = Throttle {
    free: 5,
    lock_at: 10,
    first_wait: Duration::seconds(1),
    max_wait: Duration::seconds(60),
    lock_for: Duration::hours(1),
    forget_after: Duration::hours(24),
};

/// A client address (everyone typing at one PC shares it, so it gets more): 20 free tries, then
/// 1 s doubling up to 5 minutes; the 40th failure in a row locks it for an hour.
pub const ADDRESS: Throttle = Throttle {
    free: 20,
    lock_at: 40,
    first_wait: Duration::seconds(1),
    max_wait: Duration::minutes(5),
    lock_for: Duration::hours(1),
    forget_after: Duration::hours(24),
};

/// What a failed try is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counted {
    /// The login as typed, whether or not anyone has it (an unknown login is treated the same).
    Account,
    /// The client's IP address.
    Address,
}

impl Counted {
    /// The machine name (database, forms).
    pub fn key(self) -> &'static str {
        match self {
            Counted::Account => "login",
            Counted::Address => "address",
        }
    }

    /// The one whose machine name is `key`.
    pub fn from_key(key: &str) -> Option<Counted> {
        match key {
            "login" => Some(Counted::Account),
            "address" => Some(Counted::Address),
            _ => None,
        }
    }

    /// How strict the rule is for it.
    pub fn rule(self) -> &'static Throttle {
        match self {
            Counted::Account => &ACCOUNT,
            Counted::Address => &ADDRESS,
        }
    }
}

/// The longest a login counted against an account may be: what is typed beyond is not kept.
pub const MAX_LOGIN: usize = 64;

/// The login a try is counted against (and recorded under): as typed, trimmed, at most
/// [`MAX_LOGIN`] characters; `(空)` for none.
pub fn login_key(typed: &str) -> String {
    let key: String = typed.trim().chars().take(MAX_LOGIN).collect();
    if key.is_empty() {
        "(空)".to_owned()
    } else {
        key
    }
}

/// What the records hold about one key: its failed tries in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Failed tries in a row (wrong passwords and refused tries).
    pub count: u32,
    /// The last try whose password was checked and was wrong; waits and locks count from it.
    pub last: Option<DateTime<Utc>>,
}

/// Whether a key may try a password now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Not before `until` (`seconds` from now, rounded up).
    Wait {
        until: DateTime<Utc>,
        seconds: i64,
    },
    /// Locked until `until` (`seconds` from now, rounded up), or until a manager lifts the lock.
    Locked {
        until: DateTime<Utc>,
        seconds: i64,
    },
}

impl Verdict {
    /// Whether a try may go ahead.
    pub fn allowed(self) -> bool {
        self == Verdict::Allowed
    }

    /// How strict the verdict is, to pick the stricter of two: locked, then the longer wait.
    fn weight(self) -> (u8, DateTime<Utc>) {
        match self {
            Verdict::Allowed => (0, DateTime::<Utc>::MIN_UTC),
            Verdict::Wait { until, .. } => (1, until),
            Verdict::Locked { until, .. } => (2, until),
        }
    }

    /// The stricter of two verdicts.
    pub fn stricter(self, other: Verdict) -> Verdict {
        if other.weight() > self.weight() {
            other
        } else {
            self
        }
    }

    /// Seconds until a try may go ahead (0 when allowed), rounded up, from when the verdict
    /// was given.
    pub fn seconds_left(self) -> i64 {
        match self {
            Verdict::Allowed => 0,
            Verdict::Wait { seconds, .. } | Verdict::Locked { seconds, .. } => seconds,
        }
    }
}

fn ceil_seconds(d: Duration) -> i64 {
    let ms = d.num_milliseconds().max(0);
    ((ms + 999) / 1000).max(1)
}

impl Throttle {
    /// Whether the failures are old enough to be forgotten at `now`.
    fn forgotten(&self, f: &Failures, now: DateTime<Utc>) -> bool {
        f.count == 0 || f.last.is_some_and(|t| now - t >= self.forget_after)
    }

    /// The wait after `count` failures in a row (none below `free`).
    pub fn wait_after(&self, count: u32) -> Duration {
        if count < self.free {
            return Duration::zero();
        }
        let doublings = (count - self.free).min(30);
        let wait = self.first_wait * 2i32.pow(doublings);
        wait.min(self.max_wait)
    }

    /// Whether a key with failures `f` may try a password at `now`.
    pub fn verdict(&self, f: &Failures, now: DateTime<Utc>) -> Verdict {
        if self.forgotten(f, now) || f.count < self.free {
            return Verdict::Allowed;
        }
        let last = f.last.unwrap_or(now);
        if f.count >= self.lock_at {
            let until = last + self.lock_for;
            return if now < until {
                Verdict::Locked {
                    until,
                    seconds: ceil_seconds(until - now),
                }
            } else {
                Verdict::Allowed
            };
        }
        let until = last + self.wait_after(f.count);
        if now < until {
            Verdict::Wait {
                until,
                seconds: ceil_seconds(until - now),
            }
        } else {
            Verdict::Allowed
        }
    }

    /// The failures after a try at `now` whose password was checked and was wrong (or, before
    /// it is checked, a try that goes ahead: it counts as failed until it succeeds).
    pub fn failed(&self, f: Failures, now: DateTime<Utc>) -> Failures {
        let before = if self.forgotten(&f, now) { 0 } else { f.count };
        Failures {
            count: before.saturating_add(1),
            last: Some(now),
        }
    }

    /// The failures after a try at `now` that this key's verdict refused: one more in a row,
    /// the wait still counted from the last wrong password.
    pub fn refused(&self, f: Failures, now: DateTime<Utc>) -> Failures {
        Failures {
            count: f.count.saturating_add(1),
            last: f.last.or(Some(now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn ms(n: i64) -> Duration {
        Duration::milliseconds(n)
    }

    /// One try at `now` with a wrong password: refused, or checked and counted.
    fn wrong(rule: &Throttle, f: Failures, now: DateTime<Utc>) -> (Verdict, Failures) {
        let v = rule.verdict(&f, now);
        let f = if v.allowed() {
            rule.failed(f, now)
        } else {
            rule.refused(f, now)
        };
        (v, f)
    }

    #[test]
    fn five_wrong_passwords_are_free_and_the_sixth_waits_a_second() {
        let mut f = Failures::default();
        for i in 0..5 {
            let (v, next) = wrong(&ACCOUNT, f, t0() + ms(100 * i));
            assert_eq!(v, Verdict::Allowed, "try {}", i + 1);
            f = next;
        }
        let v = ACCOUNT.verdict(&f, t0() + ms(500));
        assert!(
            matches!(v, Verdict::Wait { seconds: 1, .. }),
            "the 6th try waits: {v:?}"
        );
        // a person who waits the second gets the 6th try
        assert_eq!(ACCOUNT.verdict(&f, t0() + ms(1400)), Verdict::Allowed);
    }

    #[test]
    fn the_waits_double_for_a_person_who_waits_as_told_and_the_tenth_failure_locks() {
        let mut f = Failures::default();
        let mut now = t0();
        let mut waits = Vec::new();
        for _ in 0..10 {
            match ACCOUNT.verdict(&f, now) {
                Verdict::Allowed => {}
                v => {
                    let s = v.seconds_left();
                    waits.push(s);
                    now += Duration::seconds(s);
                    assert_eq!(ACCOUNT.verdict(&f, now), Verdict::Allowed);
                }
            }
            f = ACCOUNT.failed(f, now);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16]);
        assert_eq!(
            ACCOUNT.verdict(&f, now + ms(1)),
            Verdict::Locked {
                until: now + Duration::hours(1),
                seconds: 3600
            }
        );
    }

    #[test]
    fn the_right_password_after_50_wrong_ones_does_not_log_in() {
        let mut f = Failures::default();
        let mut checked = 0;
        // a script: one try every 50 ms, ignoring every answer
        for i in 0..50 {
            let (v, next) = wrong(&ACCOUNT, f, t0() + ms(50 * i));
            if v.allowed() {
                checked += 1;
            } else {
                assert!(i >= 5, "try {} refused", i + 1);
            }
            f = next;
        }
        assert_eq!(checked, 5, "only the five free tries were checked");
        let now = t0() + ms(2600);
        assert!(
            matches!(ACCOUNT.verdict(&f, now), Verdict::Locked { .. }),
            "the right password now is not even checked"
        );
        // an hour after the last wrong password one try is checked again
        let later = t0() + ms(200) + Duration::hours(1);
        assert_eq!(ACCOUNT.verdict(&f, later), Verdict::Allowed);
        // and a wrong one locks it for another hour at once
        let f = ACCOUNT.failed(f, later);
        assert!(matches!(
            ACCOUNT.verdict(&f, later + ms(1)),
            Verdict::Locked { .. }
        ));
    }

    #[test]
    fn tries_while_waiting_lengthen_the_wait_and_lock_sooner() {
        let mut f = Failures::default();
        for i in 0..5 {
            f = ACCOUNT.failed(f, t0() + ms(i));
        }
        let now = t0() + ms(10);
        let Verdict::Wait { seconds: first, .. } = ACCOUNT.verdict(&f, now) else {
            panic!("waits")
        };
        f = ACCOUNT.refused(f, now);
        let Verdict::Wait {
            seconds: second, ..
        } = ACCOUNT.verdict(&f, now)
        else {
            panic!("waits")
        };
        assert!(second > first, "{first} s, then {second} s");
        for _ in 0..4 {
            f = ACCOUNT.refused(f, now);
        }
        assert!(matches!(ACCOUNT.verdict(&f, now), Verdict::Locked { .. }));
    }

    #[test]
    fn failures_a_day_old_are_forgotten_but_a_lock_lasts_its_hour() {
        let mut f = Failures::default();
        for _ in 0..9 {
            f = ACCOUNT.failed(f, t0());
        }
        let tomorrow = t0() + Duration::hours(24);
        assert_eq!(ACCOUNT.verdict(&f, tomorrow), Verdict::Allowed);
        assert_eq!(
            ACCOUNT.failed(f, tomorrow).count,
            1,
            "counting starts again"
        );
        let locked = ACCOUNT.failed(f, t0());
        assert!(matches!(
            ACCOUNT.verdict(&locked, t0() + Duration::minutes(59)),
            Verdict::Locked { .. }
        ));
    }

    #[test]
    fn an_address_gets_more_free_tries_and_its_wait_is_capped() {
        let mut f = Failures::default();
        for _ in 0..20 {
            assert!(ADDRESS.verdict(&f, t0()).allowed());
            f = ADDRESS.failed(f, t0());
        }
        assert!(matches!(
            ADDRESS.verdict(&f, t0()),
            Verdict::Wait { seconds: 1, .. }
        ));
        assert_eq!(ADDRESS.wait_after(39), Duration::minutes(5));
        assert_eq!(ACCOUNT.wait_after(9), Duration::seconds(16));
        assert_eq!(ACCOUNT.wait_after(4), Duration::zero());
    }

    #[test]
    fn the_stricter_verdict_is_a_lock_then_the_longer_wait() {
        let now = t0();
        let wait = |s| Verdict::Wait {
            until: now + Duration::seconds(s),
            seconds: s,
        };
        let lock = Verdict::Locked {
            until: now + Duration::minutes(1),
            seconds: 60,
        };
        assert_eq!(Verdict::Allowed.stricter(wait(2)), wait(2));
        assert_eq!(wait(4).stricter(wait(2)), wait(4));
        assert_eq!(wait(400).stricter(lock), lock);
        assert_eq!(lock.stricter(Verdict::Allowed), lock);
        assert_eq!(lock.seconds_left(), 60);
        assert_eq!(wait(4).seconds_left(), 4);
    }
}
