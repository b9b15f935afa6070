-- Schema 8: the gallery learns from the gate. A face a guard confirmed at the gate is kept as
-- one more embedding of that person, marked 'gate' so that the few kept per person can be
-- told from the photos the manager enrolled and the oldest replaced. Conventions as in
-- 001_records.sql.

ALTER TABLE face_embeddings ADD COLUMN source TEXT NOT NULL DEFAULT 'enrolled'
    CHECK (source IN ('enrolled', 'gate'));
