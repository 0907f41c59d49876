//! `agent_sessions` rows (CODER-6): one per (chat, agent) with status, the agent's
//! session id, config hash, activity, tokens and cost.

use boo_shared::coder::AgentSessionInfo;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    chat_id: Uuid,
    agent: String,
    status: String,
    backend: String,
    agent_session_id: Option<String>,
    config_hash: Option<String>,
    input_tokens: i64,
    output_tokens: i64,
    cost: f64,
    last_used_at: DateTime<Utc>,
    closed_reason: Option<String>,
}

impl From<Row> for AgentSessionInfo {
    fn from(r: Row) -> Self {
        Self {
            chat_id: r.chat_id,
            agent: r.agent,
            status: r.status,
            backend: r.backend,
            agent_session_id: r.agent_session_id,
            config_hash: r.config_hash,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cost: r.cost,
            last_used_at: r.last_used_at,
            closed_reason: r.closed_reason,
        }
    }
}

/// A warm agent started (or restarted) for this chat.
#[allow(clippy::too_many_arguments)]
pub async fn started(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    session_id: Uuid,
    worktree_id: Uuid,
    backend: &str,
    agent_session_id: &str,
    config_hash: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Session ids are only unique within one agent process; a new child may hand
    // out an id an earlier, dead child gave another chat. That old row's id is
    // stale (its process is gone), so it lets go of it.
    sqlx::query(
        "UPDATE agent_sessions SET agent_session_id = NULL
         WHERE agent = $1 AND agent_session_id = $2 AND chat_id <> $3",
    )
    .bind(agent)
    .bind(agent_session_id)
    .bind(chat_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO agent_sessions (chat_id, agent, session_id, worktree_id, backend,
             agent_session_id, status, config_hash, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, clock_timestamp())
         ON CONFLICT (chat_id, agent) DO UPDATE SET session_id = EXCLUDED.session_id,
             worktree_id = EXCLUDED.worktree_id, backend = EXCLUDED.backend,
             agent_session_id = EXCLUDED.agent_session_id, status = 'active', closed_reason = NULL,
             config_hash = EXCLUDED.config_hash, last_used_at = clock_timestamp()",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(session_id)
    .bind(worktree_id)
    .bind(backend)
    .bind(agent_session_id)
    .bind(config_hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Has `agent` had a session in this chat (in any status)? Not yet: its next turn
/// is its first there, and it joins the chat (see [`super::joining`]).
pub async fn exists(pool: &PgPool, chat_id: Uuid, agent: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM agent_sessions WHERE chat_id = $1 AND agent = $2)",
    )
    .bind(chat_id)
    .bind(agent)
    .fetch_one(pool)
    .await
}

/// The agent's session id last recorded for (chat, agent), if any: what a new
/// child of an agent that can `session/resume` picks up again.
pub async fn previous(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar(
        "SELECT agent_session_id FROM agent_sessions WHERE chat_id = $1 AND agent = $2",
    )
    .bind(chat_id)
    .bind(agent)
    .fetch_optional(pool)
    .await?
    .flatten())
}

pub async fn set_status(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE agent_sessions SET status = $3, closed_reason = NULL, last_used_at = clock_timestamp() WHERE chat_id = $1 AND agent = $2")
        .bind(chat_id)
        .bind(agent)
        .bind(status)
        .execute(pool)
        .await?;
    Ok(())
}

/// A turn ended: back to idle, usage added.
pub async fn turn_done(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    input: i64,
    output: i64,
    cost: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE agent_sessions SET status = 'idle', last_used_at = clock_timestamp(),
            input_tokens = input_tokens + $3, output_tokens = output_tokens + $4, cost = cost + $5::numeric
         WHERE chat_id = $1 AND agent = $2 AND status = 'active'",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(input)
    .bind(output)
    .bind(cost)
    .execute(pool)
    .await?;
    Ok(())
}

/// At start: the processes of the previous run are gone (parent-death signal); their
/// sessions resume with a new child on the next turn.
pub async fn evict_all(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE agent_sessions SET status = 'evicted' WHERE status IN ('active', 'idle')",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Why a chat's agent sessions were closed (`agent_sessions.closed_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    ChatArchived,
    SessionArchived,
    SessionDeleted,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChatArchived => "chat_archived",
            Self::SessionArchived => "session_archived",
            Self::SessionDeleted => "session_deleted",
        }
    }
}

/// Close a chat's agent sessions, saying why.
pub async fn close_chat(
    pool: &PgPool,
    chat_id: Uuid,
    reason: CloseReason,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE agent_sessions SET status = 'closed', closed_reason = $2
         WHERE chat_id = $1 AND status <> 'closed'",
    )
    .bind(chat_id)
    .bind(reason.as_str())
    .execute(pool)
    .await?
    .rows_affected())
}

pub async fn list_for_session(
    pool: &PgPool,
    session_id: Uuid,
) -> Result<Vec<AgentSessionInfo>, sqlx::Error> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT a.chat_id, a.agent, a.status, a.backend, a.agent_session_id, a.config_hash,
                a.input_tokens, a.output_tokens, a.cost::float8 AS cost, a.last_used_at,
                a.closed_reason
         FROM agent_sessions a JOIN chats c ON c.id = a.chat_id
         WHERE c.session_id = $1 ORDER BY a.last_used_at DESC",
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AgentSessionInfo::from).collect())
}
