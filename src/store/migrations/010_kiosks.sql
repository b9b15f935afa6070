-- Schema 10: gate PCs paired as guard screens (kiosks). A manager pairs the gate PC once; its
-- browser then holds a long-lived cookie that opens the guard screen, and nothing else, with no
-- password typed after a restart. Conventions as in 001_records.sql.

CREATE TABLE kiosks (
    id INTEGER PRIMARY KEY,
    -- the screen's own account (a guard on the gate post, with no password that can be typed):
    -- what is done at the screen is recorded under its name, e.g. 大门岗亭屏幕
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    -- sha256 of the screen's cookie token, hex; NULL until its pairing code is typed at the PC
    token_hash TEXT UNIQUE,
    -- sha256 of the one-time pairing code, hex, while it waits to be typed; cleared when used
    code_hash TEXT UNIQUE,
    code_expires_ms INTEGER,
    -- the anti-forgery token of the screen's forms and POSTs
    csrf TEXT NOT NULL,
    -- the manager who paired it
    paired_by TEXT NOT NULL CHECK (paired_by <> ''),
    created_ms INTEGER NOT NULL,
    paired_ms INTEGER,
    -- the screen was last opened (kept to the minute or so), to tell a screen that is off
    last_seen_ms INTEGER,
    -- unpaired by a manager: the cookie opens nothing any more
    revoked_ms INTEGER,
    CHECK (token_hash IS NOT NULL OR code_hash IS NOT NULL OR revoked_ms IS NOT NULL)
);
