//! 交接班 The handover page: what the outgoing shift leaves open (visitors inside, passes held,
//! vehicles in, unresolved alerts) and the incoming guard's sign-off; the duty record of the two
//! shifts before, the follow-ups, and the shift's notes the guard writes.

use axum::extract::{Extension, Form, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use maud::{Markup, html};

use super::common::{
    Fields, Notice, bad, desk_links, frame, handover_error, hm, local_now, posts, see, slot_name,
    when,
};
use crate::app::handover::{self, Handover, HandoverError, OpenItems};
use crate::domain::limits;
use crate::domain::{EventKind, Shift};
use crate::rules::gate::ShiftSlot;
use crate::store::{GateEvent, NewShiftRecord, ShiftRecord};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub(super) async fn handover_page(
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
        "signed" => Notice::Done(html! {
            "已确认接班，交接已记录。"
            small { " (You have taken the shift over; the handover is recorded.)" }
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
    let (record, mine, open) = blocking(move || {
        let record = handover::build(&store, &gate, tz, slot, rest).map_err(handover_error)?;
        let mine = store
            .shift_records(Some(&gate), slot.date, slot.date)?
            .into_iter()
            .find(|r| r.shift == slot.shift);
        let outgoing = handover::outgoing_slot(now);
        let open = handover::open_items(&store, &gate, tz, outgoing).map_err(handover_error)?;
        Ok((record, mine, open))
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
        (open_items(user, &open, now.date(), s.tz))
        (follow_ups(&record))
        @for d in &record.shifts {
            (shift_duty(d, s.tz))
        }
        (notes_form(user, slot, rest, &draft, mine.as_ref(), s.tz))
        (desk_links())
    };
    Ok(frame(user, "交接班 Handover", body))
}

/// What the outgoing shift leaves open, and the incoming guard's sign-off.
fn open_items(user: &Authed, o: &OpenItems, today: NaiveDate, tz: Tz) -> Markup {
    html! {
        section.open-items {
            h2 { "交班未了事项 Open items · " (slot_name(o.slot)) }
            @if o.is_empty() {
                p { "没有未了事项 (nothing left open)" }
            }
            @if !o.visitors.is_empty() {
                h3 { "在小区内的访客 Visitors inside (" (o.visitors.len()) ")" }
                table.stack {
                    tr { th { "进入" } th { "贵姓" } th { "房号" } th { "事由" } }
                    @for v in &o.visitors {
                        tr {
                            td data-label="进入" { (when(v.time_in, tz, today)) }
                            td.name data-label="贵姓" { (v.visitor_surname) }
                            td data-label="房号" { (v.room) }
                            td data-label="事由" { (v.purpose.zh()) }
                        }
                    }
                }
            }
            @if !o.passes.is_empty() {
                h3 { "副证在门岗的出入证 Passes held at the gate (" (o.passes.len()) ")" }
                table.stack {
                    tr { th { "出入证" } th { "持证人" } th { "事由" } }
                    @for p in &o.passes {
                        tr {
                            td data-label="出入证" { strong { (p.number) } }
                            td.name data-label="持证人" { (p.holder.as_deref().unwrap_or("")) }
                            td data-label="事由" { (p.purpose.zh()) }
                        }
                    }
                }
            }
            @if !o.vehicles.is_empty() {
                h3 { "本班进入、仍在小区内的车辆 Vehicles in since this shift (" (o.vehicles.len()) ")" }
                table.stack {
                    tr { th { "车牌" } th { "进入" } }
                    @for v in &o.vehicles {
                        tr {
                            td.name data-label="车牌" { strong { (v.plate) } }
                            td data-label="进入" { (when(v.since, tz, today)) }
                        }
                    }
                }
            }
            @if !o.alerts.is_empty() {
                h3 { "未处理的警报 Unresolved alerts (" (o.alerts.len()) ")" }
                table.stack {
                    tr { th { "时间" } th { "车牌" } th { "记录" } }
                    @for e in &o.alerts {
                        tr {
                            td data-label="时间" { (hm(e.at, tz)) }
                            td.name data-label="车牌" { (e.plate.as_deref().unwrap_or("")) }
                            td data-label="记录" { (e.decision) }
                        }
                    }
                }
            }
            @match o.signed() {
                Some((by, at)) => p.signed-off { strong { "已交接：" (by) " " (when(*at, tz, today)) } },
                None => form.card-form method="post" action="/handover/sign-off" {
                    (page::csrf_field(user))
                    input type="hidden" name="date" value=(o.slot.date.to_string());
                    input type="hidden" name="shift" value=(o.slot.shift.key());
                    p { "接班人员看过以上事项后确认接班，会记下您的名字和时间。" small { " (The incoming guard signs off after reading the above.)" } }
                    button.ok type="submit" { "确认接班 Take over (" (user.user.name) ")" }
                },
            }
        }
    }
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
            table.stack {
                tr {
                    th { "人员 People" } th { "车辆进 Vehicles in" } th { "车辆出 Vehicles out" }
                    th { "警报 Alerts" } th { "登记 Registrations" }
                }
                tr {
                    td data-label="人员" { (people) @if !classes.is_empty() { br; small { (classes.join(" · ")) } } }
                    td data-label="车辆进" { (sum.vehicles_in) }
                    td data-label="车辆出" { (sum.vehicles_out) }
                    td data-label="警报" { (sum.alerts) @if sum.oversize > 0 { br; small { "超限车辆 " (sum.oversize) } } }
                    td data-label="登记" { (sum.registrations) }
                }
            }
            @if listed.is_empty() {
                p.meta { "本班没有警报和登记 (no alerts or registrations)" }
            } @else {
                h2 { "警报与登记 Alerts and registrations" }
                table.stack {
                    tr { th { "时间" } th { "类别" } th { "车牌" } th { "记录" } th { "通知" } }
                    @for e in &listed {
                        tr {
                            td data-label="时间" { (hm(e.at, tz)) }
                            td data-label="类别" { @if e.kind == EventKind::Alert { strong { (e.kind.zh()) } } @else { (e.kind.zh()) } }
                            td.name data-label="车牌" { (e.plate.as_deref().unwrap_or("")) }
                            td data-label="记录" { (e.decision) }
                            td data-label="通知" { (posts(&e.notified)) }
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
                    textarea maxlength=(crate::domain::limits::RECORD.max) name="notes" rows="5" { (draft.notes) }
                }
                label {
                    "待跟进事项 To follow up " small { "(下一班要办的事)" }
                    textarea maxlength=(crate::domain::limits::RECORD.max) name="follow_ups" rows="3" { (draft.follow_ups) }
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

pub(super) async fn save_notes(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let rest = f.ticked("rest");
    let checked = f
        .limited("notes", "本班情况", limits::RECORD.max)
        .and_then(|n| {
            Ok((
                n,
                f.limited("follow_ups", "待跟进事项", limits::RECORD.max)?,
            ))
        })
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

/// The incoming guard takes the shift over: the shift the form showed, when it is still the one
/// being handed over (otherwise the one that is now).
pub(super) async fn sign_off(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let now = local_now(&s);
    let at = s.clock.now();
    let asked = NaiveDate::parse_from_str(f.text("date"), "%Y-%m-%d")
        .ok()
        .zip(f.text("shift").parse::<Shift>().ok())
        .map(|(date, shift)| ShiftSlot { date, shift });
    let (store, gate, by) = (s.store.clone(), s.gate.clone(), user.user.name.clone());
    let done = blocking(move || {
        let outgoing = handover::outgoing_slot(now);
        let slot = match asked {
            Some(a) if a == outgoing || a == ShiftSlot::at(now) => a,
            _ => outgoing,
        };
        match handover::sign_off(&store, &gate, slot, &by, at) {
            Ok(()) => Ok(()),
            Err(HandoverError::Store(e)) => Err(WebError::Store(e)),
            Err(e) => Err(WebError::BadInput(e.to_string())),
        }
    })
    .await;
    match done {
        Ok(()) => see("/handover", &[("done", "signed")]),
        Err(WebError::BadInput(problem)) => Ok(bad(render_handover(
            &user,
            &s,
            false,
            Notice::Problem(problem),
            None,
        )
        .await?)),
        Err(e) => Err(e),
    }
}
