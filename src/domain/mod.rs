//! The shared vocabulary every layer speaks: classes of people, posts to notify, vehicles and
//! plates, directions, shifts and prompts. Plain data, no I/O; `rules` and `store` both use it
//! and neither imports the other.

pub use plate::{clean_plate, to_halfwidth};

/// Defines a closed set of values with a stable machine name (used in CSV files, the database
/// and the API) and a Chinese name for the guard's screen.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = ($key:literal, $zh:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in definition order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The machine name (CSV, database, API).
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The Chinese name shown to guards.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.key())
            }
        }

        /// Written as its machine name (JSON of the screen, MQTT, the webhook).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            /// Accepts the machine name or the Chinese name, ignoring case and surrounding space.
            fn from_str(s: &str) -> Result<Self, $crate::domain::UnknownValue> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key().eq_ignore_ascii_case(s) || v.zh() == s)
                    .ok_or_else(|| $crate::domain::UnknownValue {
                        what: $what,
                        value: s.to_owned(),
                        allowed: $name::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

pub mod event;
pub mod limits;
pub mod login;
pub mod plate;
pub mod training;

/// A value that is not one of a closed set; says which values are allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{value}\"; use one of: {allowed}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub allowed: String,
}

vocabulary! {
    /// Who arrives at the gate (SPEC §1).
    PersonClass, "class" {
        /// 贵宾客户: government heads, group/company and developer leaders, owners' committee.
        Vip = ("vip", "贵宾"),
        /// 业主 / 租户.
        Resident = ("resident", "业主"),
        /// 管理处内部员工.
        OfficeStaff = ("office_staff", "管理处员工"),
        /// 公司员工 (the property company's staff from elsewhere).
        CompanyStaff = ("company_staff", "公司员工"),
        /// 持出入证人员: renovation workers, newspaper and milk delivery…
        PassHolder = ("pass_holder", "持证人员"),
        /// 来访人员: anyone not recognised.
        Visitor = ("visitor", "访客"),
        /// 拾荒、小摊贩、推销人员.
        Barred = ("barred", "禁止进入人员"),
        /// 辞职辞退人员: treated as a visitor, reported to the shift leader.
        FormerStaff = ("former_staff", "离职人员"),
    }
}

vocabulary! {
    /// Whether a person still belongs to the compound.
    PersonStatus, "status" {
        Active = ("active", "在册"),
        Left = ("left", "已离开"),
    }
}

vocabulary! {
    /// The posts a prompt may ask the guard to notify (SPEC §1).
    Post, "post" {
        /// 管理处值班人员.
        OfficeDuty = ("office_duty", "管理处值班人员"),
        /// 当班分队长.
        ShiftLeader = ("shift_leader", "当班分队长"),
        /// 巡逻岗.
        Patrol = ("patrol", "巡逻岗"),
        /// 中控岗.
        CentralControl = ("central_control", "中控岗"),
    }
}

vocabulary! {
    /// Why a non-owner comes in (SPEC §1, §3.1 of the seed).
    VisitPurpose, "visit purpose" {
        Visitor = ("visitor", "访客"),
        NewspaperMilk = ("newspaper_milk", "送报送奶"),
        FoodDelivery = ("food_delivery", "送餐"),
        Tour = ("tour", "参观"),
        Renovation = ("renovation", "装修"),
        ClubhouseCustomer = ("clubhouse_customer", "会所消费"),
        Installer = ("installer", "临时安装"),
        OfficeBusiness = ("office_business", "办事"),
        GovernmentOfficial = ("government_official", "政府人员"),
        Salesperson = ("salesperson", "推销"),
        PropertyAgent = ("property_agent", "地产中介"),
        HourlyWorker = ("hourly_worker", "钟点工"),
        OfficeStaff = ("office_staff", "管理处员工"),
        FormerStaff = ("former_staff", "离职人员"),
    }
}

vocabulary! {
    /// Why a regular non-owner holds a pass (出入证, SPEC §1: 装修、送报、送奶…). Not the visit
    /// purposes: a pass is for those who come again and again, not for a visitor or a tour.
    PassPurpose, "pass purpose" {
        /// 装修施工: renovation and decoration workers.
        Renovation = ("renovation", "装修施工"),
        /// 送报送奶.
        NewspaperMilk = ("newspaper_milk", "送报送奶"),
        /// 送货快递: parcels, water, groceries.
        Delivery = ("delivery", "送货快递"),
        /// 送餐.
        FoodDelivery = ("food_delivery", "送餐"),
        /// 安装维修: appliances, broadband, gas.
        Installer = ("installer", "安装维修"),
        /// 钟点工、保姆.
        HourlyWorker = ("hourly_worker", "钟点工保姆"),
        /// 外包服务: cleaning, gardening, lifts.
        Contractor = ("contractor", "外包服务（保洁、绿化、电梯）"),
        /// Anything else the office issues a pass for.
        Other = ("other", "其他"),
    }
}

vocabulary! {
    /// How a person gave their consent to having their face collected and recognised (人脸采集
    /// 同意). A face is sensitive personal information under the PIPL (《个人信息保护法》第二十八、
    /// 二十九条): separate consent is needed before it is enrolled.
    ConsentMethod, "consent method" {
        /// 书面: a signed consent form, kept by the management office.
        Written = ("written", "书面"),
        /// 口头: said to the manager, who records it here.
        Oral = ("oral", "口头"),
        /// 线上: given online (the property's app, a mini-program, an e-mail).
        Online = ("online", "线上"),
    }
}

vocabulary! {
    /// Why a vehicle is known (vehicles.csv `kind`).
    VehicleKind, "vehicle kind" {
        Household = ("household", "业主车辆"),
        Vip = ("vip", "贵宾车辆"),
        Staff = ("staff", "员工车辆"),
        /// 搬家车辆, expected within a date window.
        MovingTruck = ("moving_truck", "搬家车辆"),
        /// 特种车辆: police, fire, ambulance, rescue.
        Special = ("special", "特种车辆"),
        Barred = ("barred", "禁止进入车辆"),
    }
}

vocabulary! {
    /// The kind of vehicle the vehicle detector names.
    VehicleClass, "vehicle class" {
        Car = ("car", "小汽车"),
        Bus = ("bus", "客车"),
        Truck = ("truck", "货车"),
        Motorcycle = ("motorcycle", "摩托车"),
    }
}

vocabulary! {
    /// Colour of a Chinese plate (SPEC §3).
    PlateColour, "plate colour" {
        /// small car
        Blue = ("blue", "蓝牌"),
        /// large vehicle (大型汽车), also coaches, motorcycles, driving-school
        Yellow = ("yellow", "黄牌"),
        /// small new-energy vehicle
        Green = ("green", "绿牌"),
        /// large new-energy vehicle
        YellowGreen = ("yellow_green", "黄绿牌"),
        /// police, military, emergency
        White = ("white", "白牌"),
        /// foreign, Hong Kong / Macau
        Black = ("black", "黑牌"),
    }
}

vocabulary! {
    /// Which way someone passes the gate.
    Direction, "direction" {
        In = ("in", "进"),
        Out = ("out", "出"),
    }
}

vocabulary! {
    /// What a camera is placed to see: faces at walking height, plates at bumper height, or both.
    CameraRole, "camera role" {
        Faces = ("faces", "人脸"),
        Plates = ("plates", "车牌"),
        Both = ("both", "人脸和车牌"),
    }
}

vocabulary! {
    /// How a camera is, as the screen shows it.
    CameraStatus, "camera status" {
        Connecting = ("connecting", "连接中"),
        Live = ("live", "在线"),
        Reconnecting = ("reconnecting", "重连中"),
        /// A recorded video played to its end.
        Ended = ("ended", "录像已结束"),
        Stopped = ("stopped", "已停止"),
    }
}

vocabulary! {
    /// The four 6-hour shifts of a gate (SPEC §5).
    Shift, "shift" {
        /// 00:00–06:00
        Night = ("night", "夜班 00:00–06:00"),
        /// 06:00–12:00
        Morning = ("morning", "早班 06:00–12:00"),
        /// 12:00–18:00
        Afternoon = ("afternoon", "中班 12:00–18:00"),
        /// 18:00–24:00
        Evening = ("evening", "晚班 18:00–24:00"),
    }
}

impl Shift {
    /// The hour the shift starts (local time).
    pub fn start_hour(self) -> u32 {
        match self {
            Shift::Night => 0,
            Shift::Morning => 6,
            Shift::Afternoon => 12,
            Shift::Evening => 18,
        }
    }
}

vocabulary! {
    /// What a gate event records.
    EventKind, "event kind" {
        /// A person seen (recognised or not).
        Person = ("person", "人员"),
        /// A vehicle seen.
        Vehicle = ("vehicle", "车辆"),
        /// An alert: oversize vehicle, barred person, prohibited goods…
        Alert = ("alert", "警报"),
        /// A registration the guard made (visitor, pass, goods slip).
        Registration = ("registration", "登记"),
    }
}

vocabulary! {
    /// What a user of the web app may do.
    Role, "role" {
        /// 门岗: the guard screen and its actions; no exports, no deletions.
        Guard = ("guard", "门岗"),
        /// 分队长: as a guard, plus the shift checks, the log and its exports.
        TeamLeader = ("team_leader", "分队长"),
        /// 管理处: the records (people, vehicles, passes), the log, exports and reports.
        Manager = ("manager", "管理处"),
        /// 管理员: everything, and the users.
        Admin = ("admin", "管理员"),
    }
}

impl Role {
    /// May export or delete personal data (CSV exports, deletions); guards may not.
    pub fn may_export(self) -> bool {
        !matches!(self, Role::Guard)
    }

    /// May see and change the records (people, households, vehicles, passes) and reports.
    pub fn may_manage(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }
}

vocabulary! {
    /// The post a user works at, which decides the notifications they receive (SPEC §1).
    Desk, "post" {
        /// 门岗: every arrival.
        Gate = ("gate", "门岗"),
        /// 巡逻岗.
        Patrol = ("patrol", "巡逻岗"),
        /// 中控岗.
        CentralControl = ("central_control", "中控岗"),
        /// 管理处值班.
        OfficeDuty = ("office_duty", "管理处值班"),
        /// 当班分队长.
        ShiftLeader = ("shift_leader", "当班分队长"),
    }
}

impl Desk {
    /// Whether a notification to `post` is for this desk (the gate sees every arrival anyway).
    pub fn receives(self, post: Post) -> bool {
        matches!(
            (self, post),
            (Desk::Patrol, Post::Patrol)
                | (Desk::CentralControl, Post::CentralControl)
                | (Desk::OfficeDuty, Post::OfficeDuty)
                | (Desk::ShiftLeader, Post::ShiftLeader)
        )
    }
}

/// The state of a pass at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassState {
    /// The second half (副证) is kept at the gate: the holder is inside.
    pub second_half_at_gate: bool,
    /// The office revoked the pass.
    pub revoked: bool,
    /// The pass's last day is over.
    pub expired: bool,
}

/// What the guard must do with a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassOutcome {
    /// Keep the second half, register, let in; notify patrol and central control.
    CheckedIn,
    /// Hand back the second half and register the exit.
    CheckedOut,
    /// Not accepted; the reason is shown to the guard.
    Refused(&'static str),
}

/// What the guard's screen says for one sighting, and whom the guard must notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The words to say, exactly (e.g. 王总，早上好，欢迎光临).
    pub say: String,
    /// What to do, short imperative lines in Chinese (check the work ID, register…).
    pub actions: Vec<String>,
    /// Posts to notify, in order.
    pub notify: Vec<Post>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_parse_from_csv_names_and_chinese() {
        assert_eq!("vip".parse::<PersonClass>(), Ok(PersonClass::Vip));
        assert_eq!(
            " Former_Staff ".parse::<PersonClass>(),
            Ok(PersonClass::FormerStaff)
        );
        assert_eq!("业主".parse::<PersonClass>(), Ok(PersonClass::Resident));
    }

    #[test]
    fn unknown_class_lists_the_allowed_ones() {
        let e = "owner".parse::<PersonClass>().unwrap_err().to_string();
        assert!(e.contains("\"owner\""), "{e}");
        assert!(e.contains("resident, office_staff"), "{e}");
    }

    #[test]
    fn every_key_round_trips() {
        for c in PersonClass::ALL {
            assert_eq!(c.key().parse::<PersonClass>(), Ok(*c));
        }
        for k in VehicleKind::ALL {
            assert_eq!(k.zh().parse::<VehicleKind>(), Ok(*k));
        }
    }
}
