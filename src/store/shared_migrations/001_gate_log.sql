-- The shared store's schema 1: the gate log of every box of the compound. An event is kept by
-- the id its box made (a UUIDv7 from the event's time), so an event sent twice (a box that sends
-- again after an outage, or after a crash before it noted the send) is kept once. Person ids are
-- each box's own: the event carries the person's name.

CREATE TABLE gate_events (
    uid UUID PRIMARY KEY,
    -- the box that saw or recorded it ([box] name), and its own id for the event there
    box TEXT NOT NULL CHECK (box <> ''),
    box_event_id BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    gate TEXT NOT NULL,
    camera TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('person', 'vehicle', 'alert', 'registration')),
    direction TEXT CHECK (direction IS NULL OR direction IN ('in', 'out')),
    person TEXT,
    -- normalised as on the box (京A12345)
    plate TEXT,
    plate_colour TEXT,
    class TEXT,
    decision TEXT NOT NULL DEFAULT '',
    -- comma-separated post keys, in order
    notified TEXT NOT NULL DEFAULT '',
    -- the snapshot file, relative to the box's data folder (it stays on the box)
    snapshot TEXT,
    score REAL,
    shift TEXT NOT NULL,
    -- when the shared store received it
    written_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gate_events_by_time ON gate_events (at);
CREATE INDEX gate_events_by_plate ON gate_events (plate);
CREATE INDEX gate_events_by_box ON gate_events (box, box_event_id);
