-- Schema 14: the records a compound's gate boxes share through the shared store (PostgreSQL):
-- people (with their faces, the guards' corrections and consents) and visitors. Each person and
-- each visit gets an id made on the box that recorded it (`uid`); every change to them is noted
-- in `sync_changes` by triggers, so that whatever writes them (the web pages, an import, a face
-- a guard confirmed) is sent on. Changes applied from the shared store are written while
-- `sync_applying` has a row, and are not noted (they are not sent back). Conventions as in
-- 001_records.sql.

ALTER TABLE people ADD COLUMN uid TEXT;
UPDATE people SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX people_by_uid ON people (uid);

ALTER TABLE visits ADD COLUMN uid TEXT;
-- the box the visitor was registered at, when it is another box of the compound; NULL: this one
ALTER TABLE visits ADD COLUMN box TEXT;
UPDATE visits SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX visits_by_uid ON visits (uid);

-- the records changed on this box, in order: kind 'person' or 'visit', and its uid
CREATE TABLE sync_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'visit')),
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

-- per shared store: the last change of this box sent there, the last of the store's taken
ALTER TABLE uplink ADD COLUMN records_sent_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uplink ADD COLUMN records_pulled_seq INTEGER NOT NULL DEFAULT 0;

-- everything recorded before this schema is sent to the shared store when one is set
INSERT INTO sync_changes (kind, uid) SELECT 'person', uid FROM people ORDER BY id;
INSERT INTO sync_changes (kind, uid) SELECT 'visit', uid FROM visits ORDER BY id;

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
