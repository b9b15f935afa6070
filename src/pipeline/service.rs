//! The running pipeline: one tokio task per camera taking its newest frame, the motion gate,
//! the vision work on a bounded pool of model sets, and every gate event sent on a broadcast
//! channel that the screen, the notifiers and the command line subscribe to.
//!
//! A camera task never blocks another: reading a frame and the motion gate run on tokio's
//! blocking threads, one frame per camera at a time; frames that arrive meanwhile replace each
//! other in the camera ([`Delivery::LatestWins`]) and are counted as dropped. The vision work
//! waits for one of the `lanes` (a semaphore sized to the cores: a 2-core box runs one
//! inference at a time, each on both cores). A camera that fails is retried by its own thread
//! and reported in [`CameraHealth`]; an error looking at one frame is logged and counted, and
//! the camera goes on.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use image::RgbImage;
use tokio::sync::{Semaphore, broadcast, watch};
use tokio::task::JoinHandle;

use super::feed::Feed;
use super::watch::{CameraInfo, Eyes, Sink, Watcher};
use crate::camera::{Backoff, CameraSpec, CameraState, Delivery, Frame};
use crate::clock::Clock;
use crate::domain::CameraStatus;
use crate::domain::event::GateEvent;
use crate::recognize::regions::LookConfig;
use crate::recognize::visits::Visits;
use crate::store::Store;

/// Events kept for a subscriber that is behind; one further behind misses the oldest (and is
/// told how many).
pub const EVENT_BACKLOG: usize = 1024;

/// How long a camera task waits for a frame before it looks at the camera's state again.
const POLL: Duration = Duration::from_millis(250);

/// One camera to watch.
#[derive(Debug, Clone)]
pub struct CameraPlan {
    pub spec: CameraSpec,
    pub info: CameraInfo,
    pub delivery: Delivery,
    pub backoff: Backoff,
    /// The camera's sub-stream and how long its main stream stays open after the last motion:
    /// then `spec` (the main stream) is opened only while the sub-stream moves.
    pub sub_stream: Option<(CameraSpec, Duration)>,
}

impl CameraPlan {
    /// The camera's frames, its streams opened as the plan says.
    fn feed(self) -> Feed {
        match self.sub_stream {
            Some((sub, quiet)) => {
                Feed::with_sub_stream(self.spec, sub, self.info.roi, quiet, self.backoff)
            }
            None => Feed::single(self.spec, self.delivery, self.backoff),
        }
    }
}

/// Where an event's time comes from.
#[derive(Clone)]
pub enum Timing {
    /// A live camera: the clock's time when the frame arrived.
    Live(Arc<dyn Clock>),
    /// Recorded footage that starts at `start`: the start plus the frame's position.
    Replay { start: DateTime<Utc> },
}

impl std::fmt::Debug for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Timing::Live(_) => f.write_str("Live"),
            Timing::Replay { start } => write!(f, "Replay {{ start: {start} }}"),
        }
    }
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The gate's time zone (greetings, shifts, snapshot folders).
    pub tz: Tz,
    pub timing: Timing,
    /// Write events to the gate log (and vehicles to the list of those inside).
    pub record: bool,
    /// The data folder to save snapshots under; `None` saves none.
    pub snapshots: Option<PathBuf>,
    /// The data folder to record arriving faces under, so a guard can correct their names;
    /// `None` records none.
    pub sightings: Option<PathBuf>,
    /// How long after someone was last seen a sighting of them is still the same visit (zero:
    /// every track is an arrival), and the least similarity of two faces of one stranger.
    pub visit_window: Duration,
    pub same_stranger: f32,
    /// Where the cameras' watchers look in a frame (`[vision] full_frame_every`).
    pub looking: LookConfig,
}

impl Settings {
    /// The settings of a box run with `config`: the gate's time zone and visit window.
    pub fn new(config: &crate::config::Config, timing: Timing) -> Settings {
        Settings {
            tz: config.gate.time_zone,
            timing,
            record: false,
            snapshots: None,
            sightings: None,
            visit_window: config.gate.visit_window,
            same_stranger: config.recognition.face_threshold,
            looking: config.vision.look(),
        }
    }
}

pub use crate::domain::event::CameraHealth;

/// A camera's health before its first frame.
fn connecting(info: &CameraInfo) -> CameraHealth {
    CameraHealth {
        name: info.name.clone(),
        gate: info.gate.clone(),
        state: CameraStatus::Connecting,
        problem: None,
        received: 0,
        dropped: 0,
        looked: 0,
        still: 0,
        errors: 0,
    }
}

/// The model sets the cameras share: a job takes one, uses it alone, and gives it back.
struct Lanes {
    /// The idle model sets, each with how many gallery edits it has applied.
    free: Mutex<Vec<(Eyes, usize)>>,
    permits: Semaphore,
    /// Every change to the gallery since the start (a guard's correction, an enrolment), applied
    /// to each model set before its next look.
    edits: Mutex<Vec<GalleryEdit>>,
}

/// A change to the face gallery made while the service runs.
#[derive(Debug, Clone, PartialEq)]
pub enum GalleryEdit {
    /// Faces like `vector` are not `person` (a guard's correction).
    Exclude { person: i64, vector: Vec<f32> },
    /// `vector` is a face of `person` (an enrolment).
    Add { person: i64, vector: Vec<f32> },
    /// `person` was deleted: none of their faces is named any more.
    Remove { person: i64 },
    /// `vector`, one of `person`'s faces, was replaced by a newer one (see
    /// `app::learning`).
    Forget { person: i64, vector: Vec<f32> },
}

impl GalleryEdit {
    /// The changes a face a guard confirmed makes: the new face added, the older ones it
    /// replaced forgotten.
    pub fn learned(l: crate::app::learning::Learned) -> Vec<GalleryEdit> {
        let person = l.person;
        std::iter::once(GalleryEdit::Add {
            person,
            vector: l.added,
        })
        .chain(
            l.replaced
                .into_iter()
                .map(|vector| GalleryEdit::Forget { person, vector }),
        )
        .collect()
    }
}

impl GalleryEdit {
    fn apply(&self, gallery: &mut crate::recognize::gallery::Gallery) {
        let done = match self {
            GalleryEdit::Exclude { person, vector } => gallery.exclude_vector(*person, vector),
            GalleryEdit::Add { person, vector } => gallery.add_vector(*person, vector),
            GalleryEdit::Remove { person } => {
                gallery.remove_person(*person);
                Ok(())
            }
            GalleryEdit::Forget { person, vector } => {
                gallery.remove_vector(*person, vector);
                Ok(())
            }
        };
        if let Err(e) = done {
            tracing::warn!("a change to the face gallery was skipped: {e}");
        }
    }
}

/// Changes the running service's face gallery; cheap to clone.
#[derive(Clone)]
pub struct GalleryEditor(Arc<Shared>);

impl GalleryEditor {
    /// See [`Service::edit_gallery`].
    pub fn edit(&self, edit: GalleryEdit) {
        lock(&self.0.lanes.edits).push(edit);
    }

    /// How the cameras are (see [`Service::health`]).
    pub fn health(&self) -> Vec<CameraHealth> {
        lock(&self.0.health).clone()
    }
}

impl std::fmt::Debug for GalleryEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GalleryEditor")
    }
}

/// What every camera task shares.
struct Shared {
    lanes: Lanes,
    store: Option<Arc<Store>>,
    settings: Settings,
    events: broadcast::Sender<GateEvent>,
    health: Mutex<Vec<CameraHealth>>,
    /// The visits open at the box's gates, shared by its cameras.
    visits: Mutex<Visits>,
}

/// The running service.
pub struct Service {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Service {
    /// Starts watching `cameras` (must be called inside a tokio runtime). `eyes` are the model
    /// sets: as many frames are looked at together as there are sets (at least one). Returns
    /// the service and a first subscription to its events, so that none is missed.
    pub fn start(
        cameras: Vec<CameraPlan>,
        eyes: Vec<Eyes>,
        store: Option<Arc<Store>>,
        settings: Settings,
    ) -> (Service, broadcast::Receiver<GateEvent>) {
        let (events, first) = broadcast::channel(EVENT_BACKLOG);
        let lanes = eyes.len();
        let shared = Arc::new(Shared {
            lanes: Lanes {
                free: Mutex::new(eyes.into_iter().map(|e| (e, 0)).collect()),
                edits: Mutex::new(Vec::new()),
                permits: Semaphore::new(lanes),
            },
            store,
            settings: settings.clone(),
            events,
            health: Mutex::new(cameras.iter().map(|c| connecting(&c.info)).collect()),
            visits: Mutex::new(Visits::new(settings.visit_window, settings.same_stranger)),
        });
        let (stop, stopping) = watch::channel(false);
        let tasks = cameras
            .into_iter()
            .enumerate()
            .map(|(index, plan)| {
                let watcher = Watcher::new(plan.info.clone(), shared.settings.tz)
                    .looking(shared.settings.looking);
                tokio::spawn(watch_camera(
                    index,
                    plan.feed(),
                    watcher,
                    Arc::clone(&shared),
                    stopping.clone(),
                ))
            })
            .collect();
        (
            Service {
                shared,
                stop,
                tasks,
            },
            first,
        )
    }

    /// Another subscription to the events (the screen, a notifier).
    pub fn subscribe(&self) -> broadcast::Receiver<GateEvent> {
        self.shared.events.subscribe()
    }

    /// Each camera's state and counts now.
    /// Changes the face gallery of every model set, from their next look on.
    pub fn edit_gallery(&self, edit: GalleryEdit) {
        lock(&self.shared.lanes.edits).push(edit);
    }

    /// A handle that changes the gallery, for the web app.
    pub fn gallery_editor(&self) -> GalleryEditor {
        GalleryEditor(Arc::clone(&self.shared))
    }

    pub fn health(&self) -> Vec<CameraHealth> {
        lock(&self.shared.health).clone()
    }

    /// Waits until every camera has ended (recorded footage played to its end) or the service
    /// is stopped; returns the cameras' final counts. The event channel closes after it.
    pub async fn finished(self) -> Vec<CameraHealth> {
        self.wind_up().await.0
    }

    /// Stops every camera (their ffmpeg processes too) and waits for the tasks.
    pub async fn stop(self) -> Vec<CameraHealth> {
        let _ = self.stop.send(true);
        self.finished().await
    }

    /// Like [`Service::stop`], and gives the model sets back (to start again without loading
    /// them, as the benchmarks do).
    pub async fn stop_keeping_eyes(self) -> (Vec<CameraHealth>, Vec<Eyes>) {
        let _ = self.stop.send(true);
        self.wind_up().await
    }

    async fn wind_up(mut self) -> (Vec<CameraHealth>, Vec<Eyes>) {
        for task in self.tasks.drain(..) {
            if let Err(e) = task.await {
                tracing::error!("a camera task failed: {e}");
            }
        }
        let health = self.health();
        let eyes: Vec<Eyes> = std::mem::take(&mut *lock(&self.shared.lanes.free))
            .into_iter()
            .map(|(mut eyes, applied)| {
                for edit in lock(&self.shared.lanes.edits).iter().skip(applied) {
                    edit.apply(&mut eyes.gallery);
                }
                eyes
            })
            .collect();
        (health, eyes)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One frame that moved: the frame, the part looked at when the camera has a region of
/// interest, and the time it was taken.
struct Moving {
    frame: Frame,
    view: Option<RgbImage>,
    at: DateTime<Utc>,
}

/// One camera's task: newest frame, motion gate, vision, events, until the camera ends or the
/// service stops.
async fn watch_camera(
    index: usize,
    mut feed: Feed,
    mut watcher: Watcher,
    shared: Arc<Shared>,
    stopping: watch::Receiver<bool>,
) {
    let name = feed.name().to_owned();
    let mut last = CameraState::Connecting;
    loop {
        if *stopping.borrow() {
            break;
        }
        let timing = shared.settings.timing.clone();
        let step = tokio::task::spawn_blocking(move || {
            let (frame, got) = feed.next(POLL);
            let moving = frame.and_then(|frame| {
                let at = match &timing {
                    Timing::Live(clock) => clock.now(),
                    Timing::Replay { start } => {
                        *start
                            + chrono::Duration::from_std(frame.offset)
                                .unwrap_or_else(|_| chrono::Duration::zero())
                    }
                };
                let view = watcher.view(&frame.image).map(|v| match v {
                    std::borrow::Cow::Owned(crop) => Some(crop),
                    std::borrow::Cow::Borrowed(_) => None,
                });
                view.map(|view| Moving { frame, view, at })
            });
            if moving.is_some() {
                feed.moved();
            }
            let state = feed.state();
            (feed, watcher, got, moving, state)
        })
        .await;
        let Ok((back_feed, back, got, moving, state)) = step else {
            tracing::error!(camera = %name, "the camera's frame reader failed; the camera stops");
            return;
        };
        feed = back_feed;
        watcher = back;
        if state != last {
            report(&name, &last, &state);
            last = state.clone();
        }
        if let Some(moving) = moving {
            watcher = match look(&shared, index, watcher, moving).await {
                Some(w) => w,
                None => return,
            };
        }
        update_health(&shared, index, &feed, &watcher, &state);
        // an ended replay may still have frames waiting: the end is when none is left
        if !got && matches!(state, CameraState::Ended | CameraState::Stopped) {
            break;
        }
    }
    watcher.finish();
    let state = feed.state();
    update_health(&shared, index, &feed, &watcher, &state);
}

/// Looks at one moving frame on a free lane and sends its events; returns the watcher, or
/// `None` when the work could not be run at all (the runtime is shutting down).
async fn look(
    shared: &Arc<Shared>,
    index: usize,
    mut watcher: Watcher,
    moving: Moving,
) -> Option<Watcher> {
    let permit = shared.lanes.permits.acquire().await.ok()?;
    let job = Arc::clone(shared);
    let done = tokio::task::spawn_blocking(move || {
        let Some((mut eyes, mut applied)) = lock(&job.lanes.free).pop() else {
            return (watcher, None);
        };
        {
            let edits = lock(&job.lanes.edits);
            for edit in edits.iter().skip(applied) {
                edit.apply(&mut eyes.gallery);
            }
            applied = edits.len();
        }
        let sink = Sink {
            store: job.store.as_deref(),
            record: job.settings.record,
            snapshots: job.settings.snapshots.as_deref(),
            sightings: job.settings.sightings.as_deref(),
            visits: Some(&job.visits),
        };
        let frame = &moving.frame;
        let view = moving.view.as_ref().unwrap_or(&frame.image);
        // A bug that panics on one frame must not take the camera, or the model set, with it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            watcher.look(
                &mut eyes,
                view,
                &frame.image,
                frame.offset,
                moving.at,
                &sink,
            )
        }));
        lock(&job.lanes.free).push((eyes, applied));
        (watcher, Some(result))
    })
    .await;
    drop(permit);
    let (watcher, result) = done.ok()?;
    let failed = match result {
        Some(Ok(Ok(events))) => {
            for e in events {
                // nobody listening is not an error: the events are recorded
                let _ = shared.events.send(e);
            }
            return Some(watcher);
        }
        Some(Ok(Err(e))) => format!("a frame could not be looked at: {e}"),
        Some(Err(_)) => "looking at a frame failed unexpectedly (a bug: please report the log \
             above); the camera goes on"
            .to_owned(),
        None => "no model set was free although a lane was; the frame was skipped".to_owned(),
    };
    let mut health = lock(&shared.health);
    if let Some(h) = health.get_mut(index) {
        h.errors += 1;
        tracing::warn!(camera = %h.name, "{failed}");
    }
    Some(watcher)
}

fn update_health(
    shared: &Shared,
    index: usize,
    camera: &Feed,
    watcher: &Watcher,
    state: &CameraState,
) {
    let mut health = lock(&shared.health);
    if let Some(h) = health.get_mut(index) {
        h.state = status(state);
        h.problem = match state {
            CameraState::Reconnecting { error, .. } => Some(error.clone()),
            _ => None,
        };
        h.received = camera.received();
        h.dropped = camera.dropped();
        h.looked = watcher.looked;
        h.still = watcher.still;
    }
}

fn status(state: &CameraState) -> CameraStatus {
    match state {
        CameraState::Connecting => CameraStatus::Connecting,
        CameraState::Live => CameraStatus::Live,
        CameraState::Reconnecting { .. } => CameraStatus::Reconnecting,
        CameraState::Ended => CameraStatus::Ended,
        CameraState::Stopped => CameraStatus::Stopped,
    }
}

/// Logs a camera's change of state: a camera lost is a warning with the reason and when it is
/// tried again; a camera back is news.
fn report(name: &str, before: &CameraState, now: &CameraState) {
    match now {
        CameraState::Reconnecting {
            attempt,
            error,
            retry_in,
        } => {
            // one warning when it is lost, then only every tenth attempt
            if !matches!(before, CameraState::Reconnecting { .. }) || attempt % 10 == 0 {
                tracing::warn!(
                    camera = %name,
                    "{error}; trying again in {:.1} s (attempt {attempt})",
                    retry_in.as_secs_f32()
                );
            }
        }
        CameraState::Live if matches!(before, CameraState::Reconnecting { .. }) => {
            tracing::info!(camera = %name, "the camera is back");
        }
        CameraState::Live => tracing::info!(camera = %name, "the camera is live"),
        CameraState::Ended => tracing::info!(camera = %name, "the footage has ended"),
        CameraState::Connecting | CameraState::Stopped => {}
    }
}
