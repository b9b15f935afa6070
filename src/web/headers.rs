//! The security headers every answer carries, pages, scripts' JSON, pictures, errors and
//! redirects alike: a Content-Security-Policy that runs only the app's own script and style
//! files (nothing inline, nothing from elsewhere) and lets no other site frame the guard's
//! screen, and the older headers that say the same to older browsers.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Only the app's own files; pictures also from `data:` and `blob:` URLs (a photo chosen for
/// upload), sound and speech need nothing; forms post only here; no page may be framed.
pub const CONTENT_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob:; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The headers, as they are sent (names in lower case).
pub const HEADERS: [(&str, &str); 4] = [
    ("content-security-policy", CONTENT_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

/// Adds the security headers to the answer of every request (the layer outside all routes).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}
