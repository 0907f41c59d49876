//! Typed queries over the catalog tables boochat owns (projects, sessions, chats,
//! and a session's workspace layout). Rows come back as [`crate::chat`] and
//! [`crate::workspace`] DTOs; boocoder reads them too.

pub mod chats;
pub mod cursor;
pub mod inbox;
pub mod listing;
pub mod projects;
pub mod sessions;
pub mod tags;
pub mod workspace;

use crate::error::ApiError;

/// The constraint a database error violated, if any.
pub fn constraint(e: &sqlx::Error) -> Option<&str> {
    match e {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}

/// `limit` query parameter: default 50, 1..=200.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit must be between 1 and 200, got {n}"),
        )),
    }
}
