//! What every request handler is given: the app's state (the records, the live feed, the
//! clock, the gate), and the way to run blocking store work off the async threads.

use std::path::PathBuf;
use std::sync::Arc;

use chrono_tz::Tz;

use super::error::WebError;
use super::hub::Hub;
use crate::clock::Clock;
use crate::domain::event::CameraHealth;
use crate::store::Store;

/// What tells the screen how the cameras are.
pub type HealthFn = Arc<dyn Fn() -> Vec<CameraHealth> + Send + Sync>;

/// What tells the screen whether the compound's shared store answers.
pub type SharedStoreFn = Arc<dyn Fn() -> crate::pipeline::uplink::UplinkStatus + Send + Sync>;

/// Everything a request may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub hub: Hub,
    pub clock: Arc<dyn Clock>,
    /// The gate's time zone.
    pub tz: Tz,
    /// The gate's name, shown in the header.
    pub gate: String,
    /// The data folder (snapshots, face crops, photos).
    pub data: PathBuf,
    /// Mark the session cookie Secure.
    pub secure_cookie: bool,
    /// Hours a login lasts without being used.
    pub session_hours: u32,
    pub health: HealthFn,
    /// The shared store's state, in a compound with several boxes; `None` for one box.
    pub shared_store: Option<SharedStoreFn>,
    /// The running service's face gallery, which corrections and enrolments change at once;
    /// `None` when no service runs (they then apply at the next start).
    pub gallery: Option<crate::pipeline::service::GalleryEditor>,
    /// The face models that enrol uploaded photos, loaded at the first upload; `None` where
    /// photos cannot be enrolled (the manager is pointed at `gateward enroll`).
    pub enrol: Option<Arc<crate::app::enrol::Enroller>>,
    /// Training: the quiet moment and the new cards a day.
    pub training: crate::config::Training,
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T, F>(work: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, WebError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| WebError::Internal(format!("a request's work failed: {e}")))?
}
