//! Training new guards to know the residents (SPEC §6): a deck of cards per guard built from the
//! enrolled faces and the records, questions with four choices, a spaced-repetition schedule,
//! the residents' habits learned from the gate log, and each guard's progress toward 80% of the
//! households. Pure: the web layer reads the records and the clock and passes them in.
//!
//! # When a household counts as known
//!
//! A card is **secure** when its last two counted reviews were both right and nothing was answered
//! wrong since ([`schedule::CardState::secure`]). A review counts only when the card was due: the
//! first right answer schedules the next review a day later, so the two right answers are at
//! least a day apart. Answering a card again before it is due (practice) changes nothing.
//!
//! A **household is known** when every card about it is secure: "who lives here" for the
//! household, and face → name, face → household and name → face for each member whose face is
//! enrolled. Its members are the people in the records, active, resident or VIP, with that
//! household. Only households with at least one member count, in the total as in the known.

pub mod habits;
pub mod progress;
pub mod schedule;

use std::collections::{BTreeSet, HashMap};

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

pub use crate::domain::training::{CardKey, Exercise, Subject};
use crate::domain::{PersonClass, PersonStatus, VehicleKind};
use crate::store::{FaceThumbnail, Household, PersonRecord, VehicleRecord};

/// How many choices a question offers (one right).
pub const CHOICES: usize = 4;

/// Someone the guard should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub class: PersonClass,
    /// Their greeting title (王总), empty when none.
    pub title: String,
    /// Their household's id and code.
    pub household: Option<(i64, String)>,
    /// Their enrolled faces (thumbnail ids).
    pub faces: Vec<i64>,
    /// Plates of the vehicles registered to them, formatted (闽E·VL838).
    pub plates: Vec<String>,
    /// Looks and habits noted by the office.
    pub notes: Vec<String>,
}

/// A household and who lives there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub id: i64,
    /// building-unit-room, e.g. 3-2-1502.
    pub code: String,
    /// Its members' ids (active residents and VIPs), by name.
    pub members: Vec<i64>,
    /// Plates of the household's vehicles, formatted.
    pub plates: Vec<String>,
    pub notes: String,
}

/// Everyone the training covers, from the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    /// VIPs first, then office staff, then residents by household.
    pub people: Vec<Person>,
    /// Households with at least one member, by code.
    pub homes: Vec<Home>,
    /// How many people have an enrolled face.
    with_faces: usize,
    /// Where each person and household is in the lists, by id.
    person_at: HashMap<i64, usize>,
    home_at: HashMap<i64, usize>,
}

/// Whether `class` is someone the guard must know by sight.
fn trained(class: PersonClass) -> bool {
    matches!(
        class,
        PersonClass::Vip | PersonClass::Resident | PersonClass::OfficeStaff
    )
}

/// Whether `class` makes a member of a household.
fn member(class: PersonClass) -> bool {
    matches!(class, PersonClass::Vip | PersonClass::Resident)
}

fn order(class: PersonClass) -> u8 {
    match class {
        PersonClass::Vip => 0,
        PersonClass::OfficeStaff => 1,
        _ => 2,
    }
}

impl Roster {
    /// The roster of the records: active VIPs, office staff and residents; households with
    /// members; enrolled faces; registered vehicles.
    pub fn new(
        people: &[PersonRecord],
        households: &[Household],
        vehicles: &[VehicleRecord],
        faces: &[FaceThumbnail],
    ) -> Roster {
        let owned = |v: &&VehicleRecord| {
            matches!(
                v.kind,
                VehicleKind::Household | VehicleKind::Vip | VehicleKind::Staff
            )
        };
        let mut faces_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for f in faces {
            faces_of.entry(f.person_id).or_default().push(f.id);
        }
        let (mut cars_of_person, mut cars_of_home): (
            HashMap<i64, Vec<String>>,
            HashMap<_, Vec<_>>,
        ) = (HashMap::new(), HashMap::new());
        for v in vehicles.iter().filter(owned) {
            let plate = crate::domain::plate::format(&v.plate);
            if let Some(p) = v.owner_person_id {
                cars_of_person.entry(p).or_default().push(plate.clone());
            }
            if let Some(h) = v.owner_household_id {
                cars_of_home.entry(h).or_default().push(plate);
            }
        }
        let mut list: Vec<Person> = people
            .iter()
            .filter(|p| p.status == PersonStatus::Active && trained(p.class))
            .map(|p| Person {
                id: p.id,
                name: p.name.clone(),
                class: p.class,
                title: p.title.clone(),
                household: p.household_id.zip(p.household.clone()),
                faces: faces_of.remove(&p.id).unwrap_or_default(),
                plates: cars_of_person.remove(&p.id).unwrap_or_default(),
                notes: [&p.appearance_notes, &p.habit_notes]
                    .into_iter()
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| n.trim().to_owned())
                    .collect(),
            })
            .collect();
        list.sort_by(|a, b| {
            (order(a.class), a.household.as_ref().map(|h| &h.1), &a.name).cmp(&(
                order(b.class),
                b.household.as_ref().map(|h| &h.1),
                &b.name,
            ))
        });
        let mut members_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for p in list.iter().filter(|p| member(p.class)) {
            if let Some((h, _)) = &p.household {
                members_of.entry(*h).or_default().push(p.id);
            }
        }
        let mut homes: Vec<Home> = households
            .iter()
            .filter_map(|h| {
                Some(Home {
                    id: h.id,
                    code: h.code.clone(),
                    members: members_of.remove(&h.id)?,
                    plates: cars_of_home.remove(&h.id).unwrap_or_default(),
                    notes: h.notes.clone(),
                })
            })
            .collect();
        homes.sort_by(|a, b| a.code.cmp(&b.code));
        let with_faces = list.iter().filter(|p| !p.faces.is_empty()).count();
        let person_at = list.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let home_at = homes.iter().enumerate().map(|(i, h)| (h.id, i)).collect();
        Roster {
            people: list,
            homes,
            with_faces,
            person_at,
            home_at,
        }
    }

    pub fn person(&self, id: i64) -> Option<&Person> {
        self.people.get(*self.person_at.get(&id)?)
    }

    pub fn home(&self, id: i64) -> Option<&Home> {
        self.homes.get(*self.home_at.get(&id)?)
    }

    /// The cards about one person, in the order they are introduced.
    pub fn person_cards(&self, p: &Person) -> Vec<CardKey> {
        let mut out = Vec::new();
        let card = |exercise| CardKey {
            exercise,
            subject: Subject::Person(p.id),
        };
        if !p.faces.is_empty() {
            out.push(card(Exercise::FaceName));
            if p.household.is_some() && self.homes.len() >= 2 {
                out.push(card(Exercise::FaceHousehold));
            }
            if self.with_faces >= CHOICES {
                out.push(card(Exercise::NameFace));
            }
        }
        if p.class == PersonClass::Vip && !p.title.is_empty() {
            out.push(card(Exercise::VipTitle));
        }
        out
    }

    /// Every card about household `home`: who lives there, and its members' cards.
    pub fn home_cards(&self, home: &Home) -> Vec<CardKey> {
        let mut out: Vec<CardKey> = home
            .members
            .iter()
            .filter_map(|id| self.person(*id))
            .flat_map(|p| self.person_cards(p))
            .collect();
        out.push(CardKey {
            exercise: Exercise::HouseholdMembers,
            subject: Subject::Household(home.id),
        });
        out
    }

    /// The whole deck, in the order new cards are introduced: VIPs and office staff first,
    /// then household by household.
    pub fn deck(&self) -> Vec<CardKey> {
        let mut out = Vec::new();
        for p in self
            .people
            .iter()
            .filter(|p| p.class != PersonClass::Resident)
        {
            out.extend(self.person_cards(p));
        }
        for h in &self.homes {
            for c in self.home_cards(h) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
}

/// One choice of a question.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    /// What the page sends back when the guard picks it.
    pub id: String,
    /// The text shown (a name, a household, a title and car); empty for a face.
    pub label: String,
    /// The face shown (a thumbnail id), for name → face.
    pub face: Option<i64>,
}

/// A card put to the guard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Question {
    pub exercise: Exercise,
    /// What the page shows as the question, in Chinese.
    pub prompt: String,
    /// The face to look at, for the face exercises.
    pub face: Option<i64>,
    pub choices: Vec<Choice>,
    /// Pick every right choice (who lives here), not one.
    pub several: bool,
}

/// Why a card cannot be asked or answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainingError {
    #[error("this card is no longer in the deck (the person or household was changed or removed)")]
    NoSuchCard,
    #[error("pick an answer first")]
    NoAnswer,
}

/// `others` shuffled, at most `n` of them.
fn some<T: Clone>(others: &[T], n: usize, rng: &mut impl Rng) -> Vec<T> {
    others.choose_multiple(rng, n).cloned().collect()
}

/// A household code as the guard says it: 3-2-1502 → 3-2-1502（3栋2单元1502室）.
pub fn home_label(code: &str) -> String {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [b, u, r] => format!("{code}（{b}栋{u}单元{r}室）"),
        [b, r] => format!("{code}（{b}栋{r}室）"),
        _ => code.to_owned(),
    }
}

/// What a VIP is greeted as and comes in: 王总 · 闽E·VL838.
fn title_and_car(title: &str, plate: Option<&str>) -> String {
    format!("{title} · {}", plate.unwrap_or("无登记车辆"))
}

/// The question of `card`, with its choices in a random order.
pub fn question(
    roster: &Roster,
    card: CardKey,
    rng: &mut impl Rng,
) -> Result<Question, TrainingError> {
    let (exercise, subject) = (card.exercise, card.subject);
    let person = match subject {
        Subject::Person(id) => Some(roster.person(id).ok_or(TrainingError::NoSuchCard)?),
        Subject::Household(_) => None,
    };
    let others: Vec<&Person> = roster
        .people
        .iter()
        .filter(|p| Some(p.id) != person.map(|x| x.id))
        .collect();
    let name_choice = |p: &Person| Choice {
        id: p.id.to_string(),
        label: p.name.clone(),
        face: None,
    };
    let mut q = match (exercise, person) {
        (Exercise::FaceName, Some(p)) => {
            let mut choices = vec![name_choice(p)];
            choices.extend(some(&others, CHOICES - 1, rng).into_iter().map(name_choice));
            Question {
                exercise,
                prompt: "这位是谁？".into(),
                face: p.faces.choose(rng).copied(),
                choices,
                several: false,
            }
        }
        (Exercise::FaceHousehold, Some(p)) => {
            let (home, _) = p.household.as_ref().ok_or(TrainingError::NoSuchCard)?;
            let other_homes: Vec<&Home> = roster.homes.iter().filter(|h| h.id != *home).collect();
            let choice = |h: &Home| Choice {
                id: h.id.to_string(),
                label: home_label(&h.code),
                face: None,
            };
            let mut choices = vec![choice(roster.home(*home).ok_or(TrainingError::NoSuchCard)?)];
            choices.extend(some(&other_homes, CHOICES - 1, rng).into_iter().map(choice));
            Question {
                exercise,
                prompt: "这位住哪一户？".into(),
                face: p.faces.choose(rng).copied(),
                choices,
                several: false,
            }
        }
        (Exercise::NameFace, Some(p)) => {
            let with_faces: Vec<&Person> =
                others.into_iter().filter(|o| !o.faces.is_empty()).collect();
            let face_choice = |p: &Person, rng: &mut _| Choice {
                id: p.id.to_string(),
                label: String::new(),
                face: p.faces.choose(rng).copied(),
            };
            let mut choices = vec![face_choice(p, rng)];
            for o in some(&with_faces, CHOICES - 1, rng) {
                choices.push(face_choice(o, rng));
            }
            Question {
                exercise,
                prompt: format!("哪一位是{}？", p.name),
                face: None,
                choices,
                several: false,
            }
        }
        (Exercise::VipTitle, Some(p)) => {
            let right_plate = p.plates.first().map(String::as_str);
            let mut titles: Vec<String> = roster
                .people
                .iter()
                .filter(|o| o.id != p.id && !o.title.is_empty() && o.title != p.title)
                .map(|o| o.title.clone())
                .collect();
            let surname: String = p.name.chars().take(1).collect();
            for end in ["总", "董", "主任", "经理", "局"] {
                let t = format!("{surname}{end}");
                if t != p.title && !titles.contains(&t) {
                    titles.push(t);
                }
            }
            let mut plates: Vec<Option<&str>> = roster
                .people
                .iter()
                .flat_map(|o| o.plates.iter())
                .chain(roster.homes.iter().flat_map(|h| h.plates.iter()))
                .map(String::as_str)
                .filter(|x| Some(*x) != right_plate)
                .map(Some)
                .collect();
            plates.sort();
            plates.dedup();
            if right_plate.is_some() {
                plates.push(None);
            }
            let wrong_title = some(&titles, 2, rng);
            let wrong_plate = some(&plates, 2, rng);
            let mut labels = vec![title_and_car(&p.title, right_plate)];
            let candidates = [
                wrong_title.first().map(|t| title_and_car(t, right_plate)),
                wrong_plate.first().map(|pl| title_and_car(&p.title, *pl)),
                wrong_title
                    .get(1)
                    .zip(wrong_plate.get(1).or(wrong_plate.first()))
                    .map(|(t, pl)| title_and_car(t, *pl)),
                wrong_title
                    .first()
                    .zip(wrong_plate.get(1))
                    .map(|(t, pl)| title_and_car(t, *pl)),
            ];
            for c in candidates.into_iter().flatten() {
                if labels.len() < CHOICES && !labels.contains(&c) {
                    labels.push(c);
                }
            }
            Question {
                exercise,
                prompt: format!("{}（贵宾）怎么称呼？坐哪辆车来？", p.name),
                face: p.faces.choose(rng).copied(),
                choices: labels
                    .into_iter()
                    .map(|l| Choice {
                        id: l.clone(),
                        label: l,
                        face: None,
                    })
                    .collect(),
                several: false,
            }
        }
        (Exercise::HouseholdMembers, None) => {
            let Subject::Household(id) = subject else {
                return Err(TrainingError::NoSuchCard);
            };
            let home = roster.home(id).ok_or(TrainingError::NoSuchCard)?;
            let outsiders: Vec<&Person> = roster
                .people
                .iter()
                .filter(|p| !home.members.contains(&p.id))
                .collect();
            let wanted = (home.members.len() + 3).max(CHOICES + 1);
            let mut choices: Vec<Choice> = home
                .members
                .iter()
                .filter_map(|m| roster.person(*m))
                .map(name_choice)
                .collect();
            let n = wanted.saturating_sub(choices.len());
            choices.extend(some(&outsiders, n, rng).into_iter().map(name_choice));
            Question {
                exercise,
                prompt: format!("{} 住着谁？请选出全部", home_label(&home.code)),
                face: None,
                choices,
                several: true,
            }
        }
        _ => return Err(TrainingError::NoSuchCard),
    };
    q.choices.shuffle(rng);
    Ok(q)
}

/// The verdict on an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub correct: bool,
    /// The right answer, in words.
    pub right: String,
    /// The ids of the right choices.
    pub right_ids: Vec<String>,
}

/// Whether `picked` (the ids of the choices the guard picked) answers `card` rightly.
pub fn check(roster: &Roster, card: CardKey, picked: &[String]) -> Result<Verdict, TrainingError> {
    if picked.is_empty() {
        return Err(TrainingError::NoAnswer);
    }
    let one = |right: String, label: String| Verdict {
        correct: picked.len() == 1 && picked[0] == right,
        right: label,
        right_ids: vec![right],
    };
    match (card.exercise, card.subject) {
        (Exercise::FaceName | Exercise::NameFace, Subject::Person(id)) => {
            let p = roster.person(id).ok_or(TrainingError::NoSuchCard)?;
            Ok(one(id.to_string(), p.name.clone()))
        }
        (Exercise::FaceHousehold, Subject::Person(id)) => {
            let p = roster.person(id).ok_or(TrainingError::NoSuchCard)?;
            let (home, code) = p.household.as_ref().ok_or(TrainingError::NoSuchCard)?;
            Ok(one(home.to_string(), home_label(code)))
        }
        (Exercise::VipTitle, Subject::Person(id)) => {
            let p = roster.person(id).ok_or(TrainingError::NoSuchCard)?;
            let right = title_and_car(&p.title, p.plates.first().map(String::as_str));
            Ok(one(right.clone(), right))
        }
        (Exercise::HouseholdMembers, Subject::Household(id)) => {
            let home = roster.home(id).ok_or(TrainingError::NoSuchCard)?;
            let right: BTreeSet<String> = home.members.iter().map(i64::to_string).collect();
            let got: BTreeSet<String> = picked.iter().cloned().collect();
            let names: Vec<&str> = home
                .members
                .iter()
                .filter_map(|m| roster.person(*m))
                .map(|p| p.name.as_str())
                .collect();
            Ok(Verdict {
                correct: got == right,
                right: names.join("、"),
                right_ids: right.into_iter().collect(),
            })
        }
        _ => Err(TrainingError::NoSuchCard),
    }
}

#[cfg(test)]
mod tests;
