//! What happens to a vehicle at the gate (SPEC §3, seed part 6 §7–§8): large vehicles of 4
//! tonnes and over are turned away unless they are special vehicles or expected moving trucks;
//! barred vehicles and vehicles carrying dangerous goods are refused; every other vehicle needs
//! a pass or a registration.

use chrono::NaiveDate;

use crate::domain::{PlateColour, Post, Prompt, VehicleKind};

/// What the records say about a plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownVehicle {
    pub kind: VehicleKind,
    /// For booked moving trucks: the days it is expected (inclusive).
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl KnownVehicle {
    /// Whether the record is in force on `day` (no window means always).
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

/// What the guard says to a large vehicle turned away; the gate log's reports count oversize
/// refusals by it.
pub const OVERSIZE_REFUSAL: &str = "对不起，4吨及以上大型车辆不能进入小区";

/// What is known about a vehicle arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VehicleFacts<'a> {
    /// The plate as read, normalised (e.g. 鄂F8888警), if read.
    pub plate: Option<&'a str>,
    pub colour: Option<PlateColour>,
    /// The vehicle detector saw a truck or a bus.
    pub looks_large: bool,
    /// The records' entry for the plate.
    pub known: Option<KnownVehicle>,
    /// The guard flagged flammable, explosive, toxic or polluting goods.
    pub dangerous_goods: bool,
    /// Local date at the gate.
    pub day: NaiveDate,
}

/// The decision for a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleDecision {
    /// A known vehicle (household, VIP, staff) or an exempt one: let in.
    Admit { exempt: Option<Exemption> },
    /// Unknown small vehicle: check a pass or register it (出入证制度、登记制度).
    Register,
    /// Large vehicle (yellow plate or truck/bus) not exempt: turn away and alert.
    Oversize,
    /// On the barred list: refuse.
    Barred,
    /// Carrying dangerous goods: refuse.
    DangerousGoods,
}

/// Why a large vehicle may enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// Police, fire, ambulance, rescue (特种车辆).
    Special,
    /// A moving truck booked for today (搬家车辆).
    BookedMovingTruck,
}

/// A plate that marks a special vehicle by itself: police (警), emergency (应急), or a white plate.
pub fn special_plate(plate: Option<&str>, colour: Option<PlateColour>) -> bool {
    colour == Some(PlateColour::White)
        || plate.is_some_and(|p| p.ends_with('警') || p.contains("应急"))
}

/// Decides what happens to a vehicle.
pub fn decide(facts: &VehicleFacts<'_>) -> VehicleDecision {
    if facts.dangerous_goods {
        return VehicleDecision::DangerousGoods;
    }
    let known = facts.known.filter(|k| k.valid_on(facts.day));
    if known.is_some_and(|k| k.kind == VehicleKind::Barred) {
        return VehicleDecision::Barred;
    }
    let exemption = if special_plate(facts.plate, facts.colour)
        || known.is_some_and(|k| k.kind == VehicleKind::Special)
    {
        Some(Exemption::Special)
    } else if known.is_some_and(|k| k.kind == VehicleKind::MovingTruck) {
        Some(Exemption::BookedMovingTruck)
    } else {
        None
    };
    let large = facts.looks_large
        || matches!(
            facts.colour,
            Some(PlateColour::Yellow | PlateColour::YellowGreen)
        );
    match (large, exemption, known) {
        (true, None, _) => VehicleDecision::Oversize,
        (_, Some(e), _) => VehicleDecision::Admit { exempt: Some(e) },
        (false, None, Some(_)) => VehicleDecision::Admit { exempt: None },
        (false, None, None) => VehicleDecision::Register,
    }
}

impl VehicleDecision {
    /// What the screen tells the guard.
    pub fn prompt(self) -> Prompt {
        let (say, actions, notify): (&str, &[&str], Vec<Post>) = match self {
            VehicleDecision::Admit { exempt: None } => ("", &["放行，记录车牌"], vec![]),
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special),
            } => ("", &["特种车辆：放行，记录车牌"], vec![]),
            VehicleDecision::Admit {
                exempt: Some(Exemption::BookedMovingTruck),
            } => (
                "",
                &["预约搬家车辆：核对后放行，记录车牌", "通知巡逻岗跟进"],
                vec![Post::Patrol],
            ),
            VehicleDecision::Register => (
                "您好，请问您到哪一房？",
                &["查验车辆出入证，无证车辆登记后放行"],
                vec![],
            ),
            VehicleDecision::Oversize => (
                OVERSIZE_REFUSAL,
                &[
                    "超限车辆：阻止进入（特种车辆、预约搬家车辆除外）",
                    "报告当班分队长",
                ],
                vec![Post::ShiftLeader],
            ),
            VehicleDecision::Barred => (
                "对不起，该车辆不能进入小区",
                &["禁止进入车辆：劝离", "报告当班分队长"],
                vec![Post::ShiftLeader],
            ),
            VehicleDecision::DangerousGoods => (
                "对不起，载有易燃、易爆、有毒、有害物品的车辆不能进入小区",
                &["禁止进入，做好解释工作", "报告当班分队长"],
                vec![Post::ShiftLeader],
            ),
        };
        Prompt {
            say: say.to_owned(),
            actions: actions.iter().map(|s| (*s).to_owned()).collect(),
            notify,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn facts<'a>(plate: &'a str, colour: PlateColour) -> VehicleFacts<'a> {
        VehicleFacts {
            plate: Some(plate),
            colour: Some(colour),
            looks_large: false,
            known: None,
            dangerous_goods: false,
            day: day(28),
        }
    }

    fn known(kind: VehicleKind) -> Option<KnownVehicle> {
        Some(KnownVehicle {
            kind,
            valid_from: None,
            valid_to: None,
        })
    }

    #[test]
    fn oversize_alert_on_a_yellow_plated_truck() {
        let mut f = facts("渝D00796", PlateColour::Yellow);
        f.looks_large = true;
        assert_eq!(decide(&f), VehicleDecision::Oversize);
        assert!(decide(&f).prompt().say.contains("4吨"));
    }

    #[test]
    fn oversize_alert_on_a_yellow_plate_even_when_no_truck_is_seen() {
        assert_eq!(
            decide(&facts("京EA5331", PlateColour::Yellow)),
            VehicleDecision::Oversize
        );
        assert_eq!(
            decide(&facts("青A00109D", PlateColour::YellowGreen)),
            VehicleDecision::Oversize
        );
    }

    #[test]
    fn oversize_alert_on_a_truck_with_a_blue_plate() {
        let mut f = facts("豫ERU586", PlateColour::Blue);
        f.looks_large = true;
        assert_eq!(decide(&f), VehicleDecision::Oversize);
    }

    #[test]
    fn special_vehicles_are_exempt_from_the_oversize_rule() {
        let mut f = facts("鄂F8888警", PlateColour::White);
        f.looks_large = true;
        assert_eq!(
            decide(&f),
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special)
            }
        );
        let mut f = facts("粤B12345", PlateColour::Yellow);
        f.known = known(VehicleKind::Special);
        assert_eq!(
            decide(&f),
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special)
            }
        );
    }

    #[test]
    fn booked_moving_truck_is_exempt_only_within_its_dates() {
        let mut f = facts("粤B88888", PlateColour::Yellow);
        f.looks_large = true;
        f.known = Some(KnownVehicle {
            kind: VehicleKind::MovingTruck,
            valid_from: Some(day(27)),
            valid_to: Some(day(28)),
        });
        assert_eq!(
            decide(&f),
            VehicleDecision::Admit {
                exempt: Some(Exemption::BookedMovingTruck)
            }
        );
        f.day = day(29);
        assert_eq!(decide(&f), VehicleDecision::Oversize);
        f.day = day(26);
        assert_eq!(decide(&f), VehicleDecision::Oversize);
    }

    #[test]
    fn household_car_is_let_in() {
        let mut f = facts("川A8H458", PlateColour::Blue);
        f.known = known(VehicleKind::Household);
        assert_eq!(decide(&f), VehicleDecision::Admit { exempt: None });
    }

    #[test]
    fn unknown_small_car_needs_a_pass_or_registration() {
        let d = decide(&facts("粤NBM959", PlateColour::Blue));
        assert_eq!(d, VehicleDecision::Register);
        assert!(d.prompt().actions[0].contains("登记"));
    }

    #[test]
    fn barred_vehicle_is_refused() {
        let mut f = facts("皖K66666", PlateColour::Blue);
        f.known = known(VehicleKind::Barred);
        assert_eq!(decide(&f), VehicleDecision::Barred);
    }

    #[test]
    fn vehicle_with_dangerous_goods_is_refused_even_if_known() {
        let mut f = facts("川A8H458", PlateColour::Blue);
        f.known = known(VehicleKind::Household);
        f.dangerous_goods = true;
        assert_eq!(decide(&f), VehicleDecision::DangerousGoods);
    }
}
