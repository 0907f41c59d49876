use crate::chat::{Page, Project, Status};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::cursor::{Cursor, paginate};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    path: String,
    status: Status,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Project {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            name: r.name,
            path: r.path,
            status: r.status,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, path, status, created_at, updated_at";

pub async fn create(pool: &PgPool, name: &str, path: &str) -> Result<Project, StoreError> {
    let row = sqlx::query_as::<_, Row>(&format!(
        "INSERT INTO projects (name, path) VALUES ($1, $2) RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(path)
    .fetch_one(pool)
    .await
    .map_err(|e| match super::constraint(&e) {
        Some("projects_path_key") => {
            StoreError::conflict("project_exists", format!("a project already uses {path}"))
        }
        Some("projects_name_chk") => StoreError::invalid(
            "invalid_name",
            "name must be 1 to 200 characters and not blank",
        ),
        Some("projects_path_chk") => StoreError::invalid(
            "invalid_path",
            format!("{path:?} is not a normalised absolute path"),
        ),
        _ => e.into(),
    })?;
    Ok(row.into())
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Project, StoreError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM projects WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Project::from)
        .ok_or_else(|| StoreError::not_found(format!("no project {id}")))
}

/// Newest first.
pub async fn list(
    pool: &PgPool,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Page<Project>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM projects
         WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
         ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let (rows, next_cursor) = paginate(rows, limit, |r| (r.created_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(Project::from).collect(),
        next_cursor,
    })
}
