//! Which files of the data folder (photos, face crops, snapshots) the records still name: a file
//! stored once for two records is deleted only when the last one goes.

use rusqlite::Connection;

/// Whether any record still names the file `path` (relative to the data folder).
pub(crate) fn file_in_use(conn: &Connection, path: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM person_photos WHERE path = ?1) \
             OR EXISTS (SELECT 1 FROM face_embeddings WHERE thumbnail = ?1) \
             OR EXISTS (SELECT 1 FROM face_sightings WHERE thumbnail = ?1) \
             OR EXISTS (SELECT 1 FROM gate_events WHERE snapshot = ?1)",
        [path],
        |r| r.get(0),
    )
}
