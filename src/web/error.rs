//! What went wrong answering a request, as the user reads it; the page that shows it is
//! `page`'s.

use crate::app::visitors::VisitorError;
use crate::store::StoreError;

/// What went wrong answering a request, as the user reads it.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen on {listen}: {message}")]
    Bind { listen: String, message: String },
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Bad input in a form; the message says what to write.
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Internal(String),
}

/// A visitor the service would not register: its sentence for what the guard can fix (bad
/// input), the store's error otherwise.
impl From<VisitorError> for WebError {
    fn from(e: VisitorError) -> Self {
        match e {
            VisitorError::Store(e) => WebError::Store(e),
            e => WebError::BadInput(e.to_string()),
        }
    }
}
