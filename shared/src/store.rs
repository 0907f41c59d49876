//! What a store (the catalog, the transcript) says went wrong, in its own words,
//! with no HTTP or gRPC in it. Mapped once to [`ApiError`] (REST) and once to
//! [`tonic::Status`] (gRPC), so a handler of either kind just uses `?`.

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row (404, `NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// The input breaks a rule the schema enforces, a CHECK or a reference to a
    /// row of another kind (400, `INVALID_ARGUMENT`). `code` names the rule for
    /// clients.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The input clashes with what is stored, a unique key or a stale version
    /// (409, `FAILED_PRECONDITION`).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The database failed (503 while it is unreachable, else 500).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(message) => Self::not_found(message),
            StoreError::Invalid { code, message } => Self::bad_request(code, message),
            StoreError::Conflict { code, message } => Self::conflict(code, message),
            StoreError::Db(e) => Self::from(e),
        }
    }
}

impl From<StoreError> for tonic::Status {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(message) => Self::not_found(message),
            StoreError::Invalid { message, .. } => Self::invalid_argument(message),
            StoreError::Conflict { message, .. } => Self::failed_precondition(message),
            StoreError::Db(e @ (sqlx::Error::PoolTimedOut | sqlx::Error::Io(_))) => {
                Self::unavailable(format!("database unavailable: {e}"))
            }
            StoreError::Db(e) => Self::internal(format!("database error: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn each_kind_maps_once_to_http_and_to_grpc() {
        let cases = [
            (
                StoreError::not_found("no chat 7"),
                StatusCode::NOT_FOUND,
                "not_found",
                tonic::Code::NotFound,
            ),
            (
                StoreError::invalid("invalid_title", "title too long"),
                StatusCode::BAD_REQUEST,
                "invalid_title",
                tonic::Code::InvalidArgument,
            ),
            (
                StoreError::conflict("project_exists", "a project already uses /p"),
                StatusCode::CONFLICT,
                "project_exists",
                tonic::Code::FailedPrecondition,
            ),
            (
                StoreError::Db(sqlx::Error::PoolTimedOut),
                StatusCode::SERVICE_UNAVAILABLE,
                "db_unavailable",
                tonic::Code::Unavailable,
            ),
            (
                StoreError::Db(sqlx::Error::Protocol("odd".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                tonic::Code::Internal,
            ),
        ];
        for (e, status, code, grpc) in cases {
            let text = e.to_string();
            let grpc_status = tonic::Status::from(StoreError::from_text(&e));
            let api = ApiError::from(e);
            assert_eq!((api.status, api.code), (status, code), "{text}");
            assert_eq!(grpc_status.code(), grpc, "{text}");
        }
    }

    impl StoreError {
        /// A copy for the second mapping (sqlx errors are not Clone).
        fn from_text(e: &Self) -> Self {
            match e {
                Self::NotFound(m) => Self::NotFound(m.clone()),
                Self::Invalid { code, message } => Self::invalid(code, message.clone()),
                Self::Conflict { code, message } => Self::conflict(code, message.clone()),
                Self::Db(sqlx::Error::PoolTimedOut) => Self::Db(sqlx::Error::PoolTimedOut),
                Self::Db(other) => Self::Db(sqlx::Error::Protocol(other.to_string())),
            }
        }
    }
}
