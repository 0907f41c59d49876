//! Starting an agent's session in a new child (CODER-9): after a crash, an idle or
//! LRU eviction, or a boocoder restart, the chat's session is picked up again when
//! the agent can — `session/resume` if it advertises `sessionCapabilities.resume`,
//! else `session/load` if it advertises `loadSession` (the agent replays the
//! session's history as updates; they arrive before any turn, so none of them
//! reaches the new turn's message). When neither is offered or both fail, a new
//! session starts and its first prompt carries the chat's transcript
//! ([`super::joining`]). How it went is the row's `start_kind`:
//!
//! | had a session here | resume / load     | start kind |
//! |--------------------|-------------------|------------|
//! | no                 | —                 | `new`      |
//! | yes                | resume worked     | `resumed`  |
//! | yes                | load worked       | `loaded`   |
//! | yes                | none, or failed   | `history`  |
//!
//! A warm opencode session whose server was restarted under it is `reattached`
//! when the new server still has it, else `history` ([`super::backend::Backend::ensure_session`]).

use std::path::Path;

use serde_json::Value;

use super::agent_sessions::Prior;
use crate::acp::{AcpError, Connection, SessionInfo};

/// How an agent's current session began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartKind {
    Resumed,
    /// The server under a warm session restarted and still had the session.
    Reattached,
    Loaded,
    History,
    New,
}

impl StartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StartKind::Resumed => "resumed",
            StartKind::Reattached => "reattached",
            StartKind::Loaded => "loaded",
            StartKind::History => "history",
            StartKind::New => "new",
        }
    }
}

/// What an agent can do with an earlier session, from its `agentCapabilities`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pickup {
    pub resume: bool,
    pub load: bool,
}

impl Pickup {
    pub fn of(capabilities: &Value) -> Self {
        Pickup {
            resume: capabilities["sessionCapabilities"]["resume"].is_object(),
            load: capabilities["loadSession"].as_bool().unwrap_or(false),
        }
    }
}

/// Open the chat's session on a freshly initialized `conn`: pick up `prior`'s
/// session if the agent can, else a new one.
pub async fn open_session(
    conn: &Connection,
    pickup: Pickup,
    prior: Option<&Prior>,
    cwd: &Path,
    agent: &str,
) -> Result<(SessionInfo, StartKind), AcpError> {
    let Some(prior) = prior else {
        return Ok((conn.new_session(cwd).await?, StartKind::New));
    };
    if let Some(id) = prior.agent_session_id.as_deref() {
        if pickup.resume {
            match conn.resume_session(id, cwd).await {
                Ok(s) => return Ok((s, StartKind::Resumed)),
                Err(e) => {
                    tracing::warn!(agent, session = %id, error = %e, "cannot resume the agent's session");
                }
            }
        }
        if pickup.load {
            match conn.load_session(id, cwd).await {
                Ok(s) => return Ok((s, StartKind::Loaded)),
                Err(e) => {
                    tracing::warn!(agent, session = %id, error = %e, "cannot load the agent's session");
                }
            }
        }
    }
    tracing::info!(
        agent,
        "the agent's earlier session is not picked up; a new one carries the chat's transcript"
    );
    Ok((conn.new_session(cwd).await?, StartKind::History))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn pickup_reads_the_capabilities() {
        assert_eq!(
            Pickup::of(&json!({"loadSession": false, "sessionCapabilities": {}})),
            Pickup {
                resume: false,
                load: false
            }
        );
        assert_eq!(
            Pickup::of(&json!({"loadSession": true, "sessionCapabilities": {"resume": {}}})),
            Pickup {
                resume: true,
                load: true
            }
        );
        assert_eq!(
            Pickup::of(&json!({})),
            Pickup {
                resume: false,
                load: false
            }
        );
    }
}
