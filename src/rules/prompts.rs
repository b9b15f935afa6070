//! What the screen tells the guard to say and do for each class of person, arriving and leaving,
//! and whom to notify (SPEC §1 and §2, seed §1.1–§1.2).

use chrono::NaiveTime;

use super::greeting::greeting_at;
use crate::domain::event::Look;
use crate::domain::{Direction, PersonClass, PersonStatus, Post, Prompt};

/// The first question to a visitor (对来访人员的第一句问话).
pub const VISITOR_FIRST: &str = "先生/小姐，请问有什么需要帮忙吗？";

/// The rest of the visitor script, in order.
pub const VISITOR_SCRIPT: [&str; 4] = [
    "请问您到哪一房？",
    "请问您贵姓？",
    "请您稍等，我确认一下好吗？",
    "请出示一下您的有效证件登记好吗？",
];

/// What to say when the resident cannot be reached or does not agree (seed §1.2 E).
pub const RESIDENT_UNREACHABLE: &str = "对不起，我们无法联络业主，请您改日再来或用其他方式联系";

/// Polite refusal for scavengers, hawkers and salespeople (seed part 6 §5 bars them; the seed
/// gives no words, these are ours, built from its polite phrases 对不起 and 谢谢).
pub const BARRED_REFUSAL: &str = "对不起，小区谢绝推销、拾荒和摆卖人员进入，谢谢合作";

/// Who is at the gate, as far as the rules need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival<'a> {
    pub class: PersonClass,
    /// How the person is addressed: 王总, 李董, 主任, 张主管 (VIPs and staff).
    pub title: Option<&'a str>,
    pub direction: Direction,
    /// Company staff who asked the gate not to tell the management office.
    pub ask_not_to_notify: bool,
}

/// The class the rules treat a person as: someone who has left is no longer what the records
/// say. Staff who left are former staff (a visitor, reported to the shift leader); anyone
/// else who left (a resident who moved out, a pass holder whose work ended) is a visitor.
pub fn effective_class(class: PersonClass, status: PersonStatus) -> PersonClass {
    match (status, class) {
        (PersonStatus::Active, c) => c,
        (PersonStatus::Left, PersonClass::OfficeStaff | PersonClass::CompanyStaff) => {
            PersonClass::FormerStaff
        }
        (PersonStatus::Left, PersonClass::Barred | PersonClass::FormerStaff) => class,
        (PersonStatus::Left, _) => PersonClass::Visitor,
    }
}

/// How the screen shows a person of `class` (as [`effective_class`] gives it) and the big action
/// on their card: the greeting a VIP or a resident gets, the check a worker or pass holder
/// needs, a visitor's registration, a refusal.
pub fn card(class: PersonClass) -> (Look, &'static str) {
    match class {
        PersonClass::Vip => (Look::Vip, "敬礼问候"),
        PersonClass::Resident => (Look::Known, "点头问候"),
        PersonClass::OfficeStaff => (Look::Known, "问候"),
        PersonClass::CompanyStaff => (Look::Known, "查验工作证"),
        PersonClass::PassHolder => (Look::Known, "查验出入证"),
        PersonClass::Visitor => (Look::Stranger, "访客登记"),
        PersonClass::Barred => (Look::Alert, "婉拒"),
        PersonClass::FormerStaff => (Look::Stranger, "按访客登记"),
    }
}

/// The prompt for a person at the gate at a local time of day.
pub fn prompt(arrival: &Arrival<'_>, time: NaiveTime) -> Prompt {
    let greeting = greeting_at(time).text();
    let titled = |rest: &str| match arrival.title.filter(|t| !t.trim().is_empty()) {
        Some(title) => format!("{}，{rest}", title.trim()),
        None => rest.to_owned(),
    };
    let arriving = arrival.direction == Direction::In;
    match (arrival.class, arriving) {
        (PersonClass::Vip, true) => Prompt {
            say: titled(&format!("{greeting}，欢迎光临")),
            actions: lines(&[
                "在5–7步处立正敬礼问好",
                "主动开门请进，后行注目礼",
                "立即通知管理处值班人员",
            ]),
            notify: vec![Post::OfficeDuty],
        },
        (PersonClass::Vip, false) => Prompt {
            say: titled("请慢走，欢迎下次光临"),
            actions: lines(&["开门敬礼送别"]),
            notify: vec![],
        },
        (PersonClass::Resident, _) => Prompt {
            say: greeting.to_owned(),
            actions: lines(&["主动问好，直接放行"]),
            notify: vec![],
        },
        (PersonClass::OfficeStaff, _) => Prompt {
            say: titled(greeting),
            actions: lines(&["主动问好，放行"]),
            notify: vec![],
        },
        (PersonClass::CompanyStaff, true) => {
            let (post, action) = if arrival.ask_not_to_notify {
                (
                    Post::ShiftLeader,
                    "本人要求不通知管理处：通知当班分队长跟进",
                )
            } else {
                (Post::OfficeDuty, "立即通知管理处值班人员")
            };
            Prompt {
                say: greeting.to_owned(),
                actions: lines(&["查验工作证", "确认无误后登记放行", action]),
                notify: vec![post],
            }
        }
        (PersonClass::CompanyStaff, false) => Prompt {
            say: greeting.to_owned(),
            actions: lines(&["放行"]),
            notify: vec![],
        },
        (PersonClass::PassHolder, true) => Prompt {
            say: greeting.to_owned(),
            actions: lines(&[
                "查验正副两张出入证",
                "确认无误后将副证留在门岗",
                "登记放行",
                "通知巡逻岗和中控岗跟进",
            ]),
            notify: vec![Post::Patrol, Post::CentralControl],
        },
        (PersonClass::PassHolder, false) => Prompt {
            say: greeting.to_owned(),
            actions: lines(&["交还副证", "作好离开登记"]),
            notify: vec![],
        },
        (PersonClass::Visitor, true) => visitor_arriving(&[]),
        (PersonClass::FormerStaff, true) => {
            let mut p = visitor_arriving(&["离职人员：按来访人员处理，不按员工放行"]);
            p.actions.push("报告当班分队长".to_owned());
            p.notify.push(Post::ShiftLeader);
            p
        }
        (PersonClass::Visitor | PersonClass::FormerStaff, false) => Prompt {
            say: "再见".to_owned(),
            actions: lines(&["登记离开时间"]),
            notify: vec![],
        },
        (PersonClass::Barred, true) => Prompt {
            say: BARRED_REFUSAL.to_owned(),
            actions: lines(&["礼貌劝离，不准进入小区"]),
            notify: vec![],
        },
        (PersonClass::Barred, false) => Prompt {
            say: "再见".to_owned(),
            actions: lines(&["此人不应在小区内：报告当班分队长"]),
            notify: vec![Post::ShiftLeader],
        },
    }
}

/// The visitor script: ask, confirm with the resident by intercom, check and register an ID,
/// then notify the patrol post and central control. `first` are lines shown before it.
fn visitor_arriving(first: &[&str]) -> Prompt {
    let mut actions = lines(first);
    actions.extend(VISITOR_SCRIPT.iter().map(|s| (*s).to_owned()));
    actions.extend(lines(&[
        "对讲确认业主同意后登记放行（证件双手接，双手还）",
        "通知巡逻岗、中控岗跟进确认",
    ]));
    Prompt {
        say: VISITOR_FIRST.to_owned(),
        actions,
        notify: vec![Post::Patrol, Post::CentralControl],
    }
}

/// The prompt when the resident cannot be reached or refuses the visitor.
pub fn visitor_refused() -> Prompt {
    Prompt {
        say: RESIDENT_UNREACHABLE.to_owned(),
        actions: lines(&["不予放行"]),
        notify: vec![],
    }
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn person(class: PersonClass, title: Option<&str>, direction: Direction) -> Arrival<'_> {
        Arrival {
            class,
            title,
            direction,
            ask_not_to_notify: false,
        }
    }

    #[test]
    fn vip_arriving_is_greeted_by_title_and_time_and_office_duty_is_notified() {
        let p = prompt(
            &person(PersonClass::Vip, Some("王总"), Direction::In),
            t(7, 0),
        );
        assert_eq!(p.say, "王总，早上好，欢迎光临");
        assert_eq!(p.notify, vec![Post::OfficeDuty]);
        assert!(p.actions.iter().any(|a| a.contains("5–7步")));
        let p = prompt(
            &person(PersonClass::Vip, Some("李董"), Direction::In),
            t(6, 59),
        );
        assert_eq!(p.say, "李董，早上好，欢迎光临");
        let p = prompt(
            &person(PersonClass::Vip, Some("李董"), Direction::In),
            t(5, 59),
        );
        assert_eq!(p.say, "李董，晚上好，欢迎光临");
        let p = prompt(
            &person(PersonClass::Vip, Some("张主任"), Direction::In),
            t(9, 0),
        );
        assert_eq!(p.say, "张主任，您好，欢迎光临");
    }

    #[test]
    fn vip_leaving_is_seen_off_with_qing_man_zou() {
        let p = prompt(
            &person(PersonClass::Vip, Some("王总"), Direction::Out),
            t(7, 0),
        );
        assert_eq!(p.say, "王总，请慢走，欢迎下次光临");
        assert!(p.notify.is_empty());
    }

    #[test]
    fn resident_gets_the_time_of_day_greeting_only() {
        let r = |h, m| prompt(&person(PersonClass::Resident, None, Direction::In), t(h, m));
        assert_eq!(r(12, 0).say, "您好");
        assert_eq!(r(5, 59).say, "晚上好");
        assert_eq!(r(6, 0).say, "早上好");
        assert_eq!(r(19, 0).say, "晚上好");
        assert!(r(12, 0).notify.is_empty());
    }

    #[test]
    fn office_staff_is_greeted_by_title() {
        let p = prompt(
            &person(PersonClass::OfficeStaff, Some("主任"), Direction::In),
            t(8, 30),
        );
        assert_eq!(p.say, "主任，早上好");
        let p = prompt(
            &person(PersonClass::OfficeStaff, Some("李主管"), Direction::Out),
            t(20, 0),
        );
        assert_eq!(p.say, "李主管，晚上好");
        assert!(p.notify.is_empty());
    }

    #[test]
    fn company_staff_work_id_is_checked_and_office_duty_notified() {
        let p = prompt(
            &person(PersonClass::CompanyStaff, None, Direction::In),
            t(10, 0),
        );
        assert!(p.actions[0].contains("工作证"));
        assert_eq!(p.notify, vec![Post::OfficeDuty]);
    }

    #[test]
    fn company_staff_asking_not_to_notify_goes_to_the_shift_leader() {
        let mut a = person(PersonClass::CompanyStaff, None, Direction::In);
        a.ask_not_to_notify = true;
        let p = prompt(&a, t(10, 0));
        assert_eq!(p.notify, vec![Post::ShiftLeader]);
    }

    #[test]
    fn pass_holder_keeps_second_half_at_gate_and_patrol_and_central_control_follow() {
        let p = prompt(
            &person(PersonClass::PassHolder, None, Direction::In),
            t(10, 0),
        );
        assert!(p.actions.iter().any(|a| a.contains("正副两张")));
        assert!(p.actions.iter().any(|a| a.contains("副证留在门岗")));
        assert_eq!(p.notify, vec![Post::Patrol, Post::CentralControl]);
        let p = prompt(
            &person(PersonClass::PassHolder, None, Direction::Out),
            t(17, 0),
        );
        assert!(p.actions.iter().any(|a| a.contains("交还副证")));
        assert!(p.actions.iter().any(|a| a.contains("离开登记")));
    }

    #[test]
    fn visitor_is_asked_the_script_in_order_and_patrol_and_central_control_notified() {
        let p = prompt(&person(PersonClass::Visitor, None, Direction::In), t(15, 0));
        assert_eq!(p.say, "先生/小姐，请问有什么需要帮忙吗？");
        let pos = |s: &str| p.actions.iter().position(|a| a == s).unwrap();
        assert!(pos("请问您到哪一房？") < pos("请问您贵姓？"));
        assert!(pos("请问您贵姓？") < pos("请您稍等，我确认一下好吗？"));
        assert!(pos("请您稍等，我确认一下好吗？") < pos("请出示一下您的有效证件登记好吗？"));
        assert_eq!(p.notify, vec![Post::Patrol, Post::CentralControl]);
    }

    #[test]
    fn visitor_refused_when_resident_unreachable_hears_the_seed_sentence() {
        assert_eq!(
            visitor_refused().say,
            "对不起，我们无法联络业主，请您改日再来或用其他方式联系"
        );
    }

    #[test]
    fn former_staff_is_treated_as_a_visitor_and_reported_to_the_shift_leader() {
        let p = prompt(
            &person(PersonClass::FormerStaff, Some("主管"), Direction::In),
            t(10, 0),
        );
        assert_eq!(p.say, VISITOR_FIRST);
        assert!(
            p.actions
                .iter()
                .any(|a| a == "请出示一下您的有效证件登记好吗？")
        );
        assert!(p.notify.contains(&Post::ShiftLeader));
        assert!(p.notify.contains(&Post::Patrol));
        assert!(!p.say.contains("主管"), "never greeted as staff");
    }

    #[test]
    fn staff_who_left_are_former_staff_and_others_who_left_are_visitors() {
        use PersonClass::*;
        assert_eq!(
            effective_class(OfficeStaff, PersonStatus::Left),
            FormerStaff
        );
        assert_eq!(
            effective_class(CompanyStaff, PersonStatus::Left),
            FormerStaff
        );
        assert_eq!(effective_class(Resident, PersonStatus::Left), Visitor);
        assert_eq!(effective_class(Vip, PersonStatus::Left), Visitor);
        assert_eq!(effective_class(Barred, PersonStatus::Left), Barred);
        assert_eq!(
            effective_class(OfficeStaff, PersonStatus::Active),
            OfficeStaff
        );
    }

    #[test]
    fn barred_people_are_refused_politely() {
        let p = prompt(&person(PersonClass::Barred, None, Direction::In), t(10, 0));
        assert!(p.say.starts_with("对不起"));
        assert!(p.actions.iter().any(|a| a.contains("不准进入")));
    }
}
