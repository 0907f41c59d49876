//! `acp_sessions` and `acp_history` (migration 0011): the agent's sessions and
//! their model-side conversation, so `session/load` and `session/resume` work in a
//! new agent process.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// One stored session.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub cwd: String,
    pub title: Option<String>,
    pub mode: String,
    pub model: Option<String>,
    pub agent: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, cwd, title, mode, model, agent, updated_at";

pub async fn create(pool: &PgPool, cwd: &str, mode: &str) -> Result<Row, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO acp_sessions (cwd, mode) VALUES ($1, $2) RETURNING {COLUMNS}"
    ))
    .bind(cwd)
    .bind(mode)
    .fetch_one(pool)
    .await
}

/// An open (not closed) session.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Row>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM acp_sessions WHERE id = $1 AND closed_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Open sessions, most recently used first; only those in `cwd` when given.
pub async fn list(pool: &PgPool, cwd: Option<&str>, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM acp_sessions WHERE closed_at IS NULL \
         AND ($1::text IS NULL OR cwd = $1) ORDER BY updated_at DESC, id LIMIT $2"
    ))
    .bind(cwd)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Set `mode`, `model` or `agent` (the column is chosen by the caller, never by input).
pub async fn set(
    pool: &PgPool,
    id: Uuid,
    column: Setting,
    value: Option<&str>,
) -> Result<(), sqlx::Error> {
    let column = match column {
        Setting::Mode => "mode",
        Setting::Model => "model",
        Setting::Agent => "agent",
    };
    sqlx::query(&format!(
        "UPDATE acp_sessions SET {column} = $2, updated_at = clock_timestamp() WHERE id = $1"
    ))
    .bind(id)
    .bind(value)
    .execute(pool)
    .await
    .map(drop)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Mode,
    Model,
    Agent,
}

/// The title, from the first prompt (kept once set).
pub async fn title_once(pool: &PgPool, id: Uuid, title: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE acp_sessions SET title = $2 WHERE id = $1 AND title IS NULL")
        .bind(id)
        .bind(title)
        .execute(pool)
        .await
        .map(drop)
}

pub async fn close(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE acp_sessions SET closed_at = clock_timestamp() WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The conversation, oldest first.
pub async fn history(pool: &PgPool, id: Uuid) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar("SELECT message FROM acp_history WHERE session_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(pool)
        .await
}

/// Append messages in one transaction (the session's `updated_at` moves with them).
pub async fn append(pool: &PgPool, id: Uuid, messages: &[Value]) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    // The row lock orders concurrent appends to one session.
    sqlx::query("UPDATE acp_sessions SET updated_at = clock_timestamp() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let next: i32 = sqlx::query_scalar(
        "SELECT COALESCE(max(seq), 0) + 1 FROM acp_history WHERE session_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    for (i, m) in messages.iter().enumerate() {
        sqlx::query("INSERT INTO acp_history (session_id, seq, message) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(next + i32::try_from(i).unwrap_or(i32::MAX))
            .bind(m)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
