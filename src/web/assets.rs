//! The style sheet and the scripts of the pages, compiled into the binary and served under
//! `/assets/` to anyone (the login page needs its style before there is a session). A page
//! names each by [`url`], which carries a hash of the content (`/assets/style.css?v=…`), so
//! the browser may keep it for a year: a new build has new addresses.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::error::WebError;
use super::state::AppState;

/// One embedded file: its name under `/assets/`, its content type and its bytes.
struct Asset {
    name: &'static str,
    kind: &'static str,
    body: &'static str,
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every file served under `/assets/`.
const ASSETS: [Asset; 4] = [
    Asset {
        name: "style.css",
        kind: CSS,
        body: include_str!("assets/style.css"),
    },
    Asset {
        name: "page.js",
        kind: JS,
        body: include_str!("assets/page.js"),
    },
    Asset {
        name: "screen.js",
        kind: JS,
        body: include_str!("assets/screen.js"),
    },
    Asset {
        name: "training.js",
        kind: JS,
        body: include_str!("assets/training.js"),
    },
];

/// How long a browser keeps a file whose address carries its hash: a year, unasked.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// A file asked for without its hash (or with an old one): asked again each time.
const ASK_AGAIN: &str = "no-cache";

/// Each file's hash (the first 12 hex digits of its sha256), worked out once.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| hex::encode(&Sha256::digest(a.body.as_bytes())[..6]))
        .collect()
});

fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    ASSETS
        .iter()
        .zip(VERSIONS.iter())
        .find(|(a, _)| a.name == name)
        .map(|(a, v)| (a, v.as_str()))
}

/// The address a page names an embedded file by, with its hash: `/assets/style.css?v=…`. A
/// name that is not one of the files (a programming error) gets its plain address, which
/// answers 404.
pub fn url(name: &str) -> String {
    match find(name) {
        Some((a, v)) => format!("/assets/{}?v={v}", a.name),
        None => format!("/assets/{name}"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}

/// One embedded file, with its content type; kept for a year when asked for by its hash.
async fn asset(Path(name): Path<String>, RawQuery(q): RawQuery) -> Result<Response, WebError> {
    let Some((asset, version)) = find(&name) else {
        return Err(WebError::NotFound("没有这个文件 (no such file)".into()));
    };
    let cache = if q.as_deref().and_then(|q| q.strip_prefix("v=")) == Some(version) {
        FOREVER
    } else {
        ASK_AGAIN
    };
    Ok((
        [
            (header::CONTENT_TYPE, asset.kind),
            (header::CACHE_CONTROL, cache),
        ],
        asset.body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_named_by_its_hash() {
        for a in &ASSETS {
            let u = url(a.name);
            let v = u.split_once("?v=").map(|(_, v)| v).unwrap_or_default();
            assert_eq!(v.len(), 12, "{u}");
            assert!(v.chars().all(|c| c.is_ascii_hexdigit()), "{u}");
        }
        assert_ne!(url("style.css"), url("screen.js"));
        assert_eq!(url("nothing.js"), "/assets/nothing.js");
    }
}
