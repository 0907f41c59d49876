//! ACP agents behind the [`Backend`] boundary (CODER-5): one child, `initialize`
//! and a session once ([`super::start`] picks an earlier one up), `session/prompt`
//! per turn, `session/cancel` to stop one while the child lives on.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use super::agent_sessions::Prior;
use super::backend::{Backend, TurnError};
use super::config::{self, Applied};
use super::requests::Hooks;
use super::start::{self, Pickup, StartKind};
use crate::acp::{AgentEvent, Connection, StopReason};
use crate::providers::probe::Launch;

/// A warm ACP child and the session the chat's turns run on.
pub struct AcpBackend {
    conn: Connection,
    session: String,
    /// What started it (command line and initial mode): `agent_sessions.config_hash`.
    pub config_hash: String,
}

impl AcpBackend {
    /// Spawn the agent, `initialize` it and open the chat's session: `prior`'s
    /// when the agent can pick it up, else a new one.
    pub async fn start(
        launch: &Launch,
        hooks: Arc<Hooks>,
        prior: Option<&Prior>,
        cwd: &Path,
        agent: &str,
    ) -> Result<(Self, StartKind), TurnError> {
        let conn = Connection::spawn(&launch.spec, hooks).await?;
        let info = conn.initialize().await?;
        let (session, kind) =
            start::open_session(&conn, Pickup::of(&info.capabilities), prior, cwd, agent).await?;
        let config_hash = format!("{}:{:?}", launch.command_line, session.current_mode);
        Ok((
            Self {
                conn,
                session: session.id,
                config_hash,
            },
            kind,
        ))
    }
}

#[async_trait::async_trait]
impl Backend for AcpBackend {
    fn kind(&self) -> &'static str {
        "acp_warm"
    }

    fn session_id(&self) -> Option<String> {
        Some(self.session.clone())
    }

    fn is_alive(&self) -> bool {
        self.conn.is_alive()
    }

    fn pid(&self) -> Option<u32> {
        self.conn.pid()
    }

    async fn prompt(
        &self,
        prompt: &str,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<StopReason, TurnError> {
        Ok(self.conn.prompt(&self.session, prompt, events).await?)
    }

    async fn cancel(&self) -> Result<(), TurnError> {
        Ok(self.conn.cancel(&self.session).await?)
    }

    async fn apply_config(&self, mode: Option<&str>, model: Option<&str>) -> Applied {
        config::apply(&self.conn, &self.session, mode, model).await
    }

    fn commands(&self) -> Vec<Value> {
        self.conn
            .session_info(&self.session)
            .map(|i| i.commands)
            .unwrap_or_default()
    }

    async fn shutdown(self: Arc<Self>) {
        match Arc::try_unwrap(self) {
            Ok(b) => b.conn.shutdown().await,
            // A turn in flight still holds it: dropping the last reference kills
            // the child's process group.
            Err(arc) => drop(arc),
        }
    }
}
