-- Schema 7: the desk's links. A visit registered for an arrival the cameras saw names that
-- gate event, so the screen can say the arrival is registered; a shift record keeps who took
-- the shift over and when (the incoming guard's sign-off, once a shift). Conventions as in
-- 001_records.sql.

ALTER TABLE visits ADD COLUMN arrival_id INTEGER REFERENCES gate_events (id) ON DELETE SET NULL;
CREATE INDEX visits_by_arrival ON visits (arrival_id);

ALTER TABLE shift_records ADD COLUMN handed_to TEXT;
ALTER TABLE shift_records ADD COLUMN handed_over_ms INTEGER;
