//! The live pipeline: frames from the cameras through the motion gate, the vision stages and the
//! tracker to gate events.

pub mod feed;
pub mod housekeeping;
pub mod motion;
pub mod service;
pub mod snapshot;
pub mod start;
pub mod uplink;
pub mod vehicles;
pub mod watch;

use crate::store::StoreError;
use crate::vision::runtime::ModelError;

/// Why a frame could not be looked at.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
