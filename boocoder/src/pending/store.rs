//! `pending_changes` rows (migration 0006).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::PendingError;
use super::tree::check_path;
use crate::worktree::{ChangeKind, FileChange, Worktree, WorktreeError};

pub(crate) const COLUMNS: &str = "id, session_id, chat_id, task_id, path, kind, old_content, \
     new_content, diff, status, agent, base_commit, error, decided_at, applied_at, reverted_at, \
     created_at, updated_at";

/// `pending | approved | applied | rejected | reverted`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum PendingStatus {
    Pending,
    Approved,
    Applied,
    Rejected,
    Reverted,
}

impl PendingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Reverted => "reverted",
        }
    }
}

impl std::fmt::Display for PendingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<PendingStatus> for boo_shared::coder::ChangeStatus {
    fn from(s: PendingStatus) -> Self {
        match s {
            PendingStatus::Pending => Self::Pending,
            PendingStatus::Approved => Self::Approved,
            PendingStatus::Applied => Self::Applied,
            PendingStatus::Rejected => Self::Rejected,
            PendingStatus::Reverted => Self::Reverted,
        }
    }
}

/// A `pending_changes` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PendingChange {
    pub id: Uuid,
    pub session_id: Uuid,
    pub chat_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub kind: ChangeKind,
    /// Text before the change (edit/delete); NULL for binary or oversized content.
    pub old_content: Option<String>,
    /// Text after the change (create/edit); NULL for a delete, binary or oversized.
    pub new_content: Option<String>,
    /// git-style unified diff with full blob ids and modes in its header.
    pub diff: Option<String>,
    pub status: PendingStatus,
    /// `boocode`, the external agent's name, or NULL for a manual change.
    pub agent: Option<String>,
    /// Worktree base when the change was staged.
    pub base_commit: Option<String>,
    /// Last apply/revert failure (or a re-baseline warning after a successful apply).
    pub error: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub applied_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PendingChange> for boo_shared::coder::PendingChange {
    fn from(r: &PendingChange) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            chat_id: r.chat_id,
            task_id: r.task_id,
            path: r.path.clone(),
            kind: r.kind.into(),
            status: r.status.into(),
            agent: r.agent.clone(),
            diff: r.diff.clone(),
            error: r.error.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Who staged a set of changes and against what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staging<'a> {
    pub session_id: Uuid,
    pub chat_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// The turn's provider (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`); `None` = manual.
    pub agent: Option<&'a str>,
    /// The worktree base the diff was computed against.
    pub base_commit: Option<&'a str>,
}

/// A changed file that could not be staged (its path fails the path policy, e.g. a
/// command the agent ran created `a\b.txt`; its name is not UTF-8; it is a nested
/// repository); reported rather than silently dropped.
pub type Skipped = crate::worktree::Unstaged;

/// Result of [`supersede`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Superseded {
    /// The session's new `pending` rows, by path.
    pub rows: Vec<PendingChange>,
    /// How many earlier `pending` rows were replaced.
    pub replaced: u64,
    pub skipped: Vec<Skipped>,
}

fn check_agent(agent: Option<&str>) -> Result<(), PendingError> {
    let Some(a) = agent else {
        return Ok(());
    };
    let mut chars = a.chars();
    let ok = a.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(PendingError::InvalidAgent(a.to_owned()))
    }
}

/// Latest wins: replace the session's `pending` rows with one row per file of
/// `changes` (a worktree diff), in one transaction. `approved`/`applied`/… rows are
/// left alone. An empty diff leaves the session with no pending rows.
#[tracing::instrument(skip_all, err, fields(session_id = %st.session_id, agent = st.agent))]
pub async fn supersede(
    pool: &PgPool,
    st: &Staging<'_>,
    changes: &[FileChange],
) -> Result<Superseded, PendingError> {
    check_agent(st.agent)?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("boo.pending:{}", st.session_id))
        .execute(&mut *tx)
        .await?;
    let replaced =
        sqlx::query("DELETE FROM pending_changes WHERE session_id = $1 AND status = 'pending'")
            .bind(st.session_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    let mut rows = Vec::with_capacity(changes.len());
    let mut skipped = Vec::new();
    for change in changes {
        if let Err(e) = check_path(&change.path) {
            tracing::warn!(path = %change.path, error = %e, "not staging a change");
            skipped.push(Skipped {
                path: change.path.clone(),
                reason: e.to_string(),
            });
            continue;
        }
        rows.push(insert(&mut tx, st, change).await?);
    }
    tx.commit().await?;
    Ok(Superseded {
        rows,
        replaced,
        skipped,
    })
}

/// After a turn: diff the session worktree against its base and [`supersede`] the
/// session's pending rows with the result, stamped with `agent`. `skipped` holds both
/// what the path policy refused and what the diff could not represent, by path.
pub async fn supersede_from_worktree(
    pool: &PgPool,
    worktree: &Worktree,
    chat_id: Option<Uuid>,
    task_id: Option<Uuid>,
    agent: &str,
) -> Result<Superseded, PendingError> {
    let Some(session_id) = worktree.session_id else {
        return Err(PendingError::Worktree(WorktreeError::NotFound(worktree.id)));
    };
    let scanned = crate::worktree::scan(worktree).await?;
    let st = Staging {
        session_id,
        chat_id,
        task_id,
        agent: Some(agent),
        base_commit: Some(&worktree.base_commit),
    };
    let mut done = supersede(pool, &st, &scanned.changes).await?;
    done.skipped.extend(scanned.unstaged);
    done.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(done)
}

/// Stage one change without touching the session's other rows (native write tools,
/// manual creates).
pub async fn stage(
    pool: &PgPool,
    st: &Staging<'_>,
    change: &FileChange,
) -> Result<PendingChange, PendingError> {
    check_agent(st.agent)?;
    check_path(&change.path)?;
    let mut conn = pool.acquire().await?;
    insert(&mut conn, st, change).await
}

async fn insert(
    conn: &mut PgConnection,
    st: &Staging<'_>,
    c: &FileChange,
) -> Result<PendingChange, PendingError> {
    let new_content = match c.kind {
        ChangeKind::Delete => None,
        _ => c.new_text(),
    };
    Ok(sqlx::query_as::<_, PendingChange>(&format!(
        "INSERT INTO pending_changes \
            (session_id, chat_id, task_id, path, kind, old_content, new_content, diff, agent, base_commit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    ))
    .bind(st.session_id)
    .bind(st.chat_id)
    .bind(st.task_id)
    .bind(&c.path)
    .bind(c.kind)
    .bind(c.old_text())
    .bind(new_content)
    .bind(&c.diff)
    .bind(st.agent)
    .bind(st.base_commit)
    .fetch_one(conn)
    .await?)
}

/// A session's rows with the given statuses (all when empty), in staging order.
pub async fn list(
    pool: &PgPool,
    session_id: Uuid,
    statuses: &[PendingStatus],
) -> Result<Vec<PendingChange>, PendingError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    Ok(sqlx::query_as::<_, PendingChange>(&format!(
        "SELECT {COLUMNS} FROM pending_changes \
          WHERE session_id = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2)) \
          ORDER BY created_at, path, id"
    ))
    .bind(session_id)
    .bind(statuses)
    .fetch_all(pool)
    .await?)
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    sqlx::query_as::<_, PendingChange>(&format!(
        "SELECT {COLUMNS} FROM pending_changes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(PendingError::NotFound(id))
}

/// The row, locked until the transaction ends.
pub(crate) async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<PendingChange, PendingError> {
    sqlx::query_as::<_, PendingChange>(&format!(
        "SELECT {COLUMNS} FROM pending_changes WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(PendingError::NotFound(id))
}

/// Move to `status`, setting `error` (NULL clears it).
pub(crate) async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: PendingStatus,
    error: Option<&str>,
) -> Result<PendingChange, PendingError> {
    Ok(sqlx::query_as::<_, PendingChange>(&format!(
        "UPDATE pending_changes SET status = $2, error = $3 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status)
    .bind(error)
    .fetch_one(conn)
    .await?)
}

/// Record a failed apply/revert on the row (outside the failed transaction).
pub(crate) async fn set_error(pool: &PgPool, id: Uuid, error: &str) -> Result<(), PendingError> {
    sqlx::query("UPDATE pending_changes SET error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

/// The project directory of a session.
pub(crate) async fn project_path(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<String, PendingError> {
    boo_shared::catalog::sessions::project_path(conn, session_id)
        .await?
        .ok_or(PendingError::Db(sqlx::Error::RowNotFound))
}
