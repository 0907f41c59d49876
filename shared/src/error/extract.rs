//! The extractors every handler takes instead of axum's: each rejection is an
//! [`ApiError`], and a NUL in the query, a path parameter or a JSON body is 400
//! `nul_in_string`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::body::{
    has_escaped_nul, is_json_content_type, json_from_bytes, nul_in_string, wrong_content_type,
};

/// `axum::extract::Query` whose rejections are [`ApiError`]s; `%00` anywhere in the
/// query string is 400 `nul_in_string`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if parts.uri.query().is_some_and(has_escaped_nul) {
            return Err(nul_in_string("the query string"));
        }
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

/// `axum::extract::Path` whose rejections are [`ApiError`]s; `%00` in a path
/// parameter is 400 `nul_in_string`.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // The route matched, so an escape in the path is inside a parameter.
        if has_escaped_nul(parts.uri.path()) {
            return Err(nul_in_string("a path parameter"));
        }
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

/// A JSON request body: `Content-Type: application/json` (else 400
/// `unsupported_media_type`), within the body limit (else 413
/// `payload_too_large`), then [`json_from_bytes`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json_content_type(req.headers()) {
            return Err(wrong_content_type());
        }
        let bytes = Bytes::from_request(req, state).await?;
        json_from_bytes(&bytes).map(Self)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A JSON body that may be left out: an empty (or all-whitespace) body is `None`
/// and needs no content type; any other body is read like [`Json`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json_content_type(req.headers());
        let bytes = Bytes::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !json {
            return Err(wrong_content_type());
        }
        json_from_bytes(&bytes).map(|v| Self(Some(v)))
    }
}

/// `axum`'s `WebSocketUpgrade` whose rejection (a plain request on a socket route)
/// is 400 `not_a_websocket`. Every daemon's socket routes take this.
#[derive(Debug)]
pub struct WsUpgrade(pub axum::extract::ws::WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for WsUpgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Self(
            axum::extract::ws::WebSocketUpgrade::from_request_parts(parts, state).await?,
        ))
    }
}
/// Every extractor here, behind a tiny router with a 64-byte body limit.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorBody;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    use pretty_assertions::assert_eq;
    use serde::Deserialize;
    use tower::ServiceExt;

    #[derive(Debug, Deserialize, Serialize)]
    struct Body1 {
        title: String,
    }

    #[derive(Debug, Deserialize)]
    struct Q {
        #[allow(dead_code)]
        name: Option<String>,
    }

    fn app() -> Router {
        Router::new()
            .route("/json", post(|Json(b): Json<Body1>| async move { Json(b) }))
            .route(
                "/optional",
                post(|OptionalJson(b): OptionalJson<Body1>| async move {
                    b.map_or_else(|| "none".to_owned(), |b| b.title)
                }),
            )
            .route("/query", get(|Query(_): Query<Q>| async { "ok" }))
            .route(
                "/path/{name}",
                get(|Path(name): Path<String>| async move { name }),
            )
            .route("/ws", get(|WsUpgrade(_): WsUpgrade| async { "upgraded" }))
            .layer(DefaultBodyLimit::max(64))
    }

    async fn send(req: http::Request<Body>) -> (u16, String) {
        let resp = app().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn post_body(path: &str, content_type: Option<&str>, body: &str) -> http::Request<Body> {
        let mut b = http::Request::post(path);
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body.to_owned())).unwrap()
    }

    fn get_req(path: &str) -> http::Request<Body> {
        http::Request::get(path).body(Body::empty()).unwrap()
    }

    fn err(error: &str, code: &str) -> String {
        serde_json::to_string(&ErrorBody {
            error: error.into(),
            code: code.into(),
            details: None,
        })
        .unwrap()
    }

    const NUL_QUERY: &str =
        "the query string contains a NUL character (U+0000), which no string may hold";
    const WRONG_TYPE: &str = "Expected request with `Content-Type: application/json`";

    #[tokio::test]
    async fn each_rejection_is_json_with_its_code() {
        let json = Some("application/json");
        let cases = [
            (
                post_body("/json", json, r#"{"title":"t"}"#),
                (200, r#"{"title":"t"}"#.to_owned()),
            ),
            (
                post_body("/json", json, r#"{"title":"t\u0000"}"#),
                (
                    400,
                    err(
                        "field `title` contains a NUL character (U+0000), which no string may hold",
                        "nul_in_string",
                    ),
                ),
            ),
            (
                post_body("/json", Some("text/plain"), r#"{"title":"t"}"#),
                (400, err(WRONG_TYPE, "unsupported_media_type")),
            ),
            (
                post_body("/json", None, r#"{"title":"t"}"#),
                (400, err(WRONG_TYPE, "unsupported_media_type")),
            ),
            (
                post_body(
                    "/json",
                    json,
                    &format!(r#"{{"title":"{}"}}"#, "x".repeat(100)),
                ),
                (
                    413,
                    err(
                        "Failed to buffer the request body: length limit exceeded",
                        "payload_too_large",
                    ),
                ),
            ),
            (post_body("/optional", None, ""), (200, "none".to_owned())),
            (
                post_body("/optional", None, " \n"),
                (200, "none".to_owned()),
            ),
            (
                post_body("/optional", json, r#"{"title":"t"}"#),
                (200, "t".to_owned()),
            ),
            (
                post_body("/optional", Some("text/plain"), r#"{"title":"t"}"#),
                (400, err(WRONG_TYPE, "unsupported_media_type")),
            ),
            (
                post_body("/optional", json, r#"{"title":"\u0000"}"#),
                (
                    400,
                    err(
                        "field `title` contains a NUL character (U+0000), which no string may hold",
                        "nul_in_string",
                    ),
                ),
            ),
            (
                get_req("/query?name=a%00b"),
                (400, err(NUL_QUERY, "nul_in_string")),
            ),
            (get_req("/query?name=%2500"), (200, "ok".to_owned())),
            (
                get_req("/path/a%00"),
                (
                    400,
                    err(
                        "a path parameter contains a NUL character (U+0000), which no string may hold",
                        "nul_in_string",
                    ),
                ),
            ),
            (get_req("/path/a%20b"), (200, "a b".to_owned())),
            (
                get_req("/ws"),
                (
                    400,
                    err(
                        "this route is a WebSocket: Connection header did not include 'upgrade'",
                        "not_a_websocket",
                    ),
                ),
            ),
        ];
        for (req, want) in cases {
            let what = format!("{} {}", req.method(), req.uri());
            assert_eq!(send(req).await, want, "{what}");
        }
    }
}
