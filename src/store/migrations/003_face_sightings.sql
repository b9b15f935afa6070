-- Schema 3: faces the cameras or `analyze` saw (sightings), kept for a configurable number of
-- days, and the guards' corrections ("this face is not that person"), which the gallery uses
-- for as long as the person is enrolled. Conventions as in 001_records.sql.

CREATE TABLE face_sightings (
    id INTEGER PRIMARY KEY,
    seen_ms INTEGER NOT NULL,
    -- camera name, or the photo file `analyze` read
    source TEXT NOT NULL,
    -- the embedder's key, as face_embeddings.model
    model TEXT NOT NULL CHECK (model <> ''),
    dim INTEGER NOT NULL CHECK (dim > 0),
    -- dim little-endian f32 values
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    -- the aligned 112×112 crop, relative to the data folder
    thumbnail TEXT,
    -- who the face was taken for, if anyone, and how similar
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    similarity REAL
);
CREATE INDEX face_sightings_by_time ON face_sightings (seen_ms);

CREATE TABLE face_corrections (
    id INTEGER PRIMARY KEY,
    -- the person the face is not
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- the sighting it came from; kept as NULL once the sighting has expired
    sighting_id INTEGER REFERENCES face_sightings (id) ON DELETE SET NULL,
    -- the face's embedding, copied so the correction outlives the sighting
    model TEXT NOT NULL CHECK (model <> ''),
    dim INTEGER NOT NULL CHECK (dim > 0),
    vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_ms INTEGER NOT NULL,
    actor TEXT NOT NULL CHECK (actor <> ''),
    UNIQUE (person_id, sighting_id)
);
CREATE INDEX face_corrections_by_model ON face_corrections (model, person_id);
