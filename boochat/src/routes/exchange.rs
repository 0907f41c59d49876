//! Export a chat (Markdown or the JSON [`ChatExport`] document) and import one
//! as a new chat (`boo_shared::transcript::exchange`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use boo_shared::chat::Chat;
use boo_shared::error::{ApiError, Json, Path, Query};
use boo_shared::find::ChatExport;
use boo_shared::frames::ServerFrame;
use boo_shared::transcript::exchange;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::{chats, sessions};

/// What `GET /api/chats/{id}/export` writes.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The [`ChatExport`] document (what import reads).
    #[default]
    Json,
    /// Markdown for people.
    Md,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (default) or `md`.
    format: Option<ExportFormat>,
}

/// The chat's active branch as a download.
#[utoipa::path(get, path = "/api/chats/{id}/export", tag = "chats",
    params(("id" = Uuid, Path, description = "Chat id"), ExportParams),
    responses((status = 200, description = "An attachment: the JSON document or Markdown",
        content((ChatExport = "application/json"), (String = "text/markdown")))))]
#[tracing::instrument(skip_all, err, fields(chat_id = %chat_id))]
pub async fn export(
    State(s): State<AppState>,
    Path(chat_id): Path<Uuid>,
    Query(p): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let doc = exchange::export(&s.engine.pool, chat_id).await?;
    let format = p.format.unwrap_or_default();
    let (body, mime, ext) = match format {
        ExportFormat::Json => (
            serde_json::to_string_pretty(&doc).map_err(|e| ApiError::internal(e.to_string()))?,
            "application/json",
            "json",
        ),
        ExportFormat::Md => (
            exchange::markdown(&doc),
            "text/markdown; charset=utf-8",
            "md",
        ),
    };
    let disposition = format!("attachment; filename=\"chat-{chat_id}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// A new chat in the session from an exported document, in one transaction.
#[utoipa::path(post, path = "/api/sessions/{id}/import", tag = "chats",
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = ChatExport,
    responses((status = 201, description = "The imported chat", body = Chat),
        (status = 400, description = "invalid_document, unsupported_version, too_many_messages, invalid_role, invalid_status, invalid_part_kind, invalid_part or unknown_agent")))]
#[tracing::instrument(skip_all, err, fields(session_id = %session_id))]
pub async fn import(
    State(s): State<AppState>,
    Path(session_id): Path<Uuid>,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, Json<Chat>), ApiError> {
    sessions::get(&s.engine.pool, session_id).await?;
    let doc = exchange::parse_document(body)?;
    if let Some(name) = doc.agent.as_deref()
        && s.engine.kit.agents.get(name).is_none()
    {
        return Err(ApiError::bad_request(
            "unknown_agent",
            format!("agent {name:?} is not defined in the agents registry"),
        ));
    }
    let chat_id = exchange::import(&s.engine.pool, session_id, &doc).await?;
    let chat = chats::get(&s.engine.pool, chat_id).await?;
    s.engine.hub.publish(
        chat.session_id,
        ServerFrame::ChatUpdated { chat: chat.clone() },
    );
    Ok((StatusCode::CREATED, Json(chat)))
}
