//! The box's gate events sent on to the compound's shared store (PostgreSQL), on a thread of its
//! own, and the vehicles driving in and out at the other boxes' gates brought back to this box's
//! vehicles-inside list; the records the boxes share (people with their faces, visitors,
//! households, users, passes, vehicles, slips, shifts, training answers) sent both ways, a
//! change at another box taken as soon as the shared store tells of it (LISTEN), a face
//! enrolled there named by this box's cameras from their next look; and the other boxes'
//! notices passed to this box's screens. Every event is recorded in the box's own database
//! first, so the box goes on recording while the shared store cannot be reached; the events
//! still to send are sent when it is back, oldest first, none lost and none doubled (the shared
//! store keeps an event once, by the id the box made).

use std::sync::mpsc::{self, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::broadcast;

use super::service::{GalleryEdit, GalleryEditor};
use crate::store::OutgoingEvent;
use crate::store::library::Applied;
use crate::store::shared::{SharedError, SharedStore, shown};
use crate::store::{Store, StoreError};

/// Events sent in one transaction.
const BATCH: usize = 500;

/// Shared records (people, visits, users…) sent or taken in one transaction.
const RECORDS_BATCH: usize = 200;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest wait between attempts while the shared store is away.
const RETRY_MAX: Duration = Duration::from_secs(5);

/// Whether the shared store can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Not tried yet.
    Connecting,
    /// Reached: events are written as they come.
    Reachable,
    /// Cannot be reached; events wait on this box.
    Away {
        /// Why, in words.
        error: String,
    },
}

/// What the uplink is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UplinkStatus {
    /// The shared store's address, password hidden.
    pub store: String,
    pub reach: Reach,
    /// Events written to the shared store since the start (new there).
    pub written: u64,
}

/// Where to send the box's events.
#[derive(Debug, Clone)]
pub struct UplinkPlan {
    /// The shared store's address (postgres://…).
    pub url: String,
    /// This box's name (`[box] name`), carried by its events.
    pub box_name: String,
    /// How often the box's database is looked at for new events.
    pub every: Duration,
    /// The running service's face gallery and the face model's key: people enrolled, changed
    /// or deleted at other boxes change it at once. `None`: nothing recognises here.
    pub faces: Option<(String, GalleryEditor)>,
}

/// An event of another box of the compound that told posts something (a visitor registered, a
/// VIP arriving), for the screens of those posts at this box.
#[derive(Debug, Clone, PartialEq)]
pub struct Elsewhere {
    /// The box that recorded it.
    pub box_name: String,
    pub event: OutgoingEvent,
}

/// How recent another box's notice must be to be shown here: older ones (kept there while the
/// shared store was away) are in the log, not news for a screen.
const NOTICE_WITHIN: Duration = Duration::from_secs(600);

/// The running uplink.
pub struct Uplink {
    status: Arc<Mutex<UplinkStatus>>,
    elsewhere: broadcast::Sender<Elsewhere>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Uplink {
    /// Starts sending `store`'s events as `plan` says. Never fails: a shared store that cannot
    /// be reached shows in [`Uplink::status`] and the log, and is tried again.
    pub fn start(store: Arc<Store>, plan: UplinkPlan) -> Uplink {
        let status = Arc::new(Mutex::new(UplinkStatus {
            store: shown(&plan.url),
            reach: Reach::Connecting,
            written: 0,
        }));
        let (stop, stopped) = mpsc::channel();
        let shared = Arc::clone(&status);
        let (elsewhere, _) = broadcast::channel(64);
        let tell = elsewhere.clone();
        let thread = std::thread::Builder::new()
            .name("gateward-uplink".to_owned())
            .spawn(move || run(&store, &plan, &shared, &stopped, &tell));
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!(
                    "cannot start the thread that sends events to the shared store: {e}"
                );
                None
            }
        };
        Uplink {
            status,
            elsewhere,
            stop: Some(stop),
            thread,
        }
    }

    /// What the uplink is doing now.
    pub fn status(&self) -> UplinkStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The other boxes' events that tell posts something, from now on, as they reach the shared
    /// store (see [`Elsewhere`]).
    pub fn subscribe_elsewhere(&self) -> broadcast::Receiver<Elsewhere> {
        self.elsewhere.subscribe()
    }

    /// A way to read [`Uplink::status`] from elsewhere (the guard's screen).
    pub fn status_fn(&self) -> Arc<dyn Fn() -> UplinkStatus + Send + Sync> {
        let status = Arc::clone(&self.status);
        Arc::new(move || {
            status
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    /// Sends what is left (one last try when the shared store is reachable) and stops.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the thread that sends events to the shared store panicked");
        }
    }
}

impl Drop for Uplink {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Why one round of sending stopped.
enum Failure {
    Shared(SharedError),
    Local(StoreError),
}

fn run(
    store: &Store,
    plan: &UplinkPlan,
    status: &Mutex<UplinkStatus>,
    stopped: &mpsc::Receiver<()>,
    elsewhere: &broadcast::Sender<Elsewhere>,
) {
    // the other boxes' notices already passed on (by event id), with when they were seen
    let mut told: std::collections::HashMap<String, std::time::Instant> = Default::default();
    let key = shown(&plan.url);
    let set = |reach: Reach, written: u64| {
        let mut s = status.lock().unwrap_or_else(PoisonError::into_inner);
        s.reach = reach;
        s.written += written;
    };
    let mut client: Option<SharedStore> = None;
    let mut away = false;
    let mut wait = plan.every;
    loop {
        let stopping = match client.as_mut() {
            // connected: woken at once when another box changes a shared record; a broken
            // connection is found by the round that follows
            Some(c) => {
                let _ = c.wait_for_records(wait);
                !matches!(stopped.try_recv(), Err(TryRecvError::Empty))
            }
            None => match stopped.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => false,
                Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            },
        };
        let round = send_all(store, plan, &key, &mut client).and_then(|written| {
            send_records(store, plan, &key, &mut client)?;
            pull(store, plan, &key, &mut client)?;
            pull_records(store, plan, &key, &mut client)?;
            tell(plan, &mut client, &mut told, elsewhere)?;
            Ok(written)
        });
        match round {
            Ok(written) => {
                if away {
                    let waiting = store.outgoing_count(&key).unwrap_or(0);
                    tracing::info!(
                        store = %key,
                        "the shared store is back: the events kept on this box meanwhile are written ({waiting} still to send)"
                    );
                    away = false;
                }
                set(Reach::Reachable, written);
                wait = plan.every;
            }
            Err(Failure::Shared(e)) => {
                client = None;
                if !away {
                    tracing::warn!(store = %key, "{e}");
                    away = true;
                }
                set(
                    Reach::Away {
                        error: e.to_string(),
                    },
                    0,
                );
                wait = (wait * 2).clamp(plan.every, RETRY_MAX);
            }
            Err(Failure::Local(e)) => {
                tracing::warn!("cannot read the events to send to the shared store: {e}");
                wait = RETRY_MAX;
            }
        }
        if stopping {
            if away {
                let waiting = store.outgoing_count(&key).unwrap_or(0);
                tracing::warn!(
                    store = %key,
                    "stopping with {waiting} events not yet in the shared store: they are sent at the next start"
                );
            }
            return;
        }
    }
}

/// A write to the shared store may commit this long after its time was taken: the other boxes'
/// events are looked at again over this margin (each applied once).
const COMMIT_MARGIN_MS: i64 = 30_000;

/// Applies the vehicles that drove in or out at the other boxes' gates to this box's
/// vehicles-inside list.
fn pull(
    store: &Store,
    plan: &UplinkPlan,
    key: &str,
    client: &mut Option<SharedStore>,
) -> Result<(), Failure> {
    let Some(shared) = client else {
        return Ok(());
    };
    let since = store.pulled_until(key).map_err(Failure::Local)?;
    let (vehicles, now) = shared
        .vehicles_elsewhere(&plan.box_name, (since - COMMIT_MARGIN_MS).max(0))
        .map_err(Failure::Shared)?;
    if vehicles.is_empty() && now - since < COMMIT_MARGIN_MS {
        return Ok(());
    }
    let changed = store
        .apply_vehicles_elsewhere(key, vehicles, now)
        .map_err(Failure::Local)?;
    if changed > 0 {
        tracing::info!(store = %key, "{changed} vehicles in or out at the other gates");
    }
    Ok(())
}

/// Sends every event not yet sent, in batches; how many were new in the shared store.
fn send_all(
    store: &Store,
    plan: &UplinkPlan,
    key: &str,
    client: &mut Option<SharedStore>,
) -> Result<u64, Failure> {
    let mut written = 0;
    loop {
        let batch = store.outgoing_events(key, BATCH).map_err(Failure::Local)?;
        let Some(last) = batch.last().map(|o| o.event.id) else {
            // with nothing to send, still make sure it is there: the log and `status` say so
            match client {
                Some(c) => c.ping().map_err(Failure::Shared)?,
                None => *client = Some(open(plan)?),
            }
            return Ok(written);
        };
        let shared = match client {
            Some(c) => c,
            None => client.insert(open(plan)?),
        };
        written += shared
            .write(&plan.box_name, &batch)
            .map_err(Failure::Shared)?;
        // after the shared store's commit: a crash here sends the batch again, and the shared
        // store keeps each event once
        store.mark_sent(key, last).map_err(Failure::Local)?;
        if batch.len() < BATCH {
            return Ok(written);
        }
    }
}

/// Connects to the shared store and asks to be told of the other boxes' changes.
fn open(plan: &UplinkPlan) -> Result<SharedStore, Failure> {
    let mut shared = SharedStore::connect(&plan.url, CONNECT_TIMEOUT).map_err(Failure::Shared)?;
    shared.listen().map_err(Failure::Shared)?;
    Ok(shared)
}

/// Sends this box's changed people and visits, in batches.
fn send_records(
    store: &Store,
    plan: &UplinkPlan,
    key: &str,
    client: &mut Option<SharedStore>,
) -> Result<(), Failure> {
    let Some(shared) = client else {
        return Ok(());
    };
    loop {
        let (records, last) = store
            .records_to_send(key, &plan.box_name, RECORDS_BATCH)
            .map_err(Failure::Local)?;
        let Some(last) = last else {
            return Ok(());
        };
        let changed = shared
            .write_records(&plan.box_name, &records)
            .map_err(Failure::Shared)?;
        // after the shared store's commit: a crash here sends them again, which changes nothing
        store.mark_records_sent(key, last).map_err(Failure::Local)?;
        if changed > 0 {
            tracing::info!(store = %key, "{changed} people or visits sent to the other boxes");
        }
    }
}

/// Takes the other boxes' changed people and visits, in the shared store's order, and changes
/// the running gallery to match.
fn pull_records(
    store: &Store,
    plan: &UplinkPlan,
    key: &str,
    client: &mut Option<SharedStore>,
) -> Result<(), Failure> {
    let Some(shared) = client else {
        return Ok(());
    };
    loop {
        let after = store.records_pulled(key).map_err(Failure::Local)?;
        let batch = shared
            .records_since(&plan.box_name, after, RECORDS_BATCH as i64)
            .map_err(Failure::Shared)?;
        let Some(until) = batch.last().map(|r| r.seq) else {
            return Ok(());
        };
        let full = batch.len() == RECORDS_BATCH;
        // this box's own changes come back without their documents: it has them
        let batch: Vec<_> = batch
            .into_iter()
            .filter(|r| r.box_name != plan.box_name)
            .collect();
        let applied = store
            .apply_records(key, &plan.box_name, batch, until)
            .map_err(Failure::Local)?;
        if applied != Applied::default() {
            tracing::info!(
                store = %key,
                people = applied.people.len(),
                deleted = applied.removed.len(),
                visits = applied.visits,
                others = applied.rows,
                kept_here = applied.skipped,
                "changes from the other boxes"
            );
        }
        if let Some((model, gallery)) = &plan.faces {
            for edit in gallery_edits(store, model, &applied).map_err(Failure::Local)? {
                gallery.edit(edit);
            }
        }
        if !full {
            return Ok(());
        }
    }
}

/// What the running gallery must do for the people the other boxes changed: each changed
/// person's faces and corrections as they are now, a deleted person gone.
fn gallery_edits(
    store: &Store,
    model: &str,
    applied: &Applied,
) -> Result<Vec<GalleryEdit>, StoreError> {
    let mut edits = Vec::new();
    for &person in applied.removed.iter().chain(&applied.people) {
        edits.push(GalleryEdit::Remove { person });
    }
    for &person in &applied.people {
        let of = store.faces_of(person, model)?;
        edits.extend(
            of.faces
                .into_iter()
                .map(|vector| GalleryEdit::Add { person, vector }),
        );
        edits.extend(
            of.excluded
                .into_iter()
                .map(|vector| GalleryEdit::Exclude { person, vector }),
        );
    }
    Ok(edits)
}

/// Passes on the other boxes' recent events that told posts something, each once.
fn tell(
    plan: &UplinkPlan,
    client: &mut Option<SharedStore>,
    told: &mut std::collections::HashMap<String, std::time::Instant>,
    elsewhere: &broadcast::Sender<Elsewhere>,
) -> Result<(), Failure> {
    let Some(shared) = client else {
        return Ok(());
    };
    if elsewhere.receiver_count() == 0 {
        return Ok(());
    }
    let now = std::time::Instant::now();
    told.retain(|_, seen| now.duration_since(*seen) < NOTICE_WITHIN * 2);
    for (box_name, event) in shared
        .notices_elsewhere(&plan.box_name, NOTICE_WITHIN)
        .map_err(Failure::Shared)?
    {
        if told.insert(event.uid.clone(), now).is_none() {
            // no screen open is fine
            let _ = elsewhere.send(Elsewhere { box_name, event });
        }
    }
    Ok(())
}
