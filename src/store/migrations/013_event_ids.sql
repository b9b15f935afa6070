-- Schema 13: every gate event gets an id made on this box (`uid`, a UUIDv7 made from the event's
-- time), so that the compound's shared store (PostgreSQL) keeps an event once however often a
-- box sends it after an outage; and how far this box's events have been sent there. Events
-- recorded before this schema get a random id. Conventions as in 001_records.sql.

ALTER TABLE gate_events ADD COLUMN uid TEXT;
UPDATE gate_events SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX gate_events_by_uid ON gate_events (uid);

-- per shared store (its address, password hidden): the last gate_events.id written there, and
-- the shared store's own time of the last look at the other boxes' events
CREATE TABLE uplink (
    store TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    pulled_until_ms INTEGER NOT NULL DEFAULT 0
);

-- the other boxes' vehicle events this box has applied to its vehicles-inside list (by their
-- id), with the plate and time, so that an older one never undoes a newer one
CREATE TABLE pulled_events (
    uid TEXT PRIMARY KEY,
    plate TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX pulled_events_by_plate ON pulled_events (plate, at_ms);
