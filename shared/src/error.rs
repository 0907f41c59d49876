//! The one HTTP error shape: `{"error": "<message>", "code": "<stable_code>"}`.
//!
//! Handlers return `Result<_, ApiError>`. The extractors here ([`Json`],
//! [`OptionalJson`], [`Query`], [`Path`], [`WsUpgrade`]) turn every rejection into
//! the same shape with a 4xx, and refuse a NUL character in any string a client
//! sends (400 `nul_in_string`) before a handler sees it.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub error: String,
    pub code: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = ErrorBody {
            error: self.message,
            code: self.code.to_owned(),
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::not_found("not found"),
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => {
                Self::unavailable("db_unavailable", format!("database unavailable: {e}"))
            }
            _ => Self::internal(format!("database error: {e}")),
        }
    }
}

impl From<JsonRejection> for ApiError {
    /// Every way a JSON body can be wrong is the client's mistake: 400 with a code
    /// naming which (a body over the size limit is 413).
    fn from(r: JsonRejection) -> Self {
        let code = match &r {
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            JsonRejection::JsonSyntaxError(_) => "malformed_json",
            JsonRejection::JsonDataError(_) => "invalid_body",
            JsonRejection::BytesRejection(b) => {
                return Self::from_body_rejection(b.status(), b.body_text());
            }
            _ => "bad_request",
        };
        Self::bad_request(code, r.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        Self::from_body_rejection(r.status(), r.body_text())
    }
}

impl ApiError {
    /// A body that could not be read: too big (413 `payload_too_large`), or cut off.
    fn from_body_rejection(status: StatusCode, text: String) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(status, "payload_too_large", text)
        } else {
            Self::bad_request("unreadable_body", text)
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Self::new(r.status(), "invalid_query", r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        Self::new(r.status(), "invalid_path_parameter", r.body_text())
    }
}

impl From<WebSocketUpgradeRejection> for ApiError {
    /// A plain request (no `Upgrade: websocket`, wrong version…) on a socket route.
    fn from(r: WebSocketUpgradeRejection) -> Self {
        Self::bad_request(
            "not_a_websocket",
            format!("this route is a WebSocket: {}", r.body_text()),
        )
    }
}

/// The one refusal of a NUL character (U+0000) in client input: Postgres cannot
/// store one in `text`, and no title, path or message needs one.
fn nul_in_string(place: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "nul_in_string",
        format!("{place} contains a NUL character (U+0000), which no string may hold"),
    )
}

/// Does this JSON text hold a NUL, as a raw 0 byte or as the escape `\u0000`? An
/// escaped backslash followed by `u0000` is text, not a NUL. Two vectorised
/// passes (memchr), a small fraction of what deserializing the body costs.
pub fn json_has_nul(bytes: &[u8]) -> bool {
    if memchr::memchr(0, bytes).is_some() {
        return true;
    }
    // Backslashes only occur inside strings, where they pair up from the left: the
    // one at `at` starts an escape when the run of backslashes it ends is odd.
    memchr::memmem::find_iter(bytes, br"\u0000").any(|at| {
        let run = bytes[..=at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        run % 2 == 1
    })
}

/// Where in a JSON value the first NUL is: a field (`a.b[2]`), a key, or the body.
fn nul_place(value: &serde_json::Value) -> String {
    fn walk(v: &serde_json::Value, path: &mut String) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
                "the body".into()
            } else {
                format!("field `{path}`")
            }),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                if k.contains('\0') {
                    return Some(if path.is_empty() {
                        "a key of the body".into()
                    } else {
                        format!("a key of `{path}`")
                    });
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    walk(value, &mut String::new()).unwrap_or_else(|| "the body".into())
}

/// Parse a JSON body the way every route does: a NUL anywhere is 400
/// `nul_in_string` (checked before anything is deserialized, so nothing reaches the
/// database), then `T` — a syntax error is 400 `malformed_json`, the wrong shape
/// 400 `invalid_body`.
pub fn json_from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if json_has_nul(bytes) {
        let place = serde_json::from_slice::<serde_json::Value>(bytes)
            .map_or_else(|_| "the body".into(), |v| nul_place(&v));
        return Err(nul_in_string(place));
    }
    let axum::Json(value) = axum::Json::<T>::from_bytes(bytes)?;
    // serde's derived structs also take an array of their fields in order, so `[]`
    // would fill a struct whose fields all have defaults: a struct's body must be
    // an object. Probed only for bodies that are not one, so never on the hot path.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && expects_object::<T>() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "Failed to deserialize the JSON body into the target type: expected a JSON object",
        ));
    }
    Ok(value)
}

/// Does `T` deserialize as a struct (asks serde for one)? Answered by offering `T`
/// a deserializer that only records what it is asked for.
fn expects_object<T: DeserializeOwned>() -> bool {
    use serde::de::{Deserializer, Visitor};

    #[derive(Debug)]
    struct Asked {
        for_struct: bool,
    }
    impl std::fmt::Display for Asked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Asked {}
    impl serde::de::Error for Asked {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Self { for_struct: false }
        }
    }

    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Asked;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked { for_struct: false })
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Asked> {
            Err(Asked { for_struct: true })
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    matches!(T::deserialize(Probe), Err(Asked { for_struct: true }))
}

/// `application/json` or `application/<anything>+json`, parameters allowed.
fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    match essence.split_once('/') {
        Some((kind, sub)) => {
            kind.eq_ignore_ascii_case("application")
                && (sub.eq_ignore_ascii_case("json") || sub.to_ascii_lowercase().ends_with("+json"))
        }
        None => false,
    }
}

fn wrong_content_type() -> ApiError {
    ApiError::bad_request(
        "unsupported_media_type",
        "Expected request with `Content-Type: application/json`",
    )
}

/// A percent-escaped NUL (`%00`) in a raw path or query: `%` always starts an escape
/// there, so the text `%00` always decodes to U+0000.
fn has_escaped_nul(raw: &str) -> bool {
    memchr::memmem::find(raw.as_bytes(), b"%00").is_some()
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    async fn body_of(resp: Response) -> (StatusCode, ErrorBody) {
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn renders_status_code_and_message() {
        let (status, body) =
            body_of(ApiError::conflict("busy", "chat is streaming").into_response()).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            body,
            ErrorBody {
                error: "chat is streaming".into(),
                code: "busy".into()
            }
        );
    }

    #[tokio::test]
    async fn row_not_found_is_404() {
        let (status, body) =
            body_of(ApiError::from(sqlx::Error::RowNotFound).into_response()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body.code, "not_found");
    }

    #[test]
    fn nul_scan_sees_raw_and_escaped_nuls_only() {
        for (text, has) in [
            (&b"{\"a\":\"plain\"}"[..], false),
            (b"{\"a\":\"x\\u0000y\"}", true),
            (b"{\"a\":\"\\u00001\"}", true),
            (b"{\"a\":\"x\0\"}", true),
            (b"\0", true),
            // An escaped backslash, then the text u0000: no NUL.
            (b"{\"a\":\"\\\\u0000\"}", false),
            // Escaped backslash, then a real escape.
            (b"{\"a\":\"\\\\\\u0000\"}", true),
            (b"{\"a\":\"\\u0001\\n\\\"\"}", false),
            // Four backslashes: two escaped backslashes, then text.
            (b"{\"a\":\"\\\\\\\\u0000\"}", false),
            (b"{\"a\":\"ok\", \"b\":\"x\\u0000\"}", true),
            (b"\"\\", false),
            (b"\"\\u000", false),
        ] {
            assert_eq!(json_has_nul(text), has, "{}", String::from_utf8_lossy(text));
        }
    }

    fn refused<T: DeserializeOwned + std::fmt::Debug>(
        body: &str,
    ) -> (StatusCode, &'static str, String) {
        let e = json_from_bytes::<T>(body.as_bytes()).unwrap_err();
        (e.status, e.code, e.message)
    }

    #[test]
    fn a_nul_is_refused_naming_where_it_is() {
        type V = serde_json::Value;
        let nul = |place: &str| {
            (
                StatusCode::BAD_REQUEST,
                "nul_in_string",
                format!("{place} contains a NUL character (U+0000), which no string may hold"),
            )
        };
        assert_eq!(
            refused::<V>(r#"{"title": "a\u0000"}"#),
            nul("field `title`")
        );
        assert_eq!(
            refused::<V>(r#"{"panes": [{"id": "p"}, {"tabs": ["x", "\u0000"]}]}"#),
            nul("field `panes[1].tabs[1]`")
        );
        assert_eq!(refused::<V>(r#"{"a": {"\u0000": 1}}"#), nul("a key of `a`"));
        assert_eq!(refused::<V>(r#"{"\u0000": 1}"#), nul("a key of the body"));
        assert_eq!(refused::<V>(r#""\u0000""#), nul("the body"));
        // A raw NUL is not JSON at all; it is still named for what it is.
        assert_eq!(refused::<V>("{\"a\": \"\0\"}"), nul("the body"));
        // Checked before the shape: a NUL in a field of the wrong type is still a NUL.
        assert_eq!(
            refused::<SendLike>(r#"{"content": 1, "x": "\u0000"}"#),
            nul("field `x`")
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct SendLike {
        content: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct AllOptional {
        #[serde(default)]
        title: Option<String>,
    }

    #[test]
    fn an_array_never_fills_a_struct() {
        let (status, code, message) = refused::<AllOptional>(" []");
        assert_eq!(
            (status, code, message.as_str()),
            (
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Failed to deserialize the JSON body into the target type: expected a JSON object"
            )
        );
        assert_eq!(refused::<AllOptional>(r#"["t"]"#).1, "invalid_body");
        assert!(json_from_bytes::<AllOptional>(b"{}").is_ok());
        // Types that are not structs keep taking arrays.
        assert_eq!(json_from_bytes::<Vec<u8>>(b"[1]").unwrap(), vec![1]);
        assert!(json_from_bytes::<serde_json::Value>(b"[]").is_ok());
        assert!(expects_object::<AllOptional>());
        assert!(!expects_object::<Vec<AllOptional>>());
        assert!(!expects_object::<serde_json::Value>());
    }

    #[test]
    fn wrong_shapes_and_bad_syntax_are_400_with_their_codes() {
        let (status, code, _) = refused::<SendLike>("[]");
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "invalid_body"));
        let (status, code, message) = refused::<SendLike>(r#"{"content": 3}"#);
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "invalid_body"));
        assert!(
            message.starts_with("Failed to deserialize the JSON body into the target type: content: invalid type: integer `3`"),
            "{message}"
        );
        let (status, code, _) = refused::<SendLike>(r#"{"content": "#);
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "malformed_json"));
        // A lone escaped backslash before u0000 is an ordinary string.
        assert_eq!(
            json_from_bytes::<SendLike>(br#"{"content": "\\u0000"}"#)
                .unwrap()
                .content,
            "\\u0000"
        );
    }

    #[test]
    fn json_content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, v.parse().unwrap());
            is_json_content_type(&h)
        };
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(with(ok), "{ok}");
        }
        for bad in ["text/plain", "text/json", "application/jsonx", "json", ""] {
            assert!(!with(bad), "{bad}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }

    /// Every extractor here, behind a tiny router with a 64-byte body limit.
    mod extractors {
        use super::super::*;
        use axum::Router;
        use axum::body::Body;
        use axum::extract::DefaultBodyLimit;
        use axum::routing::{get, post};
        use pretty_assertions::assert_eq;
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
}
