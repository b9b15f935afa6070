//! Gate PCs paired as guard screens (kiosks): each has an account of its own that no password
//! opens, a cookie token (kept only as its sha256) or, until it is typed at the PC, a one-time
//! pairing code (sha256 too), and can be unpaired by a manager.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::audit::append_tx;
use super::columns::{from_ms, to_ms};
use super::db::Store;
use super::error::StoreError;
use super::users::{USER_COLUMNS_OF_U, User, user_row};
use crate::domain::limits;
use crate::domain::{Desk, Role};

/// The password hash of a screen's account: not a PHC string, so no password matches it.
const NO_PASSWORD: &str = "!kiosk";

/// How a new screen is paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskPairing {
    /// The browser the manager is using is the gate PC: it gets the cookie whose token hashes
    /// to this now.
    Here { token_hash: String },
    /// Another PC: a code (hashing to `code_hash`) is typed there before `expires`.
    Code {
        code_hash: String,
        expires: DateTime<Utc>,
    },
}

/// A paired (or waiting, or unpaired) screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    pub id: i64,
    /// The screen's name, which its actions are recorded under.
    pub name: String,
    pub paired_by: String,
    pub created: DateTime<Utc>,
    /// When the PC got its cookie; `None` while the code waits to be typed.
    pub paired: Option<DateTime<Utc>>,
    /// Until when the code can be typed, while it waits.
    pub code_expires: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub revoked: Option<DateTime<Utc>>,
}

/// What a screen's cookie opens: the screen's account and its anti-forgery token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSession {
    pub kiosk_id: i64,
    pub user: User,
    pub csrf: String,
    pub last_seen: Option<DateTime<Utc>>,
}

const KIOSK_COLUMNS: &str = "SELECT k.id, u.name, k.paired_by, k.created_ms, k.paired_ms, \
     k.code_expires_ms, k.last_seen_ms, k.revoked_ms FROM kiosks k JOIN users u ON u.id = k.user_id";

fn opt_ms(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<i64>>(idx)?
        .map(|ms| from_ms(idx, ms))
        .transpose()
}

fn kiosk_row(r: &Row<'_>) -> rusqlite::Result<Kiosk> {
    Ok(Kiosk {
        id: r.get(0)?,
        name: r.get(1)?,
        paired_by: r.get(2)?,
        created: from_ms(3, r.get(3)?)?,
        paired: opt_ms(r, 4)?,
        code_expires: opt_ms(r, 5)?,
        last_seen: opt_ms(r, 6)?,
        revoked: opt_ms(r, 7)?,
    })
}

impl Store {
    /// Adds a screen named `name` with its own account (a guard on the gate post), paired
    /// as `pairing` says (audit `kiosk.add` by `actor`); returns its id.
    pub fn add_kiosk(
        &self,
        actor: &str,
        name: &str,
        pairing: KioskPairing,
        csrf: String,
    ) -> Result<i64, StoreError> {
        limits::SCREEN.check(name)?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(StoreError::Invalid {
                what: "kiosk",
                message: "the screen's name must not be empty".into(),
            });
        }
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            // a login no person's can be: people's logins are letters, digits and . _ -
            let n: i64 = conn
                .query_row("SELECT coalesce(max(id), 0) + 1 FROM kiosks", [], |r| {
                    r.get(0)
                })
                .map_err(|e| ctx.err(e))?;
            conn.execute(
                "INSERT INTO users (login, name, role, post, password_hash, must_change, \
                 created_ms) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
                params![
                    format!("kiosk:{n}"),
                    name,
                    Role::Guard.key(),
                    Desk::Gate.key(),
                    NO_PASSWORD,
                    to_ms(ctx.now)
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let user_id = conn.last_insert_rowid();
            let (token, paired, code, expires) = match pairing {
                KioskPairing::Here { token_hash } => {
                    (Some(token_hash), Some(to_ms(ctx.now)), None, None)
                }
                KioskPairing::Code { code_hash, expires } => {
                    (None, None, Some(code_hash), Some(to_ms(expires)))
                }
            };
            conn.execute(
                "INSERT INTO kiosks (user_id, token_hash, code_hash, code_expires_ms, csrf, \
                 paired_by, created_ms, paired_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user_id,
                    token,
                    code,
                    expires,
                    csrf,
                    actor,
                    to_ms(ctx.now),
                    paired
                ],
            )
            .map_err(|e| ctx.err(e))?;
            let id = conn.last_insert_rowid();
            append_tx(
                conn,
                ctx,
                &actor,
                "kiosk.add",
                &format!("kiosk:{id}"),
                &if paired.is_some() {
                    format!("{name}, paired in the manager's browser")
                } else {
                    format!("{name}, pairing code issued")
                },
            )?;
            Ok(id)
        })
    }

    /// Pairs the PC where the code hashing to `code_hash` was typed: its cookie's token hashes
    /// to `token_hash` from now on (audit `kiosk.pair`). `None` when no screen waits for that
    /// code (wrong, used, expired or unpaired).
    pub fn pair_kiosk(
        &self,
        code_hash: &str,
        token_hash: String,
    ) -> Result<Option<Kiosk>, StoreError> {
        let code_hash = code_hash.to_owned();
        self.write(move |conn, ctx| {
            let id: Option<i64> = conn
                .query_row(
                    "SELECT id FROM kiosks WHERE code_hash = ?1 AND code_expires_ms > ?2 \
                     AND revoked_ms IS NULL",
                    params![code_hash, to_ms(ctx.now)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| ctx.err(e))?;
            let Some(id) = id else { return Ok(None) };
            conn.execute(
                "UPDATE kiosks SET token_hash = ?1, paired_ms = ?2, code_hash = NULL, \
                 code_expires_ms = NULL WHERE id = ?3",
                params![token_hash, to_ms(ctx.now), id],
            )
            .map_err(|e| ctx.err(e))?;
            append_tx(
                conn,
                ctx,
                "system",
                "kiosk.pair",
                &format!("kiosk:{id}"),
                "",
            )?;
            conn.query_row(&format!("{KIOSK_COLUMNS} WHERE k.id = ?1"), [id], kiosk_row)
                .optional()
                .map_err(|e| ctx.err(e))
        })
    }

    /// The screen whose cookie's token hashes to `token_hash`, if it is still paired.
    pub fn kiosk_session(&self, token_hash: &str) -> Result<Option<KioskSession>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.read(|c, _| {
            c.query_row(
                &format!(
                    "{USER_COLUMNS_OF_U}, k.id, k.csrf, k.last_seen_ms FROM kiosks k \
                     JOIN users u ON u.id = k.user_id \
                     WHERE k.token_hash = ?1 AND k.revoked_ms IS NULL AND u.disabled = 0"
                ),
                [token_hash],
                |r| {
                    Ok(KioskSession {
                        user: user_row(r)?,
                        kiosk_id: r.get(9)?,
                        csrf: r.get(10)?,
                        last_seen: opt_ms(r, 11)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Notes that the screen is in use now.
    pub fn kiosk_seen(&self, id: i64) -> Result<(), StoreError> {
        self.write(move |conn, ctx| {
            conn.execute(
                "UPDATE kiosks SET last_seen_ms = ?1 WHERE id = ?2",
                params![to_ms(ctx.now), id],
            )
            .map_err(|e| ctx.err(e))?;
            Ok(())
        })
    }

    /// Every screen, the newest first.
    pub fn kiosks(&self) -> Result<Vec<Kiosk>, StoreError> {
        self.read(|c, _| {
            let mut st = c.prepare(&format!("{KIOSK_COLUMNS} ORDER BY k.id DESC"))?;
            let rows = st.query_map([], kiosk_row)?;
            rows.collect()
        })
    }

    /// Unpairs a screen: its cookie and any code open nothing from now on, and its account is
    /// disabled (audit `kiosk.revoke` by `actor`).
    pub fn revoke_kiosk(&self, actor: &str, id: i64) -> Result<(), StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn, ctx| {
            let n = conn
                .execute(
                    "UPDATE kiosks SET revoked_ms = ?1, token_hash = NULL, code_hash = NULL, \
                     code_expires_ms = NULL WHERE id = ?2 AND revoked_ms IS NULL",
                    params![to_ms(ctx.now), id],
                )
                .map_err(|e| ctx.err(e))?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "paired screen",
                    key: id.to_string(),
                });
            }
            conn.execute(
                "UPDATE users SET disabled = 1 WHERE id = (SELECT user_id FROM kiosks WHERE id = ?1)",
                [id],
            )
            .map_err(|e| ctx.err(e))?;
            append_tx(conn, ctx, &actor, "kiosk.revoke", &format!("kiosk:{id}"), "")
        })
    }
}
