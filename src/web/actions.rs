//! What the guard does on the live screen: confirm or correct the name the camera gave (a
//! correction teaches the running gallery at once), and register a visitor with the script of
//! SPEC §2, or record the refusal when the resident cannot be reached.

use axum::extract::{Extension, Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::Authed;
use super::error::WebError;
use super::state::{AppState, blocking};
use crate::app::learning::{Confirmed, learn_confirmed};
use crate::app::visitors::{self, NewVisitor};
use crate::domain::plate::normalise_plate;
use crate::pipeline::service::GalleryEdit;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/events/{id}/confirm", post(confirm))
        .route("/api/events/{id}/correct", post(correct))
        .route("/api/events/{id}/plate", post(correct_plate))
        .route("/api/visitors", post(register_visitor))
        .route("/api/people", get(find_people))
}

#[derive(Serialize)]
struct Done {
    ok: bool,
    message: String,
}

fn done(message: impl Into<String>) -> Json<Done> {
    Json(Done {
        ok: true,
        message: message.into(),
    })
}

#[derive(Deserialize, Default)]
struct Confirmation {
    /// The face seen, kept as the person's when the camera named them rightly.
    #[serde(default)]
    sighting: Option<i64>,
}

/// A guard's ✓: the name was right (the face is kept as that person's, see
/// `app::learning`), or an alert or a vehicle was seen to.
async fn confirm(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    body: Option<Json<Confirmation>>,
) -> Result<Json<Done>, WebError> {
    let store = s.store.clone();
    let sighting = body.and_then(|b| b.0.sighting);
    let actor = user.user.name.clone();
    let edits = blocking(move || {
        let event = store
            .event(id)?
            .ok_or_else(|| WebError::NotFound(format!("没有这条记录 (no gate event {id})")))?;
        store.check_event(&actor, id, true, None)?;
        match (event.person_id, sighting) {
            (Some(person), Some(sighting)) => {
                learn(&store, &actor, person, sighting, event.person_id)
            }
            _ => Ok(Vec::new()),
        }
    })
    .await?;
    if let Some(g) = &s.gallery {
        edits.into_iter().for_each(|e| g.edit(e));
    }
    Ok(done("已确认"))
}

/// Keeps the face of `sighting` as `person`'s when the sighting is the arrival's (the camera
/// gave it the name `named`); the changes for the running gallery.
fn learn(
    store: &crate::store::Store,
    actor: &str,
    person: i64,
    sighting: i64,
    named: Option<i64>,
) -> Result<Vec<GalleryEdit>, WebError> {
    match learn_confirmed(store, actor, person, sighting, named)? {
        Confirmed::Kept(learned) => Ok(GalleryEdit::learned(learned)),
        Confirmed::Gone | Confirmed::NoConsent => Ok(Vec::new()),
        Confirmed::NotThisArrival => Err(WebError::BadInput(
            "这张脸不是这条到达的 (the face is not this arrival's)".into(),
        )),
    }
}

#[derive(Deserialize)]
struct Correction {
    /// Who it really was; `None`: nobody enrolled.
    person_id: Option<i64>,
    /// The face seen, whose embedding becomes the gallery's negative example.
    sighting: Option<i64>,
}

async fn correct(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(c): Json<Correction>,
) -> Result<Json<Done>, WebError> {
    let store = s.store.clone();
    let actor = user.user.name.clone();
    let edits = blocking(move || {
        let event = store
            .event(id)?
            .ok_or_else(|| WebError::NotFound(format!("没有这条记录 (no gate event {id})")))?;
        if let Some(person) = c.person_id
            && store.person(person)?.is_none()
        {
            return Err(WebError::BadInput(format!(
                "没有这个人 (no person {person} in the records)"
            )));
        }
        // the face was not who the camera said: the gallery learns it
        let mut edits = Vec::new();
        if let (Some(wrong), Some(sighting)) = (event.person_id, c.sighting)
            && Some(wrong) != c.person_id
        {
            store.add_face_correction(&actor, sighting, wrong)?;
            if let Some(seen) = store.sighting(sighting)? {
                edits.push(GalleryEdit::Exclude {
                    person: wrong,
                    vector: seen.vector,
                });
            }
        }
        store.check_event(&actor, id, false, c.person_id)?;
        // the guard named who it really is: the face is kept as theirs
        if let (Some(person), Some(sighting)) = (c.person_id, c.sighting) {
            edits.extend(learn(&store, &actor, person, sighting, event.person_id)?);
        }
        Ok(edits)
    })
    .await?;
    if let Some(g) = &s.gallery {
        edits.into_iter().for_each(|e| g.edit(e));
    }
    Ok(done("已更正"))
}

#[derive(Deserialize)]
struct PlateFix {
    plate: String,
}

/// A misread plate corrected from its card: the gate log and the vehicles inside follow.
async fn correct_plate(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(f): Json<PlateFix>,
) -> Result<Json<Done>, WebError> {
    let plate = normalise_plate(&f.plate).map_err(|e| {
        WebError::BadInput(format!(
            "车牌“{}”不对，请照车牌上的字重新输入 ({e})",
            f.plate.trim()
        ))
    })?;
    let store = s.store.clone();
    let shown = crate::domain::plate::format(&plate);
    blocking(move || {
        let event = store
            .event(id)?
            .ok_or_else(|| WebError::NotFound(format!("没有这条记录 (no gate event {id})")))?;
        if event.plate.is_none() {
            return Err(WebError::BadInput(
                "这条记录不是车辆 (this arrival is not a vehicle)".into(),
            ));
        }
        Ok(store.correct_plate(&user.user.name, id, &plate)?)
    })
    .await?;
    Ok(done(format!("车牌已更正为 {shown}")))
}

#[derive(Deserialize)]
struct Visitor {
    room: String,
    surname: String,
    purpose: String,
    #[serde(default)]
    id_checked: bool,
    resident_confirmed: bool,
    /// The arrival the visitor came in as, if the camera saw them.
    event_id: Option<i64>,
}

async fn register_visitor(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Json(v): Json<Visitor>,
) -> Result<Json<Done>, WebError> {
    let visitor = NewVisitor {
        room: v.room,
        surname: v.surname,
        purpose: v.purpose,
        id_checked: v.id_checked,
        resident_confirmed: v.resident_confirmed,
        arrival_id: v.event_id,
    };
    let now = s.clock.now();
    let (store, hub, gate, tz) = (s.store.clone(), s.hub.clone(), s.gate.clone(), s.tz);
    let guard = user.user.name.clone();
    let message = blocking(move || {
        let done = visitors::register(&store, &gate, tz, &guard, now, &visitor)?;
        crate::web::hub::record_event(&store, &hub, tz, &guard, done.event)?;
        Ok(done.message)
    })
    .await?;
    Ok(done(message))
}

#[derive(Deserialize)]
struct Find {
    q: String,
}

#[derive(Serialize)]
struct Found {
    id: i64,
    name: String,
    class: &'static str,
    class_zh: &'static str,
    household: Option<String>,
}

/// People whose name or household code contains the text (for the correction picker).
async fn find_people(
    State(s): State<AppState>,
    Query(f): Query<Find>,
) -> Result<Json<Vec<Found>>, WebError> {
    let store = s.store.clone();
    let q = f.q.trim().to_owned();
    let people = blocking(move || {
        Ok(store
            .people()?
            .into_iter()
            .filter(|p| {
                !q.is_empty()
                    && (p.name.contains(&q)
                        || p.household.as_deref().is_some_and(|h| h.contains(&q)))
            })
            .take(12)
            .map(|p| Found {
                id: p.id,
                name: p.name,
                class: p.class.key(),
                class_zh: p.class.zh(),
                household: p.household,
            })
            .collect())
    })
    .await?;
    Ok(Json(people))
}
