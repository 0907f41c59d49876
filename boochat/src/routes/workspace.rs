//! `GET`/`PATCH /api/sessions/{id}/workspace`: the session's pane layout (CHAT-7).
//! The rules and the compare-and-set are in [`boo_shared::catalog::workspace`]; a
//! saved layout is announced to every socket on the session as
//! `session_workspace_updated`, so the session's other devices follow.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use boo_shared::catalog::workspace::{self, Saved};
use boo_shared::error::{ApiError, Json, Path};
use boo_shared::frames::ServerFrame;
use boo_shared::workspace::{WorkspaceConflict, WorkspaceState, WorkspaceWrite};
use tracing::instrument;
use uuid::Uuid;

use super::AppState;

#[instrument(skip_all, err, fields(session_id = %id))]
/// The session's pane layout (pruned of tabs whose chat or terminal is gone).
#[utoipa::path(get, path = "/api/sessions/{id}/workspace", tag = "workspace", params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The layout", body = WorkspaceState)))]
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<WorkspaceState>, ApiError> {
    Ok(Json(workspace::load(&s.engine.pool, id).await?))
}

/// 200 with the stored layout, or 409 [`WorkspaceConflict`] with the one to rebase on.
#[instrument(skip_all, err, fields(session_id = %id))]
#[utoipa::path(patch, path = "/api/sessions/{id}/workspace", tag = "workspace", params(("id" = Uuid, Path, description = "Session id")),
    request_body = WorkspaceWrite,
    responses(
        (status = 200, description = "Stored", body = WorkspaceState),
        (status = 409, description = "Based on an older version: apply the change to `current`", body = WorkspaceConflict),
    ))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<WorkspaceWrite>,
) -> Result<Response, ApiError> {
    match workspace::save(&s.engine.pool, id, body).await? {
        Saved::Stored(state) => {
            s.engine.hub.publish(
                id,
                ServerFrame::SessionWorkspaceUpdated {
                    state: state.clone(),
                },
            );
            Ok(Json(state).into_response())
        }
        Saved::Conflict { based_on, current } => {
            let body = WorkspaceConflict {
                error: format!(
                    "the workspace is at version {}, this change was based on version {based_on}: apply it to `current` and retry",
                    current.version
                ),
                code: "version_conflict".into(),
                current,
            };
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}
