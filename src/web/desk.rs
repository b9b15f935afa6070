//! The guard's desk pages beside the live screen: the handover, shift notes and follow-ups,
//! passes, goods-release slips, flagged vehicles and night openings.
//!
//! Every form posts back to its page: a done job redirects (303) to the page with a flag that
//! says what was recorded; bad input re-renders the page with what is wrong and what to do
//! (400). Nothing the guard types can make a handler panic.

use axum::Router;
use axum::extract::{Extension, Form, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, PreEscaped, html};

use super::auth::Authed;
use super::{AppState, WebError, blocking, page};
use crate::app::handover::{self, Handover, HandoverError};
use crate::app::when::to_utc_or_after;
use crate::domain::{Direction, EventKind, PassOutcome, Post, Shift, clean_plate};
use crate::rules::gate::{ShiftSlot, gate_open, shift_at};
use crate::rules::goods::{GoodsOutcome, PROHIBITED_ITEMS, check_goods, prohibited_item};
use crate::rules::passes;
use crate::store::{
    EventQuery, GateEvent, GoodsSlipRecord, NewGateEvent, NewGoodsSlip, NewShiftRecord, PassHalf,
    PassRecord, ShiftRecord, StoreError, VisitRecord,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/handover", get(handover_page))
        .route("/handover/notes", post(save_notes))
        .route("/visitors", get(visitors_page))
        .route("/visitors/{id}/out", post(visitor_out))
        .route("/passes", get(passes_page))
        .route("/passes/check-in", post(pass_in))
        .route("/passes/check-out", post(pass_out))
        .route("/goods", get(goods_page).post(goods_check))
        .route("/alerts", get(alerts_page))
        .route("/alerts/hazard", post(hazard))
        .route("/alerts/night-open", post(night_open))
}

/// Touch-sized controls for the desk pages (the shared style sheet sizes the screen).
const DESK_STYLE: &str = ".desk button{min-height:3rem;font-size:1.15rem;padding:.5rem 1.4rem}\
.desk input[type=text]{min-height:2.8rem;font-size:1.15rem}\
.desk input[type=checkbox]{width:1.6rem;height:1.6rem;vertical-align:middle}\
.desk label.check{font-size:1.15rem;margin:.6rem 0}\
.desk textarea{width:100%;font-size:1.1rem}\
.desk section{margin-bottom:1.6rem}\
.desk .pre{white-space:pre-wrap}\
.desk .big{font-size:2rem;font-weight:800;margin:.2rem 0}\
.desk .say{font-size:1.5rem;font-weight:700;margin:.3rem 0}\
.desk small{color:#666;font-weight:400}\
.desk form.card-form{background:#fff;padding:1rem;border-radius:.6rem;box-shadow:0 2px 10px #0001;margin-bottom:1rem}";

/// The longest note, description or name taken from a form, in characters.
const LONG_TEXT: usize = 2000;
const SHORT_TEXT: usize = 100;

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// The fields of a URL-encoded query or form, read leniently: unknown fields are ignored and
/// a missing one reads as empty.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn query(raw: Option<String>) -> Fields {
        Fields(
            raw.as_deref()
                .and_then(|q| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default(),
        )
    }

    /// The field's value, surrounding space dropped; empty when absent.
    fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }

    /// A ticked checkbox or a flag such as `rest=1`.
    fn ticked(&self, name: &str) -> bool {
        !matches!(self.text(name), "" | "0" | "false" | "off" | "no")
    }

    /// The field's text, refused when longer than `max` characters.
    fn limited(&self, name: &str, what: &str, max: usize) -> Result<String, String> {
        let t = self.text(name);
        if t.chars().count() > max {
            Err(format!(
                "{what}太长了，请写在 {max} 个字以内 ({what} is too long: {max} characters at most)"
            ))
        } else {
            Ok(t.to_owned())
        }
    }
}

/// What a page says above its content.
enum Notice {
    Nothing,
    Done(Markup),
    Problem(String),
}

impl Notice {
    fn show(&self) -> Markup {
        match self {
            Notice::Nothing => html! {},
            Notice::Done(m) => html! { div.ok-msg role="status" { (m) } },
            Notice::Problem(p) => html! { p.problem role="alert" { (p) } },
        }
    }
}

/// The page in the shared frame, with the desk's touch-sized controls.
fn frame(user: &Authed, title: &str, body: Markup) -> Markup {
    page::layout(
        user,
        title,
        html! {
            style { (PreEscaped(DESK_STYLE)) }
            div.desk { (body) }
        },
    )
}

/// 303 to `path` with `params` as its query.
fn see(path: &str, params: &[(&str, &str)]) -> Result<Response, WebError> {
    let query = serde_urlencoded::to_string(params)
        .map_err(|e| WebError::Internal(format!("cannot write the address: {e}")))?;
    let to = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    Ok(Redirect::to(&to).into_response())
}

/// A page re-rendered for bad input.
fn bad(page: Markup) -> Response {
    (StatusCode::BAD_REQUEST, page).into_response()
}

fn local_now(s: &AppState) -> NaiveDateTime {
    s.clock.now().with_timezone(&s.tz).naive_local()
}

/// The local day `date`, as instants: its midnight and the next.
fn day_range(date: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = date.and_time(NaiveTime::MIN);
    (
        to_utc_or_after(start, tz),
        to_utc_or_after(start + Duration::days(1), tz),
    )
}

fn hm(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// "11-27 18:05" when not today, "18:05" today.
fn when(at: DateTime<Utc>, tz: Tz, today: NaiveDate) -> String {
    let local = at.with_timezone(&tz);
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%m-%d %H:%M").to_string()
    }
}

fn posts(notified: &[Post]) -> String {
    notified
        .iter()
        .map(|p| p.zh())
        .collect::<Vec<_>>()
        .join("、")
}

fn slot_name(slot: ShiftSlot) -> String {
    format!("{} {}", slot.date, slot.shift.zh())
}

/// A hand-made event of the desk at `now`.
fn desk_event(s: &AppState, now: DateTime<Utc>, kind: EventKind) -> NewGateEvent {
    let shift = shift_at(now.with_timezone(&s.tz).time());
    NewGateEvent::new(now, s.gate.clone(), kind, shift)
}

/// A store refusal the guard can act on (bad or stale input), as the words to show; other
/// errors stay errors.
fn refusal(e: WebError) -> Result<String, WebError> {
    match e {
        WebError::BadInput(m) => Ok(m),
        WebError::Store(StoreError::Invalid { message, .. }) => Ok(message),
        WebError::Store(StoreError::NotFound { what, key }) => {
            Ok(format!("没有找到 {key} (no {what} {key}): 请核对后再试"))
        }
        other => Err(other),
    }
}

/// Why the duty record could not be gathered, as the web app says it.
fn handover_error(e: HandoverError) -> WebError {
    match e {
        HandoverError::Store(s) => WebError::Store(s),
        HandoverError::Time(t) => WebError::Internal(t.to_string()),
    }
}

/// Links to the other desk pages that have no menu entry.
fn desk_links() -> Markup {
    html! {
        p.tools {
            "其他登记 More: "
            a href="/goods" { "物品放行条 Goods slip" }
            a href="/alerts" { "危险品车辆 · 夜间开门 Hazard vehicle · night opening" }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 交接班 Handover

async fn handover_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let notice = match q.text("done") {
        "notes" => Notice::Done(html! {
            "已保存本班记录，下一班接班时会看到。"
            small { " (This shift's notes are saved; the next shift will read them.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_handover(&user, &s, q.ticked("rest"), notice, None)
        .await?
        .into_response())
}

/// What the guard typed, kept when the form is refused.
struct Draft {
    notes: String,
    follow_ups: String,
}

async fn render_handover(
    user: &Authed,
    s: &AppState,
    rest: bool,
    notice: Notice,
    draft: Option<Draft>,
) -> Result<Markup, WebError> {
    let now = local_now(s);
    let slot = ShiftSlot::at(now);
    let (store, gate, tz) = (s.store.clone(), s.gate.clone(), s.tz);
    let (record, mine) = blocking(move || {
        let record = handover::build(&store, &gate, tz, slot, rest).map_err(handover_error)?;
        let mine = store
            .shift_records(Some(&gate), slot.date, slot.date)?
            .into_iter()
            .find(|r| r.shift == slot.shift);
        Ok((record, mine))
    })
    .await?;
    let draft = draft.unwrap_or_else(|| Draft {
        notes: mine.as_ref().map(|r| r.notes.clone()).unwrap_or_default(),
        follow_ups: mine
            .as_ref()
            .map(|r| r.follow_ups.clone())
            .unwrap_or_default(),
    });
    let body = html! {
        (notice.show())
        p.meta {
            (s.gate) " · 现在 " (now.format("%Y-%m-%d %H:%M")) " · 本班 " (slot.shift.zh())
        }
        p {
            "接班时请先阅读" (if rest { "前两天" } else { "前两班" }) "的值班记录和待跟进事项。"
            small { " (Read the duty records of the "
                (if rest { "two previous days" } else { "two previous shifts" })
                " and the items to follow up.)" }
        }
        p {
            @if rest {
                a href="/handover" { "只看前两班 (the two previous shifts only)" }
            } @else {
                a href="/handover?rest=1" { "轮休后接班？查看前两天的记录 (back from rest days)" }
            }
        }
        (follow_ups(&record))
        @for d in &record.shifts {
            (shift_duty(d, s.tz))
        }
        (notes_form(user, slot, rest, &draft, mine.as_ref(), s.tz))
        (desk_links())
    };
    Ok(frame(user, "交接班 Handover", body))
}

fn follow_ups(h: &Handover) -> Markup {
    let items = h.follow_ups();
    html! {
        section.notices {
            h2 { "待跟进 To follow up" }
            @if items.is_empty() {
                p { "没有待跟进的事项 (nothing to follow up)" }
            } @else {
                ul {
                    @for (slot, text) in &items {
                        li { strong { (slot_name(*slot)) } "：" span.pre { (text) } }
                    }
                }
            }
        }
    }
}

fn shift_duty(d: &handover::ShiftDuty, tz: Tz) -> Markup {
    let sum = &d.summary;
    let people: usize = sum.people_by_class.values().sum::<usize>() + sum.people_unknown;
    let mut classes: Vec<String> = sum
        .people_by_class
        .iter()
        .map(|(c, n)| format!("{} {n}", c.zh()))
        .collect();
    if sum.people_unknown > 0 {
        classes.push(format!("未识别 {}", sum.people_unknown));
    }
    let listed: Vec<&GateEvent> = d
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Alert | EventKind::Registration))
        .collect();
    html! {
        section {
            h2 { (slot_name(d.slot)) }
            @match &d.record {
                Some(r) => {
                    p { "值班 Guard：" strong { (r.guard) } }
                    @if !r.notes.is_empty() {
                        p { "记录 Notes：" span.pre { (r.notes) } }
                    }
                    @if !r.follow_ups.is_empty() {
                        p { "待跟进 To follow up：" span.pre { (r.follow_ups) } }
                    }
                }
                None => p.meta { "（本班没有值班记录 no duty record for this shift）" }
            }
            table {
                tr {
                    th { "人员 People" } th { "车辆进 Vehicles in" } th { "车辆出 Vehicles out" }
                    th { "警报 Alerts" } th { "登记 Registrations" }
                }
                tr {
                    td { (people) @if !classes.is_empty() { br; small { (classes.join(" · ")) } } }
                    td { (sum.vehicles_in) }
                    td { (sum.vehicles_out) }
                    td { (sum.alerts) @if sum.oversize > 0 { br; small { "超限车辆 " (sum.oversize) } } }
                    td { (sum.registrations) }
                }
            }
            @if listed.is_empty() {
                p.meta { "本班没有警报和登记 (no alerts or registrations)" }
            } @else {
                h2 { "警报与登记 Alerts and registrations" }
                table {
                    tr { th { "时间" } th { "类别" } th { "车牌" } th { "记录" } th { "通知" } }
                    @for e in &listed {
                        tr {
                            td { (hm(e.at, tz)) }
                            td { @if e.kind == EventKind::Alert { strong { (e.kind.zh()) } } @else { (e.kind.zh()) } }
                            td { (e.plate.as_deref().unwrap_or("")) }
                            td { (e.decision) }
                            td { (posts(&e.notified)) }
                        }
                    }
                }
            }
        }
    }
}

fn notes_form(
    user: &Authed,
    slot: ShiftSlot,
    rest: bool,
    draft: &Draft,
    mine: Option<&ShiftRecord>,
    tz: Tz,
) -> Markup {
    html! {
        section {
            h2 { "本班记录 This shift's notes · " (slot_name(slot)) }
            @if let Some(r) = mine {
                p.meta { "已由 " (r.guard) " 于 " (hm(r.updated, tz)) " 保存；再次保存会替换 (saved; saving again replaces it)" }
            }
            form.card-form method="post" action="/handover/notes" {
                (page::csrf_field(user))
                input type="hidden" name="date" value=(slot.date.to_string());
                input type="hidden" name="shift" value=(slot.shift.key());
                @if rest { input type="hidden" name="rest" value="1"; }
                label {
                    "本班情况 Notes " small { "(发生了什么、交给下一班的东西)" }
                    textarea name="notes" rows="5" { (draft.notes) }
                }
                label {
                    "待跟进事项 To follow up " small { "(下一班要办的事)" }
                    textarea name="follow_ups" rows="3" { (draft.follow_ups) }
                }
                button.ok type="submit" { "保存本班记录 Save" }
            }
        }
    }
}

/// The shift the notes are for: the one the form was opened in, when that is the current shift
/// or the one that ended less than half an hour ago (a guard finishing the notes after the
/// change); otherwise the current one.
fn notes_slot(f: &Fields, now: NaiveDateTime) -> ShiftSlot {
    let current = ShiftSlot::at(now);
    let asked = NaiveDate::parse_from_str(f.text("date"), "%Y-%m-%d")
        .ok()
        .zip(f.text("shift").parse::<Shift>().ok())
        .map(|(date, shift)| ShiftSlot { date, shift });
    match asked {
        Some(a) if a == current => a,
        Some(a) if a == current.previous() && now < a.end() + Duration::minutes(30) => a,
        _ => current,
    }
}

async fn save_notes(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let rest = f.ticked("rest");
    let checked = f
        .limited("notes", "本班情况", LONG_TEXT)
        .and_then(|n| Ok((n, f.limited("follow_ups", "待跟进事项", LONG_TEXT)?)))
        .and_then(|(n, u)| {
            if n.is_empty() && u.is_empty() {
                Err("请写下本班情况或待跟进事项再保存 (write the notes or the items to follow up, then save)".to_owned())
            } else {
                Ok((n, u))
            }
        });
    let (notes, follow_ups) = match checked {
        Ok(v) => v,
        Err(problem) => {
            let draft = Draft {
                notes: f.text("notes").to_owned(),
                follow_ups: f.text("follow_ups").to_owned(),
            };
            let page =
                render_handover(&user, &s, rest, Notice::Problem(problem), Some(draft)).await?;
            return Ok(bad(page));
        }
    };
    let slot = notes_slot(&f, local_now(&s));
    let (store, gate, guard) = (s.store.clone(), s.gate.clone(), user.user.name.clone());
    blocking(move || {
        let handed_over = store
            .shift_records(Some(&gate), slot.date, slot.date)?
            .into_iter()
            .find(|r| r.shift == slot.shift)
            .is_some_and(|r| r.handed_over);
        store.save_shift_record(
            &guard,
            NewShiftRecord {
                gate,
                date: slot.date,
                shift: slot.shift,
                guard: guard.clone(),
                notes,
                follow_ups,
                handed_over,
            },
        )?;
        Ok(())
    })
    .await?;
    if rest {
        see("/handover", &[("done", "notes"), ("rest", "1")])
    } else {
        see("/handover", &[("done", "notes")])
    }
}

// ---------------------------------------------------------------------------------------------
// 访客登记 Visitors

async fn visitors_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let notice = match q.text("done") {
        "out" => Notice::Done(html! {
            "已登记访客" (q.text("who")) "离开" @if !q.text("room").is_empty() { "（" (q.text("room")) "）" } "。"
            small { " (The visitor is signed out.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_visitors(&user, &s, notice).await?.into_response())
}

async fn render_visitors(user: &Authed, s: &AppState, notice: Notice) -> Result<Markup, WebError> {
    let today = local_now(s).date();
    let (from, to) = day_range(today, s.tz);
    let store = s.store.clone();
    let (inside, visits) =
        blocking(move || Ok((store.visitors_inside()?, store.visits(from, to)?))).await?;
    let tz = s.tz;
    let body = html! {
        (notice.show())
        p {
            "新来的访客请在" a href="/" { "门岗屏" } "上登记：问清房号和贵姓，与业主确认，查验证件。"
            small { " (Register a new visitor on the guard screen.)" }
        }
        section {
            h2 { "在小区内的访客 Visitors inside now (" (inside.len()) ")" }
            @if inside.is_empty() {
                p.meta { "现在没有访客在小区内 (no visitors inside)" }
            } @else {
                table {
                    tr { th { "进入" } th { "贵姓" } th { "房号" } th { "事由" } th { "出入证" } th { "登记人" } th {} }
                    @for v in &inside {
                        tr {
                            td { (when(v.time_in, tz, today)) }
                            td { strong { (v.visitor_surname) } }
                            td { (v.room) }
                            td { (v.purpose.zh()) }
                            td { (v.pass_number.as_deref().unwrap_or("")) }
                            td { (v.guard) }
                            td {
                                form.inline method="post" action=(format!("/visitors/{}/out", v.id)) {
                                    (page::csrf_field(user))
                                    button.ok type="submit" { "登记离开 Sign out" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { "今天的来访 Today's visits (" (visits.len()) ")" }
            (visits_table(&visits, tz, today))
        }
        (desk_links())
    };
    Ok(frame(user, "访客登记 Visitors", body))
}

fn visits_table(visits: &[VisitRecord], tz: Tz, today: NaiveDate) -> Markup {
    html! {
        @if visits.is_empty() {
            p.meta { "今天还没有来访登记 (no visits today)" }
        } @else {
            table {
                tr {
                    th { "进入" } th { "离开" } th { "贵姓" } th { "房号" } th { "事由" }
                    th { "业主确认" } th { "证件" } th { "通知" } th { "登记人" }
                }
                @for v in visits {
                    tr {
                        td { (hm(v.time_in, tz)) }
                        td { @match v.time_out { Some(t) => (when(t, tz, today)), None => strong { "在小区内" } } }
                        td { (v.visitor_surname) }
                        td { (v.room) }
                        td { (v.purpose.zh()) }
                        td { (if v.resident_confirmed { "已确认" } else { "未确认" }) }
                        td { (if v.id_checked { "已查验" } else { "未查验" }) }
                        td { (posts(&v.notified)) }
                        td { (v.guard) }
                    }
                }
            }
        }
    }
}

async fn visitor_out(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Ok(id) = id.trim().parse::<i64>() else {
        return Err(WebError::NotFound(format!(
            "没有这条来访记录 (no visit {id})"
        )));
    };
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let done = blocking(move || {
        let Some(v) = store.visitors_inside()?.into_iter().find(|v| v.id == id) else {
            return Err(WebError::BadInput(
                "这位访客已经登记离开，或没有这条来访记录：请看下面的名单 (this visitor is already signed out, or there is no such visit)"
                    .into(),
            ));
        };
        store.visit_out(&actor, id, now)?;
        Ok(v)
    })
    .await;
    match done {
        Ok(v) => see(
            "/visitors",
            &[
                ("done", "out"),
                ("who", &v.visitor_surname),
                ("room", &v.room),
            ],
        ),
        Err(e) => {
            let problem = refusal(e)?;
            Ok(bad(
                render_visitors(&user, &s, Notice::Problem(problem)).await?
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 出入证 Passes

async fn passes_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let n = q.text("n");
    let notice = match q.text("done") {
        "in" => Notice::Done(html! {
            p.big { "可以进入" }
            p { "已登记出入证 " strong { (n) } " 进入：副证留在门岗保管。请通知巡逻岗、中控岗。" }
            small { "(Checked in: keep the second half at the gate; tell the patrol post and central control.)" }
        }),
        "out" => Notice::Done(html! {
            p.big { "已登记离开" }
            p { "出入证 " strong { (n) } " 的副证已交还持证人，离开已登记。" }
            small { "(Checked out: the second half is handed back.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_passes(&user, &s, notice, "").await?.into_response())
}

async fn render_passes(
    user: &Authed,
    s: &AppState,
    notice: Notice,
    number: &str,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let held = blocking(move || Ok(store.passes_at_gate()?)).await?;
    let today = local_now(s).date();
    let body = html! {
        (notice.show())
        p {
            "持证人进入：查验正副两张出入证，副证留门岗，登记；离开时交还副证并登记。"
            small { " (Check both halves on the way in and keep the second half; hand it back on the way out.)" }
        }
        section {
            h2 { "持证人进入 Check in" }
            form.card-form method="post" action="/passes/check-in" {
                (page::csrf_field(user))
                label { "出入证号 Pass number" input type="text" name="number" value=(number) placeholder="例如 ZX-0123" autocomplete="off"; }
                label.check { input type="checkbox" name="first" value="1"; "持证人出示了正证 (first half shown)" }
                label.check { input type="checkbox" name="second" value="1"; "副证已交门岗保管 (second half handed in)" }
                button.ok type="submit" { "登记进入 Check in" }
            }
        }
        section {
            h2 { "持证人离开 Check out" }
            form.card-form method="post" action="/passes/check-out" {
                (page::csrf_field(user))
                label { "出入证号 Pass number" input type="text" name="number" value=(number) placeholder="例如 ZX-0123" autocomplete="off"; }
                button type="submit" { "登记离开，交还副证 Check out" }
            }
        }
        section {
            h2 { "副证在门岗的出入证 Passes held at the gate (" (held.len()) ")" }
            (held_table(user, &held, s.tz, today))
        }
        (desk_links())
    };
    Ok(frame(user, "出入证 Passes", body))
}

fn held_table(user: &Authed, held: &[PassRecord], tz: Tz, today: NaiveDate) -> Markup {
    html! {
        @if held.is_empty() {
            p.meta { "门岗没有保管副证，持证人都不在小区内 (no second halves held)" }
        } @else {
            table {
                tr { th { "证号" } th { "持证人" } th { "事由" } th { "发证" } th {} }
                @for p in held {
                    tr {
                        td { strong { (p.number) } }
                        td { (p.holder.as_deref().unwrap_or("—")) }
                        td { (p.purpose.zh()) }
                        td { (when(p.issued, tz, today)) }
                        td {
                            form.inline method="post" action="/passes/check-out" {
                                (page::csrf_field(user))
                                input type="hidden" name="number" value=(p.number);
                                button type="submit" { "登记离开 Check out" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn no_such_pass(number: &str) -> String {
    format!(
        "没有出入证号 {number}：请核对证上的号码；确实没有的，请持证人到管理处办理出入证 (no pass {number})"
    )
}

fn pass_refused(what: &str, why: &str) -> String {
    format!("不能登记{what}：{why}")
}

/// The pass with the number the guard typed, or what to tell them.
fn find_pass(store: &crate::store::Store, n: &str) -> Result<PassRecord, WebError> {
    if n.is_empty() {
        return Err(WebError::BadInput(
            "请填写出入证号 (write the pass number)".into(),
        ));
    }
    if n.chars().count() > SHORT_TEXT {
        return Err(WebError::BadInput(no_such_pass(n)));
    }
    store
        .pass(n)?
        .ok_or_else(|| WebError::BadInput(no_such_pass(n)))
}

/// After a check in or out: back to the passes page saying it was done, or the page again
/// with what was refused.
async fn pass_reply(
    user: &Authed,
    s: &AppState,
    done: Result<String, WebError>,
    number: &str,
    way: &str,
) -> Result<Response, WebError> {
    match done {
        Ok(n) => see("/passes", &[("done", way), ("n", &n)]),
        Err(e) => {
            let problem = refusal(e)?;
            Ok(bad(render_passes(
                user,
                s,
                Notice::Problem(problem),
                number,
            )
            .await?))
        }
    }
}

async fn pass_in(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let number = f.text("number").to_owned();
    let (first, second) = (f.ticked("first"), f.ticked("second"));
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let ev = desk_event(&s, now, EventKind::Registration);
    let n = number.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    let done = blocking(move || {
        let pass = find_pass(&store, &n)?;
        let (outcome, _) = passes::check_in(
            pass.state(),
            first && pass.first_half != PassHalf::Lost,
            second && pass.second_half != PassHalf::Lost,
        );
        if let PassOutcome::Refused(why) = outcome {
            return Err(WebError::BadInput(pass_refused("进入", why)));
        }
        store.pass_check_in(&actor, &pass.number, now, passes::check_in)?;
        let mut e = ev;
        e.direction = Some(Direction::In);
        e.decision = format!(
            "出入证 {} 进入登记（{}，{}），副证留门岗",
            pass.number,
            pass.holder.as_deref().unwrap_or("持证人"),
            pass.purpose.zh()
        );
        e.notified = vec![Post::Patrol, Post::CentralControl];
        super::record_event(&store, &hub, tz, &by, e)?;
        Ok(pass.number)
    })
    .await;
    pass_reply(&user, &s, done, &number, "in").await
}

async fn pass_out(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let number = f.text("number").to_owned();
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let ev = desk_event(&s, now, EventKind::Registration);
    let n = number.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    let done = blocking(move || {
        let pass = find_pass(&store, &n)?;
        if let (PassOutcome::Refused(why), _) = passes::check_out(pass.state()) {
            return Err(WebError::BadInput(pass_refused("离开", why)));
        }
        store.pass_check_out(&actor, &pass.number, now, passes::check_out)?;
        let mut e = ev;
        e.direction = Some(Direction::Out);
        e.decision = format!(
            "出入证 {} 离开登记（{}），副证已交还",
            pass.number,
            pass.holder.as_deref().unwrap_or("持证人")
        );
        super::record_event(&store, &hub, tz, &by, e)?;
        Ok(pass.number)
    })
    .await;
    pass_reply(&user, &s, done, &number, "out").await
}

// ---------------------------------------------------------------------------------------------
// 物品放行条 Goods-release slips

fn outcome_key(o: GoodsOutcome) -> &'static str {
    match o {
        GoodsOutcome::Release => "release",
        GoodsOutcome::NeedSlip => "need_slip",
        GoodsOutcome::BackToOffice => "back_to_office",
    }
}

fn outcome_from_key(key: &str) -> Option<GoodsOutcome> {
    [
        GoodsOutcome::Release,
        GoodsOutcome::NeedSlip,
        GoodsOutcome::BackToOffice,
    ]
    .into_iter()
    .find(|o| outcome_key(*o) == key)
}

/// The outcome of a check, big.
fn goods_outcome(o: GoodsOutcome, prohibited: Option<&str>) -> Markup {
    html! {
        @if let Some(item) = prohibited {
            div.problem role="alert" {
                p.big { "⚠ 违禁物品：" (item) }
                p {
                    "煤气瓶、烟花爆竹、大量天那水、汽油、酒精等易燃易爆物品禁止带入小区。已记录警报，请报告当班分队长。"
                    br; small { "(A prohibited item: recorded as an alert; tell the shift leader.)" }
                }
            }
        }
        @match o {
            GoodsOutcome::Release => div.ok-msg role="status" {
                p.big { "放行 Let out" }
                p.say { "请说：" (o.say()) }
                p { "已登记放行条和物品。" small { "(Slip and goods recorded.)" } }
            },
            GoodsOutcome::NeedSlip => div.problem role="alert" {
                p.big { "不能放行：没有放行条" }
                p.say { "请说：" (o.say()) }
                p { "请他到管理处开具物品放行条后再带出。已登记。" small { "(No slip: send them to the office for one. Recorded.)" } }
            },
            GoodsOutcome::BackToOffice => div.problem role="alert" {
                p.big { "不能放行：物品与放行条不符" }
                p.say { "请说：" (o.say()) }
                p { "请他回管理处重新填写放行条。已登记。" small { "(The slip does not match: back to the office. Recorded.)" } }
            },
        }
    }
}

/// What the goods form held, kept when it is refused.
#[derive(Default, Clone)]
struct GoodsDraft {
    person: String,
    room: String,
    items: String,
    slip: bool,
    slip_number: String,
    issued_by: String,
    matches: bool,
}

async fn goods_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let notice = match outcome_from_key(q.text("result")) {
        Some(o) => {
            let item = q
                .text("item")
                .parse::<usize>()
                .ok()
                .and_then(|i| PROHIBITED_ITEMS.get(i).copied());
            Notice::Done(goods_outcome(o, item))
        }
        None => Notice::Nothing,
    };
    Ok(render_goods(&user, &s, notice, &GoodsDraft::default())
        .await?
        .into_response())
}

async fn render_goods(
    user: &Authed,
    s: &AppState,
    notice: Notice,
    d: &GoodsDraft,
) -> Result<Markup, WebError> {
    let today = local_now(s).date();
    let (from, to) = day_range(today, s.tz);
    let store = s.store.clone();
    let slips = blocking(move || Ok(store.goods_slips(from, to)?)).await?;
    // an outcome is shown in its own colours, not inside the confirmation box
    let shown = match notice {
        Notice::Done(m) => m,
        other => other.show(),
    };
    let body = html! {
        (shown)
        p {
            "大件或贵重物品出小区，须有管理处开具的物品放行条，物品与放行条相符才放行。"
            small { " (Large or valuable goods leave only with a matching goods-release slip from the office.)" }
        }
        form.card-form method="post" action="/goods" {
            (page::csrf_field(user))
            div.form-row {
                label { "带物品的人 Person" input type="text" name="person" value=(d.person) placeholder="姓名"; }
                label { "房号 Room " small { "(可不填)" } input type="text" name="room" value=(d.room) placeholder="例如 3-2-1502"; }
            }
            label { "物品 Goods" input type="text" name="items" value=(d.items) placeholder="例如 冰箱一台、纸箱两个"; }
            label.check { input type="checkbox" name="slip" value="1" checked[d.slip]; "有管理处开具的物品放行条 (has a goods-release slip)" }
            div.form-row {
                label { "放行条编号 Slip number" input type="text" name="slip_number" value=(d.slip_number); }
                label { "开条人 Issued by" input type="text" name="issued_by" value=(d.issued_by); }
            }
            label.check { input type="checkbox" name="matches" value="1" checked[d.matches]; "物品与放行条相符 (the goods match the slip)" }
            button.ok type="submit" { "核对并登记 Check" }
        }
        section {
            h2 { "今天核对的放行条 Slips checked today (" (slips.len()) ")" }
            (slips_table(&slips, s.tz))
        }
        p.tools { a href="/alerts" { "危险品车辆 · 夜间开门 Hazard vehicle · night opening" } }
    };
    Ok(frame(user, "物品放行条 Goods-release slip", body))
}

fn slips_table(slips: &[GoodsSlipRecord], tz: Tz) -> Markup {
    html! {
        @if slips.is_empty() {
            p.meta { "今天还没有核对过放行条 (no slips checked today)" }
        } @else {
            table {
                tr { th { "时间" } th { "放行条" } th { "房号" } th { "物品" } th { "开条人" } th { "结果" } }
                @for g in slips {
                    tr {
                        td { (hm(g.at, tz)) }
                        td { (g.slip_number) }
                        td { (g.household.as_deref().unwrap_or("")) }
                        td { (g.items) }
                        td { (g.issued_by) }
                        td { @match g.matches {
                            Some(true) => { "相符，放行" }
                            Some(false) => { strong { "不符，退回管理处" } }
                            None => { "未核对" }
                        } }
                    }
                }
            }
        }
    }
}

async fn goods_check(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let draft = GoodsDraft {
        person: f.text("person").to_owned(),
        room: f.text("room").to_owned(),
        items: f.text("items").to_owned(),
        slip: f.ticked("slip"),
        slip_number: f.text("slip_number").to_owned(),
        issued_by: f.text("issued_by").to_owned(),
        matches: f.ticked("matches"),
    };
    let checked = (|| {
        for (name, what, max) in [
            ("person", "带物品的人", SHORT_TEXT),
            ("room", "房号", SHORT_TEXT),
            ("items", "物品", LONG_TEXT),
            ("slip_number", "放行条编号", SHORT_TEXT),
            ("issued_by", "开条人", SHORT_TEXT),
        ] {
            f.limited(name, what, max)?;
        }
        if draft.items.is_empty() {
            return Err("请写下要带出的物品，例如 冰箱一台 (write the goods)".to_owned());
        }
        if draft.slip && draft.slip_number.is_empty() {
            return Err(
                "有放行条时请填写放行条上的编号；没有放行条就不要勾选「有放行条」 (write the slip's number)"
                    .to_owned(),
            );
        }
        Ok(())
    })();
    if let Err(problem) = checked {
        return Ok(bad(render_goods(
            &user,
            &s,
            Notice::Problem(problem),
            &draft,
        )
        .await?));
    }
    let outcome = check_goods(draft.slip, draft.slip && draft.matches);
    let prohibited = prohibited_item(&draft.items);
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let mut e = desk_event(
        &s,
        now,
        if prohibited.is_some() {
            EventKind::Alert
        } else {
            EventKind::Registration
        },
    );
    let d = draft.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    let done = blocking(move || {
        if d.slip {
            store.record_goods_slip(
                &actor,
                NewGoodsSlip {
                    slip_number: d.slip_number.clone(),
                    person_id: None,
                    household: (!d.room.is_empty()).then(|| d.room.clone()),
                    items: d.items.clone(),
                    issued_by: d.issued_by.clone(),
                    matches: d.matches,
                    at: now,
                },
            )?;
        }
        let who = match (d.person.is_empty(), d.room.is_empty()) {
            (false, false) => format!("，{}（{}）", d.person, d.room),
            (false, true) => format!("，{}", d.person),
            (true, false) => format!("，{}", d.room),
            (true, true) => String::new(),
        };
        let result = match outcome {
            GoodsOutcome::Release => format!("放行条 {} 相符，放行", d.slip_number),
            GoodsOutcome::NeedSlip => "没有放行条，请其到管理处开具".to_owned(),
            GoodsOutcome::BackToOffice => {
                format!("放行条 {} 与物品不符，请其回管理处重新填写", d.slip_number)
            }
        };
        e.direction = Some(Direction::Out);
        e.decision = match prohibited {
            Some(item) => format!("违禁物品（{item}）：物品出门：{}{who}，{result}", d.items),
            None => format!("物品出门：{}{who}，{result}", d.items),
        };
        if prohibited.is_some() {
            e.notified = vec![Post::ShiftLeader];
        }
        super::record_event(&store, &hub, tz, &by, e)?;
        Ok(())
    })
    .await;
    if let Err(err) = done {
        let problem = match err {
            WebError::Store(StoreError::NotFound {
                what: "household",
                key,
            }) => format!(
                "没有房号 {key}：请按 楼-单元-房号 写，例如 3-2-1502；不清楚就不填 (no household {key})"
            ),
            other => refusal(other)?,
        };
        return Ok(bad(render_goods(
            &user,
            &s,
            Notice::Problem(problem),
            &draft,
        )
        .await?));
    }
    let item = prohibited
        .and_then(|p| PROHIBITED_ITEMS.iter().position(|i| *i == p))
        .map(|i| i.to_string());
    let mut params = vec![("result", outcome_key(outcome))];
    if let Some(i) = &item {
        params.push(("item", i));
    }
    see("/goods", &params)
}

// ---------------------------------------------------------------------------------------------
// 危险品车辆 · 夜间开门 Hazard vehicles and night openings

/// What a night opening is recorded as.
const NIGHT_OPEN: &str = "夜间应请求开门：";

async fn alerts_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let q = Fields::query(q);
    let notice = match q.text("done") {
        "hazard" => Notice::Done(html! {
            p.big { "拒绝进入：" (q.text("plate")) }
            p { "已记录危险品车辆警报。请不要让车辆进入，并立即报告当班分队长。" }
            small { "(The hazardous vehicle is recorded as an alert: keep it out and tell the shift leader now.)" }
        }),
        "night" => Notice::Done(html! {
            "已登记夜间开门：" (q.text("who"))
            small { " (The night opening is recorded.)" }
        }),
        "open" => Notice::Done(html! {
            "现在是开门时间（05:00–24:00），大门开着，不用登记夜间开门，也没有记录。"
            small { " (The gate is open now: nothing to record.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_alerts(&user, &s, notice, &AlertDraft::default())
        .await?
        .into_response())
}

#[derive(Default)]
struct AlertDraft {
    plate: String,
    cargo: String,
    who: String,
    reason: String,
}

async fn render_alerts(
    user: &Authed,
    s: &AppState,
    notice: Notice,
    d: &AlertDraft,
) -> Result<Markup, WebError> {
    let now = local_now(s);
    let open = gate_open(now.time());
    let (from, to) = day_range(now.date(), s.tz);
    let (store, gate) = (s.store.clone(), s.gate.clone());
    let events = blocking(move || {
        Ok(store.events(&EventQuery {
            from: Some(from),
            to: Some(to),
            gate: Some(gate),
            ..EventQuery::default()
        })?)
    })
    .await?;
    let listed: Vec<&GateEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::Alert || e.decision.starts_with(NIGHT_OPEN))
        .collect();
    let body = html! {
        (notice.show())
        section {
            h2 { "危险品车辆 Hazardous vehicle" }
            p {
                "运载煤气瓶、烟花爆竹、天那水、汽油、酒精等易燃易爆物品的车辆，不得进入小区。"
                small { " (Vehicles carrying flammable or explosive goods stay out.)" }
            }
            form.card-form method="post" action="/alerts/hazard" {
                (page::csrf_field(user))
                div.form-row {
                    label { "车牌 Plate" input type="text" name="plate" value=(d.plate) placeholder="例如 川A12345" autocomplete="off"; }
                    label { "装的什么 What it carries" input type="text" name="cargo" value=(d.cargo) placeholder="例如 液化气罐"; }
                }
                button.no type="submit" { "拒绝进入并记录警报 Refuse and record" }
            }
        }
        section {
            h2 { "夜间开门 Night opening" }
            p {
                "现在 " (now.format("%H:%M")) "，"
                @if open {
                    strong { "大门开放" } "（05:00–24:00）。夜间 00:00–05:00 大门关闭，应请求开门时在这里登记。"
                } @else {
                    strong { "大门关闭" } "（00:00–05:00）。有人要求开门时，核实身份后开门，并在这里登记是谁要求的。"
                }
            }
            form.card-form method="post" action="/alerts/night-open" {
                (page::csrf_field(user))
                div.form-row {
                    label { "谁要求开门 Who asked" input type="text" name="who" value=(d.who) placeholder="例如 3-2-1502 王先生"; }
                    label { "事由 Why " small { "(可不填)" } input type="text" name="reason" value=(d.reason) placeholder="例如 夜班回家"; }
                }
                button type="submit" { "登记开门 Record the opening" }
            }
        }
        section {
            h2 { "今天的警报和夜间开门 Today's alerts and night openings" }
            @if listed.is_empty() {
                p.meta { "今天没有 (none today)" }
            } @else {
                table {
                    tr { th { "时间" } th { "类别" } th { "车牌" } th { "记录" } th { "通知" } }
                    @for e in &listed {
                        tr {
                            td { (hm(e.at, s.tz)) }
                            td { (e.kind.zh()) }
                            td { (e.plate.as_deref().unwrap_or("")) }
                            td { (e.decision) }
                            td { (posts(&e.notified)) }
                        }
                    }
                }
            }
        }
        p.tools { a href="/goods" { "物品放行条 Goods slip" } }
    };
    Ok(frame(user, "危险品车辆 · 夜间开门", body))
}

async fn hazard(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let draft = AlertDraft {
        plate: f.text("plate").to_owned(),
        cargo: f.text("cargo").to_owned(),
        ..AlertDraft::default()
    };
    let checked = f
        .limited("cargo", "装的什么", SHORT_TEXT)
        .and_then(|cargo| {
            let plate = match crate::domain::plate::normalise_plate(&draft.plate) {
                Ok(plate) => plate,
                Err(crate::domain::plate::PlateError::Empty) => {
                    return Err("请填写车牌号，例如 川A12345 (write the plate)".to_owned());
                }
                Err(e) => {
                    let typed = clean_plate(&draft.plate);
                    return Err(format!("车牌号“{typed}”不对，请核对，例如 川A12345 ({e})"));
                }
            };
            if cargo.is_empty() {
                Err("请写明车上装的危险品，例如 液化气罐、汽油 (write what it carries)".to_owned())
            } else {
                Ok((plate, cargo))
            }
        });
    let (plate, cargo) = match checked {
        Ok(checked) => checked,
        Err(problem) => {
            return Ok(bad(render_alerts(
                &user,
                &s,
                Notice::Problem(problem),
                &draft,
            )
            .await?));
        }
    };
    let now = s.clock.now();
    let mut e = desk_event(&s, now, EventKind::Alert);
    e.direction = Some(Direction::In);
    e.plate = Some(plate.clone());
    e.decision = format!("危险品车辆（{cargo}），拒绝进入");
    e.notified = vec![Post::ShiftLeader];
    let store = s.store.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    blocking(move || super::record_event(&store, &hub, tz, &by, e)).await?;
    see("/alerts", &[("done", "hazard"), ("plate", &plate)])
}

async fn night_open(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let draft = AlertDraft {
        who: f.text("who").to_owned(),
        reason: f.text("reason").to_owned(),
        ..AlertDraft::default()
    };
    let checked = f.limited("who", "谁要求开门", SHORT_TEXT).and_then(|who| {
        let reason = f.limited("reason", "事由", SHORT_TEXT)?;
        if who.is_empty() {
            Err("请写下是谁要求开门，例如 3-2-1502 王先生 (write who asked)".to_owned())
        } else {
            Ok((who, reason))
        }
    });
    let (who, reason) = match checked {
        Ok(v) => v,
        Err(problem) => {
            return Ok(bad(render_alerts(
                &user,
                &s,
                Notice::Problem(problem),
                &draft,
            )
            .await?));
        }
    };
    let now = s.clock.now();
    if gate_open(now.with_timezone(&s.tz).time()) {
        return see("/alerts", &[("done", "open")]);
    }
    let mut e = desk_event(&s, now, EventKind::Registration);
    e.decision = if reason.is_empty() {
        format!("{NIGHT_OPEN}{who}")
    } else {
        format!("{NIGHT_OPEN}{who}（{reason}）")
    };
    let store = s.store.clone();
    let (hub, tz, by) = (s.hub.clone(), s.tz, user.user.name.clone());
    blocking(move || super::record_event(&store, &hub, tz, &by, e)).await?;
    see("/alerts", &[("done", "night"), ("who", &who)])
}
