//! The pure parts of the MCP client: the names the model calls a server's tools
//! by, which tools are offered, and a `tools/call` result turned into the text
//! the model reads.

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents, Tool};
use serde_json::Value;

/// Prefix of every MCP tool name the model sees.
pub const PREFIX: &str = "mcp__";

/// The longest tool name OpenAI-compatible servers accept.
pub const MAX_NAME: usize = 64;

/// `mcp__<server>__<tool>`, the tool's characters outside `[A-Za-z0-9_-]` made `_`
/// and the whole cut to [`MAX_NAME`] bytes. The server name is already in that
/// charset (the config refuses others).
pub fn model_name(server: &str, tool: &str) -> String {
    let tool: String = tool
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("{PREFIX}{server}__{tool}");
    name.truncate(MAX_NAME);
    name
}

/// Whether boochat offers `tool`: named in the server's `tools` list when there is
/// one, else marked read-only by the server.
pub fn offered(tool: &Tool, allowed: Option<&[String]>) -> bool {
    match allowed {
        Some(list) => list.iter().any(|t| *t == tool.name),
        None => tool
            .annotations
            .as_ref()
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false),
    }
}

/// The text the model reads for a result: every content block in order, text
/// as is, the rest summarised (an image's type and size, an embedded resource's
/// text or its URI), joined by blank lines; the structured content when there
/// is nothing else. `Err` when the server flagged the result `isError`.
pub fn result_text(result: &CallToolResult) -> Result<String, String> {
    let mut parts: Vec<String> = result.content.iter().map(block_text).collect();
    if parts.is_empty()
        && let Some(structured) = &result.structured_content
    {
        parts.push(structured_text(structured));
    }
    let text = parts.join("\n\n");
    if result.is_error == Some(true) {
        Err(if text.is_empty() {
            "the tool reported an error without a message".to_owned()
        } else {
            text
        })
    } else {
        Ok(text)
    }
}

fn structured_text(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Decoded size of base64 data, for the summaries.
fn decoded_len(base64: &str) -> usize {
    let padding = base64.bytes().rev().take_while(|&b| b == b'=').count();
    (base64.len() / 4 * 3).saturating_sub(padding)
}

fn block_text(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Text(t) => t.text.clone(),
        ContentBlock::Image(i) => format!(
            "[image: {}, {} bytes, not shown]",
            i.mime_type,
            decoded_len(&i.data)
        ),
        ContentBlock::Audio(a) => format!(
            "[audio: {}, {} bytes, not played]",
            a.mime_type,
            decoded_len(&a.data)
        ),
        ContentBlock::Resource(r) => match &r.resource {
            ResourceContents::TextResourceContents { uri, text, .. } => {
                format!("[resource {uri}]\n{text}")
            }
            ResourceContents::BlobResourceContents {
                uri,
                mime_type,
                blob,
                ..
            } => format!(
                "[resource {uri}: {}, {} bytes, not shown]",
                mime_type.as_deref().unwrap_or("binary"),
                decoded_len(blob)
            ),
            _ => "[an embedded resource of a kind boochat does not read]".to_owned(),
        },
        ContentBlock::ResourceLink(link) => match &link.description {
            Some(d) => format!("[resource link {}: {} — {d}]", link.uri, link.name),
            None => format!("[resource link {}: {}]", link.uri, link.name),
        },
        _ => "[content of a kind boochat does not read, not shown]".to_owned(),
    }
}
