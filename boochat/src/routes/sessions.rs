use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{CreateSession, Page, Session, Status, UpdateSession};
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::{self as store, cursor::Cursor, projects, sessions};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    project_id: Option<Uuid>,
    status: Option<Status>,
    cursor: Option<String>,
    limit: Option<i64>,
}

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

#[utoipa::path(get, path = "/api/sessions", tag = "sessions", params(ListQuery),
    responses((status = 200, description = "A page of sessions, newest activity first", body = Page<Session>)))]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Session>>, ApiError> {
    let limit = store::page_limit(q.limit)?;
    let after = Cursor::parse(q.cursor.as_deref())?;
    Ok(Json(
        sessions::list(&s.engine.pool, q.project_id, q.status, after, limit).await?,
    ))
}

/// Rename, archive or restore; announced as `session_updated`.
#[utoipa::path(patch, path = "/api/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path, description = "Session id")),
    request_body = UpdateSession,
    responses((status = 200, description = "The session as stored", body = Session)))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<UpdateSession>,
) -> Result<Json<Session>, ApiError> {
    let session = sessions::update(&s.engine.pool, id, &body).await?;
    // Every device's sidebar (the catalog) and the session's own viewers follow.
    s.engine.hub.session_updated(&session);
    Ok(Json(session))
}
