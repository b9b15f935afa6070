//! The live feed of the screens: the service's gate events, the latest ones kept for a screen
//! that opens or reconnects, each passed on at once to every open screen.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use crate::pipeline::watch::GateEventOut;

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
    tx: broadcast::Sender<Arc<GateEventOut>>,
}

#[derive(Default)]
struct Recent {
    events: VecDeque<Arc<GateEventOut>>,
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
        Hub {
            inner: Arc::new(Inner {
                recent: Mutex::new(Recent::default()),
                tx,
            }),
        }
    }

    /// Passes `event` to every open screen and keeps it among the recent ones; an update
    /// replaces its arrival there.
    pub fn publish(&self, event: GateEventOut, now: DateTime<Utc>) {
        let event = Arc::new(event);
        {
            let mut recent = self.inner.recent.lock().unwrap_or_else(|p| p.into_inner());
            let same = |e: &Arc<GateEventOut>| {
                e.camera == event.camera && e.track == event.track && e.kind == event.kind
            };
            match recent.events.iter().position(same) {
                Some(i) if event.event == "update" => recent.events[i] = Arc::clone(&event),
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
    pub fn recent(&self) -> Vec<Arc<GateEventOut>> {
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
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<GateEventOut>> {
        self.inner.tx.subscribe()
    }

    /// Feeds the hub from the service's events until the service ends.
    pub fn feed(
        &self,
        mut events: broadcast::Receiver<GateEventOut>,
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
