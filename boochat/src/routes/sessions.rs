use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{
    CreateSession, Page, Session, SessionChange, SessionClosed, Status, UpdateSession,
};
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::listing::{Listing, PageParams, SessionFilters};
use boo_shared::catalog::{projects, sessions};

#[utoipa::path(post, path = "/api/sessions", tag = "sessions", request_body = CreateSession,
    responses((status = 201, description = "Created", body = Session)))]
pub async fn create(
    State(s): State<AppState>,
    Json(body): Json<CreateSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    projects::get(&s.engine.pool, body.project_id).await?;
    let title = body
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let session = sessions::create(&s.engine.pool, body.project_id, title).await?;
    s.engine.hub.session_updated(&session);
    Ok((StatusCode::CREATED, Json(session)))
}

#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = Session)))]
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(sessions::get(&s.engine.pool, id).await?))
}

#[utoipa::path(get, path = "/api/sessions", tag = "sessions", params(SessionFilters, PageParams),
    responses((status = 200, description = "A page of sessions, newest activity first", body = Page<Session>)))]
pub async fn list(
    State(s): State<AppState>,
    page: Listing<SessionFilters>,
) -> Result<Json<Page<Session>>, ApiError> {
    let q = page.filters;
    Ok(Json(
        sessions::list(
            &s.engine.pool,
            q.project_id,
            q.status,
            q.tag.as_deref(),
            page.after,
            page.limit,
        )
        .await?,
    ))
}

/// Rename, archive, restore or retag (`tags` replaces the list: 400
/// `invalid_tag`, `tag_too_long`, `duplicate_tag`, `too_many_tags`); announced as
/// `session_updated`. Archiving closes
/// what the session owns elsewhere (agents, a clean worktree, terminals) and says
/// what in `closed`; restore brings the session back, and its worktree and
/// terminals are made again on use.
#[utoipa::path(patch, path = "/api/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path, description = "Session id")),
    request_body = UpdateSession,
    responses((status = 200, description = "The session as stored, and what an archive closed", body = SessionChange)))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<UpdateSession>,
) -> Result<Json<SessionChange>, ApiError> {
    let before = sessions::get(&s.engine.pool, id).await?;
    let session = sessions::update(&s.engine.pool, id, &body).await?;
    let closed = if session.status == Status::Archived && before.status != Status::Archived {
        Some(crate::closing::archive_session(&s.engine, id).await)
    } else {
        None
    };
    // Every device's sidebar (the catalog) and the session's own viewers follow.
    s.engine.hub.session_updated(&session);
    Ok(Json(SessionChange { session, closed }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Delete even when the worktree holds unapplied work or a peer daemon is down.
    force: Option<bool>,
}

/// Delete a session and everything it owns: its agent turns and agents, its
/// worktree (directory and branch), its terminals, then its rows. Refused with 409
/// `worktree_at_risk` (the per-worktree report in `details.worktrees`) when the
/// worktree holds work that would be lost, and with 503 when boocoder or booterm
/// cannot be asked, unless `force=true`.
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path, description = "Session id"), DeleteQuery),
    responses((status = 200, description = "Deleted; what was closed", body = SessionClosed),
        (status = 409, description = "The worktree holds work deleting would lose (`worktree_at_risk`, report in `details.worktrees`)", body = boo_shared::error::ErrorBody),
        (status = 503, description = "boocoder or booterm cannot be reached (`coder_unavailable`, `term_unavailable`)", body = boo_shared::error::ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<DeleteQuery>,
) -> Result<Json<SessionClosed>, ApiError> {
    Ok(Json(
        crate::closing::delete_session(&s.engine, id, q.force.unwrap_or(false)).await?,
    ))
}
