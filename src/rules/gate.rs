//! The gate's day (SPEC §5, seed part 6): opening hours, the four shifts, and which duty records
//! a guard reads at handover.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::domain::Shift;

/// The gate is open 05:00–24:00; from 00:00 to 05:00 it is closed and opened on request.
pub fn gate_open(time: NaiveTime) -> bool {
    time.hour() >= 5
}

/// What the screen says of the gate's hours now: open, or closed and opened on request.
pub fn gate_hours_zh(open: bool) -> &'static str {
    if open {
        "大门开放 05:00–24:00"
    } else {
        "夜间关闭 应请求开门"
    }
}

/// The shift a local moment belongs to: 00–06 night, 06–12 morning, 12–18 afternoon,
/// 18–24 evening; each starts at its first minute.
pub fn shift_at(time: NaiveTime) -> Shift {
    match time.hour() {
        0..=5 => Shift::Night,
        6..=11 => Shift::Morning,
        12..=17 => Shift::Afternoon,
        _ => Shift::Evening,
    }
}

/// One shift on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShiftSlot {
    pub date: NaiveDate,
    pub shift: Shift,
}

impl ShiftSlot {
    /// The slot a local moment falls in.
    pub fn at(moment: NaiveDateTime) -> ShiftSlot {
        ShiftSlot {
            date: moment.date(),
            shift: shift_at(moment.time()),
        }
    }

    /// Local start of the slot.
    pub fn start(self) -> NaiveDateTime {
        self.date.and_time(NaiveTime::MIN) + Duration::hours(i64::from(self.shift.start_hour()))
    }

    /// Local end of the slot (the next slot's start).
    pub fn end(self) -> NaiveDateTime {
        self.start() + Duration::hours(6)
    }

    /// The slot before this one (the evening before for a night shift).
    pub fn previous(self) -> ShiftSlot {
        ShiftSlot::at(self.start() - Duration::hours(6))
    }
}

/// The duty records a guard reads when taking over (seed §1.4: 查看前两班（轮休时看前两天）的岗位值班记录).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverScope {
    /// Local time range to summarise: from `from` (inclusive) to `to` (exclusive).
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// The shifts covered, oldest first.
    pub slots: Vec<ShiftSlot>,
}

/// What to read when taking over `slot`: the two shifts before it, or, for a guard back from
/// rest days, the two whole days before the day of `slot`.
pub fn handover_scope(slot: ShiftSlot, back_from_rest: bool) -> HandoverScope {
    if back_from_rest {
        let first_day = slot.date - Duration::days(2);
        let from = first_day.and_time(NaiveTime::MIN);
        let to = slot.date.and_time(NaiveTime::MIN);
        let mut slots = Vec::with_capacity(8);
        let mut s = ShiftSlot::at(from);
        while s.start() < to {
            slots.push(s);
            s = ShiftSlot::at(s.end());
        }
        HandoverScope { from, to, slots }
    } else {
        let one = slot.previous();
        let two = one.previous();
        HandoverScope {
            from: two.start(),
            to: slot.start(),
            slots: vec![two, one],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn gate_is_open_from_0500_until_midnight() {
        assert!(gate_open(t(5, 0)));
        assert!(gate_open(t(12, 0)));
        assert!(gate_open(t(23, 59)));
    }

    #[test]
    fn gate_is_closed_from_midnight_until_0500() {
        assert!(!gate_open(t(0, 0)));
        assert!(!gate_open(t(4, 59)));
    }

    #[test]
    fn four_six_hour_shifts_start_at_00_06_12_18() {
        assert_eq!(shift_at(t(0, 0)), Shift::Night);
        assert_eq!(shift_at(t(5, 59)), Shift::Night);
        assert_eq!(shift_at(t(6, 0)), Shift::Morning);
        assert_eq!(shift_at(t(11, 59)), Shift::Morning);
        assert_eq!(shift_at(t(12, 0)), Shift::Afternoon);
        assert_eq!(shift_at(t(17, 59)), Shift::Afternoon);
        assert_eq!(shift_at(t(18, 0)), Shift::Evening);
        assert_eq!(shift_at(t(23, 59)), Shift::Evening);
    }

    #[test]
    fn handover_reads_the_two_previous_shifts() {
        let morning = ShiftSlot {
            date: day(28),
            shift: Shift::Morning,
        };
        let scope = handover_scope(morning, false);
        assert_eq!(
            scope.slots,
            vec![
                ShiftSlot {
                    date: day(27),
                    shift: Shift::Evening
                },
                ShiftSlot {
                    date: day(28),
                    shift: Shift::Night
                },
            ]
        );
        assert_eq!(scope.from, day(27).and_time(t(18, 0)));
        assert_eq!(scope.to, day(28).and_time(t(6, 0)));
    }

    #[test]
    fn handover_after_rest_days_reads_the_two_previous_days() {
        let afternoon = ShiftSlot {
            date: day(28),
            shift: Shift::Afternoon,
        };
        let scope = handover_scope(afternoon, true);
        assert_eq!(scope.from, day(26).and_time(t(0, 0)));
        assert_eq!(scope.to, day(28).and_time(t(0, 0)));
        assert_eq!(scope.slots.len(), 8);
        assert_eq!(
            scope.slots[0],
            ShiftSlot {
                date: day(26),
                shift: Shift::Night
            }
        );
        assert_eq!(
            scope.slots[7],
            ShiftSlot {
                date: day(27),
                shift: Shift::Evening
            }
        );
    }

    #[test]
    fn the_shift_before_a_night_shift_is_the_previous_evening() {
        let night = ShiftSlot {
            date: day(28),
            shift: Shift::Night,
        };
        assert_eq!(
            night.previous(),
            ShiftSlot {
                date: day(27),
                shift: Shift::Evening
            }
        );
        assert_eq!(night.end(), day(28).and_time(t(6, 0)));
    }
}
