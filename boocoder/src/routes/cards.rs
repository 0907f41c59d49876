use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::coder::{ElicitationAnswer, PermissionAnswer};
use boo_shared::error::{ApiError, Json, Path};
use uuid::Uuid;

use super::AppState;
use crate::runner::requests::Answer;

fn delivered(ok: bool, id: Uuid) -> Result<StatusCode, ApiError> {
    if ok {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::conflict(
            "no_open_request",
            format!("no agent is waiting on request {id}"),
        ))
    }
}

/// The permission and elicitation cards the session's agents still wait on, as
/// the frames that announced them.
#[utoipa::path(get, path = "/api/sessions/{sid}/requests", tag = "cards", params(("sid" = Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The open cards, as their frames", body = Vec<boo_shared::frames::ServerFrame>)))]
pub async fn open(
    State(s): State<AppState>,
    Path(sid): Path<Uuid>,
) -> Result<Json<Vec<boo_shared::frames::ServerFrame>>, ApiError> {
    super::reads::session_exists(&s.pool, sid).await?;
    Ok(Json(s.runner.requests.open_for(sid)))
}

/// Answer a permission card (409 `no_open_request` when nobody waits on it).
#[utoipa::path(post, path = "/api/permissions/{id}", tag = "cards", params(("id" = Uuid, Path, description = "Permission request id")),
    request_body = PermissionAnswer,
    responses((status = 204, description = "Delivered to the waiting agent")))]
pub async fn permission(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<PermissionAnswer>,
) -> Result<StatusCode, ApiError> {
    delivered(
        s.runner
            .requests
            .answer(id, Answer::Permission(body.option_id)),
        id,
    )
}

/// Answer an elicitation card (409 `no_open_request` when nobody waits on it).
#[utoipa::path(post, path = "/api/elicitations/{id}", tag = "cards", params(("id" = Uuid, Path, description = "Elicitation request id")),
    request_body = ElicitationAnswer,
    responses((status = 204, description = "Delivered to the waiting agent")))]
pub async fn elicitation(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<ElicitationAnswer>,
) -> Result<StatusCode, ApiError> {
    delivered(
        s.runner
            .requests
            .answer(id, Answer::Elicit(body.action, body.content)),
        id,
    )
}
