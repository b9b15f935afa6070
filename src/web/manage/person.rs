//! One person's page: who they are, their consent to face collection (and the form to record
//! it, [`super::rights`]), their photos with the form to upload more (enrolled as
//! [`super::enrol`] does it), their vehicles, passes and recent gate events, the form to enrol a
//! face the cameras saw, and their personal data: the download of all of it and the form to
//! delete it. No face is enrolled until the consent is on record.

use maud::{Markup, html};

use super::common::{file_url, local, today};
use crate::domain::{ConsentMethod, PersonClass, PersonStatus};
use crate::store::{Consent, EventQuery, PassRecord, PersonRecord, Photo, Sighting, VehicleRecord};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::AppState;

/// Gate events shown on a person's page.
const RECENT_EVENTS: usize = 20;

/// Faces the cameras saw that the page offers to enrol: at most this many…
const RECENT_SIGHTINGS: usize = 24;

/// …of the last this many hours.
const SIGHTING_HOURS: i64 = 24;

/// Most bytes one upload may carry, all photos together.
pub(super) const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// The multipart field of the photos.
pub(super) const FIELD: &str = "photos";

/// What one person's page shows.
pub(super) struct OnePerson {
    pub(super) person: PersonRecord,
    /// Their consent to face collection in force, if any.
    pub(super) consent: Option<Consent>,
    photos: Vec<Photo>,
    vehicles: Vec<VehicleRecord>,
    passes: Vec<PassRecord>,
    /// The latest gate events that named them, newest first.
    events: Vec<crate::store::GateEvent>,
    /// The faces the cameras saw lately, newest first, to enrol with one click.
    sightings: Vec<Sighting>,
}

pub(super) fn load_person(s: &AppState, id: i64) -> Result<OnePerson, WebError> {
    let store = &s.store;
    let person = store.person(id)?.ok_or_else(|| {
        WebError::NotFound(format!(
            "没有编号为 {id} 的人员：可能已被删除，请回到住户与贵宾列表 (no person {id})"
        ))
    })?;
    let mut events = store.events(&EventQuery {
        person_id: Some(id),
        ..EventQuery::default()
    })?;
    events.reverse();
    events.truncate(RECENT_EVENTS);
    let since = s.clock.now() - chrono::Duration::hours(SIGHTING_HOURS);
    Ok(OnePerson {
        sightings: store.recent_sightings(since, RECENT_SIGHTINGS)?,
        consent: store.consent(id)?,
        photos: store.photos(id)?,
        vehicles: store
            .vehicles()?
            .into_iter()
            .filter(|v| {
                v.owner_person_id == Some(id)
                    || (v.owner_household_id.is_some()
                        && v.owner_household_id == person.household_id)
            })
            .collect(),
        passes: store
            .all_passes()?
            .into_iter()
            .filter(|p| p.holder_person_id == Some(id))
            .collect(),
        events,
        person,
    })
}

pub(super) fn person_page(
    user: &Authed,
    s: &AppState,
    one: &OnePerson,
    message: Option<Markup>,
) -> Markup {
    let p = &one.person;
    let title = if p.title.is_empty() {
        p.name.clone()
    } else {
        format!("{}（{}）", p.name, p.title)
    };
    page::layout(
        user,
        &title,
        html! {
            @if let Some(m) = message { (m) }
            p { a href="/manage/people" { "← 住户与贵宾" } }
            table.person {
                tbody {
                    tr { th { "类别" } td { (p.class.zh()) } }
                    tr { th { "称呼" } td { (p.title) } }
                    tr { th { "房号" } td #household {
                        @if let (Some(code), Some(hid)) = (&p.household, p.household_id) {
                            a href=(format!("/manage/households/{hid}")) { (code) }
                        }
                    } }
                    tr { th { "状态" } td { (p.status.zh()) } }
                    tr { th { "相貌" } td #appearance { (p.appearance_notes) } }
                    tr { th { "备注（习惯、特别事项）" } td #notes { (p.habit_notes) } }
                    @if p.ask_not_to_notify {
                        tr { th { "通知" } td { "本人要求来访不通知管理处，改通知当班分队长" } }
                    }
                    tr { th { "登记于" } td { (local(s, p.created)) } }
                }
            }
            (edit_form(user, p))
            h2 { "人脸采集同意" }
            (consent_section(user, s, one))
            h2 { "照片" }
            @if one.photos.is_empty() {
                p.meta { "还没有照片。可以在下面上传照片，或从门岗摄像头的截图录入人脸。" }
            } @else {
                p.photos {
                    @for ph in &one.photos {
                        a href=(file_url(&ph.path)) { img.thumb src=(file_url(&ph.path)) alt=(p.name) loading="lazy"; }
                        " "
                    }
                }
            }
            (upload_form(user, s, p.id, one.consent.is_some()))
            h2 { "车辆" }
            @if one.vehicles.is_empty() { p.meta { "没有登记车辆。" } } @else {
                ul {
                    @for v in &one.vehicles {
                        li { (v.plate) "（" (v.kind.zh()) "）"
                            @if let (Some(f), Some(t)) = (v.valid_from, v.valid_to) { " " (f) " 至 " (t) } }
                    }
                }
            }
            @if !one.passes.is_empty() {
                h2 { "出入证" }
                ul {
                    @for x in &one.passes {
                        li { (x.number) "（" (x.purpose.zh()) "）"
                            @if x.at_gate { " 副证在门岗：持证人在小区内" } }
                    }
                }
            }
            h2 { "最近的进出记录（最多 " (RECENT_EVENTS) " 条）" }
            @if one.events.is_empty() { p.meta { "没有记录。" } } @else {
                table.events-of.records {
                    thead { tr { th { "时间" } th { "类型" } th { "方向" } th { "车牌" } th { "处理" } th { "抓拍" } } }
                    tbody {
                        @for e in &one.events {
                            tr {
                                td.time { (local(s, e.at)) }
                                td.short data-label="类型" { (e.kind.zh()) }
                                td.short data-label="方向" { (e.direction.map(|d| d.zh()).unwrap_or("")) }
                                td.plate data-label="车牌" { (e.plate.as_deref().unwrap_or("")) }
                                td.long data-label="处理" { (e.decision) }
                                td.short data-label="抓拍" { @if let Some(snap) = &e.snapshot { a href=(file_url(snap)) { "查看" } } }
                            }
                        }
                    }
                }
            }
            h2 { "从摄像头看到的人脸录入" }
            @if one.consent.is_some() {
                (sightings_picker(user, s, p, &one.sightings))
            } @else {
                p.meta { "登记" (p.name) "的人脸采集同意后，才能从摄像头看到的人脸录入。" }
            }
            @if user.user.role.may_manage() && user.user.role.may_export() {
                h2 { "个人信息的查阅、复制与删除" }
                p {
                    a.button.ok #export-person href=(format!("/manage/people/{}/export", p.id)) download {
                        "下载" (p.name) "的全部个人信息（ZIP）"
                    }
                }
                p.meta {
                    "本人要求查阅或复制时使用：包括资料、同意记录、照片、人脸特征说明、摄像头看到的人脸、"
                    "进出记录及抓拍、访客登记、车辆、出入证和操作记录。每次下载都记入操作日志。"
                }
                form.form-row method="post" action=(format!("/manage/people/{}/delete", p.id)) {
                    (page::csrf_field(user))
                    label.check { input type="checkbox" name="confirm" value="yes" required;
                        "我确认删除" (p.name) "的资料、同意记录、照片、人脸、摄像头看到的人脸，以及只拍到"
                        (p.name) "的抓拍（进出记录保留，但不再显示姓名）" }
                    button.no type="submit" { "删除" }
                }
            }
        },
    )
}

/// The consent in force, or that there is none; and the form to record one.
fn consent_section(user: &Authed, s: &AppState, one: &OnePerson) -> Markup {
    let p = &one.person;
    html! {
        @match &one.consent {
            Some(c) => {
                table.person #consent {
                    tbody {
                        tr { th { "同意人" } td.given-by { (c.given_by) } }
                        tr { th { "同意日期" } td.given-on { (c.given_on) } }
                        tr { th { "同意方式" } td.method { (c.method.zh()) } }
                        @if !c.note.is_empty() { tr { th { "备注" } td { (c.note) } } }
                        tr { th { "登记" } td.recorded { (c.recorded_by) "，" (local(s, c.recorded)) } }
                    }
                }
                details #consent-again {
                    summary { "重新登记同意（例如签了新的同意书）" }
                    (consent_form(user, p.id, today(s)))
                }
            }
            None => {
                p.problem #no-consent role="alert" {
                    "未登记同意：人脸属于敏感个人信息，录入" (p.name) "的人脸前须取得本人（或监护人）的同意，"
                    "并在这里登记是谁、哪天、以什么方式同意的。"
                    @if !one.photos.is_empty() { "已有的照片和人脸是登记同意以前录入的，请补登同意，或删除本人资料。" }
                    " (No consent to face collection is recorded: no face can be enrolled until it is.)"
                }
                (consent_form(user, p.id, today(s)))
            }
        }
    }
}

/// The form that records a consent.
fn consent_form(user: &Authed, person: i64, today: chrono::NaiveDate) -> Markup {
    html! {
        form.form-row #consent-form method="post" action=(format!("/manage/people/{person}/consent")) {
            (page::csrf_field(user))
            label { "同意人" input maxlength=(crate::domain::limits::NAME.max) name="given_by" required value="本人" placeholder="本人，或 监护人 姓名"; }
            label { "同意日期" input type="date" name="given_on" required value=(today) max=(today); }
            label { "同意方式"
                select name="method" required {
                    @for m in ConsentMethod::ALL { option value=(m.key()) { (m.zh()) } }
                }
            }
            label { "备注（选填）" input maxlength=(crate::domain::limits::NOTE.max) name="note" size="30" placeholder="例如 同意书存管理处档案第 3 册"; }
            button.ok type="submit" { "登记同意" }
        }
    }
}

/// What is answered when a face is to be enrolled for `person` without their consent on record.
pub(super) fn consent_needed(person: &PersonRecord) -> WebError {
    WebError::BadInput(format!(
        "还没有登记{name}的人脸采集同意，不能录入人脸：人脸属于敏感个人信息，须先取得本人（或监护人）\
         同意，并在{name}的页面“人脸采集同意”处登记 (record {name}'s consent to face collection \
         before enrolling a face)",
        name = person.name
    ))
}

/// The faces the cameras saw lately, as thumbnails: one click enrols that face as this person's.
fn sightings_picker(user: &Authed, s: &AppState, p: &PersonRecord, seen: &[Sighting]) -> Markup {
    html! {
        @if seen.is_empty() {
            p.meta { "最近 " (SIGHTING_HOURS) " 小时摄像头没有看到人脸。请此人从门岗摄像头前走过后刷新本页，或上传照片。" }
        } @else {
            p.meta { "最近 " (SIGHTING_HOURS) " 小时摄像头看到的人脸（最新的在前，最多 " (RECENT_SIGHTINGS) " 张）。点一下是" (p.name) "的那张，就录入为" (p.name) "的人脸。" }
            div.sightings #sightings {
                @for x in seen {
                    @if let Some(thumb) = &x.thumbnail {
                        form.sighting method="post" action=(format!("/manage/people/{}/enrol-sighting", p.id)) {
                            (page::csrf_field(user))
                            input type="hidden" name="sighting" value=(x.id);
                            button type="submit" data-sighting=(x.id) title=(format!("录入为{}的人脸", p.name)) {
                                img src=(file_url(thumb)) alt=(format!("{} {}", local(s, x.seen), x.source)) loading="lazy" width="112" height="112";
                                span.when { (local(s, x.seen)) }
                                span.camera { (x.source) }
                                @if x.person_id == Some(p.id) { span.same { "已认作" (p.name) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form that changes what is known of a person.
fn edit_form(user: &Authed, p: &PersonRecord) -> Markup {
    html! {
        details #edit-person {
            summary { "修改资料" }
            form.form-row method="post" action=(format!("/manage/people/{}/edit", p.id)) {
                (page::csrf_field(user))
                label { "姓名" input maxlength=(crate::domain::limits::NAME.max) name="name" required value=(p.name); }
                label { "类别"
                    select name="class" required {
                        @for c in PersonClass::ALL { option value=(c.key()) selected[*c == p.class] { (c.zh()) } }
                    }
                }
                label { "称呼（选填）" input maxlength=(crate::domain::limits::TITLE.max) name="title" value=(p.title) placeholder="例如 王总、李主任"; }
                label { "房号（选填）" input maxlength=(crate::domain::limits::ROOM.max) name="household" value=(p.household.as_deref().unwrap_or("")) placeholder="例如 3-2-1502"; }
                label.check { input type="checkbox" name="new_household" value="yes"; "房号还没有登记时新建" }
                label { "状态"
                    select name="status" {
                        @for st in PersonStatus::ALL { option value=(st.key()) selected[*st == p.status] { (st.zh()) } }
                    }
                }
                label { "相貌" input maxlength=(crate::domain::limits::NOTE.max) name="appearance" size="30" value=(p.appearance_notes); }
                label { "备注（习惯、特别事项）" input maxlength=(crate::domain::limits::NOTE.max) name="notes" size="40" value=(p.habit_notes); }
                label.check { input type="checkbox" name="ask_not_to_notify" value="yes" checked[p.ask_not_to_notify];
                    "本人要求来访不通知管理处（改通知当班分队长）" }
                button.ok type="submit" { "保存" }
            }
        }
    }
}

/// The upload form of a person's page; without face models, the commands that enrol; without
/// the person's consent, that it comes first.
fn upload_form(user: &Authed, s: &AppState, person: i64, consented: bool) -> Markup {
    html! {
        h2 { "上传照片录入人脸" }
        @if !consented {
            p.meta { "登记人脸采集同意（见上）后，才能在这里上传照片录入人脸。" }
        } @else if s.enrol.is_some() {
            form.form-row #upload-photos method="post" enctype="multipart/form-data"
                action=(format!("/manage/people/{person}/photos")) {
                // the token first: the session check reads it before the photos
                (page::csrf_field(user))
                label { "照片（可多选；JPEG、PNG 或 WebP，一次合计不超过 "
                    (UPLOAD_LIMIT / 1024 / 1024) " MB）"
                    input type="file" name=(FIELD) accept="image/jpeg,image/png,image/webp" multiple required; }
                button.ok type="submit" { "上传并录入" }
            }
            p.meta {
                "每张照片用其中最大的一张脸：要正面、清晰、脸宽至少 80 像素，整张脸都在照片内。"
                "不合格的照片会列出原因，不会保存。第一次上传要先加载人脸模型，请稍等。"
            }
        } @else {
            p.meta { "这里没有加载人脸模型，不能上传照片录入：请用命令 gateward enroll 或 gateward import。" }
        }
    }
}
