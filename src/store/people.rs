//! Households, people, their photos and face embeddings.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::audit;
use super::columns::{from_ms, key_col, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use super::faces::{from_blob, to_blob};
use crate::domain::limits::{self, Unfit};
use crate::domain::{PersonClass, PersonStatus};

/// A household to add or update, keyed by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    /// building-unit-room, e.g. "3-2-1502".
    pub code: String,
    pub notes: String,
}

/// A stored household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: i64,
    /// building-unit-room, e.g. "3-2-1502".
    pub code: String,
    pub notes: String,
}

/// A person to add, or the new state of a person to update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub name: String,
    pub class: PersonClass,
    /// The title used in greetings (王总, 李主任); empty when none.
    pub title: String,
    /// The household's code ("3-2-1502"); it must exist.
    pub household: Option<String>,
    pub status: PersonStatus,
    /// Looks: glasses, build, face shape…
    pub appearance_notes: String,
    /// Habits: drives or walks, usual in/out times, special events.
    pub habit_notes: String,
    /// Company staff who ask that the office duty staff not be told (the shift leader is told).
    pub ask_not_to_notify: bool,
}

impl NewHousehold {
    /// Whether its texts fit their fields (`domain::limits`).
    pub fn fits(&self) -> Result<(), Unfit> {
        limits::ROOM.check(&self.code)?;
        limits::NOTE.check(&self.notes)
    }
}

impl NewPerson {
    /// Whether its texts fit their fields (`domain::limits`).
    pub fn fits(&self) -> Result<(), Unfit> {
        limits::NAME.check(&self.name)?;
        limits::TITLE.check(&self.title)?;
        limits::ROOM.check_opt(self.household.as_deref())?;
        limits::NOTE.check(&self.appearance_notes)?;
        limits::NOTE.check(&self.habit_notes)
    }

    /// An active person of `class` with nothing else known.
    pub fn new(name: impl Into<String>, class: PersonClass) -> NewPerson {
        NewPerson {
            name: name.into(),
            class,
            title: String::new(),
            household: None,
            status: PersonStatus::Active,
            appearance_notes: String::new(),
            habit_notes: String::new(),
            ask_not_to_notify: false,
        }
    }
}

/// A stored person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub class: PersonClass,
    pub title: String,
    pub household_id: Option<i64>,
    /// The household's code.
    pub household: Option<String>,
    pub status: PersonStatus,
    pub appearance_notes: String,
    pub habit_notes: String,
    pub ask_not_to_notify: bool,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// A photo of a person to record (the file is already in the data folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    /// Relative to the data folder.
    pub path: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
}

/// A stored photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub person_id: i64,
    /// Relative to the data folder.
    pub path: String,
    pub sha256: String,
    pub added: DateTime<Utc>,
}

fn photo_row(r: &Row) -> rusqlite::Result<Photo> {
    Ok(Photo {
        id: r.get(0)?,
        person_id: r.get(1)?,
        path: r.get(2)?,
        sha256: r.get(3)?,
        added: from_ms(4, r.get(4)?)?,
    })
}

/// A face embedding to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFaceEmbedding {
    pub person_id: i64,
    /// The model's id in the model manifest.
    pub model: String,
    pub vector: Vec<f32>,
    /// The aligned face thumbnail, relative to the data folder.
    pub thumbnail: Option<String>,
    /// The photo it was computed from.
    pub photo_id: Option<i64>,
}

/// A stored face embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceEmbedding {
    pub id: i64,
    pub person_id: i64,
    pub model: String,
    pub vector: Vec<f32>,
    pub thumbnail: Option<String>,
    pub photo_id: Option<i64>,
    pub created: DateTime<Utc>,
}

const PERSON_COLUMNS: &str = "SELECT p.id, p.name, p.class, p.title, p.household_id, h.code, \
     p.status, p.appearance_notes, p.habit_notes, p.ask_not_to_notify, p.created_ms, p.updated_ms \
     FROM people p LEFT JOIN households h ON h.id = p.household_id";

fn person_row(r: &Row<'_>) -> rusqlite::Result<PersonRecord> {
    Ok(PersonRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        class: key_col(r, 2)?,
        title: r.get(3)?,
        household_id: r.get(4)?,
        household: r.get(5)?,
        status: key_col(r, 6)?,
        appearance_notes: r.get(7)?,
        habit_notes: r.get(8)?,
        ask_not_to_notify: r.get(9)?,
        created: from_ms(10, r.get(10)?)?,
        updated: from_ms(11, r.get(11)?)?,
    })
}

fn household_row(r: &Row<'_>) -> rusqlite::Result<Household> {
    Ok(Household {
        id: r.get(0)?,
        code: r.get(1)?,
        notes: r.get(2)?,
    })
}

/// The id of the household `code`, or [`StoreError::NotFound`].
pub(crate) fn household_id(conn: &Connection, ctx: &Ctx, code: &str) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT id FROM households WHERE code = ?1",
        [code.trim()],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| ctx.err(e))?
    .ok_or_else(|| StoreError::NotFound {
        what: "household",
        key: code.trim().to_owned(),
    })
}

/// Inserts or updates a household; returns its id and whether it was new.
pub(crate) fn upsert_household_tx(
    conn: &Connection,
    ctx: &Ctx,
    h: &NewHousehold,
) -> Result<(i64, bool), StoreError> {
    h.fits()?;
    let code = h.code.trim();
    let existing: Option<i64> = conn
        .query_row("SELECT id FROM households WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| ctx.err(e))?;
    match existing {
        Some(id) => {
            conn.execute(
                "UPDATE households SET notes = ?2 WHERE id = ?1",
                params![id, h.notes],
            )
            .map_err(|e| ctx.err(e))?;
            Ok((id, false))
        }
        None => {
            conn.execute(
                "INSERT INTO households (code, notes) VALUES (?1, ?2)",
                params![code, h.notes],
            )
            .map_err(|e| ctx.err(e))?;
            Ok((conn.last_insert_rowid(), true))
        }
    }
}

fn household_of(conn: &Connection, ctx: &Ctx, p: &NewPerson) -> Result<Option<i64>, StoreError> {
    p.household
        .as_deref()
        .map(|code| household_id(conn, ctx, code))
        .transpose()
}

/// Inserts a person (no audit entry); returns the id.
pub(crate) fn insert_person_tx(
    conn: &Connection,
    ctx: &Ctx,
    p: &NewPerson,
) -> Result<i64, StoreError> {
    p.fits()?;
    let household_id = household_of(conn, ctx, p)?;
    let now = to_ms(ctx.now);
    conn.execute(
        "INSERT INTO people (name, class, title, household_id, status, appearance_notes, \
         habit_notes, ask_not_to_notify, created_ms, updated_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            p.name.trim(),
            p.class.key(),
            p.title.trim(),
            household_id,
            p.status.key(),
            p.appearance_notes,
            p.habit_notes,
            p.ask_not_to_notify,
            now
        ],
    )
    .map_err(|e| ctx.err(e))?;
    Ok(conn.last_insert_rowid())
}

/// Replaces person `id` with `p` (no audit entry); returns what changed, in words.
pub(crate) fn update_person_tx(
    conn: &Connection,
    ctx: &Ctx,
    id: i64,
    p: &NewPerson,
) -> Result<String, StoreError> {
    p.fits()?;
    let old = conn
        .query_row(
            &format!("{PERSON_COLUMNS} WHERE p.id = ?1"),
            [id],
            person_row,
        )
        .optional()
        .map_err(|e| ctx.err(e))?
        .ok_or_else(|| StoreError::NotFound {
            what: "person",
            key: id.to_string(),
        })?;
    let household_id = household_of(conn, ctx, p)?;
    conn.execute(
        "UPDATE people SET name = ?2, class = ?3, title = ?4, household_id = ?5, status = ?6, \
         appearance_notes = ?7, habit_notes = ?8, ask_not_to_notify = ?9, updated_ms = ?10 \
         WHERE id = ?1",
        params![
            id,
            p.name.trim(),
            p.class.key(),
            p.title.trim(),
            household_id,
            p.status.key(),
            p.appearance_notes,
            p.habit_notes,
            p.ask_not_to_notify,
            to_ms(ctx.now)
        ],
    )
    .map_err(|e| ctx.err(e))?;
    let mut changes = Vec::new();
    let mut diff = |field: &str, was: String, now: String| {
        if was != now {
            changes.push(format!("{field}: {was} → {now}"));
        }
    };
    diff("name", old.name, p.name.trim().to_owned());
    diff("class", old.class.key().into(), p.class.key().into());
    diff("title", old.title, p.title.trim().to_owned());
    diff(
        "household",
        old.household.unwrap_or_default(),
        p.household.as_deref().unwrap_or_default().trim().to_owned(),
    );
    diff("status", old.status.key().into(), p.status.key().into());
    diff(
        "appearance_notes",
        old.appearance_notes,
        p.appearance_notes.clone(),
    );
    diff("habit_notes", old.habit_notes, p.habit_notes.clone());
    diff(
        "ask_not_to_notify",
        old.ask_not_to_notify.to_string(),
        p.ask_not_to_notify.to_string(),
    );
    Ok(changes.join("; "))
}

/// Records a photo of person `person_id`; a photo with the same hash already recorded for them
/// is kept as it is. Returns the photo's id and whether it was new.
pub(crate) fn add_photo_tx(
    conn: &Connection,
    ctx: &Ctx,
    person_id: i64,
    photo: &NewPhoto,
) -> Result<(i64, bool), StoreError> {
    let sha = photo.sha256.trim().to_ascii_lowercase();
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid {
            what: "photo hash",
            message: format!("\"{}\" is not a SHA-256 in hex", photo.sha256),
        });
    }
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM person_photos WHERE person_id = ?1 AND sha256 = ?2",
            params![person_id, sha],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| ctx.err(e))?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    conn.execute(
        "INSERT INTO person_photos (person_id, path, sha256, added_ms) VALUES (?1, ?2, ?3, ?4)",
        params![person_id, photo.path, sha, to_ms(ctx.now)],
    )
    .map_err(|e| ctx.err(e))?;
    Ok((conn.last_insert_rowid(), true))
}

fn person_summary(p: &NewPerson) -> String {
    let mut s = format!("{} ({})", p.name.trim(), p.class.key());
    if let Some(h) = &p.household {
        s.push_str(&format!(", household {}", h.trim()));
    }
    s
}

impl Store {
    /// Adds the household `h.code`, or updates its notes if it exists; returns its id.
    pub fn upsert_household(&self, actor: &str, h: NewHousehold) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let (id, new) = upsert_household_tx(conn, ctx, &h)?;
            let action = if new {
                "household.insert"
            } else {
                "household.update"
            };
            audit::append_tx(
                conn,
                ctx,
                &actor,
                action,
                &format!("household:{}", h.code.trim()),
                &h.notes,
            )?;
            Ok(id)
        })
    }

    /// Changes household `id`'s code and notes (audit entry `household.update` listing what
    /// changed). A code another household has is refused ([`StoreError::Constraint`]).
    pub fn update_household(
        &self,
        actor: &str,
        id: i64,
        h: NewHousehold,
    ) -> Result<(), StoreError> {
        h.fits()?;
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let old = conn
                .query_row(
                    "SELECT id, code, notes FROM households WHERE id = ?1",
                    [id],
                    household_row,
                )
                .optional()
                .map_err(|e| ctx.err(e))?
                .ok_or_else(|| StoreError::NotFound {
                    what: "household",
                    key: id.to_string(),
                })?;
            let code = h.code.trim();
            conn.execute(
                "UPDATE households SET code = ?2, notes = ?3 WHERE id = ?1",
                params![id, code, h.notes],
            )
            .map_err(|e| ctx.err(e))?;
            let mut changes = Vec::new();
            if old.code != code {
                changes.push(format!("code: {} → {code}", old.code));
            }
            if old.notes != h.notes {
                changes.push(format!("notes: {} → {}", old.notes, h.notes));
            }
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "household.update",
                &format!("household:{code}"),
                &changes.join("; "),
            )
        })
    }

    /// The household `id`, if any.
    pub fn household_by_id(&self, id: i64) -> Result<Option<Household>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                "SELECT id, code, notes FROM households WHERE id = ?1",
                [id],
                household_row,
            )
            .optional()
        })
    }

    /// The household with `code`, if any.
    pub fn household(&self, code: &str) -> Result<Option<Household>, StoreError> {
        let code = code.trim();
        self.read(|c, _| {
            c.query_row(
                "SELECT id, code, notes FROM households WHERE code = ?1",
                [code],
                household_row,
            )
            .optional()
        })
    }

    /// Every household, by code.
    pub fn households(&self) -> Result<Vec<Household>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare("SELECT id, code, notes FROM households ORDER BY code")?;
            let rows = st.query_map([], household_row)?;
            rows.collect()
        })
    }

    /// Adds a person and an audit entry `person.insert`; returns the person's id.
    pub fn insert_person(&self, actor: &str, p: NewPerson) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let id = insert_person_tx(conn, ctx, &p)?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "person.insert",
                &format!("person:{id}"),
                &person_summary(&p),
            )?;
            Ok(id)
        })
    }

    /// Replaces person `id` with `p` and adds an audit entry `person.update` listing what
    /// changed.
    pub fn update_person(&self, actor: &str, id: i64, p: NewPerson) -> Result<(), StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let changes = update_person_tx(conn, ctx, id, &p)?;
            audit::append_tx(
                conn,
                ctx,
                &actor,
                "person.update",
                &format!("person:{id}"),
                &changes,
            )
        })
    }

    /// The person `id`, if any.
    pub fn person(&self, id: i64) -> Result<Option<PersonRecord>, StoreError> {
        self.read(|c, _| {
            c.query_row(
                &format!("{PERSON_COLUMNS} WHERE p.id = ?1"),
                [id],
                person_row,
            )
            .optional()
        })
    }

    /// The people called exactly `name`, by id.
    pub fn people_named(&self, name: &str) -> Result<Vec<PersonRecord>, StoreError> {
        let name = name.trim();
        self.read(|c, _| {
            let mut st = c.prepare(&format!("{PERSON_COLUMNS} WHERE p.name = ?1 ORDER BY p.id"))?;
            let rows = st.query_map([name], person_row)?;
            rows.collect()
        })
    }

    /// Every person, by id.
    pub fn people(&self) -> Result<Vec<PersonRecord>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!("{PERSON_COLUMNS} ORDER BY p.id"))?;
            let rows = st.query_map([], person_row)?;
            rows.collect()
        })
    }

    /// Records a photo of person `person_id` (an audit entry `photo.add`); a photo with the
    /// same SHA-256 already recorded for them is not added twice. Returns the photo's id.
    pub fn add_photo(
        &self,
        actor: &str,
        person_id: i64,
        photo: NewPhoto,
    ) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let (id, new) = add_photo_tx(conn, ctx, person_id, &photo)?;
            if new {
                audit::append_tx(
                    conn,
                    ctx,
                    &actor,
                    "photo.add",
                    &format!("person:{person_id}"),
                    &photo.path,
                )?;
            }
            Ok(id)
        })
    }

    /// The photos of person `person_id`, oldest first.
    pub fn photos(&self, person_id: i64) -> Result<Vec<Photo>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT id, person_id, path, sha256, added_ms FROM person_photos \
                 WHERE person_id = ?1 ORDER BY id",
            )?;
            let rows = st.query_map([person_id], photo_row)?;
            rows.collect()
        })
    }

    /// The photos no face embedding of `model` was made from (imported but not yet enrolled,
    /// or rejected before), by person then id.
    pub fn photos_without_embedding(&self, model: &str) -> Result<Vec<Photo>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT id, person_id, path, sha256, added_ms FROM person_photos p \
                 WHERE NOT EXISTS (SELECT 1 FROM face_embeddings e \
                                   WHERE e.photo_id = p.id AND e.model = ?1) \
                 ORDER BY person_id, id",
            )?;
            let rows = st.query_map([model], photo_row)?;
            rows.collect()
        })
    }

    /// Stores a face embedding; returns its id.
    pub fn add_face_embedding(&self, e: NewFaceEmbedding) -> Result<i64, StoreError> {
        if e.vector.is_empty() {
            return Err(StoreError::Invalid {
                what: "face embedding",
                message: "the vector is empty".to_owned(),
            });
        }
        self.write(move |conn, ctx| {
            let blob = to_blob(&e.vector);
            conn.execute(
                "INSERT INTO face_embeddings (person_id, model, dim, vector, thumbnail, photo_id, \
                 created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    e.person_id,
                    e.model,
                    e.vector.len() as i64,
                    blob,
                    e.thumbnail,
                    e.photo_id,
                    to_ms(ctx.now)
                ],
            )
            .map_err(|err| ctx.err(err))?;
            Ok(conn.last_insert_rowid())
        })
    }

    /// Every face embedding of `model` (the recogniser's gallery), by person then id.
    pub fn face_embeddings(&self, model: &str) -> Result<Vec<FaceEmbedding>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT id, person_id, model, dim, vector, thumbnail, photo_id, created_ms \
                 FROM face_embeddings WHERE model = ?1 ORDER BY person_id, id",
            )?;
            let rows = st.query_map([model], |r| {
                let blob: Vec<u8> = r.get(4)?;
                let vector = from_blob(&blob);
                Ok(FaceEmbedding {
                    id: r.get(0)?,
                    person_id: r.get(1)?,
                    model: r.get(2)?,
                    vector,
                    thumbnail: r.get(5)?,
                    photo_id: r.get(6)?,
                    created: from_ms(7, r.get(7)?)?,
                })
            })?;
            rows.collect()
        })
    }
}
