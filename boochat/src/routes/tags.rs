//! `GET /api/tags`: the session tags in use with their counts (the sidebar's
//! tag filter). Tags are set with `PATCH /api/sessions/{id}` and filtered with
//! `GET /api/sessions?tag=`.

use axum::extract::State;
use boo_shared::chat::{Status, TagList};
use boo_shared::error::{ApiError, Json, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::tags;

/// Which sessions' tags are counted (absent: all).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    project_id: Option<Uuid>,
    status: Option<Status>,
}

/// Every tag on the matching sessions with how many carry it, most used first.
#[utoipa::path(get, path = "/api/tags", tag = "sessions", params(TagsQuery),
    responses((status = 200, description = "The tags in use", body = TagList)))]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<TagsQuery>,
) -> Result<Json<TagList>, ApiError> {
    Ok(Json(
        tags::counts(&s.engine.pool, q.project_id, q.status).await?,
    ))
}
