//! Agent turns: submit (a user message + a task), list, get one, cancel.

use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::catalog::{chats, sessions};
use boo_shared::chat::{MessageStatus, Role, Status};
use boo_shared::coder::{SubmitTurn, TaskInfo, TurnAccepted};
use boo_shared::error::{ApiError, Json, Path};
use boo_shared::frames::ServerFrame;
use boo_shared::transcript::store as messages;
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use crate::dispatcher::store::{self as tasks, NewTask};

pub const MAX_PROMPT_CHARS: usize = 200_000;

/// Send a message to the chat's agent: a user message and a queued task.
#[utoipa::path(post, path = "/api/sessions/{sid}/chats/{cid}/messages", tag = "turns",
    params(("sid" = Uuid, Path, description = "Session id"), ("cid" = Uuid, Path, description = "Chat id")),
    request_body = SubmitTurn,
    responses((status = 202, description = "Accepted", body = TurnAccepted)))]
#[tracing::instrument(skip_all, err, fields(session_id = %sid, chat_id = %cid, task_id = tracing::field::Empty))]
pub async fn submit(
    State(s): State<AppState>,
    Path((sid, cid)): Path<(Uuid, Uuid)>,
    Json(body): Json<SubmitTurn>,
) -> Result<(StatusCode, Json<TurnAccepted>), ApiError> {
    if body.content.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_message",
            "content must not be empty",
        ));
    }
    if body.content.chars().count() > MAX_PROMPT_CHARS {
        return Err(ApiError::bad_request(
            "message_too_long",
            format!("content is longer than {MAX_PROMPT_CHARS} characters"),
        ));
    }
    let session = sessions::get(&s.pool, sid).await?;
    let chat = chats::get(&s.pool, cid).await?;
    if chat.session_id != sid {
        return Err(ApiError::bad_request(
            "chat_not_in_session",
            format!("chat {cid} is not in session {sid}"),
        ));
    }
    if chat.status == Status::Archived {
        return Err(ApiError::conflict(
            "chat_archived",
            "the chat is archived; restore it first",
        ));
    }
    if s.providers.definition(&body.provider).is_none() {
        return Err(ApiError::bad_request(
            "unknown_provider",
            format!("no provider {:?}", body.provider),
        ));
    }
    let queued_before = tasks::in_flight_in_session(&s.pool, sid).await?;
    let mut tx = s.pool.begin().await?;
    let user_message_id = messages::insert(
        &mut *tx,
        cid,
        Role::User,
        MessageStatus::Complete,
        &body.content,
        json!({"provider": body.provider}),
    )
    .await?;
    let task = tasks::submit(
        &mut *tx,
        &NewTask {
            project_id: session.project_id,
            session_id: Some(sid),
            chat_id: Some(cid),
            agent: &body.provider,
            mode_id: body.mode.as_deref(),
            model: body.model.as_deref(),
            prompt: &body.content,
        },
    )
    .await?
    .id;
    tx.commit().await?;
    tracing::Span::current().record("task_id", tracing::field::display(task));
    if let Ok(message) = messages::get(&s.pool, user_message_id).await {
        s.hub.publish(
            sid,
            ServerFrame::UserMessage {
                chat_id: cid,
                message,
            },
        );
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(TurnAccepted {
            task_id: task,
            user_message_id,
            queued: queued_before,
        }),
    ))
}

/// The session's tasks, newest first (at most 100).
#[utoipa::path(get, path = "/api/sessions/{sid}/tasks", tag = "turns", params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The tasks, newest first", body = Vec<TaskInfo>)))]
pub async fn tasks(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<Vec<TaskInfo>>, ApiError> {
    sessions::get(&s.pool, sid).await?;
    Ok(Json(tasks::list_info(&s.pool, sid, 100).await?))
}

/// One task, in the shape the list returns; 404 `not_found` when there is none.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "turns", params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = TaskInfo)))]
pub async fn task(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<TaskInfo>, ApiError> {
    Ok(Json(tasks::info(&s.pool, id).await?))
}

/// `POST /api/tasks/{id}/cancel`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CancelResult {
    /// False when the task had already ended.
    cancelled: bool,
}

/// Cancel a queued or running task.
#[utoipa::path(post, path = "/api/tasks/{id}/cancel", tag = "turns", params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "Whether anything was cancelled", body = CancelResult)))]
pub async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<CancelResult>, ApiError> {
    if tasks::get(&s.pool, id).await?.is_none() {
        return Err(ApiError::not_found(format!("no task {id}")));
    }
    let cancelled = s.dispatcher.cancel(id).await?;
    Ok(Json(CancelResult { cancelled }))
}

/// The owner has seen a failed task: it leaves the needs-you inbox.
#[utoipa::path(post, path = "/api/tasks/{id}/dismiss", tag = "turns", params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 204, description = "Dismissed (again, if it already was)"),
        (status = 409, description = "The task did not fail (`not_failed`)", body = boo_shared::error::ErrorBody)))]
pub async fn dismiss(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<axum::http::StatusCode, ApiError> {
    match tasks::dismiss(&s.pool, id).await? {
        Some(true) => Ok(axum::http::StatusCode::NO_CONTENT),
        Some(false) => Err(ApiError::conflict(
            "not_failed",
            format!("task {id} did not fail; only failed tasks wait in the inbox"),
        )),
        None => Err(ApiError::not_found(format!("no task {id}"))),
    }
}
