//! One camera's frames turned into gate events: the motion gate, faces and plates, tracking
//! across frames, and the gate's rules. A person or a car makes one arrival, named from its
//! best view so far; a later, better view that changes the answer makes an update.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use image::RgbImage;

use super::PipelineError;
use super::motion::{MotionConfig, MotionGate};
use super::snapshot;
use super::vehicles::{PlateResult, VehicleEyes};
use crate::app::sightings::record_sighting;
use crate::config::Roi;
use crate::domain::event::{GateEvent, Look, PersonSeen, PlateSeen, Report};
use crate::domain::{CameraRole, Direction, EventKind, PersonClass, PlateColour, Prompt};
use crate::recognize::gallery::{Gallery, Match, MatchParams};
use crate::recognize::plate_vote::PlateVote;
use crate::recognize::regions::{self, Known, LookAt, LookConfig, Motion, Why};
use crate::recognize::tracker::{Detection, Track, TrackUpdate, Tracker, TrackerConfig};
use crate::recognize::visits::{Arrived, VisitNo, Visits, Who};
use crate::rules::gate::shift_at;
use crate::rules::prompts::{self, Arrival, effective_class};
use crate::store::{NewGateEvent, NewSighting, PersonRecord, Store, StoreError};
use crate::vision::face_embed::Embedding;
use crate::vision::face_quality::{self, QualityLimits};
use crate::vision::faces::FaceChain;
use crate::vision::vehicle_detect::Vehicle;

/// A face not seen for this long has gone: the next face in the same place is someone else
/// (the fixture clip two-visitors.mp4 has 1 s between two people at the same spot). Vehicles
/// keep the tracker's 2 s: a car stays where it is while the barrier opens.
pub const FACE_MAX_GAP: Duration = Duration::from_millis(800);

/// The models a camera's frames are looked at with, loaded once and shared by the cameras
/// (one at a time: a 2-core box runs one inference at a time, each on both cores).
#[derive(Debug)]
pub struct Eyes {
    pub faces: FaceChain,
    pub gallery: Gallery,
    pub params: MatchParams,
    pub limits: QualityLimits,
    pub vehicles: VehicleEyes,
}

/// A face seen in one frame.
#[derive(Debug, Clone)]
pub struct FaceSeen {
    /// Good enough to recognise (size, sharpness, turn, inside the frame).
    pub recognisable: bool,
    /// The person the gallery names, with the similarity.
    pub person: Option<(i64, f32)>,
    /// The face's embedding and aligned crop, kept for a recognisable face so that its
    /// arrival can be recorded as a sighting a guard can correct.
    pub face: Option<Arc<FaceCrop>>,
}

/// A recognisable face's embedding and aligned crop.
#[derive(Debug)]
pub struct FaceCrop {
    /// The embedder's key.
    pub model: String,
    pub vector: Vec<f32>,
    pub aligned: RgbImage,
}

/// What a camera is, for its events.
#[derive(Debug, Clone)]
pub struct CameraInfo {
    pub name: String,
    pub gate: String,
    /// The way the camera looks: everything it sees comes in (or goes out); `None` when it
    /// watches both ways, and the track's motion tells (growing: coming towards the camera).
    pub direction: Option<Direction>,
    /// What the camera is placed to see; only those models are run on its frames.
    pub role: CameraRole,
    /// The part of the frame looked at; the whole frame when `None`.
    pub roi: Option<Roi>,
}

impl CameraInfo {
    /// A camera that sees both faces and plates on the whole frame.
    pub fn new(
        name: impl Into<String>,
        gate: impl Into<String>,
        direction: Option<Direction>,
    ) -> Self {
        CameraInfo {
            name: name.into(),
            gate: gate.into(),
            direction,
            role: CameraRole::Both,
            roi: None,
        }
    }
}

/// Where a watcher's events are kept besides being returned: the records (people and vehicles
/// are looked up there; with `record`, events are written to the gate log and vehicles in and
/// out to the list of those inside) and the snapshots' data folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink<'a> {
    pub store: Option<&'a Store>,
    pub record: bool,
    /// The data folder snapshots are saved under; `None` saves none (retention 0, or a replay).
    pub snapshots: Option<&'a Path>,
    /// The data folder face sightings (embedding and crop of an arriving face, so a guard can
    /// correct its name) are saved under; `None` records none.
    pub sightings: Option<&'a Path>,
    /// The open visits the box's cameras share: someone seen again within the window is the
    /// visit already announced, not a new arrival. `None`: every track is an arrival.
    pub visits: Option<&'a Mutex<Visits>>,
}

/// The frame being looked at, for the events it makes.
struct Seen<'a> {
    frame: &'a RgbImage,
    offset: Duration,
    at: DateTime<Utc>,
}

/// What was last reported for a track, to tell whether a better view changes the answer: who
/// (or which plate) and which way (the greeting differs for arriving and leaving).
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Person(Option<i64>, Option<Direction>),
    Plate(String, Option<Direction>),
}

/// One camera's state between frames.
#[derive(Debug)]
pub struct Watcher {
    camera: CameraInfo,
    tz: Tz,
    motion: MotionGate,
    faces: Tracker<FaceSeen>,
    /// The gallery's revision the face tracks' answers were given against.
    asked: Option<u64>,
    plates: Tracker<PlateResult>,
    votes: HashMap<u64, PlateVote>,
    reported: HashMap<(EventKind, u64), Answer>,
    /// The stored arrival of each track, which its updates refer to.
    stored: HashMap<(EventKind, u64), i64>,
    /// The visit each reported track belongs to.
    visit_of: HashMap<(EventKind, u64), VisitNo>,
    /// Where the region of interest starts in the frame (0, 0 without one).
    origin: (f32, f32),
    /// Where to look: the plan's settings, the motion gate's latest changed cells, looked frames since
    /// the last whole look, whether the last look missed something it looked for, and the
    /// vehicles followed (with the plate each carried when last seen).
    looking: LookConfig,
    changed: (u32, u32, Vec<bool>),
    since_full: u32,
    missed: bool,
    followed: Vec<(Vehicle, Option<[f32; 4]>)>,
    /// The stream time of the latest look.
    last_look: Option<Duration>,
    /// Looked frames looked at whole (and why), and only in crops.
    pub whole: u64,
    pub whole_for: HashMap<Why, u64>,
    pub cropped: u64,
    /// Frames looked at and frames skipped by the motion gate.
    pub looked: u64,
    pub still: u64,
}

impl Watcher {
    /// A camera with no history.
    pub fn new(camera: CameraInfo, tz: Tz) -> Watcher {
        Watcher {
            camera,
            tz,
            motion: MotionGate::new(MotionConfig::default()),
            faces: Tracker::new(TrackerConfig {
                max_gap: FACE_MAX_GAP,
                ..TrackerConfig::default()
            }),
            asked: None,
            plates: Tracker::new(TrackerConfig::default()),
            votes: HashMap::new(),
            reported: HashMap::new(),
            stored: HashMap::new(),
            visit_of: HashMap::new(),
            origin: (0.0, 0.0),
            looking: LookConfig::default(),
            changed: (0, 0, Vec::new()),
            since_full: 0,
            missed: false,
            followed: Vec::new(),
            last_look: None,
            whole: 0,
            whole_for: HashMap::new(),
            cropped: 0,
            looked: 0,
            still: 0,
        }
    }

    /// The same watcher, planning where to look in each frame with `looking` (the default
    /// plan has the default plate search size; `[vision]` sets both).
    pub fn looking(mut self, looking: LookConfig) -> Watcher {
        self.looking = looking;
        self
    }

    /// Looks at one frame taken at `at` (`offset` into the stream) and returns the events it
    /// makes: [`Watcher::view`] then [`Watcher::look`].
    pub fn frame(
        &mut self,
        eyes: &mut Eyes,
        image: &RgbImage,
        offset: Duration,
        at: DateTime<Utc>,
        sink: &Sink,
    ) -> Result<Vec<GateEvent>, PipelineError> {
        match self.view(image) {
            Some(view) => self.look(eyes, &view, image, offset, at, sink),
            None => Ok(Vec::new()),
        }
    }

    /// The part of `image` this camera looks at (its region of interest), or `None` when
    /// nothing moves there: whatever was there is still there. Cheap; needs no model.
    pub fn view<'a>(&mut self, image: &'a RgbImage) -> Option<Cow<'a, RgbImage>> {
        let view = match self.camera.roi {
            Some(roi) => {
                let (x, y, w, h) = roi.pixels(image.width(), image.height());
                self.origin = (x as f32, y as f32);
                Cow::Owned(image::imageops::crop_imm(image, x, y, w, h).to_image())
            }
            None => {
                self.origin = (0.0, 0.0);
                Cow::Borrowed(image)
            }
        };
        let report = self.motion.check(&view);
        if report.moving {
            self.looked += 1;
            self.changed = (report.grid.0, report.grid.1, report.cells);
            Some(view)
        } else {
            self.still += 1;
            None
        }
    }

    /// Looks for faces and plates in `view` (from [`Watcher::view`] of `frame`) with the
    /// models the camera's role needs, and returns the events they make.
    pub fn look(
        &mut self,
        eyes: &mut Eyes,
        view: &RgbImage,
        frame: &RgbImage,
        offset: Duration,
        at: DateTime<Utc>,
        sink: &Sink,
    ) -> Result<Vec<GateEvent>, PipelineError> {
        let store = sink.store;
        let day = at.with_timezone(&self.tz).date_naive();
        let image = view;
        let wants = match self.camera.role {
            CameraRole::Faces => (true, false),
            CameraRole::Plates => (false, true),
            CameraRole::Both => (true, true),
        };
        let look = self.plan(image.dimensions(), wants);
        let faces = match (&look, wants.0) {
            (_, false) => Vec::new(),
            (LookAt::Whole(_), true) => eyes.faces.faces(image)?,
            (LookAt::Crops { faces, .. }, true) => eyes.faces.faces_in(image, faces)?,
        };
        let mut face_detections = Vec::with_capacity(faces.len());
        for f in &faces {
            let q = face_quality::assess(&f.face, &f.aligned, image.dimensions());
            let recognisable = face_quality::check(&q, &eyes.limits).is_ok();
            let person = match recognisable.then(|| eyes.gallery.search(&f.embedding, &eyes.params))
            {
                Some(Match::Known {
                    person, similarity, ..
                }) => Some((person, similarity)),
                _ => None,
            };
            // a recognisable view always beats one that is not; then the larger, sharper one
            let quality =
                q.face_px * q.visible.clamp(0.0, 1.0) * if recognisable { 1.0 } else { 0.01 };
            face_detections.push(Detection {
                bbox: f.face.bbox,
                quality,
                payload: FaceSeen {
                    recognisable,
                    person,
                    face: recognisable.then(|| {
                        Arc::new(FaceCrop {
                            model: eyes.faces.model_key().to_owned(),
                            vector: f.embedding.to_vec(),
                            aligned: f.aligned.clone(),
                        })
                    }),
                },
            });
        }
        let plates = match (&look, wants.1) {
            (_, false) => Vec::new(),
            (LookAt::Whole(_), true) => {
                let vehicles = eyes.vehicles.vehicles(image)?;
                let plates = eyes
                    .vehicles
                    .plates_of(image, &vehicles, None, store, day)?
                    .0;
                self.followed = vehicles.into_iter().map(|v| (v, None)).collect();
                plates
            }
            (LookAt::Crops { plates, .. }, true) => {
                let vehicles: Vec<Vehicle> = self.followed.iter().map(|f| f.0.clone()).collect();
                eyes.vehicles
                    .plates_of(image, &vehicles, Some(plates), store, day)?
                    .0
            }
        };
        self.after_look(&look, faces.len(), &plates);
        let plate_detections: Vec<Detection<PlateResult>> = plates
            .into_iter()
            .map(|p| Detection {
                bbox: p.bbox,
                quality: p.confidence,
                payload: p,
            })
            .collect();
        let mut out = Vec::new();
        let seen = Seen { frame, offset, at };
        let mut face_updates = self.ask_again(eyes);
        face_updates.extend(self.faces.update(offset, face_detections));
        for u in face_updates {
            if let Some(e) = self.person_event(u, &seen, sink)? {
                out.push(e);
            }
        }
        let readings: Vec<([f32; 4], String, Vec<f32>)> = plate_detections
            .iter()
            .map(|d| {
                (
                    d.bbox,
                    d.payload.text.clone(),
                    d.payload.confidences.clone(),
                )
            })
            .collect();
        self.last_look = Some(offset);
        let plate_updates = self.plates.update(offset, plate_detections);
        self.vote_plates(offset, readings);
        for u in plate_updates {
            if let Some(e) = self.vehicle_event(u, &seen, sink)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// When the gallery changed since the face tracks were answered (someone enrolled, deleted
    /// or corrected, here or at another box), asks it again about each live track's best view:
    /// a VIP enrolled while standing at the gate is named now, not on his next visit, and a
    /// deleted person is named no more. Returns the tracks whose answer changed.
    fn ask_again(&mut self, eyes: &Eyes) -> Vec<TrackUpdate<FaceSeen>> {
        let revision = eyes.gallery.revision();
        if self.asked.replace(revision) == Some(revision) {
            return Vec::new();
        }
        self.faces.revise(|seen| {
            let Some(vector) = seen.face.as_ref().map(|f| f.vector.as_slice()) else {
                return false;
            };
            let Ok(embedding) = Embedding::try_from(vector) else {
                return false;
            };
            let now = match eyes.gallery.search(&embedding, &eyes.params) {
                Match::Known {
                    person, similarity, ..
                } => Some((person, similarity)),
                _ => None,
            };
            let changed = now.map(|p| p.0) != seen.person.map(|p| p.0);
            seen.person = now;
            changed
        })
    }

    /// Where to look in this frame (of `size`), for faces and plates as `wants` says.
    fn plan(&mut self, size: (u32, u32), wants: (bool, bool)) -> LookAt {
        let last = self.last_look;
        let faces: Vec<[f32; 4]> = self
            .faces
            .active()
            .filter(|t| Some(t.last_seen) == last)
            .map(|t| t.bbox)
            .collect();
        let vehicles: Vec<[f32; 4]> = self
            .followed
            .iter()
            .filter(|f| f.1.is_some())
            .map(|f| f.0.bbox)
            .collect();
        let unplated: Vec<[f32; 4]> = self
            .followed
            .iter()
            .filter(|f| f.1.is_none())
            .map(|f| f.0.bbox)
            .collect();
        let look = regions::plan(
            &Known {
                frame: size,
                motion: Motion {
                    grid: (self.changed.0, self.changed.1),
                    cells: &self.changed.2,
                },
                faces: &faces,
                vehicles: &vehicles,
                others: &unplated,
                since_full: self.since_full,
                missed: self.missed,
                wants,
            },
            &self.looking,
        );
        match look {
            LookAt::Whole(why) => {
                self.since_full = 0;
                self.whole += 1;
                *self.whole_for.entry(why).or_default() += 1;
            }
            LookAt::Crops { .. } => {
                self.since_full += 1;
                self.cropped += 1;
            }
        }
        look
    }

    /// What a look found, for the next plan: a crop that found nothing missed what it was
    /// looked for (so the next frame is looked at whole), and each followed vehicle moves with
    /// its plate. A plate on no vehicle found cannot be followed in a crop.
    fn after_look(&mut self, look: &LookAt, faces: usize, plates: &[PlateResult]) {
        tracing::trace!(camera = %self.camera.name, ?look, faces, plates = plates.len(), "looked");
        let on_vehicle = |p: &PlateResult| p.vehicle.filter(|&k| k < self.followed.len());
        self.missed = plates.iter().any(|p| on_vehicle(p).is_none());
        if let LookAt::Crops {
            faces: face_crops,
            plates: plate_crops,
        } = look
        {
            self.missed |= faces < face_crops.len() || plates.len() < plate_crops.len();
        }
        let mut carried: Vec<Option<[f32; 4]>> = vec![None; self.followed.len()];
        for p in plates {
            if let Some(k) = on_vehicle(p) {
                carried[k] = Some(p.bbox);
            }
        }
        for ((vehicle, plate), now) in self.followed.iter_mut().zip(carried) {
            if let (Some(before), Some(now)) = (*plate, now) {
                let dx = (now[0] + now[2] - before[0] - before[2]) / 2.0;
                let dy = (now[1] + now[3] - before[1] - before[3]) / 2.0;
                let b = &mut vehicle.bbox;
                *b = [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
            }
            *plate = now;
        }
    }

    /// Ends every track (the end of a replay); returns nothing new to say, but forgets them.
    pub fn finish(&mut self) {
        self.faces.finish();
        self.plates.finish();
        self.votes.clear();
        self.followed.clear();
        self.missed = false;
        self.last_look = None;
        self.reported.clear();
        self.stored.clear();
        self.visit_of.clear();
    }

    /// Every plate reading of this frame joins the vote of the track it continued (the track
    /// whose latest box is the reading's).
    fn vote_plates(&mut self, offset: Duration, readings: Vec<([f32; 4], String, Vec<f32>)>) {
        let tracks: Vec<(u64, [f32; 4])> = self
            .plates
            .active()
            .filter(|t| t.last_seen == offset)
            .map(|t| (t.id, t.bbox))
            .collect();
        for (bbox, text, confidences) in readings {
            if let Some((id, _)) = tracks.iter().find(|(_, b)| *b == bbox) {
                self.votes.entry(*id).or_default().add(&text, &confidences);
            }
        }
    }

    fn direction(&self, motion_approaching: Option<bool>) -> Option<Direction> {
        self.camera
            .direction
            .or(motion_approaching.map(|a| if a { Direction::In } else { Direction::Out }))
    }

    /// The track of an update and whether this is its first report; `None` for a track that
    /// has ended, which is forgotten (what was said, its stored arrival, its plate vote).
    /// A track still in view keeps its visit open (see [`Visits::seen`]).
    fn opened<T>(
        &mut self,
        kind: EventKind,
        update: TrackUpdate<T>,
        seen: &Seen,
        sink: &Sink,
    ) -> Option<(Track<T>, bool)> {
        let id = match &update {
            TrackUpdate::Confirmed(t) | TrackUpdate::Improved(t) | TrackUpdate::Ended(t) => t.id,
        };
        if let (Some(visits), Some(no)) = (sink.visits, self.visit_of.get(&(kind, id))) {
            lock(visits).seen(*no, seen.at);
        }
        match update {
            TrackUpdate::Confirmed(t) => Some((t, true)),
            TrackUpdate::Improved(t) => Some((t, false)),
            TrackUpdate::Ended(t) => {
                self.reported.remove(&(kind, t.id));
                self.stored.remove(&(kind, t.id));
                self.visit_of.remove(&(kind, t.id));
                // person and vehicle tracks are numbered apart: only a vehicle's id is a vote's
                if kind == EventKind::Vehicle {
                    self.votes.remove(&t.id);
                }
                None
            }
        }
    }

    fn person_event(
        &mut self,
        update: TrackUpdate<FaceSeen>,
        seen: &Seen,
        sink: &Sink,
    ) -> Result<Option<GateEvent>, PipelineError> {
        let (at, store) = (seen.at, sink.store);
        let Some((track, first)) = self.opened(EventKind::Person, update, seen, sink) else {
            return Ok(None);
        };
        let direction = self.direction(track.motion().approaching());
        let answer = Answer::Person(track.best.payload.person.map(|p| p.0), direction);
        if !self.changed(EventKind::Person, track.id, &answer, first) {
            return Ok(None);
        }
        let who = match (&track.best.payload.person, &track.best.payload.face) {
            (Some((id, _)), _) => Some(Who::Person(*id)),
            (None, Some(face)) => Some(Who::Stranger(face.vector.clone())),
            (None, None) => None,
        };
        let Some(visit) = self.visit(EventKind::Person, track.id, who, direction, seen, sink)
        else {
            return Ok(None);
        };
        let known: Option<PersonRecord> = match (track.best.payload.person, store) {
            (Some((id, _)), Some(s)) => s.person(id)?,
            _ => None,
        };
        let local = at.with_timezone(&self.tz).time();
        let way = direction.unwrap_or(Direction::In);
        let (class, prompt) = match &known {
            Some(p) => (
                effective_class(p.class, p.status),
                person_prompt(p, local, way),
            ),
            None => (
                PersonClass::Visitor,
                prompts::prompt(
                    &Arrival {
                        class: PersonClass::Visitor,
                        title: None,
                        direction: way,
                        ask_not_to_notify: false,
                    },
                    local,
                ),
            ),
        };
        let person = known.as_ref().map(|p| {
            let similarity = track.best.payload.person.map_or(0.0, |p| p.1);
            PersonSeen::new(p.id, p.name.clone(), class, similarity)
        });
        let card = prompts::card(class);
        let mut e = self.event(
            first,
            &track,
            EventKind::Person,
            seen,
            direction,
            &prompt,
            card,
        );
        e.person = person;
        e.id = self.stored.get(&(EventKind::Person, track.id)).copied();
        if let (Some(data), Some(s), Some(face)) = (sink.sightings, store, &track.best.payload.face)
        {
            let sighting = NewSighting {
                source: self.camera.name.clone(),
                model: face.model.clone(),
                vector: face.vector.clone(),
                thumbnail: None,
                person_id: track.best.payload.person.map(|p| p.0),
                similarity: track.best.payload.person.map(|p| p.1),
            };
            match record_sighting(s, data, &face.aligned, sighting) {
                Ok(id) => e.sighting = Some(id),
                Err(err) => tracing::warn!(camera = %self.camera.name, "{err}"),
            }
        }
        if sink.record
            && let Some(s) = store
        {
            if first {
                let colour = if known.is_some() {
                    snapshot::KNOWN
                } else {
                    snapshot::STRANGER
                };
                e.snapshot = self.snapshot(seen, sink, 'p', track.id, e.bbox, colour);
            }
            let mut record = NewGateEvent::of(&e, self.shift(at));
            record.score = track.best.payload.person.map(|p| p.1);
            if first {
                if let Some(id) = self.unrecorded(s.insert_event(record)) {
                    self.stored.insert((EventKind::Person, track.id), id);
                    e.id = Some(id);
                    self.recorded(visit, id, sink);
                }
            } else if let Some(id) = e.id {
                // the arrival recorded says what the card now says: a guard's ✓ or ✗ on the
                // card is about this person, and the log names them
                self.unrecorded(s.revise_event(id, record));
            }
        }
        Ok(Some(e))
    }

    fn vehicle_event(
        &mut self,
        update: TrackUpdate<PlateResult>,
        seen: &Seen,
        sink: &Sink,
    ) -> Result<Option<GateEvent>, PipelineError> {
        let (at, store) = (seen.at, sink.store);
        let Some((track, first)) = self.opened(EventKind::Vehicle, update, seen, sink) else {
            return Ok(None);
        };
        let vote = self.votes.get(&track.id).and_then(PlateVote::result);
        let readings = self.votes.get(&track.id).map_or(0, PlateVote::len);
        let best = &track.best.payload;
        let text = vote.map_or_else(|| best.text.clone(), |v| v.text);
        let direction = self.direction(track.motion().approaching());
        let answer = Answer::Plate(text.clone(), direction);
        let before = self.reported.get(&(EventKind::Vehicle, track.id)).cloned();
        if !self.changed(EventKind::Vehicle, track.id, &answer, first) {
            return Ok(None);
        }
        let who = Some(Who::Plate(text.clone()));
        let Some(visit) = self.visit(EventKind::Vehicle, track.id, who, direction, seen, sink)
        else {
            return Ok(None);
        };
        let decision = &best.decision;
        let prompt = Prompt {
            say: decision.say.clone(),
            actions: decision.actions.clone(),
            notify: decision.notify.clone(),
        };
        let card = decision.decision.card();
        let mut e = self.event(
            first,
            &track,
            EventKind::Vehicle,
            seen,
            direction,
            &prompt,
            card,
        );
        e.decision = Some(decision.decision);
        // whose car it is, for the guard: the first vehicle in the records with this plate
        let known = match store {
            Some(s) => self
                .unrecorded(s.find_vehicles(&text))
                .and_then(|v| v.into_iter().find(|v| v.plate == text)),
            None => None,
        };
        e.plate = Some(PlateSeen {
            formatted: crate::domain::plate::format(&text),
            text: text.clone(),
            colour: best.colour,
            colour_doubt: best.colour_doubt,
            readings,
            large: decision.large,
            large_reason: decision.large_reason.clone(),
            owner: known.as_ref().and_then(|v| v.owner_person.clone()),
            household: known.and_then(|v| v.owner_household),
        });
        let Some(s) = store.filter(|_| sink.record) else {
            return Ok(Some(e));
        };
        let plate_colour = Some(best.colour);
        if !first {
            e.id = self.stored.get(&(EventKind::Vehicle, track.id)).copied();
            // a better view changed the plate or the way: the list of those inside follows
            if let Some(Answer::Plate(old, Some(Direction::In))) = &before {
                self.unrecorded(s.vehicle_went_out(old));
            }
            let passing = (text.as_str(), plate_colour, direction, decision.lets_in());
            self.follow_inside(s, passing, at, e.id);
            return Ok(Some(e));
        }
        {
            let colour = if decision.oversize {
                snapshot::ALERT
            } else {
                snapshot::VEHICLE
            };
            e.snapshot = self.snapshot(seen, sink, 'v', track.id, e.bbox, colour);
            let mut new = NewGateEvent::of(&e, self.shift(at));
            new.score = Some(best.confidence);
            if let Some(id) = self.unrecorded(s.insert_event(new)) {
                e.id = Some(id);
                self.stored.insert((EventKind::Vehicle, track.id), id);
                self.recorded(visit, id, sink);
            }
            let passing = (text.as_str(), plate_colour, direction, decision.lets_in());
            self.follow_inside(s, passing, at, e.id);
        }
        Ok(Some(e))
    }

    /// Keeps the list of vehicles inside: a vehicle let in driving in (by the arrival
    /// `arrival`) joins it, one driving out leaves it. `passing` is the plate, its colour, the
    /// way and whether the rules let it in.
    fn follow_inside(
        &self,
        store: &Store,
        passing: (&str, Option<PlateColour>, Option<Direction>, bool),
        at: DateTime<Utc>,
        arrival: Option<i64>,
    ) {
        let (plate, colour, direction, lets_in) = passing;
        match direction {
            Some(Direction::In) if lets_in => {
                let gate = &self.camera.gate;
                self.unrecorded(store.vehicle_came_in(plate, colour, at, gate, arrival));
            }
            Some(Direction::Out) => {
                self.unrecorded(store.vehicle_went_out(plate));
            }
            _ => {}
        }
    }

    /// A write to the records that failed (a full disk, a broken database): the event still
    /// reaches the screen, and the log says what went wrong and what to do.
    fn unrecorded<T>(&self, result: Result<T, StoreError>) -> Option<T> {
        result
            .map_err(|e| {
                tracing::error!(camera = %self.camera.name, "the event was not recorded: {e}");
            })
            .ok()
    }

    /// The visit a track's news belongs to: `Some` for a new visit, to be announced; `None` when
    /// the same visitor was announced within the window (by any camera at the gate), and the
    /// track now refers to that arrival. A visitor with no identity (a face too poor to
    /// compare) is always news.
    fn visit(
        &mut self,
        kind: EventKind,
        track: u64,
        who: Option<Who>,
        direction: Option<Direction>,
        seen: &Seen,
        sink: &Sink,
    ) -> Option<Option<VisitNo>> {
        let (Some(visits), Some(who)) = (sink.visits, who) else {
            return Some(None);
        };
        let arrived = lock(visits).arrive(&self.camera.gate, who, direction, seen.at);
        self.visit_of.insert((kind, track), arrived.no());
        match arrived {
            Arrived::New(no) => {
                // a track that changed its answer keeps its own arrival for the new visitor
                if let Some(id) = self.stored.get(&(kind, track)) {
                    lock(visits).recorded(no, *id);
                }
                Some(Some(no))
            }
            Arrived::Again { arrival, .. } => {
                if let Some(id) = arrival {
                    self.stored.entry((kind, track)).or_insert(id);
                }
                None
            }
        }
    }

    /// A new visit was recorded as the arrival `id`: the visitor's next sightings refer to it.
    fn recorded(&self, visit: Option<VisitNo>, id: i64, sink: &Sink) {
        if let (Some(no), Some(visits)) = (visit, sink.visits) {
            lock(visits).recorded(no, id);
        }
    }

    /// Whether `answer` is news for the track: its first report, or a different answer.
    fn changed(&mut self, kind: EventKind, track: u64, answer: &Answer, first: bool) -> bool {
        let key = (kind, track);
        if !first && self.reported.get(&key) == Some(answer) {
            return false;
        }
        self.reported.insert(key, answer.clone());
        true
    }

    /// Saves the snapshot of an event whose box is `bbox` (in the frame's pixels); returns its
    /// path relative to the data folder, or `None` when snapshots are not kept or it could not
    /// be saved (the event is recorded without it, and the reason logged).
    fn snapshot(
        &self,
        seen: &Seen,
        sink: &Sink,
        kind: char,
        track: u64,
        bbox: [f32; 4],
        colour: image::Rgb<u8>,
    ) -> Option<String> {
        let data = sink.snapshots?;
        let local = seen.at.with_timezone(&self.tz);
        let relative = snapshot::relative_path(local, &self.camera.name, kind, track);
        let image = snapshot::draw(seen.frame, bbox, colour);
        match snapshot::save(data, &relative, &image) {
            Ok(()) => Some(relative),
            Err(e) => {
                tracing::warn!(camera = %self.camera.name, "{e}");
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event<T>(
        &self,
        first: bool,
        track: &Track<T>,
        kind: EventKind,
        seen: &Seen,
        direction: Option<Direction>,
        prompt: &Prompt,
        (look, headline): (Look, &str),
    ) -> GateEvent {
        let (at, offset) = (seen.at, seen.offset);
        let (dx, dy) = self.origin;
        let [x1, y1, x2, y2] = track.best.bbox;
        GateEvent {
            report: if first {
                Report::Arrival
            } else {
                Report::Update
            },
            track: track.id,
            camera: self.camera.name.clone(),
            gate: self.camera.gate.clone(),
            kind,
            at: at.with_timezone(&self.tz).fixed_offset(),
            stream_s: offset.as_secs_f64(),
            direction,
            person: None,
            plate: None,
            say: prompt.say.clone(),
            actions: prompt.actions.clone(),
            notify: prompt.notify.clone(),
            decision: None,
            look,
            headline: headline.to_owned(),
            bbox: [x1 + dx, y1 + dy, x2 + dx, y2 + dy],
            frame: [seen.frame.width(), seen.frame.height()],
            id: None,
            snapshot: None,
            sighting: None,
            by: None,
        }
    }

    /// The shift of an instant, at this camera's gate.
    fn shift(&self, at: DateTime<Utc>) -> crate::domain::Shift {
        shift_at(at.with_timezone(&self.tz).time())
    }
}

/// The open visits, even after a panic elsewhere left the lock poisoned (they stay valid).
fn lock(visits: &Mutex<Visits>) -> std::sync::MutexGuard<'_, Visits> {
    visits
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the screen says for a person in the records, at a local time of day, going one way: the
/// rules' prompt for the class they are now (someone who left is a visitor or former staff).
pub fn person_prompt(person: &PersonRecord, time: NaiveTime, direction: Direction) -> Prompt {
    prompts::prompt(
        &Arrival {
            class: effective_class(person.class, person.status),
            title: Some(person.title.as_str()),
            direction,
            ask_not_to_notify: person.ask_not_to_notify,
        },
        time,
    )
}
