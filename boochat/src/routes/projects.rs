use std::path::{Component, Path as FsPath};

use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{CreateProject, Page, Project};
use boo_shared::error::{ApiError, Json, Path, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::{self as store, cursor::Cursor, projects};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The path must be absolute, normalised, an existing directory, and inside
/// `chat.project_roots` when that is set.
fn check_path(path: &str, roots: &[std::path::PathBuf]) -> Result<(), ApiError> {
    let p = FsPath::new(path);
    let bad = |why: &str| ApiError::bad_request("invalid_path", format!("{path:?}: {why}"));
    if !p.is_absolute() {
        return Err(bad("must be an absolute path"));
    }
    if p.components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        || (path.len() > 1 && path.ends_with('/'))
        || path.contains("//")
    {
        return Err(bad(
            "must be normalised (no `.`, `..`, `//` or trailing `/`)",
        ));
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(bad("is not a directory")),
        Err(_) => return Err(bad("does not exist")),
    }
    if !roots.is_empty() && !roots.iter().any(|r| p.starts_with(r)) {
        return Err(bad("is outside chat.project_roots"));
    }
    Ok(())
}

pub async fn create(
    State(s): State<AppState>,
    Json(body): Json<CreateProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_name",
            "name must not be blank",
        ));
    }
    check_path(&body.path, &s.engine.settings.chat.project_roots)?;
    let project = projects::create(&s.engine.pool, name, &body.path).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(projects::get(&s.engine.pool, id).await?))
}

pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    let limit = store::page_limit(q.limit)?;
    let after = Cursor::parse(q.cursor.as_deref())?;
    Ok(Json(projects::list(&s.engine.pool, after, limit).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rules() {
        let dir = std::env::temp_dir();
        let d = dir.to_str().unwrap().trim_end_matches('/');
        assert!(check_path(d, &[]).is_ok());
        for (p, code) in [
            ("rel/x", "invalid_path"),
            ("/nonexistent-boo-x", "invalid_path"),
            ("/tmp/../tmp", "invalid_path"),
        ] {
            assert_eq!(check_path(p, &[]).unwrap_err().code, code, "{p}");
        }
        let err = check_path(d, &[std::path::PathBuf::from("/srv/elsewhere")]).unwrap_err();
        assert!(
            err.message.ends_with("is outside chat.project_roots"),
            "{}",
            err.message
        );
    }
}
