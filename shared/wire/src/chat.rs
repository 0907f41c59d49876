//! boochat's REST bodies: projects, sessions, chats, messages and their parts.
//! Plain data; the browser gets them as generated TypeScript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// One page of a cursor-paginated list. `next_cursor` is opaque; absent on the last page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A project's, session's or chat's status.
// Like every status enum here, also the column's SQL type (`text`, snake_case, one
// variant per value its CHECK allows): rows decode straight into it and an unknown
// value is a decode error, never a default (shared/tests/suite/status_enums.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum Status {
    Open,
    Archived,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub path: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub name: String,
    /// Absolute path of an existing directory.
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: Option<String>,
    pub status: Status,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What kind of thing waits on the owner in the needs-you inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// An agent turn waits on a permission or elicitation card.
    TaskBlocked,
    /// An agent turn failed and the owner has not dismissed it.
    TaskFailed,
    /// A session has staged changes awaiting approval.
    PendingChanges,
    /// The chat model asked the owner a question (`ask_user_input`).
    UserInput,
}

/// One thing waiting on the owner (the `human_inbox` view, across sessions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxItem {
    pub kind: InboxKind,
    /// The task id (task_*), the session id (pending_changes) or the question's
    /// tool-call part id (user_input): with `kind`, a stable key.
    pub item_id: Uuid,
    pub project_id: Uuid,
    pub project_name: String,
    pub session_id: Uuid,
    pub session_title: Option<String>,
    pub chat_id: Option<Uuid>,
    pub agent: Option<String>,
    /// What the owner must do, in words.
    pub summary: String,
    /// Kind-specific facts (a task's prompt, the changed paths, the question's
    /// arguments).
    #[ts(type = "Record<string, unknown>")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    /// Waiting since.
    pub since: DateTime<Utc>,
}

/// `GET /api/inbox`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    pub items: Vec<InboxItem>,
}

/// What removing one of a session's worktrees would lose (boocoder's
/// `WorktreeRisk`), as the delete guard and an archive report it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorktreeReport {
    pub path: String,
    pub branch: String,
    /// Files that differ from the worktree's base: work not applied to the project.
    pub dirty_files: Vec<String>,
    /// Commits on the branch that the project's HEAD does not have.
    pub unpushed_commits: u32,
    /// Non-zero while a merge/rebase/... is in progress.
    pub unmerged_commits: u32,
    /// merge | rebase | cherry-pick | revert | am | bisect, while one is in progress.
    pub operation: Option<String>,
    pub conflicted_files: Vec<String>,
    /// The directory is gone (its branch may still hold commits).
    pub missing: bool,
    /// Why the report is incomplete (counts as at risk).
    pub error: Option<String>,
}

/// What deleting or archiving a session closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionClosed {
    /// Agent turns (queued, running or waiting on the owner) that were cancelled.
    pub cancelled_tasks: u32,
    /// Agent sessions closed (their processes stopped).
    pub closed_agent_sessions: u32,
    pub worktree_removed: bool,
    /// Worktrees left in place because removing them would lose work.
    pub worktrees_kept: Vec<WorktreeReport>,
    pub terminals_killed: u32,
    /// What could not be done and is left to the reapers (a forced delete with a
    /// peer down), in words.
    pub notes: Vec<String>,
}

/// `PATCH /api/sessions/{id}`: the session as stored and, when the change archived
/// it, what the archive closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionChange {
    #[serde(flatten)]
    #[ts(flatten)]
    pub session: Session,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub closed: Option<SessionClosed>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub project_id: Uuid,
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSession {
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<Status>,
    /// The session's whole tag list (replaces it): each trimmed, non-empty, at
    /// most 64 characters, no duplicates, at most 64 tags.
    #[serde(default)]
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
}

/// One tag and how many sessions carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagCount {
    pub tag: String,
    pub sessions: i64,
}

/// `GET /api/tags`: every tag in use, most used first (then by name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagList {
    pub tags: Vec<TagCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForkChat {
    #[serde(default)]
    #[ts(optional)]
    pub message_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// What the user typed; may be empty when attachments are sent.
    pub content: String,
    /// Files sent with the message (at most 8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<NewAttachment>>", optional)]
    pub attachments: Vec<NewAttachment>,
}

/// A file attached to a message as the browser sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewAttachment {
    /// A text file (UTF-8, at most 256 KiB): the model gets its name and contents
    /// in a fenced block after the message.
    Text {
        name: String,
        /// The browser's type for it (`text/plain` when absent).
        #[serde(default)]
        #[ts(optional)]
        mime: Option<String>,
        content: String,
    },
    /// An image (png, jpeg, webp or gif, at most 4 MiB), base64 in `data`; sent
    /// only to a model whose server reports vision.
    Image {
        name: String,
        mime: String,
        data: String,
    },
}

/// What an attachment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum AttachmentKind {
    Text,
    Image,
}

/// A stored attachment as a message's `metadata.attachments` lists it; its bytes
/// are at `GET /api/messages/{message_id}/attachments/{ordinal}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentInfo {
    pub ordinal: u32,
    pub kind: AttachmentKind,
    pub name: String,
    pub mime: String,
    /// Size of the contents in bytes.
    pub bytes: u32,
}

/// `202` answer to [`SendMessage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageAccepted {
    pub user_message_id: Uuid,
    /// The assistant message that answers it (created when its turn starts).
    pub assistant_message_id: Uuid,
    /// Another turn is running; this one runs after it.
    pub queued: bool,
}

/// `POST /api/chats/{id}/answers`: the owner's answer to an `ask_user_input` card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub call_id: String,
    pub answer: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopResult {
    /// A running turn was cancelled.
    pub stopped: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum Role {
    User,
    Assistant,
    System,
    Tool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum MessageStatus {
    Queued,
    Streaming,
    Complete,
    Cancelled,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum PartKind {
    Text,
    Reasoning,
    ToolCall,
    ToolResult,
    Plan,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub tokens_per_second: Option<f64>,
    /// Prompt-processing time reported by the server.
    pub prompt_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageWindow {
    /// The chat's active branch (and its queued messages), oldest first.
    pub items: Vec<Message>,
    /// Older messages exist before the first item.
    pub has_more: bool,
    /// Sibling info of the items that have siblings (an edited question, a
    /// regenerated answer), in item order; an item without siblings is absent.
    #[serde(default)]
    pub branches: Vec<Branch>,
}

/// Where a message of the active branch sits among its siblings (the messages
/// with the same parent: the answers to one question, the edits of one question).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branch {
    pub message_id: Uuid,
    /// 0-based position of `message_id` in `sibling_ids`.
    pub index: u32,
    /// `sibling_ids.len()` (at least 2).
    pub count: u32,
    /// Every sibling, `message_id` included, oldest first.
    pub sibling_ids: Vec<Uuid>,
}

/// `GET /api/models`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelsInfo {
    /// The model server answered.
    pub reachable: bool,
    pub base_url: String,
    pub models: Vec<ModelInfo>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    pub id: String,
    /// Context window in tokens, where the server tells.
    pub ctx_size: Option<u32>,
    /// The model takes images (`/props` `modalities.vision`), where the server tells.
    pub vision: Option<bool>,
}

/// `GET /api/agents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentsInfo {
    pub agents: Vec<AgentSummary>,
    /// Why the last (re)load of AGENTS.md failed; the previous good set stays in use.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
