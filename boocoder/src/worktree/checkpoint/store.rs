//! `checkpoints` rows (migration 0013).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

const COLUMNS: &str = "session_id, n, commit_id, task_id, chat_id, message_id, agent, \
                       prompt_line, restored_at, created_at";

/// A `checkpoints` row.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckpointRow {
    pub session_id: Uuid,
    pub n: i32,
    pub commit_id: String,
    pub task_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub agent: String,
    pub prompt_line: String,
    pub restored_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&CheckpointRow> for boo_shared::coder::Checkpoint {
    fn from(r: &CheckpointRow) -> Self {
        Self {
            session_id: r.session_id,
            n: r.n,
            commit: r.commit_id.clone(),
            task_id: r.task_id,
            chat_id: r.chat_id,
            message_id: r.message_id,
            agent: r.agent.clone(),
            prompt: r.prompt_line.clone(),
            created_at: r.created_at,
            restored_at: r.restored_at,
        }
    }
}

/// Longest `prompt_line` (the `checkpoints_prompt_line_chk` constraint).
pub const PROMPT_LINE_CHARS: usize = 200;

/// The first non-blank line of `prompt`, trimmed and cut to [`PROMPT_LINE_CHARS`].
pub fn prompt_line(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let mut out: String = line.chars().take(PROMPT_LINE_CHARS).collect();
    if out.chars().count() < line.chars().count() {
        out.pop();
        out.push('…');
    }
    out
}

/// Serialises checkpoint writes and restores of one session (held to the end of the
/// transaction).
pub async fn lock_session(conn: &mut PgConnection, session_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("boo.checkpoint:{session_id}"))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn next_n(conn: &mut PgConnection, session_id: Uuid) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(n), 0) + 1 FROM checkpoints WHERE session_id = $1")
        .bind(session_id)
        .fetch_one(conn)
        .await
}

/// What a new row records besides its number and commit.
pub struct NewRow<'a> {
    pub session_id: Uuid,
    pub task_id: Uuid,
    pub chat_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub agent: &'a str,
    pub prompt_line: &'a str,
}

pub async fn insert(
    conn: &mut PgConnection,
    row: &NewRow<'_>,
    n: i32,
    commit_id: &str,
) -> Result<CheckpointRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO checkpoints (session_id, n, commit_id, task_id, chat_id, message_id, agent, prompt_line)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(row.session_id)
    .bind(n)
    .bind(commit_id)
    .bind(row.task_id)
    .bind(row.chat_id)
    .bind(row.message_id)
    .bind(row.agent)
    .bind(row.prompt_line)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    session_id: Uuid,
    n: i32,
) -> Result<Option<CheckpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM checkpoints WHERE session_id = $1 AND n = $2"
    ))
    .bind(session_id)
    .bind(n)
    .fetch_optional(conn)
    .await
}

/// Checkpoint `n` and every later one of the session, by number.
pub async fn from_n(
    conn: &mut PgConnection,
    session_id: Uuid,
    n: i32,
) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM checkpoints WHERE session_id = $1 AND n >= $2 ORDER BY n"
    ))
    .bind(session_id)
    .bind(n)
    .fetch_all(conn)
    .await
}

/// The checkpoint just before `n` (whose turn's work a restore to `n` keeps last).
pub async fn before(
    conn: &mut PgConnection,
    session_id: Uuid,
    n: i32,
) -> Result<Option<CheckpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM checkpoints WHERE session_id = $1 AND n < $2 ORDER BY n DESC LIMIT 1"
    ))
    .bind(session_id)
    .bind(n)
    .fetch_optional(conn)
    .await
}

/// The session's checkpoints, newest first (at most `limit`).
pub async fn list(
    pool: &PgPool,
    session_id: Uuid,
    limit: i64,
) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM checkpoints WHERE session_id = $1 ORDER BY n DESC LIMIT $2"
    ))
    .bind(session_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn mark_restored(
    conn: &mut PgConnection,
    session_id: Uuid,
    n: i32,
) -> Result<CheckpointRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE checkpoints SET restored_at = clock_timestamp() \
          WHERE session_id = $1 AND n = $2 RETURNING {COLUMNS}"
    ))
    .bind(session_id)
    .bind(n)
    .fetch_one(conn)
    .await
}

/// The session's latest restore, when it happened after the last turn `agent` had in
/// `chat` (or, for an agent new to the chat, after the session's last turn): what
/// that agent has not been told yet.
pub async fn untold_restore(
    conn: &mut PgConnection,
    session_id: Uuid,
    chat_id: Uuid,
    agent: &str,
) -> Result<Option<CheckpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM checkpoints r
          WHERE r.session_id = $1 AND r.restored_at IS NOT NULL
            AND r.restored_at > coalesce(
                (SELECT max(p.created_at) FROM checkpoints p
                  WHERE p.session_id = $1 AND p.chat_id = $2 AND p.agent = $3),
                (SELECT max(p.created_at) FROM checkpoints p WHERE p.session_id = $1))
          ORDER BY r.restored_at DESC LIMIT 1"
    ))
    .bind(session_id)
    .bind(chat_id)
    .bind(agent)
    .fetch_optional(conn)
    .await
}

pub async fn delete_for_session(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM checkpoints WHERE session_id = $1")
        .bind(session_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// A turn of the session is running (or blocked on the owner).
pub async fn turn_running(conn: &mut PgConnection, session_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tasks WHERE session_id = $1 AND status IN ('running', 'blocked'))",
    )
    .bind(session_id)
    .fetch_one(conn)
    .await
}
