//! `agent_sessions` rows (CODER-6): one per (chat, agent) with status, the agent's
//! session id, config hash, activity, tokens and cost; how its session started,
//! the mode and model last applied, its plan and commands (CODER-9).

use boo_shared::coder::{AgentPlan, AgentSessionInfo, AgentSessionStatus};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    chat_id: Uuid,
    agent: String,
    status: AgentSessionStatus,
    backend: String,
    agent_session_id: Option<String>,
    config_hash: Option<String>,
    input_tokens: i64,
    output_tokens: i64,
    cost: f64,
    last_used_at: DateTime<Utc>,
    closed_reason: Option<String>,
    start_kind: Option<String>,
    mode_id: Option<String>,
    model: Option<String>,
    plan: Option<serde_json::Value>,
    commands: serde_json::Value,
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
            start_kind: r.start_kind,
            mode_id: r.mode_id,
            model: r.model,
            plan: r.plan.and_then(|p| serde_json::from_value(p).ok()),
            commands: match r.commands {
                serde_json::Value::Array(a) => a,
                _ => Vec::new(),
            },
        }
    }
}

/// A warm agent that just started (or restarted) for a chat.
pub struct Started<'a> {
    pub chat_id: Uuid,
    pub agent: &'a str,
    pub session_id: Uuid,
    pub worktree_id: Uuid,
    pub backend: &'a str,
    /// `None` until the agent names its session (a PTY CLI does so in its first
    /// turn's output).
    pub agent_session_id: Option<&'a str>,
    pub config_hash: &'a str,
    /// `resumed` | `loaded` | `history` | `new`.
    pub start_kind: &'a str,
}

/// A warm agent started (or restarted) for this chat.
pub async fn started(pool: &PgPool, s: &Started<'_>) -> Result<(), sqlx::Error> {
    let Started {
        chat_id,
        agent,
        session_id,
        worktree_id,
        backend,
        agent_session_id,
        config_hash,
        start_kind,
    } = *s;
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
             agent_session_id, status, config_hash, start_kind, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, clock_timestamp())
         ON CONFLICT (chat_id, agent) DO UPDATE SET session_id = EXCLUDED.session_id,
             worktree_id = EXCLUDED.worktree_id, backend = EXCLUDED.backend,
             agent_session_id = EXCLUDED.agent_session_id, status = 'active',
             closed_reason = NULL, config_hash = EXCLUDED.config_hash,
             start_kind = EXCLUDED.start_kind, last_used_at = clock_timestamp()",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(session_id)
    .bind(worktree_id)
    .bind(backend)
    .bind(agent_session_id)
    .bind(config_hash)
    .bind(start_kind)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// What the row of (chat, agent) remembers for a new child.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Prior {
    /// The agent's session id last recorded: what a new child of an agent that
    /// can `session/resume` or `session/load` picks up again.
    pub agent_session_id: Option<String>,
    /// The mode and model last applied in this chat.
    pub mode_id: Option<String>,
    pub model: Option<String>,
}

/// The row of (chat, agent), if the agent had a session in this chat (in any
/// status). None yet: its next turn is its first there, and it joins the chat (see
/// [`super::joining`]).
pub async fn prior(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
) -> Result<Option<Prior>, sqlx::Error> {
    sqlx::query_as(
        "SELECT agent_session_id, mode_id, model FROM agent_sessions
         WHERE chat_id = $1 AND agent = $2",
    )
    .bind(chat_id)
    .bind(agent)
    .fetch_optional(pool)
    .await
}

/// The mode and model just applied (and confirmed by the agent); `None` keeps
/// what the row had.
pub async fn applied(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    mode_id: Option<&str>,
    model: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE agent_sessions SET mode_id = COALESCE($3, mode_id), model = COALESCE($4, model)
         WHERE chat_id = $1 AND agent = $2",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(mode_id)
    .bind(model)
    .execute(pool)
    .await?;
    Ok(())
}

/// Keep the agent's latest plan and commands (`None`: unchanged).
pub async fn keep_plan_and_commands(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    plan: Option<&AgentPlan>,
    commands: Option<&[serde_json::Value]>,
) -> Result<(), sqlx::Error> {
    let plan = plan.and_then(|p| serde_json::to_value(p).ok());
    let commands = commands.map(|c| serde_json::Value::Array(c.to_vec()));
    sqlx::query(
        "UPDATE agent_sessions SET plan = COALESCE($3, plan), commands = COALESCE($4, commands)
         WHERE chat_id = $1 AND agent = $2",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(plan)
    .bind(commands)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_status(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    status: AgentSessionStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE agent_sessions SET status = $3, closed_reason = NULL, last_used_at = clock_timestamp() WHERE chat_id = $1 AND agent = $2")
        .bind(chat_id)
        .bind(agent)
        .bind(status)
        .execute(pool)
        .await?;
    Ok(())
}

/// A warm agent's session was established again under it ([`super::Runner`]'s
/// `reestablished`): how (`reattached` | `history`), and its id now.
pub async fn reestablished(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    start_kind: &str,
    agent_session_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE agent_sessions SET start_kind = $3,
            agent_session_id = COALESCE($4, agent_session_id)
         WHERE chat_id = $1 AND agent = $2",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(start_kind)
    .bind(agent_session_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A turn ended: back to idle, usage added.
pub async fn turn_done(
    pool: &PgPool,
    chat_id: Uuid,
    agent: &str,
    usage: (i64, i64, f64),
    agent_session_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let (input, output, cost) = usage;
    sqlx::query(
        "UPDATE agent_sessions SET status = 'idle', last_used_at = clock_timestamp(),
            input_tokens = input_tokens + $3, output_tokens = output_tokens + $4, cost = cost + $5::numeric,
            agent_session_id = COALESCE($6, agent_session_id)
         WHERE chat_id = $1 AND agent = $2 AND status = 'active'",
    )
    .bind(chat_id)
    .bind(agent)
    .bind(input)
    .bind(output)
    .bind(cost)
    .bind(agent_session_id)
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

/// Rows that claim a live child (`active`/`idle`) which this process does not
/// hold (`held`: the (chat, agent) keys of its warm agents) become `evicted`.
pub async fn evict_unheld(pool: &PgPool, held: &[(Uuid, String)]) -> Result<u64, sqlx::Error> {
    let chats: Vec<Uuid> = held.iter().map(|(c, _)| *c).collect();
    let agents: Vec<String> = held.iter().map(|(_, a)| a.clone()).collect();
    Ok(sqlx::query(
        "UPDATE agent_sessions SET status = 'evicted'
         WHERE status IN ('active', 'idle')
           AND (chat_id, agent) NOT IN (SELECT * FROM unnest($1::uuid[], $2::text[]))",
    )
    .bind(&chats)
    .bind(&agents)
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
                a.closed_reason, a.start_kind, a.mode_id, a.model, a.plan, a.commands
         FROM agent_sessions a JOIN chats c ON c.id = a.chat_id
         WHERE c.session_id = $1 ORDER BY a.last_used_at DESC",
    )
    .bind(session_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AgentSessionInfo::from).collect())
}
