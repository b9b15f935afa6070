-- Schema 6: training new guards to know the residents (SPEC §6). Every answer a guard gives is
-- kept; the schedule of each card and the guard's progress are worked out from these answers
-- (src/training/), so nothing derived is stored twice. Conventions as in 001_records.sql.

CREATE TABLE training_answers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the exercise's key in src/training/mod.rs
    exercise TEXT NOT NULL CHECK (exercise IN ('face_name', 'face_household', 'name_face',
        'household_members', 'vip_title')),
    -- the person asked about, or the household for household_members; a deleted person's or
    -- household's answers go with them
    person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
    household_id INTEGER REFERENCES households (id) ON DELETE CASCADE,
    at_ms INTEGER NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    CHECK ((person_id IS NULL) <> (household_id IS NULL))
);
CREATE INDEX training_answers_by_user ON training_answers (user_id, at_ms);
