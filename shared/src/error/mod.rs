//! The one HTTP error shape: `{"error": "<message>", "code": "<stable_code>"}`.
//!
//! Handlers return `Result<_, ApiError>`. The extractors here ([`Json`],
//! [`OptionalJson`], [`Query`], [`Path`], [`WsUpgrade`]) turn every rejection into
//! the same shape with a 4xx, and refuse a NUL character in any string a client
//! sends (400 `nul_in_string`) before a handler sees it.
//!
//! - `body`: reading a JSON body ([`json_from_bytes`]): the NUL scan, the shape
//!   check, the content type.
//! - `extract`: the extractors themselves, each a thin wrapper over axum's.

mod body;
mod extract;

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

pub use body::{json_from_bytes, json_has_nul};
pub use boo_wire::error::ErrorBody;
pub use extract::{Json, OptionalJson, Path, Query, WsUpgrade};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    /// The same error with a machine-readable `details` object.
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
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
            details: self.details,
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
                code: "busy".into(),
                details: None,
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
}
