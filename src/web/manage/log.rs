//! 记录查询: the gate log searched as `gateward log` searches it (a plate with one wrong
//! character still found), shown as a table with the snapshots, and exported as the same CSV.
//! Team leaders and up only: a guard's account may not take personal data out.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::common::{choice, date, file_url, filled, today};
use crate::app::log::{self, Found, HEADER, Search, SearchError};
use crate::domain::{EventKind, PersonClass, Shift};
use crate::recognize::plate_match::PlateMatch;
use crate::store::NewAuditEntry;
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

/// Rows shown on the page; the export has them all.
const SHOWN: usize = 500;

/// How each column of [`HEADER`] lays out (the style sheet's classes): short values never wrap,
/// so a name is not broken one character a line; the decision and the posts told wrap.
const COLUMN_CLASS: [&str; 12] = [
    "time", "shift", "short", "short", "short", "short", "name", "plate", "short", "long", "long",
    "short",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/log", get(log_page))
        .route("/log/export.csv", get(export))
}

/// The search form, as the address carries it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct LogForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    day: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shift: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
}

impl LogForm {
    /// The fields filled in, empty ones dropped; an empty search is today's log.
    fn effective(&self, s: &AppState) -> LogForm {
        let mut f = LogForm {
            plate: filled(&self.plate),
            person: filled(&self.person),
            class: filled(&self.class),
            day: filled(&self.day),
            from: filled(&self.from),
            to: filled(&self.to),
            shift: filled(&self.shift),
            kind: filled(&self.kind),
        };
        let empty = [
            &f.plate, &f.person, &f.class, &f.day, &f.from, &f.to, &f.shift, &f.kind,
        ]
        .iter()
        .all(|v| v.is_none());
        if empty {
            f.day = Some(today(s).to_string());
        }
        f
    }

    fn search(&self) -> Result<Search, WebError> {
        let day = date("日期", &self.day)?;
        if day.is_some() && (self.from.is_some() || self.to.is_some()) {
            return Err(WebError::BadInput(
                "请只填“日期”，或只填“从”“到”时间，不要同时填 (give a day, or a from/to time, not both)"
                    .into(),
            ));
        }
        Ok(Search {
            plate: self.plate.clone(),
            person: self.person.clone(),
            class: choice::<PersonClass>("类别", &self.class)?,
            day,
            from: self.from.clone(),
            to: self.to.clone(),
            shift: choice::<Shift>("班次", &self.shift)?,
            kind: choice::<EventKind>("类型", &self.kind)?,
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// A search error in words for the manager.
fn explain(e: SearchError) -> WebError {
    match e {
        SearchError::NoOne(name) => WebError::BadInput(format!(
            "名单中没有叫“{name}”的人。请核对姓名，或不填姓名、按车牌或时间查 (no one named {name})"
        )),
        SearchError::Several { name, count } => WebError::BadInput(format!(
            "名单中有 {count} 人叫“{name}”。请不填姓名，改按类别或时间查 ({count} people are named {name})"
        )),
        SearchError::Time(why) => WebError::BadInput(format!(
            "时间看不懂，请写成 2026-11-28 07:00 或 2026-11-28 ({why})"
        )),
        SearchError::Store(e) => WebError::Store(e),
    }
}

/// Who the events found are about: people by id, and the owners of vehicles in the records by
/// plate (张伟 · 1-1-101).
struct Names {
    people: HashMap<i64, String>,
    vehicles: HashMap<String, String>,
}

/// Runs the search; the events found and the names of the people and vehicles in them.
async fn run(s: &AppState, search: Search) -> Result<(Vec<Found>, Names), WebError> {
    let store = s.store.clone();
    let tz = s.tz;
    let day = today(s);
    blocking(move || {
        let found = log::search(&store, tz, day, &search).map_err(explain)?;
        let people = store
            .people()?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let vehicles = store
            .vehicles()?
            .into_iter()
            .filter_map(|v| {
                let whose: Vec<String> = [v.owner_person, v.owner_household]
                    .into_iter()
                    .flatten()
                    .collect();
                (!whose.is_empty()).then(|| (v.plate, whose.join(" · ")))
            })
            .collect();
        Ok((found, Names { people, vehicles }))
    })
    .await
}

/// The person an event names, or for a vehicle its owner and household.
fn name_of(names: &Names, id: Option<i64>, plate: Option<&str>) -> String {
    match (id, plate) {
        (Some(id), _) => names.people.get(&id).cloned().unwrap_or_default(),
        (None, Some(plate)) => names.vehicles.get(plate).cloned().unwrap_or_default(),
        (None, None) => String::new(),
    }
}

async fn log_page(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Query(form): Query<LogForm>,
) -> Result<Markup, WebError> {
    user.may_export()?;
    let form = form.effective(&s);
    let (found, names) = run(&s, form.search()?).await?;
    let near = found
        .iter()
        .filter(|(_, m)| *m == Some(PlateMatch::Near))
        .count();
    let sel = |v: &Option<String>, key: &str| v.as_deref() == Some(key);
    Ok(page::layout(
        &user,
        "记录查询",
        html! {
            form.form-row method="get" action="/log" {
                label { "车牌（可错一个字）" input maxlength=(crate::domain::limits::PLATE.max) name="plate" value=[form.plate.as_deref()] placeholder="川A8H458"; }
                label { "姓名" input maxlength=(crate::domain::limits::NAME.max) name="person" value=[form.person.as_deref()]; }
                label { "类别"
                    select name="class" {
                        option value="" { "全部" }
                        @for c in PersonClass::ALL { option value=(c.key()) selected[sel(&form.class, c.key())] { (c.zh()) } }
                    }
                }
                label { "类型"
                    select name="kind" {
                        option value="" { "全部" }
                        @for k in EventKind::ALL { option value=(k.key()) selected[sel(&form.kind, k.key())] { (k.zh()) } }
                    }
                }
                label { "日期" input type="date" name="day" value=[form.day.as_deref()]; }
                label { "或 从" input type="datetime-local" name="from" value=[form.from.as_deref()]; }
                label { "到" input type="datetime-local" name="to" value=[form.to.as_deref()]; }
                label { "班次"
                    select name="shift" {
                        option value="" { "全部" }
                        @for sh in Shift::ALL { option value=(sh.key()) selected[sel(&form.shift, sh.key())] { (sh.zh()) } }
                    }
                }
                button.ok type="submit" { "查询" }
            }
            p.summary {
                "找到 " strong.count { (found.len()) } " 条记录"
                @if near > 0 { "，其中 " (near) " 条车牌相近（标 ≈）" }
                "。 "
                a.export href=(format!("/log/export.csv?{}", form.query_string())) { "导出 Excel (CSV)" }
                span.meta { " 导出会记入审计日志。" }
            }
            @if found.len() > SHOWN { p.meta { "只显示前 " (SHOWN) " 条；请缩小范围，或导出全部。" } }
            table #log {
                thead { tr { @for h in HEADER { th { (h) } } } }
                tbody {
                    @for (e, m) in found.iter().take(SHOWN) {
                        @let cells = log::fields(e, *m, s.tz, name_of(&names, e.person_id, e.plate.as_deref()));
                        tr data-id=(e.id) {
                            @for (i, c) in cells[..cells.len() - 1].iter().enumerate() {
                                td class=(COLUMN_CLASS[i]) data-label=(HEADER[i]) { (c) }
                            }
                            td.short data-label=(HEADER[HEADER.len() - 1]) { @if let Some(snap) = &e.snapshot { a href=(file_url(snap)) target="_blank" { "抓拍" } } }
                        }
                    }
                }
            }
        },
    ))
}

async fn export(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Query(form): Query<LogForm>,
) -> Result<Response, WebError> {
    user.may_export()?;
    let form = form.effective(&s);
    let search = form.search()?;
    let what = log::describe(&search);
    let (found, names) = run(&s, search).await?;
    let mut csv = Vec::new();
    log::write_csv_to(&mut csv, &found, s.tz, |id, plate| {
        name_of(&names, id, plate)
    })
    .map_err(|e| WebError::Internal(format!("cannot write the CSV: {e:#}")))?;
    let store = s.store.clone();
    let entry = NewAuditEntry {
        actor: user.user.name.clone(),
        action: "export".to_owned(),
        object: format!("web log export: {what}"),
        detail: format!("{} gate events", found.len()),
    };
    // the export is recorded before it leaves: who took what out of the box
    blocking(move || Ok(store.append_audit(entry)?)).await?;
    let file = format!("gate-log-{}.csv", today(&s).format("%Y%m%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}
