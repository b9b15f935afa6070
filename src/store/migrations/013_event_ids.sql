-- Schema 13: every gate event gets an id made on this box (`uid`, a UUIDv7 made from the event's
-- time), so that the compound's shared store (PostgreSQL) keeps an event once however often a
-- box sends it after an outage; and how far this box's events have been sent there. Events
-- recorded before this schema get a random id. Conventions as in 001_records.sql.

ALTER TABLE gate_events ADD COLUMN uid TEXT;
UPDATE gate_events SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX gate_events_by_uid ON gate_events (uid);

-- per shared store (its address, password hidden): the last gate_events.id written there
CREATE TABLE uplink (
    store TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL DEFAULT 0
);
