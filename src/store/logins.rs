//! Failed logins in a row, per account (the login as typed) and per client address, kept so
//! that the login throttle's waits and locks (the rule: `domain::login`) survive a restart;
//! each try is also written to the audit log (`login.ok`, `login.fail`, `login.locked`,
//! `login.unlock`) in the same transaction.
//!
//! A try goes in two steps. [`Store::begin_login`] asks the rule for the account and the
//! address: when either refuses, the refusal is counted and recorded and the password is not
//! checked; otherwise the try is counted as failed before the password is checked, so that
//! many tries at once cannot all pass the rule. Then [`Store::login_ok`] clears the count, or
//! [`Store::login_failed`] records the wrong password (and a lock it brings).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::append_tx;
use super::columns::{from_ms, to_ms};
use super::db::{Ctx, Store};
use super::error::StoreError;
use crate::domain::login::{Counted, Failures, Verdict};

/// Where a password was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordAt {
    /// The login page.
    Login,
    /// The current password on the page that changes it.
    ChangePassword,
}

impl PasswordAt {
    fn words(self) -> &'static str {
        match self {
            PasswordAt::Login => "login",
            PasswordAt::ChangePassword => "current password at /password",
        }
    }
}

/// A try of a password: the login it was typed for and the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTry {
    /// The login as [`crate::domain::login::login_key`] keeps it.
    pub login: String,
    /// The client's IP address.
    pub address: String,
    pub at: PasswordAt,
}

/// What the rule says for a try's account and its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub account: Verdict,
    pub address: Verdict,
    /// This try locked the account or the address (recorded as `login.locked`).
    pub new_lock: bool,
}

impl Throttled {
    /// Both allow a try.
    pub fn allowed(&self) -> bool {
        self.account.allowed() && self.address.allowed()
    }
}

/// How a try begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begun {
    /// Check the password, then say how it went ([`Store::login_ok`] or
    /// [`Store::login_failed`]).
    Check,
    /// Refused without checking the password; the verdicts after counting this try.
    Refused(Throttled),
}

/// An account or an address that has to wait or is locked, for the manager's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLock {
    pub kind: Counted,
    /// The login as typed, or the address.
    pub key: String,
    /// Failed tries in a row.
    pub failures: u32,
    /// The last wrong password.
    pub last: DateTime<Utc>,
    pub verdict: Verdict,
}

/// One row of `login_failures`.
#[derive(Debug, Clone, Copy, Default)]
struct Row {
    failures: Failures,
    /// When the lock in force was recorded.
    locked_ms: Option<i64>,
}

fn load(conn: &Connection, ctx: &Ctx, kind: Counted, key: &str) -> Result<Row, StoreError> {
    conn.query_row(
        "SELECT failures, last_ms, locked_ms FROM login_failures WHERE kind = ?1 AND key = ?2",
        params![kind.key(), key],
        |r| {
            Ok(Row {
                failures: Failures {
                    count: r.get(0)?,
                    last: Some(from_ms(1, r.get(1)?)?),
                },
                locked_ms: r.get(2)?,
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
    .map_err(|e| ctx.err(e))
}

fn save(
    conn: &Connection,
    ctx: &Ctx,
    kind: Counted,
    key: &str,
    row: Row,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO login_failures (kind, key, failures, last_ms, locked_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, key) DO UPDATE SET \
         failures = excluded.failures, last_ms = excluded.last_ms, locked_ms = excluded.locked_ms",
        params![
            kind.key(),
            key,
            row.failures.count,
            to_ms(row.failures.last.unwrap_or(ctx.now)),
            row.locked_ms
        ],
    )
    .map_err(|e| ctx.err(e))?;
    Ok(())
}

fn forget(conn: &Connection, ctx: &Ctx, kind: Counted, key: &str) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM login_failures WHERE kind = ?1 AND key = ?2",
            params![kind.key(), key],
        )
        .map_err(|e| ctx.err(e))?;
    Ok(n > 0)
}

/// The object of an audit entry about a key: `login:guard`, `address:192.168.1.20`.
fn object(kind: Counted, key: &str) -> String {
    format!("{}:{key}", kind.key())
}

/// Why a refused try was refused, for the audit log.
fn refusal(v: Verdict) -> String {
    match v {
        Verdict::Allowed => "allowed".into(),
        Verdict::Wait { seconds, .. } => format!("wait {seconds} s"),
        Verdict::Locked { seconds, .. } => format!("locked for {seconds} s more"),
    }
}

/// Records the lock `row` is under at `ctx.now`, once per lock (audit `login.locked`);
/// whether it was new.
fn note_lock(
    conn: &Connection,
    ctx: &Ctx,
    t: &LoginTry,
    kind: Counted,
    key: &str,
    row: &mut Row,
) -> Result<bool, StoreError> {
    let Verdict::Locked { .. } = kind.rule().verdict(&row.failures, ctx.now) else {
        return Ok(false);
    };
    let last = row.failures.last.map(to_ms).unwrap_or_default();
    if row.locked_ms.is_some_and(|noted| noted >= last) {
        return Ok(false);
    }
    row.locked_ms = Some(to_ms(ctx.now));
    let minutes = kind.rule().lock_for.num_minutes();
    append_tx(
        conn,
        ctx,
        &t.login,
        "login.locked",
        &object(kind, key),
        &format!(
            "from {}: {} failed tries in a row; locked for {minutes} min unless a manager unlocks it",
            t.address, row.failures.count
        ),
    )?;
    Ok(true)
}

impl Store {
    /// Begins a try of a password: refused (counted, and recorded as `login.fail`, with
    /// `login.locked` when this try locks the account or the address) when the rule says the
    /// account or the address must wait or is locked; otherwise counted as failed until
    /// [`Store::login_ok`] says it was not.
    pub fn begin_login(&self, t: &LoginTry) -> Result<Begun, StoreError> {
        let t = t.clone();
        self.write(move |conn, ctx| {
            let oldest = Counted::Account
                .rule()
                .forget_after
                .max(Counted::Address.rule().forget_after);
            conn.execute(
                "DELETE FROM login_failures WHERE last_ms < ?1",
                [to_ms(ctx.now - oldest)],
            )
            .map_err(|e| ctx.err(e))?;
            let keys = [(Counted::Account, &t.login), (Counted::Address, &t.address)];
            let mut rows = [Row::default(); 2];
            let mut verdicts = [Verdict::Allowed; 2];
            for (i, (kind, key)) in keys.iter().enumerate() {
                rows[i] = load(conn, ctx, *kind, key)?;
                verdicts[i] = kind.rule().verdict(&rows[i].failures, ctx.now);
            }
            if verdicts.iter().all(|v| v.allowed()) {
                for (i, (kind, key)) in keys.iter().enumerate() {
                    rows[i].failures = kind.rule().failed(rows[i].failures, ctx.now);
                    save(conn, ctx, *kind, key, rows[i])?;
                }
                return Ok(Begun::Check);
            }
            let why = verdicts[0].stricter(verdicts[1]);
            append_tx(
                conn,
                ctx,
                &t.login,
                "login.fail",
                &object(Counted::Account, &t.login),
                &format!(
                    "from {}: {} refused unchecked, {}",
                    t.address,
                    t.at.words(),
                    refusal(why)
                ),
            )?;
            let mut new_lock = false;
            for (i, (kind, key)) in keys.iter().enumerate() {
                if verdicts[i].allowed() {
                    continue;
                }
                rows[i].failures = kind.rule().refused(rows[i].failures, ctx.now);
                new_lock |= note_lock(conn, ctx, &t, *kind, key, &mut rows[i])?;
                save(conn, ctx, *kind, key, rows[i])?;
                verdicts[i] = kind.rule().verdict(&rows[i].failures, ctx.now);
            }
            Ok(Begun::Refused(Throttled {
                account: verdicts[0],
                address: verdicts[1],
                new_lock,
            }))
        })
    }

    /// The password of a begun try was right: the account's and the address's failures are
    /// forgotten (audit `login.ok` for a login).
    pub fn login_ok(&self, t: &LoginTry) -> Result<(), StoreError> {
        let t = t.clone();
        self.write(move |conn, ctx| {
            forget(conn, ctx, Counted::Account, &t.login)?;
            forget(conn, ctx, Counted::Address, &t.address)?;
            if t.at == PasswordAt::Login {
                append_tx(
                    conn,
                    ctx,
                    &t.login,
                    "login.ok",
                    &object(Counted::Account, &t.login),
                    &format!("from {}", t.address),
                )?;
            }
            Ok(())
        })
    }

    /// The password of a begun try was wrong (or the account cannot log in): recorded as
    /// `login.fail`, with `login.locked` when it locks the account or the address; the
    /// verdicts for the next try.
    pub fn login_failed(&self, t: &LoginTry) -> Result<Throttled, StoreError> {
        let t = t.clone();
        self.write(move |conn, ctx| {
            let keys = [(Counted::Account, &t.login), (Counted::Address, &t.address)];
            let mut verdicts = [Verdict::Allowed; 2];
            let mut new_lock = false;
            for (i, (kind, key)) in keys.iter().enumerate() {
                let mut row = load(conn, ctx, *kind, key)?;
                if row.failures.count == 0 {
                    // cleared since the try began (a manager, a login at the same moment)
                    row.failures = kind.rule().failed(row.failures, ctx.now);
                }
                if *kind == Counted::Account {
                    append_tx(
                        conn,
                        ctx,
                        &t.login,
                        "login.fail",
                        &object(*kind, key),
                        &format!(
                            "from {}: wrong {}, {} in a row",
                            t.address,
                            match t.at {
                                PasswordAt::Login => "login or password",
                                PasswordAt::ChangePassword => "current password at /password",
                            },
                            row.failures.count
                        ),
                    )?;
                }
                new_lock |= note_lock(conn, ctx, &t, *kind, key, &mut row)?;
                save(conn, ctx, *kind, key, row)?;
                verdicts[i] = kind.rule().verdict(&row.failures, ctx.now);
            }
            Ok(Throttled {
                account: verdicts[0],
                address: verdicts[1],
                new_lock,
            })
        })
    }

    /// The accounts and addresses that have to wait or are locked at `now`, locked first.
    pub fn login_locks(&self, now: DateTime<Utc>) -> Result<Vec<LoginLock>, StoreError> {
        let rows: Vec<(String, String, u32, i64)> = self.read(|c, _| {
            let mut st = c.prepare(
                "SELECT kind, key, failures, last_ms FROM login_failures ORDER BY last_ms DESC",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect()
        })?;
        let mut locks: Vec<LoginLock> = rows
            .into_iter()
            .filter_map(|(kind, key, count, last_ms)| {
                let kind = Counted::from_key(&kind)?;
                let last = DateTime::from_timestamp_millis(last_ms)?;
                let failures = Failures {
                    count,
                    last: Some(last),
                };
                let verdict = kind.rule().verdict(&failures, now);
                (!verdict.allowed()).then_some(LoginLock {
                    kind,
                    key,
                    failures: count,
                    last,
                    verdict,
                })
            })
            .collect();
        locks.sort_by_key(|l| !matches!(l.verdict, Verdict::Locked { .. }));
        Ok(locks)
    }

    /// Lifts a lock (or a wait): the failures of the account or address `key` are forgotten
    /// (audit `login.unlock` by `actor`). `false` when there was nothing to lift.
    pub fn unlock_login(&self, actor: &str, kind: Counted, key: &str) -> Result<bool, StoreError> {
        let (actor, key) = (actor.to_owned(), key.to_owned());
        self.write(move |conn, ctx| {
            let row = load(conn, ctx, kind, &key)?;
            if !forget(conn, ctx, kind, &key)? {
                return Ok(false);
            }
            append_tx(
                conn,
                ctx,
                &actor,
                "login.unlock",
                &object(kind, &key),
                &format!("{} failed tries in a row forgotten", row.failures.count),
            )?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Duration;

    use super::*;
    use crate::clock::{Clock, SimulatedClock};
    use crate::store::audit::AuditQuery;

    fn opened() -> (tempfile::TempDir, Store, Arc<SimulatedClock>) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(SimulatedClock::new(
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        ));
        let store =
            Store::open_with_clock(dir.path().join("gateward.sqlite"), clock.clone()).unwrap();
        (dir, store, clock)
    }

    fn try_of(login: &str) -> LoginTry {
        LoginTry {
            login: login.into(),
            address: "192.168.1.20".into(),
            at: PasswordAt::Login,
        }
    }

    fn actions(store: &Store) -> Vec<String> {
        store
            .audit_entries(&AuditQuery::default())
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    #[test]
    fn ten_wrong_passwords_lock_the_account_once_and_a_manager_lifts_it() {
        let (_dir, store, clock) = opened();
        let t = try_of("guard");
        for i in 0..10 {
            match store.begin_login(&t).unwrap() {
                Begun::Check => {
                    store.login_failed(&t).unwrap();
                }
                Begun::Refused(r) => assert!(i >= 5 && !r.account.allowed(), "try {i}: {r:?}"),
            }
            clock.advance(Duration::milliseconds(100));
        }
        let Begun::Refused(r) = store.begin_login(&t).unwrap() else {
            panic!("the right password is not checked")
        };
        assert!(matches!(r.account, Verdict::Locked { .. }), "{r:?}");
        assert!(
            r.address.allowed(),
            "one account's tries do not lock the PC"
        );
        let all = actions(&store);
        assert_eq!(all.iter().filter(|a| *a == "login.fail").count(), 11);
        assert_eq!(all.iter().filter(|a| *a == "login.locked").count(), 1);
        let locks = store.login_locks(clock.now()).unwrap();
        assert_eq!(locks.len(), 1, "{locks:?}");
        assert_eq!(
            (locks[0].kind, locks[0].key.as_str()),
            (Counted::Account, "guard")
        );
        assert!(
            store
                .unlock_login("管理处刘主任", Counted::Account, "guard")
                .unwrap()
        );
        assert!(
            !store
                .unlock_login("管理处刘主任", Counted::Account, "guard")
                .unwrap()
        );
        assert_eq!(store.begin_login(&t).unwrap(), Begun::Check);
        store.login_ok(&t).unwrap();
        let unlock = store
            .audit_entries(&AuditQuery {
                action: Some("login.unlock".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(unlock.len(), 1);
        assert_eq!(unlock[0].actor, "管理处刘主任");
        assert_eq!(unlock[0].object, "login:guard");
        assert!(store.login_locks(clock.now()).unwrap().is_empty());
    }

    #[test]
    fn a_lock_is_still_there_when_the_records_are_opened_again() {
        let (dir, store, clock) = opened();
        let t = try_of("nobody");
        for _ in 0..10 {
            if store.begin_login(&t).unwrap() == Begun::Check {
                store.login_failed(&t).unwrap();
            }
        }
        drop(store);
        let store =
            Store::open_with_clock(dir.path().join("gateward.sqlite"), clock.clone()).unwrap();
        assert!(matches!(
            store.begin_login(&t).unwrap(),
            Begun::Refused(Throttled {
                account: Verdict::Locked { .. },
                ..
            })
        ));
        // an hour and a bit later, a try is checked again
        clock.advance(Duration::minutes(61));
        assert_eq!(store.begin_login(&t).unwrap(), Begun::Check);
    }

    #[test]
    fn one_address_trying_many_logins_waits_then_is_locked() {
        let (_dir, store, clock) = opened();
        let mut refused = 0;
        for i in 0..45 {
            let t = try_of(&format!("user{i}"));
            match store.begin_login(&t).unwrap() {
                Begun::Check => {
                    store.login_failed(&t).unwrap();
                }
                Begun::Refused(r) => {
                    assert!(r.account.allowed() && !r.address.allowed(), "{r:?}");
                    refused += 1;
                }
            }
            clock.advance(Duration::milliseconds(10));
        }
        assert_eq!(refused, 25, "20 free tries, then refused");
        let locks = store.login_locks(clock.now()).unwrap();
        assert!(matches!(
            locks.as_slice(),
            [LoginLock {
                kind: Counted::Address,
                verdict: Verdict::Locked { .. },
                ..
            }]
        ));
        // a success from another PC does not lift this one's lock
        let elsewhere = LoginTry {
            address: "192.168.1.21".into(),
            ..try_of("guard")
        };
        assert_eq!(store.begin_login(&elsewhere).unwrap(), Begun::Check);
        store.login_ok(&elsewhere).unwrap();
        assert_eq!(store.login_locks(clock.now()).unwrap().len(), 1);
    }
}
