//! The error of a command that has already told the user what went wrong, line by line.

/// An error already shown to the user, line by line; the binary only sets the exit status.
#[derive(Debug, thiserror::Error)]
#[error("errors reported above")]
pub struct Reported;
