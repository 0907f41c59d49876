//! Branching a chat: regenerate an answer, edit a question, switch branches
//! (`crate::engine::branching`). Each answers 409 `chat_busy` while a turn runs.

use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::MessageAccepted;
use boo_shared::error::{ApiError, Json, Path};
use boo_shared::find::{BranchSet, EditMessage, SetBranch};
use uuid::Uuid;

use super::AppState;
use crate::engine::branching;

/// A new answer beside the assistant message `mid`; its branch becomes active.
#[utoipa::path(post, path = "/api/chats/{id}/messages/{mid}/regenerate", tag = "messages",
    params(("id" = Uuid, Path, description = "Chat id"), ("mid" = Uuid, Path, description = "An assistant message")),
    responses((status = 202, description = "The new answer's turn started", body = MessageAccepted),
        (status = 400, description = "not_an_answer / message_not_in_chat"),
        (status = 409, description = "chat_busy / chat_archived")))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn regenerate(
    State(s): State<AppState>,
    Path((chat_id, mid)): Path<(Uuid, Uuid)>,
) -> Result<(StatusCode, Json<MessageAccepted>), ApiError> {
    let accepted = branching::regenerate(&s.engine, chat_id, mid).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// A new version of the user message `mid` beside it, and an answer to it.
#[utoipa::path(post, path = "/api/chats/{id}/messages/{mid}/edit", tag = "messages",
    params(("id" = Uuid, Path, description = "Chat id"), ("mid" = Uuid, Path, description = "A user message")),
    request_body = EditMessage,
    responses((status = 202, description = "The edited message's turn started", body = MessageAccepted),
        (status = 400, description = "not_a_question / empty_message / message_too_long / message_not_in_chat"),
        (status = 409, description = "chat_busy / chat_archived")))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn edit(
    State(s): State<AppState>,
    Path((chat_id, mid)): Path<(Uuid, Uuid)>,
    Json(body): Json<EditMessage>,
) -> Result<(StatusCode, Json<MessageAccepted>), ApiError> {
    let accepted = branching::edit(&s.engine, chat_id, mid, &body.content).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Make the branch through `message_id` the active one.
#[utoipa::path(put, path = "/api/chats/{id}/branch", tag = "messages",
    params(("id" = Uuid, Path, description = "Chat id")),
    request_body = SetBranch,
    responses((status = 200, description = "The new active leaf", body = BranchSet),
        (status = 400, description = "message_not_in_chat / message_queued"),
        (status = 409, description = "chat_busy")))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn switch(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Json(body): Json<SetBranch>,
) -> Result<Json<BranchSet>, ApiError> {
    let leaf_id = branching::switch(&s.engine, chat_id, body.message_id).await?;
    Ok(Json(BranchSet { leaf_id }))
}
