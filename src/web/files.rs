//! The pictures the pages show from the data folder: snapshots, face crops and photos, served
//! under `/files/` (only those folders, no way out of them) and read for the training cards.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::WebError;
use super::state::AppState;

/// The folders under the data folder the screen may show files of.
const SHOWN_FOLDERS: [&str; 3] = ["snapshots/", "sightings/", "photos/"];

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{*path}", get(file))
}

/// A snapshot, face crop or photo from the data folder. Only those folders; no way out of them.
async fn file(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, WebError> {
    let allowed = SHOWN_FOLDERS.iter().any(|f| path.starts_with(f))
        && !path
            .split('/')
            .any(|p| p == ".." || p.is_empty() || p.starts_with('.'));
    if !allowed {
        return Err(WebError::NotFound("没有这个文件 (no such file)".into()));
    }
    image(
        &s.data.join(&path),
        "这张图片已过保留期或已删除 (the picture has expired or was deleted)",
    )
    .await
}

/// A picture from the data folder, kept by the browser for an hour; `gone` is what a missing
/// file is called.
pub async fn image(full: &std::path::Path, gone: &str) -> Result<Response, WebError> {
    let bytes = tokio::fs::read(full).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            WebError::NotFound(gone.to_owned())
        } else {
            WebError::Internal(format!("cannot read {}: {e}", full.display()))
        }
    })?;
    let kind = match full.extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}
