//! The one agent boundary: boocoder as an ACP *client* of a coding agent.
//!
//! A [`Connection`] owns one agent child process (spawned through
//! [`crate::process`]) and speaks ACP v1 to it over stdio with the
//! `agent-client-protocol` crate. It can also run over any in-process byte pipe
//! ([`Connection::connect`]), which is how the tests drive it.
//!
//! - requests: `initialize`, `session/new`, `session/set_config_option`
//!   (`session/set_mode` as a fallback for agents that only expose modes),
//!   `session/prompt`, and the `session/cancel` notification. Every request but
//!   `session/prompt` has a timeout; a prompt runs until the agent answers, is
//!   cancelled, or the child dies.
//! - the agent's requests are served by the client side in `client.rs`: `fs/*`
//!   confined to [`ClientHooks::worktree`] by `boo_shared::pathguard`, and a write
//!   lands only when it can be staged as a pending change under the same name
//!   (`crate::pending::agent_write`; otherwise `invalid_params` says why),
//!   `session/request_permission` and `elicitation/create` routed to the hooks
//!   (answered `cancelled` when the turn is cancelled), and `terminal/*` as booterm
//!   terminals of the workspace session, or boocoder's own bounded children when
//!   booterm is unreachable (`terminals/`).
//! - `session/update` notifications become [`AgentEvent`]s on the sender the
//!   running prompt was given (`events.rs`); tool calls are merged into full
//!   snapshots per tool call id.
//!
//! The SDK's connection futures are `Send`, so the connection is driven by an
//! ordinary tokio task; nothing here needs a `LocalSet`.

mod client;
mod connection;
mod events;
mod state;
mod terminals;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_process;
#[cfg(test)]
mod tests_sessions;
mod types;

pub use connection::{CANCEL_GRACE, Connection, REQUEST_TIMEOUT};
pub use events::{AgentEvent, ContextUsage, Cost, TokenUsage, ToolCallSnapshot};
pub use terminals::{CHILD_TIMEOUT, FALLBACK_NOTE, MAX_OUTPUT_BYTES, TermConfine, TermHost};
pub use types::{
    AgentInfo, ClientHooks, ConfigChoice, ConfigKind, ConfigOption, ElicitOutcome, ElicitRequest,
    PermissionKind, PermissionOption, PermissionOutcome, PermissionRequest, SessionInfo,
    SessionMode, StopReason,
};

use std::time::Duration;

/// Everything that can go wrong talking to an agent. Variants that involve the
/// child carry the tail of its stderr (possibly empty), which is what a person
/// needs to see when a provider misbehaves.
#[derive(Debug, thiserror::Error)]
pub enum AcpError {
    #[error("cannot start the agent: {message}")]
    Spawn { message: String },
    #[error("agent did not answer {method} within {}s{}", after.as_secs(), tail(stderr))]
    Timeout {
        method: &'static str,
        after: Duration,
        stderr: String,
    },
    #[error("agent exited{} during {method}{}", status.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(), tail(stderr))]
    Exited {
        method: &'static str,
        status: Option<String>,
        stderr: String,
    },
    #[error("agent answered {method} with error {code}: {message}{}", tail(stderr))]
    Rpc {
        method: &'static str,
        code: i32,
        message: String,
        stderr: String,
    },
    #[error("agent did not acknowledge session/cancel within {}s{}", after.as_secs(), tail(stderr))]
    CancelIgnored { after: Duration, stderr: String },
    #[error("session {0} already has a prompt in flight")]
    Busy(String),
    #[error("session {session} has no config option {option:?}")]
    UnknownConfigOption { session: String, option: String },
    #[error("config option {option:?} is a boolean; {value:?} is neither true nor false")]
    InvalidConfigValue { option: String, value: String },
    #[error("ACP connection failed: {0}")]
    Connection(String),
}

impl AcpError {
    /// The agent's stderr tail captured with the error, if the error has one.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            AcpError::Timeout { stderr, .. }
            | AcpError::Exited { stderr, .. }
            | AcpError::Rpc { stderr, .. }
            | AcpError::CancelIgnored { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// True when the child is gone (or the pipe to it): the caller should mark
    /// the agent session crashed and respawn next time.
    pub fn is_exit(&self) -> bool {
        matches!(self, AcpError::Exited { .. })
    }
}

fn tail(stderr: &str) -> String {
    let trimmed = stderr.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("; agent stderr:\n{trimmed}")
    }
}
