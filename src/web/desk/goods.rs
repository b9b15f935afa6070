//! 物品放行条 The goods page: whether goods may leave (the release slip decides; a prohibited
//! item taken out is a safety reminder, never a refusal: it is barred only from coming in), and
//! the slips checked today.

use axum::extract::{Extension, Form, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use maud::{Markup, html};

use super::common::{
    Fields, Notice, bad, day_range, desk_event, frame, hm, local_now, refusal, see,
};
use crate::domain::Direction;
use crate::domain::limits;
use crate::rules::goods::{GoodsOutcome, PROHIBITED_ITEMS, goods_leaving};
use crate::store::{GoodsSlipRecord, NewGoodsSlip, StoreError};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

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

/// The outcome of a check, big; `hazard`: a prohibited item among the goods taken out.
fn goods_outcome(o: GoodsOutcome, hazard: Option<&str>) -> Markup {
    html! {
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
        @if let Some(item) = hazard {
            p.hazard-note {
                "物品中有易燃易爆物品（" (item) "）：只禁止带入小区，带出按放行条办理。请提醒对方注意安全。"
                small { " (Flammable goods are barred only from coming in; taking them out follows the slip. Remind them to carry it safely.)" }
            }
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

pub(super) async fn goods_page(
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
                label { "带物品的人 Person" input maxlength=(crate::domain::limits::NAME.max) type="text" name="person" value=(d.person) placeholder="姓名"; }
                label { "房号 Room " small { "(可不填)" } input maxlength=(crate::domain::limits::ROOM.max) type="text" name="room" value=(d.room) placeholder="例如 3-2-1502"; }
            }
            label { "物品 Goods" input maxlength=(crate::domain::limits::NOTE.max) type="text" name="items" value=(d.items) placeholder="例如 冰箱一台、纸箱两个"; }
            label.check { input type="checkbox" name="slip" value="1" checked[d.slip]; "有管理处开具的物品放行条 (has a goods-release slip)" }
            div.form-row {
                label { "放行条编号 Slip number" input maxlength=(crate::domain::limits::NUMBER.max) type="text" name="slip_number" value=(d.slip_number); }
                label { "开条人 Issued by" input maxlength=(crate::domain::limits::NAME.max) type="text" name="issued_by" value=(d.issued_by); }
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
            table.stack {
                tr { th { "时间" } th { "放行条" } th { "房号" } th { "物品" } th { "开条人" } th { "结果" } }
                @for g in slips {
                    tr {
                        td data-label="时间" { (hm(g.at, tz)) }
                        td data-label="放行条" { (g.slip_number) }
                        td data-label="房号" { (g.household.as_deref().unwrap_or("")) }
                        td data-label="物品" { (g.items) }
                        td.name data-label="开条人" { (g.issued_by) }
                        td data-label="结果" { @match g.matches {
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

pub(super) async fn goods_check(
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
            ("person", "带物品的人", limits::NAME.max),
            ("room", "房号", limits::ROOM.max),
            ("items", "物品", limits::NOTE.max),
            ("slip_number", "放行条编号", limits::NUMBER.max),
            ("issued_by", "开条人", limits::NAME.max),
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
    let leaving = goods_leaving(&draft.items, draft.slip, draft.slip && draft.matches);
    let (outcome, hazard) = (leaving.outcome, leaving.hazard);
    let now = s.clock.now();
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let mut e = desk_event(&s, now, leaving.event_kind());
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
        e.decision = match hazard {
            Some(item) => format!(
                "物品出门：{}{who}，{result}；含易燃易爆物品（{item}），已提醒注意安全",
                d.items
            ),
            None => format!("物品出门：{}{who}，{result}", d.items),
        };
        crate::web::hub::record_event(&store, &hub, tz, &by, e)?;
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
    let item = hazard
        .and_then(|p| PROHIBITED_ITEMS.iter().position(|i| *i == p))
        .map(|i| i.to_string());
    let mut params = vec![("result", outcome_key(outcome))];
    if let Some(i) = &item {
        params.push(("item", i));
    }
    see("/goods", &params)
}
