use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use boo_shared::chat::{
    AnswerInput, Message, MessageAccepted, MessageWindow, SendMessage, StopResult,
};
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::engine::compact::CompactError;
use crate::engine::{attach, runner};
use boo_shared::catalog::{self as store, chats};
use boo_shared::transcript::attachments;
use boo_shared::transcript::store as messages;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    before: Option<Uuid>,
    limit: Option<i64>,
}

/// Send a message: it starts a turn, or waits in the chat's queue. Attachments
/// are checked first (400 `too_many_attachments`, `attachment_too_large`,
/// `attachments_too_large`, `invalid_attachment_name`, `invalid_attachment_type`,
/// `invalid_attachment_data`; images to a model without vision: `model_no_vision`)
/// and stored with the message, or nothing is.
#[utoipa::path(post, path = "/api/chats/{id}/messages", tag = "messages", params(("id" = Uuid, Path, description = "Chat id")),
    request_body = SendMessage,
    responses((status = 202, description = "Accepted", body = MessageAccepted),
        (status = 400, description = "An empty or too long message, or an attachment refused (by `code`)", body = boo_shared::error::ErrorBody)))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn send(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<MessageAccepted>), ApiError> {
    let attachments = attach::prepare(&body.attachments)?;
    let accepted = runner::submit_with(&s.engine, chat_id, &body.content, &attachments).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// The contents of a message's attachment: an image as its type, a text file as
/// `text/plain; charset=utf-8` (never as the type the browser claimed, so an
/// attached page is shown, not run). They never change, so they cache for good.
#[utoipa::path(get, path = "/api/messages/{id}/attachments/{ordinal}", tag = "messages",
    params(("id" = Uuid, Path, description = "Message id"), ("ordinal" = u32, Path, description = "The attachment's position, from 0")),
    responses((status = 200, description = "The file's bytes"),
        (status = 404, description = "No such attachment", body = boo_shared::error::ErrorBody)))]
pub async fn attachment(
    State(s): State<AppState>,
    Path((message_id, ordinal)): Path<(Uuid, u32)>,
) -> Result<Response, ApiError> {
    let a = attachments::get(&s.engine.pool, message_id, ordinal)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("message {message_id} has no attachment {ordinal}"))
        })?;
    let (mime, body) = match (a.text, a.data) {
        (Some(text), _) => ("text/plain; charset=utf-8".to_owned(), text.into_bytes()),
        (None, Some(data)) => (a.info.mime, data),
        (None, None) => (a.info.mime, Vec::new()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}

/// A window of messages, newest last.
#[utoipa::path(get, path = "/api/chats/{id}/messages", tag = "messages", params(("id" = Uuid, Path, description = "Chat id"), WindowQuery),
    responses((status = 200, description = "The window", body = MessageWindow)))]
pub async fn list(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Query(q): Query<WindowQuery>,
) -> Result<Json<MessageWindow>, ApiError> {
    chats::get(&s.engine.pool, chat_id).await?;
    let limit = store::page_limit(q.limit)?;
    Ok(Json(
        messages::window(&s.engine.pool, chat_id, q.before, limit).await?,
    ))
}

/// Stop the chat's running turn (if any).
#[utoipa::path(post, path = "/api/chats/{id}/stop", tag = "messages", params(("id" = Uuid, Path, description = "Chat id")),
    responses((status = 200, description = "Whether a turn was stopped", body = StopResult)))]
pub async fn stop(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
) -> Result<Json<StopResult>, ApiError> {
    chats::get(&s.engine.pool, chat_id).await?;
    Ok(Json(StopResult {
        stopped: runner::stop(&s.engine, chat_id),
    }))
}

/// Answer the turn's open `ask_user_input` question.
#[utoipa::path(post, path = "/api/chats/{id}/answers", tag = "messages", params(("id" = Uuid, Path, description = "Chat id")),
    request_body = AnswerInput,
    responses((status = 204, description = "Delivered to the waiting turn")))]
pub async fn answer(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Json(body): Json<AnswerInput>,
) -> Result<StatusCode, ApiError> {
    if s.engine.answer(chat_id, &body.call_id, body.answer) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::conflict(
            "no_open_question",
            format!("no turn is waiting for an answer to {:?}", body.call_id),
        ))
    }
}

/// Compact the chat now (`/compact`): its turns before the last exchange become
/// a summary the model sees in their place (the owner still sees them all).
#[utoipa::path(post, path = "/api/chats/{id}/compact", tag = "messages", params(("id" = Uuid, Path, description = "Chat id")),
    responses((status = 201, description = "The compaction summary row", body = Message),
        (status = 409, description = "A turn is running, or nothing to compact", body = boo_shared::error::ErrorBody),
        (status = 502, description = "The model could not summarise", body = boo_shared::error::ErrorBody)))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn compact(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let e = &s.engine;
    let chat = chats::get(&e.pool, chat_id).await?;
    if runner::is_running(e, chat_id) {
        return Err(ApiError::conflict(
            "turn_running",
            "a turn is running in this chat; compact it when the turn ends",
        ));
    }
    let agent = chat.agent.as_deref().and_then(|n| e.kit.agents.get(n));
    let model = e
        .kit
        .model_for(agent.as_ref())
        .await
        .map_err(|err| ApiError::unavailable("model_unavailable", err.to_string()))?;
    let history = messages::history(&e.pool, chat_id, None).await?;
    let size = e.kit.llm.ctx_size(&model).await;
    match e
        .compact(chat.session_id, chat_id, &model, &history, false, size)
        .await
    {
        Ok(row) => Ok((StatusCode::CREATED, Json(row))),
        Err(CompactError::Nothing) => Err(ApiError::conflict(
            "nothing_to_compact",
            CompactError::Nothing.to_string(),
        )),
        Err(err @ (CompactError::Model(_) | CompactError::Empty)) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "model_error",
            err.to_string(),
        )),
        Err(err @ CompactError::Store) => Err(ApiError::internal(err.to_string())),
    }
}
