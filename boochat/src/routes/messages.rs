use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{AnswerInput, MessageAccepted, MessageWindow, SendMessage, StopResult};
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::engine::runner;
use boo_shared::catalog::{self as store, chats};
use boo_shared::transcript::store as messages;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    before: Option<Uuid>,
    limit: Option<i64>,
}

pub async fn send(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<MessageAccepted>), ApiError> {
    let accepted = runner::submit(&s.engine, chat_id, &body.content).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

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

pub async fn stop(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
) -> Result<Json<StopResult>, ApiError> {
    chats::get(&s.engine.pool, chat_id).await?;
    Ok(Json(StopResult {
        stopped: runner::stop(&s.engine, chat_id),
    }))
}

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
