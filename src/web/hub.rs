//! The live feed of the screens: the service's gate events, the latest ones kept for a screen
//! that opens or reconnects, each passed on at once to every open screen.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::broadcast;

use crate::domain::event::{GateEvent, Report};
use crate::store::Store;

/// Events a screen that opens is shown.
const RECENT: usize = 40;
/// Events waiting for a slow screen before it skips ahead.
const BACKLOG: usize = 256;

/// The feed; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    recent: Mutex<Recent>,
    tx: broadcast::Sender<Arc<GateEvent>>,
    notices: broadcast::Sender<Arc<GateEvent>>,
    /// True once the app is stopping: the live streams end, so the server can.
    closing: tokio::sync::watch::Sender<bool>,
    /// The paired screens unpaired since the start: their live streams end at once.
    unpaired: tokio::sync::watch::Sender<Vec<i64>>,
}

#[derive(Default)]
struct Recent {
    events: VecDeque<Arc<GateEvent>>,
    notices: VecDeque<Arc<GateEvent>>,
    last: Option<DateTime<Utc>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(BACKLOG);
        let (notices, _) = broadcast::channel(BACKLOG);
        Hub {
            inner: Arc::new(Inner {
                recent: Mutex::new(Recent::default()),
                tx,
                notices,
                closing: tokio::sync::watch::Sender::new(false),
                unpaired: tokio::sync::watch::Sender::new(Vec::new()),
            }),
        }
    }

    /// Ends every live stream (the app is stopping; a screen left open must not hold it).
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Whether the app is stopping, as it changes.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// Ends the live stream of the paired screen `kiosk` (a manager unpaired it).
    pub fn unpaired(&self, kiosk: i64) {
        self.inner.unpaired.send_modify(|ids| ids.push(kiosk));
    }

    /// The screens unpaired since the start, as they change.
    pub fn unpaired_screens(&self) -> tokio::sync::watch::Receiver<Vec<i64>> {
        self.inner.unpaired.subscribe()
    }

    /// Passes an event made at a desk (a registration, an alert the rules route to other posts)
    /// to every open screen, each of which shows it when its post is told, and keeps it among
    /// the recent ones.
    pub fn notice(&self, notice: GateEvent) {
        let notice = Arc::new(notice);
        {
            let mut recent = self.inner.recent.lock().unwrap_or_else(|p| p.into_inner());
            recent.notices.push_front(Arc::clone(&notice));
            recent.notices.truncate(RECENT);
        }
        let _ = self.inner.notices.send(notice);
    }

    /// The recent notices, newest first.
    pub fn recent_notices(&self) -> Vec<Arc<GateEvent>> {
        let recent = self.inner.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.notices.iter().cloned().collect()
    }

    /// Notices from now on.
    pub fn subscribe_notices(&self) -> broadcast::Receiver<Arc<GateEvent>> {
        self.inner.notices.subscribe()
    }

    /// Passes `event` to every open screen and keeps it among the recent ones; an update
    /// replaces its arrival there.
    pub fn publish(&self, event: GateEvent, now: DateTime<Utc>) {
        let event = Arc::new(event);
        {
            let mut recent = self.inner.recent.lock().unwrap_or_else(|p| p.into_inner());
            match recent.events.iter().position(|e| e.same_object(&event)) {
                Some(i) if event.report == Report::Update => recent.events[i] = Arc::clone(&event),
                _ => {
                    recent.events.push_front(Arc::clone(&event));
                    recent.events.truncate(RECENT);
                }
            }
            recent.last = Some(now);
        }
        // no screen open is fine
        let _ = self.inner.tx.send(event);
    }

    /// The recent events, newest first.
    pub fn recent(&self) -> Vec<Arc<GateEvent>> {
        let recent = self.inner.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.events.iter().cloned().collect()
    }

    /// When the last event came, if any since the start.
    pub fn last_event(&self) -> Option<DateTime<Utc>> {
        self.inner
            .recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<GateEvent>> {
        self.inner.tx.subscribe()
    }

    /// Feeds the hub from the service's events until the service ends.
    pub fn feed(
        &self,
        mut events: broadcast::Receiver<GateEvent>,
        clock: Arc<dyn crate::clock::Clock>,
    ) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => hub.publish(e, clock.now()),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("the screens missed {n} events (the web app fell behind)");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

impl Hub {
    /// Passes the other boxes' events that tell posts something (see
    /// [`crate::pipeline::uplink::Elsewhere`]) to this box's screens as notices, until the
    /// uplink stops.
    pub fn feed_elsewhere(
        &self,
        mut events: broadcast::Receiver<crate::pipeline::uplink::Elsewhere>,
        tz: Tz,
    ) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => hub.notice(elsewhere_event(&e, tz)),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("the screens missed {n} notices of the other gates");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

/// Another box's event as this box's screens show it: its gate, what was said, the posts told,
/// and the box it came from.
fn elsewhere_event(e: &crate::pipeline::uplink::Elsewhere, tz: Tz) -> GateEvent {
    let ev = &e.event.event;
    let mut told = told_event(
        &crate::store::NewGateEvent {
            camera: ev.camera.clone(),
            direction: ev.direction,
            decision: ev.decision.clone(),
            notified: ev.notified.clone(),
            ..crate::store::NewGateEvent::new(ev.at, &ev.gate, ev.kind, ev.shift)
        },
        tz,
        &e.box_name,
    );
    told.headline = format!("{}（{}）", ev.kind.zh(), e.box_name);
    // the gate it happened at, first: this box's own gates need no saying
    told.say = format!("{}：{}", ev.gate, ev.decision);
    told
}

/// Writes a gate event made at the desk (a registration, an alert) to the gate log and, when
/// the rules notify posts, tells their screens at once. Blocking: call it inside `web::blocking`.
pub fn record_event(
    store: &Store,
    hub: &Hub,
    tz: Tz,
    by: &str,
    e: crate::store::NewGateEvent,
) -> Result<i64, crate::store::StoreError> {
    let told = (!e.notified.is_empty()).then(|| told_event(&e, tz, by));
    let id = store.insert_event(e)?;
    if let Some(mut told) = told {
        told.id = Some(id);
        hub.notice(told);
    }
    Ok(id)
}

/// The gate event a desk made, as the posts it notifies receive it (its id once recorded).
fn told_event(e: &crate::store::NewGateEvent, tz: Tz, by: &str) -> GateEvent {
    use crate::domain::event::Look;
    let look = if e.kind == crate::domain::EventKind::Alert {
        Look::Alert
    } else {
        Look::Known
    };
    GateEvent {
        report: Report::Arrival,
        track: 0,
        camera: e.camera.clone(),
        gate: e.gate.clone(),
        kind: e.kind,
        at: e.at.with_timezone(&tz).fixed_offset(),
        stream_s: 0.0,
        direction: e.direction,
        person: None,
        plate: None,
        say: e.decision.clone(),
        actions: Vec::new(),
        notify: e.notified.clone(),
        decision: None,
        look,
        headline: e.kind.zh().to_owned(),
        bbox: [0.0; 4],
        frame: [0, 0],
        id: None,
        snapshot: e.snapshot.clone(),
        sighting: None,
        by: Some(by.to_owned()),
    }
}
