//! Attachments of a user message: checked on the way in, shown to the model on
//! every turn after.
//!
//! In: [`prepare`] turns the browser's [`NewAttachment`]s into stored
//! [`Attachment`]s or refuses them with a 400 and a code — text must be UTF-8
//! (it arrives in a JSON string, so it is) without NULs and at most
//! [`MAX_TEXT_BYTES`]; an image must be base64 of at most [`MAX_IMAGE_BYTES`] whose
//! declared type is png, jpeg, webp or gif and whose first bytes say the same;
//! at most [`MAX_ATTACHMENTS`] per message. Whether the model takes images is the
//! runner's check (it knows the chat's model).
//!
//! Out: a turn loads the history, then [`hydrate`] reads the attachments of its
//! user messages into their in-memory `metadata.attachments` entries (`text`, or
//! `data_url` — or `omitted` when the model takes no images), and the context
//! builder asks [`user_content`] for each user message: the typed text followed
//! by one fenced block per text file, and, when there are images, an OpenAI
//! content array with `image_url` parts carrying `data:` URLs.

use base64::Engine as _;
use boo_shared::chat::{AttachmentInfo, AttachmentKind, Message, NewAttachment, Role};
use boo_shared::error::ApiError;
use boo_shared::transcript::attachments::{self, Attachment};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 8;
/// Largest text file, in bytes (256 KiB; also the table's CHECK).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Largest image, in bytes (4 MiB; also the table's CHECK).
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;
/// Longest file name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// Most attachment bytes one message may carry, all files together (16 MiB).
pub const MAX_TOTAL_BYTES: usize = 16 * 1024 * 1024;
/// The request body limit of the send-message route: [`MAX_TOTAL_BYTES`] as
/// base64, the longest message, and room for the JSON around them.
pub const SEND_BODY_LIMIT: usize = 24 * 1024 * 1024;

/// The image types a model is sent.
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

fn bad(code: &'static str, message: String) -> ApiError {
    ApiError::bad_request(code, message)
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(bad(
            "invalid_attachment_name",
            format!("attachment name {name:?} must be a non-empty file name on one line"),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(
            "invalid_attachment_name",
            format!("attachment name is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// The type an image's first bytes say it is.
fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Check the browser's attachments and number them; see the module doc for the
/// rules and their codes.
pub fn prepare(new: &[NewAttachment]) -> Result<Vec<Attachment>, ApiError> {
    if new.len() > MAX_ATTACHMENTS {
        return Err(bad(
            "too_many_attachments",
            format!(
                "a message takes at most {MAX_ATTACHMENTS} attachments, got {}",
                new.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(new.len());
    for (ordinal, a) in (0u32..).zip(new) {
        let prepared = match a {
            NewAttachment::Text {
                name,
                mime,
                content,
            } => {
                let name = check_name(name)?;
                if content.len() > MAX_TEXT_BYTES {
                    return Err(bad(
                        "attachment_too_large",
                        format!(
                            "{name} is {} bytes; a text attachment may be at most {MAX_TEXT_BYTES} bytes (256 KiB)",
                            content.len()
                        ),
                    ));
                }
                let mime = mime
                    .as_deref()
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .unwrap_or("text/plain");
                if mime.chars().count() > 100 || mime.chars().any(char::is_control) {
                    return Err(bad(
                        "invalid_attachment_type",
                        format!("{name}: {mime:?} is not a media type"),
                    ));
                }
                Attachment {
                    info: AttachmentInfo {
                        ordinal,
                        kind: AttachmentKind::Text,
                        name,
                        mime: mime.to_owned(),
                        bytes: u32::try_from(content.len()).unwrap_or(u32::MAX),
                    },
                    text: Some(content.clone()),
                    data: None,
                }
            }
            NewAttachment::Image { name, mime, data } => {
                let name = check_name(name)?;
                if !IMAGE_TYPES.contains(&mime.as_str()) {
                    return Err(bad(
                        "invalid_attachment_type",
                        format!(
                            "{name}: {mime:?} is not an image type a model is sent (png, jpeg, webp, gif)"
                        ),
                    ));
                }
                // base64 of MAX_IMAGE_BYTES is 4/3 as long: refuse before decoding.
                if data.len() > MAX_IMAGE_BYTES / 3 * 4 + 4 {
                    return Err(too_large_image(&name, data.len() / 4 * 3));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .map_err(|e| {
                        bad(
                            "invalid_attachment_data",
                            format!("{name}: the image data is not base64: {e}"),
                        )
                    })?;
                if bytes.is_empty() {
                    return Err(bad(
                        "invalid_attachment_data",
                        format!("{name}: the image is empty"),
                    ));
                }
                if bytes.len() > MAX_IMAGE_BYTES {
                    return Err(too_large_image(&name, bytes.len()));
                }
                if sniff(&bytes) != Some(mime.as_str()) {
                    return Err(bad(
                        "invalid_attachment_data",
                        format!("{name}: the data is not a {mime} image"),
                    ));
                }
                Attachment {
                    info: AttachmentInfo {
                        ordinal,
                        kind: AttachmentKind::Image,
                        name,
                        mime: mime.clone(),
                        bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
                    },
                    text: None,
                    data: Some(bytes),
                }
            }
        };
        out.push(prepared);
    }
    let total: usize = out.iter().map(|a| a.info.bytes as usize).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(bad(
            "attachments_too_large",
            format!(
                "the attachments hold {total} bytes; a message may carry at most {MAX_TOTAL_BYTES} bytes (16 MiB)"
            ),
        ));
    }
    Ok(out)
}

fn too_large_image(name: &str, bytes: usize) -> ApiError {
    bad(
        "attachment_too_large",
        format!(
            "{name} is about {bytes} bytes; an image may be at most {MAX_IMAGE_BYTES} bytes (4 MiB)"
        ),
    )
}

/// Does the history hold an image anywhere (so the turn must know whether the
/// model takes images)?
pub fn has_images(history: &[Message]) -> bool {
    history.iter().any(|m| {
        summaries(m)
            .iter()
            .any(|a| a.get("kind").and_then(Value::as_str) == Some("image"))
    })
}

fn summaries(m: &Message) -> &[Value] {
    m.metadata
        .get("attachments")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Read the attachments of the history's user messages into their in-memory
/// `metadata.attachments` entries (`text`; `data_url`, or `omitted` when
/// `vision` is false), for [`user_content`].
pub async fn hydrate(
    pool: &PgPool,
    history: &mut [Message],
    vision: bool,
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = history
        .iter()
        .filter(|m| m.role == Role::User && !summaries(m).is_empty())
        .map(|m| m.id)
        .collect();
    let rows = attachments::for_messages(pool, &ids).await?;
    for m in history.iter_mut() {
        let Some(list) = m
            .metadata
            .get_mut("attachments")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for entry in list.iter_mut() {
            let ordinal = entry.get("ordinal").and_then(Value::as_u64);
            let Some((_, a)) = rows
                .iter()
                .find(|(id, a)| *id == m.id && Some(u64::from(a.info.ordinal)) == ordinal)
            else {
                continue;
            };
            match (&a.text, &a.data) {
                (Some(text), _) => entry["text"] = Value::String(text.clone()),
                (None, Some(data)) if vision => {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
                    entry["data_url"] = Value::String(format!("data:{};base64,{b64}", a.info.mime));
                }
                (None, Some(_)) => entry["omitted"] = Value::Bool(true),
                (None, None) => {}
            }
        }
    }
    Ok(())
}

/// A fence longer than any run of backticks in `text` (at least three).
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// What the model is sent as a user message's `content`: its text alone when it
/// has no attachments (a string, as before attachments existed); with text files,
/// the text then `File: <name>` and the contents in a fenced block each; with
/// images, an array of a `text` part and one `image_url` part per image.
pub fn user_content(m: &Message) -> Value {
    let list = summaries(m);
    if list.is_empty() {
        return Value::String(m.content.clone());
    }
    let mut text = m.content.clone();
    let mut images = Vec::new();
    for a in list {
        let name = a.get("name").and_then(Value::as_str).unwrap_or("file");
        if let Some(body) = a.get("text").and_then(Value::as_str) {
            let f = fence(body);
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("File: {name}\n{f}\n{body}"));
            if !body.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&f);
        } else if let Some(url) = a.get("data_url").and_then(Value::as_str) {
            images.push(json!({"type": "image_url", "image_url": {"url": url}}));
        } else if a.get("omitted").is_some() {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!(
                "[image {name} left out: this model does not take images]"
            ));
        }
    }
    if images.is_empty() {
        return Value::String(text);
    }
    let mut parts = Vec::with_capacity(images.len() + 1);
    if !text.is_empty() {
        parts.push(json!({"type": "text", "text": text}));
    }
    parts.extend(images);
    Value::Array(parts)
}

/// Tokens an image is counted as when a request's size is estimated (its `data:`
/// URL is not what the model reads: the server turns the image into a few hundred
/// embeddings).
pub const IMAGE_TOKENS: usize = 768;

/// The `image_url` parts of a built conversation: how many, and the bytes their
/// URLs take in its JSON (for the size estimate to replace).
pub fn image_parts(convo: &[Value]) -> (usize, usize) {
    let mut count = 0;
    let mut bytes = 0;
    for part in convo
        .iter()
        .filter_map(|m| m.get("content").and_then(Value::as_array))
        .flatten()
    {
        if let Some(url) = part.pointer("/image_url/url").and_then(Value::as_str) {
            count += 1;
            bytes += url.len();
        }
    }
    (count, bytes)
}

/// The text of a message `content` as built for the model: the string, or the
/// text parts of an array with `[image]` for each image.
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p.get("text").and_then(Value::as_str) {
                Some(t) => t.to_owned(),
                None => "[image]".to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
