//! Users of the web app and their sessions: who may log in, with which role and post, and the
//! logins in progress. Passwords arrive already hashed (argon2, by the web layer); session
//! tokens are kept only as their sha256. The accounts of paired screens (`kiosks`) are not
//! listed as users.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::audit::append_tx;
use super::columns::{date_col, date_text, from_ms, key_col, to_ms};
use super::db::Store;
use super::error::StoreError;
use crate::domain::limits;
use crate::domain::{Desk, Role};

/// A user to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub post: Desk,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// The day the user started at the gate (training counts three months from it).
    pub started: Option<NaiveDate>,
    /// The password was handed to them: they must choose their own at the first login.
    pub must_change: bool,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub post: Desk,
    pub password_hash: String,
    pub started: Option<NaiveDate>,
    pub disabled: bool,
    pub must_change: bool,
}

/// A login in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// The anti-forgery token every POST of this session must carry.
    pub csrf: String,
    pub expires: DateTime<Utc>,
}

/// The users who are people: not the accounts of paired screens (see `kiosks`).
const USER_COLUMNS: &str = "SELECT id, login, name, role, post, password_hash, started, disabled, must_change FROM users \
     WHERE id NOT IN (SELECT user_id FROM kiosks)";

/// A user's columns of the table aliased `u`, for joins (no FROM).
pub(super) const USER_COLUMNS_OF_U: &str = "SELECT u.id, u.login, u.name, u.role, u.post, \
     u.password_hash, u.started, u.disabled, u.must_change";

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: key_col(r, 3)?,
        post: key_col(r, 4)?,
        password_hash: r.get(5)?,
        started: date_col(r, 6)?,
        disabled: r.get(7)?,
        must_change: r.get(8)?,
    })
}

impl Store {
    /// Adds a user (audit entry `user.add` by `actor`); returns its id. A login already taken
    /// is refused.
    pub fn add_user(&self, actor: &str, u: NewUser) -> Result<i64, StoreError> {
        limits::LOGIN.check(&u.login)?;
        limits::NAME.check(&u.name)?;
        let login = u.login.trim().to_owned();
        if login.is_empty() || u.name.trim().is_empty() {
            return Err(StoreError::Invalid {
                what: "user",
                message: "the login and the name must not be empty".into(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let taken: Option<i64> = conn
                .query_row("SELECT id FROM users WHERE login = ?1", [&login], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| ctx.err(e))?;
            if taken.is_some() {
                return Err(StoreError::Constraint {
                    message: format!("the login \"{login}\" is taken; choose another"),
                });
            }
            conn.execute(
                "INSERT INTO users (login, name, role, post, password_hash, started, \
                 must_change, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    login,
                    u.name.trim(),
                    u.role.key(),
                    u.post.key(),
                    u.password_hash,
                    u.started.map(date_text),
                    u.must_change,
                    to_ms(ctx.now)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            append_tx(
                conn,
                ctx,
                &actor,
                "user.add",
                &format!("user:{id}"),
                &format!("{login} {} {}", u.role.key(), u.post.key()),
            )?;
            Ok(id)
        })
    }

    /// Replaces a user's password hash and ends their sessions (audit `user.password`).
    /// `must_change`: the password was handed to them, and they must choose their own.
    pub fn set_password(
        &self,
        actor: &str,
        id: i64,
        hash: String,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let n = conn
                .execute(
                    "UPDATE users SET password_hash = ?1, must_change = ?2 WHERE id = ?3",
                    params![hash, must_change, id],
                )
                .map_err(|e| ctx.err(e))?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "user",
                    key: id.to_string(),
                });
            }
            conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
                .map_err(|e| ctx.err(e))?;
            append_tx(
                conn,
                ctx,
                &actor,
                "user.password",
                &format!("user:{id}"),
                "",
            )
        })
    }

    /// The user with this login.
    pub fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        let login = login.trim().to_owned();
        self.read(|c, _| {
            c.query_row(&format!("{USER_COLUMNS} AND login = ?1"), [login], user_row)
                .optional()
        })
    }

    /// Every user, by login.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!("{USER_COLUMNS} ORDER BY login"))?;
            let rows = st.query_map([], user_row)?;
            rows.collect()
        })
    }

    /// Starts a session for `user_id`, known by the sha256 of its cookie token.
    pub fn start_session(
        &self,
        token_hash: String,
        user_id: i64,
        csrf: String,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |conn, ctx| {
            conn.execute(
                "DELETE FROM sessions WHERE expires_ms <= ?1",
                [to_ms(ctx.now)],
            )
            .map_err(|e| ctx.err(e))?;
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user_id, csrf, to_ms(ctx.now), to_ms(expires)],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// The session whose token hashes to `token_hash`, if it has not expired by `now` and its
    /// user is not disabled.
    pub fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.read(|c, _| {
            c.query_row(
                &format!(
                    "{USER_COLUMNS_OF_U}, s.csrf, s.expires_ms FROM sessions s \
                     JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND u.disabled = 0"
                ),
                params![token_hash, to_ms(now)],
                |r| {
                    Ok(Session {
                        user: user_row(r)?,
                        csrf: r.get(9)?,
                        expires: from_ms(10, r.get(10)?)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Moves a session's expiry (a session in use stays open).
    pub fn extend_session(
        &self,
        token_hash: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn, ctx| {
            conn.execute(
                "UPDATE sessions SET expires_ms = ?1 WHERE token_hash = ?2",
                params![to_ms(expires), token_hash],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// Ends a session (logout).
    pub fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn, ctx| {
            conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
                .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// Records a guard's word on a recorded arrival: confirmed, or who it really was (`None`:
    /// not anyone enrolled). A correction also moves the event's person (audit `event.check`).
    pub fn check_event(
        &self,
        actor: &str,
        event_id: i64,
        confirmed: bool,
        person_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let exists: Option<i64> = conn
                .query_row(
                    "SELECT id FROM gate_events WHERE id = ?1",
                    [event_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| ctx.err(e))?;
            if exists.is_none() {
                return Err(StoreError::NotFound {
                    what: "gate event",
                    key: event_id.to_string(),
                });
            }
            conn.execute(
                "INSERT INTO event_checks (event_id, confirmed, person_id, at_ms, actor) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![event_id, confirmed, person_id, to_ms(ctx.now), actor],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            if !confirmed {
                conn.execute(
                    "UPDATE gate_events SET person_id = ?1, class = \
                     (SELECT class FROM people WHERE id = ?1) WHERE id = ?2",
                    params![person_id, event_id],
                )
                .map_err(|e| ctx.err(e))?;
            }
            append_tx(
                conn,
                ctx,
                &actor,
                "event.check",
                &format!("event:{event_id}"),
                &if confirmed {
                    "confirmed".to_owned()
                } else {
                    format!("corrected to person:{}", person_id.unwrap_or(0))
                },
            )?;
            Ok(id)
        })
    }
}
