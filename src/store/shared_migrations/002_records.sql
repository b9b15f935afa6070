-- The shared store's schema 2: the records the boxes share, one JSON document each (a person with
-- their faces, corrections and consents; a visit), kept by kind and the id the box that made the
-- record gave it. A deleted record stays as a row without a document, so that every box learns
-- of the deletion. `seq` orders the changes: a box takes the changes after the last it took.
-- Writers hold an advisory lock for their transaction, so changes commit in `seq` order and a
-- box that reads after seq N never misses one committed later with a smaller number.

CREATE SEQUENCE shared_records_seq;
CREATE TABLE shared_records (
    kind TEXT NOT NULL CHECK (kind <> ''),
    uid TEXT NOT NULL CHECK (uid <> ''),
    -- NULL: deleted
    doc JSONB,
    -- the box that wrote this version ([box] name)
    box TEXT NOT NULL CHECK (box <> ''),
    seq BIGINT NOT NULL DEFAULT nextval('shared_records_seq'),
    written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, uid)
);
CREATE UNIQUE INDEX shared_records_by_seq ON shared_records (seq);

-- the boxes look every half second at the events the others wrote since their last look (the
-- vehicles in and out, the notices for their posts)
CREATE INDEX gate_events_by_written ON gate_events (written_at);
