//! `worktrees` rows (migration 0007).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::WorktreeError;

const COLUMNS: &str = "id, session_id, project_id, path, branch, base_commit, status, \
                       last_used_at, removed_at, created_at, updated_at";

/// A `worktrees` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Worktree {
    pub id: Uuid,
    /// NULL once the session was deleted (an orphan for the reaper).
    pub session_id: Option<Uuid>,
    pub project_id: Uuid,
    /// Absolute, canonical directory under `coder.worktree_root`.
    pub path: String,
    /// `boo/<session-id>`.
    pub branch: String,
    /// The commit [`super::diff`] compares the working directory with.
    pub base_commit: String,
    /// `live` | `removed`.
    pub status: String,
    pub last_used_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Worktree {
    pub fn dir(&self) -> &Path {
        Path::new(&self.path)
    }

    pub fn is_live(&self) -> bool {
        self.status == "live"
    }
}

/// A row by id, any status.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Worktree, WorktreeError> {
    sqlx::query_as::<_, Worktree>(&format!("SELECT {COLUMNS} FROM worktrees WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(WorktreeError::NotFound(id))
}

/// The session's live worktree, if any.
pub async fn live_for_session(
    pool: &PgPool,
    session_id: Uuid,
) -> Result<Option<Worktree>, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "SELECT {COLUMNS} FROM worktrees WHERE session_id = $1 AND status = 'live'"
    ))
    .bind(session_id)
    .fetch_optional(pool)
    .await?)
}

/// The session's live worktree, row-locked until the transaction ends: serialises
/// re-baselines (apply/revert) of one session.
pub async fn lock_live_for_session(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<Option<Worktree>, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "SELECT {COLUMNS} FROM worktrees WHERE session_id = $1 AND status = 'live' FOR UPDATE"
    ))
    .bind(session_id)
    .fetch_optional(conn)
    .await?)
}

/// A row by id, locked, with its project's path.
pub(crate) async fn lock_with_project(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<(Worktree, String), WorktreeError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        worktree: Worktree,
        project_path: String,
    }
    let row = sqlx::query_as::<_, Row>(
        "SELECT w.id, w.session_id, w.project_id, w.path, w.branch, w.base_commit, w.status, \
                w.last_used_at, w.removed_at, w.created_at, w.updated_at, p.path AS project_path \
           FROM worktrees w JOIN projects p ON p.id = w.project_id \
          WHERE w.id = $1 FOR UPDATE OF w",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(WorktreeError::NotFound(id))?;
    Ok((row.worktree, row.project_path))
}

/// Live worktrees of a session with their project's path (risk report).
pub(crate) async fn live_with_project(
    pool: &PgPool,
    session_id: Uuid,
) -> Result<Vec<(Worktree, String)>, WorktreeError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        worktree: Worktree,
        project_path: String,
    }
    let rows = sqlx::query_as::<_, Row>(
        "SELECT w.id, w.session_id, w.project_id, w.path, w.branch, w.base_commit, w.status, \
                w.last_used_at, w.removed_at, w.created_at, w.updated_at, p.path AS project_path \
           FROM worktrees w JOIN projects p ON p.id = w.project_id \
          WHERE w.session_id = $1 AND w.status = 'live' ORDER BY w.created_at",
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.worktree, r.project_path))
        .collect())
}

/// The most recent row of a session in any status (its base seeds a re-attach).
pub(crate) async fn latest_for_session(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<Option<Worktree>, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "SELECT {COLUMNS} FROM worktrees WHERE session_id = $1 \
          ORDER BY created_at DESC, id LIMIT 1"
    ))
    .bind(session_id)
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn insert(
    conn: &mut PgConnection,
    session_id: Uuid,
    project_id: Uuid,
    path: &str,
    branch: &str,
    base_commit: &str,
) -> Result<Worktree, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "INSERT INTO worktrees (session_id, project_id, path, branch, base_commit) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(session_id)
    .bind(project_id)
    .bind(path)
    .bind(branch)
    .bind(base_commit)
    .fetch_one(conn)
    .await?)
}

pub(crate) async fn touch(conn: &mut PgConnection, id: Uuid) -> Result<Worktree, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "UPDATE worktrees SET last_used_at = clock_timestamp() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

pub(crate) async fn mark_removed(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Worktree, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "UPDATE worktrees SET status = 'removed', removed_at = coalesce(removed_at, clock_timestamp()) \
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

pub(crate) async fn set_base(
    conn: &mut PgConnection,
    id: Uuid,
    base_commit: &str,
) -> Result<Worktree, WorktreeError> {
    Ok(sqlx::query_as::<_, Worktree>(&format!(
        "UPDATE worktrees SET base_commit = $2, last_used_at = clock_timestamp() \
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(base_commit)
    .fetch_one(conn)
    .await?)
}
