//! Branching a chat (CHAT-9): regenerate an answer, edit a question, switch to
//! another branch. Nothing is overwritten: the new answer or question becomes a
//! sibling of the old one (same parent in the message tree, see
//! `boo_shared::transcript::branches`), and the old one stays one click away.
//!
//! Each operation runs under the runner's gate and refuses with 409 `chat_busy`
//! while the chat has a running turn, so the active leaf cannot move under a turn
//! that is appending to it. Regenerate and edit move the leaf to the branch point
//! and start a turn the normal way (`runner::start`): the attach trigger hangs
//! the new rows under that point, and the model's context, built from the active
//! branch, holds only what is above it.

use std::sync::Arc;

use boo_shared::chat::{MessageAccepted, MessageStatus, Role};
use boo_shared::error::ApiError;
use boo_shared::transcript::branches::{self, Node};
use boo_shared::transcript::store as messages;
use uuid::Uuid;

use super::Engine;
use super::runner;

fn busy() -> ApiError {
    ApiError::conflict(
        "chat_busy",
        "the chat is generating; stop it or wait for the turn to end",
    )
}

fn is_finished(n: &Node) -> bool {
    matches!(
        n.status,
        MessageStatus::Complete | MessageStatus::Cancelled | MessageStatus::Failed
    )
}

/// A new answer to the question `message_id` (an assistant message) answered,
/// as its sibling; the new answer's branch becomes the active one.
pub async fn regenerate(
    engine: &Arc<Engine>,
    chat_id: Uuid,
    message_id: Uuid,
) -> Result<MessageAccepted, ApiError> {
    let chat = runner::writable_chat(engine, chat_id).await?;
    let _gate = engine.gate.lock().await;
    if runner::is_running(engine, chat_id) {
        return Err(busy());
    }
    let node = branches::node(&engine.pool, chat_id, message_id).await?;
    let question = match (node.role, node.parent_id) {
        (Role::Assistant, Some(parent)) if is_finished(&node) => parent,
        _ => {
            return Err(ApiError::bad_request(
                "not_an_answer",
                format!("message {message_id} is not a finished answer to a message"),
            ));
        }
    };
    branches::move_leaf(&engine.pool, chat_id, Some(question)).await?;
    branched(engine, chat.session_id, chat_id, Some(question));
    let reply_id = Uuid::new_v4();
    runner::start(engine, chat_id, chat.session_id, reply_id);
    Ok(MessageAccepted {
        user_message_id: question,
        assistant_message_id: reply_id,
        queued: false,
    })
}

/// A new version of the user message `message_id`, as its sibling, and a new
/// answer to it; the new branch becomes the active one.
pub async fn edit(
    engine: &Arc<Engine>,
    chat_id: Uuid,
    message_id: Uuid,
    content: &str,
) -> Result<MessageAccepted, ApiError> {
    runner::check_content(content)?;
    let chat = runner::writable_chat(engine, chat_id).await?;
    let _gate = engine.gate.lock().await;
    if runner::is_running(engine, chat_id) {
        return Err(busy());
    }
    let node = branches::node(&engine.pool, chat_id, message_id).await?;
    if node.role != Role::User || !is_finished(&node) {
        return Err(ApiError::bad_request(
            "not_a_question",
            format!("message {message_id} is not a sent user message"),
        ));
    }
    let user_id = {
        let mut tx = engine.pool.begin().await?;
        branches::move_leaf(&mut *tx, chat_id, node.parent_id).await?;
        let id = messages::insert(
            &mut *tx,
            chat_id,
            Role::User,
            MessageStatus::Complete,
            content,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        id
    };
    branched(engine, chat.session_id, chat_id, Some(user_id));
    runner::publish_user_message(engine, chat.session_id, user_id).await;
    let reply_id = Uuid::new_v4();
    runner::start(engine, chat_id, chat.session_id, reply_id);
    Ok(MessageAccepted {
        user_message_id: user_id,
        assistant_message_id: reply_id,
        queued: false,
    })
}

/// Make `message_id`'s branch the active one (its newest descendant becomes the
/// leaf). Returns the new leaf.
pub async fn switch(engine: &Engine, chat_id: Uuid, message_id: Uuid) -> Result<Uuid, ApiError> {
    let chat = boo_shared::catalog::chats::get(&engine.pool, chat_id).await?;
    let _gate = engine.gate.lock().await;
    if runner::is_running(engine, chat_id) {
        return Err(busy());
    }
    let leaf = branches::switch_to(&engine.pool, chat_id, message_id).await?;
    branched(engine, chat.session_id, chat_id, Some(leaf));
    Ok(leaf)
}

/// Tell the session's clients that the chat's active branch moved (another tab
/// showing the chat fetches it again).
fn branched(engine: &Engine, session_id: Uuid, chat_id: Uuid, leaf_id: Option<Uuid>) {
    engine.hub.publish(
        session_id,
        boo_shared::frames::ServerFrame::ChatBranched { chat_id, leaf_id },
    );
}
