//! One extractor for every cursor-paginated list: `?cursor=…&limit=…` plus the
//! list's own filters, each rejection an [`ApiError`] like the other extractors'.

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;

use serde::Deserialize;
use uuid::Uuid;

use super::cursor::Cursor;
use super::page_limit;
use crate::chat::Status;
use crate::error::ApiError;

/// `GET /api/sessions` (boochat and boocoder).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionFilters {
    pub project_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Only sessions carrying this tag.
    pub tag: Option<String>,
}

/// `GET /api/sessions/{id}/chats` (boochat and boocoder).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChatFilters {
    pub status: Option<Status>,
}

/// A list without filters (`GET /api/projects`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoFilters {}

/// The paging parameters of a list (documented beside its filters:
/// `params(Filters, PageParams)`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1..=200 (default 50).
    pub limit: Option<i64>,
}

/// A list request: `filters` (a struct with `#[serde(deny_unknown_fields)]`, so
/// a misspelt parameter is 400 `invalid_query`), the row to start after, the page
/// size.
#[derive(Debug)]
pub struct Listing<F> {
    pub filters: F,
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl<F: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Listing<F> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // The shared extractor first: the NUL check and axum's rejection text.
        let crate::error::Query(pairs) =
            crate::error::Query::<Vec<(String, String)>>::from_request_parts(parts, state).await?;
        let (paging, rest): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(k, _)| k == "cursor" || k == "limit");
        let invalid = |e: &dyn std::fmt::Display| {
            ApiError::bad_request(
                "invalid_query",
                format!("Failed to deserialize query string: {e}"),
            )
        };
        let page: PageParams = from_pairs(&paging).map_err(|e| invalid(&e))?;
        let filters: F = from_pairs(&rest).map_err(|e| invalid(&e))?;
        Ok(Self {
            filters,
            after: Cursor::parse(page.cursor.as_deref())?,
            limit: page_limit(page.limit)?,
        })
    }
}

fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, String> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(|e| e.to_string())?;
    serde_urlencoded::from_str(&encoded).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;
    use pretty_assertions::assert_eq;
    use tower::ServiceExt as _;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Filters {
        status: Option<String>,
    }

    async fn call(query: &str) -> (u16, String) {
        let app = Router::new().route(
            "/",
            get(|l: Listing<Filters>| async move {
                format!(
                    "{:?} {:?} {}",
                    l.filters.status,
                    l.after.map(|c| c.id.to_string()),
                    l.limit
                )
            }),
        );
        let resp = app
            .oneshot(
                http::Request::get(format!("/?{query}"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    fn error(message: &str, code: &str) -> String {
        serde_json::json!({"error": message, "code": code}).to_string()
    }

    #[tokio::test]
    async fn filters_and_paging_come_apart_and_each_mistake_is_a_400() {
        let cursor = Cursor::encode(
            chrono::DateTime::from_timestamp_micros(1_764_000_000_000_000).unwrap(),
            uuid::Uuid::from_u128(7),
        );
        assert_eq!(call("").await, (200, "None None 50".to_owned()));
        assert_eq!(
            call(&format!("status=open&limit=3&cursor={cursor}")).await,
            (
                200,
                format!("Some(\"open\") Some(\"{}\") 3", uuid::Uuid::from_u128(7))
            )
        );
        assert_eq!(
            call("limit=0").await,
            (
                400,
                error("limit must be between 1 and 200, got 0", "invalid_limit")
            )
        );
        assert_eq!(
            call("cursor=nope").await,
            (400, error("invalid cursor \"nope\"", "invalid_cursor"))
        );
        let (status, body) = call("stauts=open").await;
        assert_eq!(status, 400);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["code"], "invalid_query");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("unknown field `stauts`"),
            "{body}"
        );
        let (status, body) = call("limit=many").await;
        assert_eq!(
            (status, body.contains("invalid_query")),
            (400, true),
            "{body}"
        );
        assert_eq!(
            call("status=%00").await,
            (
                400,
                error(
                    "the query string contains a NUL character (U+0000), which no string may hold",
                    "nul_in_string"
                )
            )
        );
    }
}
