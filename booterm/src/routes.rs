//! booterm's HTTP API under `/api/terminals`. Errors are `{"error", "code"}` JSON.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::sessions::Sessions;
use crate::store::{LIST_LIMIT, StatusFilter};
use crate::stream::StreamState;
use boo_shared::term::{CreateTerminal, RenameTerminal, Terminal, TerminalSnapshot};

/// The terminal routes, state applied.
pub fn router(stream: StreamState) -> OpenApiRouter {
    let sessions = stream.sessions.clone();
    let ws = OpenApiRouter::new()
        .routes(routes!(crate::stream::upgrade))
        .with_state(stream);
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, rename, kill))
        .routes(routes!(snapshot))
        .with_state(sessions)
        .merge(ws)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    session_id: Option<Uuid>,
    /// `live` (default) | `exited` | `all`.
    status: Option<String>,
    /// The newest this many (1..=500, default 500); see [`crate::store::list`].
    limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SnapshotQuery {
    /// Scrollback lines above the visible screen (default 0).
    lines: Option<u32>,
}

/// Start a terminal (a tmux session running the owner's shell, or `command`).
#[utoipa::path(post, path = "/api/terminals", tag = "terminals", request_body = CreateTerminal,
    responses((status = 201, description = "Started", body = Terminal)))]
async fn create(
    State(s): State<Arc<Sessions>>,
    Json(req): Json<CreateTerminal>,
) -> Result<(StatusCode, Json<Terminal>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.create(req).await?)))
}

/// Terminals, newest first: live ones by default.
#[utoipa::path(get, path = "/api/terminals", tag = "terminals", params(ListQuery),
    responses((status = 200, description = "The terminals", body = Vec<Terminal>)))]
async fn list(
    State(s): State<Arc<Sessions>>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Terminal>>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("live") => StatusFilter::Live,
        Some("exited") => StatusFilter::Exited,
        Some("all") => StatusFilter::All,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                format!("status must be live, exited or all, got {other:?}"),
            ));
        }
    };
    let limit = match q.limit {
        None => LIST_LIMIT,
        Some(n) if (1..=LIST_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be 1 to {LIST_LIMIT}, got {n}"),
            ));
        }
    };
    Ok(Json(s.list(q.session_id, status, limit).await?))
}

#[utoipa::path(get, path = "/api/terminals/{id}", tag = "terminals", params(("id" = Uuid, Path, description = "Terminal id")),
    responses((status = 200, description = "The terminal", body = Terminal)))]
async fn one(
    State(s): State<Arc<Sessions>>,
    Path(id): Path<Uuid>,
) -> Result<Json<Terminal>, ApiError> {
    Ok(Json(s.get(id).await?))
}

#[utoipa::path(patch, path = "/api/terminals/{id}", tag = "terminals", params(("id" = Uuid, Path, description = "Terminal id")),
    request_body = RenameTerminal,
    responses((status = 200, description = "The terminal as stored", body = Terminal)))]
async fn rename(
    State(s): State<Arc<Sessions>>,
    Path(id): Path<Uuid>,
    Json(req): Json<RenameTerminal>,
) -> Result<Json<Terminal>, ApiError> {
    Ok(Json(s.rename(id, req.title).await?))
}

/// 204 also when the terminal had already ended (the row stays, `exited`).
#[utoipa::path(delete, path = "/api/terminals/{id}", tag = "terminals", params(("id" = Uuid, Path, description = "Terminal id")),
    responses((status = 204, description = "Ended (or had already)")))]
async fn kill(
    State(s): State<Arc<Sessions>>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    s.kill(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The screen (and `lines` of scrollback) as text, live or as kept at exit.
#[utoipa::path(get, path = "/api/terminals/{id}/snapshot", tag = "terminals", params(("id" = Uuid, Path, description = "Terminal id"), SnapshotQuery),
    responses((status = 200, description = "The screen", body = TerminalSnapshot)))]
async fn snapshot(
    State(s): State<Arc<Sessions>>,
    Path(id): Path<Uuid>,
    Query(q): Query<SnapshotQuery>,
) -> Result<Json<TerminalSnapshot>, ApiError> {
    Ok(Json(s.snapshot(id, q.lines.unwrap_or(0)).await?))
}
