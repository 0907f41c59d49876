//! Find, keep, branch: full-text search over every chat's messages, a chat as a
//! portable document (export and import), and the requests that grow a chat's
//! message tree (edit a question, regenerate an answer, switch branches).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::chat::{MessageStatus, PartKind, Role, Usage};

/// A piece of a search snippet: plain text, `hit` when it matched the query. The
/// browser renders hits as `<mark>` by building text nodes, never parsing HTML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetSpan {
    pub text: String,
    pub hit: bool,
}

/// `GET /api/search`: one matching message, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub session_id: Uuid,
    pub session_title: Option<String>,
    pub chat_id: Uuid,
    pub chat_title: Option<String>,
    pub message_id: Uuid,
    pub role: Role,
    /// A few words around the matches; fragments are joined by ` … `.
    pub snippet: Vec<SnippetSpan>,
    /// Postgres `ts_rank_cd` (cover density): higher is better.
    pub rank: f32,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/chats/{id}/messages/{mid}/edit`: the new text of a user message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditMessage {
    pub content: String,
}

/// `PUT /api/chats/{id}/branch`: make `message_id`'s branch the active one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetBranch {
    /// Any message of the chat; the active leaf becomes its newest descendant.
    pub message_id: Uuid,
}

/// Answer to [`SetBranch`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BranchSet {
    /// The chat's new active leaf.
    pub leaf_id: Uuid,
}

/// The version [`ChatExport::version`] has today; import refuses others.
pub const CHAT_EXPORT_VERSION: u32 = 1;

/// `GET /api/chats/{id}/export?format=json` and the body of
/// `POST /api/sessions/{id}/import`: a chat's active branch with every part.
/// Ids are left out (an import makes new ones); times are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatExport {
    /// [`CHAT_EXPORT_VERSION`].
    pub version: u32,
    pub title: Option<String>,
    pub agent: Option<String>,
    pub messages: Vec<ExportMessage>,
}

/// One message of a [`ChatExport`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportMessage {
    pub role: Role,
    /// `complete`, `cancelled` or `failed` (queued and streaming rows are not exported).
    pub status: MessageStatus,
    pub content: String,
    #[serde(default = "empty_object")]
    #[ts(type = "Record<string, unknown>")]
    pub metadata: serde_json::Value,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub parts: Vec<ExportPart>,
}

/// One part of an [`ExportMessage`], in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportPart {
    pub kind: PartKind,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub tool_name: Option<String>,
    #[serde(default)]
    pub call_id: Option<String>,
    #[serde(default)]
    #[ts(type = "unknown")]
    pub args: Option<serde_json::Value>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub result_bytes: Option<i32>,
    #[serde(default)]
    pub truncated: bool,
    #[serde(default)]
    pub is_error: bool,
    #[serde(default)]
    pub duration_ms: Option<i32>,
    #[serde(default = "empty_object")]
    #[ts(type = "Record<string, unknown>")]
    pub metadata: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}
