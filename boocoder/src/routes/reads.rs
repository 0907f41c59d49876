//! Read-only views of what boochat owns (sessions, chats, transcripts) plus the
//! session's agent sessions and worktree risk.

use axum::extract::State;
use boo_shared::catalog::listing::{ChatFilters, Listing, PageParams, SessionFilters};
use boo_shared::catalog::{self, chats, sessions};
use boo_shared::chat::{Chat, MessageWindow, Page, Session};
use boo_shared::coder::AgentSessionInfo;
use boo_shared::error::{ApiError, Json, Path, Query};
use boo_shared::transcript::store as messages;
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::AppState;
use crate::runner::agent_sessions;

pub async fn session_exists(pool: &PgPool, id: Uuid) -> Result<Session, ApiError> {
    Ok(sessions::get(pool, id).await?)
}

#[utoipa::path(get, path = "/api/sessions", tag = "sessions", params(SessionFilters, PageParams),
    responses((status = 200, description = "A page of sessions", body = Page<Session>)))]
pub async fn sessions(
    State(s): State<AppState>,
    page: Listing<SessionFilters>,
) -> Result<Json<Page<Session>>, ApiError> {
    let q = page.filters;
    Ok(Json(
        sessions::list(
            &s.pool,
            q.project_id,
            q.status,
            q.tag.as_deref(),
            page.after,
            page.limit,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/sessions/{sid}/chats", tag = "sessions", params(("sid" = Uuid, Path, description = "Session id"), ChatFilters, PageParams),
    responses((status = 200, description = "A page of the session's chats", body = Page<Chat>)))]
pub async fn chats(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
    page: Listing<ChatFilters>,
) -> Result<Json<Page<Chat>>, ApiError> {
    sessions::get(&s.pool, sid).await?;
    let status = page.filters.status;
    Ok(Json(
        chats::list(&s.pool, sid, status, page.after, page.limit).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    before: Option<Uuid>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/chats/{cid}/messages", tag = "sessions", params(("cid" = Uuid, Path, description = "Chat id"), WindowQuery),
    responses((status = 200, description = "A window of messages, newest last", body = MessageWindow)))]
pub async fn messages(
    State(s): State<AppState>,
    Path(cid): Path<Uuid>,
    Query(q): Query<WindowQuery>,
) -> Result<Json<MessageWindow>, ApiError> {
    chats::get(&s.pool, cid).await?;
    let limit = catalog::page_limit(q.limit)?;
    Ok(Json(messages::window(&s.pool, cid, q.before, limit).await?))
}

/// The session's agent sessions (one per chat and agent).
#[utoipa::path(get, path = "/api/sessions/{sid}/agent-sessions", tag = "sessions", params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The agent sessions", body = Vec<AgentSessionInfo>)))]
pub async fn agent_sessions(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<Vec<AgentSessionInfo>>, ApiError> {
    sessions::get(&s.pool, sid).await?;
    Ok(Json(agent_sessions::list_for_session(&s.pool, sid).await?))
}

/// What deleting the session's worktrees would lose.
#[utoipa::path(get, path = "/api/sessions/{sid}/worktree-risk", tag = "sessions", params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "`worktrees` (each with what it holds) and `at_risk`", body = Object)))]
pub async fn worktree_risk(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<serde_json::Value>, ApiError> {
    sessions::get(&s.pool, sid).await?;
    let risks = crate::worktree::risk(&s.pool, sid).await?;
    let at_risk = risks.iter().any(|r| r.at_risk());
    Ok(Json(
        serde_json::json!({"worktrees": risks, "at_risk": at_risk}),
    ))
}
