//! The files a user message carries (migration 0017): written with the message in
//! one transaction, read by a turn building its model request and by the browser
//! showing a file. The message's `metadata.attachments` lists their
//! [`AttachmentInfo`]; the bytes stay here.

use sqlx::{PgPool, Postgres};
use uuid::Uuid;

use crate::chat::{AttachmentInfo, AttachmentKind};

/// One attachment with its contents: `text` for a text file, `data` for an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub info: AttachmentInfo,
    pub text: Option<String>,
    pub data: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    message_id: Uuid,
    ordinal: i32,
    kind: AttachmentKind,
    name: String,
    mime: String,
    text_body: Option<String>,
    data: Option<Vec<u8>>,
}

impl From<Row> for (Uuid, Attachment) {
    fn from(r: Row) -> Self {
        let bytes = r
            .text_body
            .as_ref()
            .map(String::len)
            .or(r.data.as_ref().map(Vec::len))
            .unwrap_or(0);
        (
            r.message_id,
            Attachment {
                info: AttachmentInfo {
                    ordinal: u32::try_from(r.ordinal).unwrap_or(0),
                    kind: r.kind,
                    name: r.name,
                    mime: r.mime,
                    bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
                },
                text: r.text_body,
                data: r.data,
            },
        )
    }
}

const COLUMNS: &str = "message_id, ordinal, kind, name, mime, text_body, data";

/// Store `a` as attachment `a.info.ordinal` of `message_id` (in the caller's
/// transaction; the CHECKs of 0017 hold the size caps).
pub async fn insert<'e, E: sqlx::Executor<'e, Database = Postgres>>(
    db: E,
    message_id: Uuid,
    a: &Attachment,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attachments (message_id, ordinal, kind, name, mime, text_body, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(message_id)
    .bind(i32::try_from(a.info.ordinal).unwrap_or(i32::MAX))
    .bind(a.info.kind)
    .bind(&a.info.name)
    .bind(&a.info.mime)
    .bind(a.text.as_deref())
    .bind(a.data.as_deref())
    .execute(db)
    .await?;
    Ok(())
}

/// Attachment `ordinal` of message `message_id`.
pub async fn get(
    pool: &PgPool,
    message_id: Uuid,
    ordinal: u32,
) -> Result<Option<Attachment>, sqlx::Error> {
    let row = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE message_id = $1 AND ordinal = $2"
    ))
    .bind(message_id)
    .bind(i32::try_from(ordinal).unwrap_or(i32::MAX))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| <(Uuid, Attachment)>::from(r).1))
}

/// Every attachment of these messages, by message then ordinal.
pub async fn for_messages(
    pool: &PgPool,
    message_ids: &[Uuid],
) -> Result<Vec<(Uuid, Attachment)>, sqlx::Error> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE message_id = ANY($1) ORDER BY message_id, ordinal"
    ))
    .bind(message_ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
