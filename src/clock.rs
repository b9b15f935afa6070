//! Where time comes from: the real clock in the service, a simulated one in tests, so a test can
//! stand at 06:59 and at 07:00 and see the greeting change.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current time (UTC; convert with the gate's time zone from the config).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set or advanced.
#[derive(Debug)]
pub struct SimulatedClock {
    now: Mutex<DateTime<Utc>>,
}

impl SimulatedClock {
    pub fn new(at: DateTime<Utc>) -> SimulatedClock {
        SimulatedClock {
            now: Mutex::new(at),
        }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_clock_moves_only_when_told() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let c = SimulatedClock::new(t0);
        assert_eq!(c.now(), t0);
        c.advance(Duration::minutes(1));
        assert_eq!(c.now(), t0 + Duration::minutes(1));
        c.set(t0);
        assert_eq!(c.now(), t0);
    }
}
