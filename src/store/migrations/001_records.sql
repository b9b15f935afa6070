-- Schema 1: who and what the gate knows (households, people, their photos and face embeddings,
-- vehicles) and the audit log of who changed or exported what.
--
-- Conventions (every migration follows them):
-- * instants are INTEGER milliseconds since 1970-01-01 UTC, in columns named *_ms; the gate's
--   time zone lives in the config, never in the database;
-- * calendar dates of the gate (a moving truck's booking, a shift's date) are TEXT 'YYYY-MM-DD'
--   in the gate's local time;
-- * closed sets of values are the `key()` strings of src/domain.rs, guarded by CHECK;
-- * file paths are relative to the data folder;
-- * booleans are INTEGER 0/1.

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    -- building-unit-room, e.g. 3-2-1502
    code TEXT NOT NULL UNIQUE CHECK (code <> ''),
    notes TEXT NOT NULL DEFAULT ''
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (name <> ''),
    class TEXT NOT NULL CHECK (class IN ('vip', 'resident', 'office_staff', 'company_staff',
        'pass_holder', 'visitor', 'barred', 'former_staff')),
    -- used in greetings: 王总, 李主任 (VIPs and staff)
    title TEXT NOT NULL DEFAULT '',
    household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left')),
    appearance_notes TEXT NOT NULL DEFAULT '',
    habit_notes TEXT NOT NULL DEFAULT '',
    -- company staff who ask that the office duty staff not be told: tell the shift leader
    ask_not_to_notify INTEGER NOT NULL DEFAULT 0 CHECK (ask_not_to_notify IN (0, 1)),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX people_by_name ON people (name);
CREATE INDEX people_by_household ON people (household_id);

CREATE TABLE person_photos (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    path TEXT NOT NULL CHECK (path <> ''),
    -- lowercase hex of the file's SHA-256
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    added_ms INTEGER NOT NULL,
    UNIQUE (person_id, sha256)
);

CREATE TABLE face_embeddings (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- the model's id in the model manifest
    model TEXT NOT NULL CHECK (model <> ''),
    dim INTEGER NOT NULL CHECK (dim > 0),
    -- dim little-endian f32 values
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    thumbnail TEXT,
    photo_id INTEGER REFERENCES person_photos (id) ON DELETE SET NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX face_embeddings_by_model ON face_embeddings (model, person_id);

CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY,
    -- normalised: no '·', no spaces, letters uppercase, e.g. 京A12345
    plate TEXT NOT NULL CHECK (plate <> '' AND instr(plate, '·') = 0 AND instr(plate, ' ') = 0),
    colour TEXT CHECK (colour IS NULL OR colour IN ('blue', 'yellow', 'green', 'yellow_green',
        'white', 'black')),
    kind TEXT NOT NULL CHECK (kind IN ('household', 'vip', 'staff', 'moving_truck', 'special',
        'barred')),
    owner_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    owner_household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    -- inclusive local dates; a booked moving truck is expected only within them
    valid_from TEXT CHECK (valid_from IS NULL OR valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valid_to TEXT CHECK (valid_to IS NULL OR valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    notes TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX vehicles_by_plate ON vehicles (plate);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    -- who: a guard's or manager's name, or "system"
    actor TEXT NOT NULL,
    -- what was done, e.g. person.insert, person.update, import, export
    action TEXT NOT NULL CHECK (action <> ''),
    -- what it was done to, e.g. person:12, household:3-2-1502, file name
    object TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);
