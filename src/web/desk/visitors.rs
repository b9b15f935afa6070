//! 访客登记 The visitors page: a visitor no camera saw registered by hand (the same service as
//! the live screen's), who is inside today, and their way out.

use axum::extract::{Extension, Form, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use chrono_tz::Tz;
use maud::{Markup, html};

use super::common::{
    Fields, Notice, bad, day_range, desk_links, frame, hm, local_now, posts, refusal, see, when,
};
use crate::app::visitors::{self, NewVisitor};
use crate::domain::VisitPurpose;
use crate::store::VisitRecord;
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub(super) async fn visitors_page(
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
        "in" => Notice::Done(html! {
            "已登记访客" (q.text("who")) "，到" (q.text("room")) "；已通知巡逻岗、中控岗。"
            small { " (The visitor is registered; the patrol post and central control are told.)" }
        }),
        "refused" => Notice::Done(html! {
            p.say { "请对访客说：" (crate::rules::prompts::RESIDENT_UNREACHABLE) }
            "未能联系业主，不予放行，已记入值班记录。"
            small { " (The resident could not be reached: the visitor is turned away, and it is recorded.)" }
        }),
        _ => Notice::Nothing,
    };
    Ok(render_visitors(&user, &s, notice, &VisitorDraft::default())
        .await?
        .into_response())
}

/// What the registration form held, kept when it is refused.
#[derive(Default)]
struct VisitorDraft {
    room: String,
    surname: String,
    purpose: String,
    id_checked: bool,
    reached: String,
}

fn register_form(user: &Authed, d: &VisitorDraft) -> Markup {
    let purpose = if d.purpose.is_empty() {
        VisitPurpose::Visitor.key()
    } else {
        d.purpose.as_str()
    };
    html! {
        section {
            h2 { "登记访客 Register a visitor" }
            p.meta {
                "门岗屏上看到的访客请在门岗屏上登记；没有被摄像头拍到的访客在这里登记：问清房号和贵姓，与业主对讲确认，查验证件。"
                small { " (A visitor the cameras did not see is registered here.)" }
            }
            form.card-form method="post" action="/visitors" {
                (page::csrf_field(user))
                div.form-row {
                    label { "房号 Room" input maxlength=(crate::domain::limits::ROOM.max) type="text" name="room" value=(d.room) placeholder="例如 3-2-1502" autocomplete="off"; }
                    label { "贵姓 Surname" input maxlength=(crate::domain::limits::SURNAME.max) type="text" name="surname" value=(d.surname) placeholder="例如 孙" autocomplete="off"; }
                    label { "事由 Purpose"
                        select name="purpose" {
                            @for p in VisitPurpose::ALL {
                                option value=(p.key()) selected[p.key() == purpose] { (p.zh()) }
                            }
                        }
                    }
                }
                label.check { input type="checkbox" name="id_checked" value="1" checked[d.id_checked]; "已查验并登记有效证件 (ID checked)" }
                fieldset.reached {
                    legend { "与业主对讲 Intercom with the resident" }
                    label.check { input type="radio" name="reached" value="yes" checked[d.reached == "yes"]; "业主已确认 (the resident confirmed)" }
                    label.check { input type="radio" name="reached" value="no" checked[d.reached == "no"]; "联系不上业主 (could not reach the resident)" }
                }
                button.ok type="submit" { "登记 Register" }
            }
        }
    }
}

async fn render_visitors(
    user: &Authed,
    s: &AppState,
    notice: Notice,
    draft: &VisitorDraft,
) -> Result<Markup, WebError> {
    let today = local_now(s).date();
    let (from, to) = day_range(today, s.tz);
    let store = s.store.clone();
    let (inside, visits) =
        blocking(move || Ok((store.visitors_inside()?, store.visits(from, to)?))).await?;
    let tz = s.tz;
    let body = html! {
        (notice.show())
        (register_form(user, draft))
        section {
            h2 { "在小区内的访客 Visitors inside now (" (inside.len()) ")" }
            @if inside.is_empty() {
                p.meta { "现在没有访客在小区内 (no visitors inside)" }
            } @else {
                table.stack {
                    tr { th { "进入" } th { "贵姓" } th { "房号" } th { "事由" } th { "出入证" } th { "登记人" } th {} }
                    @for v in &inside {
                        tr {
                            td data-label="进入" { (when(v.time_in, tz, today)) }
                            td.name data-label="贵姓" { strong { (v.visitor_surname) } }
                            td data-label="房号" { (v.room) }
                            td data-label="事由" { (v.purpose.zh()) }
                            td data-label="出入证" { (v.pass_number.as_deref().unwrap_or("")) }
                            td.name data-label="登记人" { (v.guard) (registered_at(v)) }
                            td.act {
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

/// Where a visitor registered at another gate box was registered, e.g. "（东门岗亭登记）".
fn registered_at(v: &VisitRecord) -> Markup {
    html! {
        @if let Some(at) = &v.registered_at {
            " " small.elsewhere { "（" (at) "登记）" }
        }
    }
}

fn visits_table(visits: &[VisitRecord], tz: Tz, today: NaiveDate) -> Markup {
    html! {
        @if visits.is_empty() {
            p.meta { "今天还没有来访登记 (no visits today)" }
        } @else {
            table.stack {
                tr {
                    th { "进入" } th { "离开" } th { "贵姓" } th { "房号" } th { "事由" }
                    th { "业主确认" } th { "证件" } th { "通知" } th { "登记人" }
                }
                @for v in visits {
                    tr {
                        td data-label="进入" { (hm(v.time_in, tz)) }
                        td data-label="离开" { @match v.time_out { Some(t) => (when(t, tz, today)), None => strong { "在小区内" } } }
                        td.name data-label="贵姓" { (v.visitor_surname) }
                        td data-label="房号" { (v.room) }
                        td data-label="事由" { (v.purpose.zh()) }
                        td data-label="业主确认" { (if v.resident_confirmed { "已确认" } else { "未确认" }) }
                        td data-label="证件" { (if v.id_checked { "已查验" } else { "未查验" }) }
                        td data-label="通知" { (posts(&v.notified)) }
                        td.name data-label="登记人" { (v.guard) (registered_at(v)) }
                    }
                }
            }
        }
    }
}

pub(super) async fn visitor_out(
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
            Ok(bad(render_visitors(
                &user,
                &s,
                Notice::Problem(problem),
                &VisitorDraft::default(),
            )
            .await?))
        }
    }
}

/// The registration form posted: the visitors service decides, the duty record gets its
/// event and the posts are told, as from the live screen.
pub(super) async fn visitor_in(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let f = Fields(f);
    let draft = VisitorDraft {
        room: f.text("room").to_owned(),
        surname: f.text("surname").to_owned(),
        purpose: f.text("purpose").to_owned(),
        id_checked: f.ticked("id_checked"),
        reached: f.text("reached").to_owned(),
    };
    let confirmed = match draft.reached.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let problem = "请选择：业主已确认，或联系不上业主 (say whether the resident confirmed)";
            return Ok(bad(render_visitors(
                &user,
                &s,
                Notice::Problem(problem.to_owned()),
                &draft,
            )
            .await?));
        }
    };
    let visitor = NewVisitor {
        room: draft.room.clone(),
        surname: draft.surname.clone(),
        purpose: draft.purpose.clone(),
        id_checked: draft.id_checked,
        resident_confirmed: confirmed,
        arrival_id: None,
    };
    let now = s.clock.now();
    let (store, hub, gate, tz) = (s.store.clone(), s.hub.clone(), s.gate.clone(), s.tz);
    let guard = user.user.name.clone();
    let done = blocking(move || {
        let done = visitors::register(&store, &gate, tz, &guard, now, &visitor)?;
        let let_in = done.visit_id.is_some();
        let (who, room) = (done.surname.clone(), done.room.clone());
        crate::web::hub::record_event(&store, &hub, tz, &guard, done.event)?;
        Ok((let_in, who, room))
    })
    .await;
    match done {
        Ok((true, who, room)) => see(
            "/visitors",
            &[("done", "in"), ("who", &who), ("room", &room)],
        ),
        Ok((false, _, _)) => see("/visitors", &[("done", "refused")]),
        Err(e) => {
            let problem = refusal(e)?;
            Ok(bad(render_visitors(
                &user,
                &s,
                Notice::Problem(problem),
                &draft,
            )
            .await?))
        }
    }
}
