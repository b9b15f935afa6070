//! 危险品车辆 · 夜间开门 The alerts page: a vehicle with hazardous goods turned away (the
//! shift leader is told) and the gate opened at night on request.

use axum::extract::{Extension, Form, RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::common::{
    Fields, Notice, SHORT_TEXT, bad, day_range, desk_event, frame, hm, local_now, posts, see,
};
use crate::domain::{Direction, EventKind, Post, clean_plate};
use crate::rules::gate::gate_open;
use crate::store::{EventQuery, GateEvent};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

/// What a night opening is recorded as.
const NIGHT_OPEN: &str = "夜间应请求开门：";

pub(super) async fn alerts_page(
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
                    label { "车牌 Plate" input maxlength=(crate::domain::limits::PLATE.max) type="text" name="plate" value=(d.plate) placeholder="例如 川A12345" autocomplete="off"; }
                    label { "装的什么 What it carries" input maxlength=(super::common::SHORT_TEXT) type="text" name="cargo" value=(d.cargo) placeholder="例如 液化气罐"; }
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
                    label { "谁要求开门 Who asked" input maxlength=(super::common::SHORT_TEXT) type="text" name="who" value=(d.who) placeholder="例如 3-2-1502 王先生"; }
                    label { "事由 Why " small { "(可不填)" } input maxlength=(super::common::SHORT_TEXT) type="text" name="reason" value=(d.reason) placeholder="例如 夜班回家"; }
                }
                button type="submit" { "登记开门 Record the opening" }
            }
        }
        section {
            h2 { "今天的警报和夜间开门 Today's alerts and night openings" }
            @if listed.is_empty() {
                p.meta { "今天没有 (none today)" }
            } @else {
                table.stack {
                    tr { th { "时间" } th { "类别" } th { "车牌" } th { "记录" } th { "通知" } }
                    @for e in &listed {
                        tr {
                            td data-label="时间" { (hm(e.at, s.tz)) }
                            td data-label="类别" { (e.kind.zh()) }
                            td.name data-label="车牌" { (e.plate.as_deref().unwrap_or("")) }
                            td data-label="记录" { (e.decision) }
                            td data-label="通知" { (posts(&e.notified)) }
                        }
                    }
                }
            }
        }
        p.tools { a href="/goods" { "物品放行条 Goods slip" } }
    };
    Ok(frame(user, "危险品车辆 · 夜间开门", body))
}

pub(super) async fn hazard(
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
    blocking(move || Ok(crate::web::hub::record_event(&store, &hub, tz, &by, e)?)).await?;
    see("/alerts", &[("done", "hazard"), ("plate", &plate)])
}

pub(super) async fn night_open(
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
    blocking(move || Ok(crate::web::hub::record_event(&store, &hub, tz, &by, e)?)).await?;
    see("/alerts", &[("done", "night"), ("who", &who)])
}
