-- Schema 15: the rest of what a compound's gate boxes share through the shared store:
-- households (their notes), vehicles, passes, goods-release slips, shift records, users (not a
-- kiosk's own account: a screen belongs to its box) and their sessions, and guards' training
-- answers. Records with a key of their own are kept by it (a household by its code, a user by
-- their login, a session by its token's hash, a pass by its number); the others get an id made
-- on the box that recorded them (`uid`), as people and visits did in schema 14. Conventions as
-- in 001_records.sql.
--
-- `sync_changes` is rebuilt to take the new kinds (SQLite cannot change a CHECK in place); its
-- numbering goes on from where it was, since each shared store's `records_sent_seq` counts in
-- it. The triggers of schema 14 name it and need no change.

CREATE TABLE sync_changes_before_015 AS SELECT * FROM sync_changes;
CREATE TABLE sync_seq_before_015 AS
    SELECT seq FROM sqlite_sequence WHERE name = 'sync_changes';
DROP TABLE sync_changes;
-- the records changed on this box, in order: their kind and key
CREATE TABLE sync_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'visit', 'household', 'user', 'session', 'pass',
        'vehicle', 'goods_slip', 'shift', 'training_answer')),
    uid TEXT NOT NULL
);
CREATE INDEX sync_changes_by_record ON sync_changes (kind, uid);
INSERT INTO sync_changes (seq, kind, uid) SELECT seq, kind, uid FROM sync_changes_before_015;
DELETE FROM sqlite_sequence WHERE name = 'sync_changes';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'sync_changes', max(seq) FROM (
        SELECT seq FROM sync_seq_before_015
        UNION ALL SELECT seq FROM sync_changes
        UNION ALL SELECT 0
    );
DROP TABLE sync_changes_before_015;
DROP TABLE sync_seq_before_015;

ALTER TABLE vehicles ADD COLUMN uid TEXT;
UPDATE vehicles SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX vehicles_by_uid ON vehicles (uid);

ALTER TABLE goods_slips ADD COLUMN uid TEXT;
UPDATE goods_slips SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX goods_slips_by_uid ON goods_slips (uid);

ALTER TABLE shift_records ADD COLUMN uid TEXT;
UPDATE shift_records SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX shift_records_by_uid ON shift_records (uid);

ALTER TABLE training_answers ADD COLUMN uid TEXT;
UPDATE training_answers SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX training_answers_by_uid ON training_answers (uid);

-- everything recorded before this schema is sent to the shared store when one is set (people
-- and visits were noted by schema 14), what a record names before it
INSERT INTO sync_changes (kind, uid) SELECT 'household', code FROM households ORDER BY id;
INSERT INTO sync_changes (kind, uid)
    SELECT 'user', login FROM users WHERE login NOT GLOB 'kiosk:*' ORDER BY id;
INSERT INTO sync_changes (kind, uid) SELECT 'pass', number FROM passes ORDER BY id;
INSERT INTO sync_changes (kind, uid) SELECT 'vehicle', uid FROM vehicles ORDER BY id;
INSERT INTO sync_changes (kind, uid) SELECT 'goods_slip', uid FROM goods_slips ORDER BY id;
INSERT INTO sync_changes (kind, uid) SELECT 'shift', uid FROM shift_records ORDER BY id;
INSERT INTO sync_changes (kind, uid)
    SELECT 'session', s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE u.login NOT GLOB 'kiosk:*' ORDER BY s.created_ms;
INSERT INTO sync_changes (kind, uid)
    SELECT 'training_answer', uid FROM training_answers ORDER BY id;

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
