use crate::chat::{Chat, Page, Status, UpdateChat};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::cursor::{Cursor, paginate};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    session_id: Uuid,
    title: Option<String>,
    status: Status,
    agent: Option<String>,
    forked_from_chat_id: Option<Uuid>,
    forked_from_message_id: Option<Uuid>,
    busy: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Chat {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            title: r.title,
            status: r.status,
            agent: r.agent,
            forked_from_chat_id: r.forked_from_chat_id,
            forked_from_message_id: r.forked_from_message_id,
            busy: r.busy,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "c.id, c.session_id, c.title, c.status, c.agent, c.forked_from_chat_id,
    c.forked_from_message_id,
    EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.status = 'streaming') AS busy,
    c.created_at, c.updated_at";

fn write_error(e: sqlx::Error) -> StoreError {
    match super::constraint(&e) {
        Some("chats_title_chk") => {
            StoreError::invalid("invalid_title", "title must be at most 500 characters")
        }
        Some("chats_agent_chk") => StoreError::invalid("invalid_agent", "invalid agent name"),
        Some("chats_session_id_fkey") => StoreError::not_found("no such session"),
        _ => e.into(),
    }
}

pub async fn create(
    pool: &PgPool,
    session_id: Uuid,
    title: Option<&str>,
    agent: Option<&str>,
) -> Result<Chat, StoreError> {
    sqlx::query_as::<_, Row>(&format!(
        "WITH c AS (INSERT INTO chats (session_id, title, agent) VALUES ($1, $2, $3) RETURNING *)
         SELECT {COLUMNS} FROM c"
    ))
    .bind(session_id)
    .bind(title)
    .bind(agent)
    .fetch_one(pool)
    .await
    .map(Chat::from)
    .map_err(write_error)
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Chat, StoreError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM chats c WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Chat::from)
        .ok_or_else(|| StoreError::not_found(format!("no chat {id}")))
}

/// Oldest first (tab order).
pub async fn list(
    pool: &PgPool,
    session_id: Uuid,
    status: Option<Status>,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Page<Chat>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM chats c
         WHERE c.session_id = $1
           AND ($2::text IS NULL OR c.status = $2)
           AND ($3::timestamptz IS NULL OR (c.created_at, c.id) > ($3, $4))
         ORDER BY c.created_at, c.id LIMIT $5"
    ))
    .bind(session_id)
    .bind(status)
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let (rows, next_cursor) = paginate(rows, limit, |r| (r.created_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(Chat::from).collect(),
        next_cursor,
    })
}

pub async fn update(pool: &PgPool, id: Uuid, patch: &UpdateChat) -> Result<Chat, StoreError> {
    let found: Option<Uuid> = sqlx::query_scalar(
        "UPDATE chats SET
            title = CASE WHEN $2 THEN $3 ELSE title END,
            auto_named = CASE WHEN $2 THEN false ELSE auto_named END,
            status = coalesce($4, status),
            agent = CASE WHEN $5 THEN $6 ELSE agent END
         WHERE id = $1 RETURNING id",
    )
    .bind(id)
    .bind(patch.title.is_some())
    .bind(
        patch
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
    .bind(patch.status)
    .bind(patch.agent.is_some())
    .bind(patch.agent.clone().flatten())
    .fetch_optional(pool)
    .await
    .map_err(write_error)?;
    match found {
        Some(id) => get(pool, id).await,
        None => Err(StoreError::not_found(format!("no chat {id}"))),
    }
}

/// The auto-namer's write: set `title` only while the chat has none (a rename
/// that got there first wins), marking it auto-named. `None` when it had a title
/// by then (or is gone).
pub async fn set_auto_title(
    pool: &PgPool,
    id: Uuid,
    title: &str,
) -> Result<Option<Chat>, StoreError> {
    let found: Option<Uuid> = sqlx::query_scalar(
        "UPDATE chats SET title = $2, auto_named = true
         WHERE id = $1 AND title IS NULL RETURNING id",
    )
    .bind(id)
    .bind(title)
    .fetch_optional(pool)
    .await
    .map_err(write_error)?;
    match found {
        Some(id) => get(pool, id).await.map(Some),
        None => Ok(None),
    }
}

/// Copy a chat's branch, the finished messages (with their parts) of `upto` and
/// its ancestors (default: the active branch), into a new chat in the same
/// session, in one transaction.
pub async fn fork(pool: &PgPool, source: Uuid, upto: Option<Uuid>) -> Result<Chat, StoreError> {
    let mut tx = pool.begin().await?;
    let src = sqlx::query_as::<_, (Uuid, Option<String>, Option<String>)>(
        "SELECT session_id, title, agent FROM chats WHERE id = $1 FOR SHARE",
    )
    .bind(source)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("no chat {source}")))?;
    // The branch to copy: `upto` and its ancestors, or the active branch.
    let tip: Option<Uuid> = match upto {
        Some(mid) => Some(
            sqlx::query_scalar("SELECT id FROM messages WHERE id = $1 AND chat_id = $2")
                .bind(mid)
                .bind(source)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid(
                        "invalid_message",
                        format!("message {mid} is not in chat {source}"),
                    )
                })?,
        ),
        None => sqlx::query_scalar("SELECT leaf_id FROM chat_leaves WHERE chat_id = $1")
            .bind(source)
            .fetch_optional(&mut *tx)
            .await?
            .flatten(),
    };
    let old_ids: Vec<Uuid> = sqlx::query_scalar(
        "WITH RECURSIVE path AS (
            SELECT id, parent_id FROM messages WHERE id = $1
            UNION ALL
            SELECT m.id, m.parent_id FROM messages m JOIN path p ON m.id = p.parent_id
         )
         SELECT m.id FROM messages m JOIN path USING (id)
          WHERE m.status IN ('complete', 'cancelled', 'failed') ORDER BY m.seq",
    )
    .bind(tip)
    .fetch_all(&mut *tx)
    .await?;
    let new_ids: Vec<Uuid> = old_ids.iter().map(|_| Uuid::new_v4()).collect();
    // The copy is one straight branch: each row follows the one before it.
    let parents: Vec<Option<Uuid>> = std::iter::once(None)
        .chain(new_ids.iter().copied().map(Some))
        .take(new_ids.len())
        .collect();
    let title = format!("Fork of {}", src.1.as_deref().unwrap_or("chat"));
    let title: String = title.chars().take(500).collect();
    // The row as the insert returns it is the final one: copying messages touches
    // no column of the chat (its busy flag stays false: only ended messages are copied).
    let chat = sqlx::query_as::<_, Row>(&format!(
        "WITH c AS (
            INSERT INTO chats (session_id, title, agent, forked_from_chat_id, forked_from_message_id)
            VALUES ($1, $2, $3, $4, $5) RETURNING *)
         SELECT {COLUMNS} FROM c"
    ))
    .bind(src.0)
    .bind(&title)
    .bind(&src.2)
    .bind(source)
    .bind(upto)
    .fetch_one(&mut *tx)
    .await
    .map(Chat::from)?;
    // Copy rows in order; map old ids to new ones for the parts.
    sqlx::query(
        "WITH map AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY
                AS t(old_id, new_id, new_parent, n)
         ), att AS (
            INSERT INTO attachments (message_id, ordinal, kind, name, mime, text_body, data, created_at)
            SELECT map.new_id, a.ordinal, a.kind, a.name, a.mime, a.text_body, a.data, a.created_at
            FROM attachments a JOIN map ON map.old_id = a.message_id
         ), ins AS (
            INSERT INTO messages (id, parent_id, chat_id, role, status, content, metadata, model,
                agent, prompt_tokens, completion_tokens, tokens_per_second, prompt_ms, error,
                started_at, finished_at, created_at)
            SELECT map.new_id, map.new_parent, $4, role, status, content, metadata, model, agent,
                prompt_tokens, completion_tokens, tokens_per_second, prompt_ms, error, started_at,
                finished_at, created_at
            FROM map JOIN messages m ON m.id = map.old_id ORDER BY map.n
            RETURNING id
         )
         INSERT INTO message_parts (message_id, ordinal, kind, content, tool_name, call_id, args,
             result, result_bytes, truncated, is_error, duration_ms, metadata, created_at)
         SELECT map.new_id, p.ordinal, p.kind, p.content, p.tool_name, p.call_id, p.args, p.result,
             p.result_bytes, p.truncated, p.is_error, p.duration_ms, p.metadata, p.created_at
         FROM message_parts p JOIN map ON map.old_id = p.message_id",
    )
    .bind(&old_ids)
    .bind(&new_ids)
    .bind(&parents)
    .bind(chat.id)
    .execute(&mut *tx)
    .await?;
    // The attach trigger gave the first row the leaf it saw; the root has none,
    // and the last row is the leaf.
    if let (Some(first), Some(last)) = (new_ids.first(), new_ids.last()) {
        sqlx::query("UPDATE messages SET parent_id = NULL WHERE id = $1")
            .bind(first)
            .execute(&mut *tx)
            .await?;
        crate::transcript::branches::move_leaf(&mut *tx, chat.id, Some(*last)).await?;
    }
    tx.commit().await?;
    Ok(chat)
}

/// The ids of a session's chats, open and archived.
pub async fn ids_in_session(pool: &PgPool, session_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM chats WHERE session_id = $1 ORDER BY created_at, id")
            .bind(session_id)
            .fetch_all(pool)
            .await?,
    )
}

/// The session a chat belongs to.
pub async fn session_of(pool: &PgPool, chat_id: Uuid) -> Result<Uuid, StoreError> {
    sqlx::query_scalar("SELECT session_id FROM chats WHERE id = $1")
        .bind(chat_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("no chat {chat_id}")))
}
