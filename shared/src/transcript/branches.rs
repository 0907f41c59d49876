//! A chat's message tree (migration 0016): every message has a parent, siblings
//! are the alternatives of one point of the conversation (edits of a question,
//! regenerated answers), and `chat_leaves` names the active leaf. The active
//! branch, the leaf and its ancestors, is what the transcript shows and what the
//! model is sent.
//!
//! Writers do not compute parents: the `boo_messages_attach` trigger hangs each new
//! row under the active leaf and makes it the leaf. To branch, a writer moves the
//! leaf to the branch point with [`move_leaf`] and then inserts as usual, in one
//! transaction.

use std::collections::HashMap;

use crate::chat::{Branch, MessageStatus, Role};
use crate::store::StoreError;
use sqlx::{PgPool, Postgres};
use uuid::Uuid;

/// A recursive CTE `path(id, parent_id)`: the active branch of chat `$1`.
pub(crate) const ACTIVE_PATH: &str = "path AS (
        SELECT m.id, m.parent_id FROM chat_leaves l JOIN messages m ON m.id = l.leaf_id
         WHERE l.chat_id = $1
        UNION ALL
        SELECT m.id, m.parent_id FROM messages m JOIN path p ON m.id = p.parent_id
    )";

/// What branching needs to know about one message.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Node {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub role: Role,
    pub status: MessageStatus,
}

/// Message `id` of chat `chat_id` (`Invalid` `message_not_in_chat` otherwise).
pub async fn node(pool: &PgPool, chat_id: Uuid, id: Uuid) -> Result<Node, StoreError> {
    sqlx::query_as::<_, Node>(
        "SELECT id, parent_id, role, status FROM messages WHERE id = $1 AND chat_id = $2",
    )
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

/// The chat's active leaf (`None`: no message yet).
pub async fn leaf(pool: &PgPool, chat_id: Uuid) -> Result<Option<Uuid>, StoreError> {
    let leaf: Option<Option<Uuid>> =
        sqlx::query_scalar("SELECT leaf_id FROM chat_leaves WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_optional(pool)
            .await?;
    Ok(leaf.flatten())
}

/// Point the chat's active leaf at `leaf` (`None`: the next insert is a new root).
/// Call in the transaction that then inserts the branch's first message.
pub async fn move_leaf<'e, E: sqlx::Executor<'e, Database = Postgres>>(
    db: E,
    chat_id: Uuid,
    leaf: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_leaves (chat_id, leaf_id) VALUES ($1, $2)
         ON CONFLICT (chat_id) DO UPDATE SET leaf_id = EXCLUDED.leaf_id",
    )
    .bind(chat_id)
    .bind(leaf)
    .execute(db)
    .await?;
    Ok(())
}

/// Make `message_id`'s branch the active one: the leaf becomes its newest
/// descendant (itself when it has none), so switching back to a branch returns
/// to where that branch ended. Returns the new leaf.
pub async fn switch_to(pool: &PgPool, chat_id: Uuid, message_id: Uuid) -> Result<Uuid, StoreError> {
    let target = node(pool, chat_id, message_id).await?;
    if target.status == MessageStatus::Queued {
        return Err(StoreError::invalid(
            "message_queued",
            format!("message {message_id} is still queued; it is on no branch yet"),
        ));
    }
    let mut tx = pool.begin().await?;
    let newest: Uuid = sqlx::query_scalar(
        "WITH RECURSIVE sub AS (
            SELECT id, seq FROM messages WHERE id = $1
            UNION ALL
            SELECT m.id, m.seq FROM messages m JOIN sub ON m.parent_id = sub.id
             WHERE m.status <> 'queued'
         )
         SELECT id FROM sub ORDER BY seq DESC LIMIT 1",
    )
    .bind(message_id)
    .fetch_one(&mut *tx)
    .await?;
    move_leaf(&mut *tx, chat_id, Some(newest)).await?;
    tx.commit().await?;
    Ok(newest)
}

/// Sibling info of `ids` (messages of one chat) that have siblings, in the order
/// of `ids`. Queued messages are on no branch and have none.
pub async fn siblings(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Branch>, StoreError> {
    let rows: Vec<(Uuid, Vec<Uuid>)> = sqlx::query_as(
        "SELECT m.id, array_agg(s.id ORDER BY s.seq)
           FROM messages m
           JOIN messages s ON s.chat_id = m.chat_id
                          AND s.parent_id IS NOT DISTINCT FROM m.parent_id
                          AND s.status <> 'queued'
          WHERE m.id = ANY($1) AND m.status <> 'queued'
          GROUP BY m.id
         HAVING count(*) > 1",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut by_id: HashMap<Uuid, Vec<Uuid>> = rows.into_iter().collect();
    Ok(ids
        .iter()
        .filter_map(|id| {
            let sibling_ids = by_id.remove(id)?;
            let index = sibling_ids.iter().position(|s| s == id)?;
            Some(Branch {
                message_id: *id,
                index: u32::try_from(index).unwrap_or(u32::MAX),
                count: u32::try_from(sibling_ids.len()).unwrap_or(u32::MAX),
                sibling_ids,
            })
        })
        .collect())
}
