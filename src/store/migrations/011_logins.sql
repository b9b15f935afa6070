-- Schema 11: failed logins in a row, per account and per client address, so that the waits
-- and locks of the login throttle (src/domain/login.rs) survive a restart. A row exists while
-- a key has failures to remember; a successful login and a manager's unlock delete it. Every
-- try itself is in the audit log (login.ok, login.fail, login.locked, login.unlock).
-- Conventions as in 001_records.sql.

CREATE TABLE login_failures (
    -- 'login': the login as typed (an account, or a login no one has: treated the same);
    -- 'address': the client's IP address
    kind TEXT NOT NULL CHECK (kind IN ('login', 'address')),
    key TEXT NOT NULL CHECK (key <> ''),
    -- failed tries in a row: wrong passwords, and tries refused while waiting or locked
    failures INTEGER NOT NULL CHECK (failures > 0),
    -- the last try whose password was checked and was wrong: waits and locks count from it
    last_ms INTEGER NOT NULL,
    -- when the lock in force was recorded (audit login.locked), so each lock is recorded once
    locked_ms INTEGER,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
