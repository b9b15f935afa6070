//! 车辆 and 出入证: the known vehicles with whose they are and when they are expected, the booked
//! moving trucks (搬家车辆) and booking one; the issued passes, where their halves are, and
//! issuing one.

use axum::extract::{Extension, State};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{choice, date, done, filled, local, today};
use crate::domain::plate::normalise_plate;
use crate::domain::{VehicleKind, VisitPurpose};
use crate::store::{
    NewPass, NewVehicle, PassHalf, PassRecord, StoreError, VehicleOwner, VehicleRecord,
};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/vehicles", get(vehicles))
        .route(
            "/manage/vehicles/moving",
            axum::routing::post(book_moving_truck),
        )
        .route("/manage/passes", get(passes).post(issue_pass))
}

async fn vehicles(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    vehicles_page(&user, &s, None).await
}

async fn vehicles_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let (vehicles, households) =
        blocking(move || Ok((store.vehicles()?, store.households()?))).await?;
    let day = today(s);
    let (moving, others): (Vec<&VehicleRecord>, Vec<&VehicleRecord>) = vehicles
        .iter()
        .partition(|v| v.kind == VehicleKind::MovingTruck);
    Ok(page::layout(
        user,
        "车辆",
        html! {
            @if let Some(m) = message { (m) }
            section #moving {
                h2 { "搬家车辆" }
                p.meta { "4吨以上大型车辆一律不准进入小区；预约的搬家车辆在预约日期内放行。" }
                table {
                    thead { tr { th { "车牌" } th { "住户" } th { "日期" } th { "今天" } th { "备注" } } }
                    tbody {
                        @for v in &moving {
                            tr {
                                td.plate { (v.plate) }
                                td { (owner(v)) }
                                td.dates { (window(v)) }
                                td { (state_on(v, day)) }
                                td { (v.notes) }
                            }
                        }
                        @if moving.is_empty() { tr { td colspan="5" { "没有预约的搬家车辆。" } } }
                    }
                }
                h2 { "预约搬家车辆" }
                form.form-row method="post" action="/manage/vehicles/moving" {
                    (page::csrf_field(user))
                    label { "车牌" input name="plate" placeholder="京EA5331" required; }
                    label { "住户房号"
                        select name="household" required {
                            option value="" { "请选择" }
                            @for h in &households { option value=(h.code) { (h.code) } }
                        }
                    }
                    label { "从" input type="date" name="from" required value=(day); }
                    label { "到" input type="date" name="to" required value=(day); }
                    label { "备注" input name="notes" placeholder="搬家公司、联系电话"; }
                    button.ok type="submit" { "预约" }
                }
            }
            section #vehicles {
                h2 { "登记车辆" }
                table {
                    thead { tr { th { "车牌" } th { "颜色" } th { "类型" } th { "车主" } th { "有效期" } th { "备注" } } }
                    tbody {
                        @for v in &others {
                            tr {
                                td.plate { (v.plate) }
                                td { (v.colour.map(|c| c.zh()).unwrap_or("")) }
                                td { (v.kind.zh()) }
                                td { (owner(v)) }
                                td { @if v.valid_from.is_some() || v.valid_to.is_some() { (window(v)) " " (state_on(v, day)) } @else { "长期" } }
                                td { (v.notes) }
                            }
                        }
                    }
                }
                p.meta { "车辆名单由管理处用 gateward import 导入 vehicles.csv 维护。" }
            }
        },
    ))
}

fn owner(v: &VehicleRecord) -> String {
    match (&v.owner_person, &v.owner_household) {
        (Some(p), Some(h)) => format!("{p}（{h}）"),
        (Some(p), None) => p.clone(),
        (None, Some(h)) => h.clone(),
        (None, None) => String::new(),
    }
}

fn window(v: &VehicleRecord) -> String {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    format!("{} 至 {}", d(v.valid_from), d(v.valid_to))
}

fn state_on(v: &VehicleRecord, day: NaiveDate) -> &'static str {
    if v.valid_on(day) {
        "今天有效"
    } else if v.valid_to.is_some_and(|t| t < day) {
        "已过期"
    } else {
        "未到日期"
    }
}

#[derive(Deserialize)]
struct Booking {
    plate: Option<String>,
    household: Option<String>,
    from: Option<String>,
    to: Option<String>,
    notes: Option<String>,
}

async fn book_moving_truck(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(b): Form<Booking>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let plate = filled(&b.plate).ok_or_else(|| {
        WebError::BadInput("请填写搬家车辆的车牌，例如 京EA5331 (the plate is needed)".into())
    })?;
    let plate = normalise_plate(&plate)
        .map_err(|e| WebError::BadInput(format!("车牌“{plate}”不对，请核对后重填 ({e})")))?;
    let household = filled(&b.household).ok_or_else(|| {
        WebError::BadInput("请选择预约搬家的住户房号 (choose the household)".into())
    })?;
    let (Some(from), Some(to)) = (date("从", &b.from)?, date("到", &b.to)?) else {
        return Err(WebError::BadInput(
            "请填写搬家的起止日期 (give the first and the last day)".into(),
        ));
    };
    if from > to {
        return Err(WebError::BadInput(format!(
            "开始日期 {from} 晚于结束日期 {to}，请调换或改正 (the first day is after the last)"
        )));
    }
    if to < today(&s) {
        return Err(WebError::BadInput(format!(
            "结束日期 {to} 已经过去，请填写今天或以后的日期 (the booking ends in the past)"
        )));
    }
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let notes = filled(&b.notes).unwrap_or_default();
    let (p, h) = (plate.clone(), household.clone());
    blocking(move || {
        if store.household(&h)?.is_none() {
            return Err(WebError::BadInput(format!(
                "没有房号 {h} 的住户，请从列表中选择 (no household {h})"
            )));
        }
        store.add_vehicle(
            &actor,
            NewVehicle {
                owner: Some(VehicleOwner::Household(h)),
                valid_from: Some(from),
                valid_to: Some(to),
                notes,
                ..NewVehicle::new(p, VehicleKind::MovingTruck)
            },
        )?;
        Ok(())
    })
    .await?;
    let message = format!(
        "已预约搬家车辆 {plate}（{household}），{from} 至 {to} 放行；门岗识别到该车牌时不再按超限车辆报警。"
    );
    vehicles_page(&user, &s, Some(done(&message))).await
}

async fn passes(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    passes_page(&user, &s, None).await
}

fn half(h: PassHalf) -> &'static str {
    match h {
        PassHalf::WithHolder => "持证人带着",
        PassHalf::AtGate => "在门岗",
        PassHalf::Lost => "已挂失",
    }
}

async fn passes_page(
    user: &Authed,
    s: &AppState,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let store = s.store.clone();
    let (passes, people) = blocking(move || Ok((store.all_passes()?, store.people()?))).await?;
    let mut holders: Vec<_> = people.iter().collect();
    // pass holders first, then the others, by name
    holders.sort_by_key(|p| {
        (
            p.class != crate::domain::PersonClass::PassHolder,
            p.name.clone(),
        )
    });
    let status = |p: &PassRecord| {
        if p.first_half == PassHalf::Lost || p.second_half == PassHalf::Lost {
            "有一联已挂失，不能使用"
        } else if p.at_gate {
            "在小区内（副证在门岗）"
        } else {
            "不在小区内"
        }
    };
    Ok(page::layout(
        user,
        "出入证",
        html! {
            @if let Some(m) = message { (m) }
            p.meta { "持证人员进门时查验正副两联，副证留在门岗并登记；出门时交还副证并登记。" }
            table #passes {
                thead { tr { th { "编号" } th { "持证人" } th { "事由" } th { "发证" } th { "正证" } th { "副证" } th { "状态" } th { "最近交还" } } }
                tbody {
                    @for p in &passes {
                        tr {
                            td.number { (p.number) }
                            td { @if let Some(id) = p.holder_person_id {
                                a href=(format!("/manage/people/{id}")) { (p.holder.as_deref().unwrap_or("")) } } }
                            td { (p.purpose.zh()) }
                            td { (local(s, p.issued)) }
                            td { (half(p.first_half)) }
                            td { (half(p.second_half)) }
                            td { (status(p)) }
                            td { (p.returned.map(|t| local(s, t)).unwrap_or_default()) }
                        }
                    }
                    @if passes.is_empty() { tr { td colspan="8" { "还没有发过出入证。" } } }
                }
            }
            h2 { "发放出入证" }
            form.form-row method="post" action="/manage/passes" {
                (page::csrf_field(user))
                label { "编号（正副两联上的号码）" input name="number" placeholder="ZX-0123" required; }
                label { "持证人"
                    select name="holder" {
                        option value="" { "（未录入的人员）" }
                        @for p in &holders {
                            option value=(p.id) { (p.name) "（" (p.class.zh()) @if let Some(h) = &p.household { "，" (h) } "）" }
                        }
                    }
                }
                label { "事由"
                    select name="purpose" required {
                        @for v in VisitPurpose::ALL {
                            option value=(v.key()) selected[*v == VisitPurpose::Renovation] { (v.zh()) }
                        }
                    }
                }
                button.ok type="submit" { "发放" }
            }
        },
    ))
}

#[derive(Deserialize)]
struct IssueForm {
    number: Option<String>,
    holder: Option<String>,
    purpose: Option<String>,
}

async fn issue_pass(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<IssueForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let number = filled(&f.number).ok_or_else(|| {
        WebError::BadInput("请填写出入证编号，例如 ZX-0123 (the pass number is needed)".into())
    })?;
    let purpose: VisitPurpose = choice("事由", &f.purpose)?
        .ok_or_else(|| WebError::BadInput("请选择事由，例如 装修 (choose the purpose)".into()))?;
    let holder = filled(&f.holder)
        .map(|h| {
            h.parse::<i64>().map_err(|_| {
                WebError::BadInput("请从列表中选择持证人 (choose the holder from the list)".into())
            })
        })
        .transpose()?;
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let issued = s.clock.now();
    let n = number.clone();
    let name = blocking(move || {
        if store.pass(&n)?.is_some() {
            return Err(WebError::BadInput(format!(
                "编号 {n} 的出入证已经发过，请换一个编号 (the number is taken)"
            )));
        }
        let name = match holder {
            Some(id) => Some(
                store
                    .person(id)?
                    .ok_or_else(|| {
                        WebError::BadInput(
                            "所选的持证人已不在名单中，请刷新页面后重选 (the holder is gone)"
                                .into(),
                        )
                    })?
                    .name,
            ),
            None => None,
        };
        match store.issue_pass(
            &actor,
            NewPass {
                number: n.clone(),
                holder_person_id: holder,
                purpose,
                issued,
            },
        ) {
            Err(StoreError::Constraint { .. }) => Err(WebError::BadInput(format!(
                "编号 {n} 的出入证已经发过，请换一个编号 (the number is taken)"
            ))),
            r => r.map(|_| name).map_err(WebError::from),
        }
    })
    .await?;
    let message = match name {
        Some(name) => format!("已发放出入证 {number}（{}）给{name}。", purpose.zh()),
        None => format!("已发放出入证 {number}（{}）。", purpose.zh()),
    };
    passes_page(&user, &s, Some(done(&message))).await
}
