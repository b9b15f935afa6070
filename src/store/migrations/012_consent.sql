-- Schema 11 on this branch (012 once the login-throttling migration 011 lands before it):
-- residents' data rights (PIPL). A face is sensitive personal information: before it is
-- enrolled, the person (or whoever speaks for them, e.g. a parent) consents, and who gave it,
-- when, how and who recorded it are kept. A person's consents go with them when their data is
-- deleted. Also the indexes that let retention and deletion find who else still shows a
-- snapshot or a face crop before its file is deleted. Conventions as in 001_records.sql.

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
