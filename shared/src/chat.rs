//! boochat's REST bodies: projects, sessions, chats, messages and their parts.
//! Plain data; the browser gets them as generated TypeScript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// One page of a cursor-paginated list. `next_cursor` is opaque; absent on the last page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Archived => "archived",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub path: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub name: String,
    /// Absolute path of an existing directory.
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: Option<String>,
    pub status: Status,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub project_id: Uuid,
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSession {
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<Status>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Chat {
    pub id: Uuid,
    pub session_id: Uuid,
    pub title: Option<String>,
    pub status: Status,
    /// Selected agent from AGENTS.md; `null` = the plain model.
    pub agent: Option<String>,
    pub forked_from_chat_id: Option<Uuid>,
    pub forked_from_message_id: Option<Uuid>,
    /// A turn is running right now.
    pub busy: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChat {
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub agent: Option<String>,
}

/// `PATCH /api/chats/{id}`. `agent: null` clears the agent; absent leaves it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChat {
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<Status>,
    #[serde(default, with = "double_option")]
    #[ts(optional, type = "string | null")]
    pub agent: Option<Option<String>>,
}

/// `POST /api/chats/{id}/fork`: copy the transcript up to and including `message_id`
/// (default: all of it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForkChat {
    #[serde(default)]
    #[ts(optional)]
    pub message_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub content: String,
}

/// `202` answer to [`SendMessage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct MessageAccepted {
    pub user_message_id: Uuid,
    /// The assistant message that answers it (created when its turn starts).
    pub assistant_message_id: Uuid,
    /// Another turn is running; this one runs after it.
    pub queued: bool,
}

/// `POST /api/chats/{id}/answers`: the owner's answer to an `ask_user_input` card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub call_id: String,
    pub answer: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct StopResult {
    /// A running turn was cancelled.
    pub stopped: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
    System,
    Tool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Queued,
    Streaming,
    Complete,
    Cancelled,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    Text,
    Reasoning,
    ToolCall,
    ToolResult,
    Plan,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Part {
    pub id: Uuid,
    pub ordinal: i32,
    pub kind: PartKind,
    pub content: Option<String>,
    pub tool_name: Option<String>,
    pub call_id: Option<String>,
    #[ts(type = "unknown")]
    pub args: Option<serde_json::Value>,
    pub result: Option<String>,
    pub is_error: bool,
    pub truncated: bool,
    pub duration_ms: Option<i32>,
    /// Kind-specific details (an agent tool call's title, kind, status, content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "Record<string, unknown>")]
    pub metadata: Option<serde_json::Value>,
}

/// Token accounting and speed of one assistant message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Usage {
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub tokens_per_second: Option<f64>,
    /// Prompt-processing time reported by the server.
    pub prompt_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub seq: i64,
    pub role: Role,
    pub status: MessageStatus,
    /// Visible text (for assistant rows: the concatenated text parts).
    pub content: String,
    /// `kind` = `cap_hit` / `doom_loop` / `unstaged_files` / `checkpoint_failed` marks a UI-only sentinel.
    #[ts(type = "Record<string, unknown>")]
    pub metadata: serde_json::Value,
    pub model: Option<String>,
    pub agent: Option<String>,
    pub usage: Usage,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub parts: Vec<Part>,
}

/// `GET /api/chats/{id}/messages`: a window, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct MessageWindow {
    pub items: Vec<Message>,
    /// Older messages exist before the first item.
    pub has_more: bool,
}

/// `GET /api/models`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct ModelsInfo {
    /// The model server answered.
    pub reachable: bool,
    pub base_url: String,
    pub models: Vec<ModelInfo>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct ModelInfo {
    pub id: String,
    /// Context window in tokens, where the server tells.
    pub ctx_size: Option<u32>,
}

/// `GET /api/agents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct AgentsInfo {
    pub agents: Vec<AgentSummary>,
    /// Why the last (re)load of AGENTS.md failed; the previous good set stays in use.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct AgentSummary {
    pub name: String,
    pub description: Option<String>,
    pub model: Option<String>,
    pub tools: Option<Vec<String>>,
    pub max_tool_calls: Option<u32>,
}

/// Serde helper: distinguish an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}
