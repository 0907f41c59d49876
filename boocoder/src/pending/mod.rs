//! Pending changes (CODER-3): agent edits staged for the owner instead of being
//! written straight into the project checkout.
//!
//! - [`supersede`] replaces a session's `pending` rows with the latest worktree diff
//!   after each turn (one row per changed file, stamped with the turn's agent: latest
//!   wins). [`stage`] adds a single change (native tools, manual creates).
//! - [`apply`] writes a change into the **project** tree through the path guard,
//!   refusing when the project file is no longer what the change was computed against,
//!   then re-baselines the session worktree so the applied file stops showing.
//!   [`approve`], [`reject`] and [`revert`] complete the lifecycle of migration 0006.
//! - [`apply_edit`] (in `boo_shared::edit`) is the fuzzy `old_string` → `new_string` ladder.
//! - [`tree`] holds the one write path: path policy + `boo_shared::pathguard` +
//!   atomic writes; every project or worktree write goes through it.
//! - [`agent_write`] is an ACP agent's `fs/write_text_file`: a write lands only when
//!   the next diff can stage it under the same name, else the agent is told why.

pub mod agent_write;
mod apply;
mod store;
pub mod tree;

#[cfg(test)]
mod tests;

use axum::http::StatusCode;
use boo_shared::error::ApiError;
use uuid::Uuid;

use crate::worktree::WorktreeError;

pub use apply::{apply, approve, reject, revert};
pub use boo_shared::edit::{EditError, EditOutcome, Rung, apply_edit, canonicalize};
pub use store::{
    PendingChange, PendingStatus, Skipped, Staging, Superseded, get, list, stage, supersede,
    supersede_from_worktree,
};

/// Why a pending-change operation failed. [`ApiError`] conversion gives the HTTP
/// mapping (routes just use `?`).
#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    /// 404 `not_found`.
    #[error("pending change {0} not found")]
    NotFound(Uuid),
    /// 409 `invalid_status`: e.g. applying a rejected change, reverting a pending one.
    #[error("cannot {action} change {id}: it is {status}")]
    InvalidTransition {
        id: Uuid,
        status: PendingStatus,
        action: &'static str,
    },
    /// 409 `pending_conflict`: the project file is not what the change expects.
    #[error("conflict on {path}: {reason}")]
    Conflict { path: String, reason: String },
    /// 409 `stale_change`: the worktree no longer holds the staged bytes (binary rows).
    #[error("{path} changed in the worktree since it was staged; wait for the next diff")]
    Stale { path: String },
    /// 400 `unsafe_path`: refused by the path policy or `pathguard` (escape, `.git`, …).
    #[error("refused path {path:?}: {reason}")]
    UnsafePath { path: String, reason: String },
    /// 422 `unsupported_change`: symlinks, whole-tree rows, rows without content.
    #[error("cannot apply {path}: {reason}")]
    Unsupported { path: String, reason: String },
    /// 400 `invalid_agent`.
    #[error("invalid agent name {0:?}")]
    InvalidAgent(String),
    /// 422 `edit_not_found` / `edit_ambiguous` / `edit_invalid`.
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Worktree(#[from] WorktreeError),
    /// 500.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Git(#[from] git2::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("background task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl PendingError {
    pub(crate) fn io(path: &str) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn conflict(path: &str, reason: impl Into<String>) -> Self {
        Self::Conflict {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsafe_path(path: &str, reason: impl Into<String>) -> Self {
        Self::UnsafePath {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(path: &str, reason: impl Into<String>) -> Self {
        Self::Unsupported {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// HTTP status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::InvalidTransition { .. } => (StatusCode::CONFLICT, "invalid_status"),
            Self::Conflict { .. } => (StatusCode::CONFLICT, "pending_conflict"),
            Self::Stale { .. } => (StatusCode::CONFLICT, "stale_change"),
            Self::UnsafePath { .. } => (StatusCode::BAD_REQUEST, "unsafe_path"),
            Self::Unsupported { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unsupported_change"),
            Self::InvalidAgent(_) => (StatusCode::BAD_REQUEST, "invalid_agent"),
            Self::Edit(EditError::NotFound) => (StatusCode::UNPROCESSABLE_ENTITY, "edit_not_found"),
            Self::Edit(EditError::Ambiguous { .. }) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "edit_ambiguous")
            }
            Self::Edit(_) => (StatusCode::UNPROCESSABLE_ENTITY, "edit_invalid"),
            Self::Worktree(e) => e.status_and_code(),
            Self::Io { .. } | Self::Git(_) | Self::Db(_) | Self::Join(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl From<PendingError> for ApiError {
    fn from(e: PendingError) -> Self {
        let (status, code) = e.status_and_code();
        ApiError::new(status, code, e.to_string())
    }
}
