use axum::extract::State;
use boo_shared::coder::PendingChange;
use boo_shared::error::{ApiError, Json, OptionalJson, Path};
use boo_shared::frames::ServerFrame;
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::pending;

/// Tell the session's browsers the new state of its changes.
async fn announce(s: &AppState, session_id: Uuid) {
    if let Ok(rows) = pending::list(&s.pool, session_id, &[]).await {
        let changes = rows.iter().map(PendingChange::from).collect();
        s.hub
            .publish(session_id, ServerFrame::PendingChanged { changes });
    }
}

/// The session's pending changes.
#[utoipa::path(get, path = "/api/sessions/{sid}/pending", tag = "pending", params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The pending changes", body = Vec<PendingChange>)))]
pub async fn list(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<Vec<PendingChange>>, ApiError> {
    super::reads::session_exists(&s.pool, sid).await?;
    let rows = pending::list(&s.pool, sid, &[]).await?;
    Ok(Json(rows.iter().map(PendingChange::from).collect()))
}

/// Approve and apply to the project tree (the worktree is re-baselined).
/// Approve: the change stays in the worktree and is no longer pending.
#[utoipa::path(post, path = "/api/pending/{id}/approve", tag = "pending", params(("id" = Uuid, Path, description = "Pending change id")),
    responses((status = 200, description = "The change as stored", body = PendingChange)))]
pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<PendingChange>, ApiError> {
    let row = pending::get(&s.pool, id).await?;
    if row.status == pending::PendingStatus::Pending {
        pending::approve(&s.pool, id).await?;
    }
    let applied = pending::apply(&s.pool, id).await;
    announce(&s, row.session_id).await;
    Ok(Json(PendingChange::from(&applied?)))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Also put the worktree's file back to its base version.
    #[serde(default)]
    discard: bool,
}

/// Reject (optionally putting the file back to its base version).
#[utoipa::path(post, path = "/api/pending/{id}/reject", tag = "pending", params(("id" = Uuid, Path, description = "Pending change id")),
    request_body(content = Option<RejectBody>, description = "Optional: an empty body keeps the worktree's file"),
    responses((status = 200, description = "The change as stored", body = PendingChange)))]
pub async fn reject(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    OptionalJson(body): OptionalJson<RejectBody>,
) -> Result<Json<PendingChange>, ApiError> {
    let body = body.unwrap_or_default();
    let row = pending::reject(&s.pool, id, body.discard).await?;
    announce(&s, row.session_id).await;
    Ok(Json(PendingChange::from(&row)))
}

/// Revert an approved change in the worktree.
#[utoipa::path(post, path = "/api/pending/{id}/revert", tag = "pending", params(("id" = Uuid, Path, description = "Pending change id")),
    responses((status = 200, description = "The change as stored", body = PendingChange)))]
pub async fn revert(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<PendingChange>, ApiError> {
    let row = pending::revert(&s.pool, id).await?;
    announce(&s, row.session_id).await;
    Ok(Json(PendingChange::from(&row)))
}
