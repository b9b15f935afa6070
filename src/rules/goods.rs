//! Goods and prohibited items (SPEC §4, seed §1.3): large or valuable goods leave only with a
//! goods-release slip that matches them; some goods never come in. The ban is on bringing
//! them in (禁止携带…进入小区): goods taken out are checked against the slip like any other,
//! and a prohibited item among them is a word of safety, not a refusal.

use crate::domain::EventKind;

/// Goods that may never be brought into the compound (seed §1.3).
pub const PROHIBITED_ITEMS: [&str; 6] = [
    "煤气瓶（高层楼宇）",
    "烟花爆竹",
    "大量天那水",
    "汽油",
    "酒精",
    "其他易燃易爆危险物品",
];

/// Words that identify a prohibited item in a guard's note, and the item they point to.
const PROHIBITED_WORDS: [(&str, usize); 9] = [
    ("煤气", 0),
    ("液化气", 0),
    ("烟花", 1),
    ("鞭炮", 1),
    ("爆竹", 1),
    ("天那水", 2),
    ("汽油", 3),
    ("酒精", 4),
    ("易燃", 5),
];

/// The prohibited item a description mentions, if any.
pub fn prohibited_item(description: &str) -> Option<&'static str> {
    PROHIBITED_WORDS
        .iter()
        .find(|(word, _)| description.contains(word))
        .map(|&(_, i)| PROHIBITED_ITEMS[i])
}

/// The outcome of checking goods leaving the compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoodsOutcome {
    /// Slip present and matching: register and let out.
    Release,
    /// No slip: send the person to the office to get one.
    NeedSlip,
    /// Slip does not match the goods: back to the office to fill it in again.
    BackToOffice,
}

impl GoodsOutcome {
    /// What the guard says.
    pub fn say(self) -> &'static str {
        match self {
            GoodsOutcome::Release => "谢谢，请慢走",
            GoodsOutcome::NeedSlip => "对不起，大量或贵重物品出小区需要管理处开具的物品放行条",
            GoodsOutcome::BackToOffice => "对不起，物品与放行条不相符，请您到管理处重新填写",
        }
    }
}

/// What the rules say of goods taken out of the compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leaving {
    /// The release slip decides, for every kind of goods.
    pub outcome: GoodsOutcome,
    /// A prohibited item among the goods. It is barred only from coming in, so its leaving is
    /// a registration like any other; the guard reminds the person to carry it safely.
    pub hazard: Option<&'static str>,
}

impl Leaving {
    /// How the check is kept in the duty record: a registration, never an alert.
    pub fn event_kind(self) -> EventKind {
        EventKind::Registration
    }
}

/// Goods taken out (`description` as the guard wrote it): the slip decides (see
/// [`check_goods`]); a prohibited item is named for the safety reminder.
pub fn goods_leaving(description: &str, slip: bool, matches: bool) -> Leaving {
    Leaving {
        outcome: check_goods(slip, matches),
        hazard: prohibited_item(description),
    }
}

/// Goods brought in: the prohibited item that keeps them out (an alert for the shift leader),
/// or `None` when nothing in the description is barred.
pub fn barred_from_entering(description: &str) -> Option<&'static str> {
    prohibited_item(description)
}

/// Checks large or valuable goods leaving: `slip` is whether an office slip was shown,
/// `matches` whether its content matches the goods.
pub fn check_goods(slip: bool, matches: bool) -> GoodsOutcome {
    match (slip, matches) {
        (false, _) => GoodsOutcome::NeedSlip,
        (true, false) => GoodsOutcome::BackToOffice,
        (true, true) => GoodsOutcome::Release,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prohibited_item_taken_out_is_checked_against_the_slip_and_registered_not_refused() {
        let no_slip = goods_leaving("汽油两桶", false, false);
        assert_eq!(no_slip.outcome, GoodsOutcome::NeedSlip);
        assert_eq!(no_slip.hazard, Some("汽油"));
        assert_eq!(no_slip.event_kind(), EventKind::Registration);
        let with_slip = goods_leaving("汽油两桶", true, true);
        assert_eq!(with_slip.outcome, GoodsOutcome::Release);
        assert_eq!(with_slip.event_kind(), EventKind::Registration);
        assert_eq!(goods_leaving("一台冰箱", true, true).hazard, None);
    }

    #[test]
    fn a_prohibited_item_brought_in_is_barred() {
        assert_eq!(
            barred_from_entering("一罐液化气"),
            Some("煤气瓶（高层楼宇）")
        );
        assert_eq!(barred_from_entering("一台冰箱"), None);
    }

    #[test]
    fn goods_leave_only_with_a_matching_release_slip() {
        assert_eq!(check_goods(true, true), GoodsOutcome::Release);
        assert_eq!(check_goods(false, true), GoodsOutcome::NeedSlip);
    }

    #[test]
    fn goods_not_matching_the_slip_go_back_to_the_office() {
        let o = check_goods(true, false);
        assert_eq!(o, GoodsOutcome::BackToOffice);
        assert!(o.say().contains("管理处重新填写"));
    }

    #[test]
    fn gas_cylinders_fireworks_thinner_petrol_and_alcohol_are_prohibited() {
        assert_eq!(prohibited_item("一罐液化气"), Some("煤气瓶（高层楼宇）"));
        assert_eq!(prohibited_item("两箱烟花"), Some("烟花爆竹"));
        assert_eq!(prohibited_item("天那水5桶"), Some("大量天那水"));
        assert_eq!(prohibited_item("汽油一桶"), Some("汽油"));
        assert_eq!(prohibited_item("医用酒精"), Some("酒精"));
        assert_eq!(prohibited_item("一台冰箱"), None);
    }
}
