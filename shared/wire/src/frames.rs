//! WebSocket frames. Every frame is one JSON object tagged by `type`, carried in an
//! [`Envelope`] with a per-session, monotonically increasing `seq` so a
//! reconnecting client can say what it already has.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::chat::{Chat, Message, MessageStatus, Session, Usage};
use crate::coder::{AgentToolCall, Checkpoint, PendingChange, PermissionChoice, TaskInfo};
use crate::workspace::WorkspaceState;

/// What a daemon sends. boochat's chat frames carry the chat they belong to; the
/// envelope carries the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame on every connection.
    Hello { daemon: String, version: String },
    /// The frames after the client's `last_seq` are gone (older than the replay
    /// ring, or the client fell behind): refetch over REST, then continue live.
    Resync { reason: String },
    /// The client sent something the daemon could not use.
    Error { code: String, message: String },
    /// A user message was added (possibly `queued` behind a running turn).
    UserMessage { chat_id: Uuid, message: Message },
    /// A queued user message's turn started, or another status change of a row.
    MessageStatus {
        chat_id: Uuid,
        message_id: Uuid,
        status: MessageStatus,
        /// The message's new place in the chat (its `Message::seq`) when the change
        /// moved it: a dequeued message goes after the answer before it. (Named apart
        /// from the envelope's `seq`, which is the frame's.)
        message_seq: Option<i64>,
    },
    /// An assistant message began (status `streaming`, empty content).
    MessageStarted { chat_id: Uuid, message: Message },
    /// Visible text appended to a streaming message. `offset` is the length of the
    /// message's `content` before this text, in Unicode scalar values (code points, not
    /// bytes or UTF-16 units), so a client holding a copy loaded over REST places it
    /// exactly: skip what it has, append the rest, refetch on a gap.
    Delta {
        chat_id: Uuid,
        message_id: Uuid,
        offset: u32,
        text: String,
    },
    /// Reasoning appended to a streaming message. `offset` counts, in Unicode scalar
    /// values, the reasoning the message had before it: every `reasoning` part's
    /// content, concatenated in order.
    ReasoningDelta {
        chat_id: Uuid,
        message_id: Uuid,
        offset: u32,
        text: String,
    },
    ToolCall {
        chat_id: Uuid,
        message_id: Uuid,
        call_id: String,
        name: String,
        #[ts(type = "unknown")]
        arguments: serde_json::Value,
    },
    ToolResult {
        chat_id: Uuid,
        message_id: Uuid,
        call_id: String,
        name: String,
        result: String,
        is_error: bool,
        truncated: bool,
        duration_ms: u32,
    },
    /// Token counts and speed; `phase` says whether the server is still reading
    /// the prompt or already generating.
    Usage {
        chat_id: Uuid,
        message_id: Uuid,
        phase: UsagePhase,
        usage: Usage,
        /// While the prompt is read, how far the server got, when it says
        /// (llama-server's `prompt_progress`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        progress: Option<PromptProgress>,
    },
    MessageComplete {
        chat_id: Uuid,
        message_id: Uuid,
        status: MessageStatus,
        error: Option<String>,
        usage: Usage,
    },
    /// A UI-only system row (`metadata.kind` = `cap_hit` | `doom_loop` | `unstaged_files` |
    /// `checkpoint_failed`).
    Sentinel { chat_id: Uuid, message: Message },
    /// Title, status, agent or busy flag of a chat changed.
    ChatUpdated { chat: Chat },
    /// boocoder: a task (one agent turn) changed state.
    TaskUpdated { task: TaskInfo },
    /// boocoder: the latest snapshot of an agent's tool call.
    AgentToolCall {
        chat_id: Uuid,
        message_id: Uuid,
        call: AgentToolCall,
    },
    /// boocoder: the agent's current plan.
    Plan {
        chat_id: Uuid,
        message_id: Uuid,
        #[ts(type = "unknown[]")]
        entries: Vec<serde_json::Value>,
    },
    /// boocoder: slash commands the agent offers in this chat.
    AvailableCommands {
        chat_id: Uuid,
        agent: String,
        #[ts(type = "unknown[]")]
        commands: Vec<serde_json::Value>,
    },
    /// boocoder: an agent asks permission; answer with `POST /api/permissions/{request_id}`.
    PermissionRequested {
        chat_id: Uuid,
        task_id: Uuid,
        request_id: Uuid,
        agent: String,
        #[ts(type = "unknown")]
        tool_call: serde_json::Value,
        options: Vec<PermissionChoice>,
    },
    /// boocoder: a permission or elicitation card was answered or withdrawn.
    RequestResolved { request_id: Uuid, outcome: String },
    /// boocoder: an agent asks for input through a form built from `schema`.
    ElicitationRequested {
        chat_id: Uuid,
        task_id: Uuid,
        request_id: Uuid,
        agent: String,
        message: String,
        #[ts(type = "Record<string, unknown>")]
        schema: serde_json::Value,
    },
    /// boocoder: the session's pending changes (latest wins after each turn).
    PendingChanged { changes: Vec<PendingChange> },
    /// boocoder: the owner restored the session's worktree to `checkpoint`; the work
    /// of the turns of `discarded` is gone (a `pending_changed` follows).
    CheckpointRestored {
        checkpoint: Checkpoint,
        discarded: Vec<Checkpoint>,
    },
    /// boochat: the session's workspace layout was saved (by any device).
    SessionWorkspaceUpdated { state: WorkspaceState },
    /// boochat: a session was created, renamed, archived or restored (the whole row).
    /// Sent on the session's own stream and, as a connection-level frame, to every
    /// socket without a `session_id` (the catalog: sidebars follow every session).
    SessionUpdated { session: Session },
    /// boochat: the chat's active branch moved (a regenerate, an edit, a switch
    /// of versions): clients showing it fetch its window again.
    ChatBranched {
        chat_id: Uuid,
        leaf_id: Option<Uuid>,
    },
    /// boochat: a session and everything it owned were deleted. Sent on its own
    /// stream and to the catalog, like `session_updated`.
    SessionDeleted { session_id: Uuid },
}

/// How much of the prompt the model server has processed (`cache` tokens came
/// from its prompt cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromptProgress {
    pub processed: u32,
    pub total: u32,
    pub cache: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UsagePhase {
    /// Request sent; the server is processing the prompt (no token yet).
    Prompt,
    /// Tokens are arriving.
    Generating,
    /// Final numbers from the server.
    Done,
}

/// A frame with its ordering metadata: `{"type": …, "seq": …, "session_id": …, …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope {
    /// Per-session sequence number; 0 for connection-level frames.
    pub seq: u64,
    /// The session the frame belongs to; absent for connection-level frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub session_id: Option<Uuid>,
    #[serde(flatten)]
    pub frame: ServerFrame,
}

impl Envelope {
    /// A frame that is about the connection, not a session.
    pub fn connection(frame: ServerFrame) -> Self {
        Self {
            seq: 0,
            session_id: None,
            frame,
        }
    }
}

/// The WebSocket close code of a socket opened for a session that does not exist
/// (reason "no such session"): final, a client does not reconnect.
pub const CLOSE_NO_SUCH_SESSION: u16 = 4404;

/// What a browser sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Subscribe to a session, replaying everything after `last_seq`.
    Resume {
        session_id: Uuid,
        last_seq: u64,
    },
    Ping,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn envelope_flattens_the_tagged_frame() {
        let sid = Uuid::nil();
        let env = Envelope {
            seq: 7,
            session_id: Some(sid),
            frame: ServerFrame::Resync {
                reason: "gap".into(),
            },
        };
        let value = serde_json::to_value(&env).unwrap();
        assert_eq!(
            value,
            json!({"type": "resync", "seq": 7, "session_id": sid, "reason": "gap"})
        );
        assert_eq!(serde_json::from_value::<Envelope>(value).unwrap(), env);
    }

    #[test]
    fn connection_frames_omit_session_id() {
        let env = Envelope::connection(ServerFrame::Hello {
            daemon: "boochat".into(),
            version: "0.1.0".into(),
        });
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"type": "hello", "seq": 0, "daemon": "boochat", "version": "0.1.0"})
        );
    }

    #[test]
    fn client_frames_parse_and_reject_unknown_types() {
        let sid = Uuid::nil();
        assert_eq!(
            serde_json::from_value::<ClientFrame>(
                json!({"type": "resume", "session_id": sid, "last_seq": 3})
            )
            .unwrap(),
            ClientFrame::Resume {
                session_id: sid,
                last_seq: 3
            }
        );
        assert!(serde_json::from_value::<ClientFrame>(json!({"type": "explode"})).is_err());
    }
}
