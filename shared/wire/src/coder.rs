//! boocoder's REST bodies and frame payloads: turns as tasks, agent sessions,
//! pending changes, permission and elicitation cards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// `POST /api/sessions/{sid}/chats/{cid}/messages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitTurn {
    pub content: String,
    /// Provider id: boocode | opencode | goose | qwen | claude | a custom one.
    pub provider: String,
    #[serde(default)]
    #[ts(optional)]
    pub model: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub mode: Option<String>,
}

/// `202` answer to [`SubmitTurn`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnAccepted {
    pub task_id: Uuid,
    pub user_message_id: Uuid,
    /// Another turn of this session is running or queued before this one.
    pub queued: bool,
}

// Also the `tasks.status` SQL type, decoded strictly (see `chat::Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum TaskStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Blocked,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInfo {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
    pub agent: String,
    pub mode_id: Option<String>,
    pub model: Option<String>,
    pub status: TaskStatus,
    pub error: Option<String>,
    pub output_summary: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One warm agent context: `(chat, agent)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSessionInfo {
    pub chat_id: Uuid,
    pub agent: String,
    pub status: AgentSessionStatus,
    pub backend: String,
    pub agent_session_id: Option<String>,
    pub config_hash: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Provider-reported, USD.
    pub cost: f64,
    pub last_used_at: DateTime<Utc>,
    /// Why a `closed` session was closed: chat_archived | session_archived |
    /// session_deleted.
    pub closed_reason: Option<String>,
    /// How the agent's current session began: `resumed` (`session/resume`),
    /// `loaded` (`session/load`), `history` (a new session whose first prompt
    /// carried the chat's transcript: the old one could not be picked up), `new`
    /// (its first session in this chat); `null` before the first turn.
    pub start_kind: Option<String>,
    /// The mode and model last applied to this agent in this chat.
    pub mode_id: Option<String>,
    pub model: Option<String>,
    /// The agent's latest plan, kept across reloads and restarts.
    pub plan: Option<AgentPlan>,
    /// The agent's latest slash commands (ACP `AvailableCommand` objects).
    #[ts(type = "unknown[]")]
    pub commands: Vec<serde_json::Value>,
}

/// Where an agent's warm context stands.
// Also the `agent_sessions.status` SQL type, decoded strictly (see `chat::Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum AgentSessionStatus {
    /// Its process is running a turn.
    Active,
    /// Warm between turns.
    Idle,
    /// Stopped to make room or after the idle timeout; the next turn restarts it.
    Evicted,
    /// Its process died; the next turn restarts it.
    Crashed,
    /// Stopped for good: its chat or session was archived or deleted.
    Closed,
}

/// An agent's plan: the message it belongs to and its ACP `PlanEntry`s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentPlan {
    pub message_id: Uuid,
    #[ts(type = "unknown[]")]
    pub entries: Vec<serde_json::Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Create,
    Edit,
    Delete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Pending,
    Approved,
    Applied,
    Rejected,
    Reverted,
}

/// A staged file change awaiting (or past) the owner's decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingChange {
    pub id: Uuid,
    pub session_id: Uuid,
    pub chat_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// Relative to the project root.
    pub path: String,
    pub kind: ChangeKind,
    pub status: ChangeStatus,
    /// The provider whose turn produced it; `null` = manual.
    pub agent: Option<String>,
    pub diff: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An option an agent offers on a permission card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionChoice {
    pub id: String,
    pub name: String,
    /// allow_once | allow_always | reject_once | reject_always
    pub kind: String,
}

/// `POST /api/permissions/{request_id}`: the owner's choice; `option_id: null` cancels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PermissionAnswer {
    pub option_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ElicitAction {
    Accept,
    Decline,
    Cancel,
}

/// `POST /api/elicitations/{request_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ElicitationAnswer {
    pub action: ElicitAction,
    /// The form values (an object matching the request's schema) when accepting.
    #[serde(default)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub content: Option<serde_json::Value>,
}

/// An agent tool call as the latest merged snapshot of `tool_call` + updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentToolCall {
    pub id: String,
    pub title: String,
    /// read | edit | delete | move | search | execute | think | fetch | other
    pub kind: String,
    /// pending | in_progress | completed | failed
    pub status: String,
    #[ts(type = "unknown")]
    pub raw_input: Option<serde_json::Value>,
    #[ts(type = "unknown[]")]
    pub content: Vec<serde_json::Value>,
    pub locations: Vec<String>,
}

/// The worktree's state before an agent turn (CODER-12): a commit under
/// `refs/boo/checkpoints/<session_id>/<n>`, with the turn it precedes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    pub session_id: Uuid,
    /// 1, 2, … per session, in the order the turns started.
    pub n: i32,
    /// The checkpoint commit (its tree is the worktree's files).
    pub commit: String,
    /// The turn it precedes; `null` once that task or chat was deleted.
    pub task_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
    /// The turn's assistant message (`null` for a chat-less task).
    pub message_id: Option<Uuid>,
    pub agent: String,
    /// The first line of the turn's prompt (at most 200 characters).
    pub prompt: String,
    pub created_at: DateTime<Utc>,
    /// When the owner last restored the worktree to it.
    pub restored_at: Option<DateTime<Utc>>,
}

/// `POST /api/sessions/{sid}/checkpoints/{n}/restore`. Restoring discards the work of
/// the turn the checkpoint precedes and of every later one: the request must say so.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreCheckpoint {
    /// Go ahead although later turns' work is discarded (else 409
    /// `checkpoint_discards_later` lists it).
    #[serde(default)]
    pub discard_later: bool,
}

/// `200` answer to [`RestoreCheckpoint`]: the worktree is back at `checkpoint`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckpointRestored {
    pub checkpoint: Checkpoint,
    /// The checkpoints of the turns whose work was discarded (this one's turn and later).
    pub discarded: Vec<Checkpoint>,
    /// The session's pending changes after the restore (re-staged from the worktree).
    pub changes: Vec<PendingChange>,
}

/// The body of every 409 of a restore: `checkpoint_discards_later` (confirm with
/// `discard_later: true`; `discarded` lists what would go), `turn_running`, … .
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckpointConflict {
    pub error: String,
    pub code: String,
    /// The checkpoints of the turns whose work a restore would discard (empty for
    /// the other codes).
    pub discarded: Vec<Checkpoint>,
}
