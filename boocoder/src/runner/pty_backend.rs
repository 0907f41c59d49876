//! CLIs without ACP behind the [`Backend`] boundary (CODER-8): each turn is one
//! run of the CLI on a fresh pseudo-terminal ([`crate::pty`]), inside the agent's
//! sandbox, its argv rendered from the provider's `args` template; its output is
//! parsed into the same events an ACP agent streams. The session id the CLI
//! reports (stream-json) is passed back by the next turn (`{session_id}`), so the
//! conversation carries on; it is kept on the `agent_sessions` row, so it also
//! survives an eviction or a restart.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::agent_sessions::Prior;
use super::backend::{Backend, TurnError};
use super::config::{Applied, Mismatch};
use super::start::StartKind;
use crate::acp::{AgentEvent, StopReason};
use crate::providers::{ProviderDef, Providers};
use crate::pty::{ParserKind, PtyCommand, PtySpec, TurnEnd, Vars, run_turn};

/// How long a cancelled CLI gets after SIGINT before SIGTERM (and as long again
/// before SIGKILL).
const CANCEL_GRACE: Duration = Duration::from_secs(3);

/// A chat's CLI: how to run a turn of it, and the session it carries on.
pub struct PtyBackend {
    providers: Providers,
    agent: String,
    cwd: PathBuf,
    /// The private HOME's key (the workspace session).
    home_key: String,
    command: PtyCommand,
    parser: ParserKind,
    /// The CLI's own session id, resumed by the next turn.
    session: Mutex<Option<String>>,
    /// The cancel of the turn in flight.
    running: Mutex<Option<CancellationToken>>,
    /// The mode and model the next runs pass (`{mode}`, `{model}`).
    config: Mutex<(Option<String>, Option<String>)>,
}

impl PtyBackend {
    /// The backend of `def` for a chat working in `cwd`: nothing runs until the
    /// first turn. The chat's earlier CLI session (`prior`) is resumed when
    /// there is one.
    pub fn new(
        providers: Providers,
        def: &ProviderDef,
        cwd: PathBuf,
        home_key: String,
        prior: Option<&Prior>,
    ) -> Result<(Self, StartKind), TurnError> {
        let command = PtyCommand::new(def.args.clone()).map_err(|e| {
            TurnError::agent(
                format!(
                    "provider `{}`: its args are not a usable template: {e}",
                    def.id
                ),
                None,
            )
        })?;
        let session = prior.and_then(|p| p.agent_session_id.clone());
        let kind = match (prior, &session) {
            (None, _) => StartKind::New,
            (Some(_), Some(_)) => StartKind::Resumed,
            (Some(_), None) => StartKind::History,
        };
        Ok((
            Self {
                providers,
                agent: def.id.clone(),
                cwd,
                home_key,
                command,
                parser: def.parser,
                session: Mutex::new(session),
                running: Mutex::new(None),
                config: Mutex::new((None, None)),
            },
            kind,
        ))
    }

    fn session(&self) -> Option<String> {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait::async_trait]
impl Backend for PtyBackend {
    fn kind(&self) -> &'static str {
        "pty"
    }

    fn session_id(&self) -> Option<String> {
        self.session()
    }

    /// A CLI runs per turn: there is nothing between turns that could die.
    fn is_alive(&self) -> bool {
        true
    }

    fn pid(&self) -> Option<u32> {
        None
    }

    async fn prompt(
        &self,
        prompt: &str,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<StopReason, TurnError> {
        let session = self.session();
        let (mode, model) = self
            .config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let args = self.command.render_with(Vars {
            prompt,
            session_id: session.as_deref(),
            mode: mode.as_deref(),
            model: model.as_deref(),
        });
        let launch = self
            .providers
            .launch_with(&self.agent, &self.cwd, &self.home_key, Some(args))
            .await
            .map_err(|e| TurnError::agent(e.to_string(), None))?;
        let spec = &launch.spec;
        let mut pty = PtySpec::new(
            std::iter::once(spec.program.clone()).chain(spec.args.iter().cloned()),
            spec.cwd.clone(),
        );
        pty.env.clone_from(&spec.env);
        pty.clear_env = spec.clear_env;
        let cancel = CancellationToken::new();
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(cancel.clone());
        let outcome = run_turn(&pty, self.parser, events, cancel, CANCEL_GRACE).await;
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let outcome = outcome.map_err(|e| TurnError::agent(e.to_string(), None))?;
        if let Some(id) = outcome.session_id {
            *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        }
        match outcome.end {
            TurnEnd::Complete => Ok(StopReason::EndTurn),
            TurnEnd::Cancelled => Ok(StopReason::Cancelled),
            TurnEnd::Failed(message) => Err(TurnError::agent(
                format!("{} ({})", message.trim_end(), outcome.exit),
                None,
            )),
        }
    }

    async fn cancel(&self) -> Result<(), TurnError> {
        if let Some(c) = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            c.cancel();
        }
        Ok(())
    }

    /// A CLI takes a mode or model only on its command line: one whose template
    /// uses `{mode}` / `{model}` passes the chosen value from the next run on;
    /// one that does not reports it as not applied (the chat shows it), never
    /// silently dropped. A bad value is the CLI's to refuse (the turn fails with
    /// its output).
    async fn apply_config(&self, mode: Option<&str>, model: Option<&str>) -> Applied {
        let mut out = Applied::default();
        let mut config = self.config.lock().unwrap_or_else(|e| e.into_inner());
        for (what, wanted) in [("mode", mode), ("model", model)] {
            let Some(wanted) = wanted else { continue };
            if !self.command.uses(what) {
                out.mismatches.push(Mismatch {
                    what,
                    wanted: wanted.to_owned(),
                    reported: None,
                    error: Some(format!(
                        "{} runs in a terminal and its command template has no {{{what}}}",
                        self.agent
                    )),
                });
                continue;
            }
            let (slot, applied) = if what == "mode" {
                (&mut config.0, &mut out.mode)
            } else {
                (&mut config.1, &mut out.model)
            };
            *slot = Some(wanted.to_owned());
            *applied = Some(wanted.to_owned());
        }
        out
    }

    fn commands(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Nothing runs between turns; a turn in flight is cancelled.
    async fn shutdown(self: Arc<Self>) {
        let _ = self.cancel().await;
    }
}
