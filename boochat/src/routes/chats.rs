use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{Chat, CreateChat, ForkChat, Page, Status, UpdateChat};
use boo_shared::error::{ApiError, Json, OptionalJson, Path};
use boo_shared::frames::ServerFrame;
use uuid::Uuid;

use super::AppState;
use crate::engine::runner;
use boo_shared::catalog::listing::{ChatFilters, Listing, PageParams};
use boo_shared::catalog::{chats, sessions};

fn check_agent(s: &AppState, agent: Option<&str>) -> Result<(), ApiError> {
    match agent {
        Some(name) if s.engine.kit.agents.get(name).is_none() => Err(ApiError::bad_request(
            "unknown_agent",
            format!("agent {name:?} is not defined in the agents registry"),
        )),
        _ => Ok(()),
    }
}

fn announce(s: &AppState, chat: &Chat) {
    s.engine.hub.publish(
        chat.session_id,
        ServerFrame::ChatUpdated { chat: chat.clone() },
    );
}

#[utoipa::path(post, path = "/api/sessions/{id}/chats", tag = "chats", params(("id" = Uuid, Path, description = "Session id")),
    request_body = CreateChat,
    responses((status = 201, description = "Created", body = Chat)))]
pub async fn create(
    State(s): State<AppState>,
    Path(session_id): Path<Uuid>,
    Json(body): Json<CreateChat>,
) -> Result<(StatusCode, Json<Chat>), ApiError> {
    sessions::get(&s.engine.pool, session_id).await?;
    check_agent(&s, body.agent.as_deref())?;
    let title = body
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let chat = chats::create(&s.engine.pool, session_id, title, body.agent.as_deref()).await?;
    announce(&s, &chat);
    Ok((StatusCode::CREATED, Json(chat)))
}

#[utoipa::path(get, path = "/api/chats/{id}", tag = "chats", params(("id" = Uuid, Path, description = "Chat id")),
    responses((status = 200, description = "The chat", body = Chat)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<Chat>, ApiError> {
    Ok(Json(chats::get(&s.engine.pool, id).await?))
}

#[utoipa::path(get, path = "/api/sessions/{id}/chats", tag = "chats", params(("id" = Uuid, Path, description = "Session id"), ChatFilters, PageParams),
    responses((status = 200, description = "A page of the session's chats", body = Page<Chat>)))]
pub async fn list(
    State(s): State<AppState>,
    Path(session_id): Path<Uuid>,
    page: Listing<ChatFilters>,
) -> Result<Json<Page<Chat>>, ApiError> {
    sessions::get(&s.engine.pool, session_id).await?;
    let status = page.filters.status;
    Ok(Json(
        chats::list(&s.engine.pool, session_id, status, page.after, page.limit).await?,
    ))
}

#[utoipa::path(patch, path = "/api/chats/{id}", tag = "chats", params(("id" = Uuid, Path, description = "Chat id")),
    request_body = UpdateChat,
    responses((status = 200, description = "The chat as stored", body = Chat)))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<UpdateChat>,
) -> Result<Json<Chat>, ApiError> {
    if let Some(agent) = &body.agent {
        check_agent(&s, agent.as_deref())?;
    }
    let chat = chats::update(&s.engine.pool, id, &body).await?;
    if body.status == Some(Status::Archived) {
        // An archived chat does not keep generating, and its agents stop.
        runner::stop(&s.engine, id);
        crate::closing::archive_chat(&s.engine, id).await;
    }
    announce(&s, &chat);
    Ok(Json(chat))
}

/// A new chat with this one's messages (up to `message_id`, or all).
#[utoipa::path(post, path = "/api/chats/{id}/fork", tag = "chats", params(("id" = Uuid, Path, description = "Chat id")),
    request_body(content = Option<ForkChat>, description = "Optional: an empty body forks everything"),
    responses((status = 201, description = "The fork", body = Chat)))]
pub async fn fork(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<ForkChat>,
) -> Result<(StatusCode, Json<Chat>), ApiError> {
    // The body is optional: empty = fork everything.
    let upto = body.and_then(|b| b.message_id);
    let chat = chats::fork(&s.engine.pool, id, upto).await?;
    announce(&s, &chat);
    Ok((StatusCode::CREATED, Json(chat)))
}
