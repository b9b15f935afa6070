//! `gateward prompt --who NAME|PLATE [--at TIME] [--leaving]`: prints exactly what the guard's
//! screen will say for a person or a vehicle at a given local time, and whom it notifies, so the
//! property manager can check the records and the rules before the gate relies on them.

use anyhow::bail;

use crate::app::when;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::clean_plate;
use crate::domain::plate::normalise_plate;
use crate::domain::{Direction, PersonClass, Prompt};
use crate::pipeline::watch::person_prompt;
use crate::rules::gate::{gate_open, shift_at};
use crate::rules::prompts::effective_class;
use crate::rules::vehicles::{self, KnownVehicle, VehicleFacts};
use crate::store::{PersonRecord, Store, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A person's name or a plate (王伟, 川A·8H458) (人名或车牌)
    #[arg(long)]
    pub who: String,
    /// Local time at the gate, "2026-11-28 07:00" or "07:00" (today) [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Leaving instead of arriving (离开)
    #[arg(long)]
    pub leaving: bool,
}

/// Looks the subject up in the records and prints the prompt.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let tz = config.gate.time_zone;
    let at = parse_at(args.at.as_deref(), tz, &SystemClock)?;
    let store = Store::open(database_path(&config.paths.data))?;
    let direction = if args.leaving {
        Direction::Out
    } else {
        Direction::In
    };
    print!(
        "{}",
        render(&store, &args.who, at, direction, &config.gate.name)?
    );
    Ok(())
}

/// Parses `--at` as local time at the gate; `None` is now.
pub fn parse_at(text: Option<&str>, tz: Tz, clock: &dyn Clock) -> anyhow::Result<NaiveDateTime> {
    let now = clock.now().with_timezone(&tz).naive_local();
    match text {
        None => Ok(now),
        Some(text) => {
            let at = when::parse_local(text, now.date())?;
            when::to_utc(at, tz)?; // refuse a time that does not exist locally
            Ok(at)
        }
    }
}

/// The text the screen shows for `who` at local time `at`.
pub fn render(
    store: &Store,
    who: &str,
    at: NaiveDateTime,
    direction: Direction,
    gate: &str,
) -> anyhow::Result<String> {
    let mut out = format!(
        "{} {} · {} · {}{}\n",
        at.format("%Y-%m-%d %H:%M"),
        shift_at(at.time()).zh(),
        gate,
        direction.zh(),
        if gate_open(at.time()) {
            ""
        } else {
            " · 大门关闭时段（00:00–05:00），按需开门"
        }
    );
    let people = store.people_named(who.trim())?;
    match people.as_slice() {
        [person] => {
            out += &person_line(person);
            out += &prompt_text(&person_prompt(person, at.time(), direction));
            return Ok(out);
        }
        [] => {}
        several => {
            let homes: Vec<String> = several
                .iter()
                .map(|p| format!("{} ({})", p.name, p.household.as_deref().unwrap_or("-")))
                .collect();
            bail!(
                "{} people are named {who}: {}; the camera tells them apart by face, the prompt needs one",
                several.len(),
                homes.join(", ")
            );
        }
    }
    // a well-formed plate is looked up; an unknown one still gets the unknown-vehicle prompt
    let valid_plate = normalise_plate(who).ok();
    let plate = valid_plate.clone().unwrap_or_else(|| clean_plate(who));
    let records = store.find_vehicles(&plate)?;
    let Some(vehicle) = records.iter().find(|v| v.plate == plate) else {
        if valid_plate.is_some() {
            out += &format!("车牌 {plate} · 不在记录中\n");
            let decision = vehicles::decide(&VehicleFacts {
                plate: Some(&plate),
                colour: None,
                colour_doubt: None,
                looks_large: false,
                known: None,
                dangerous_goods: false,
                day: at.date(),
            });
            out += &prompt_text(&decision.prompt());
            return Ok(out);
        }
        bail!(
            "no one named {who} and no vehicle with that plate is in the records; add them with `gateward import`"
        );
    };
    let owner = match vehicle.owner_person_id {
        Some(id) => store.person(id)?,
        None => None,
    };
    out += &format!(
        "车牌 {} · {}{}{}\n",
        vehicle.plate,
        vehicle.kind.zh(),
        vehicle
            .colour
            .map(|c| format!(" · {}", c.zh()))
            .unwrap_or_default(),
        owner
            .as_ref()
            .map(|p| format!(" · {}", p.name))
            .or_else(|| vehicle.owner_household.as_ref().map(|h| format!(" · {h}")))
            .unwrap_or_default()
    );
    let decision = vehicles::decide(&VehicleFacts {
        plate: Some(&vehicle.plate),
        colour: vehicle.colour,
        colour_doubt: None,
        looks_large: false,
        known: Some(KnownVehicle {
            kind: vehicle.kind,
            valid_from: vehicle.valid_from,
            valid_to: vehicle.valid_to,
        }),
        dangerous_goods: false,
        day: at.date(),
    });
    out += &prompt_text(&decision.prompt());
    // A VIP's car (表1) is greeted like the VIP.
    if let Some(person) = owner.filter(|p| effective_class(p.class, p.status) == PersonClass::Vip) {
        out += &person_line(&person);
        out += &prompt_text(&person_prompt(&person, at.time(), direction));
    }
    Ok(out)
}

fn person_line(p: &PersonRecord) -> String {
    let class = effective_class(p.class, p.status);
    let mut parts = vec![p.name.clone(), class.zh().to_owned()];
    if class != p.class {
        parts.push(format!("记录为{}（{}）", p.class.zh(), p.status.zh()));
    }
    if !p.title.is_empty() {
        parts.push(p.title.clone());
    }
    if let Some(h) = &p.household {
        parts.push(h.clone());
    }
    format!("{}\n", parts.join(" · "))
}

fn prompt_text(p: &Prompt) -> String {
    let mut out = String::new();
    if !p.say.is_empty() {
        out += &format!("说：{}\n", p.say);
    }
    for (i, a) in p.actions.iter().enumerate() {
        // "做：" is four columns wide on a terminal; later lines align under the first
        out += &format!("{}{}\n", if i == 0 { "做：" } else { "    " }, a);
    }
    let posts: Vec<&str> = p.notify.iter().map(|n| n.zh()).collect();
    out += &format!(
        "通知：{}\n",
        if posts.is_empty() {
            "无".to_owned()
        } else {
            posts.join("、")
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Timelike};

    #[test]
    fn at_parses_full_and_short_forms_in_local_time() {
        let clock = crate::clock::SimulatedClock::new(
            DateTime::parse_from_rfc3339("2026-11-27T23:30:00Z")
                .unwrap()
                .into(),
        );
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let t = parse_at(Some("2026-11-28 07:00"), tz, &clock).unwrap();
        assert_eq!((t.hour(), t.minute()), (7, 0));
        // 23:30 UTC is 07:30 the next day in Shanghai: "06:59" means that local day
        let t = parse_at(Some("06:59"), tz, &clock).unwrap();
        assert_eq!(t.to_string(), "2026-11-28 06:59:00");
        assert_eq!(
            parse_at(None, tz, &clock).unwrap().to_string(),
            "2026-11-28 07:30:00"
        );
        let e = parse_at(Some("7am"), tz, &clock).unwrap_err().to_string();
        assert!(e.contains("2026-11-28 07:00"), "{e}");
    }
}
