-- The records' schema as it stands after the last migration (schema 11), in one file, for
-- reading: what tables there are, what each column holds, what the CHECKs allow.
--
-- It is NOT what builds a database. `Store::open` runs the migrations of src/store/migrations/
-- (listed in src/store/schema.rs), which are the source of truth; this file follows them. The
-- test `schema_sql_is_what_the_migrations_build` in src/store/schema.rs builds one database from
-- the migrations and one from this file and fails when their tables, indexes, `user_version` or
-- `application_id` differ (comments and whitespace aside). A schema change is a new migration
-- plus the same change here.
--
-- Conventions:
-- * instants are INTEGER milliseconds since 1970-01-01 UTC, in columns named *_ms; the gate's
--   time zone lives in the config, never in the database;
-- * calendar dates of the gate (a moving truck's booking, a shift's date) are TEXT 'YYYY-MM-DD'
--   in the gate's local time;
-- * closed sets of values are the `key()` strings of src/domain/, guarded by CHECK;
-- * file paths are relative to the data folder;
-- * booleans are INTEGER 0/1.

-- Schema 1, records (001_records.sql):
-- who and what the gate knows (households, people, their photos and face embeddings, vehicles)
-- and the audit log of who changed or exported what.

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
    updated_ms INTEGER NOT NULL,
    -- (schema 14) made on the box that recorded the person; the id the shared store keeps it by
    uid TEXT
);
CREATE INDEX people_by_name ON people (name);
CREATE UNIQUE INDEX people_by_uid ON people (uid);
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
    created_ms INTEGER NOT NULL,
    -- 'enrolled': from a photo or a sighting the manager chose; 'gate': a face a guard
    -- confirmed at the gate (a few kept per person, the oldest replaced)
    source TEXT NOT NULL DEFAULT 'enrolled' CHECK (source IN ('enrolled', 'gate'))
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
    -- (schema 15) made on the box that recorded the vehicle; the id the shared store keeps it by
    uid TEXT,
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

-- Schema 2, gate log (002_gate_log.sql):
-- the gate's duty log: gate events, passes, visits, goods-release slips and shift records.

CREATE TABLE gate_events (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    gate TEXT NOT NULL,
    camera TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('person', 'vehicle', 'alert', 'registration')),
    direction TEXT CHECK (direction IS NULL OR direction IN ('in', 'out')),
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    -- normalised like vehicles.plate
    plate TEXT CHECK (plate IS NULL OR (instr(plate, '·') = 0 AND instr(plate, ' ') = 0)),
    plate_colour TEXT CHECK (plate_colour IS NULL OR plate_colour IN ('blue', 'yellow', 'green',
        'yellow_green', 'white', 'black')),
    class TEXT CHECK (class IS NULL OR class IN ('vip', 'resident', 'office_staff',
        'company_staff', 'pass_holder', 'visitor', 'barred', 'former_staff')),
    -- what the screen said and decided (prompt text, refusal, alert)
    decision TEXT NOT NULL DEFAULT '',
    -- comma-separated post keys, in order: office_duty, shift_leader, patrol, central_control
    notified TEXT NOT NULL DEFAULT '',
    snapshot TEXT,
    score REAL,
    shift TEXT NOT NULL CHECK (shift IN ('night', 'morning', 'afternoon', 'evening')),
    -- made on this box (schema 13, 013_event_ids.sql): a UUIDv7 from the event's time; the id
    -- the shared store keeps it by
    uid TEXT
);
CREATE INDEX gate_events_by_time ON gate_events (at_ms);
CREATE UNIQUE INDEX gate_events_by_uid ON gate_events (uid);
CREATE INDEX gate_events_by_person ON gate_events (person_id, at_ms);
CREATE INDEX gate_events_by_plate ON gate_events (plate);

-- passes as schema 9 rebuilt them (009_manage.sql): their own purposes, an expiry, a revocation
CREATE TABLE passes (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number <> ''),
    holder_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    -- the keys of domain::PassPurpose
    purpose TEXT NOT NULL CHECK (purpose IN ('renovation', 'newspaper_milk', 'delivery',
        'food_delivery', 'installer', 'hourly_worker', 'contractor', 'other')),
    issued_ms INTEGER NOT NULL,
    -- the state of each half of the two-part pass
    first_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (first_half IN ('with_holder', 'at_gate', 'lost')),
    second_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (second_half IN ('with_holder', 'at_gate', 'lost')),
    kept_half_at_gate INTEGER NOT NULL DEFAULT 0 CHECK (kept_half_at_gate IN (0, 1)),
    returned_ms INTEGER,
    -- the pass is valid until this instant (exclusive); NULL: no end
    expires_ms INTEGER,
    -- when the office revoked it; a revoked pass is refused at the gate
    revoked_ms INTEGER
);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    visitor_surname TEXT NOT NULL,
    -- the room as the visitor said it, and the household when it is known
    room TEXT NOT NULL DEFAULT '',
    household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('visitor', 'newspaper_milk', 'food_delivery', 'tour',
        'renovation', 'clubhouse_customer', 'installer', 'office_business',
        'government_official', 'salesperson', 'property_agent', 'hourly_worker', 'office_staff',
        'former_staff')),
    id_checked INTEGER NOT NULL DEFAULT 0 CHECK (id_checked IN (0, 1)),
    resident_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (resident_confirmed IN (0, 1)),
    -- comma-separated post keys
    notified TEXT NOT NULL DEFAULT '',
    time_in_ms INTEGER NOT NULL,
    time_out_ms INTEGER,
    pass_id INTEGER REFERENCES passes (id) ON DELETE SET NULL,
    guard TEXT NOT NULL DEFAULT '',
    -- (schema 7) the camera's arrival the visitor was registered for, while it is kept
    arrival_id INTEGER REFERENCES gate_events (id) ON DELETE SET NULL,
    -- (schema 14) made on the box that registered the visitor; the id the shared store keeps it by
    uid TEXT,
    -- (schema 14) the box the visitor was registered at, when another box; NULL: this one
    box TEXT
);
CREATE INDEX visits_by_time ON visits (time_in_ms);
CREATE UNIQUE INDEX visits_by_uid ON visits (uid);
-- (schema 7)
CREATE INDEX visits_by_arrival ON visits (arrival_id);

CREATE TABLE goods_slips (
    id INTEGER PRIMARY KEY,
    slip_number TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    items TEXT NOT NULL DEFAULT '',
    issued_by TEXT NOT NULL DEFAULT '',
    -- the guard's check of slip against goods: NULL until checked
    checked_result TEXT CHECK (checked_result IS NULL OR checked_result IN ('match', 'mismatch')),
    at_ms INTEGER NOT NULL,
    -- (schema 15) made on the box that recorded the slip; the id the shared store keeps it by
    uid TEXT
);
CREATE INDEX goods_slips_by_time ON goods_slips (at_ms);

CREATE TABLE shift_records (
    id INTEGER PRIMARY KEY,
    gate TEXT NOT NULL,
    -- the gate's local date of the shift
    date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    shift TEXT NOT NULL CHECK (shift IN ('night', 'morning', 'afternoon', 'evening')),
    guard TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    follow_ups TEXT NOT NULL DEFAULT '',
    handed_over INTEGER NOT NULL DEFAULT 0 CHECK (handed_over IN (0, 1)),
    updated_ms INTEGER NOT NULL,
    -- (schema 7) the incoming guard who signed the handover off, and when; NULL until then
    handed_to TEXT,
    handed_over_ms INTEGER,
    -- (schema 15) made on the box that recorded the shift; the id the shared store keeps it by
    uid TEXT,
    UNIQUE (gate, date, shift)
);

-- Schema 3, face sightings (003_face_sightings.sql):
-- faces the cameras or `analyze` saw (sightings), kept for a configurable number of days, and
-- the guards' corrections ("this face is not that person"), which the gallery uses for as long
-- as the person is enrolled.

CREATE TABLE face_sightings (
    id INTEGER PRIMARY KEY,
    seen_ms INTEGER NOT NULL,
    -- camera name, or the photo file `analyze` read
    source TEXT NOT NULL,
    -- the embedder's key, as face_embeddings.model
    model TEXT NOT NULL CHECK (model <> ''),
    dim INTEGER NOT NULL CHECK (dim > 0),
    -- dim little-endian f32 values
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    -- the aligned 112×112 crop, relative to the data folder
    thumbnail TEXT,
    -- who the face was taken for, if anyone, and how similar
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    similarity REAL
);
CREATE INDEX face_sightings_by_time ON face_sightings (seen_ms);

CREATE TABLE face_corrections (
    id INTEGER PRIMARY KEY,
    -- the person the face is not
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- the sighting it came from; kept as NULL once the sighting has expired
    sighting_id INTEGER REFERENCES face_sightings (id) ON DELETE SET NULL,
    -- the face's embedding, copied so the correction outlives the sighting
    model TEXT NOT NULL CHECK (model <> ''),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_ms INTEGER NOT NULL,
    actor TEXT NOT NULL CHECK (actor <> ''),
    UNIQUE (person_id, sighting_id)
);
CREATE INDEX face_corrections_by_model ON face_corrections (model, person_id);

-- Schema 4, vehicles inside (004_vehicles_inside.sql):
-- the vehicles inside the compound now. A vehicle seen driving in is added with the event that
-- saw it; seen driving out, it is removed. Kept in the database so that a restart or a crash
-- does not forget who is inside.

CREATE TABLE vehicles_inside (
    -- normalised like vehicles.plate
    plate TEXT PRIMARY KEY CHECK (plate <> '' AND instr(plate, '·') = 0 AND instr(plate, ' ') = 0),
    plate_colour TEXT CHECK (plate_colour IS NULL OR plate_colour IN ('blue', 'yellow', 'green',
        'yellow_green', 'white', 'black')),
    since_ms INTEGER NOT NULL,
    gate TEXT NOT NULL,
    -- the arrival that saw it come in
    event_id INTEGER REFERENCES gate_events (id) ON DELETE SET NULL
) WITHOUT ROWID;
CREATE INDEX vehicles_inside_by_time ON vehicles_inside (since_ms);

-- Schema 5, users and sessions (005_users.sql):
-- who may use the web app, their logins, and guards' confirmations of what the cameras named.

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

-- Schema 6, training (006_training.sql):
-- training new guards to know the residents (SPEC §6). Every answer a guard gives is kept; the
-- schedule of each card and the guard's progress are worked out from these answers
-- (src/training/), so nothing derived is stored twice.

CREATE TABLE training_answers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the exercise's key in src/training/mod.rs
    exercise TEXT NOT NULL CHECK (exercise IN ('face_name', 'face_household', 'name_face',
        'household_members', 'vip_title')),
    -- the person asked about, or the household for household_members; a deleted person's or
    -- household's answers go with them
    person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
    household_id INTEGER REFERENCES households (id) ON DELETE CASCADE,
    at_ms INTEGER NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    -- (schema 15) made on the box the answer was given at; the id the shared store keeps it by
    uid TEXT,
    CHECK ((person_id IS NULL) <> (household_id IS NULL))
);
CREATE INDEX training_answers_by_user ON training_answers (user_id, at_ms);

-- Schema 9, manager's records (009_manage.sql): the passes table rebuilt, above.

-- Schema 10, kiosks (010_kiosks.sql):
-- gate PCs paired as guard screens. A manager pairs the gate PC once; its browser then holds a
-- long-lived cookie that opens the guard screen, and nothing else.

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

-- Schema 11, logins (011_logins.sql):
-- failed logins in a row, per account and per client address, so that the waits and locks of
-- the login throttle survive a restart.

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

-- Schema 12, consent (012_consent.sql):
-- residents' data rights (PIPL). A face is sensitive personal information: before it is
-- enrolled, the person (or whoever speaks for them) consents, and who gave it, when, how and who
-- recorded it are kept. Also the indexes that let retention and deletion find who else still
-- shows a snapshot or a face crop before its file is deleted.

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- who gave it: 本人 (the person), or the name of who speaks for them, e.g. 监护人 陈静
    given_by TEXT NOT NULL CHECK (given_by <> ''),
    -- the gate's local date it was given
    given_on TEXT NOT NULL CHECK (given_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- how: the keys of domain::ConsentMethod (书面 signed form, 口头 oral, 线上 online)
    method TEXT NOT NULL CHECK (method IN ('written', 'oral', 'online')),
    -- e.g. where the signed form is kept, the form's number
    note TEXT NOT NULL DEFAULT '',
    -- who recorded it here (a manager's name, or the import's actor), and when
    recorded_by TEXT NOT NULL CHECK (recorded_by <> ''),
    recorded_ms INTEGER NOT NULL
);
-- the latest consent of a person is the one in force
CREATE INDEX consents_by_person ON consents (person_id, id);

-- which events show a snapshot file, and which sightings name a face crop
CREATE INDEX gate_events_by_snapshot ON gate_events (snapshot) WHERE snapshot IS NOT NULL;
CREATE INDEX face_sightings_by_thumbnail ON face_sightings (thumbnail) WHERE thumbnail IS NOT NULL;

-- Schema 13, event ids (013_event_ids.sql): per shared store (its address, password hidden),
-- the last gate_events.id written there and the shared store's time of the last look at the
-- other boxes' events; the other boxes' vehicle events applied to the vehicles-inside list.
CREATE TABLE uplink (
    store TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    pulled_until_ms INTEGER NOT NULL DEFAULT 0,
    -- (schema 14) the last sync_changes.seq sent there, the last shared_records seq taken
    records_sent_seq INTEGER NOT NULL DEFAULT 0,
    records_pulled_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE pulled_events (
    uid TEXT PRIMARY KEY,
    plate TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX pulled_events_by_plate ON pulled_events (plate, at_ms);

-- Schema 14, shared records (014_shared_records.sql): the people and visits changed on this box,
-- to send to the shared store, noted by the triggers below; `sync_applying` has a row only while
-- the shared store's changes are applied (they are not noted).
-- the records changed on this box, in order: their kind and key (schema 15: rebuilt for the
-- kinds it shares)
CREATE TABLE sync_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'visit', 'household', 'user', 'session', 'pass',
        'vehicle', 'goods_slip', 'shift', 'training_answer')),
    uid TEXT NOT NULL
);
CREATE INDEX sync_changes_by_record ON sync_changes (kind, uid);
-- a person's faces and corrections, replaced when a person comes from another box (and found
-- by the cascade when a person is deleted)
CREATE INDEX face_embeddings_by_person ON face_embeddings (person_id);
CREATE INDEX face_corrections_by_person ON face_corrections (person_id);
-- has a row only inside the transaction that applies the shared store's changes
CREATE TABLE sync_applying (
    one INTEGER PRIMARY KEY CHECK (one = 1)
);

CREATE TRIGGER people_uid AFTER INSERT ON people WHEN NEW.uid IS NULL
BEGIN
    UPDATE people SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER people_changed AFTER UPDATE ON people
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('person', NEW.uid);
END;
CREATE TRIGGER people_deleted AFTER DELETE ON people
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('person', OLD.uid);
END;
CREATE TRIGGER faces_added AFTER INSERT ON face_embeddings
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = NEW.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER faces_changed AFTER UPDATE ON face_embeddings
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = NEW.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER faces_deleted AFTER DELETE ON face_embeddings
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = OLD.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER corrections_added AFTER INSERT ON face_corrections
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = NEW.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER corrections_deleted AFTER DELETE ON face_corrections
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = OLD.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER consents_added AFTER INSERT ON consents
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = NEW.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER consents_deleted AFTER DELETE ON consents
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid)
        SELECT 'person', uid FROM people WHERE id = OLD.person_id AND uid IS NOT NULL;
END;
CREATE TRIGGER visits_uid AFTER INSERT ON visits WHEN NEW.uid IS NULL
BEGIN
    UPDATE visits SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER visits_changed AFTER UPDATE ON visits
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('visit', NEW.uid);
END;
CREATE TRIGGER visits_deleted AFTER DELETE ON visits
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('visit', OLD.uid);
END;

-- What `migrate` sets after the last step: the schema version and gateward's mark ("GWRD").
PRAGMA user_version = 15;
PRAGMA application_id = 1196905028; -- 0x47575244

-- Schema 15, more shared records (015_more_shared_records.sql): households, users (not a kiosk's
-- own account) and their sessions, passes, vehicles, goods slips, shift records and training
-- answers changed on this box, noted by the triggers below to send to the shared store. Those
-- with a key of their own are kept by it (code, login, token hash, pass number); the others by
-- a `uid` made on the box.
CREATE UNIQUE INDEX vehicles_by_uid ON vehicles (uid);
CREATE UNIQUE INDEX goods_slips_by_uid ON goods_slips (uid);
CREATE UNIQUE INDEX shift_records_by_uid ON shift_records (uid);
CREATE UNIQUE INDEX training_answers_by_uid ON training_answers (uid);

CREATE TRIGGER households_added AFTER INSERT ON households
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('household', NEW.code);
END;
CREATE TRIGGER households_changed AFTER UPDATE ON households
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) SELECT 'household', OLD.code WHERE OLD.code <> NEW.code;
    INSERT INTO sync_changes (kind, uid) VALUES ('household', NEW.code);
END;
CREATE TRIGGER households_deleted AFTER DELETE ON households
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('household', OLD.code);
END;
CREATE TRIGGER users_added AFTER INSERT ON users
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND NEW.login NOT GLOB 'kiosk:*'
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('user', NEW.login);
END;
CREATE TRIGGER users_changed AFTER UPDATE ON users
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND NEW.login NOT GLOB 'kiosk:*'
BEGIN
    INSERT INTO sync_changes (kind, uid) SELECT 'user', OLD.login WHERE OLD.login <> NEW.login;
    INSERT INTO sync_changes (kind, uid) VALUES ('user', NEW.login);
END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND OLD.login NOT GLOB 'kiosk:*'
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('user', OLD.login);
END;
CREATE TRIGGER sessions_added AFTER INSERT ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('session', NEW.token_hash);
END;
CREATE TRIGGER sessions_changed AFTER UPDATE ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) SELECT 'session', OLD.token_hash WHERE OLD.token_hash <> NEW.token_hash;
    INSERT INTO sync_changes (kind, uid) VALUES ('session', NEW.token_hash);
END;
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('session', OLD.token_hash);
END;
CREATE TRIGGER passes_added AFTER INSERT ON passes
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('pass', NEW.number);
END;
CREATE TRIGGER passes_changed AFTER UPDATE ON passes
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) SELECT 'pass', OLD.number WHERE OLD.number <> NEW.number;
    INSERT INTO sync_changes (kind, uid) VALUES ('pass', NEW.number);
END;
CREATE TRIGGER passes_deleted AFTER DELETE ON passes
    WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('pass', OLD.number);
END;
CREATE TRIGGER vehicles_uid AFTER INSERT ON vehicles WHEN NEW.uid IS NULL
BEGIN
    UPDATE vehicles SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER vehicles_changed AFTER UPDATE ON vehicles
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('vehicle', NEW.uid);
END;
CREATE TRIGGER vehicles_deleted AFTER DELETE ON vehicles
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('vehicle', OLD.uid);
END;
CREATE TRIGGER goods_slips_uid AFTER INSERT ON goods_slips WHEN NEW.uid IS NULL
BEGIN
    UPDATE goods_slips SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER goods_slips_changed AFTER UPDATE ON goods_slips
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('goods_slip', NEW.uid);
END;
CREATE TRIGGER goods_slips_deleted AFTER DELETE ON goods_slips
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('goods_slip', OLD.uid);
END;
CREATE TRIGGER shift_records_uid AFTER INSERT ON shift_records WHEN NEW.uid IS NULL
BEGIN
    UPDATE shift_records SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER shift_records_changed AFTER UPDATE ON shift_records
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('shift', NEW.uid);
END;
CREATE TRIGGER shift_records_deleted AFTER DELETE ON shift_records
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('shift', OLD.uid);
END;
CREATE TRIGGER training_answers_uid AFTER INSERT ON training_answers WHEN NEW.uid IS NULL
BEGIN
    UPDATE training_answers SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
CREATE TRIGGER training_answers_changed AFTER UPDATE ON training_answers
    WHEN NEW.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('training_answer', NEW.uid);
END;
CREATE TRIGGER training_answers_deleted AFTER DELETE ON training_answers
    WHEN OLD.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    INSERT INTO sync_changes (kind, uid) VALUES ('training_answer', OLD.uid);
END;
