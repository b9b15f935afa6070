//! Training pages and their JSON API (SPEC §6): the next card, the answer and the schedule,
//! the study sheet with the habits the gate log shows, each guard's progress with its chart
//! (the team leader sees everyone's), and the residents likely to come in the next hour, which
//! the guard's screen offers for review when the gate is quiet.

use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::auth::Authed;
use super::error::WebError;
use super::page;
use super::state::{AppState, blocking};
use crate::domain::Role;
use crate::store::{EventKind, EventQuery, TrainingAnswer, User, VehicleRecord};
use crate::training::habits::{self, Trips};
use crate::training::progress::{self, Progress};
use crate::training::schedule::{self, Next};
use crate::training::{CardKey, Exercise, Roster, Subject, home_label};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/training", get(home))
        .route("/training/review", get(review_page))
        .route("/training/progress", get(progress_page))
        .route("/training/face/{id}", get(face))
        .route("/api/training/next", get(next_card))
        .route("/api/training/answer", post(answer))
        .route("/api/training/progress", get(progress_json))
        .route("/api/training/soon", get(soon))
        .route("/api/training/people/{id}", get(sheet_json))
}

/// How far ahead the quiet-moment review looks.
const SOON_MINUTES: u32 = 60;
/// How many likely arrivals it offers.
const SOON_PEOPLE: usize = 6;

fn face_url(id: i64) -> String {
    format!("/training/face/{id}")
}

/// The records the training is built from, and the vehicles (whose trips the habits follow).
fn records(s: &AppState) -> Result<(Roster, Vec<VehicleRecord>), WebError> {
    let store = &s.store;
    let vehicles = store.vehicles()?;
    let roster = Roster::new(
        &store.people()?,
        &store.households()?,
        &vehicles,
        &store.face_thumbnails()?,
    );
    Ok((roster, vehicles))
}

fn roster(s: &AppState) -> Result<Roster, WebError> {
    Ok(records(s)?.0)
}

/// The gate log's trips of the last [`habits::DAYS`] days: everyone's, or only those of the
/// people and plates of `about` (fast on a busy gate: the log's indexes find them).
fn trips(
    s: &AppState,
    vehicles: &[VehicleRecord],
    about: Option<(&[i64], &[String])>,
) -> Result<Trips, WebError> {
    let now = s.clock.now();
    let window = EventQuery {
        from: Some(now - Duration::days(habits::DAYS)),
        to: Some(now + Duration::seconds(1)),
        ..EventQuery::default()
    };
    let mut queries = Vec::new();
    match about {
        None => {
            for kind in [EventKind::Person, EventKind::Vehicle] {
                queries.push(EventQuery {
                    kind: Some(kind),
                    ..window.clone()
                });
            }
        }
        Some((people, plates)) => {
            for p in people {
                queries.push(EventQuery {
                    kind: Some(EventKind::Person),
                    person_id: Some(*p),
                    ..window.clone()
                });
            }
            for plate in plates {
                queries.push(EventQuery {
                    kind: Some(EventKind::Vehicle),
                    plate: Some(plate.clone()),
                    ..window.clone()
                });
            }
        }
    }
    let mut events = Vec::new();
    for q in &queries {
        events.extend(s.store.events(q)?);
    }
    Ok(habits::trips(&events, vehicles, s.tz))
}

/// The trips the study sheet of `subject` shows: its people's, their cars' and their household's.
fn trips_of(
    s: &AppState,
    roster: &Roster,
    vehicles: &[VehicleRecord],
    subject: Subject,
) -> Result<Trips, WebError> {
    let home = match subject {
        Subject::Household(h) => roster.home(h),
        Subject::Person(p) => roster
            .person(p)
            .and_then(|p| p.household.as_ref())
            .and_then(|(h, _)| roster.home(*h)),
    };
    let mut people: Vec<i64> = home.map(|h| h.members.clone()).unwrap_or_default();
    if let Subject::Person(p) = subject
        && !people.contains(&p)
    {
        people.push(p);
    }
    let mut plates: Vec<String> = people
        .iter()
        .filter_map(|p| roster.person(*p))
        .flat_map(|p| p.plates.iter())
        .chain(home.into_iter().flat_map(|h| h.plates.iter()))
        .cloned()
        .collect();
    plates.sort();
    plates.dedup();
    trips(s, vehicles, Some((&people, &plates)))
}

/// What a card says about someone once it is answered: for study.
#[derive(Debug, Serialize)]
struct Sheet {
    /// A person's name, or a household's address.
    name: String,
    title: String,
    /// 业主, 贵宾…; empty for a household.
    class: String,
    household: Option<String>,
    /// Who lives with them (or, for a household, who lives there).
    housemates: Vec<String>,
    faces: Vec<String>,
    plates: Vec<String>,
    notes: Vec<String>,
    /// What the gate log shows of their comings and goings.
    habits: Vec<String>,
}

fn person_habits(roster: &Roster, trips: &Trips, id: i64) -> Vec<String> {
    let mut out = trips
        .people
        .get(&id)
        .map(|t| habits::habits(t).lines())
        .unwrap_or_default();
    if let Some((home, _)) = roster.person(id).and_then(|p| p.household.as_ref())
        && let Some(t) = trips.homes.get(home)
    {
        out.extend(habits::habits(t).car_lines());
    }
    out
}

fn person_sheet(roster: &Roster, trips: &Trips, id: i64) -> Option<Sheet> {
    let p = roster.person(id)?;
    let home = p.household.as_ref().and_then(|(h, _)| roster.home(*h));
    Some(Sheet {
        name: p.name.clone(),
        title: p.title.clone(),
        class: p.class.zh().to_owned(),
        household: p.household.as_ref().map(|(_, code)| home_label(code)),
        housemates: home
            .map(|h| {
                h.members
                    .iter()
                    .filter(|m| **m != id)
                    .filter_map(|m| roster.person(*m))
                    .map(|m| m.name.clone())
                    .collect()
            })
            .unwrap_or_default(),
        faces: p.faces.iter().map(|f| face_url(*f)).collect(),
        plates: p
            .plates
            .iter()
            .chain(home.into_iter().flat_map(|h| h.plates.iter()))
            .fold(Vec::new(), |mut all, plate| {
                if !all.contains(plate) {
                    all.push(plate.clone());
                }
                all
            }),
        notes: p.notes.clone(),
        habits: person_habits(roster, trips, id),
    })
}

fn home_sheet(roster: &Roster, trips: &Trips, id: i64) -> Option<Sheet> {
    let h = roster.home(id)?;
    let members: Vec<_> = h.members.iter().filter_map(|m| roster.person(*m)).collect();
    let mut lines: Vec<String> = Vec::new();
    for m in &members {
        if let Some(t) = trips.people.get(&m.id) {
            lines.extend(
                habits::habits(t)
                    .lines()
                    .into_iter()
                    .map(|l| format!("{}：{l}", m.name)),
            );
        }
    }
    if let Some(t) = trips.homes.get(&id) {
        lines.extend(habits::habits(t).car_lines());
    }
    Some(Sheet {
        name: home_label(&h.code),
        title: String::new(),
        class: String::new(),
        household: Some(home_label(&h.code)),
        housemates: members.iter().map(|m| m.name.clone()).collect(),
        faces: members
            .iter()
            .filter_map(|m| m.faces.first())
            .map(|f| face_url(*f))
            .collect(),
        plates: h.plates.clone(),
        notes: members
            .iter()
            .flat_map(|m| m.notes.iter().map(|n| format!("{}：{n}", m.name)))
            .chain((!h.notes.is_empty()).then(|| h.notes.clone()))
            .collect(),
        habits: lines,
    })
}

fn sheet(roster: &Roster, trips: &Trips, subject: Subject) -> Option<Sheet> {
    match subject {
        Subject::Person(id) => person_sheet(roster, trips, id),
        Subject::Household(id) => home_sheet(roster, trips, id),
    }
}

/// "10 分钟后", "1 天后": when a card comes back, for the guard, rounded to the nearest unit.
fn wait_zh(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let minutes = ((to - from).num_seconds() + 30).div_euclid(60);
    if minutes <= 0 {
        "现在".into()
    } else if minutes < 60 {
        format!("{minutes} 分钟后")
    } else if minutes < 23 * 60 + 30 {
        format!("{} 小时后", (minutes + 30) / 60)
    } else {
        format!("{} 天后", (minutes + 12 * 60) / (24 * 60))
    }
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    /// Only this exercise (practice).
    exercise: Option<String>,
    /// "soon": only those likely to come in the next hour (the quiet moment).
    focus: Option<String>,
    /// Keep going when nothing is due and no new card is left.
    practice: Option<bool>,
}

#[derive(Debug, Serialize)]
struct ChoiceOut {
    id: String,
    label: String,
    face: Option<String>,
}

#[derive(Debug, Serialize)]
struct CardOut {
    exercise: Exercise,
    exercise_zh: &'static str,
    /// "due" (a review), "new" or "practice".
    kind: &'static str,
    person: Option<i64>,
    household: Option<i64>,
    prompt: String,
    face: Option<String>,
    choices: Vec<ChoiceOut>,
    several: bool,
}

#[derive(Debug, Serialize)]
struct NextOut {
    card: Option<CardOut>,
    /// Cards whose review is due now, and new cards left for today.
    due: usize,
    new_left: usize,
    /// When the next review comes, when nothing is left now.
    next_due: Option<DateTime<Utc>>,
    next_due_zh: Option<String>,
}

/// People likely to come through the gate in the next hour, by how many days they did.
fn likely(s: &AppState, roster: &Roster, trips: &Trips) -> Vec<(i64, usize)> {
    let members: HashMap<i64, Vec<i64>> = roster
        .homes
        .iter()
        .map(|h| (h.id, h.members.clone()))
        .collect();
    let now = s.clock.now().with_timezone(&s.tz).time();
    habits::likely(trips, &members, now, SOON_MINUTES)
        .into_iter()
        .filter(|(id, _)| roster.person(*id).is_some())
        .take(SOON_PEOPLE)
        .collect()
}

/// New cards begun today (the gate's day) among `answers`.
fn begun_today(answers: &[TrainingAnswer], s: &AppState) -> usize {
    let today = s.clock.now().with_timezone(&s.tz).date_naive();
    let mut first: HashMap<CardKey, DateTime<Utc>> = HashMap::new();
    for a in answers {
        first.entry(a.card).or_insert(a.at);
    }
    first
        .values()
        .filter(|at| at.with_timezone(&s.tz).date_naive() == today)
        .count()
}

async fn next_card(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Json<NextOut>, WebError> {
    let exercise =
        match q.exercise.as_deref().filter(|e| !e.is_empty()) {
            None => None,
            Some(key) => Some(Exercise::from_key(key).ok_or_else(|| {
                WebError::BadInput(format!("没有这种练习 (no exercise \"{key}\")"))
            })?),
        };
    blocking(move || {
        let (roster, vehicles) = records(&s)?;
        let answers = s.store.training_answers(user.user.id)?;
        let states = schedule::states(&answers);
        let now = s.clock.now();
        let mut deck = roster.deck();
        if let Some(e) = exercise {
            deck.retain(|c| c.exercise == e);
        }
        let focus = q.focus.as_deref() == Some("soon");
        if focus {
            let trips = trips(&s, &vehicles, None)?;
            let people: Vec<i64> = likely(&s, &roster, &trips)
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            let homes: Vec<i64> = people
                .iter()
                .filter_map(|p| roster.person(*p)?.household.as_ref().map(|h| h.0))
                .collect();
            deck.retain(|c| match c.subject {
                Subject::Person(p) => people.contains(&p),
                Subject::Household(h) => homes.contains(&h),
            });
        }
        let limit = s.training.new_cards_per_day as usize;
        let new_left = limit.saturating_sub(begun_today(&answers, &s));
        let practice = exercise.is_some() || focus || q.practice == Some(true);
        let due = deck
            .iter()
            .filter(|c| states.get(c).is_some_and(|st| st.due <= now))
            .count();
        let (card, kind) = match schedule::next(&deck, &states, now, new_left, practice) {
            Next::Due(c) => (Some(c), "due"),
            Next::New(c) => (Some(c), "new"),
            Next::Practice(c) => (Some(c), "practice"),
            Next::Nothing => (None, ""),
        };
        let next_due = if card.is_none() {
            deck.iter()
                .filter_map(|c| states.get(c).map(|st| st.due))
                .filter(|d| *d > now)
                .min()
        } else {
            None
        };
        let card = match card {
            None => None,
            Some(c) => {
                let q = crate::training::question(&roster, c, &mut rand::rng())
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                let (person, household) = match c.subject {
                    Subject::Person(p) => (Some(p), None),
                    Subject::Household(h) => (None, Some(h)),
                };
                Some(CardOut {
                    exercise: c.exercise,
                    exercise_zh: c.exercise.zh(),
                    kind,
                    person,
                    household,
                    prompt: q.prompt,
                    face: q.face.map(face_url),
                    choices: q
                        .choices
                        .into_iter()
                        .map(|ch| ChoiceOut {
                            id: ch.id,
                            label: ch.label,
                            face: ch.face.map(face_url),
                        })
                        .collect(),
                    several: q.several,
                })
            }
        };
        Ok(Json(NextOut {
            card,
            due,
            new_left,
            next_due,
            next_due_zh: next_due.map(|d| wait_zh(now, d)),
        }))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct AnswerIn {
    exercise: String,
    person: Option<i64>,
    household: Option<i64>,
    /// The ids of the choices picked.
    picked: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Standing {
    known: usize,
    total: usize,
    percent: u32,
}

#[derive(Debug, Serialize)]
struct AnswerOut {
    correct: bool,
    /// The right answer, in words, and the ids of the right choices.
    right: String,
    right_ids: Vec<String>,
    /// When the card comes back, and how long that is.
    due: DateTime<Utc>,
    again_zh: String,
    /// Right on two spaced reviews in a row: counts toward its household.
    secure: bool,
    sheet: Option<Sheet>,
    progress: Standing,
}

async fn answer(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Json(a): Json<AnswerIn>,
) -> Result<Json<AnswerOut>, WebError> {
    let exercise = Exercise::from_key(&a.exercise).ok_or_else(|| {
        WebError::BadInput(format!("没有这种练习 (no exercise \"{}\")", a.exercise))
    })?;
    let subject = match (a.person, a.household) {
        (Some(p), None) => Subject::Person(p),
        (None, Some(h)) => Subject::Household(h),
        _ => {
            return Err(WebError::BadInput(
                "请说明回答的是哪个人或哪一户 (give person or household)".into(),
            ));
        }
    };
    let card = CardKey { exercise, subject };
    blocking(move || {
        let (roster, vehicles) = records(&s)?;
        let verdict = crate::training::check(&roster, card, &a.picked)
            .map_err(|e| WebError::BadInput(format!("{e}；请换下一张")))?;
        let now = s.clock.now();
        s.store.add_training_answer(
            user.user.id,
            TrainingAnswer {
                card,
                at: now,
                correct: verdict.correct,
            },
        )?;
        let answers = s.store.training_answers(user.user.id)?;
        let states = schedule::states(&answers);
        let state = states
            .get(&card)
            .copied()
            .ok_or_else(|| WebError::Internal("the answer was not kept".into()))?;
        let (known, total, percent) = progress::standing(&roster, &states);
        let trips = trips_of(&s, &roster, &vehicles, subject)?;
        Ok(Json(AnswerOut {
            correct: verdict.correct,
            right: verdict.right,
            right_ids: verdict.right_ids,
            due: state.due,
            again_zh: wait_zh(now, state.due),
            secure: state.secure(),
            sheet: sheet(&roster, &trips, subject),
            progress: Standing {
                known,
                total,
                percent,
            },
        }))
    })
    .await
}

async fn sheet_json(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Sheet>, WebError> {
    blocking(move || {
        let (roster, vehicles) = records(&s)?;
        let trips = trips_of(&s, &roster, &vehicles, Subject::Person(id))?;
        person_sheet(&roster, &trips, id)
            .map(Json)
            .ok_or_else(|| WebError::NotFound(format!("培训名单里没有这个人 (no person {id})")))
    })
    .await
}

#[derive(Debug, Serialize)]
struct SoonPerson {
    id: i64,
    name: String,
    household: Option<String>,
    face: Option<String>,
    habits: Vec<String>,
    /// Days in the last two months they came through in this hour.
    days: usize,
}

#[derive(Debug, Serialize)]
struct SoonOut {
    minutes: u32,
    people: Vec<SoonPerson>,
}

async fn soon(State(s): State<AppState>) -> Result<Json<SoonOut>, WebError> {
    blocking(move || {
        let (roster, vehicles) = records(&s)?;
        let trips = trips(&s, &vehicles, None)?;
        let people = likely(&s, &roster, &trips)
            .into_iter()
            .filter_map(|(id, days)| {
                let p = roster.person(id)?;
                Some(SoonPerson {
                    id,
                    name: p.name.clone(),
                    household: p.household.as_ref().map(|(_, c)| c.clone()),
                    face: p.faces.first().map(|f| face_url(*f)),
                    habits: person_habits(&roster, &trips, id),
                    days,
                })
            })
            .collect();
        Ok(Json(SoonOut {
            minutes: SOON_MINUTES,
            people,
        }))
    })
    .await
}

async fn face(State(s): State<AppState>, Path(id): Path<i64>) -> Result<Response, WebError> {
    let store = s.store.clone();
    let path = blocking(move || {
        store
            .face_thumbnail(id)?
            .ok_or_else(|| WebError::NotFound("没有这张照片 (no such face)".into()))
    })
    .await?;
    super::files::image(
        &s.data,
        &path,
        "照片文件不见了，请管理处重新登记照片 (the face's picture is missing: enrol the photo again)",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct WhoQuery {
    /// Another user's id: team leaders, managers and admins only.
    user: Option<i64>,
}

/// The user whose progress is asked for: oneself, or anyone for a team leader and above.
fn whose(s: &AppState, me: &Authed, asked: Option<i64>) -> Result<User, WebError> {
    match asked {
        None => Ok(me.user.clone()),
        Some(id) if id == me.user.id => Ok(me.user.clone()),
        Some(id) => {
            if me.user.role == Role::Guard {
                return Err(WebError::Forbidden(
                    "门岗账号只能看自己的进度 (a guard sees only their own progress)".into(),
                ));
            }
            s.store
                .users()?
                .into_iter()
                .find(|u| u.id == id)
                .ok_or_else(|| WebError::NotFound(format!("没有这个账号 (no user {id})")))
        }
    }
}

#[derive(Debug, Serialize)]
struct ProgressOut {
    user: i64,
    name: String,
    progress: Progress,
}

/// The progress of `u`, who gave `answers`.
fn progress_of(s: &AppState, roster: &Roster, u: &User, answers: &[TrainingAnswer]) -> Progress {
    progress::progress(roster, answers, u.started, s.clock.now(), s.tz)
}

async fn progress_json(
    Extension(me): Extension<Authed>,
    State(s): State<AppState>,
    Query(q): Query<WhoQuery>,
) -> Result<Json<ProgressOut>, WebError> {
    blocking(move || {
        let u = whose(&s, &me, q.user)?;
        let roster = roster(&s)?;
        let answers = s.store.training_answers(u.id)?;
        let progress = progress_of(&s, &roster, &u, &answers);
        Ok(Json(ProgressOut {
            user: u.id,
            name: u.name,
            progress,
        }))
    })
    .await
}

/// The one-line standing: 已认识 5/8 户（62%）.
fn standing(p: &Progress) -> String {
    format!("已认识 {}/{} 户（{}%）", p.known, p.total, p.percent)
}

/// Whether the guard is on time for the target, in words.
fn deadline_zh(p: &Progress, today: chrono::NaiveDate) -> String {
    let from = if p.started_unrecorded {
        "（未登记入职日期，从第一次答题算起）"
    } else {
        ""
    };
    match (p.reached, p.deadline) {
        (true, _) => "已达到目标".into(),
        (false, None) => "还没开始答题；期限从入职日期算起三个月".into(),
        (false, Some(d)) if d < today => format!(
            "已超过期限 {d}{from}，还差 {} 户",
            p.target_count.saturating_sub(p.known)
        ),
        (false, Some(d)) => format!(
            "期限 {d}{from}（还有 {} 天），还差 {} 户",
            (d - today).num_days(),
            p.target_count.saturating_sub(p.known)
        ),
    }
}

/// The bar of known households with the target marked, in SVG (its lengths are attributes:
/// the Content-Security-Policy forbids `style` attributes).
fn bar(p: &Progress) -> Markup {
    let target = p.target_percent.min(100);
    html! {
        svg.progress-bar xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10" preserveAspectRatio="none"
            role="progressbar" aria-valuenow=(p.percent) aria-valuemin="0" aria-valuemax="100" {
            title { "已认识 " (p.percent) "%，目标 " (target) "%" }
            rect.track x="0" y="0" width="100" height="10" {}
            rect.done x="0" y="0" width=(p.percent.min(100)) height="10" {}
            line.target x1=(target) y1="0" x2=(target) y2="10" {}
        }
    }
}

const RULE_ZH: &str = "怎样算“认识一户”：这户的每一张卡（“这户住着谁”，以及每位有照片的成员的看脸认人、看脸说房号、听名找脸）都在到期复习时连续答对两次（两次至少相隔一天），之后没有再答错。提前复习不计入。";

async fn home(
    Extension(me): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    let s2 = s.clone();
    let me2 = me.clone();
    let (mine, next, team) = blocking(move || {
        let roster = roster(&s2)?;
        let answers = s2.store.training_answers(me2.user.id)?;
        let mine = progress_of(&s2, &roster, &me2.user, &answers);
        let new_left =
            (s2.training.new_cards_per_day as usize).saturating_sub(begun_today(&answers, &s2));
        let mut team = Vec::new();
        if me2.user.role != Role::Guard {
            for u in s2.store.users()? {
                let answers = s2.store.training_answers(u.id)?;
                if u.disabled || (u.role != Role::Guard && answers.is_empty()) {
                    continue;
                }
                let p = progress_of(&s2, &roster, &u, &answers);
                team.push((u, p));
            }
        }
        Ok((mine, new_left, team))
    })
    .await?;
    let today = s.clock.now().with_timezone(&s.tz).date_naive();
    Ok(page::layout(
        &me,
        "认识住户 培训",
        html! {
            section.training-home {
                p.standing { (standing(&mine)) "，目标 " (mine.target_percent) "%（" (mine.target_count) " 户）· " (deadline_zh(&mine, today)) }
                (bar(&mine))
                p {
                    a.button.ok #start href="/training/review" { "开始复习" }
                    " 待复习 " strong { (mine.due) } " 张，今天还可学新卡 " strong { (next) } " 张 · "
                    a href="/training/progress" { "我的进度图" }
                }
                h2 { "专项练习" }
                ul.exercises {
                    @for e in Exercise::ALL {
                        li { a href=(format!("/training/review?exercise={}", e.key())) { (e.zh()) } }
                    }
                }
                p.meta { (RULE_ZH) }
                @if me.user.role != Role::Guard {
                    h2 { "队员进度" }
                    table.team {
                        thead { tr { th { "姓名" } th { "入职" } th { "已认识" } th { "进度" } th { "期限" } th {} } }
                        tbody {
                            @for (u, p) in &team {
                                tr {
                                    td { (u.name) }
                                    td { (u.started.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                                    td { (p.known) "/" (p.total) " 户（" (p.percent) "%）" }
                                    td { (bar(p)) }
                                    td { (deadline_zh(p, today)) }
                                    td { a href=(format!("/training/progress?user={}", u.id)) { "进度图" } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

async fn review_page(
    Extension(me): Extension<Authed>,
    Query(q): Query<NextQuery>,
) -> Result<Markup, WebError> {
    let exercise = q.exercise.as_deref().and_then(Exercise::from_key);
    let title = match exercise {
        Some(e) => format!("练习：{}", e.zh()),
        None => "复习".to_owned(),
    };
    Ok(page::layout(
        &me,
        &title,
        html! {
            p.meta { a href="/training" { "← 认识住户" } }
            // training.js starts the cards in the element marked data-start, with its settings
            div #trainer.trainer data-start data-exercise=[exercise.map(Exercise::key)]
                data-focus=[q.focus.as_deref().filter(|f| *f == "soon")] {}
            (page::script("training.js"))
        },
    ))
}

/// The chart of known households day by day, with the target and the deadline.
fn chart(p: &Progress) -> Markup {
    const W: f64 = 720.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 30.0;
    let (Some(first), Some(last)) = (p.history.first(), p.history.last()) else {
        return html! {};
    };
    let end = p.deadline.map_or(last.day, |d| d.max(last.day));
    let days = ((end - first.day).num_days().max(1)) as f64;
    let top = p.total.max(1) as f64;
    let x =
        |d: chrono::NaiveDate| LEFT + (d - first.day).num_days() as f64 / days * (W - LEFT - 10.0);
    let y = |n: usize| (H - BOTTOM) - n as f64 / top * (H - BOTTOM - 10.0);
    let line: Vec<String> = p
        .history
        .iter()
        .map(|pt| format!("{:.1},{:.1}", x(pt.day), y(pt.known)))
        .collect();
    let ty = y(p.target_count);
    html! {
        svg.chart.training-chart xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="已认识户数变化" {
            line x1=(LEFT) y1=(H - BOTTOM) x2=(W - 10.0) y2=(H - BOTTOM) stroke="#999" {}
            line x1=(LEFT) y1="10" x2=(LEFT) y2=(H - BOTTOM) stroke="#999" {}
            text x="4" y=(y(p.total) + 4.0) font-size="12" { (p.total) }
            text x="4" y=(H - BOTTOM + 4.0) font-size="12" { "0" }
            line.target x1=(LEFT) y1=(ty) x2=(W - 10.0) y2=(ty) stroke="#e07b00" stroke-dasharray="6 4" {}
            text x=(LEFT + 4.0) y=(ty - 4.0) font-size="12" fill="#e07b00" { "目标 " (p.target_percent) "%（" (p.target_count) " 户）" }
            @if let Some(d) = p.deadline {
                line x1=(x(d)) y1="10" x2=(x(d)) y2=(H - BOTTOM) stroke="#c81e1e" stroke-dasharray="4 4" {}
                text x=(x(d) - 4.0) y=(H - 8.0) font-size="12" text-anchor="end" fill="#c81e1e" { "期限 " (d) }
            }
            text x=(LEFT) y=(H - 8.0) font-size="12" { (first.day) }
            polyline.known points=(line.join(" ")) fill="none" stroke="#1f8a3b" stroke-width="3" {}
            @for pt in &p.history {
                circle cx=(format!("{:.1}", x(pt.day))) cy=(format!("{:.1}", y(pt.known))) r="3" fill="#1f8a3b" {
                    title { (pt.day) "：" (pt.known) " 户" }
                }
            }
        }
    }
}

async fn progress_page(
    Extension(me): Extension<Authed>,
    State(s): State<AppState>,
    Query(q): Query<WhoQuery>,
) -> Result<Markup, WebError> {
    let s2 = s.clone();
    let me2 = me.clone();
    let (u, p) = blocking(move || {
        let u = whose(&s2, &me2, q.user)?;
        let roster = roster(&s2)?;
        let answers = s2.store.training_answers(u.id)?;
        let p = progress_of(&s2, &roster, &u, &answers);
        Ok((u, p))
    })
    .await?;
    let today = s.clock.now().with_timezone(&s.tz).date_naive();
    Ok(page::layout(
        &me,
        &format!("{} 的培训进度", u.name),
        html! {
            p.meta { a href="/training" { "← 认识住户" } }
            p.standing { (standing(&p)) " · 目标 " (p.target_percent) "%（" (p.target_count) " 户）· " (deadline_zh(&p, today)) }
            (bar(&p))
            (chart(&p))
            p.meta { "卡片 " (p.cards) " 张：学过 " (p.seen) "，已掌握 " (p.secure) "，待复习 " (p.due) "；共回答 " (p.answers) " 次。" }
            h2 { "各户" }
            table.homes {
                thead { tr { th { "房号" } th { "已掌握的卡" } th { "认识" } } }
                tbody {
                    @for h in &p.homes {
                        tr.(if h.known { "known" } else { "" }) {
                            td { (home_label(&h.code)) }
                            td { (h.secure) "/" (h.cards) }
                            td { @if h.known { "✓ 认识" } @else { "—" } }
                        }
                    }
                }
            }
            p.meta { (RULE_ZH) }
        },
    ))
}
