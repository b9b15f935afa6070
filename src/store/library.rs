//! The records a compound's gate boxes share through the shared store, as documents: each person
//! with their faces, the guards' corrections and consents, each visit, and the records that are
//! one row each (households, users and sessions, passes, vehicles, goods slips, shift records,
//! training answers; see rows.rs). This box's changes still to send (noted by the triggers of
//! schemas 14 and 15, whatever made them), and the other boxes' changes applied here, so that a
//! face enrolled on one box is known at every gate, a visitor registered at one gate is on every
//! box's register and a guard's account opens every box's screen.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::audit::append_tx;
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::faces::{from_blob, to_blob};
use super::files::unnamed;
use super::reports::delete_person_tx;
use super::rows::{self, RowTable, apply_row, delete_row, row_doc, row_keys, row_present};
use crate::domain::PersonClass;

/// What kind of record a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A person, with their faces, corrections and consents.
    Person,
    /// A visitor's visit.
    Visit,
    /// A household (its code and notes).
    Household,
    /// A user of the web app (not a kiosk's own account).
    User,
    /// A user's login session.
    Session,
    /// A two-part pass.
    Pass,
    /// A registered vehicle.
    Vehicle,
    /// A goods-release slip.
    GoodsSlip,
    /// A shift's record and handover.
    Shift,
    /// A guard's answer in training.
    TrainingAnswer,
}

impl RecordKind {
    /// Every kind, each after the kinds its records name (a copy writes them in this order).
    pub const ALL: [RecordKind; 10] = [
        RecordKind::Household,
        RecordKind::User,
        RecordKind::Person,
        RecordKind::Pass,
        RecordKind::Visit,
        RecordKind::Vehicle,
        RecordKind::GoodsSlip,
        RecordKind::Shift,
        RecordKind::Session,
        RecordKind::TrainingAnswer,
    ];

    /// The key in the records and the shared store.
    pub fn key(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Visit => "visit",
            RecordKind::Household => "household",
            RecordKind::User => "user",
            RecordKind::Session => "session",
            RecordKind::Pass => "pass",
            RecordKind::Vehicle => "vehicle",
            RecordKind::GoodsSlip => "goods_slip",
            RecordKind::Shift => "shift",
            RecordKind::TrainingAnswer => "training_answer",
        }
    }

    /// The kind of a key; `None` for a kind this gateward does not know (a newer one's).
    pub fn from_key(key: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// What records of the kind are called, in Chinese and English, for the user.
    pub fn named(self) -> &'static str {
        match self {
            RecordKind::Person => "人 people",
            RecordKind::Visit => "条来访 visits",
            RecordKind::Household => "户 households",
            RecordKind::User => "个账号 users",
            RecordKind::Session => "个登录 sessions",
            RecordKind::Pass => "张出入证 passes",
            RecordKind::Vehicle => "辆登记车辆 vehicles",
            RecordKind::GoodsSlip => "张放行条 goods slips",
            RecordKind::Shift => "个班次记录 shift records",
            RecordKind::TrainingAnswer => "条培训答题 training answers",
        }
    }

    /// The table of a kind kept as one row per record; `None` for people and visits.
    fn rows(self) -> Option<&'static RowTable> {
        match self {
            RecordKind::Person | RecordKind::Visit => None,
            RecordKind::Household => Some(&rows::HOUSEHOLDS),
            RecordKind::User => Some(&rows::USERS),
            RecordKind::Session => Some(&rows::SESSIONS),
            RecordKind::Pass => Some(&rows::PASSES),
            RecordKind::Vehicle => Some(&rows::VEHICLES),
            RecordKind::GoodsSlip => Some(&rows::GOODS_SLIPS),
            RecordKind::Shift => Some(&rows::SHIFTS),
            RecordKind::TrainingAnswer => Some(&rows::TRAINING_ANSWERS),
        }
    }
}

/// One record as the boxes exchange it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDoc {
    pub kind: RecordKind,
    /// The id the box that made the record gave it.
    pub uid: String,
    /// The record (JSON); `None`: it was deleted.
    pub doc: Option<serde_json::Value>,
}

impl RecordDoc {
    /// A new person's record (a fresh id, nothing else known of them) with `faces` made by
    /// `model`: what `bench store` fills a shared store with.
    pub fn new_person(
        name: &str,
        class: PersonClass,
        model: &str,
        faces: &[Vec<f32>],
    ) -> RecordDoc {
        let now = chrono::Utc::now().timestamp_millis();
        let doc = PersonDoc {
            name: name.to_owned(),
            class: class.key().to_owned(),
            title: String::new(),
            household: None,
            status: "active".to_owned(),
            appearance_notes: String::new(),
            habit_notes: String::new(),
            ask_not_to_notify: false,
            created_ms: now,
            updated_ms: now,
            faces: faces
                .iter()
                .map(|v| FaceDoc {
                    model: model.to_owned(),
                    dim: v.len() as i64,
                    vector: B64.encode(to_blob(v)),
                    source: "enrolled".to_owned(),
                    created_ms: now,
                    thumbnail: None,
                })
                .collect(),
            corrections: Vec::new(),
            consents: Vec::new(),
        };
        RecordDoc {
            kind: RecordKind::Person,
            uid: uuid::Uuid::now_v7().simple().to_string(),
            doc: serde_json::to_value(doc).ok(),
        }
    }

    /// The faces made by `model` in a person's record; none for a visit, a deleted person or a
    /// record that cannot be read.
    pub fn person_faces(&self, model: &str) -> Vec<Vec<f32>> {
        let Some(doc) = self
            .doc
            .as_ref()
            .filter(|_| self.kind == RecordKind::Person)
        else {
            return Vec::new();
        };
        let Ok(person) = PersonDoc::deserialize(doc) else {
            return Vec::new();
        };
        person
            .faces
            .iter()
            .filter(|f| f.model == model)
            .filter_map(|f| vector(&f.vector, f.dim).ok())
            .map(|b| from_blob(&b))
            .collect()
    }
}

/// A record as another box wrote it to the shared store.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledRecord {
    /// Its place in the shared store's order of changes.
    pub seq: i64,
    /// The box that wrote this version.
    pub box_name: String,
    pub record: RecordDoc,
}

/// What applying the other boxes' records changed here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// People added or changed (their ids on this box): their faces are to be looked at again.
    pub people: Vec<i64>,
    /// People deleted (their ids on this box, before the deletion).
    pub removed: Vec<i64>,
    /// Visits added or changed.
    pub visits: usize,
    /// Other records (households, users, vehicles, passes…) added, changed or deleted.
    pub rows: usize,
    /// Records skipped: changed on this box since and not sent yet (this box's version is sent
    /// next, and wins), or not readable (a warning says why).
    pub skipped: usize,
}

/// A person's faces of one model, as the gallery takes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonFaces {
    /// Their enrolled and learned faces.
    pub faces: Vec<Vec<f32>>,
    /// Faces a guard said are not them.
    pub excluded: Vec<Vec<f32>>,
}

/// A record from the shared store, read.
enum Parsed {
    Person(PersonDoc),
    Visit(VisitDoc),
    /// A row of a [`RowTable`] (read as it is applied).
    Row,
    /// Deleted at the box that wrote it.
    Deleted,
    /// Cannot be read (a warning said why).
    Broken,
}

/// A person as the boxes exchange it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PersonDoc {
    name: String,
    class: String,
    title: String,
    household: Option<String>,
    status: String,
    appearance_notes: String,
    habit_notes: String,
    ask_not_to_notify: bool,
    created_ms: i64,
    updated_ms: i64,
    faces: Vec<FaceDoc>,
    corrections: Vec<CorrectionDoc>,
    consents: Vec<ConsentDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FaceDoc {
    model: String,
    dim: i64,
    /// `dim` little-endian f32, base64.
    vector: String,
    source: String,
    created_ms: i64,
    /// The face crop: its file's extension and content (base64), when there is one.
    thumbnail: Option<ThumbnailDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ThumbnailDoc {
    ext: String,
    data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CorrectionDoc {
    model: String,
    dim: i64,
    vector: String,
    created_ms: i64,
    actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ConsentDoc {
    given_by: String,
    given_on: String,
    method: String,
    note: String,
    recorded_by: String,
    recorded_ms: i64,
}

/// A visit as the boxes exchange it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VisitDoc {
    /// The box the visitor was registered at.
    registered_at: String,
    visitor_surname: String,
    room: String,
    household: Option<String>,
    purpose: String,
    id_checked: bool,
    resident_confirmed: bool,
    notified: String,
    time_in_ms: i64,
    time_out_ms: Option<i64>,
    guard: String,
    /// The number of the pass the visitor was given, if any.
    #[serde(default)]
    pass: Option<String>,
}

impl Store {
    /// This box's records changed since they were last sent to the shared store `store`, up to
    /// `limit` changes, each record once and as it is now; and the last change they cover (to
    /// give [`Store::mark_records_sent`] once the shared store has them), `None` when nothing
    /// changed. `box_name` is this box's, written into the visits registered here.
    pub fn records_to_send(
        &self,
        store: &str,
        box_name: &str,
        limit: usize,
    ) -> Result<(Vec<RecordDoc>, Option<i64>), StoreError> {
        let store = store.to_owned();
        let box_name = box_name.to_owned();
        let data = data_dir(self.path());
        self.read(move |c, _| {
            let after = sent_seq(c, &store)?;
            let mut st = c.prepare_cached(
                "SELECT seq, kind, uid FROM sync_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let changes = st
                .query_map(params![after, limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let last = changes.last().map(|c| c.0);
            let mut seen = HashSet::new();
            let mut docs = Vec::new();
            for (_, kind, uid) in changes {
                let Some(kind) = RecordKind::from_key(&kind) else {
                    continue;
                };
                if !seen.insert((kind, uid.clone())) {
                    continue;
                }
                let doc = record_doc(c, &data, &box_name, kind, &uid)?;
                docs.push(RecordDoc { kind, uid, doc });
            }
            Ok((docs, last))
        })
    }

    /// How many changes of this box the shared store `store` has not been sent yet.
    pub fn records_pending(&self, store: &str) -> Result<u64, StoreError> {
        let store = store.to_owned();
        self.read(move |c, _| {
            let after = sent_seq(c, &store)?;
            c.query_row(
                "SELECT count(DISTINCT kind || uid) FROM sync_changes WHERE seq > ?1",
                [after],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n.max(0) as u64)
    }

    /// Notes that the shared store `store` has this box's changes up to `seq`.
    pub fn mark_records_sent(&self, store: &str, seq: i64) -> Result<(), StoreError> {
        let store = store.to_owned();
        self.write(move |conn, ctx| {
            conn.execute(
                "INSERT INTO uplink (store, records_sent_seq) VALUES (?1, ?2) \
                 ON CONFLICT (store) DO UPDATE SET \
                 records_sent_seq = max(records_sent_seq, excluded.records_sent_seq)",
                params![store, seq],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// The last of the shared store's changes applied here.
    pub fn records_pulled(&self, store: &str) -> Result<i64, StoreError> {
        let store = store.to_owned();
        self.read(move |c, _| {
            c.query_row(
                "SELECT records_pulled_seq FROM uplink WHERE store = ?1",
                [&store],
                |r| r.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
        })
    }

    /// Applies the other boxes' records, in the shared store's order, and notes `until_seq` as
    /// taken. `box_name` is this box's (the visits registered at it are its own). A record
    /// changed here and not sent yet is left as it is here (it is sent next). A record that
    /// cannot be read or stored is skipped with a warning; the others are applied.
    pub fn apply_records(
        &self,
        store: &str,
        box_name: &str,
        records: Vec<PulledRecord>,
        until_seq: i64,
    ) -> Result<Applied, StoreError> {
        let store = store.to_owned();
        let box_name = box_name.to_owned();
        let data = data_dir(self.path());
        // the face crops first, outside the transaction: a crop nobody names is harmless
        let records: Vec<(PulledRecord, Parsed)> = records
            .into_iter()
            .map(|r| {
                let parsed = match (r.record.kind, &r.record.doc) {
                    (_, None) => Parsed::Deleted,
                    (RecordKind::Person, Some(d)) => {
                        parse::<PersonDoc>(&r, d).map_or(Parsed::Broken, Parsed::Person)
                    }
                    (RecordKind::Visit, Some(d)) => {
                        parse::<VisitDoc>(&r, d).map_or(Parsed::Broken, Parsed::Visit)
                    }
                    (_, Some(_)) => Parsed::Row,
                };
                (r, parsed)
            })
            .collect();
        let mut crops = Vec::new();
        for (_, parsed) in &records {
            if let Parsed::Person(p) = parsed {
                for face in &p.faces {
                    crops.push(save_crop(&data, face.thumbnail.as_ref()));
                }
            }
        }
        self.write(move |conn, ctx| {
            let err = |e| ctx.err(e);
            let sent = sent_seq(conn, &store).map_err(err)?;
            conn.execute("INSERT OR IGNORE INTO sync_applying (one) VALUES (1)", [])
                .map_err(err)?;
            let mut applied = Applied::default();
            // files the records named before: deleted when none does any more
            let mut stale: Vec<String> = Vec::new();
            let mut crops = crops.into_iter();
            for (r, parsed) in records {
                let uid = &r.record.uid;
                let kind = r.record.kind;
                let faces = match &parsed {
                    Parsed::Person(p) => p.faces.len(),
                    _ => 0,
                };
                let crops: Vec<Option<String>> = crops.by_ref().take(faces).collect();
                let pending: bool = conn
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM sync_changes WHERE kind = ?1 AND uid = ?2 \
                         AND seq > ?3)",
                        params![kind.key(), uid, sent],
                        |row| row.get(0),
                    )
                    .map_err(err)?;
                let local = kind.rows().is_some_and(|t| !t.shares(uid));
                if pending || local || matches!(parsed, Parsed::Broken) {
                    applied.skipped += 1;
                    continue;
                }
                conn.execute("SAVEPOINT record", []).map_err(err)?;
                let done: Result<(), String> = match (kind.rows(), parsed) {
                    (Some(t), Parsed::Row) => {
                        let doc = r.record.doc.as_ref().unwrap_or(&serde_json::Value::Null);
                        apply_row(conn, t, uid, doc)
                            .map(|()| applied.rows += 1)
                            .map_err(|e| e.to_string())
                    }
                    (Some(t), _) => delete_row(conn, t, uid)
                        .map(|n| applied.rows += n)
                        .map_err(|e| e.to_string()),
                    (None, Parsed::Person(p)) => {
                        apply_person(conn, ctx, uid, &r.box_name, &p, &crops)
                            .map(|(id, old)| {
                                applied.people.push(id);
                                stale.extend(old);
                            })
                            .map_err(|e| e.to_string())
                    }
                    (None, Parsed::Visit(v)) => apply_visit(conn, uid, &box_name, &v)
                        .map(|()| applied.visits += 1)
                        .map_err(|e| e.to_string()),
                    (None, _) if kind == RecordKind::Person => {
                        remove_person(conn, ctx, uid, &r.box_name)
                            .map(|gone| {
                                if let Some((id, files)) = gone {
                                    applied.removed.push(id);
                                    stale.extend(files);
                                }
                            })
                            .map_err(|e| e.to_string())
                    }
                    (None, _) => conn
                        .execute("DELETE FROM visits WHERE uid = ?1", [uid])
                        .map(|n| applied.visits += n)
                        .map_err(|e| e.to_string()),
                };
                match done {
                    Ok(()) => {
                        conn.execute("RELEASE record", []).map_err(err)?;
                    }
                    Err(e) => {
                        conn.execute("ROLLBACK TO record", []).map_err(err)?;
                        conn.execute("RELEASE record", []).map_err(err)?;
                        tracing::warn!(
                            kind = kind.key(),
                            uid = %uid,
                            from = %r.box_name,
                            "a record from the shared store was not stored here: {e}"
                        );
                        applied.skipped += 1;
                    }
                }
            }
            conn.execute("DELETE FROM sync_applying", []).map_err(err)?;
            conn.execute(
                "INSERT INTO uplink (store, records_pulled_seq) VALUES (?1, ?2) \
                 ON CONFLICT (store) DO UPDATE SET \
                 records_pulled_seq = max(records_pulled_seq, excluded.records_pulled_seq)",
                params![store, until_seq],
            )
            .map_err(err)?;
            stale.sort();
            stale.dedup();
            let orphans = unnamed(conn, stale).map_err(err)?;
            Ok((applied, orphans))
        })
        .map(|(applied, orphans)| {
            for f in orphans {
                if let Err(e) = std::fs::remove_file(data.join(&f))
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!("cannot delete {f}, which no record names any more: {e}");
                }
            }
            applied
        })
    }

    /// The faces of `person` made by `model`, and the faces a guard said are not them: what the
    /// running gallery holds of them.
    pub fn faces_of(&self, person: i64, model: &str) -> Result<PersonFaces, StoreError> {
        let model = model.to_owned();
        self.read(move |c, _| {
            let vectors = |sql: &str| -> rusqlite::Result<Vec<Vec<f32>>> {
                let mut st = c.prepare_cached(sql)?;
                let rows = st.query_map(params![person, model], |r| {
                    Ok(from_blob(&r.get::<_, Vec<u8>>(0)?))
                })?;
                rows.collect()
            };
            Ok(PersonFaces {
                faces: vectors(
                    "SELECT vector FROM face_embeddings WHERE person_id = ?1 AND model = ?2 \
                     ORDER BY id",
                )?,
                excluded: vectors(
                    "SELECT vector FROM face_corrections WHERE person_id = ?1 AND model = ?2 \
                     ORDER BY id",
                )?,
            })
        })
    }

    /// How many of the records `uids` of `kind` this box holds.
    pub fn records_present(&self, kind: RecordKind, uids: &[String]) -> Result<usize, StoreError> {
        let uids = uids.to_vec();
        self.read(move |c, _| {
            let mut n = 0;
            for uid in &uids {
                let here = match kind.rows() {
                    Some(t) => row_present(c, t, uid)?,
                    None if kind == RecordKind::Person => c
                        .prepare_cached("SELECT 1 FROM people WHERE uid = ?1")?
                        .exists([uid])?,
                    None => c
                        .prepare_cached("SELECT 1 FROM visits WHERE uid = ?1")?
                        .exists([uid])?,
                };
                n += usize::from(here);
            }
            Ok(n)
        })
    }

    /// Every record of this box the boxes share, as documents (for `gateward store copy`), in
    /// the order of [`RecordKind::ALL`].
    pub fn all_records(&self, box_name: &str) -> Result<Vec<RecordDoc>, StoreError> {
        let box_name = box_name.to_owned();
        let data = data_dir(self.path());
        self.read(move |c, _| {
            let uids = |sql: &str| -> rusqlite::Result<Vec<String>> {
                let mut st = c.prepare(sql)?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect()
            };
            let mut docs = Vec::new();
            for kind in RecordKind::ALL {
                let keys = match kind.rows() {
                    Some(t) => row_keys(c, t)?,
                    None if kind == RecordKind::Person => {
                        uids("SELECT uid FROM people WHERE uid IS NOT NULL ORDER BY id")?
                    }
                    None => uids("SELECT uid FROM visits WHERE uid IS NOT NULL ORDER BY id")?,
                };
                for uid in keys {
                    if let Some(doc) = record_doc(c, &data, &box_name, kind, &uid)? {
                        docs.push(RecordDoc {
                            kind,
                            uid,
                            doc: Some(doc),
                        });
                    }
                }
            }
            Ok(docs)
        })
    }
}

/// The record `uid` of `kind` as a document; `None` when this box has no such record.
fn record_doc(
    c: &Connection,
    data: &Path,
    box_name: &str,
    kind: RecordKind,
    uid: &str,
) -> rusqlite::Result<Option<serde_json::Value>> {
    let json = |d: Result<serde_json::Value, serde_json::Error>| d.unwrap_or_default();
    Ok(match kind.rows() {
        Some(t) => row_doc(c, t, uid)?,
        None if kind == RecordKind::Person => {
            person_doc(c, data, uid)?.map(|d| json(serde_json::to_value(d)))
        }
        None => visit_doc(c, box_name, uid)?.map(|d| json(serde_json::to_value(d))),
    })
}

fn data_dir(db: &Path) -> PathBuf {
    db.parent().map_or_else(PathBuf::new, Path::to_path_buf)
}

fn sent_seq(c: &Connection, store: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT records_sent_seq FROM uplink WHERE store = ?1",
        [store],
        |r| r.get(0),
    )
    .optional()
    .map(Option::unwrap_or_default)
}

fn parse<T: serde::de::DeserializeOwned>(r: &PulledRecord, doc: &serde_json::Value) -> Option<T> {
    match T::deserialize(doc) {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(
                kind = r.record.kind.key(),
                uid = %r.record.uid,
                from = %r.box_name,
                "a record from the shared store cannot be read (written by a newer gateward?): {e}"
            );
            None
        }
    }
}

fn person_doc(c: &Connection, data: &Path, uid: &str) -> rusqlite::Result<Option<PersonDoc>> {
    let person = c
        .query_row(
            "SELECT p.id, p.name, p.class, p.title, h.code, p.status, p.appearance_notes, \
             p.habit_notes, p.ask_not_to_notify, p.created_ms, p.updated_ms FROM people p \
             LEFT JOIN households h ON h.id = p.household_id WHERE p.uid = ?1",
            [uid],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    PersonDoc {
                        name: r.get(1)?,
                        class: r.get(2)?,
                        title: r.get(3)?,
                        household: r.get(4)?,
                        status: r.get(5)?,
                        appearance_notes: r.get(6)?,
                        habit_notes: r.get(7)?,
                        ask_not_to_notify: r.get(8)?,
                        created_ms: r.get(9)?,
                        updated_ms: r.get(10)?,
                        faces: Vec::new(),
                        corrections: Vec::new(),
                        consents: Vec::new(),
                    },
                ))
            },
        )
        .optional()?;
    let Some((id, mut doc)) = person else {
        return Ok(None);
    };
    let mut st = c.prepare_cached(
        "SELECT model, dim, vector, source, created_ms, thumbnail FROM face_embeddings \
         WHERE person_id = ?1 ORDER BY id",
    )?;
    doc.faces = st
        .query_map([id], |r| {
            let thumbnail: Option<String> = r.get(5)?;
            Ok(FaceDoc {
                model: r.get(0)?,
                dim: r.get(1)?,
                vector: B64.encode(r.get::<_, Vec<u8>>(2)?),
                source: r.get(3)?,
                created_ms: r.get(4)?,
                thumbnail: thumbnail.and_then(|t| read_crop(data, &t)),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = c.prepare_cached(
        "SELECT model, dim, vector, created_ms, actor FROM face_corrections \
         WHERE person_id = ?1 ORDER BY id",
    )?;
    doc.corrections = st
        .query_map([id], |r| {
            Ok(CorrectionDoc {
                model: r.get(0)?,
                dim: r.get(1)?,
                vector: B64.encode(r.get::<_, Vec<u8>>(2)?),
                created_ms: r.get(3)?,
                actor: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = c.prepare_cached(
        "SELECT given_by, given_on, method, note, recorded_by, recorded_ms FROM consents \
         WHERE person_id = ?1 ORDER BY id",
    )?;
    doc.consents = st
        .query_map([id], |r| {
            Ok(ConsentDoc {
                given_by: r.get(0)?,
                given_on: r.get(1)?,
                method: r.get(2)?,
                note: r.get(3)?,
                recorded_by: r.get(4)?,
                recorded_ms: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(doc))
}

fn visit_doc(c: &Connection, box_name: &str, uid: &str) -> rusqlite::Result<Option<VisitDoc>> {
    c.query_row(
        "SELECT coalesce(v.box, ?2), v.visitor_surname, v.room, h.code, v.purpose, v.id_checked, \
         v.resident_confirmed, v.notified, v.time_in_ms, v.time_out_ms, v.guard, \
         (SELECT number FROM passes WHERE id = v.pass_id) FROM visits v \
         LEFT JOIN households h ON h.id = v.household_id WHERE v.uid = ?1",
        params![uid, box_name],
        |r| {
            Ok(VisitDoc {
                registered_at: r.get(0)?,
                visitor_surname: r.get(1)?,
                room: r.get(2)?,
                household: r.get(3)?,
                purpose: r.get(4)?,
                id_checked: r.get(5)?,
                resident_confirmed: r.get(6)?,
                notified: r.get(7)?,
                time_in_ms: r.get(8)?,
                time_out_ms: r.get(9)?,
                guard: r.get(10)?,
                pass: r.get(11)?,
            })
        },
    )
    .optional()
}

/// A face crop of the data folder as a document carries it; `None` when its file is gone.
fn read_crop(data: &Path, path: &str) -> Option<ThumbnailDoc> {
    let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
    let bytes = std::fs::read(data.join(path)).ok()?;
    Some(ThumbnailDoc {
        ext,
        data: B64.encode(bytes),
    })
}

/// Writes a face crop from another box as `faces/<sha256 of its content>.<ext>` (its name
/// there is not trusted); returns its path in the data folder.
fn save_crop(data: &Path, crop: Option<&ThumbnailDoc>) -> Option<String> {
    let crop = crop?;
    let ext = match crop.ext.as_str() {
        e @ ("png" | "jpg" | "jpeg" | "webp") => e,
        _ => return None,
    };
    let bytes = B64.decode(&crop.data).ok()?;
    let name = format!("faces/{}.{ext}", hex::encode(Sha256::digest(&bytes)));
    let path = data.join(&name);
    if !path.is_file() {
        let dir = data.join("faces");
        let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &bytes));
        if let Err(e) = written {
            tracing::warn!("cannot write a face crop from the shared store to {name}: {e}");
            return None;
        }
    }
    Some(name)
}

fn household_id(conn: &Connection, code: Option<&str>) -> rusqlite::Result<Option<i64>> {
    code.filter(|c| !c.is_empty())
        .map(|c| rows::ensure_household(conn, c))
        .transpose()
}

fn vector(b64: &str, dim: i64) -> Result<Vec<u8>, StoreError> {
    let bytes = B64.decode(b64).map_err(|e| StoreError::Invalid {
        what: "face vector",
        message: e.to_string(),
    })?;
    if bytes.len() as i64 != 4 * dim {
        return Err(StoreError::Invalid {
            what: "face vector",
            message: format!("{} bytes for {dim} values", bytes.len()),
        });
    }
    Ok(bytes)
}

/// Stores a person from another box (added, or replacing what this box had of them); returns
/// their id here and the face crops their faces here had.
fn apply_person(
    conn: &Connection,
    ctx: &Ctx,
    uid: &str,
    from: &str,
    p: &PersonDoc,
    crops: &[Option<String>],
) -> Result<(i64, Vec<String>), StoreError> {
    let err = |e| ctx.err(e);
    let household = household_id(conn, p.household.as_deref()).map_err(err)?;
    let id: i64 = conn
        .query_row(
            "INSERT INTO people (uid, name, class, title, household_id, status, \
             appearance_notes, habit_notes, ask_not_to_notify, created_ms, updated_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (uid) DO UPDATE SET name = excluded.name, class = excluded.class, \
             title = excluded.title, household_id = excluded.household_id, \
             status = excluded.status, appearance_notes = excluded.appearance_notes, \
             habit_notes = excluded.habit_notes, ask_not_to_notify = excluded.ask_not_to_notify, \
             updated_ms = excluded.updated_ms RETURNING id",
            params![
                uid,
                p.name,
                p.class,
                p.title,
                household,
                p.status,
                p.appearance_notes,
                p.habit_notes,
                p.ask_not_to_notify,
                p.created_ms,
                p.updated_ms
            ],
            |r| r.get(0),
        )
        .map_err(err)?;
    let old_crops: Vec<String> = {
        let mut st = conn
            .prepare_cached(
                "SELECT thumbnail FROM face_embeddings WHERE person_id = ?1 \
                 AND thumbnail IS NOT NULL",
            )
            .map_err(err)?;
        st.query_map([id], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
            .map_err(err)?
    };
    for table in ["face_embeddings", "face_corrections", "consents"] {
        conn.execute(&format!("DELETE FROM {table} WHERE person_id = ?1"), [id])
            .map_err(err)?;
    }
    for (face, crop) in p.faces.iter().zip(crops) {
        conn.execute(
            "INSERT INTO face_embeddings (person_id, model, dim, vector, thumbnail, created_ms, \
             source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                face.model,
                face.dim,
                vector(&face.vector, face.dim)?,
                crop,
                face.created_ms,
                face.source
            ],
        )
        .map_err(err)?;
    }
    for c in &p.corrections {
        conn.execute(
            "INSERT INTO face_corrections (person_id, model, dim, vector, created_ms, actor) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                c.model,
                c.dim,
                vector(&c.vector, c.dim)?,
                c.created_ms,
                c.actor
            ],
        )
        .map_err(err)?;
    }
    for c in &p.consents {
        conn.execute(
            "INSERT INTO consents (person_id, given_by, given_on, method, note, recorded_by, \
             recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                c.given_by,
                c.given_on,
                c.method,
                c.note,
                c.recorded_by,
                c.recorded_ms
            ],
        )
        .map_err(err)?;
    }
    append_tx(
        conn,
        ctx,
        from,
        "person.shared",
        &format!("person:{id}"),
        &format!("{}：{} 张人脸，来自 {from}", p.name, p.faces.len()),
    )?;
    Ok((id, old_crops))
}

/// Deletes a person another box deleted, as a deletion made here does (their faces, photos,
/// the faces seen of them, their name in the gate log); returns their id here, if this box had
/// them, and the files no record names any more.
fn remove_person(
    conn: &Connection,
    ctx: &Ctx,
    uid: &str,
    from: &str,
) -> Result<Option<(i64, Vec<String>)>, StoreError> {
    let id: Option<i64> = conn
        .query_row("SELECT id FROM people WHERE uid = ?1", [uid], |r| r.get(0))
        .optional()
        .map_err(|e| ctx.err(e))?;
    let Some(id) = id else {
        return Ok(None);
    };
    let gone = delete_person_tx(conn, ctx, &format!("{from}（共享数据库）"), id)?;
    Ok(Some((id, gone.orphan_files)))
}

/// Stores a visit from another box (added, or its sign-out).
fn apply_visit(conn: &Connection, uid: &str, box_name: &str, v: &VisitDoc) -> rusqlite::Result<()> {
    let household = household_id(conn, v.household.as_deref())?;
    let registered_at = (v.registered_at != box_name).then_some(v.registered_at.as_str());
    conn.execute(
        "INSERT INTO visits (uid, box, visitor_surname, room, household_id, purpose, id_checked, \
         resident_confirmed, notified, time_in_ms, time_out_ms, guard, pass_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
         (SELECT id FROM passes WHERE number = ?13)) \
         ON CONFLICT (uid) DO UPDATE SET box = excluded.box, \
         visitor_surname = excluded.visitor_surname, room = excluded.room, \
         household_id = excluded.household_id, purpose = excluded.purpose, \
         id_checked = excluded.id_checked, resident_confirmed = excluded.resident_confirmed, \
         notified = excluded.notified, time_in_ms = excluded.time_in_ms, \
         time_out_ms = excluded.time_out_ms, guard = excluded.guard, pass_id = excluded.pass_id",
        params![
            uid,
            registered_at,
            v.visitor_surname,
            v.room,
            household,
            v.purpose,
            v.id_checked,
            v.resident_confirmed,
            v.notified,
            v.time_in_ms,
            v.time_out_ms,
            v.guard,
            v.pass
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::people::{NewFaceEmbedding, NewPerson};

    fn pulled(from: &str, seq: i64, record: RecordDoc) -> PulledRecord {
        PulledRecord {
            seq,
            box_name: from.to_owned(),
            record,
        }
    }

    #[test]
    fn a_person_enrolled_on_one_box_arrives_with_their_faces_on_another_and_is_not_sent_back() {
        let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = Store::open(a_dir.path().join("gateward.sqlite")).unwrap();
        let b = Store::open(b_dir.path().join("gateward.sqlite")).unwrap();
        std::fs::create_dir_all(a_dir.path().join("faces")).unwrap();
        std::fs::write(a_dir.path().join("faces/x.png"), b"\x89PNG crop").unwrap();
        a.upsert_household(
            "经理",
            crate::store::people::NewHousehold {
                code: "3-2-1502".to_owned(),
                notes: String::new(),
            },
        )
        .unwrap();
        let mut p = NewPerson::new("陈静", PersonClass::Resident);
        p.household = Some("3-2-1502".to_owned());
        let id = a.insert_person("经理", p).unwrap();
        let face: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
        a.add_face_embedding(NewFaceEmbedding {
            person_id: id,
            model: "m".to_owned(),
            vector: face.clone(),
            thumbnail: Some("faces/x.png".to_owned()),
            photo_id: None,
        })
        .unwrap();
        let (docs, last) = a.records_to_send("s", "北门", 100).unwrap();
        let kinds: Vec<RecordKind> = docs.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            vec![RecordKind::Household, RecordKind::Person],
            "the household, then the person once, however many changes: {docs:?}"
        );
        assert_eq!(a.records_pending("s").unwrap(), 2);
        a.mark_records_sent("s", last.unwrap()).unwrap();
        assert_eq!(a.records_pending("s").unwrap(), 0);

        let applied = b
            .apply_records(
                "s",
                "东门",
                vec![
                    pulled("北门", 6, docs[0].clone()),
                    pulled("北门", 7, docs[1].clone()),
                ],
                7,
            )
            .unwrap();
        assert_eq!(applied.rows, 1, "the household");
        assert_eq!(applied.people.len(), 1);
        let chen = &b.people_named("陈静").unwrap()[0];
        assert_eq!(chen.household.as_deref(), Some("3-2-1502"));
        let theirs = b.faces_of(chen.id, "m").unwrap();
        assert_eq!(theirs.faces, vec![face]);
        assert!(theirs.excluded.is_empty());
        let crop = b.face_embeddings("m").unwrap()[0]
            .thumbnail
            .clone()
            .unwrap();
        assert_eq!(
            std::fs::read(b_dir.path().join(&crop)).unwrap(),
            b"\x89PNG crop"
        );
        assert_eq!(b.records_pulled("s").unwrap(), 7);
        // what was applied is not sent back
        assert_eq!(b.records_pending("s").unwrap(), 0);

        // deleted at 北门: gone at 东门
        a.delete_person("经理", id).unwrap();
        let (docs, _) = a.records_to_send("s", "北门", 100).unwrap();
        assert_eq!(docs[0].doc, None);
        let applied = b
            .apply_records("s", "东门", vec![pulled("北门", 8, docs[0].clone())], 8)
            .unwrap();
        assert_eq!(applied.removed, vec![chen.id]);
        assert!(b.people_named("陈静").unwrap().is_empty());
        assert!(
            !b_dir.path().join(&crop).exists(),
            "her face crop is deleted at the other box too"
        );
        let audit = b
            .audit_entries(&crate::store::audit::AuditQuery {
                action: Some("delete".to_owned()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].actor, "北门（共享数据库）");
    }

    #[test]
    fn a_visitor_registered_at_one_box_is_signed_out_at_another_and_keeps_where_they_came_in() {
        let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = Store::open(a_dir.path().join("gateward.sqlite")).unwrap();
        let b = Store::open(b_dir.path().join("gateward.sqlite")).unwrap();
        let at = chrono::Utc::now();
        a.register_visit(
            "张三",
            crate::store::visits::NewVisit {
                visitor_surname: "孙".to_owned(),
                room: "3-2-1502".to_owned(),
                purpose: crate::domain::VisitPurpose::Visitor,
                id_checked: true,
                resident_confirmed: true,
                notified: Vec::new(),
                time_in: at,
                pass_id: None,
                guard: "张三".to_owned(),
                arrival_id: None,
            },
        )
        .unwrap();
        let (docs, last) = a.records_to_send("s", "东门岗亭", 10).unwrap();
        a.mark_records_sent("s", last.unwrap()).unwrap();
        b.apply_records(
            "s",
            "北门岗亭",
            vec![pulled("东门岗亭", 1, docs[0].clone())],
            1,
        )
        .unwrap();
        let inside = b.visitors_inside().unwrap();
        assert_eq!(inside[0].registered_at.as_deref(), Some("东门岗亭"));
        // signed out at 北门: sent back as registered at 东门, and 东门 has it out
        b.visit_out("李四", inside[0].id, at + chrono::Duration::minutes(30))
            .unwrap();
        let (docs, _) = b.records_to_send("s", "北门岗亭", 10).unwrap();
        assert_eq!(docs[0].doc.as_ref().unwrap()["registered_at"], "东门岗亭");
        a.apply_records(
            "s",
            "东门岗亭",
            vec![pulled("北门岗亭", 2, docs[0].clone())],
            2,
        )
        .unwrap();
        assert!(a.visitors_inside().unwrap().is_empty());
        let today = a
            .visits(
                at - chrono::Duration::hours(1),
                at + chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(today.len(), 1);
        assert_eq!(today[0].registered_at, None, "东门's own visit");
    }

    /// Sends everything box `a` has not sent yet to box `b`, as the uplink would.
    fn sync(a: &Store, a_name: &str, b: &Store, b_name: &str, seq: &mut i64) -> Applied {
        let (docs, last) = a.records_to_send("s", a_name, 1000).unwrap();
        if let Some(last) = last {
            a.mark_records_sent("s", last).unwrap();
        }
        let pulled: Vec<PulledRecord> = docs
            .into_iter()
            .map(|d| {
                *seq += 1;
                pulled(a_name, *seq, d)
            })
            .collect();
        b.apply_records("s", b_name, pulled, *seq).unwrap()
    }

    #[test]
    fn accounts_sessions_passes_vehicles_slips_shifts_and_training_reach_the_other_box() {
        use crate::domain::{Desk, PassPurpose, Role, Shift, VehicleKind};
        use crate::store::goods::NewGoodsSlip;
        use crate::store::passes::NewPass;
        use crate::store::shifts::NewShiftRecord;
        use crate::store::users::NewUser;
        use crate::store::vehicles::{NewVehicle, VehicleOwner};
        let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = Store::open(a_dir.path().join("gateward.sqlite")).unwrap();
        let b = Store::open(b_dir.path().join("gateward.sqlite")).unwrap();
        let now = chrono::Utc::now();
        let mut seq = 0;
        // 东门 has a user of its own already: ids differ between the boxes
        b.add_user(
            "system",
            NewUser {
                login: "admin".to_owned(),
                name: "管理员".to_owned(),
                role: Role::Admin,
                post: Desk::Gate,
                password_hash: "h0".to_owned(),
                started: None,
                must_change: false,
            },
        )
        .unwrap();

        let zhang = a
            .add_user(
                "经理",
                NewUser {
                    login: "zhangsan".to_owned(),
                    name: "张三".to_owned(),
                    role: Role::Guard,
                    post: Desk::Gate,
                    password_hash: "$argon2id$h1".to_owned(),
                    started: None,
                    must_change: false,
                },
            )
            .unwrap();
        a.start_session(
            "t1".to_owned(),
            zhang,
            "c1".to_owned(),
            now + chrono::Duration::hours(8),
        )
        .unwrap();
        let mut chen = NewPerson::new("陈静", PersonClass::Resident);
        chen.household = Some("3-2-1502".to_owned());
        a.upsert_household(
            "经理",
            crate::store::people::NewHousehold {
                code: "3-2-1502".to_owned(),
                notes: "有老人，行动不便".to_owned(),
            },
        )
        .unwrap();
        let chen = a.insert_person("经理", chen).unwrap();
        a.add_training_answer(
            zhang,
            crate::store::training::TrainingAnswer {
                card: crate::domain::training::CardKey {
                    exercise: crate::domain::training::Exercise::FaceName,
                    subject: crate::domain::training::Subject::Person(chen),
                },
                at: now,
                correct: true,
            },
        )
        .unwrap();
        a.issue_pass(
            "经理",
            NewPass {
                number: "P-0042".to_owned(),
                holder_person_id: Some(chen),
                purpose: PassPurpose::Renovation,
                issued: now,
                expires: None,
            },
        )
        .unwrap();
        let mut car = NewVehicle::new("粤B·D12345", VehicleKind::Household);
        car.owner = Some(VehicleOwner::Person(chen));
        a.add_vehicle("经理", car).unwrap();
        a.record_goods_slip(
            "张三",
            NewGoodsSlip {
                slip_number: "F-7".to_owned(),
                person_id: Some(chen),
                household: Some("3-2-1502".to_owned()),
                items: "旧沙发一张".to_owned(),
                issued_by: "物业前台".to_owned(),
                matches: true,
                at: now,
            },
        )
        .unwrap();
        let today = now.date_naive();
        a.save_shift_record(
            "张三",
            NewShiftRecord {
                gate: "北门".to_owned(),
                date: today,
                shift: Shift::Morning,
                guard: "张三".to_owned(),
                notes: "3-2-1502 装修".to_owned(),
                follow_ups: "明早收回出入证".to_owned(),
                handed_over: false,
            },
        )
        .unwrap();
        let applied = sync(&a, "北门", &b, "东门", &mut seq);
        assert_eq!(applied.skipped, 0, "{applied:?}");

        let theirs = b.user_by_login("zhangsan").unwrap().unwrap();
        assert_eq!(theirs.name, "张三");
        assert_ne!(theirs.id, zhang, "another id at the other box");
        let session = b.session("t1", now).unwrap().unwrap();
        assert_eq!(session.user.login, "zhangsan");
        assert_eq!(b.training_answers(theirs.id).unwrap().len(), 1);
        assert_eq!(
            b.household("3-2-1502").unwrap().unwrap().notes,
            "有老人，行动不便"
        );
        let pass = b.pass("P-0042").unwrap().unwrap();
        assert_eq!(pass.holder.as_deref(), Some("陈静"));
        let cars = b.find_vehicles("粤B·D12345").unwrap();
        assert_eq!(cars.len(), 1);
        assert_eq!(cars[0].owner_person.as_deref(), Some("陈静"));
        let slips = b
            .goods_slips(
                now - chrono::Duration::hours(1),
                now + chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(slips[0].items, "旧沙发一张");
        assert_eq!(slips[0].household.as_deref(), Some("3-2-1502"));
        let shifts = b.shift_records(Some("北门"), today, today).unwrap();
        assert_eq!(shifts[0].follow_ups, "明早收回出入证");
        // 东门's own admin is still there, and what came from 北门 is not sent back
        assert!(b.user_by_login("admin").unwrap().is_some());
        let (back, _) = b.records_to_send("s", "东门", 100).unwrap();
        assert_eq!(back.len(), 1, "东门's admin only: {back:?}");

        // revoked and logged out at 北门: the same at 东门
        a.revoke_pass("经理", "P-0042", now).unwrap();
        a.end_session("t1").unwrap();
        sync(&a, "北门", &b, "东门", &mut seq);
        assert!(b.session("t1", now).unwrap().is_none());
        assert!(b.pass("P-0042").unwrap().unwrap().revoked.is_some());
    }

    #[test]
    fn a_change_made_here_and_not_sent_yet_is_not_overwritten_and_a_bad_record_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let b = Store::open(dir.path().join("gateward.sqlite")).unwrap();
        let id = b
            .insert_person("经理", NewPerson::new("王建国", PersonClass::Vip))
            .unwrap();
        let (docs, _) = b.records_to_send("s", "东门", 100).unwrap();
        let mut theirs = docs[0].clone();
        if let Some(serde_json::Value::Object(m)) = theirs.doc.as_mut() {
            m.insert("title".to_owned(), "王总".into());
        }
        let broken = RecordDoc {
            kind: RecordKind::Person,
            uid: "ffff".to_owned(),
            doc: Some(serde_json::json!({"name": 3})),
        };
        let applied = b
            .apply_records(
                "s",
                "东门",
                vec![pulled("北门", 1, theirs.clone()), pulled("北门", 2, broken)],
                2,
            )
            .unwrap();
        assert_eq!(applied.skipped, 2);
        assert_eq!(b.person(id).unwrap().unwrap().title, "");
        // once this box's version is sent, the other box's later one is taken
        let (_, last) = b.records_to_send("s", "东门", 100).unwrap();
        b.mark_records_sent("s", last.unwrap()).unwrap();
        let applied = b
            .apply_records("s", "东门", vec![pulled("北门", 3, theirs)], 3)
            .unwrap();
        assert_eq!(applied.people, vec![id]);
        assert_eq!(b.person(id).unwrap().unwrap().title, "王总");
    }
}
