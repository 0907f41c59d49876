//! [`Connection`]: one ACP agent (normally a child process) and the requests
//! boocoder sends it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Agent, ByteStreams, JsonRpcRequest};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

use super::AcpError;
use super::client::{capabilities, drive};
use super::events::{AgentEvent, TokenUsage};
use super::state::{Shared, cancelled};
use super::types::{
    AgentInfo, ClientHooks, ConfigKind, ConfigOption, SessionInfo, SessionMode, StopReason,
};
use crate::process;

/// Timeout of every request but `session/prompt`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a prompt may run on after `session/cancel` before we give up on
/// the agent ([`AcpError::CancelIgnored`]).
pub const CANCEL_GRACE: Duration = Duration::from_secs(10);
/// How long to wait for a child whose pipe closed to actually exit, so its exit
/// status and last stderr lines make it into the error.
const EXIT_WAIT: Duration = Duration::from_secs(2);
/// SIGINT → SIGTERM → SIGKILL step in [`Connection::shutdown`].
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// One ACP agent and the client end of the protocol. Cheap operations take
/// `&self`, so a warm backend can share the connection between the task that
/// runs a turn and the one that cancels it.
pub struct Connection {
    cx: ConnectionTo<Agent>,
    shared: Arc<Shared>,
    child: Option<Mutex<process::Child>>,
    pid: Option<u32>,
    stop: Option<oneshot::Sender<()>>,
    driver: Option<JoinHandle<Result<(), agent_client_protocol::Error>>>,
    turns: AtomicU64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Spawn the agent (own process group, piped stdio, stderr kept in a ring)
    /// and connect to it. Nothing is sent yet: call [`Self::initialize`].
    pub async fn spawn(
        spec: &process::Spec,
        hooks: Arc<dyn ClientHooks>,
    ) -> Result<Self, AcpError> {
        let (child, stdin, stdout) =
            process::Child::spawn_piped(spec).map_err(|e| AcpError::Spawn {
                message: e.to_string(),
            })?;
        let pid = child.pid();
        Self::start(stdout, stdin, hooks, Some(child), pid).await
    }

    /// Connect to an agent over an in-process byte pipe (tests, embedded agents).
    pub async fn connect<R, W>(
        reader: R,
        writer: W,
        hooks: Arc<dyn ClientHooks>,
    ) -> Result<Self, AcpError>
    where
        R: AsyncRead + Send + 'static,
        W: AsyncWrite + Send + 'static,
    {
        Self::start(reader, writer, hooks, None, None).await
    }

    async fn start<R, W>(
        reader: R,
        writer: W,
        hooks: Arc<dyn ClientHooks>,
        child: Option<process::Child>,
        pid: Option<u32>,
    ) -> Result<Self, AcpError>
    where
        R: AsyncRead + Send + 'static,
        W: AsyncWrite + Send + 'static,
    {
        let shared = Arc::new(Shared::new(hooks));
        let transport = ByteStreams::new(writer.compat_write(), reader.compat());
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let driver = tokio::spawn(drive(shared.clone(), transport, ready_tx, stop_rx));
        let cx = ready_rx.await.map_err(|_| {
            AcpError::Connection("the connection ended before it started".to_owned())
        })?;
        Ok(Connection {
            cx,
            shared,
            child: child.map(Mutex::new),
            pid,
            stop: Some(stop_tx),
            driver: Some(driver),
            turns: AtomicU64::new(0),
        })
    }

    /// `initialize`: protocol v1, our capabilities and name; the agent's answer.
    pub async fn initialize(&self) -> Result<AgentInfo, AcpError> {
        let request = acp::InitializeRequest::new(ProtocolVersion::V1)
            .client_capabilities(capabilities())
            .client_info(acp::Implementation::new(
                "boocoder",
                env!("CARGO_PKG_VERSION"),
            ));
        let response = self.request("initialize", request).await?;
        Ok(AgentInfo::from(&response))
    }

    /// `session/new` in `cwd` (absolute; the session worktree), no MCP servers.
    /// The returned info includes commands the agent announced so far; more may
    /// follow (see [`Self::wait_for_commands`]).
    pub async fn new_session(&self, cwd: &Path) -> Result<SessionInfo, AcpError> {
        let response = self
            .request("session/new", acp::NewSessionRequest::new(cwd))
            .await?;
        let id = response.session_id.0.to_string();
        Ok(self.keep_session(
            id,
            response.modes.as_ref(),
            response.config_options.as_deref(),
        ))
    }

    /// `session/resume` of an earlier session `id` in `cwd` (for an agent whose
    /// `sessionCapabilities` include `resume`: its sessions outlive its process).
    pub async fn resume_session(&self, id: &str, cwd: &Path) -> Result<SessionInfo, AcpError> {
        let response = self
            .request(
                "session/resume",
                acp::ResumeSessionRequest::new(id.to_owned(), cwd),
            )
            .await?;
        Ok(self.keep_session(
            id.to_owned(),
            response.modes.as_ref(),
            response.config_options.as_deref(),
        ))
    }

    /// `session/load` of an earlier session `id` in `cwd` (for an agent that
    /// advertises `loadSession`). The agent replays the session's history as
    /// `session/update`s before it answers; they arrive outside any turn, so they
    /// refresh the session's info (commands, mode) but reach no turn's events.
    pub async fn load_session(&self, id: &str, cwd: &Path) -> Result<SessionInfo, AcpError> {
        let response = self
            .request(
                "session/load",
                acp::LoadSessionRequest::new(id.to_owned(), cwd),
            )
            .await?;
        Ok(self.keep_session(
            id.to_owned(),
            response.modes.as_ref(),
            response.config_options.as_deref(),
        ))
    }

    fn keep_session(
        &self,
        id: String,
        modes: Option<&acp::SessionModeState>,
        options: Option<&[acp::SessionConfigOption]>,
    ) -> SessionInfo {
        self.shared.set_session(SessionInfo {
            id: id.clone(),
            modes: modes
                .map(|m| m.available_modes.iter().map(SessionMode::from).collect())
                .unwrap_or_default(),
            current_mode: modes.map(|m| m.current_mode_id.0.to_string()),
            config_options: options
                .into_iter()
                .flatten()
                .map(ConfigOption::from)
                .collect(),
            commands: Vec::new(),
        });
        self.shared.session_info(&id).unwrap_or_default()
    }

    /// The session's info as of now (modes, config options and commands follow
    /// the agent's updates).
    pub fn session_info(&self, session: &str) -> Option<SessionInfo> {
        self.shared.session_info(session)
    }

    /// The session's available commands, waiting up to `within` for the first
    /// `available_commands_update` if none arrived yet (agents send it just
    /// after `session/new`). Empty if the agent has none.
    pub async fn wait_for_commands(&self, session: &str, within: Duration) -> Vec<Value> {
        let mut changes = self.shared.watch_info();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let commands = self
                .shared
                .session_info(session)
                .map(|i| i.commands)
                .unwrap_or_default();
            if !commands.is_empty() {
                return commands;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return commands,
            }
        }
    }

    /// `session/set_config_option`. `value` is a select value id, or `true` /
    /// `false` for a boolean option. For an agent without config options,
    /// option `mode` falls back to `session/set_mode`.
    pub async fn set_config_option(
        &self,
        session: &str,
        option: &str,
        value: &str,
    ) -> Result<(), AcpError> {
        let info = self.shared.session_info(session);
        let kind = info
            .as_ref()
            .and_then(|i| i.config_options.iter().find(|o| o.id == option))
            .map(|o| o.kind.clone());
        let value = match kind {
            Some(ConfigKind::Boolean { .. }) => match value {
                "true" => acp::SessionConfigOptionValue::boolean(true),
                "false" => acp::SessionConfigOptionValue::boolean(false),
                _ => {
                    return Err(AcpError::InvalidConfigValue {
                        option: option.to_owned(),
                        value: value.to_owned(),
                    });
                }
            },
            Some(ConfigKind::Select { .. }) => {
                acp::SessionConfigOptionValue::value_id(value.to_owned())
            }
            None if option == "mode" && info.is_some_and(|i| !i.modes.is_empty()) => {
                return self.set_mode(session, value).await;
            }
            None => {
                return Err(AcpError::UnknownConfigOption {
                    session: session.to_owned(),
                    option: option.to_owned(),
                });
            }
        };
        let request =
            acp::SetSessionConfigOptionRequest::new(session.to_owned(), option.to_owned(), value);
        let response = self.request("session/set_config_option", request).await?;
        self.shared.set_config_options(
            session,
            response
                .config_options
                .iter()
                .map(ConfigOption::from)
                .collect(),
        );
        Ok(())
    }

    /// `session/set_mode`.
    pub async fn set_mode(&self, session: &str, mode: &str) -> Result<(), AcpError> {
        let request = acp::SetSessionModeRequest::new(session.to_owned(), mode.to_owned());
        self.request("session/set_mode", request).await?;
        self.shared.set_current_mode(session, mode);
        Ok(())
    }

    /// Run one turn: `session/prompt` with `text`, streaming what the agent
    /// reports to `events` until it answers.
    ///
    /// Updates are handed over in the connection's dispatch loop, in order, all
    /// before this returns: **drain `events` while awaiting this**, or a full
    /// channel stalls the connection. After [`Self::cancel`] the result is
    /// `Ok(StopReason::Cancelled)` whatever the agent answers (an error reply
    /// included), unless the child died ([`AcpError::Exited`]) or ignored the
    /// cancel for [`CANCEL_GRACE`] ([`AcpError::CancelIgnored`]). Dropping the
    /// future cancels the turn too.
    pub async fn prompt(
        &self,
        session: &str,
        text: &str,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<StopReason, AcpError> {
        let seq = self.turns.fetch_add(1, Ordering::Relaxed);
        let Some(cancel) = self.shared.begin_turn(session, seq, events.clone()) else {
            return Err(AcpError::Busy(session.to_owned()));
        };
        let mut guard = TurnGuard {
            conn: self,
            session,
            seq,
            finished: false,
        };
        let request = acp::PromptRequest::new(session.to_owned(), vec![text.into()]);
        let sent = self.cx.send_request(request);
        if let Ok(id) = serde_json::to_value(sent.id()) {
            self.shared.set_turn_request(session, seq, id);
        }
        let answer = tokio::select! {
            answer = sent.block_task() => Some(answer),
            () = async {
                cancelled(cancel).await;
                tokio::time::sleep(CANCEL_GRACE).await;
            } => None,
        };
        guard.finished = true;
        let was_cancelled = self.shared.end_turn(session, seq);
        match answer {
            None => Err(AcpError::CancelIgnored {
                after: CANCEL_GRACE,
                stderr: self.stderr_tail(),
            }),
            Some(Ok(response)) => {
                if let Some(usage) = &response.usage {
                    let _ = events
                        .send(AgentEvent::Usage(TokenUsage::from(usage)))
                        .await;
                }
                Ok(if was_cancelled {
                    StopReason::Cancelled
                } else {
                    response.stop_reason.into()
                })
            }
            Some(Err(e)) if is_gone(&e) => Err(self.exited("session/prompt").await),
            Some(Err(_)) if was_cancelled => Ok(StopReason::Cancelled),
            Some(Err(e)) => Err(self.rpc_error("session/prompt", &e)),
        }
    }

    /// `session/cancel`: the running prompt ends with `Cancelled`, pending
    /// permission and elicitation requests of the session are answered
    /// `cancelled`, and the agent lives on for the next prompt.
    pub async fn cancel(&self, session: &str) -> Result<(), AcpError> {
        self.shared.cancel(session);
        self.cx
            .send_notification(acp::CancelNotification::new(session.to_owned()))
            .map_err(|e| AcpError::Connection(e.to_string()))
    }

    /// The child's pid (`None` for an in-process connection).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Whether the agent can still be talked to: the pipe is open and the child
    /// (if any) has not exited. A dead child is reaped here.
    pub fn is_alive(&self) -> bool {
        if self.cx.is_incoming_closed() || self.cx.termination().is_some() {
            return false;
        }
        match &self.child {
            Some(child) => child
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .try_exited()
                .is_none(),
            None => self.driver.as_ref().is_some_and(|d| !d.is_finished()),
        }
    }

    /// The last ~16 KiB the child wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        self.child
            .as_ref()
            .map(|c| {
                c.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .stderr_tail()
            })
            .unwrap_or_default()
    }

    /// Close the connection (the agent sees EOF on stdin), then stop the child:
    /// SIGINT → SIGTERM → SIGKILL to its process group, reaped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(driver) = self.driver.take() {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, driver).await;
        }
        if let Some(child) = self.child.take() {
            let mut child = child.into_inner().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = child.shutdown(SHUTDOWN_GRACE).await {
                tracing::warn!(pid = ?self.pid, "stopping the agent: {e}");
            }
        }
    }

    /// Send one request with [`REQUEST_TIMEOUT`].
    async fn request<Req: JsonRpcRequest>(
        &self,
        method: &'static str,
        request: Req,
    ) -> Result<Req::Response, AcpError> {
        let sent = self.cx.send_request(request);
        match tokio::time::timeout(REQUEST_TIMEOUT, sent.block_task()).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) if is_gone(&e) => Err(self.exited(method).await),
            Ok(Err(e)) => Err(self.rpc_error(method, &e)),
            Err(_) => Err(AcpError::Timeout {
                method,
                after: REQUEST_TIMEOUT,
                stderr: self.stderr_tail(),
            }),
        }
    }

    fn rpc_error(&self, method: &'static str, e: &agent_client_protocol::Error) -> AcpError {
        let message = match &e.data {
            Some(Value::String(s)) => format!("{} ({s})", e.message),
            Some(data) if !data.is_null() => format!("{} ({data})", e.message),
            _ => e.message.clone(),
        };
        AcpError::Rpc {
            method,
            code: i32::from(e.code),
            message,
            stderr: self.stderr_tail(),
        }
    }

    /// The pipe closed: wait (bounded) for the child to exit and its stderr to
    /// settle, then describe the exit.
    async fn exited(&self, method: &'static str) -> AcpError {
        let Some(child) = &self.child else {
            return AcpError::Exited {
                method,
                status: None,
                stderr: String::new(),
            };
        };
        let tick = Duration::from_millis(20);
        let deadline = tokio::time::Instant::now() + EXIT_WAIT;
        let mut status = None;
        while status.is_none() && tokio::time::Instant::now() < deadline {
            status = child
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .try_exited();
            if status.is_none() {
                tokio::time::sleep(tick).await;
            }
        }
        // The stderr reader may still hold the last lines: take the tail once it
        // stops growing (a few ticks at most, the pipe is closed).
        let mut stderr = self.stderr_tail();
        for _ in 0..10 {
            tokio::time::sleep(tick).await;
            let now = self.stderr_tail();
            if now == stderr {
                break;
            }
            stderr = now;
        }
        AcpError::Exited {
            method,
            status: status.map(|s| s.to_string()),
            stderr,
        }
    }
}

fn is_gone(e: &agent_client_protocol::Error) -> bool {
    agent_client_protocol::is_incoming_transport_closed(e)
        || agent_client_protocol::is_connection_terminated(e)
}

/// Ends the turn however `prompt` is left; if it is left early (the future was
/// dropped) the agent is told to stop too.
struct TurnGuard<'a> {
    conn: &'a Connection,
    session: &'a str,
    seq: u64,
    finished: bool,
}

impl Drop for TurnGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.shared.end_turn(self.session, self.seq);
            let _ = self
                .conn
                .cx
                .send_notification(acp::CancelNotification::new(self.session.to_owned()));
        }
    }
}
