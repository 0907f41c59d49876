use crate::chat::{Page, Session, Status, UpdateSession};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::cursor::{Cursor, paginate};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    project_id: Uuid,
    title: Option<String>,
    status: Status,
    tags: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Session {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            project_id: r.project_id,
            title: r.title,
            status: r.status,
            tags: r.tags,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, project_id, title, status, tags, created_at, updated_at";

fn title_error(e: sqlx::Error) -> StoreError {
    match super::constraint(&e) {
        Some("sessions_title_chk") => {
            StoreError::invalid("invalid_title", "title must be at most 500 characters")
        }
        Some("sessions_project_id_fkey") => StoreError::not_found("no such project"),
        _ => e.into(),
    }
}

pub async fn create(
    pool: &PgPool,
    project_id: Uuid,
    title: Option<&str>,
) -> Result<Session, StoreError> {
    sqlx::query_as::<_, Row>(&format!(
        "INSERT INTO sessions (project_id, title) VALUES ($1, $2) RETURNING {COLUMNS}"
    ))
    .bind(project_id)
    .bind(title)
    .fetch_one(pool)
    .await
    .map(Session::from)
    .map_err(title_error)
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Session, StoreError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM sessions WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Session::from)
        .ok_or_else(|| StoreError::not_found(format!("no session {id}")))
}

/// Whether a session row exists (open or archived).
pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)")
            .bind(id)
            .fetch_one(pool)
            .await?,
    )
}

/// The title of terminal `id` when it is one of the session's (`Some(None)`: it
/// is, untitled; `None`: it is not, or does not exist). booterm writes the rows.
pub async fn terminal_title(
    pool: &PgPool,
    session_id: Uuid,
    id: Uuid,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT title FROM terminal_sessions WHERE id = $1 AND session_id = $2")
            .bind(id)
            .bind(session_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Most recently active first; with `tag`, only the sessions that carry it.
pub async fn list(
    pool: &PgPool,
    project_id: Option<Uuid>,
    status: Option<Status>,
    tag: Option<&str>,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Page<Session>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM sessions
         WHERE ($1::uuid IS NULL OR project_id = $1)
           AND ($2::text IS NULL OR status = $2)
           AND ($3::timestamptz IS NULL OR (updated_at, id) < ($3, $4))
           AND ($6::text IS NULL OR tags @> ARRAY[$6::text])
         ORDER BY updated_at DESC, id DESC LIMIT $5"
    ))
    .bind(project_id)
    .bind(status)
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit + 1)
    .bind(tag)
    .fetch_all(pool)
    .await?;
    let (rows, next_cursor) = paginate(rows, limit, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(Session::from).collect(),
        next_cursor,
    })
}

/// Rename, archive/restore and retag. A rename is the owner's: the title stops
/// counting as auto-named. Tags are checked by [`super::tags::normalize`] first.
pub async fn update(pool: &PgPool, id: Uuid, patch: &UpdateSession) -> Result<Session, StoreError> {
    let tags = patch
        .tags
        .as_deref()
        .map(super::tags::normalize)
        .transpose()?;
    sqlx::query_as::<_, Row>(&format!(
        "UPDATE sessions SET
            title = CASE WHEN $2 THEN $3 ELSE title END,
            auto_named = CASE WHEN $2 THEN false ELSE auto_named END,
            status = coalesce($4, status),
            tags = coalesce($5, tags)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(patch.title.is_some())
    .bind(
        patch
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
    .bind(patch.status)
    .bind(tags)
    .fetch_optional(pool)
    .await
    .map_err(title_error)?
    .map(Session::from)
    .ok_or_else(|| StoreError::not_found(format!("no session {id}")))
}

/// The auto-namer's write: set `title` only while the session has none (a rename
/// that got there first wins), marking it auto-named. `None` when it had a title
/// by then (or is gone).
pub async fn set_auto_title(
    pool: &PgPool,
    id: Uuid,
    title: &str,
) -> Result<Option<Session>, StoreError> {
    Ok(sqlx::query_as::<_, Row>(&format!(
        "UPDATE sessions SET title = $2, auto_named = true
         WHERE id = $1 AND title IS NULL RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(title)
    .fetch_optional(pool)
    .await
    .map_err(title_error)?
    .map(Session::from))
}

/// Delete a session row; its chats, messages, tasks and pending changes go with it
/// (CASCADE), its worktree and terminal rows let go of it (SET NULL). False when
/// there was no such session.
pub async fn delete(pool: &PgPool, id: Uuid) -> Result<bool, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected()
        == 1)
}

/// The project directory of a session (`None`: no such session). boochat's turns
/// read from it; boocoder's pending changes apply to it.
pub async fn project_path<'c>(
    conn: impl sqlx::PgExecutor<'c>,
    session_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.path FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(conn)
    .await
}
