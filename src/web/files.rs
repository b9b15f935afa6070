//! The pictures the pages show from the data folder: snapshots, face crops and photos, served
//! under `/files/` (only those folders, no way out of them: no `..`, no hidden names, no
//! control characters, no symbolic link followed) and read for the training cards. What went
//! wrong reading one is logged; the answer never names a path or the system's error.

use std::io::Read as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path as FilePath, PathBuf};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::WebError;
use super::state::AppState;

/// The folders under the data folder the screen may show files of.
const SHOWN_FOLDERS: [&str; 3] = ["snapshots/", "sightings/", "photos/"];

/// The largest picture served.
const MAX_BYTES: u64 = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{*path}", get(file))
}

fn no_such_file() -> WebError {
    WebError::NotFound("没有这个文件 (no such file)".into())
}

/// A snapshot, face crop or photo from the data folder. Only those folders; no way out of them.
async fn file(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, WebError> {
    if !SHOWN_FOLDERS.iter().any(|f| path.starts_with(f)) {
        return Err(no_such_file());
    }
    image(
        &s.data,
        &path,
        "这张图片已过保留期或已删除 (the picture has expired or was deleted)",
    )
    .await
}

/// Whether `relative` names a file below a folder by plain names only: no `..`, no hidden or
/// empty part, no control character (a NUL among them), no backslash, not absolute.
fn plain(relative: &str) -> bool {
    !relative.is_empty()
        && !relative.starts_with('/')
        && !relative.chars().any(|c| c.is_control() || c == '\\')
        && !relative
            .split('/')
            .any(|p| p.is_empty() || p == ".." || p.starts_with('.'))
}

/// Why a picture could not be served.
enum Unread {
    /// Not there (or not a plain file of the data folder: a link, a folder).
    Missing,
    /// Anything else: logged, answered as a 500 without the details.
    Failed(std::io::Error),
}

/// Reads the file `relative` under `data`, following no symbolic link below `data` (each
/// part is checked, and the file itself is opened with `O_NOFOLLOW`): a link placed in the
/// photos folder is not a way out of it.
fn read_inside(data: &FilePath, relative: &str) -> Result<Vec<u8>, Unread> {
    let missing = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => Unread::Missing,
        _ => Unread::Failed(e),
    };
    let mut at = PathBuf::from(data);
    for part in relative.split('/') {
        at.push(part);
        let meta = std::fs::symlink_metadata(&at).map_err(missing)?;
        if meta.file_type().is_symlink() {
            return Err(Unread::Missing);
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&at)
        .map_err(|e| {
            // O_NOFOLLOW on a link: ELOOP
            if e.raw_os_error() == Some(libc::ELOOP) {
                Unread::Missing
            } else {
                missing(e)
            }
        })?;
    let meta = file.metadata().map_err(Unread::Failed)?;
    if !meta.is_file() {
        return Err(Unread::Missing);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(MAX_BYTES)).unwrap_or(0));
    file.by_ref()
        .take(MAX_BYTES)
        .read_to_end(&mut bytes)
        .map_err(Unread::Failed)?;
    Ok(bytes)
}

/// A picture from the data folder (`relative` below `data`, as the records name it), kept by
/// the browser for an hour; `gone` is what a missing file is called.
pub async fn image(data: &FilePath, relative: &str, gone: &str) -> Result<Response, WebError> {
    if !plain(relative) {
        return Err(no_such_file());
    }
    let (folder, name) = (data.to_owned(), relative.to_owned());
    let read = tokio::task::spawn_blocking(move || read_inside(&folder, &name))
        .await
        .map_err(|e| {
            tracing::error!("reading a picture stopped: {e}");
            WebError::Internal("读取图片出错，请稍后再试 (the picture could not be read)".into())
        })?;
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(Unread::Missing) => return Err(WebError::NotFound(gone.to_owned())),
        Err(Unread::Failed(e)) => {
            tracing::error!(file = %relative, "cannot read a picture of the data folder: {e}");
            return Err(WebError::Internal(
                "读取图片出错，请稍后再试 (the picture could not be read)".into(),
            ));
        }
    };
    let kind = match FilePath::new(relative).extension().and_then(|e| e.to_str()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_below_the_folder() {
        assert!(plain("photos/ab12.jpg"));
        assert!(plain("snapshots/2026-11-28/x.jpg"));
        for bad in [
            "",
            "/etc/passwd",
            "photos/../gateward.db",
            "photos/.hidden.jpg",
            "photos//x.jpg",
            "photos/a\0.jpg",
            "photos/a\n.jpg",
            "photos\\..\\x.jpg",
        ] {
            assert!(!plain(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_link_in_the_folder_is_not_followed() {
        let data = tempfile::tempdir().unwrap();
        let photos = data.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        std::fs::write(photos.join("real.jpg"), b"jpeg").unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(outside.path(), b"secret").unwrap();
        std::os::unix::fs::symlink(outside.path(), photos.join("link.jpg")).unwrap();
        std::os::unix::fs::symlink("/etc", data.path().join("sightings")).unwrap();
        assert_eq!(
            read_inside(data.path(), "photos/real.jpg").ok(),
            Some(b"jpeg".to_vec())
        );
        assert!(matches!(
            read_inside(data.path(), "photos/link.jpg"),
            Err(Unread::Missing)
        ));
        assert!(matches!(
            read_inside(data.path(), "sightings/passwd"),
            Err(Unread::Missing)
        ));
        assert!(matches!(
            read_inside(data.path(), "photos/none.jpg"),
            Err(Unread::Missing)
        ));
        // a folder is not a picture
        assert!(matches!(
            read_inside(data.path(), "photos"),
            Err(Unread::Missing)
        ));
    }
}
