//! 住户与贵宾: the households with their members, the VIP list (表1), staff, pass holders,
//! former staff and barred people; adding a person; one person with photos, vehicles and recent
//! gate events; enrolling a face the cameras saw; deleting a person's personal data.

use std::collections::{HashMap, HashSet};

use axum::extract::{Extension, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{causes, choice, date, done, file_url, filled, local, today};
use super::person::{consent_needed, load_person, person_page};
use crate::app::enrol::new_person;
use crate::app::photos::store_photo;
use crate::app::rights::delete_person;
use crate::domain::{ConsentMethod, PersonClass, PersonStatus};
use crate::import::{ENROLLED_CLASSES, normalise_household};
use crate::pipeline::service::GalleryEdit;
use crate::store::{
    NewAuditEntry, NewConsent, NewFaceEmbedding, NewHousehold, NewPhoto, PassRecord, PersonRecord,
    Photo, VehicleRecord,
};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage", get(home))
        .route("/manage/people", get(list).post(add))
        .route("/manage/people/{id}", get(one))
        .route("/manage/people/{id}/edit", post(edit))
        .route("/manage/people/{id}/enrol-sighting", post(enrol_sighting))
        .route("/manage/people/{id}/delete", post(delete))
}

/// Where a manager lands after logging in.
async fn home(Extension(user): Extension<Authed>) -> Response {
    if user.user.role.may_manage() {
        Redirect::to("/manage/people").into_response()
    } else {
        Redirect::to("/").into_response()
    }
}

#[derive(Deserialize)]
struct Filter {
    class: Option<String>,
}

/// Everything the people page shows.
struct Everyone {
    people: Vec<PersonRecord>,
    households: Vec<crate::store::Household>,
    vehicles: Vec<VehicleRecord>,
    passes: Vec<PassRecord>,
    /// Photos of the VIPs, by person.
    photos: HashMap<i64, Vec<Photo>>,
    /// The people whose consent to face collection is on record.
    consented: HashSet<i64>,
}

async fn list(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let class: Option<PersonClass> = choice("类别", &f.class)?;
    let store = s.store.clone();
    let all = blocking(move || {
        let people = store.people()?;
        let mut photos = HashMap::new();
        for p in people.iter().filter(|p| p.class == PersonClass::Vip) {
            photos.insert(p.id, store.photos(p.id)?);
        }
        Ok(Everyone {
            consented: store.people_with_consent()?,
            households: store.households()?,
            vehicles: store.vehicles()?,
            passes: store.all_passes()?,
            people,
            photos,
        })
    })
    .await?;
    Ok(page::layout(
        &user,
        "住户与贵宾",
        people_page(&user, &all, class),
    ))
}

/// The plates of a person's own vehicles.
fn plates_of_person(all: &Everyone, id: i64) -> Vec<&str> {
    all.vehicles
        .iter()
        .filter(|v| v.owner_person_id == Some(id))
        .map(|v| v.plate.as_str())
        .collect()
}

/// A person's name, linking to their page, with their status and a flag when their consent to
/// face collection is missing.
fn person_link(all: &Everyone, p: &PersonRecord) -> Markup {
    html! {
        a href=(format!("/manage/people/{}", p.id)) { (p.name) }
        @if p.status == PersonStatus::Left { " (" (p.status.zh()) ")" }
        @if !all.consented.contains(&p.id) {
            " " span.problem.no-consent title="未登记人脸采集同意：不能录入人脸 (no consent recorded)" { "未登记同意" }
        }
    }
}

fn notes(p: &PersonRecord) -> String {
    [p.appearance_notes.as_str(), p.habit_notes.as_str()]
        .iter()
        .filter(|n| !n.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("；")
}

fn people_page(user: &Authed, all: &Everyone, class: Option<PersonClass>) -> Markup {
    let shows = |c: &[PersonClass]| class.is_none_or(|k| c.contains(&k));
    let of = |c: PersonClass| all.people.iter().filter(move |p| p.class == c);
    html! {
        nav.form-row aria-label="按类别筛选" {
            "按类别看："
            a href="/manage/people" { "全部" }
            @for c in PersonClass::ALL {
                a href=(format!("/manage/people?class={}", c.key())) { (c.zh()) }
            }
            a href="#add-person" { "添加人员 ↓" }
        }
        @if shows(&[PersonClass::Vip]) {
            section #vip {
                h2 { "贵宾（表1）" }
                p.meta { "贵宾到达时门岗立正敬礼、称呼职务问好，并通知管理处值班人员。" }
                table.records {
                    thead { tr { th { "姓名" } th { "称呼" } th { "照片" } th { "车牌" } th { "房号" } th { "备注" } } }
                    tbody {
                        @for p in of(PersonClass::Vip) {
                            tr {
                                td.name { (person_link(all, p)) }
                                td.title.short data-label="称呼" { (p.title) }
                                td data-label="照片" {
                                    @for ph in all.photos.get(&p.id).into_iter().flatten() {
                                        img.thumb src=(file_url(&ph.path)) alt=(p.name) loading="lazy";
                                    }
                                    @if all.photos.get(&p.id).is_none_or(Vec::is_empty) { span.meta { "没有照片" } }
                                }
                                td.plates data-label="车牌" { (plates_of_person(all, p.id).join("、")) }
                                td.short data-label="房号" { (p.household.as_deref().unwrap_or("")) }
                                td.long data-label="备注" { (notes(p)) }
                            }
                        }
                    }
                }
            }
        }
        @if shows(&[PersonClass::Resident]) {
            section #households {
                h2 { "住户" }
                table.records {
                    thead { tr { th { "房号" } th { "成员" } th { "车辆" } th { "备注" } th { "操作" } } }
                    tbody {
                        @for h in &all.households {
                            tr.household data-code=(h.code) {
                                td.short { (h.code) }
                                td.members data-label="成员" {
                                    @for (i, p) in all.people.iter().filter(|p| p.household_id == Some(h.id)).enumerate() {
                                        @if i > 0 { "、" }
                                        (person_link(all, p))
                                        @if p.class != PersonClass::Resident { "（" (p.class.zh()) "）" }
                                    }
                                }
                                td data-label="车辆" {
                                    (all.vehicles.iter()
                                        .filter(|v| v.owner_household_id == Some(h.id)
                                            || v.owner_person_id.is_some_and(|id| all.people.iter().any(|p| p.id == id && p.household_id == Some(h.id))))
                                        .map(|v| if v.valid_from.is_some() || v.valid_to.is_some() {
                                            format!("{}（{}）", v.plate, v.kind.zh())
                                        } else {
                                            v.plate.clone()
                                        })
                                        .collect::<Vec<_>>()
                                        .join("、"))
                                }
                                td.long data-label="备注" { (h.notes) }
                                td.short data-label="操作" { a href=(format!("/manage/households/{}", h.id)) { "修改" } }
                            }
                        }
                    }
                }
                @let homeless: Vec<&PersonRecord> = of(PersonClass::Resident).filter(|p| p.household_id.is_none()).collect();
                @if !homeless.is_empty() {
                    h2 { "未填房号的业主" }
                    p { @for (i, p) in homeless.iter().enumerate() { @if i > 0 { "、" } (person_link(all, p)) } }
                }
            }
        }
        @if shows(&[PersonClass::OfficeStaff, PersonClass::CompanyStaff]) {
            section #staff {
                h2 { "管理处与公司员工" }
                table.records {
                    thead { tr { th { "姓名" } th { "类别" } th { "称呼" } th { "车牌" } th { "通知" } th { "备注" } } }
                    tbody {
                        @for p in all.people.iter().filter(|p| matches!(p.class, PersonClass::OfficeStaff | PersonClass::CompanyStaff)) {
                            @if class.is_none_or(|k| k == p.class) {
                                tr {
                                    td.name { (person_link(all, p)) }
                                    td.short data-label="类别" { (p.class.zh()) }
                                    td.short data-label="称呼" { (p.title) }
                                    td data-label="车牌" { (plates_of_person(all, p.id).join("、")) }
                                    td.long data-label="通知" {
                                        @if p.ask_not_to_notify { "本人要求不通知管理处，改通知当班分队长" }
                                    }
                                    td.long data-label="备注" { (notes(p)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if shows(&[PersonClass::PassHolder]) {
            section #pass-holders {
                h2 { "持出入证人员" }
                table.records {
                    thead { tr { th { "姓名" } th { "房号" } th { "出入证" } th { "备注" } } }
                    tbody {
                        @for p in of(PersonClass::PassHolder) {
                            tr {
                                td.name { (person_link(all, p)) }
                                td.short data-label="房号" { (p.household.as_deref().unwrap_or("")) }
                                td data-label="出入证" {
                                    (all.passes.iter()
                                        .filter(|x| x.holder_person_id == Some(p.id))
                                        .map(|x| format!("{}（{}）", x.number, x.purpose.zh()))
                                        .collect::<Vec<_>>()
                                        .join("、"))
                                }
                                td.long data-label="备注" { (notes(p)) }
                            }
                        }
                    }
                }
                p { a href="/manage/passes" { "出入证发放与状态 →" } }
            }
        }
        @for (c, id, title, hint) in [
            (PersonClass::FormerStaff, "former-staff", "离职人员", "按访客对待，不按员工放行；到达时通知当班分队长。"),
            (PersonClass::Barred, "barred", "禁止进入人员", "拾荒、小摊贩、推销人员：礼貌拒绝入内。"),
            (PersonClass::Visitor, "visitors", "登记过的访客", ""),
        ] {
            @if shows(&[c]) && (class.is_some() || of(c).next().is_some()) {
                section id=(id) {
                    h2 { (title) }
                    @if !hint.is_empty() { p.meta { (hint) } }
                    table.records {
                        thead { tr { th { "姓名" } th { "状态" } th { "备注" } } }
                        tbody {
                            @for p in of(c) {
                                tr { td.name { (person_link(all, p)) } td.short data-label="状态" { (p.status.zh()) } td.long data-label="备注" { (notes(p)) } }
                            }
                        }
                    }
                }
            }
        }
        (add_form(user, all))
    }
}

/// The form that adds a person, then opens their page to upload photos.
fn add_form(user: &Authed, all: &Everyone) -> Markup {
    html! {
        section #add-person {
            h2 { "添加人员" }
            p.meta { "添加后打开此人的页面，上传照片录入人脸。访客不在这里添加：访客每次来访由门岗登记。" }
            form.form-row method="post" action="/manage/people" {
                (page::csrf_field(user))
                label { "姓名" input maxlength=(crate::domain::limits::NAME.max) name="name" required placeholder="例如 孙丽"; }
                label { "类别"
                    select name="class" required {
                        option value="" { "请选择" }
                        @for c in ENROLLED_CLASSES { option value=(c.key()) { (c.zh()) } }
                    }
                }
                label { "称呼（选填）" input maxlength=(crate::domain::limits::TITLE.max) name="title" placeholder="例如 王总、李主任"; }
                label { "房号（选填）"
                    input maxlength=(crate::domain::limits::ROOM.max) name="household" list="household-codes" placeholder="例如 3-2-1502"; }
                datalist #household-codes {
                    @for h in &all.households { option value=(h.code) {} }
                }
                label.check { input type="checkbox" name="new_household" value="yes";
                    "房号还没有登记时新建" }
                label { "相貌（选填）" input maxlength=(crate::domain::limits::NOTE.max) name="appearance" size="30" placeholder="例如 短发，戴眼镜"; }
                label { "备注（习惯、特别事项，选填）" input maxlength=(crate::domain::limits::NOTE.max) name="notes" size="40"; }
                fieldset #add-consent {
                    legend { "人脸采集同意（录入人脸前必须登记；也可以添加后在此人页面登记）" }
                    label { "同意人" input maxlength=(crate::domain::limits::NAME.max) name="consent_by" placeholder="本人，或 监护人 姓名"; }
                    label { "同意日期" input type="date" name="consent_on"; }
                    label { "同意方式"
                        select name="consent_how" {
                            option value="" { "未取得" }
                            @for m in ConsentMethod::ALL { option value=(m.key()) { (m.zh()) } }
                        }
                    }
                }
                button.ok type="submit" { "添加" }
            }
        }
    }
}

#[derive(Deserialize)]
struct AddForm {
    name: Option<String>,
    class: Option<String>,
    title: Option<String>,
    household: Option<String>,
    new_household: Option<String>,
    appearance: Option<String>,
    notes: Option<String>,
    consent_by: Option<String>,
    consent_on: Option<String>,
    consent_how: Option<String>,
}

/// The consent to face collection the add form records, if its fields are filled; some filled
/// and not others is a mistake. A day left empty is today.
fn consent_fields(s: &AppState, f: &AddForm) -> Result<Option<NewConsent>, WebError> {
    let by = filled(&f.consent_by);
    let how: Option<ConsentMethod> = choice("同意方式", &f.consent_how)?;
    let on = date("同意日期", &f.consent_on)?;
    let (given_by, method) = match (by, how) {
        (None, None) if on.is_none() => return Ok(None),
        (Some(by), Some(how)) => (by, how),
        _ => {
            return Err(WebError::BadInput(
                "人脸采集同意要填写同意人和同意方式；还没有取得同意就都不填，添加后再在此人页面登记 \
                 (fill in who consented and how, or leave the consent empty)"
                    .into(),
            ));
        }
    };
    let given_on = on.unwrap_or_else(|| today(s));
    if given_on > today(s) {
        return Err(WebError::BadInput(format!(
            "同意日期 {given_on} 还没到：请填写实际取得同意的日期 (the day is in the future)"
        )));
    }
    Ok(Some(NewConsent {
        given_by,
        given_on,
        method,
        note: String::new(),
    }))
}

/// The room code typed in a form, normalised (3-2-1502); `None` when left empty.
pub(super) fn household_field(v: &Option<String>) -> Result<Option<String>, WebError> {
    filled(v)
        .map(|h| {
            normalise_household(&h).map_err(|e| {
                WebError::BadInput(format!(
                    "房号“{h}”的写法不对：请写成 楼栋-单元-房号，例如 3-2-1502（3栋2单元1502室），\
                     也可以写 2-1502 或 1502 ({e})"
                ))
            })
        })
        .transpose()
}

/// Checks that household `code` is in the records, adding it when `create` (the box “房号还没有
/// 登记时新建” was ticked). Blocking.
pub(super) fn ensure_household(
    s: &AppState,
    actor: &str,
    code: Option<&str>,
    create: bool,
) -> Result<(), WebError> {
    let Some(code) = code else { return Ok(()) };
    if s.store.household(code)?.is_some() {
        return Ok(());
    }
    if !create {
        return Err(WebError::BadInput(format!(
            "房号 {code} 还没有登记。请核对房号；如果确实是新的房号，请勾选“房号还没有登记时新建”\
             后再提交 (household {code} does not exist: tick the box to add it)"
        )));
    }
    s.store.upsert_household(
        actor,
        NewHousehold {
            code: code.to_owned(),
            notes: String::new(),
        },
    )?;
    Ok(())
}

/// Adds a person (and their household when asked), then opens their page.
async fn add(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Form(f): Form<AddForm>,
) -> Result<Response, WebError> {
    user.may_manage()?;
    let name = filled(&f.name).ok_or_else(|| {
        WebError::BadInput("请填写姓名，例如 孙丽 (write the person's name)".into())
    })?;
    let classes = ENROLLED_CLASSES
        .iter()
        .map(|c| c.zh())
        .collect::<Vec<_>>()
        .join("、");
    let class: PersonClass = choice("类别", &f.class)?.ok_or_else(|| {
        WebError::BadInput(format!("请选择类别：{classes} (choose the person's class)"))
    })?;
    if !ENROLLED_CLASSES.contains(&class) {
        return Err(WebError::BadInput(format!(
            "访客不在这里添加：访客每次来访由门岗登记；经常来的装修、送货人员请选“{}”，             并发放出入证 (visitors are registered at the gate)",
            PersonClass::PassHolder.zh()
        )));
    }
    let household = household_field(&f.household)?;
    let create = f.new_household.as_deref() == Some("yes");
    let mut p = new_person(
        &name,
        class,
        filled(&f.title).as_deref(),
        household.as_deref(),
    );
    p.appearance_notes = filled(&f.appearance).unwrap_or_default();
    p.habit_notes = filled(&f.notes).unwrap_or_default();
    let consent = consent_fields(&s, &f)?;
    let state = s.clone();
    let actor = user.user.name.clone();
    let id = blocking(move || {
        let store = &state.store;
        ensure_household(&state, &actor, household.as_deref(), create)?;
        if let Some(same) = store
            .people_named(&name)?
            .into_iter()
            .find(|o| o.household == household)
        {
            return Err(WebError::BadInput(format!(
                "名单中已有{name}{}（编号 {}）：不要重复添加，请打开 /manage/people/{} 上传照片 ({name} is already in the list)",
                household
                    .as_deref()
                    .map(|h| format!("，房号 {h}"))
                    .unwrap_or_default(),
                same.id,
                same.id
            )));
        }
        let id = store.insert_person(&actor, p)?;
        if let Some(c) = consent {
            store.record_consent(&actor, id, c)?;
        }
        Ok(id)
    })
    .await?;
    Ok(Redirect::to(&format!("/manage/people/{id}")).into_response())
}

async fn one(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let state = s.clone();
    let one = blocking(move || load_person(&state, id)).await?;
    Ok(person_page(&user, &s, &one, None))
}

#[derive(Deserialize)]
struct EditForm {
    name: Option<String>,
    class: Option<String>,
    title: Option<String>,
    household: Option<String>,
    new_household: Option<String>,
    status: Option<String>,
    appearance: Option<String>,
    notes: Option<String>,
    ask_not_to_notify: Option<String>,
}

/// Saves the edit form of a person's page: name, class, title, household, status, notes and
/// whom to notify (audit entry `person.update` with what changed).
async fn edit(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let name = filled(&f.name).ok_or_else(|| {
        WebError::BadInput("姓名不能为空，请填写姓名，例如 孙丽 (write the person's name)".into())
    })?;
    let class: PersonClass = choice("类别", &f.class)?
        .ok_or_else(|| WebError::BadInput("请选择类别 (choose the person's class)".into()))?;
    let status: PersonStatus = choice("状态", &f.status)?.unwrap_or(PersonStatus::Active);
    let household = household_field(&f.household)?;
    let create = f.new_household.as_deref() == Some("yes");
    let p = crate::store::NewPerson {
        name: name.clone(),
        class,
        title: filled(&f.title).unwrap_or_default(),
        household: household.clone(),
        status,
        appearance_notes: filled(&f.appearance).unwrap_or_default(),
        habit_notes: filled(&f.notes).unwrap_or_default(),
        ask_not_to_notify: f.ask_not_to_notify.as_deref() == Some("yes"),
    };
    let state = s.clone();
    let actor = user.user.name.clone();
    let one = blocking(move || {
        if state.store.person(id)?.is_none() {
            return Err(WebError::NotFound(format!(
                "没有编号为 {id} 的人员：可能已被删除，请回到住户与贵宾列表 (no person {id})"
            )));
        }
        ensure_household(&state, &actor, household.as_deref(), create)?;
        state.store.update_person(&actor, id, p)?;
        load_person(&state, id)
    })
    .await?;
    Ok(person_page(
        &user,
        &s,
        &one,
        Some(done(&format!("已保存{name}的资料。"))),
    ))
}

#[derive(Deserialize)]
struct EnrolForm {
    #[serde(default)]
    sighting: String,
}

/// Adds the face of a sighting to a person: its embedding, and its crop as a photo.
async fn enrol_sighting(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<EnrolForm>,
) -> Result<Markup, WebError> {
    user.may_manage()?;
    let sighting: i64 = f.sighting.trim().parse().map_err(|_| {
        WebError::BadInput(format!(
            "截图编号应是一个数字，例如 1234；“{}”不是 (the sighting is a number)",
            f.sighting.trim()
        ))
    })?;
    let state = s.clone();
    let actor = user.user.name.clone();
    let (one, vector, with_photo, seen_at) = blocking(move || {
        let store = &state.store;
        let person = store.person(id)?.ok_or_else(|| {
            WebError::NotFound(format!("没有编号为 {id} 的人员 (no person {id})"))
        })?;
        if store.consent(id)?.is_none() {
            return Err(consent_needed(&person));
        }
        let seen = store.sighting(sighting)?.ok_or_else(|| {
            WebError::BadInput(format!(
                "没有编号为 {sighting} 的截图：它可能已过保留期被删除。请核对编号，或等此人再次经过门岗后用新的截图 (no sighting {sighting}; it may have expired)"
            ))
        })?;
        // the crop becomes a photo of the person, kept with the photos (sightings expire)
        let mut photo: Option<(i64, String)> = None;
        if let Some(thumb) = &seen.thumbnail {
            let crop = state.data.join(thumb);
            if crop.is_file() {
                let (sha, stored) = store_photo(&crop, &state.data)
                    .map_err(|e| WebError::Internal(causes(&e)))?;
                let photo_id = store.add_photo(
                    &actor,
                    id,
                    NewPhoto {
                        path: stored.clone(),
                        sha256: sha,
                    },
                )?;
                photo = Some((photo_id, stored));
            }
        }
        store.add_face_embedding(NewFaceEmbedding {
            person_id: id,
            model: seen.model.clone(),
            vector: seen.vector.clone(),
            thumbnail: photo.as_ref().map(|(_, p)| p.clone()),
            photo_id: photo.as_ref().map(|(id, _)| *id),
        })?;
        store.append_audit(NewAuditEntry {
            actor: actor.clone(),
            action: "face.enrol".into(),
            object: format!("person:{id}"),
            detail: format!(
                "{} from sighting {sighting} ({}, {})",
                person.name,
                seen.source,
                seen.model
            ),
        })?;
        Ok((
            load_person(&state, id)?,
            seen.vector,
            photo.is_some(),
            (seen.seen, seen.source),
        ))
    })
    .await?;
    let live = if let Some(g) = &s.gallery {
        g.edit(GalleryEdit::Add { person: id, vector });
        "门岗服务已立即使用这张人脸。"
    } else {
        "门岗服务下次启动时使用这张人脸。"
    };
    let message = format!(
        "已把 {} {} 看到的人脸录入为{}的人脸{}。{live}",
        local(&s, seen_at.0),
        seen_at.1,
        one.person.name,
        if with_photo {
            "，截图已存为照片"
        } else {
            "（截图文件已不在，只录入了人脸特征）"
        }
    );
    Ok(person_page(&user, &s, &one, Some(done(&message))))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// Deletes a person's personal data: the person, consents, photos, face embeddings, the faces
/// the cameras saw of them and the snapshots that show only them (see [`delete_person`]).
async fn delete(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Markup, WebError> {
    user.may_export()?;
    user.may_manage()?;
    if f.confirm != "yes" {
        return Err(WebError::BadInput(
            "请先勾选“我确认删除”，再按删除 (tick the confirmation box first)".into(),
        ));
    }
    let store = s.store.clone();
    let data = s.data.clone();
    let actor = user.user.name.clone();
    let gone = blocking(move || Ok(delete_person(&store, &data, &actor, id)?.records)).await?;
    let mut message = format!(
        "已删除{}的个人资料：照片 {} 张、人脸特征 {} 条、摄像头看到的人脸 {} 张、只拍到本人的抓拍 {} 张、\
         同意记录 {} 条。{} 条进出记录保留，但不再显示姓名。",
        gone.name,
        gone.photos,
        gone.embeddings,
        gone.sightings,
        gone.snapshots_deleted,
        gone.consents,
        gone.events_kept
    );
    if !gone.vehicles_kept.is_empty() {
        message.push_str(&format!(
            "其名下车辆（{}）仍在车辆名单中，车主已清空。",
            gone.vehicles_kept.join("、")
        ));
    }
    if let Some(g) = &s.gallery {
        // the running service stops naming them at once
        g.edit(crate::pipeline::service::GalleryEdit::Remove { person: id });
    }
    Ok(page::layout(
        &user,
        "已删除个人资料",
        html! {
            (done(&message))
            p { a href="/manage/people" { "← 住户与贵宾" } }
        },
    ))
}
