//! Session tags (CHAT-9): the rules a tag list obeys before it is stored, and the
//! tags in use with their session counts for the sidebar's filter. The list lives
//! in `sessions.tags` (a GIN-indexed `text[]`, filtered with `tags @> ARRAY[$tag]`).

use sqlx::PgPool;
use uuid::Uuid;

use crate::chat::{Status, TagCount, TagList};
use crate::store::StoreError;

/// Most tags on one session (also the `sessions_tags_chk` CHECK).
pub const MAX_TAGS: usize = 64;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// `tags` as stored: each trimmed, in the order given. Refused (400, by code)
/// when one is empty (`invalid_tag`), longer than [`MAX_TAG_CHARS`]
/// (`tag_too_long`), holds a line break or other control character
/// (`invalid_tag`), repeats an earlier one (`duplicate_tag`), or when there are
/// more than [`MAX_TAGS`] (`too_many_tags`).
pub fn normalize(tags: &[String]) -> Result<Vec<String>, StoreError> {
    if tags.len() > MAX_TAGS {
        return Err(StoreError::invalid(
            "too_many_tags",
            format!(
                "a session takes at most {MAX_TAGS} tags, got {}",
                tags.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for raw in tags {
        let tag = raw.trim();
        if tag.is_empty() {
            return Err(StoreError::invalid(
                "invalid_tag",
                "a tag must not be empty",
            ));
        }
        if tag.chars().any(char::is_control) {
            return Err(StoreError::invalid(
                "invalid_tag",
                format!("tag {tag:?} holds a control character"),
            ));
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(StoreError::invalid(
                "tag_too_long",
                format!("tag {tag:?} is longer than {MAX_TAG_CHARS} characters"),
            ));
        }
        if out.iter().any(|t| t == tag) {
            return Err(StoreError::invalid(
                "duplicate_tag",
                format!("tag {tag:?} is given twice"),
            ));
        }
        out.push(tag.to_owned());
    }
    Ok(out)
}

/// The tags on the sessions that match (`project_id`, `status`; `None`: any),
/// each with how many of them carry it, most used first, then by name.
pub async fn counts(
    pool: &PgPool,
    project_id: Option<Uuid>,
    status: Option<Status>,
) -> Result<TagList, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.tag, count(*) AS sessions
           FROM sessions s CROSS JOIN LATERAL unnest(s.tags) AS t(tag)
          WHERE ($1::uuid IS NULL OR s.project_id = $1)
            AND ($2::text IS NULL OR s.status = $2)
          GROUP BY t.tag
          ORDER BY sessions DESC, t.tag",
    )
    .bind(project_id)
    .bind(status)
    .fetch_all(pool)
    .await?;
    Ok(TagList {
        tags: rows
            .into_iter()
            .map(|(tag, sessions)| TagCount { tag, sessions })
            .collect(),
    })
}

#[cfg(test)]
mod tests;
