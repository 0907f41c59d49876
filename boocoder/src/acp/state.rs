//! Per-connection state shared by the [`super::Connection`] handle and the
//! handlers the SDK runs for the agent's messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use agent_client_protocol::v1::schema as acp;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::events::{AgentEvent, ToolCallSnapshot, ToolCalls, map_update};
use super::terminals::Terminals;
use super::types::{ClientHooks, ConfigOption, SessionInfo};

pub(crate) struct Shared {
    pub(crate) hooks: Arc<dyn ClientHooks>,
    /// The agent's terminals (dropped with the connection: its own children die).
    pub(crate) terminals: Terminals,
    sessions: Mutex<HashMap<String, SessionState>>,
    /// Bumped whenever a session's cached info changes (commands arriving after
    /// `session/new`, mode or config updates).
    info_version: watch::Sender<u64>,
}

struct SessionState {
    info: SessionInfo,
    tools: ToolCalls,
    turn: Option<Turn>,
    /// Bumped by `Connection::cancel`; pending permission / elicitation
    /// requests of the session watch it.
    cancel: watch::Sender<u64>,
}

/// The prompt in flight on a session.
struct Turn {
    /// Distinguishes this turn from a later one on the same session.
    seq: u64,
    events: mpsc::Sender<AgentEvent>,
    /// JSON of the `session/prompt` request id (for request-scoped elicitations).
    request_id: Option<Value>,
    cancelled: bool,
}

/// What a permission or elicitation handler needs to know about its session.
pub(crate) struct Pending {
    pub(crate) cancel: watch::Receiver<u64>,
    /// The turn was already cancelled when the request arrived.
    pub(crate) already_cancelled: bool,
}

impl SessionState {
    fn new(id: &str) -> Self {
        SessionState {
            info: SessionInfo {
                id: id.to_owned(),
                ..SessionInfo::default()
            },
            tools: ToolCalls::default(),
            turn: None,
            cancel: watch::Sender::new(0),
        }
    }
}

impl Shared {
    pub(crate) fn new(hooks: Arc<dyn ClientHooks>) -> Self {
        Shared {
            terminals: Terminals::new(hooks.term_host()),
            hooks,
            sessions: Mutex::new(HashMap::new()),
            info_version: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, SessionState>> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn with_session<T>(&self, id: &str, f: impl FnOnce(&mut SessionState) -> T) -> T {
        let mut sessions = self.lock();
        let state = sessions
            .entry(id.to_owned())
            .or_insert_with(|| SessionState::new(id));
        f(state)
    }

    /// Apply a `session/update`: refresh the cached session info, map it to an
    /// event and hand that to the running turn (waiting if its channel is full).
    pub(crate) async fn on_update(&self, n: acp::SessionNotification) {
        let id = n.session_id.0.to_string();
        let (event, sink, info_changed) = self.with_session(&id, |s| {
            let info_changed = match &n.update {
                acp::SessionUpdate::AvailableCommandsUpdate(u) => {
                    s.info.commands = u
                        .available_commands
                        .iter()
                        .filter_map(|c| serde_json::to_value(c).ok())
                        .collect();
                    true
                }
                acp::SessionUpdate::CurrentModeUpdate(u) => {
                    s.info.current_mode = Some(u.current_mode_id.0.to_string());
                    true
                }
                acp::SessionUpdate::ConfigOptionUpdate(u) => {
                    s.info.config_options =
                        u.config_options.iter().map(ConfigOption::from).collect();
                    true
                }
                _ => false,
            };
            let event = map_update(&mut s.tools, n.update);
            (
                event,
                s.turn.as_ref().map(|t| t.events.clone()),
                info_changed,
            )
        });
        if info_changed {
            self.info_version.send_modify(|v| *v += 1);
        }
        match (event, sink) {
            (Some(event), Some(sink)) => {
                // The runner stopped listening: nothing left to tell.
                let _ = sink.send(event).await;
            }
            (Some(event), None) => {
                tracing::debug!(session = %id, ?event, "ACP update outside a turn");
            }
            _ => {}
        }
    }

    /// Record what `session/new` returned (commands may already have arrived).
    pub(crate) fn set_session(&self, info: SessionInfo) {
        self.with_session(&info.id.clone(), |s| {
            let commands = std::mem::take(&mut s.info.commands);
            s.info = SessionInfo { commands, ..info };
        });
        self.info_version.send_modify(|v| *v += 1);
    }

    pub(crate) fn set_config_options(&self, session: &str, options: Vec<ConfigOption>) {
        self.with_session(session, |s| s.info.config_options = options);
        self.info_version.send_modify(|v| *v += 1);
    }

    pub(crate) fn set_current_mode(&self, session: &str, mode: &str) {
        self.with_session(session, |s| s.info.current_mode = Some(mode.to_owned()));
        self.info_version.send_modify(|v| *v += 1);
    }

    pub(crate) fn session_info(&self, session: &str) -> Option<SessionInfo> {
        self.lock().get(session).map(|s| s.info.clone())
    }

    pub(crate) fn watch_info(&self) -> watch::Receiver<u64> {
        self.info_version.subscribe()
    }

    /// Start a turn and watch for its cancellation; `None` if a turn is
    /// already running on the session.
    pub(crate) fn begin_turn(
        &self,
        session: &str,
        seq: u64,
        events: mpsc::Sender<AgentEvent>,
    ) -> Option<watch::Receiver<u64>> {
        self.with_session(session, |s| {
            if s.turn.is_some() {
                return None;
            }
            s.tools.clear();
            s.turn = Some(Turn {
                seq,
                events,
                request_id: None,
                cancelled: false,
            });
            Some(s.cancel.subscribe())
        })
    }

    pub(crate) fn set_turn_request(&self, session: &str, seq: u64, request_id: Value) {
        self.with_session(session, |s| {
            if let Some(turn) = s.turn.as_mut().filter(|t| t.seq == seq) {
                turn.request_id = Some(request_id);
            }
        });
    }

    /// End turn `seq`; returns whether it had been cancelled.
    pub(crate) fn end_turn(&self, session: &str, seq: u64) -> bool {
        self.with_session(session, |s| match &s.turn {
            Some(t) if t.seq == seq => s.turn.take().is_some_and(|t| t.cancelled),
            _ => false,
        })
    }

    /// Mark the session's turn cancelled and wake its pending requests.
    pub(crate) fn cancel(&self, session: &str) {
        self.with_session(session, |s| {
            if let Some(turn) = s.turn.as_mut() {
                turn.cancelled = true;
            }
            s.cancel.send_modify(|v| *v += 1);
        });
    }

    /// Context for a permission or elicitation request of `session`.
    pub(crate) fn pending(&self, session: &str) -> Pending {
        self.with_session(session, |s| Pending {
            cancel: s.cancel.subscribe(),
            already_cancelled: s.turn.as_ref().is_some_and(|t| t.cancelled),
        })
    }

    /// The tool call a permission request is about, merged with what the turn
    /// said about it so far.
    pub(crate) fn preview_tool_call(
        &self,
        session: &str,
        update: &acp::ToolCallUpdate,
    ) -> ToolCallSnapshot {
        self.with_session(session, |s| s.tools.preview(update))
    }

    /// The session whose running prompt has request id `request_id`; failing
    /// that, the only session with a running prompt.
    pub(crate) fn session_of_request(&self, request_id: &Value) -> Option<String> {
        let sessions = self.lock();
        let running: Vec<(&String, &Turn)> = sessions
            .iter()
            .filter_map(|(id, s)| s.turn.as_ref().map(|t| (id, t)))
            .collect();
        running
            .iter()
            .find(|(_, t)| t.request_id.as_ref() == Some(request_id))
            .or(match running.as_slice() {
                [only] => Some(only),
                _ => None,
            })
            .map(|(id, _)| (*id).clone())
    }
}

/// Resolves when the watched cancel counter moves (never if its sender is gone).
pub(crate) async fn cancelled(mut rx: watch::Receiver<u64>) {
    if rx.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}
