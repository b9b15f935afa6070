//! The guard's screen: the page, its live stream of prompts (server-sent events), the state it
//! opens with (shift, gate hours, cameras, recent arrivals), and the snapshot files it shows.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{PreEscaped, html};
use serde::Serialize;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::{BroadcastStream, IntervalStream};

use super::auth::Authed;
use super::error::WebError;
use super::page;
use super::state::{AppState, blocking};
use crate::domain::event::CameraHealth;
use crate::domain::event::GateEvent;
use crate::domain::{Desk, PersonClass, Post};
use crate::rules::attention::attention;
use crate::rules::gate::{gate_hours_zh, gate_open, shift_at};
use crate::rules::greeting::{EVENING_FROM, MORNING_FROM};
use crate::rules::prompts::{RESIDENT_UNREACHABLE, VISITOR_FIRST, VISITOR_SCRIPT};
use crate::store::Store;

/// How often the screen is told how the cameras are.
const HEALTH_EVERY: Duration = Duration::from_secs(2);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(screen))
        .route("/api/state", get(state))
        .route("/api/stream", get(stream))
        .route("/api/inside", get(inside))
        .route("/api/people/{id}/face", get(enrolled_face))
}

async fn screen(Extension(user): Extension<Authed>, State(s): State<AppState>) -> Response {
    let script = serde_json::json!({
        "first": VISITOR_FIRST,
        "script": VISITOR_SCRIPT,
        "unreachable": RESIDENT_UNREACHABLE,
        "purposes": crate::domain::VisitPurpose::ALL
            .iter()
            .map(|p| [p.key(), p.zh()])
            .collect::<Vec<_>>(),
        "desk": user.user.post.key(),
        "tz": s.tz.name(),
        "quiet_minutes": s.training.quiet_minutes,
        // the screen is dark from the evening greeting to the morning one
        "night": [EVENING_FROM, MORNING_FROM],
        // the gate's own screen speaks and chimes unless the guard turns it off
        "gate_screen": user.user.post == Desk::Gate,
    });
    page::layout_as(
        &user,
        &format!("{} 门岗", s.gate),
        "gate-screen",
        html! {
            div #status.status {
                span #clock {} span #shift {} span #gate-open {} span #cameras {} span #shared-store hidden {}
                span #waiting role="status" {}
                button #speech type="button" aria-pressed="false" { "声音：开" }
                span #link.link-state { "连接中…" }
                span.keys { kbd { "Enter" } " 确认 · " kbd { "Esc" } " 回到实时 · " kbd { "R" } " 再说一遍" }
            }
            div #pinbar.pinbar hidden {
                span #pinmsg { "正在处理这一条，新的到达排在旁边" }
                button #unpin type="button" { "回到实时 Back to live (Esc)" }
            }
            div.screen {
                div {
                    p #idle.idle { "等待来人来车… (waiting for arrivals)" }
                    div #queue.queue aria-live="assertive" {}
                }
                aside {
                    section #notices.notices hidden {
                        h2 { "通知 Notifications" }
                        ul #notice-list {}
                    }
                    h2 { "场内车辆 Vehicles inside（" span #inside-count { "0" } "）" }
                    ul #inside.inside {}
                    h2 { "最近 Recent" }
                    ol #events.events {}
                }
            }
            // what screen.js needs to know, as data (a JSON block is never run)
            script #gate-config type="application/json" { (PreEscaped(json_data(&script))) }
            (page::script("training.js"))
            (page::script("screen.js"))
        },
    )
    .into_response()
}

/// `value` as JSON to put inside a `<script type="application/json">` block: `<`, `>` and `&`
/// written as JSON escapes, so no text in it can end the block or open a comment.
fn json_data(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A gate event as a screen gets it: the event (keys and the rules' words), the Chinese names
/// of its keys, and whether its user's post is notified. The page shows what it is given; it
/// keeps no copy of the rules.
#[derive(Serialize)]
struct Live<'a> {
    #[serde(flatten)]
    event: &'a GateEvent,
    /// The posts told, in Chinese.
    notify_zh: Vec<&'static str>,
    /// The way, in Chinese (进, 出), when known.
    direction_zh: Option<&'static str>,
    /// For a vehicle, the decision in Chinese (放行, 超限 拒入).
    decision_zh: Option<&'static str>,
    /// The word beside it in the list of recent events: the decision of a vehicle, the class
    /// of a person (访客 for a stranger).
    label_zh: &'static str,
    for_me: bool,
    /// Its place in the screen's queue (0 first) and whether it stays until acknowledged.
    rank: u8,
    held: bool,
    /// A guard has confirmed, corrected or acknowledged it.
    checked: bool,
    /// A visitor was registered for it.
    registered: bool,
    /// The face the manager enrolled for the person named, to show beside the snapshot.
    face: Option<String>,
}

impl<'a> Live<'a> {
    fn new(event: &'a GateEvent, desk: Desk) -> Self {
        let attention = attention(event);
        Live {
            rank: attention.rank,
            held: attention.held,
            checked: false,
            registered: false,
            face: event
                .person
                .as_ref()
                .map(|p| format!("/api/people/{}/face", p.id)),
            event,
            notify_zh: event.notify.iter().map(|p| p.zh()).collect(),
            direction_zh: event.direction.map(|d| d.zh()),
            decision_zh: event.decision.map(|d| d.zh()),
            label_zh: match (&event.decision, &event.person) {
                (Some(d), _) => d.zh(),
                (None, Some(p)) => p.class.zh(),
                (None, None) => PersonClass::Visitor.zh(),
            },
            for_me: for_desk(desk, event),
        }
    }
}

/// An event made at a desk, as the posts it is for see it in their notifications.
#[derive(Serialize)]
struct DeskNotice<'a> {
    /// The gate log's record of it.
    id: Option<i64>,
    /// An alert (a night opening, a hazard) stays on the screen until acknowledged.
    held: bool,
    /// A guard has acknowledged it.
    checked: bool,
    /// Local time at the gate, RFC 3339.
    at: String,
    /// What happened, as recorded in the gate log.
    text: &'a str,
    /// The posts told.
    notify: &'a [Post],
    /// Who recorded it.
    by: &'a str,
}

impl<'a> DeskNotice<'a> {
    fn new(e: &'a GateEvent) -> Self {
        DeskNotice {
            id: e.id,
            held: attention(e).held,
            checked: false,
            at: e.at_text(),
            text: &e.say,
            notify: &e.notify,
            by: e.by.as_deref().unwrap_or_default(),
        }
    }
}

/// A camera's health as a screen gets it: with its state in Chinese.
#[derive(Serialize)]
struct CameraView {
    #[serde(flatten)]
    health: CameraHealth,
    state_zh: &'static str,
}

/// The cameras' health as the screens get it.
fn cameras(health: Vec<CameraHealth>) -> Vec<CameraView> {
    health
        .into_iter()
        .map(|health| CameraView {
            state_zh: health.state.zh(),
            health,
        })
        .collect()
}

/// Whether the compound's shared store answers, as the screens show it.
#[derive(Serialize)]
struct SharedStoreView {
    reachable: bool,
    text_zh: &'static str,
}

fn shared_store_view(status: Option<&super::state::SharedStoreFn>) -> Option<SharedStoreView> {
    use crate::pipeline::uplink::Reach;
    let status = status?();
    Some(match status.reach {
        Reach::Reachable => SharedStoreView {
            reachable: true,
            text_zh: "共享数据库 已连接",
        },
        Reach::Connecting => SharedStoreView {
            reachable: true,
            text_zh: "共享数据库 连接中",
        },
        Reach::Away { .. } => SharedStoreView {
            reachable: false,
            text_zh: "共享数据库断开：记录暂存本机，恢复后自动补传",
        },
    })
}

fn for_desk(desk: Desk, e: &GateEvent) -> bool {
    e.notify.iter().any(|p| desk.receives(*p))
}

#[derive(Serialize)]
struct ScreenState<'a> {
    gate: &'a str,
    /// Local time at the gate, RFC 3339.
    now: String,
    shift: &'static str,
    shift_zh: &'static str,
    gate_open: bool,
    /// The gate's hours now, in Chinese.
    gate_hours_zh: &'static str,
    cameras: Vec<CameraView>,
    /// The compound's shared store, where there is one.
    shared_store: Option<SharedStoreView>,
    recent: Vec<Live<'a>>,
    /// The desks' notices for this user's post, newest first.
    notices: Vec<DeskNotice<'a>>,
    /// The vehicles inside the compound now, newest first.
    inside: Vec<InsideView>,
    me: Me<'a>,
}

#[derive(Serialize)]
struct Me<'a> {
    name: &'a str,
    role: &'static str,
    post: &'static str,
    post_zh: &'static str,
}

async fn state(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Result<Response, WebError> {
    let now = s.clock.now().with_timezone(&s.tz);
    let shift = shift_at(now.time());
    let recent = s.hub.recent();
    let notices = s.hub.recent_notices();
    let desk = user.user.post;
    let ids: Vec<i64> = recent
        .iter()
        .chain(notices.iter())
        .filter_map(|e| e.id)
        .collect();
    let (store, tz) = (s.store.clone(), s.tz);
    let (checked, registered, inside) = blocking(move || {
        Ok((
            store.checked_events(&ids)?,
            store.registered_arrivals(&ids)?,
            inside_now(&store, tz)?,
        ))
    })
    .await?;
    let body = ScreenState {
        gate: &s.gate,
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        shift: shift.key(),
        shift_zh: shift.zh(),
        gate_open: gate_open(now.time()),
        gate_hours_zh: gate_hours_zh(gate_open(now.time())),
        cameras: cameras((s.health)()),
        shared_store: shared_store_view(s.shared_store.as_ref()),
        recent: recent
            .iter()
            .map(|e| {
                let mut live = Live::new(e, desk);
                live.checked = e.id.is_some_and(|id| checked.contains(&id));
                live.registered = e.id.is_some_and(|id| registered.contains(&id));
                live
            })
            .collect(),
        notices: notices
            .iter()
            .filter(|n| for_desk(desk, n))
            .map(|n| {
                let mut notice = DeskNotice::new(n);
                notice.checked = n.id.is_some_and(|id| checked.contains(&id));
                notice
            })
            .collect(),
        inside,
        me: Me {
            name: &user.user.name,
            role: user.user.role.key(),
            post: desk.key(),
            post_zh: desk.zh(),
        },
    };
    Ok(Json(body).into_response())
}

/// A vehicle inside the compound, as the screen lists it.
#[derive(Serialize)]
struct InsideView {
    /// 川A·8H458
    plate: String,
    /// Local time it came in, HH:MM.
    since: String,
    owner: Option<String>,
    household: Option<String>,
}

/// The vehicles inside now, newest first, with whose they are.
fn inside_now(store: &Store, tz: chrono_tz::Tz) -> Result<Vec<InsideView>, WebError> {
    let vehicles = store.vehicles()?;
    let mut inside = store.vehicles_inside()?;
    inside.sort_by_key(|v| std::cmp::Reverse(v.since));
    Ok(inside
        .into_iter()
        .map(|v| {
            let known = vehicles.iter().find(|k| k.plate == v.plate);
            InsideView {
                plate: crate::domain::plate::format(&v.plate),
                since: v.since.with_timezone(&tz).format("%H:%M").to_string(),
                owner: known.and_then(|k| k.owner_person.clone()),
                household: known.and_then(|k| k.owner_household.clone()),
            }
        })
        .collect())
}

async fn inside(State(s): State<AppState>) -> Result<Json<Vec<InsideView>>, WebError> {
    let (store, tz) = (s.store.clone(), s.tz);
    Ok(Json(blocking(move || inside_now(&store, tz)).await?))
}

/// The face the manager enrolled for a person, shown beside an arrival's snapshot.
async fn enrolled_face(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let store = s.store.clone();
    let path = blocking(move || {
        store.enrolled_face(id)?.ok_or_else(|| {
            WebError::NotFound("这个人没有登记照片 (no enrolled photo for this person)".into())
        })
    })
    .await?;
    super::files::image(
        &s.data,
        &path,
        "照片文件不见了，请管理处重新登记照片 (the photo is missing: enrol the photo again)",
    )
    .await
}

enum Tick {
    Close,
    Event(Arc<GateEvent>),
    Notice(Arc<GateEvent>),
    Missed(u64),
    Health,
    SharedStore,
}

async fn stream(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    let desk = user.user.post;
    let events = BroadcastStream::new(s.hub.subscribe()).map(|r| match r {
        Ok(e) => Tick::Event(e),
        Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => Tick::Missed(n),
    });
    let notices = BroadcastStream::new(s.hub.subscribe_notices()).filter_map(move |r| match r {
        Ok(n) if for_desk(desk, &n) => Some(Tick::Notice(n)),
        Ok(_) => None,
        Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
            Some(Tick::Missed(n))
        }
    });
    let health = IntervalStream::new(tokio::time::interval(HEALTH_EVERY)).map(|_| Tick::Health);
    let health_of = s.health.clone();
    let shared_of = s.shared_store.clone();
    let has_shared = shared_of.is_some();
    let shared = IntervalStream::new(tokio::time::interval(HEALTH_EVERY))
        .filter_map(move |_| has_shared.then_some(Tick::SharedStore));
    let close = tokio_stream::wrappers::WatchStream::new(s.hub.closing())
        .filter_map(|stopping| stopping.then_some(Tick::Close));
    // a paired screen that a manager unpairs stops showing the gate at once
    let screen = user.kiosk;
    let unpaired =
        tokio_stream::wrappers::WatchStream::new(s.hub.unpaired_screens()).filter_map(move |ids| {
            screen
                .is_some_and(|k| ids.contains(&k))
                .then_some(Tick::Close)
        });
    let out = close
        .merge(unpaired)
        .merge(events)
        .merge(notices)
        .merge(health)
        .merge(shared)
        .take_while(|t| !matches!(t, Tick::Close))
        .map(move |tick| {
            Ok(match tick {
                Tick::Close => Event::default(),
                Tick::Notice(n) => Event::default()
                    .event("notice")
                    .data(serde_json::to_string(&DeskNotice::new(&n)).unwrap_or_default()),
                Tick::Event(e) => Event::default()
                    .event(e.report.key())
                    .data(serde_json::to_string(&Live::new(&e, desk)).unwrap_or_default()),
                Tick::Missed(n) => Event::default().event("missed").data(n.to_string()),
                Tick::Health => Event::default()
                    .event("health")
                    .data(serde_json::to_string(&cameras(health_of())).unwrap_or_default()),
                Tick::SharedStore => Event::default().event("store").data(
                    serde_json::to_string(&shared_store_view(shared_of.as_ref()))
                        .unwrap_or_default(),
                ),
            })
        });
    Sse::new(out).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::json_data;

    #[test]
    fn no_text_in_the_screens_data_can_end_its_block() {
        let v = serde_json::json!({ "say": "</script><script>alert(1)</script> & <!--" });
        let out = json_data(&v);
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }
}
