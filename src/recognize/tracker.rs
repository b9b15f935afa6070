//! Object tracking across frames.
//!
//! A small IoU tracker: each frame's detections are matched to the tracks of the frames before
//! by how much their boxes overlap, so one person or one car walking or driving through the gate
//! is one track, one arrival and one departure, however many frames it is seen in. The tracker
//! is generic over what a detection carries (a face embedding, a plate reading), and keeps the
//! best view of each object so far, so the recogniser is asked about the best face or plate
//! rather than the latest.
//!
//! Pure code: no I/O, no clock. Stream time is passed in with every frame.

use std::time::Duration;

use crate::vision::nms::iou;

/// One detection in one frame: its box `[x1, y1, x2, y2]` in pixels, how good this view of the
/// object is (e.g. face size × sharpness, plate reading confidence), and what was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection<T> {
    /// The box `[x1, y1, x2, y2]`, in pixels.
    pub bbox: [f32; 4],
    /// How good this view is: higher is better. A NaN quality is worse than any other.
    pub quality: f32,
    /// What was seen.
    pub payload: T,
}

/// How tracks are formed, confirmed and ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerConfig {
    /// Least IoU for a detection to continue a track (0.3 default).
    pub min_iou: f32,
    /// A track not seen for longer than this (stream time) has ended (2 s default).
    pub max_gap: Duration,
    /// Frames a track must be seen in before it is reported (2 default): a single false
    /// detection makes no arrival. 0 counts as 1.
    pub min_hits: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            min_iou: 0.3,
            max_gap: Duration::from_secs(2),
            min_hits: 2,
        }
    }
}

/// One object followed across frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Track<T> {
    /// The track's id: 1 for the first track of a tracker, increasing, never reused.
    pub id: u64,
    /// Stream time of the first detection.
    pub first_seen: Duration,
    /// Stream time of the latest detection.
    pub last_seen: Duration,
    /// Frames the object was seen in.
    pub hits: u32,
    /// The latest box.
    pub bbox: [f32; 4],
    /// The first box.
    pub first_bbox: [f32; 4],
    /// The best view so far: the detection of highest quality (the earliest of equals).
    pub best: Detection<T>,
    /// Whether the track has been reported as [`TrackUpdate::Confirmed`].
    confirmed: bool,
}

impl<T> Track<T> {
    /// Whether the track has been seen `min_hits` times and so reported.
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }

    /// How the object moved, from the first box to the latest: growing (approaching the camera)
    /// or shrinking (leaving), and the centre's displacement in pixels.
    pub fn motion(&self) -> TrackMotion {
        let area = |b: &[f32; 4]| (b[2] - b[0]) * (b[3] - b[1]);
        let (first, last) = (area(&self.first_bbox), area(&self.bbox));
        let ratio = last / first;
        let scale = if first > 0.0 && ratio.is_finite() && ratio >= 0.0 {
            ratio.sqrt()
        } else {
            1.0
        };
        let centre = |b: &[f32; 4]| ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let (fx, fy) = centre(&self.first_bbox);
        let (lx, ly) = centre(&self.bbox);
        TrackMotion {
            scale,
            dx: lx - fx,
            dy: ly - fy,
        }
    }
}

/// How a tracked object moved between its first and latest box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackMotion {
    /// Linear growth of the box: the square root of latest area / first area (1 when the first
    /// box has no area).
    pub scale: f32,
    /// Horizontal displacement of the box centre, in pixels (positive: to the right).
    pub dx: f32,
    /// Vertical displacement of the box centre, in pixels (positive: downwards).
    pub dy: f32,
}

impl TrackMotion {
    /// Linear growth from which an object counts as approaching.
    pub const APPROACHING_SCALE: f32 = 1.15;
    /// Linear shrinking from which an object counts as leaving.
    pub const LEAVING_SCALE: f32 = 0.87;

    /// `Some(true)` if the box grew by at least [`Self::APPROACHING_SCALE`] (coming towards the
    /// camera), `Some(false)` if it shrank to [`Self::LEAVING_SCALE`] or less (going away),
    /// `None` in between (or when the scale is not a number).
    pub fn approaching(&self) -> Option<bool> {
        if self.scale >= Self::APPROACHING_SCALE {
            Some(true)
        } else if self.scale <= Self::LEAVING_SCALE {
            Some(false)
        } else {
            None
        }
    }
}

/// What changed in one frame, to report downstream.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackUpdate<T> {
    /// The track has now been seen `min_hits` times: report the object (its best view so far).
    Confirmed(Track<T>),
    /// A confirmed track got a better view (quality strictly higher than its best): report it,
    /// the answer may change.
    Improved(Track<T>),
    /// A confirmed track was not seen for `max_gap`: it has left.
    Ended(Track<T>),
}

impl<T> TrackUpdate<T> {
    /// The track the update is about.
    pub fn track(&self) -> &Track<T> {
        match self {
            Self::Confirmed(t) | Self::Improved(t) | Self::Ended(t) => t,
        }
    }
}

/// Follows objects across frames; see the module documentation.
#[derive(Debug, Clone)]
pub struct Tracker<T> {
    config: TrackerConfig,
    /// Alive tracks, in increasing id order.
    tracks: Vec<Track<T>>,
    next_id: u64,
}

/// Whether a box can be matched at all: finite coordinates and a positive area.
fn valid_box(b: &[f32; 4]) -> bool {
    b.iter().all(|v| v.is_finite()) && b[2] > b[0] && b[3] > b[1]
}

/// Whether `new` is a strictly better quality than `best`; NaN is worse than anything.
fn better(new: f32, best: f32) -> bool {
    if new.is_nan() {
        false
    } else {
        best.is_nan() || new > best
    }
}

impl<T: Clone> Tracker<T> {
    /// A tracker with no tracks; the first track gets id 1.
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
        }
    }

    /// One frame's detections at stream time `at` (non-decreasing): matches them to tracks
    /// greedily by IoU (highest first, each track and detection used once), starts new tracks
    /// for the rest, ends tracks unseen for longer than max_gap. Returns what changed, in a
    /// deterministic order (Ended first, then Confirmed, then Improved, each by track id).
    ///
    /// Tracks are ended before matching, so an object back after a longer gap is a new track.
    /// Unconfirmed tracks that time out vanish silently. Detections whose box is not finite or
    /// has no area match no track and start none. A time earlier than the last one is taken as
    /// no time passing.
    pub fn update(&mut self, at: Duration, detections: Vec<Detection<T>>) -> Vec<TrackUpdate<T>> {
        let mut ended = Vec::new();
        let max_gap = self.config.max_gap;
        let (alive, gone): (Vec<_>, Vec<_>) = std::mem::take(&mut self.tracks)
            .into_iter()
            .partition(|t| at.saturating_sub(t.last_seen) <= max_gap);
        self.tracks = alive;
        for t in gone {
            if t.confirmed {
                ended.push(TrackUpdate::Ended(t));
            }
        }

        // Every candidate pair, best IoU first; ties by track id, then detection order.
        let mut pairs: Vec<(usize, usize, f32)> = Vec::new();
        for (ti, t) in self.tracks.iter().enumerate() {
            for (di, d) in detections.iter().enumerate() {
                if !valid_box(&d.bbox) || !valid_box(&t.bbox) {
                    continue;
                }
                let o = iou(&t.bbox, &d.bbox);
                if o > 0.0 && o >= self.config.min_iou {
                    pairs.push((ti, di, o));
                }
            }
        }
        pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));

        let mut track_used = vec![false; self.tracks.len()];
        let mut assigned: Vec<Option<usize>> = vec![None; detections.len()];
        for (ti, di, _) in pairs {
            if !track_used[ti] && assigned[di].is_none() {
                track_used[ti] = true;
                assigned[di] = Some(ti);
            }
        }

        let min_hits = self.config.min_hits.max(1);
        let mut confirmed = Vec::new();
        let mut improved = Vec::new();
        for (d, slot) in detections.into_iter().zip(assigned) {
            match slot {
                Some(ti) => {
                    let t = &mut self.tracks[ti];
                    t.hits = t.hits.saturating_add(1);
                    t.last_seen = t.last_seen.max(at);
                    t.bbox = d.bbox;
                    let is_better = better(d.quality, t.best.quality);
                    if is_better {
                        t.best = d;
                    }
                    if !t.confirmed && t.hits >= min_hits {
                        t.confirmed = true;
                        confirmed.push(t.clone());
                    } else if t.confirmed && is_better {
                        improved.push(t.clone());
                    }
                }
                None if valid_box(&d.bbox) => {
                    let id = self.next_id;
                    self.next_id += 1;
                    let mut t = Track {
                        id,
                        first_seen: at,
                        last_seen: at,
                        hits: 1,
                        bbox: d.bbox,
                        first_bbox: d.bbox,
                        best: d,
                        confirmed: false,
                    };
                    if min_hits <= 1 {
                        t.confirmed = true;
                        confirmed.push(t.clone());
                    }
                    self.tracks.push(t);
                }
                None => {}
            }
        }

        confirmed.sort_by_key(|t| t.id);
        improved.sort_by_key(|t| t.id);
        ended.extend(confirmed.into_iter().map(TrackUpdate::Confirmed));
        ended.extend(improved.into_iter().map(TrackUpdate::Improved));
        ended
    }

    /// Ends every track (end of a replay): Ended for each confirmed one, by track id. Ids go on
    /// increasing afterwards.
    pub fn finish(&mut self) -> Vec<TrackUpdate<T>> {
        std::mem::take(&mut self.tracks)
            .into_iter()
            .filter(|t| t.confirmed)
            .map(TrackUpdate::Ended)
            .collect()
    }

    /// Asks `revise` again about each live track's best view (the answer it holds may be out
    /// of date: someone enrolled while they stood in view). `revise` changes the payload and
    /// says whether the answer changed; each confirmed track whose answer changed is returned
    /// as Improved, by track id, as if a better view had come.
    pub fn revise(&mut self, mut revise: impl FnMut(&mut T) -> bool) -> Vec<TrackUpdate<T>> {
        let mut improved = Vec::new();
        for t in &mut self.tracks {
            if revise(&mut t.best.payload) && t.confirmed {
                improved.push(TrackUpdate::Improved(t.clone()));
            }
        }
        improved
    }

    /// Tracks alive now, confirmed or not, by track id.
    pub fn active(&self) -> impl Iterator<Item = &Track<T>> {
        self.tracks.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn det(bbox: [f32; 4], quality: f32, payload: &'static str) -> Detection<&'static str> {
        Detection {
            bbox,
            quality,
            payload,
        }
    }

    fn tracker() -> Tracker<&'static str> {
        Tracker::new(TrackerConfig::default())
    }

    fn kinds<T>(updates: &[TrackUpdate<T>]) -> Vec<(&'static str, u64)> {
        updates
            .iter()
            .map(|u| match u {
                TrackUpdate::Confirmed(t) => ("confirmed", t.id),
                TrackUpdate::Improved(t) => ("improved", t.id),
                TrackUpdate::Ended(t) => ("ended", t.id),
            })
            .collect()
    }

    #[test]
    fn one_object_moving_slowly_is_confirmed_once_and_ends_after_the_gap() {
        let mut tr = tracker();
        let mut all = Vec::new();
        for i in 0..10u64 {
            let x = i as f32 * 5.0;
            // Constant quality: nothing improves.
            all.extend(tr.update(ms(i * 100), vec![det([x, 0.0, x + 50.0, 80.0], 1.0, "a")]));
        }
        assert_eq!(kinds(&all), vec![("confirmed", 1)]);
        // Exactly max_gap after the last sighting: still alive.
        assert!(tr.update(ms(900 + 2000), vec![]).is_empty());
        let end = tr.update(ms(900 + 2001), vec![]);
        assert_eq!(kinds(&end), vec![("ended", 1)]);
        let t = end[0].track();
        assert_eq!(t.hits, 10);
        assert_eq!(t.first_seen, ms(0));
        assert_eq!(t.last_seen, ms(900));
        assert_eq!(t.first_bbox, [0.0, 0.0, 50.0, 80.0]);
        assert_eq!(t.bbox, [45.0, 0.0, 95.0, 80.0]);
        assert_eq!(tr.active().count(), 0);
    }

    #[test]
    fn a_single_frame_false_detection_reports_nothing() {
        let mut tr = tracker();
        assert!(
            tr.update(ms(0), vec![det([0.0, 0.0, 10.0, 10.0], 1.0, "x")])
                .is_empty()
        );
        assert_eq!(tr.active().count(), 1);
        assert!(!tr.active().any(|t| t.confirmed()));
        assert!(tr.update(ms(5000), vec![]).is_empty());
        assert_eq!(tr.active().count(), 0);
        assert!(tr.finish().is_empty());
    }

    #[test]
    fn two_objects_side_by_side_keep_their_own_tracks() {
        let mut tr = tracker();
        let mut all = Vec::new();
        for i in 0..8u64 {
            let s = i as f32 * 3.0;
            // Listed in alternating order, so input order cannot be what keeps them apart.
            let left = det([s, 0.0, s + 40.0, 80.0], 1.0, "left");
            let right = det([s + 45.0, 0.0, s + 85.0, 80.0], 1.0, "right");
            let frame = if i % 2 == 0 {
                vec![left, right]
            } else {
                vec![right, left]
            };
            all.extend(tr.update(ms(i * 100), frame));
            let tracks: Vec<_> = tr.active().collect();
            assert_eq!(tracks.len(), 2);
            assert_eq!((tracks[0].id, tracks[0].bbox[0]), (1, s));
            assert_eq!((tracks[1].id, tracks[1].bbox[0]), (2, s + 45.0));
        }
        assert_eq!(kinds(&all), vec![("confirmed", 1), ("confirmed", 2)]);
        let ended = tr.finish();
        assert_eq!(ended[0].track().best.payload, "left");
        assert_eq!(ended[1].track().best.payload, "right");
    }

    #[test]
    fn a_revised_answer_is_reported_for_a_confirmed_track_and_kept_by_its_best_view() {
        let mut tr = tracker();
        let (near, far) = ([10.0, 10.0, 60.0, 60.0], [200.0, 10.0, 250.0, 60.0]);
        tr.update(ms(0), vec![det(near, 0.9, "stranger")]);
        tr.update(
            ms(100),
            vec![det(near, 0.9, "stranger"), det(far, 0.5, "stranger")],
        );
        // nothing changed: nothing to say
        assert!(tr.revise(|_| false).is_empty());
        // he was enrolled while in view: the confirmed track says so, the unconfirmed one only
        // carries the new answer
        let r = tr.revise(|p| {
            *p = "王建国";
            true
        });
        assert_eq!(kinds(&r), vec![("improved", 1)]);
        assert_eq!(r[0].track().best.payload, "王建国");
        assert!(tr.active().all(|t| t.best.payload == "王建国"));
        // a later view no better than the best does not replace it
        assert!(
            tr.update(ms(200), vec![det(near, 0.9, "stranger")])
                .is_empty()
        );
        assert_eq!(tr.finish()[0].track().best.payload, "王建国");
    }

    #[test]
    fn a_better_view_is_improved_with_its_payload_and_a_worse_one_is_not() {
        let mut tr = tracker();
        let b = [10.0, 10.0, 60.0, 60.0];
        assert!(tr.update(ms(0), vec![det(b, 0.5, "blurred")]).is_empty());
        let c = tr.update(ms(100), vec![det(b, 0.6, "better")]);
        assert_eq!(kinds(&c), vec![("confirmed", 1)]);
        assert_eq!(c[0].track().best.payload, "better");
        assert!(tr.update(ms(200), vec![det(b, 0.4, "worse")]).is_empty());
        assert!(tr.update(ms(300), vec![det(b, 0.6, "as good")]).is_empty());
        assert!(tr.update(ms(400), vec![det(b, f32::NAN, "nan")]).is_empty());
        let i = tr.update(ms(500), vec![det(b, 0.9, "sharp")]);
        assert_eq!(kinds(&i), vec![("improved", 1)]);
        assert_eq!(i[0].track().best.payload, "sharp");
        assert_eq!(i[0].track().best.quality, 0.9);
        assert_eq!(i[0].track().hits, 6);
    }

    #[test]
    fn a_short_gap_keeps_the_track_and_a_long_one_makes_a_new_id() {
        let mut tr = tracker();
        let b = [0.0, 0.0, 40.0, 40.0];
        tr.update(ms(0), vec![det(b, 1.0, "a")]);
        tr.update(ms(100), vec![det(b, 1.0, "a")]);
        // 1.9 s unseen, then back: the same track.
        assert!(tr.update(ms(2000), vec![det(b, 1.0, "a")]).is_empty());
        assert_eq!(
            tr.active().map(|t| (t.id, t.hits)).collect::<Vec<_>>(),
            vec![(1, 3)]
        );
        // 2.5 s unseen: ended, and the reappearance starts track 2.
        let u = tr.update(ms(4500), vec![det(b, 1.0, "a")]);
        assert_eq!(kinds(&u), vec![("ended", 1)]);
        assert_eq!(tr.active().map(|t| t.id).collect::<Vec<_>>(), vec![2]);
        let u = tr.update(ms(4600), vec![det(b, 1.0, "a")]);
        assert_eq!(kinds(&u), vec![("confirmed", 2)]);
    }

    #[test]
    fn updates_come_ended_then_confirmed_then_improved() {
        let mut tr = tracker();
        let a = [0.0, 0.0, 10.0, 10.0];
        let b = [100.0, 0.0, 110.0, 10.0];
        let c = [200.0, 0.0, 210.0, 10.0];
        tr.update(ms(0), vec![det(a, 1.0, "a"), det(b, 1.0, "b")]);
        tr.update(ms(100), vec![det(a, 1.0, "a"), det(b, 1.0, "b")]);
        tr.update(ms(2000), vec![det(b, 1.0, "b"), det(c, 1.0, "c")]);
        // a (1) ends, c (3) is confirmed, b (2) improves.
        let u = tr.update(ms(2200), vec![det(c, 1.0, "c"), det(b, 2.0, "b")]);
        assert_eq!(
            kinds(&u),
            vec![("ended", 1), ("confirmed", 3), ("improved", 2)]
        );
    }

    #[test]
    fn a_growing_box_is_approaching_and_a_shrinking_one_is_leaving() {
        let mut tr = tracker();
        tr.update(ms(0), vec![det([100.0, 100.0, 140.0, 140.0], 1.0, "in")]);
        tr.update(ms(100), vec![det([95.0, 95.0, 145.0, 145.0], 1.0, "in")]);
        tr.update(ms(200), vec![det([90.0, 90.0, 150.0, 150.0], 1.0, "in")]);
        let m = tr.active().next().map(Track::motion);
        let m = m.unwrap_or(TrackMotion {
            scale: 0.0,
            dx: 1.0,
            dy: 1.0,
        });
        assert!((m.scale - 1.5).abs() < 1e-6);
        assert_eq!((m.dx, m.dy), (0.0, 0.0));
        assert_eq!(m.approaching(), Some(true));

        let shrinking = TrackMotion {
            scale: 0.8,
            dx: 3.0,
            dy: 0.0,
        };
        assert_eq!(shrinking.approaching(), Some(false));
        let still = TrackMotion {
            scale: 1.0,
            dx: 0.0,
            dy: 0.0,
        };
        assert_eq!(still.approaching(), None);

        let mut tr = tracker();
        tr.update(ms(0), vec![det([0.0, 0.0, 100.0, 100.0], 1.0, "out")]);
        tr.update(ms(100), vec![det([10.0, 10.0, 90.0, 90.0], 1.0, "out")]);
        tr.update(ms(200), vec![det([20.0, 20.0, 100.0, 100.0], 1.0, "out")]);
        let t = tr.active().next();
        let m = t.map(Track::motion);
        assert_eq!(m.map(|m| m.approaching()), Some(Some(false)));
        assert_eq!(m.map(|m| (m.dx, m.dy)), Some((10.0, 10.0)));
    }

    #[test]
    fn finish_ends_confirmed_tracks_only() {
        let mut tr = tracker();
        let a = [0.0, 0.0, 10.0, 10.0];
        let b = [100.0, 0.0, 110.0, 10.0];
        tr.update(ms(0), vec![det(a, 1.0, "a")]);
        tr.update(ms(100), vec![det(a, 1.0, "a"), det(b, 1.0, "b")]);
        assert_eq!(kinds(&tr.finish()), vec![("ended", 1)]);
        assert_eq!(tr.active().count(), 0);
        assert!(tr.finish().is_empty());
        // Ids are not reused.
        tr.update(ms(200), vec![det(a, 1.0, "a")]);
        assert_eq!(tr.active().map(|t| t.id).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn nan_and_empty_boxes_never_panic_and_match_nothing() {
        let mut tr = tracker();
        let good = [0.0, 0.0, 10.0, 10.0];
        let nan = f32::NAN;
        let bad = [
            [nan, nan, nan, nan],
            [0.0, 0.0, nan, 10.0],
            [0.0, 0.0, 0.0, 0.0],
            [5.0, 5.0, 5.0, 20.0],
            [10.0, 10.0, 0.0, 0.0],
            [0.0, 0.0, f32::INFINITY, 10.0],
        ];
        for round in 0..3u64 {
            let mut frame: Vec<_> = bad.iter().map(|&b| det(b, nan, "bad")).collect();
            frame.push(det(good, 1.0, "good"));
            let u = tr.update(ms(round * 100), frame);
            assert!(u.iter().all(|u| u.track().best.payload == "good"));
        }
        let tracks: Vec<_> = tr.active().collect();
        assert_eq!(tracks.len(), 1);
        assert_eq!((tracks[0].id, tracks[0].hits), (1, 3));
        // A track whose first box has no area still reports a usable motion.
        let degenerate = Track {
            id: 9,
            first_seen: ms(0),
            last_seen: ms(0),
            hits: 1,
            bbox: good,
            first_bbox: [0.0; 4],
            best: det(good, 1.0, "x"),
            confirmed: false,
        };
        assert_eq!(degenerate.motion().scale, 1.0);
        assert_eq!(degenerate.motion().approaching(), None);
    }

    #[test]
    fn min_hits_of_one_confirms_on_the_first_frame() {
        let mut tr = Tracker::new(TrackerConfig {
            min_hits: 1,
            ..TrackerConfig::default()
        });
        let u = tr.update(ms(0), vec![det([0.0, 0.0, 10.0, 10.0], 1.0, "a")]);
        assert_eq!(kinds(&u), vec![("confirmed", 1)]);
    }

    #[test]
    fn time_going_backwards_does_not_panic_or_end_tracks() {
        let mut tr = tracker();
        let b = [0.0, 0.0, 10.0, 10.0];
        tr.update(ms(5000), vec![det(b, 1.0, "a")]);
        let u = tr.update(ms(1000), vec![det(b, 1.0, "a")]);
        assert_eq!(kinds(&u), vec![("confirmed", 1)]);
        assert_eq!(tr.active().map(|t| t.last_seen).next(), Some(ms(5000)));
    }
}
