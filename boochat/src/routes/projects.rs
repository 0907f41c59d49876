use std::path::{Component, Path as FsPath};

use axum::extract::State;
use axum::http::StatusCode;
use boo_shared::chat::{CreateProject, Page, Project};
use boo_shared::error::{ApiError, Json, Path};
use boo_shared::pathguard::{self, RootsError};
use uuid::Uuid;

use super::AppState;
use boo_shared::catalog::listing::{Listing, NoFilters, PageParams};
use boo_shared::catalog::projects;

/// The path must be absolute, normalised, an existing directory, and inside
/// `chat.project_roots` when that is set — where it leads, with symlinks and `..`
/// resolved (400 `path_outside_roots`), not how it is spelled. The tools check the
/// same again at every use, so a link swapped in later gains nothing either.
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
    match pathguard::within_roots(p, roots) {
        Ok(_) => Ok(()),
        Err(RootsError::Unresolvable { .. }) => Err(bad("cannot be resolved")),
        Err(outside) => Err(ApiError::bad_request(
            "path_outside_roots",
            outside.to_string(),
        )),
    }
}

/// Register a project directory (inside `chat.project_roots`, symlinks resolved).
#[utoipa::path(post, path = "/api/projects", tag = "projects", request_body = CreateProject,
    responses((status = 201, description = "Created", body = Project)))]
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
    check_path(&body.path, &s.engine.kit.settings.chat.project_roots)?;
    let project = projects::create(&s.engine.pool, name, &body.path).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

#[utoipa::path(get, path = "/api/projects/{id}", tag = "projects", params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = Project)))]
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(projects::get(&s.engine.pool, id).await?))
}

#[utoipa::path(get, path = "/api/projects", tag = "projects", params(PageParams),
    responses((status = 200, description = "A page of projects", body = Page<Project>)))]
pub async fn list(
    State(s): State<AppState>,
    page: Listing<NoFilters>,
) -> Result<Json<Page<Project>>, ApiError> {
    Ok(Json(
        projects::list(&s.engine.pool, page.after, page.limit).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use pretty_assertions::assert_eq;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    fn refusal(path: &str, roots: &[PathBuf]) -> (String, String) {
        let e = check_path(path, roots).unwrap_err();
        (e.code.to_string(), e.message)
    }

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
    }

    /// `<tmp>/root` is the one root; `<tmp>/outside` is not.
    #[test]
    fn symlinks_cannot_widen_the_roots() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        symlink("/etc", root.join("etc")).unwrap();
        symlink(root.join("hop"), root.join("chain")).unwrap();
        symlink(base.join("outside"), root.join("hop")).unwrap();
        symlink("../outside", root.join("up")).unwrap();
        symlink("real", root.join("alias")).unwrap();
        let roots = [root.clone()];
        let s = |p: PathBuf| p.to_str().unwrap().to_owned();
        assert!(check_path(&s(root.join("real")), &roots).is_ok());
        // A link that stays inside the root is fine.
        assert!(check_path(&s(root.join("alias")), &roots).is_ok());
        let outside = base.join("outside");
        for (link, target) in [
            ("etc", PathBuf::from("/etc")),
            ("chain", outside.clone()),
            ("up", outside.clone()),
        ] {
            let path = root.join(link);
            assert_eq!(
                refusal(&s(path.clone()), &roots),
                (
                    "path_outside_roots".to_owned(),
                    format!("{path:?} resolves to {target:?}, which is outside chat.project_roots")
                )
            );
        }
        assert_eq!(
            refusal(&s(outside.clone()), &roots),
            (
                "path_outside_roots".to_owned(),
                format!("{outside:?} is outside chat.project_roots")
            )
        );
    }
}
