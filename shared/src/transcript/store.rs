//! Messages and their parts: the transcript (a chat's active branch, see
//! [`super::branches`]), the streaming writes of a turn, and the restart sweep.

use super::branches::ACTIVE_PATH;
use crate::chat::{Message, MessageStatus, MessageWindow, Part, PartKind, Role, Usage};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    chat_id: Uuid,
    seq: i64,
    role: Role,
    status: MessageStatus,
    content: String,
    metadata: serde_json::Value,
    model: Option<String>,
    agent: Option<String>,
    prompt_tokens: Option<i32>,
    completion_tokens: Option<i32>,
    tokens_per_second: Option<f64>,
    prompt_ms: Option<f64>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    /// Decoded strictly too: a part of an unknown kind fails the row.
    parts: sqlx::types::Json<Vec<Part>>,
}

impl From<Row> for Message {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            chat_id: r.chat_id,
            seq: r.seq,
            role: r.role,
            status: r.status,
            content: r.content,
            metadata: r.metadata,
            model: r.model,
            agent: r.agent,
            usage: Usage {
                prompt_tokens: r.prompt_tokens,
                completion_tokens: r.completion_tokens,
                tokens_per_second: r.tokens_per_second,
                prompt_ms: r.prompt_ms,
            },
            error: r.error,
            created_at: r.created_at,
            finished_at: r.finished_at,
            parts: r.parts.0,
        }
    }
}

const COLUMNS: &str = "id, chat_id, seq, role, status, content, metadata, model, agent,
    prompt_tokens, completion_tokens, tokens_per_second, prompt_ms, error, created_at,
    finished_at, parts";

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Message, StoreError> {
    sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM messages_with_parts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .map(Message::from)
    .ok_or_else(|| StoreError::not_found(format!("no message {id}")))
}

/// What the transcript shows: the active branch, and the queued messages (which
/// join it when their turn starts). Needs the [`ACTIVE_PATH`] CTE.
const ON_BRANCH: &str = "(id IN (SELECT id FROM path) OR status = 'queued')";

/// The newest `limit` messages of the active branch (and the queued ones) before
/// `before` (a message id), returned oldest first, with their siblings.
pub async fn window(
    pool: &PgPool,
    chat_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<MessageWindow, StoreError> {
    let before_seq: Option<i64> = match before {
        Some(id) => Some(
            sqlx::query_scalar("SELECT seq FROM messages WHERE id = $1 AND chat_id = $2")
                .bind(id)
                .bind(chat_id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid(
                        "invalid_before",
                        format!("message {id} is not in this chat"),
                    )
                })?,
        ),
        None => None,
    };
    let mut rows = sqlx::query_as::<_, Row>(&format!(
        "WITH RECURSIVE {ACTIVE_PATH}
         SELECT {COLUMNS} FROM messages_with_parts
         WHERE chat_id = $1 AND ($2::bigint IS NULL OR seq < $2) AND {ON_BRANCH}
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(chat_id)
    .bind(before_seq)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    rows.reverse();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    Ok(MessageWindow {
        items: rows.into_iter().map(Message::from).collect(),
        has_more,
        branches: super::branches::siblings(pool, &ids).await?,
    })
}

/// Every message of a chat's active branch (and its queued messages) up to (not
/// including) `before_seq`, oldest first.
pub async fn history(
    pool: &PgPool,
    chat_id: Uuid,
    before_seq: Option<i64>,
) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "WITH RECURSIVE {ACTIVE_PATH}
         SELECT {COLUMNS} FROM messages_with_parts
         WHERE chat_id = $1 AND ($2::bigint IS NULL OR seq < $2) AND {ON_BRANCH}
         ORDER BY seq"
    ))
    .bind(chat_id)
    .bind(before_seq)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Message::from).collect())
}

/// The `seq` of message `id`, which must be in `chat_id` (else `Invalid`).
pub async fn seq_in_chat(pool: &PgPool, chat_id: Uuid, id: Uuid) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT seq FROM messages WHERE id = $1 AND chat_id = $2")
        .bind(id)
        .bind(chat_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "message_not_in_chat",
                format!("message {id} is not in chat {chat_id}"),
            )
        })
}

/// `metadata -> field` of the chat's newest system notice of `kind` (`None`: no
/// such notice, or it has no such field).
pub async fn last_notice_metadata(
    pool: &PgPool,
    chat_id: Uuid,
    kind: &str,
    field: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    let value: Option<Option<serde_json::Value>> = sqlx::query_scalar(
        "SELECT metadata -> $3 FROM messages
          WHERE chat_id = $1 AND role = 'system' AND metadata ->> 'kind' = $2
          ORDER BY seq DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(kind)
    .bind(field)
    .fetch_optional(pool)
    .await?;
    Ok(value.flatten())
}

/// Insert a plain row (user message, sentinel) and return it.
pub async fn insert<'e, E: sqlx::Executor<'e, Database = Postgres>>(
    db: E,
    chat_id: Uuid,
    role: Role,
    status: MessageStatus,
    content: &str,
    metadata: serde_json::Value,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO messages (chat_id, role, status, content, metadata, finished_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = 'complete' THEN clock_timestamp() END)
         RETURNING id",
    )
    .bind(chat_id)
    .bind(role)
    .bind(status)
    .bind(content)
    .bind(metadata)
    .fetch_one(db)
    .await
}

/// Create the assistant row of a turn with a pre-chosen id, status `streaming`.
pub async fn start_assistant<'e, E: sqlx::Executor<'e, Database = Postgres>>(
    db: E,
    id: Uuid,
    chat_id: Uuid,
    model: Option<&str>,
    agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO messages (id, chat_id, role, status, model, agent, started_at)
         VALUES ($1, $2, 'assistant', 'streaming', $3, $4, clock_timestamp())",
    )
    .bind(id)
    .bind(chat_id)
    .bind(model)
    .bind(agent)
    .execute(db)
    .await?;
    Ok(())
}

/// The assistant row of an agent turn run by boocoder (carries its task).
pub async fn start_agent_turn(
    pool: &PgPool,
    id: Uuid,
    chat_id: Uuid,
    task_id: Uuid,
    model: Option<&str>,
    agent: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO messages (id, chat_id, role, status, model, agent, task_id, started_at)
         VALUES ($1, $2, 'assistant', 'streaming', $3, $4, $5, clock_timestamp())",
    )
    .bind(id)
    .bind(chat_id)
    .bind(model)
    .bind(agent)
    .bind(task_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Update a tool-call part in place (an agent's later snapshot of the same call).
pub async fn update_tool_call(
    pool: &PgPool,
    part_id: Uuid,
    args: Option<&serde_json::Value>,
    metadata: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE message_parts SET args = $2, metadata = $3 WHERE id = $1")
        .bind(part_id)
        .bind(args)
        .bind(metadata)
        .execute(pool)
        .await?;
    Ok(())
}

/// A part as the turn writes it.
#[derive(Clone, Debug, Default)]
pub struct NewPart<'a> {
    pub kind: Option<PartKind>,
    pub content: Option<&'a str>,
    pub tool_name: Option<&'a str>,
    pub call_id: Option<&'a str>,
    pub args: Option<&'a serde_json::Value>,
    pub result: Option<&'a str>,
    pub result_bytes: Option<i32>,
    pub truncated: bool,
    pub is_error: bool,
    pub duration_ms: Option<i32>,
    pub metadata: Option<&'a serde_json::Value>,
}

pub async fn insert_part(
    pool: &PgPool,
    message_id: Uuid,
    ordinal: i32,
    p: &NewPart<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO message_parts (message_id, ordinal, kind, content, tool_name, call_id, args,
             result, result_bytes, truncated, is_error, duration_ms, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, '{}'::jsonb))
         RETURNING id",
    )
    .bind(message_id)
    .bind(ordinal)
    .bind(p.kind.unwrap_or(PartKind::Text))
    .bind(p.content)
    .bind(p.tool_name)
    .bind(p.call_id)
    .bind(p.args)
    .bind(p.result)
    .bind(p.result_bytes)
    .bind(p.truncated)
    .bind(p.is_error)
    .bind(p.duration_ms)
    .bind(p.metadata)
    .fetch_one(pool)
    .await
}

/// Rewrite a streaming text/reasoning part's content and the message's visible text.
pub async fn flush_text(
    pool: &PgPool,
    message_id: Uuid,
    parts: &[(Uuid, &str)],
    content: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for (id, text) in parts {
        sqlx::query("UPDATE message_parts SET content = $2 WHERE id = $1")
            .bind(id)
            .bind(text)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE messages SET content = $2 WHERE id = $1")
        .bind(message_id)
        .bind(content)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Make a streaming message final.
pub async fn finalize(
    pool: &PgPool,
    message_id: Uuid,
    status: MessageStatus,
    content: &str,
    usage: &Usage,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE messages SET status = $2, content = $3, prompt_tokens = $4, completion_tokens = $5,
            tokens_per_second = $6, prompt_ms = $7, error = $8, finished_at = clock_timestamp()
         WHERE id = $1",
    )
    .bind(message_id)
    .bind(status)
    .bind(content)
    .bind(usage.prompt_tokens)
    .bind(usage.completion_tokens)
    .bind(usage.tokens_per_second)
    .bind(usage.prompt_ms)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The oldest queued user message of a chat, with the assistant id promised for it.
pub async fn next_queued(
    pool: &PgPool,
    chat_id: Uuid,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let row: Option<(Uuid, serde_json::Value)> = sqlx::query_as(
        "SELECT id, metadata FROM messages WHERE chat_id = $1 AND status = 'queued' ORDER BY seq LIMIT 1",
    )
    .bind(chat_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, meta)| {
        let reply = meta
            .get("reply_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .unwrap_or_else(Uuid::new_v4);
        (id, reply)
    }))
}

/// Chats that have queued messages (to resume after a restart).
pub async fn chats_with_queue(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT chat_id FROM messages WHERE status = 'queued'")
        .fetch_all(pool)
        .await
}

pub async fn set_status(pool: &PgPool, id: Uuid, status: MessageStatus) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE messages SET status = $2,
            finished_at = CASE WHEN $2 IN ('complete', 'cancelled', 'failed') THEN clock_timestamp() END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .execute(pool)
    .await?;
    Ok(())
}

/// Full output of a tool result (for view_truncated_output).
pub async fn tool_result(
    pool: &PgPool,
    chat_id: Uuid,
    call_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.result FROM message_parts p JOIN messages m ON m.id = p.message_id
         WHERE m.chat_id = $1 AND p.call_id = $2 AND p.kind = 'tool_result'
         ORDER BY m.seq DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(call_id)
    .fetch_optional(pool)
    .await
    .map(Option::flatten)
}

/// After a crash or kill: nothing may stay `streaming`. What was persisted stays.
pub async fn finalize_interrupted(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE messages SET status = 'cancelled', finished_at = clock_timestamp(),
            error = coalesce(error, 'interrupted: boochat stopped while this message was streaming')
         WHERE status = 'streaming' AND task_id IS NULL",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A queued user message's turn starts: it becomes complete and moves to the end
/// of the chat's order (after the answer to the message before it). Returns its new
/// `seq`, or `None` when it was not queued (any more).
pub async fn dequeue(pool: &PgPool, id: Uuid) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE messages SET status = 'complete', seq = DEFAULT, finished_at = clock_timestamp()
         WHERE id = $1 AND status = 'queued' RETURNING seq",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}
