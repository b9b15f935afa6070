-- Schema 5: who may use the web app, their logins, and guards' confirmations of what the
-- cameras named. Conventions as in 001_records.sql.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- the login name, e.g. "zhangsan"
    login TEXT NOT NULL UNIQUE CHECK (login <> ''),
    -- the name shown and written in the records, e.g. 张三
    name TEXT NOT NULL CHECK (name <> ''),
    role TEXT NOT NULL CHECK (role IN ('guard', 'team_leader', 'manager', 'admin')),
    -- the post whose notifications the user receives
    post TEXT NOT NULL CHECK (post IN ('gate', 'patrol', 'central_control', 'office_duty',
        'shift_leader')),
    -- argon2id PHC string
    password_hash TEXT NOT NULL,
    -- the day the user started, for training
    started TEXT,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- the password was given by someone else (first run, a new user, a reset): the user must
    -- choose their own before anything else
    must_change INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0, 1)),
    created_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    -- sha256 of the cookie's token, hex; the token itself is never stored
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the session's anti-forgery token, sent back with every form and POST
    csrf TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_ms);

-- A guard's word on an arrival: the name was right, or it was someone else (or no one known).
CREATE TABLE event_checks (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES gate_events (id) ON DELETE CASCADE,
    -- 1: the guard confirmed the camera's answer; 0: corrected it
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    -- who it really was, when the guard said so
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL CHECK (actor <> '')
);
CREATE INDEX event_checks_by_event ON event_checks (event_id);
