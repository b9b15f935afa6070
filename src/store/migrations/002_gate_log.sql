-- Schema 2: the gate's duty log: gate events, passes, visits, goods-release slips and shift
-- records. Conventions as in 001_records.sql.

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
    shift TEXT NOT NULL CHECK (shift IN ('night', 'morning', 'afternoon', 'evening'))
);
CREATE INDEX gate_events_by_time ON gate_events (at_ms);
CREATE INDEX gate_events_by_person ON gate_events (person_id, at_ms);
CREATE INDEX gate_events_by_plate ON gate_events (plate);

CREATE TABLE passes (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number <> ''),
    holder_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('visitor', 'newspaper_milk', 'food_delivery', 'tour',
        'renovation', 'clubhouse_customer', 'installer', 'office_business',
        'government_official', 'salesperson', 'property_agent', 'hourly_worker', 'office_staff',
        'former_staff')),
    issued_ms INTEGER NOT NULL,
    -- the state of each half of the two-part pass
    first_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (first_half IN ('with_holder', 'at_gate', 'lost')),
    second_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (second_half IN ('with_holder', 'at_gate', 'lost')),
    kept_half_at_gate INTEGER NOT NULL DEFAULT 0 CHECK (kept_half_at_gate IN (0, 1)),
    returned_ms INTEGER
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
    guard TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visits_by_time ON visits (time_in_ms);

CREATE TABLE goods_slips (
    id INTEGER PRIMARY KEY,
    slip_number TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    items TEXT NOT NULL DEFAULT '',
    issued_by TEXT NOT NULL DEFAULT '',
    -- the guard's check of slip against goods: NULL until checked
    checked_result TEXT CHECK (checked_result IS NULL OR checked_result IN ('match', 'mismatch')),
    at_ms INTEGER NOT NULL
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
    UNIQUE (gate, date, shift)
);
