-- Schema 4: the vehicles inside the compound now. A vehicle seen driving in is added with the
-- event that saw it; seen driving out, it is removed. Kept in the database so that a restart
-- or a crash does not forget who is inside. Conventions as in 001_records.sql.

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
