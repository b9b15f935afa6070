//! The hand-over between a camera's thread and its consumer: a one-frame slot where the newest
//! frame wins (live cameras), or a bounded queue of two that makes the source wait (replays).
//! Either side can close it, and a waiting side wakes at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::spec::{Delivery, Frame};

/// How many frames EveryFrame keeps waiting for the consumer.
const QUEUE: usize = 2;

/// Frames on their way from the camera's thread to the consumer.
pub(super) struct Slot {
    delivery: Delivery,
    inner: Mutex<Inner>,
    /// Signalled when a frame arrives or the source ends.
    ready: Condvar,
    /// Signalled when the consumer takes a frame or stops.
    space: Condvar,
    dropped: AtomicU64,
}

struct Inner {
    frames: VecDeque<Frame>,
    /// The source has no more frames.
    ended: bool,
    /// The consumer stopped the camera.
    stopped: bool,
}

impl Slot {
    pub(super) fn new(delivery: Delivery) -> Slot {
        Slot {
            delivery,
            inner: Mutex::new(Inner {
                frames: VecDeque::with_capacity(QUEUE),
                ended: false,
                stopped: false,
            }),
            ready: Condvar::new(),
            space: Condvar::new(),
            dropped: AtomicU64::new(0),
        }
    }

    /// Hands a frame over: LatestWins replaces an untaken frame (counted as dropped); EveryFrame
    /// waits while the queue is full. False when the consumer has stopped the camera.
    pub(super) fn push(&self, frame: Frame) -> bool {
        let mut inner = lock(&self.inner);
        match self.delivery {
            Delivery::LatestWins => {
                if inner.stopped {
                    return false;
                }
                if inner.frames.pop_front().is_some() {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
            Delivery::EveryFrame => {
                while inner.frames.len() >= QUEUE && !inner.stopped {
                    inner = self
                        .space
                        .wait(inner)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if inner.stopped {
                    return false;
                }
            }
        }
        inner.frames.push_back(frame);
        drop(inner);
        self.ready.notify_one();
        true
    }

    /// The next frame, waiting at most `timeout`. None on timeout, or at once when the source has
    /// ended and every frame has been taken.
    pub(super) fn pop(&self, timeout: Duration) -> Option<Frame> {
        let deadline = Instant::now().checked_add(timeout);
        let mut inner = lock(&self.inner);
        loop {
            if let Some(frame) = inner.frames.pop_front() {
                drop(inner);
                self.space.notify_one();
                return Some(frame);
            }
            if inner.ended || inner.stopped {
                return None;
            }
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return None;
            }
            inner = self
                .ready
                .wait_timeout(inner, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The source has no more frames: the consumer gets what is queued, then None at once.
    pub(super) fn end(&self) {
        lock(&self.inner).ended = true;
        self.ready.notify_all();
    }

    /// The consumer stops the camera: a source waiting for room gives up at once.
    pub(super) fn stop(&self) {
        lock(&self.inner).stopped = true;
        self.space.notify_all();
        self.ready.notify_all();
    }

    /// Frames replaced before the consumer took them.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Locks a mutex, carrying on past a panic elsewhere (the data are plain values).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use image::RgbImage;

    use super::*;

    fn frame(seq: u64) -> Frame {
        Frame {
            image: Arc::new(RgbImage::new(1, 1)),
            seq,
            offset: Duration::ZERO,
        }
    }

    const SHORT: Duration = Duration::from_millis(10);

    #[test]
    fn latest_wins_keeps_the_newest_and_counts_the_rest() {
        let slot = Slot::new(Delivery::LatestWins);
        for seq in 0..5 {
            assert!(slot.push(frame(seq)));
        }
        assert_eq!(slot.dropped(), 4);
        assert_eq!(slot.pop(SHORT).map(|f| f.seq), Some(4));
        assert!(slot.pop(SHORT).is_none());
    }

    #[test]
    fn every_frame_waits_for_the_consumer_and_keeps_order() {
        let slot = Arc::new(Slot::new(Delivery::EveryFrame));
        let producer = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || {
                for seq in 0..10 {
                    assert!(slot.push(frame(seq)));
                }
                slot.end();
            })
        };
        let mut seen = Vec::new();
        while let Some(f) = slot.pop(Duration::from_secs(5)) {
            seen.push(f.seq);
        }
        producer.join().expect("producer");
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(slot.dropped(), 0);
    }

    #[test]
    fn stop_releases_a_source_waiting_on_a_full_queue() {
        let slot = Arc::new(Slot::new(Delivery::EveryFrame));
        assert!(slot.push(frame(0)));
        assert!(slot.push(frame(1)));
        let producer = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || slot.push(frame(2)))
        };
        std::thread::sleep(Duration::from_millis(50));
        slot.stop();
        assert!(!producer.join().expect("producer"));
    }

    #[test]
    fn an_ended_source_answers_at_once_after_the_last_frame() {
        let slot = Slot::new(Delivery::EveryFrame);
        assert!(slot.push(frame(0)));
        slot.end();
        assert_eq!(slot.pop(SHORT).map(|f| f.seq), Some(0));
        let t = Instant::now();
        assert!(slot.pop(Duration::from_secs(10)).is_none());
        assert!(t.elapsed() < Duration::from_secs(1));
    }
}
