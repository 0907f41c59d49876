//! The boundary every agent transport sits behind (issue 15): an ACP child
//! ([`super::acp_backend`]), a session of the opencode server, a CLI in a PTY. The
//! warm pool holds `Arc<dyn Backend>`s; a turn streams through one
//! ([`super::stream`]) and what comes out — frames, transcript, pending changes,
//! the `agent_sessions` row — is the same whichever carries it.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use super::config::Applied;
use super::start::StartKind;
use crate::acp::{AcpError, AgentEvent, StopReason};

/// Why a turn (or a backend's start) failed, with the agent's stderr tail when
/// there is one, so the chat shows what the agent said before it failed.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Acp(#[from] AcpError),
    /// Any other transport: what went wrong, and the agent's output tail.
    #[error("{message}")]
    Agent {
        message: String,
        stderr_tail: Option<String>,
    },
}

impl TurnError {
    pub fn agent(message: impl Into<String>, stderr_tail: Option<String>) -> Self {
        Self::Agent {
            message: message.into(),
            stderr_tail: stderr_tail.filter(|t| !t.trim().is_empty()),
        }
    }

    /// The agent's stderr (or terminal output) tail captured with the error.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            Self::Acp(e) => e.stderr_tail(),
            Self::Agent { stderr_tail, .. } => stderr_tail.as_deref(),
        }
    }

    /// The message a chat shows: the error, then the tail when the error's own
    /// text does not carry it already.
    pub fn describe(&self) -> String {
        match (self, self.stderr_tail()) {
            // An ACP error's text ends with its stderr tail.
            (Self::Acp(e), _) => e.to_string(),
            (Self::Agent { message, .. }, Some(tail)) => {
                format!("{message}\nagent output:\n{}", tail.trim_end())
            }
            (Self::Agent { message, .. }, None) => message.clone(),
        }
    }
}

/// One agent session a chat's turns run on, warm between turns.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// What carries it, as `agent_sessions.backend` says: `acp_warm`,
    /// `opencode_server`, `pty`.
    fn kind(&self) -> &'static str;

    /// The agent's own id of the session (`agent_sessions.agent_session_id`);
    /// `None` until it named one.
    fn session_id(&self) -> Option<String>;

    /// Still able to take a turn (its process lives, its server answers).
    fn is_alive(&self) -> bool;

    /// The pid of the process that runs it, if it has its own.
    fn pid(&self) -> Option<u32>;

    /// Make sure the session can take the next turn. `Some` when it had to be
    /// established again (an opencode server restarted under a warm backend):
    /// [`StartKind::Reattached`] when the agent still had it, [`StartKind::History`]
    /// when a new session must be told the chat's transcript.
    async fn ensure_session(&self) -> Result<Option<StartKind>, TurnError> {
        Ok(None)
    }

    /// Run one prompt, its events sent to `events`, until the agent ends the turn.
    /// A cancel ([`Self::cancel`]) ends it with [`StopReason::Cancelled`].
    async fn prompt(
        &self,
        prompt: &str,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<StopReason, TurnError>;

    /// Ask the prompt in flight to stop; it still ends through [`Self::prompt`].
    async fn cancel(&self) -> Result<(), TurnError>;

    /// Set `mode` and `model` (either may be absent) and check what the agent
    /// reports back ([`super::config`]).
    async fn apply_config(&self, mode: Option<&str>, model: Option<&str>) -> Applied;

    /// The agent's slash commands as it last reported them.
    fn commands(&self) -> Vec<Value>;

    /// Stop it: its process ends (a server session is left to the server).
    async fn shutdown(self: Arc<Self>);
}
