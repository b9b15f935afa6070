//! What happens to a vehicle at the gate (SPEC §3, seed part 6 §7–§8): large vehicles of 4
//! tonnes and over are turned away unless they are special vehicles or expected moving trucks;
//! barred vehicles and vehicles carrying dangerous goods are refused; every other vehicle needs
//! a pass or a registration.

use chrono::NaiveDate;

use crate::domain::event::Look;
use crate::domain::plate;
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

/// Width of a Chinese plate, metres (GA 36-2018: 440 mm; new energy 480 mm).
pub const PLATE_WIDTH_M: f32 = 0.44;

/// Height from which a truck or bus is a large vehicle, metres: light trucks and vans with blue
/// plates stand up to about 2.4 m; trucks of 4 tonnes and over, coaches and buses are taller.
pub const LARGE_HEIGHT_M: f32 = 2.6;

/// What the camera saw of a vehicle's size, for [`size`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeEvidence<'a> {
    /// The plate as read, if read: its colour counts only where it speaks ([`colour_speaks`]).
    pub plate: Option<&'a str>,
    pub colour: Option<PlateColour>,
    /// The vehicle detector called it a truck or a bus.
    pub truck_or_bus: bool,
    /// The vehicle box's height over the plate's width, both in pixels: the plate is the ruler
    /// (a car is about 3.5 plate widths tall, a 2.6 m truck about 6).
    pub height_in_plate_widths: Option<f32>,
}

/// Whether a vehicle is large (大型车辆, 4 tonnes and over), and why, in Chinese for the screen.
/// A yellow or yellow-green plate is the law's mark of a large vehicle; otherwise a truck or
/// bus counts as large only when it stands at least [`LARGE_HEIGHT_M`] tall measured against
/// its own plate, so a blue-plated light truck is not turned away for its shape alone.
pub fn size(e: &SizeEvidence<'_>) -> Option<String> {
    match e.colour.filter(|_| colour_speaks(e.plate)) {
        Some(PlateColour::Yellow) => return Some("黄色号牌（大型车辆）".to_owned()),
        Some(PlateColour::YellowGreen) => {
            return Some("黄绿色号牌（大型新能源车辆）".to_owned());
        }
        _ => {}
    }
    let height = e.height_in_plate_widths? * PLATE_WIDTH_M;
    (e.truck_or_bus && height >= LARGE_HEIGHT_M)
        .then(|| format!("货车/客车，车高约 {height:.1} 米"))
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
    /// Another colour the plate may be, when its colour is not certain.
    pub colour_doubt: Option<PlateColour>,
    /// The vehicle detector saw a truck or a bus.
    pub looks_large: bool,
    /// The records' entry for the plate.
    pub known: Option<KnownVehicle>,
    /// The guard flagged flammable, explosive, toxic or polluting goods.
    pub dangerous_goods: bool,
    /// Local date at the gate.
    pub day: NaiveDate,
}

pub use crate::domain::event::{Exemption, VehicleDecision};

/// A plate that marks a special vehicle by itself: police (警), emergency (应急), or a white plate.
pub fn special_plate(plate: Option<&str>, colour: Option<PlateColour>) -> bool {
    colour == Some(PlateColour::White)
        || plate.is_some_and(|p| p.ends_with('警') || p.contains("应急"))
}

/// Whether a plate's colour means what the mainland's law says it means (GA 36: yellow, a large
/// vehicle; white, a special one). A Hong Kong registration plate is white in front and yellow
/// behind on every vehicle, a cross-border lorry's and a private car's alike: its colour says
/// nothing, and such a vehicle is judged by its size and its mainland 粤Z…港 plate.
pub fn colour_speaks(plate: Option<&str>) -> bool {
    plate
        .and_then(plate::repair_text)
        .is_none_or(|r| r.kind.is_mainland())
}

/// Decides what happens to a vehicle. When the plate's colour is not certain and the other
/// colour it may be would be decided otherwise, the guard is asked to look at it
/// ([`VehicleDecision::CheckColour`]) rather than the vehicle admitted or refused on a guess.
/// A plate whose colour says nothing ([`colour_speaks`]) is decided as if no colour was seen.
pub fn decide(facts: &VehicleFacts<'_>) -> VehicleDecision {
    if !colour_speaks(facts.plate) && (facts.colour.is_some() || facts.colour_doubt.is_some()) {
        return decide(&VehicleFacts {
            colour: None,
            colour_doubt: None,
            ..*facts
        });
    }
    let decision = decide_as_seen(facts);
    let (Some(seen), Some(or)) = (facts.colour, facts.colour_doubt) else {
        return decision;
    };
    let otherwise = decide_as_seen(&VehicleFacts {
        colour: Some(or),
        ..*facts
    });
    // let in either way (a registered car, or a special vehicle): nothing to ask
    let admitted = |d| matches!(d, VehicleDecision::Admit { .. });
    if otherwise == decision || (admitted(decision) && admitted(otherwise)) {
        decision
    } else {
        VehicleDecision::CheckColour { seen, or }
    }
}

/// Decides what happens to a vehicle whose plate is the colour it was seen as.
fn decide_as_seen(facts: &VehicleFacts<'_>) -> VehicleDecision {
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
    /// How the screen shows the vehicle's card, and the big action on it.
    pub fn card(self) -> (Look, &'static str) {
        match self {
            VehicleDecision::Oversize => (Look::Alert, "超限车辆 拒绝进入"),
            VehicleDecision::Barred | VehicleDecision::DangerousGoods => (Look::Alert, "拒绝进入"),
            VehicleDecision::Admit { .. } => (Look::Vehicle, "放行"),
            VehicleDecision::Register => (Look::Vehicle, "登记后放行"),
            VehicleDecision::CheckColour { .. } => (Look::Alert, "请确认车牌颜色"),
        }
    }

    /// What the screen tells the guard.
    pub fn prompt(self) -> Prompt {
        if let VehicleDecision::CheckColour { seen, or } = self {
            return Prompt {
                say: String::new(),
                actions: vec![
                    format!(
                        "请确认车牌颜色：看似{}，也可能是{}，请看清后处理",
                        seen.zh(),
                        or.zh()
                    ),
                    "黄牌、黄绿牌（大型车辆）：阻止进入，报告当班分队长".to_owned(),
                    "白牌（警车等特种车辆）：放行；蓝牌、绿牌：查验出入证，无证登记后放行"
                        .to_owned(),
                ],
                notify: Vec::new(),
            };
        }
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
            // answered above
            VehicleDecision::CheckColour { .. } => ("", &[], vec![]),
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

    #[test]
    fn yellow_plates_are_large_and_a_blue_plated_light_truck_is_not() {
        let yellow = SizeEvidence {
            plate: Some("京EA5331"),
            colour: Some(PlateColour::Yellow),
            truck_or_bus: false,
            height_in_plate_widths: None,
        };
        assert_eq!(size(&yellow).as_deref(), Some("黄色号牌（大型车辆）"));
        // a Hong Kong rear plate is yellow on every vehicle: no mark of a large one
        let hong_kong_rear = SizeEvidence {
            plate: Some("UW6532"),
            ..yellow
        };
        assert_eq!(size(&hong_kong_rear), None);
        let light_truck = SizeEvidence {
            plate: Some("豫ERU586"),
            colour: Some(PlateColour::Blue),
            truck_or_bus: true,
            height_in_plate_widths: Some(5.0), // 2.2 m
        };
        assert_eq!(size(&light_truck), None);
        let lorry = SizeEvidence {
            height_in_plate_widths: Some(7.0), // 3.1 m
            ..light_truck
        };
        assert_eq!(size(&lorry).as_deref(), Some("货车/客车，车高约 3.1 米"));
        // a tall car is still a car
        let van = SizeEvidence {
            truck_or_bus: false,
            ..lorry
        };
        assert_eq!(size(&van), None);
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn facts<'a>(plate: &'a str, colour: PlateColour) -> VehicleFacts<'a> {
        VehicleFacts {
            plate: Some(plate),
            colour: Some(colour),
            colour_doubt: None,
            looks_large: false,
            known: None,
            dangerous_goods: false,
            day: day(28),
        }
    }

    #[test]
    fn a_hong_kong_plates_white_or_yellow_says_nothing_of_the_vehicle() {
        // a white mainland plate is a special vehicle; a white Hong Kong front plate is not
        assert_eq!(
            decide(&facts("鄂F8888警", PlateColour::White)),
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special)
            }
        );
        assert_eq!(
            decide(&facts("LX8170", PlateColour::White)),
            VehicleDecision::Register
        );
        // a Hong Kong rear plate is yellow on a private car: not a large vehicle
        assert_eq!(
            decide(&facts("UW6532", PlateColour::Yellow)),
            VehicleDecision::Register
        );
        // a cross-border lorry tall enough is turned away by either of its plates
        let mut lorry = facts("LX8170", PlateColour::White);
        lorry.looks_large = true;
        assert_eq!(decide(&lorry), VehicleDecision::Oversize);
        lorry.plate = Some("粤ZEV52港");
        lorry.colour = Some(PlateColour::Black);
        assert_eq!(decide(&lorry), VehicleDecision::Oversize);
        assert!(!colour_speaks(Some("SN6497")));
        assert!(colour_speaks(Some("粤ZEV52港")) && colour_speaks(None));
    }

    #[test]
    fn an_uncertain_colour_that_would_change_the_decision_asks_the_guard_to_look() {
        // yellow or white: turned away, or let in as a special vehicle
        let mut f = facts("川A8H458", PlateColour::Yellow);
        f.colour_doubt = Some(PlateColour::White);
        let d = decide(&f);
        assert_eq!(
            d,
            VehicleDecision::CheckColour {
                seen: PlateColour::Yellow,
                or: PlateColour::White
            }
        );
        assert_eq!(d.card(), (Look::Alert, "请确认车牌颜色"));
        assert_eq!(d.key(), "check_colour");
        assert!(!d.lets_in());
        let p = d.prompt();
        assert!(p.actions[0].contains("看似黄牌，也可能是白牌"), "{p:?}");
        // blue or white: registered, or let in as special: asked too
        f.colour = Some(PlateColour::Blue);
        assert!(matches!(decide(&f), VehicleDecision::CheckColour { .. }));
        // blue or black: registered either way, so nobody is asked
        f.colour_doubt = Some(PlateColour::Black);
        assert_eq!(decide(&f), VehicleDecision::Register);
        // a truck too tall is turned away whatever the colour (but white: a special vehicle)
        let mut truck = facts("豫ERU586", PlateColour::Blue);
        truck.looks_large = true;
        truck.colour_doubt = Some(PlateColour::Yellow);
        assert_eq!(decide(&truck), VehicleDecision::Oversize);
        // a registered car is let in whether its plate is blue or white
        let mut ours = facts("川A8H458", PlateColour::White);
        ours.colour_doubt = Some(PlateColour::Blue);
        ours.known = known(VehicleKind::Household);
        assert_eq!(
            decide(&ours),
            VehicleDecision::Admit {
                exempt: Some(Exemption::Special)
            }
        );
        // barred stays barred
        let mut barred = facts("粤B6R678", PlateColour::Yellow);
        barred.colour_doubt = Some(PlateColour::White);
        barred.known = known(VehicleKind::Barred);
        assert_eq!(decide(&barred), VehicleDecision::Barred);
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
