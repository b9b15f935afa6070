-- Schema 9: passes the office keeps in the browser. A pass gets its own purposes (the regular
-- non-owners who hold passes: renovation, newspaper and milk, deliveries, installers, hourly
-- workers, contractors; SPEC §1), an expiry and a revocation; a revoked or expired pass is
-- refused at the gate. Conventions as in 001_records.sql.
--
-- SQLite cannot change a CHECK in place, so the table is rebuilt. With foreign keys on, dropping
-- the old table sets visits.pass_id to NULL (ON DELETE SET NULL), so the links are kept aside
-- and put back; the ids of the passes do not change.

CREATE TABLE passes_before_009 AS SELECT * FROM passes;
CREATE TABLE visit_passes_before_009 AS
    SELECT id, pass_id FROM visits WHERE pass_id IS NOT NULL;

DROP TABLE passes;

CREATE TABLE passes (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (number <> ''),
    holder_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    -- the keys of domain::PassPurpose
    purpose TEXT NOT NULL CHECK (purpose IN ('renovation', 'newspaper_milk', 'delivery',
        'food_delivery', 'installer', 'hourly_worker', 'contractor', 'other')),
    issued_ms INTEGER NOT NULL,
    -- the state of each half of the two-part pass
    first_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (first_half IN ('with_holder', 'at_gate', 'lost')),
    second_half TEXT NOT NULL DEFAULT 'with_holder' CHECK (second_half IN ('with_holder', 'at_gate', 'lost')),
    kept_half_at_gate INTEGER NOT NULL DEFAULT 0 CHECK (kept_half_at_gate IN (0, 1)),
    returned_ms INTEGER,
    -- the pass is valid until this instant (exclusive); NULL: no end
    expires_ms INTEGER,
    -- when the office revoked it; a revoked pass is refused at the gate
    revoked_ms INTEGER
);

INSERT INTO passes (id, number, holder_person_id, purpose, issued_ms, first_half, second_half,
    kept_half_at_gate, returned_ms)
SELECT id, number, holder_person_id,
    CASE WHEN purpose IN ('renovation', 'newspaper_milk', 'food_delivery', 'installer',
        'hourly_worker') THEN purpose ELSE 'other' END,
    issued_ms, first_half, second_half, kept_half_at_gate, returned_ms
FROM passes_before_009;

UPDATE visits SET pass_id = (SELECT v.pass_id FROM visit_passes_before_009 v WHERE v.id = visits.id)
WHERE id IN (SELECT id FROM visit_passes_before_009);

DROP TABLE passes_before_009;
DROP TABLE visit_passes_before_009;
