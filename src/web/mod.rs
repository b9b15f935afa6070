//! The web app: the guard's screen (live prompts over server-sent events), the guard's
//! actions, the manager's pages, and the logins that guard them. axum; every page, script and
//! style sheet is compiled into the binary (no CDN; scripts and styles only as files, never
//! inline), every route but the login page and those files needs a session, and every answer
//! carries the security headers.

pub mod actions;
pub mod assets;
pub mod auth;
pub mod desk;
pub mod error;
pub mod files;
pub mod headers;
pub mod hub;
pub mod kiosk;
pub mod manage;
pub mod page;
pub mod screen;
pub mod session;
pub mod state;
pub mod tls;
pub mod training;

use std::net::SocketAddr;

use axum::Router;
use axum::response::Response;

pub use error::WebError;
pub use hub::Hub;
pub use state::{AppState, HealthFn, SharedStoreFn, blocking};

/// The largest body of a form or a JSON request (uploads of photos set their own): the longest
/// texts the records take (`domain::limits`) fit many times over.
const BODY_LIMIT: usize = 256 * 1024;

/// The whole app: the login page and the style and script files, then everything behind a
/// session; every answer with the security headers.
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
        .merge(assets::routes())
        .merge(kiosk::routes())
        .merge(behind_login)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(page::api_errors))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// An unknown address is a 404 with the way home, whoever asks: logging in would not make it
/// exist, so a stranger is not sent to the login page for it.
async fn not_found() -> Response {
    use axum::response::IntoResponse;
    (axum::http::StatusCode::NOT_FOUND, page::not_found()).into_response()
}

/// Binds `listen` and serves the app until `stop` resolves, over HTTPS with `tls` (else plain
/// HTTP), telling each request its client's address (`ConnectInfo<SocketAddr>`). A port in use
/// is a clear error.
pub async fn serve(
    state: AppState,
    listen: &str,
    tls: Option<tls::Tls>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<SocketAddr, WebError> {
    let listener = bind(listen).await?;
    let addr = listener.local_addr().map_err(|e| WebError::Bind {
        listen: listen.to_owned(),
        message: e.to_string(),
    })?;
    let hub = state.hub.clone();
    // the hash an unknown login is checked against, made before the first login needs it
    let _ = tokio::task::spawn_blocking(|| auth::dummy_hash().len()).await;
    // each handler may ask for the client's address (the login throttle counts per address)
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // when stopping, the screens' live streams end too, or an open browser would hold the
    // server (and Ctrl-C) forever
    let stop = async move {
        stop.await;
        hub.close();
    };
    let Some(tls) = tls else {
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("the web app stopped: {e}");
            }
        });
        return Ok(addr);
    };
    let listener = listener.into_std().map_err(|e| WebError::Bind {
        listen: listen.to_owned(),
        message: e.to_string(),
    })?;
    let server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(tls.config),
    )
    .map_err(|e| WebError::Bind {
        listen: listen.to_owned(),
        message: e.to_string(),
    })?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        stop.await;
        // answers under way get a few seconds to finish
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    });
    tokio::spawn(async move {
        if let Err(e) = server.handle(handle).serve(app).await {
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
