//! Which files of the data folder (photos, face crops, snapshots) the records still name: a file
//! stored once for two records is deleted only when the last one goes.

use rusqlite::Connection;

/// Whether any record still names the file `path` (relative to the data folder).
fn file_in_use(conn: &Connection, path: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM person_photos WHERE path = ?1) \
             OR EXISTS (SELECT 1 FROM face_embeddings WHERE thumbnail = ?1) \
             OR EXISTS (SELECT 1 FROM face_sightings WHERE thumbnail = ?1) \
             OR EXISTS (SELECT 1 FROM gate_events WHERE snapshot = ?1)",
        [path],
        |r| r.get(0),
    )
}

/// Of `files`, those no record names any more: the ones the caller may delete from disk.
pub(crate) fn unnamed(conn: &Connection, files: Vec<String>) -> rusqlite::Result<Vec<String>> {
    let mut orphans = Vec::with_capacity(files.len());
    for f in files {
        if !file_in_use(conn, &f)? {
            orphans.push(f);
        }
    }
    Ok(orphans)
}
