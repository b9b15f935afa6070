//! The faces the records know, for everything that recognises (the service, `replay`,
//! `analyze`): the gallery built from the enrolled embeddings and the guards' corrections.

use std::path::Path;

use crate::recognize::gallery::Gallery;
use crate::store::{Store, StoreError};

/// The records of the data folder, when it has any: without them every face is unknown and
/// nothing is looked up.
pub fn records_if_any(data: &Path) -> Result<Option<Store>, StoreError> {
    let db = crate::store::database_path(data);
    Ok(if db.is_file() {
        Some(Store::open(&db)?)
    } else {
        None
    })
}

/// [`load_gallery`] from the records when there are any; an empty gallery otherwise.
pub fn gallery_of(store: Option<&Store>, model: &str) -> Result<Gallery, StoreError> {
    match store {
        Some(store) => load_gallery(store, model),
        None => Ok(Gallery::default()),
    }
}

/// The gallery of embeddings made by `model`, with every correction applied. A stored vector
/// the gallery cannot use (wrong length) is skipped with a warning, not fatal.
pub fn load_gallery(store: &Store, model: &str) -> Result<Gallery, StoreError> {
    let mut gallery = Gallery::default();
    for e in store.face_embeddings(model)? {
        if let Err(why) = gallery.add_vector(e.person_id, &e.vector) {
            tracing::warn!(embedding = e.id, %why, "stored face embedding skipped");
        }
    }
    for c in store.face_corrections(model)? {
        if let Err(why) = gallery.exclude_vector(c.person_id, &c.vector) {
            tracing::warn!(correction = c.id, %why, "stored face correction skipped");
        }
    }
    Ok(gallery)
}
