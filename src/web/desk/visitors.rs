//! 访客登记 The visitors page: who is inside today, and their way out.

use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use chrono_tz::Tz;
use maud::{Markup, html};

use super::common::{
    Fields, Notice, bad, day_range, desk_links, frame, hm, local_now, posts, refusal, see, when,
};
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
            Ok(bad(
                render_visitors(&user, &s, Notice::Problem(problem)).await?
            ))
        }
    }
}
