//! Serving a daemon's embedded web build: hashed assets cached forever, the
//! SPA's `index.html` for every other page path, JSON 404 for unknown API paths
//! (and for any method but GET/HEAD off the routes), JSON 405 on a route that
//! exists for other methods.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use rust_embed::RustEmbed;

use crate::error::ApiError;

/// `Router::method_not_allowed_fallback`: 405 `method_not_allowed` (axum still
/// adds the `Allow` header listing the route's methods).
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Axum fallback handler over the embedded folder `E`.
pub async fn fallback<E: RustEmbed>(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api"
        || path.starts_with("api/")
        || (method != Method::GET && method != Method::HEAD)
    {
        return ApiError::not_found(format!("no route for {method} {}", uri.path()))
            .into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    let (path, file) = match E::get(path) {
        Some(file) => (path, file),
        // Files (with an extension) are real misses; page paths belong to the SPA.
        None if last_segment_has_extension(path) => {
            return ApiError::not_found(format!("no file {path}")).into_response();
        }
        None => match E::get("index.html") {
            Some(file) => ("index.html", file),
            None => return ApiError::not_found("web client not built").into_response(),
        },
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        builder = builder.status(StatusCode::NOT_MODIFIED);
        return builder.body(Body::empty()).unwrap_or_default();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    builder
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_str(mime.as_ref())
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        )
        .body(Body::from(file.data.into_owned()))
        .unwrap_or_default()
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|seg| seg.contains('.'))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
