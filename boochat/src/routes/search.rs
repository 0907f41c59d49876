//! `GET /api/search`: full-text search over every chat's messages
//! (`boo_shared::transcript::search`).

use axum::extract::State;
use boo_shared::chat::Page;
use boo_shared::error::{ApiError, Json, Query};
use boo_shared::find::SearchHit;
use boo_shared::transcript::search::{self, SearchCursor};
use serde::Deserialize;

use super::AppState;

/// Default page size of a search.
const DEFAULT_LIMIT: i64 = 20;
/// Largest page of a search.
const MAX_LIMIT: i64 = 100;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, "quoted phrases", `or`, `-excluded` (Postgres `websearch_to_tsquery`).
    q: String,
    /// 1..=100, default 20.
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Messages of every session matching `q`, best first, with highlighted snippets.
#[utoipa::path(get, path = "/api/search", tag = "search", params(SearchParams),
    responses((status = 200, description = "A page of hits", body = Page<SearchHit>),
        (status = 400, description = "empty_query, query_too_long, invalid_limit or invalid_cursor")))]
#[tracing::instrument(skip_all, err)]
pub async fn search(
    State(s): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<Page<SearchHit>>, ApiError> {
    let limit = match p.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit must be between 1 and {MAX_LIMIT}, got {n}"),
            ));
        }
    };
    let after = p.cursor.as_deref().map(SearchCursor::decode).transpose()?;
    let (items, next_cursor) = search::search(&s.engine.pool, &p.q, after, limit).await?;
    Ok(Json(Page { items, next_cursor }))
}
