//! Checkpoints (CODER-12): list a session's, restore one. The mechanism is
//! [`crate::worktree::checkpoint`]; after a restore the session's pending changes are
//! re-staged from the worktree (like after a turn) and every device hears
//! `checkpoint_restored` and `pending_changed`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use boo_shared::coder::{
    Checkpoint, CheckpointConflict, CheckpointRestored, PendingChange, RestoreCheckpoint,
};
use boo_shared::error::{ApiError, Json, OptionalJson, Path};
use boo_shared::frames::ServerFrame;
use uuid::Uuid;

use super::AppState;
use crate::pending::{self, Staging};
use crate::worktree::checkpoint::{self, CheckpointError, CheckpointRow};

fn wire(rows: &[CheckpointRow]) -> Vec<Checkpoint> {
    rows.iter().map(Checkpoint::from).collect()
}

/// The session's checkpoints, newest first (at most 500): one per agent turn, with
/// the turn it precedes.
#[utoipa::path(get, path = "/api/sessions/{sid}/checkpoints", tag = "checkpoints",
    params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The checkpoints, newest first", body = Vec<Checkpoint>)))]
pub async fn list(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<Vec<Checkpoint>>, ApiError> {
    super::reads::session_exists(&s.pool, sid).await?;
    let rows = checkpoint::list(&s.pool, sid).await?;
    Ok(Json(wire(&rows)))
}

/// Every 409 of a restore has the [`CheckpointConflict`] shape (with `discarded` for
/// `checkpoint_discards_later`); other errors are the usual `{error, code}`.
fn failure(e: CheckpointError) -> Response {
    let (status, code) = e.status_and_code();
    if status != StatusCode::CONFLICT {
        return ApiError::from(e).into_response();
    }
    let discarded = match &e {
        CheckpointError::DiscardsLater { discarded, .. } => wire(discarded),
        _ => Vec::new(),
    };
    let body = CheckpointConflict {
        error: e.to_string(),
        code: code.to_owned(),
        discarded,
    };
    (status, axum::Json(body)).into_response()
}

/// Put the session's worktree back to checkpoint `n`: byte for byte, files made since
/// deleted, ignored files left alone. This discards the work of `n`'s turn and every
/// later one, so it needs `{"discard_later": true}` (409 `checkpoint_discards_later`
/// lists them otherwise); 409 `turn_running` while a turn of the session runs. The
/// session's agents are told on their next turn.
#[utoipa::path(post, path = "/api/sessions/{sid}/checkpoints/{n}/restore", tag = "checkpoints",
    params(("sid" = Uuid, Path, description = "Session id"), ("n" = i32, Path, description = "Checkpoint number (1, 2, …)")),
    request_body(content = Option<RestoreCheckpoint>, description = "Optional: an empty body does not confirm"),
    responses(
        (status = 200, description = "Restored; the pending changes re-staged", body = CheckpointRestored),
        (status = 409, description = "Not confirmed (`discarded` lists what would go), a turn is running, or the worktree is in the way", body = CheckpointConflict),
    ))]
#[tracing::instrument(skip_all, fields(session_id = %sid, n))]
pub async fn restore(
    State(s): State<AppState>,
    Path((sid, n)): Path<(Uuid, i32)>,
    OptionalJson(body): OptionalJson<RestoreCheckpoint>,
) -> Result<Response, ApiError> {
    super::reads::session_exists(&s.pool, sid).await?;
    if n < 1 {
        return Err(ApiError::bad_request(
            "invalid_checkpoint",
            "checkpoints are numbered from 1",
        ));
    }
    let confirm = body.unwrap_or_default().discard_later;
    let restored = match checkpoint::restore(&s.pool, sid, n, confirm).await {
        Ok(r) => r,
        Err(e) => return Ok(failure(e)),
    };
    // Latest wins, as after a turn: the worktree's diff is the session's pending
    // changes, attributed to the last turn whose work it still holds.
    let prev = restored.previous.as_ref();
    let staging = Staging {
        session_id: sid,
        chat_id: prev.and_then(|p| p.chat_id),
        task_id: prev.and_then(|p| p.task_id),
        agent: prev.map(|p| p.agent.as_str()),
        base_commit: Some(&restored.worktree.base_commit),
    };
    let scanned = crate::worktree::scan(&restored.worktree)
        .await
        .map_err(ApiError::from)?;
    pending::supersede(&s.pool, &staging, &scanned.changes).await?;
    let changes: Vec<PendingChange> = pending::list(&s.pool, sid, &[])
        .await?
        .iter()
        .map(PendingChange::from)
        .collect();
    let checkpoint = Checkpoint::from(&restored.checkpoint);
    let discarded = wire(&restored.discarded);
    s.hub.publish(
        sid,
        ServerFrame::CheckpointRestored {
            checkpoint: checkpoint.clone(),
            discarded: discarded.clone(),
        },
    );
    s.hub.publish(
        sid,
        ServerFrame::PendingChanged {
            changes: changes.clone(),
        },
    );
    Ok(Json(CheckpointRestored {
        checkpoint,
        discarded,
        changes,
    })
    .into_response())
}
