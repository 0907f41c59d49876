//! A chat as a portable document: [`export`] writes its active branch (finished
//! messages with every part: text, reasoning, tool calls and results) as a
//! [`ChatExport`], [`markdown`] renders one for people, and [`import`] makes a new
//! chat from one in a single transaction. [`parse_document`] checks a document
//! before anything is written and names what is wrong in its error code.

use std::collections::HashMap;

use crate::chat::{MessageStatus, PartKind, Role, Usage};
use crate::find::{CHAT_EXPORT_VERSION, ChatExport, ExportMessage, ExportPart};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

mod markdown;
#[cfg(test)]
mod tests;

pub use markdown::markdown;

/// Most messages one document may carry.
pub const MAX_IMPORT_MESSAGES: usize = 10_000;

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    role: Role,
    status: MessageStatus,
    content: String,
    metadata: Value,
    model: Option<String>,
    agent: Option<String>,
    prompt_tokens: Option<i32>,
    completion_tokens: Option<i32>,
    tokens_per_second: Option<f64>,
    prompt_ms: Option<f64>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct PartRow {
    message_id: Uuid,
    kind: PartKind,
    content: Option<String>,
    tool_name: Option<String>,
    call_id: Option<String>,
    args: Option<Value>,
    result: Option<String>,
    result_bytes: Option<i32>,
    truncated: bool,
    is_error: bool,
    duration_ms: Option<i32>,
    metadata: Value,
}

/// The chat's active branch as a document (queued and streaming rows left out).
pub async fn export(pool: &PgPool, chat_id: Uuid) -> Result<ChatExport, StoreError> {
    let (title, agent): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT title, agent FROM chats WHERE id = $1")
            .bind(chat_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("no chat {chat_id}")))?;
    let rows = sqlx::query_as::<_, MessageRow>(&format!(
        "WITH RECURSIVE {}
         SELECT id, role, status, content, metadata, model, agent, prompt_tokens,
                completion_tokens, tokens_per_second, prompt_ms, error, created_at, finished_at
           FROM messages
          WHERE id IN (SELECT id FROM path) AND status IN ('complete', 'cancelled', 'failed')
          ORDER BY seq",
        super::branches::ACTIVE_PATH
    ))
    .bind(chat_id)
    .fetch_all(pool)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let parts = sqlx::query_as::<_, PartRow>(
        "SELECT message_id, kind, content, tool_name, call_id, args, result, result_bytes,
                truncated, is_error, duration_ms, metadata
           FROM message_parts WHERE message_id = ANY($1) ORDER BY message_id, ordinal",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut by_message: HashMap<Uuid, Vec<ExportPart>> = HashMap::new();
    for p in parts {
        by_message
            .entry(p.message_id)
            .or_default()
            .push(ExportPart {
                kind: p.kind,
                content: p.content,
                tool_name: p.tool_name,
                call_id: p.call_id,
                args: p.args,
                result: p.result,
                result_bytes: p.result_bytes,
                truncated: p.truncated,
                is_error: p.is_error,
                duration_ms: p.duration_ms,
                metadata: p.metadata,
            });
    }
    let messages = rows
        .into_iter()
        .map(|r| ExportMessage {
            parts: by_message.remove(&r.id).unwrap_or_default(),
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
        })
        .collect();
    Ok(ChatExport {
        version: CHAT_EXPORT_VERSION,
        title,
        agent,
        messages,
    })
}

fn invalid(code: &'static str, message: String) -> StoreError {
    StoreError::invalid(code, message)
}

/// Check an uploaded document and read it. Codes: `invalid_document` (not the
/// document's shape), `unsupported_version`, `too_many_messages`, `invalid_role`,
/// `invalid_status`, `invalid_part_kind`, `invalid_part` (a tool part without its
/// tool and call id, or a text part without text).
pub fn parse_document(doc: Value) -> Result<ChatExport, StoreError> {
    let Value::Object(top) = &doc else {
        return Err(invalid(
            "invalid_document",
            "the document must be a JSON object".into(),
        ));
    };
    match top.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(CHAT_EXPORT_VERSION) => {}
        other => {
            return Err(invalid(
                "unsupported_version",
                format!(
                    "version must be {CHAT_EXPORT_VERSION}, got {}",
                    other.map_or_else(|| "none".to_owned(), |v| v.to_string())
                ),
            ));
        }
    }
    let Some(Value::Array(messages)) = top.get("messages") else {
        return Err(invalid(
            "invalid_document",
            "messages must be an array".into(),
        ));
    };
    if messages.len() > MAX_IMPORT_MESSAGES {
        return Err(invalid(
            "too_many_messages",
            format!("at most {MAX_IMPORT_MESSAGES} messages can be imported"),
        ));
    }
    for (i, m) in messages.iter().enumerate() {
        check_enum::<Role>(
            m.get("role"),
            "invalid_role",
            &format!("messages[{i}].role"),
        )?;
        let status = check_enum::<MessageStatus>(
            m.get("status"),
            "invalid_status",
            &format!("messages[{i}].status"),
        )?;
        if matches!(status, MessageStatus::Queued | MessageStatus::Streaming) {
            return Err(invalid(
                "invalid_status",
                format!("messages[{i}].status must be complete, cancelled or failed"),
            ));
        }
        if let Some(Value::Array(parts)) = m.get("parts") {
            for (j, p) in parts.iter().enumerate() {
                check_enum::<PartKind>(
                    p.get("kind"),
                    "invalid_part_kind",
                    &format!("messages[{i}].parts[{j}].kind"),
                )?;
            }
        }
    }
    let doc: ChatExport = serde_json::from_value(doc).map_err(|e| {
        invalid(
            "invalid_document",
            format!("the document is malformed: {e}"),
        )
    })?;
    for (i, m) in doc.messages.iter().enumerate() {
        for (j, p) in m.parts.iter().enumerate() {
            let tool = matches!(p.kind, PartKind::ToolCall | PartKind::ToolResult);
            let named = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
            let ok = if tool {
                named(&p.tool_name) && named(&p.call_id)
            } else {
                p.tool_name.is_none()
                    && p.call_id.is_none()
                    && (p.kind == PartKind::Plan || p.content.is_some())
            };
            if !ok {
                return Err(invalid(
                    "invalid_part",
                    format!(
                        "messages[{i}].parts[{j}]: tool parts need tool_name and call_id, \
                         text and reasoning parts need content and no tool fields"
                    ),
                ));
            }
        }
    }
    Ok(doc)
}

/// `value` read as the enum `T`, or `code` naming `at`.
fn check_enum<T: serde::de::DeserializeOwned>(
    value: Option<&Value>,
    code: &'static str,
    at: &str,
) -> Result<T, StoreError> {
    let raw = value.cloned().unwrap_or(Value::Null);
    serde_json::from_value(raw.clone())
        .map_err(|_| invalid(code, format!("{at}: {raw} is not allowed")))
}

/// A database rule the document broke (a CHECK, a too-long title) or a value it
/// cannot store is the document's fault: 400 `invalid_document` naming it.
fn write_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if let Some(constraint) = db.constraint() {
            return invalid(
                "invalid_document",
                format!("the document breaks the rule {constraint}"),
            );
        }
        // Class 22, data exception: a value the column cannot hold (a time out of range).
        if db.code().is_some_and(|c| c.starts_with("22")) {
            return invalid(
                "invalid_document",
                format!(
                    "the document holds a value that cannot be stored: {}",
                    db.message()
                ),
            );
        }
    }
    StoreError::Db(e)
}

/// A new chat in `session_id` with the document's messages and parts, in order,
/// all in one transaction. Returns the chat's id.
pub async fn import(pool: &PgPool, session_id: Uuid, doc: &ChatExport) -> Result<Uuid, StoreError> {
    let mut tx = pool.begin().await?;
    let title = doc
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let chat_id: Uuid = sqlx::query_scalar(
        "INSERT INTO chats (session_id, title, agent) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(session_id)
    .bind(title)
    .bind(&doc.agent)
    .fetch_one(&mut *tx)
    .await
    .map_err(write_error)?;
    for m in &doc.messages {
        // The attach trigger chains each row under the one before it.
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO messages (chat_id, role, status, content, metadata, model, agent,
                 prompt_tokens, completion_tokens, tokens_per_second, prompt_ms, error,
                 started_at, finished_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 CASE WHEN $2 = 'assistant' THEN $14 END, $13, $14)
             RETURNING id",
        )
        .bind(chat_id)
        .bind(m.role)
        .bind(m.status)
        .bind(&m.content)
        .bind(&m.metadata)
        .bind(&m.model)
        .bind(&m.agent)
        .bind(m.usage.prompt_tokens)
        .bind(m.usage.completion_tokens)
        .bind(m.usage.tokens_per_second)
        .bind(m.usage.prompt_ms)
        .bind(&m.error)
        .bind(m.finished_at)
        .bind(m.created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(write_error)?;
        for (ordinal, p) in m.parts.iter().enumerate() {
            sqlx::query(
                "INSERT INTO message_parts (message_id, ordinal, kind, content, tool_name, call_id,
                     args, result, result_bytes, truncated, is_error, duration_ms, metadata)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(i32::try_from(ordinal).unwrap_or(i32::MAX))
            .bind(p.kind)
            .bind(&p.content)
            .bind(&p.tool_name)
            .bind(&p.call_id)
            .bind(&p.args)
            .bind(&p.result)
            .bind(p.result_bytes)
            .bind(p.truncated)
            .bind(p.is_error)
            .bind(p.duration_ms)
            .bind(&p.metadata)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        }
    }
    tx.commit().await.map_err(write_error)?;
    Ok(chat_id)
}
