//! The web app: the guard's screen (live prompts over server-sent events), the guard's
//! actions, the manager's pages, and the logins that guard them. axum; every page, script and
//! style sheet is compiled into the binary (no CDN), and every route but the login page needs
//! a session.

pub mod actions;
pub mod auth;
pub mod desk;
pub mod files;
pub mod hub;
pub mod manage;
pub mod page;
pub mod screen;
pub mod session;
pub mod training;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;

use crate::clock::Clock;
use crate::domain::event::CameraHealth;
use crate::store::{Store, StoreError};

pub use hub::Hub;

/// What tells the screen how the cameras are.
pub type HealthFn = Arc<dyn Fn() -> Vec<CameraHealth> + Send + Sync>;

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
    /// The running service's face gallery, which corrections and enrolments change at once;
    /// `None` when no service runs (they then apply at the next start).
    pub gallery: Option<crate::pipeline::service::GalleryEditor>,
    /// The face models that enrol uploaded photos, loaded at the first upload; `None` where
    /// photos cannot be enrolled (the manager is pointed at `gateward enroll`).
    pub enrol: Option<Arc<manage::Enroller>>,
    /// Training: the quiet moment and the new cards a day.
    pub training: crate::config::Training,
}

/// The whole app: the login page, then everything behind a session.
pub fn router(state: AppState) -> Router {
    let behind_login = Router::new()
        .merge(auth::session_routes())
        .merge(screen::routes())
        .merge(files::routes())
        .merge(actions::routes())
        .merge(desk::routes())
        .merge(manage::routes())
        .merge(training::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_session,
        ));
    Router::new()
        .merge(auth::routes())
        .merge(behind_login)
        .fallback(not_found)
        .with_state(state)
}

/// Unknown addresses get what any address gets without a session: a page request the way to
/// the login page, anything else a 401.
async fn not_found(method: axum::http::Method, headers: axum::http::HeaderMap) -> Response {
    auth::unauthenticated(&method, &headers)
}

/// Binds `listen` and serves the app until `stop` resolves. A port in use is a clear error.
pub async fn serve(
    state: AppState,
    listen: &str,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<SocketAddr, WebError> {
    let listener = bind(listen).await?;
    let addr = listener.local_addr().map_err(|e| WebError::Bind {
        listen: listen.to_owned(),
        message: e.to_string(),
    })?;
    let hub = state.hub.clone();
    let app = router(state);
    // when stopping, the screens' live streams end too, or an open browser would hold the
    // server (and Ctrl-C) forever
    let stop = async move {
        stop.await;
        hub.close();
    };
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!("the web app stopped: {e}");
        }
    });
    Ok(addr)
}

/// Binds the listening socket.
pub async fn bind(listen: &str) -> Result<tokio::net::TcpListener, WebError> {
    tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| WebError::Bind {
            listen: listen.to_owned(),
            message: if e.kind() == std::io::ErrorKind::AddrInUse {
                "the port is in use by another program; stop it or set another [web] listen"
                    .to_owned()
            } else {
                e.to_string()
            },
        })
}

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

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::BadInput(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound { .. }) => {
                StatusCode::NOT_FOUND
            }
            WebError::Store(StoreError::Invalid { .. } | StoreError::Constraint { .. }) => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("web: {self}");
        }
        (status, page::message_page(status, &self.to_string())).into_response()
    }
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
