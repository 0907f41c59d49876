//! One persistent git worktree per session (CODER-2) and its risk report (CODER-10).
//!
//! - [`ensure`] creates `<coder.worktree_root>/<session-id>` on branch `boo/<session-id>`
//!   from the project's HEAD on first use (git CLI: it refuses to clobber work), records
//!   it in `worktrees` with its base commit, and reuses it afterwards. A vanished
//!   directory is re-created (the old row is marked `removed`, a new row recorded).
//! - [`diff`] is the worktree's state (tracked + untracked, `.gitignore` respected,
//!   binary-safe) against its **base commit**, read with libgit2.
//! - [`rebaseline`] moves the base forward after a change was applied to the project
//!   tree, so the applied file stops showing in [`diff`].
//! - [`risk`] reports what removing a session's worktrees would lose.
//! - [`remove`] removes the directory (`git worktree remove --force`), optionally the
//!   branch, prunes the session's [`checkpoint`]s, and marks the row `removed`.
//! - [`reap`] removes what nothing owns any more: live worktrees of deleted
//!   sessions, directories under the root without a live row, `boo/<session>`
//!   branches of deleted sessions.
//! - [`checkpoint`] records the worktree's state before each agent turn and restores it.
//!
//! ## The base commit
//!
//! The base starts as the project's HEAD commit. Re-baselining never touches the
//! worktree's files, index, HEAD or branch (an agent may be working in it): it writes
//! a new commit whose tree is the old base tree with the applied paths set to exactly
//! what was written into the project, parented on the old base, and points the private
//! ref `refs/boo/base/<session-id>` at it (so `git gc` keeps it) and the row's
//! `base_commit` too. The diff compares the base tree with the working directory
//! directly, so the agent's own commits on `boo/<session-id>` still show as changes
//! until they are applied.

mod baseline;
pub mod checkpoint;
mod diff;
mod git;
mod lifecycle;
mod reap;
mod risk;
mod store;
#[cfg(test)]
pub(crate) mod tests;

use std::path::PathBuf;

use axum::http::StatusCode;
use boo_shared::error::ApiError;
use uuid::Uuid;

pub use baseline::{BaselineUpdate, rebaseline, rebaseline_in};
pub use diff::{
    ChangeKind, FileChange, FileSide, MAX_TEXT_BYTES, Unstaged, WorktreeDiff, build_change, diff,
    diff_dir, mode, scan, scan_dir, unified_diff,
};
pub use git::{ZERO_OID, base_ref, branch_name};
pub use lifecycle::{ensure, remove, remove_for_session};
pub use reap::{Reaped, reap};
pub use risk::{WorktreeRisk, inspect, risk};
pub use store::{Worktree, get, live_for_session, lock_live_for_session};

/// Why a worktree operation failed. [`ApiError`] conversion gives the HTTP mapping.
#[derive(Debug, thiserror::Error)]
pub enum WorktreeError {
    #[error("project path {path:?} is not a git repository: {reason}")]
    NotAGitRepo { path: PathBuf, reason: String },
    #[error(
        "project path {path:?} is inside a git repository but not its top level ({toplevel:?})"
    )]
    NotTopLevel { path: PathBuf, toplevel: PathBuf },
    #[error("project {path:?} has no commits yet: commit something before running an agent")]
    NoCommits { path: PathBuf },
    #[error("worktree root {root:?} is unusable: {reason}")]
    Root { root: PathBuf, reason: String },
    #[error("{path:?} already exists and is not this session's worktree")]
    DirectoryOccupied { path: PathBuf },
    #[error("session {session_id} already has a worktree for another project ({project_id})")]
    ProjectMismatch { session_id: Uuid, project_id: Uuid },
    #[error("no live worktree for session {0}")]
    NoLiveWorktree(Uuid),
    #[error("worktree {0} not found")]
    NotFound(Uuid),
    #[error("invalid path {path:?} for the base commit: {reason}")]
    BadPath { path: String, reason: &'static str },
    #[error("`git {args}` failed ({status}): {stderr}")]
    GitCommand {
        args: String,
        status: String,
        stderr: String,
    },
    #[error(transparent)]
    Process(#[from] crate::process::ProcessError),
    #[error(transparent)]
    Git(#[from] git2::Error),
    #[error("{path:?}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("background git task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl WorktreeError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// Stable API code and status: 4xx for what the owner can fix, 5xx for the rest.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotAGitRepo { .. } => (StatusCode::BAD_REQUEST, "not_a_git_repo"),
            Self::NotTopLevel { .. } => (StatusCode::BAD_REQUEST, "not_repo_top_level"),
            Self::NoCommits { .. } => (StatusCode::CONFLICT, "project_has_no_commits"),
            Self::DirectoryOccupied { .. } => (StatusCode::CONFLICT, "worktree_dir_occupied"),
            Self::ProjectMismatch { .. } => (StatusCode::CONFLICT, "worktree_project_mismatch"),
            Self::NoLiveWorktree(_) | Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::BadPath { .. } => (StatusCode::BAD_REQUEST, "invalid_path"),
            Self::Root { .. }
            | Self::GitCommand { .. }
            | Self::Process(_)
            | Self::Git(_)
            | Self::Io { .. }
            | Self::Db(_)
            | Self::Join(_) => (StatusCode::INTERNAL_SERVER_ERROR, "worktree_failed"),
        }
    }
}

impl From<WorktreeError> for ApiError {
    fn from(e: WorktreeError) -> Self {
        let (status, code) = e.status_and_code();
        ApiError::new(status, code, e.to_string())
    }
}

/// Run blocking git2 / filesystem work off the async runtime.
pub(crate) async fn blocking<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<tokio::task::JoinError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await?
}
