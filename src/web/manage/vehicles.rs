//! 车辆: the known vehicles with their plate colour, whose they are and when they are expected;
//! adding, changing and deleting one; the booked moving trucks (搬家车辆) and booking one.

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{choice, date, done, filled, today};
use crate::domain::plate::normalise_plate;
use crate::domain::{PlateColour, VehicleKind};
use crate::store::{Household, NewVehicle, PersonRecord, VehicleOwner, VehicleRecord};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/vehicles", get(vehicles).post(add))
        .route("/manage/vehicles/moving", post(book_moving_truck))
        .route("/manage/vehicles/{id}", get(one).post(change))
        .route("/manage/vehicles/{id}/delete", post(delete))
}

/// What the vehicle forms choose from.
struct Choices {
    households: Vec<Household>,
    people: Vec<PersonRecord>,
}

fn load_choices(s: &AppState) -> Result<Choices, WebError> {
    Ok(Choices {
        households: s.store.households()?,
        people: s.store.people()?,
    })
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
    let state = s.clone();
    let (vehicles, choices) =
        blocking(move || Ok((state.store.vehicles()?, load_choices(&state)?))).await?;
    let day = today(s);
    let (moving, others): (Vec<&VehicleRecord>, Vec<&VehicleRecord>) = vehicles
        .iter()
        .partition(|v| v.kind == VehicleKind::MovingTruck);
    Ok(page::layout(
        user,
        "车辆",
        html! {
            @if let Some(m) = message { (m) }
            nav.form-row aria-label="本页" {
                a href="#vehicles" { "登记车辆" }
                a href="#add-vehicle" { "添加车辆 ↓" }
                a href="#moving" { "搬家车辆 ↓" }
                a href="/manage/passes" { "出入证 →" }
            }
            section #vehicles {
                h2 { "登记车辆" }
                table.records {
                    thead { tr { th { "车牌" } th { "颜色" } th { "类型" } th { "车主" } th { "有效期" } th { "备注" } th { "操作" } } }
                    tbody {
                        @for v in &others {
                            tr data-id=(v.id) {
                                td.plate data-label="车牌" { (v.plate) }
                                td.colour data-label="颜色" { (colour(v)) }
                                td.short data-label="类型" { (v.kind.zh()) }
                                td data-label="车主" { (owner(v)) }
                                td.short data-label="有效期" { @if v.valid_from.is_some() || v.valid_to.is_some() { (window(v)) " " (state_on(v, day)) } @else { "长期" } }
                                td.long data-label="备注" { (v.notes) }
                                td.short data-label="操作" { a href=(format!("/manage/vehicles/{}", v.id)) { "修改或删除" } }
                            }
                        }
                        @if others.is_empty() { tr { td colspan="7" { "还没有登记车辆。" } } }
                    }
                }
                p.meta { "也可以用 gateward import 导入 vehicles.csv 批量登记。" }
            }
            section #add-vehicle {
                h2 { "添加车辆" }
                (vehicle_form(user, &choices, None, "/manage/vehicles", "添加"))
            }
            section #moving {
                h2 { "搬家车辆" }
                p.meta { "4吨以上大型车辆一律不准进入小区；预约的搬家车辆在预约日期内放行。" }
                table.records {
                    thead { tr { th { "车牌" } th { "住户" } th { "日期" } th { "今天" } th { "备注" } th { "操作" } } }
                    tbody {
                        @for v in &moving {
                            tr data-id=(v.id) {
                                td.plate data-label="车牌" { (v.plate) }
                                td data-label="住户" { (owner(v)) }
                                td.dates data-label="日期" { (window(v)) }
                                td.short data-label="今天" { (state_on(v, day)) }
                                td.long data-label="备注" { (v.notes) }
                                td.short data-label="操作" { a href=(format!("/manage/vehicles/{}", v.id)) { "修改或删除" } }
                            }
                        }
                        @if moving.is_empty() { tr { td colspan="6" { "没有预约的搬家车辆。" } } }
                    }
                }
                h2 { "预约搬家车辆" }
                form.form-row method="post" action="/manage/vehicles/moving" {
                    (page::csrf_field(user))
                    label { "车牌" input maxlength=(crate::domain::limits::PLATE.max) name="plate" placeholder="京EA5331" required; }
                    label { "住户房号"
                        select name="household" required {
                            option value="" { "请选择" }
                            @for h in &choices.households { option value=(h.code) { (h.code) } }
                        }
                    }
                    label { "从" input type="date" name="from" required value=(day); }
                    label { "到" input type="date" name="to" required value=(day); }
                    label { "备注" input maxlength=(crate::domain::limits::NOTE.max) name="notes" placeholder="搬家公司、联系电话"; }
                    button.ok type="submit" { "预约" }
                }
            }
        },
    ))
}

/// The form that adds a vehicle (`v` None) or changes `v`.
fn vehicle_form(
    user: &Authed,
    choices: &Choices,
    v: Option<&VehicleRecord>,
    action: &str,
    button: &str,
) -> Markup {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    html! {
        form.form-row.vehicle-form method="post" action=(action) {
            (page::csrf_field(user))
            label { "车牌" input maxlength=(crate::domain::limits::PLATE.max) name="plate" required placeholder="例如 粤B6R678" value=[v.map(|v| v.plate.as_str())]; }
            label { "车牌颜色"
                select name="colour" {
                    option value="" { "（不清楚）" }
                    @for c in PlateColour::ALL {
                        option value=(c.key()) selected[v.is_some_and(|v| v.colour == Some(*c))] { (c.zh()) }
                    }
                }
            }
            label { "类型"
                select name="kind" required {
                    @for k in VehicleKind::ALL {
                        option value=(k.key()) selected[v.map_or(*k == VehicleKind::Household, |v| v.kind == *k)] { (k.zh()) }
                    }
                }
            }
            label { "车主（选填）"
                select name="person" {
                    option value="" { "（不指定人员）" }
                    @for p in &choices.people {
                        option value=(p.id) selected[v.is_some_and(|v| v.owner_person_id == Some(p.id))] {
                            (p.name) "（" (p.class.zh()) @if let Some(h) = &p.household { "，" (h) } "）"
                        }
                    }
                }
            }
            label { "或住户房号（选填）"
                input maxlength=(crate::domain::limits::ROOM.max) name="household" list="vehicle-households" placeholder="例如 3-2-1502"
                    value=[v.and_then(|v| v.owner_household.as_deref())]; }
            datalist #vehicle-households {
                @for h in &choices.households { option value=(h.code) {} }
            }
            label { "有效期从（选填）" input type="date" name="from" value=(day(v.and_then(|v| v.valid_from))); }
            label { "到（选填）" input type="date" name="to" value=(day(v.and_then(|v| v.valid_to))); }
            label { "备注" input maxlength=(crate::domain::limits::NOTE.max) name="notes" value=[v.map(|v| v.notes.as_str())]; }
            button.ok type="submit" { (button) }
        }
    }
}

fn colour(v: &VehicleRecord) -> Markup {
    html! {
        @match v.colour {
            Some(c) => span class=(format!("plate-colour plate-{}", c.key())) { (c.zh()) },
            None => span.meta { "未填" },
        }
    }
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

/// A plate typed in a form, checked by the plate grammar.
fn plate_field(v: &Option<String>) -> Result<String, WebError> {
    let plate = filled(v).ok_or_else(|| {
        WebError::BadInput("请填写车牌，例如 粤B6R678 (the plate is needed)".into())
    })?;
    normalise_plate(&plate).map_err(|e| {
        WebError::BadInput(format!(
            "车牌“{plate}”不对：车牌以省份简称开头，例如 粤B6R678、粤BD01366，请核对后重填 ({e})"
        ))
    })
}

#[derive(Deserialize)]
struct VehicleForm {
    plate: Option<String>,
    colour: Option<String>,
    kind: Option<String>,
    person: Option<String>,
    household: Option<String>,
    from: Option<String>,
    to: Option<String>,
    notes: Option<String>,
}

/// The vehicle a form describes (the owner is checked against the records by the caller).
fn vehicle_of(f: &VehicleForm) -> Result<NewVehicle, WebError> {
    let plate = plate_field(&f.plate)?;
    let colour: Option<PlateColour> = choice("车牌颜色", &f.colour)?;
    let kind: VehicleKind = choice("类型", &f.kind)?.ok_or_else(|| {
        WebError::BadInput("请选择车辆类型，例如 业主车辆 (choose the kind)".into())
    })?;
    let person = filled(&f.person)
        .map(|p| {
            p.parse::<i64>().map_err(|_| {
                WebError::BadInput("请从列表中选择车主 (choose the owner from the list)".into())
            })
        })
        .transpose()?;
    let household = filled(&f.household);
    let (from, to) = (date("有效期从", &f.from)?, date("到", &f.to)?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(WebError::BadInput(format!(
            "开始日期 {from} 晚于结束日期 {to}，请调换或改正 (the first day is after the last)"
        )));
    }
    if kind == VehicleKind::MovingTruck && (from.is_none() || to.is_none()) {
        return Err(WebError::BadInput(
            "搬家车辆要填写起止日期，只在这几天放行 (a moving truck needs its days)".into(),
        ));
    }
    Ok(NewVehicle {
        colour,
        owner: match (person, household) {
            (Some(id), _) => Some(VehicleOwner::Person(id)),
            (None, Some(code)) => Some(VehicleOwner::Household(code)),
            (None, None) => None,
        },
        valid_from: from,
        valid_to: to,
        notes: filled(&f.notes).unwrap_or_default(),
        ..NewVehicle::new(plate, kind)
    })
}

/// Checks the owner a form chose against the records.
fn check_owner(s: &AppState, v: &NewVehicle) -> Result<(), WebError> {
    match &v.owner {
        Some(VehicleOwner::Person(id)) if s.store.person(*id)?.is_none() => {
            Err(WebError::BadInput(
                "所选的车主已不在名单中，请刷新页面后重选 (the owner is gone)".into(),
            ))
        }
        Some(VehicleOwner::Household(code)) if s.store.household(code)?.is_none() => {
            Err(WebError::BadInput(format!(
                "没有房号 {code} 的住户：请从列表中选择，或先在“住户与贵宾”页添加这户 \
                 (no household {code})"
            )))
        }
        _ => Ok(()),
    }
}

async fn add(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<VehicleForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let v = vehicle_of(&f)?;
    let state = s.clone();
    let actor = user.user.name.clone();
    let plate = v.plate.clone();
    blocking(move || {
        check_owner(&state, &v)?;
        let same = state.store.find_vehicles(&v.plate)?;
        if let Some(o) = same
            .iter()
            .find(|o| o.valid_from == v.valid_from && o.valid_to == v.valid_to)
        {
            return Err(WebError::BadInput(format!(
                "车牌 {} 已经登记过：要修改请打开 /manage/vehicles/{} (the plate is already listed)",
                o.plate, o.id
            )));
        }
        state.store.add_vehicle(&actor, v)?;
        Ok(())
    })
    .await?;
    vehicles_page(
        &user,
        &s,
        Some(done(&format!(
            "已添加车辆 {plate}。门岗识别到该车牌时按登记的类型提示。"
        ))),
    )
    .await
}

async fn one(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    vehicle_page(&user, &s, id, None).await
}

async fn vehicle_page(
    user: &Authed,
    s: &AppState,
    id: i64,
    message: Option<Markup>,
) -> Result<Markup, WebError> {
    let state = s.clone();
    let (v, choices) = blocking(move || {
        let v = state.store.vehicle(id)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "没有编号为 {id} 的车辆：可能已被删除，请回到车辆列表 (no vehicle {id})"
            ))
        })?;
        Ok((v, load_choices(&state)?))
    })
    .await?;
    Ok(page::layout(
        user,
        &format!("车辆 {}", v.plate),
        html! {
            @if let Some(m) = message { (m) }
            p { a href="/manage/vehicles" { "← 车辆" } }
            h2 { "修改车辆" }
            (vehicle_form(user, &choices, Some(&v), &format!("/manage/vehicles/{id}"), "保存"))
            h2 { "删除车辆" }
            form.form-row method="post" action=(format!("/manage/vehicles/{id}/delete")) {
                (page::csrf_field(user))
                label.check { input type="checkbox" name="confirm" value="yes" required;
                    "我确认删除车辆 " (v.plate) "（进出记录保留）" }
                button.no type="submit" { "删除" }
            }
        },
    ))
}

async fn change(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<VehicleForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let v = vehicle_of(&f)?;
    let state = s.clone();
    let actor = user.user.name.clone();
    let plate = v.plate.clone();
    blocking(move || {
        if state.store.vehicle(id)?.is_none() {
            return Err(WebError::NotFound(format!(
                "没有编号为 {id} 的车辆：可能已被删除，请回到车辆列表 (no vehicle {id})"
            )));
        }
        check_owner(&state, &v)?;
        state.store.update_vehicle(&actor, id, v)?;
        Ok(())
    })
    .await?;
    vehicle_page(
        &user,
        &s,
        id,
        Some(done(&format!("已保存车辆 {plate} 的修改。"))),
    )
    .await
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

async fn delete(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, WebError> {
    user.may_manage()?;
    if f.confirm != "yes" {
        return Err(WebError::BadInput(
            "请先勾选“我确认删除”，再按删除 (tick the confirmation box first)".into(),
        ));
    }
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let gone = blocking(move || Ok(store.delete_vehicle(&actor, id)?)).await?;
    let message = format!("已删除车辆 {}；它的进出记录保留。", gone.plate);
    Ok(vehicles_page(&user, &s, Some(done(&message)))
        .await?
        .into_response())
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
    let plate = plate_field(&b.plate)?;
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
