//! Greeting by the local time of day (SPEC §2, seed §1.1): 早上好 06:00–09:00, 晚上好 19:00–06:00,
//! 您好 at every other time.

use chrono::{NaiveTime, Timelike};

/// The time-of-day greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Greeting {
    /// 早上好, from 06:00 up to 09:00.
    GoodMorning,
    /// 晚上好, from 19:00 up to 06:00.
    GoodEvening,
    /// 您好, at every other time.
    Hello,
}

impl Greeting {
    /// The words.
    pub fn text(self) -> &'static str {
        match self {
            Greeting::GoodMorning => "早上好",
            Greeting::GoodEvening => "晚上好",
            Greeting::Hello => "您好",
        }
    }
}

/// The hour 早上好 starts: the end of the night, when the screen turns light.
pub const MORNING_FROM: u32 = 6;
/// The hour 晚上好 starts: the night, when the screen turns dark for eyes used to the dark.
pub const EVENING_FROM: u32 = 19;

/// The greeting for a local time of day. Windows start at their first minute and end before
/// their last: 09:00 is already 您好, 06:00 already 早上好.
pub fn greeting_at(time: NaiveTime) -> Greeting {
    match time.hour() {
        6..=8 => Greeting::GoodMorning,
        19..=23 | 0..=5 => Greeting::GoodEvening,
        _ => Greeting::Hello,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> Greeting {
        greeting_at(NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    #[test]
    fn greeting_is_zao_shang_hao_from_0600_until_0900() {
        assert_eq!(at(6, 0), Greeting::GoodMorning);
        assert_eq!(at(7, 0), Greeting::GoodMorning);
        assert_eq!(at(8, 59), Greeting::GoodMorning);
        assert_eq!(at(9, 0), Greeting::Hello);
    }

    #[test]
    fn greeting_is_wan_shang_hao_from_1900_until_0600() {
        assert_eq!(at(18, 59), Greeting::Hello);
        assert_eq!(at(19, 0), Greeting::GoodEvening);
        assert_eq!(at(23, 59), Greeting::GoodEvening);
        assert_eq!(at(0, 0), Greeting::GoodEvening);
        assert_eq!(at(5, 59), Greeting::GoodEvening);
        assert_eq!(at(6, 0), Greeting::GoodMorning);
    }

    #[test]
    fn greeting_is_nin_hao_from_0900_until_1900() {
        assert_eq!(at(9, 0), Greeting::Hello);
        assert_eq!(at(12, 0), Greeting::Hello);
        assert_eq!(at(18, 59), Greeting::Hello);
    }

    #[test]
    fn greeting_texts_are_the_seeds_words() {
        assert_eq!(Greeting::GoodMorning.text(), "早上好");
        assert_eq!(Greeting::GoodEvening.text(), "晚上好");
        assert_eq!(Greeting::Hello.text(), "您好");
    }
}
