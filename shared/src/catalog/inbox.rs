//! The needs-you inbox: the `human_inbox` view (blocked and failed agent turns,
//! pending changes, unanswered `ask_user_input` questions) across every session,
//! with the names the list shows.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::chat::{InboxItem, InboxKind};
use crate::store::StoreError;

/// Most items the inbox returns.
pub const MAX_ITEMS: i64 = 200;

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    item_id: Uuid,
    project_id: Uuid,
    project_name: String,
    session_id: Uuid,
    session_title: Option<String>,
    chat_id: Option<Uuid>,
    agent: Option<String>,
    summary: Option<String>,
    detail: serde_json::Value,
    since: DateTime<Utc>,
}

fn kind(s: &str) -> Option<InboxKind> {
    Some(match s {
        "task_blocked" => InboxKind::TaskBlocked,
        "task_failed" => InboxKind::TaskFailed,
        "pending_changes" => InboxKind::PendingChanges,
        "user_input" => InboxKind::UserInput,
        _ => return None,
    })
}

/// Everything waiting on the owner in open sessions, newest first. A session-less
/// task (no workspace session to open) is left out; so are archived sessions.
pub async fn list(pool: &PgPool) -> Result<Vec<InboxItem>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT h.kind, h.item_id, h.project_id, p.name AS project_name, h.session_id,
                s.title AS session_title, h.chat_id, h.agent, h.summary, h.detail, h.since
           FROM human_inbox h
           JOIN sessions s ON s.id = h.session_id
           JOIN projects p ON p.id = h.project_id
          WHERE s.status = 'open'
          ORDER BY h.since DESC, h.item_id
          LIMIT $1",
    )
    .bind(MAX_ITEMS)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(InboxItem {
                kind: kind(&r.kind)?,
                item_id: r.item_id,
                project_id: r.project_id,
                project_name: r.project_name,
                session_id: r.session_id,
                session_title: r.session_title,
                chat_id: r.chat_id,
                agent: r.agent,
                summary: r.summary.unwrap_or_default(),
                detail: r.detail,
                since: r.since,
            })
        })
        .collect())
}
