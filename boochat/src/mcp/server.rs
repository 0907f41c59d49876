//! One configured MCP server: its connection, kept up by a supervisor task, and
//! its bounded tool calls.
//!
//! [`Server::supervise`] connects (spawn the command or open the URL, `initialize`,
//! `tools/list`, all within the server's bound but at least 10 s), marks the server ready, waits for
//! the connection to end, marks it failed with the reason (and the last lines the
//! program wrote to stderr), and reconnects after a backoff (1 s doubling to
//! 60 s, back to 1 s after a connection that lasted a minute). Until boochat
//! stops: then it closes the connection and marks the server stopped.
//!
//! A call takes the live [`Peer`] out of the state and runs under the same bound;
//! a call that passes it is dropped (rmcp then tells the server
//! `notifications/cancelled`), returns an error naming the server and the bound,
//! and marks the server hanging until a later call answers.
//!
//! A stdio server runs in its own process group; rmcp kills it (the group) when
//! the connection is dropped, and stopping boochat drops every connection.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boo_shared::config::{McpServerConfig, McpTransportKind, redact_url};
use boo_shared::mcp::{McpServerInfo, McpStatus, McpToolInfo, McpTransport};
use chrono::{DateTime, Utc};
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, Implementation, InitializeRequestParams,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{Peer, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;
use tokio_util::sync::CancellationToken;

use super::convert;

const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A connection that lasted this long resets the backoff.
const STABLE: Duration = Duration::from_secs(60);
/// Connecting (start, `initialize`, `tools/list`) is allowed at least this long,
/// whatever the call bound: a program that loads a runtime first (node) is slow
/// to start on a busy machine.
const CONNECT_MIN: Duration = Duration::from_secs(10);
/// Lines of a stdio server's stderr kept for the failure message.
const STDERR_LINES: usize = 5;

type Client = RunningService<RoleClient, InitializeRequestParams>;

/// One tool as listed by its server.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolEntry {
    /// `mcp__<server>__<tool>`.
    pub model_name: String,
    /// The server's name for it.
    pub tool: String,
    pub description: Option<String>,
    /// Its input JSON Schema.
    pub parameters: Value,
    pub offered: bool,
}

struct State {
    status: McpStatus,
    error: Option<String>,
    last_ok: Option<DateTime<Utc>>,
    tools: Vec<ToolEntry>,
    /// The live connection while ready or hanging.
    peer: Option<Peer<RoleClient>>,
}

/// One server and its connection state.
pub struct Server {
    pub name: String,
    config: McpServerConfig,
    /// Bound of connecting and of each call.
    pub timeout: Duration,
    state: Mutex<State>,
}

impl Server {
    pub fn new(name: String, config: McpServerConfig, timeout: Duration) -> Self {
        Self {
            name,
            config,
            timeout,
            state: Mutex::new(State {
                status: McpStatus::Starting,
                error: None,
                last_ok: None,
                tools: Vec::new(),
                peer: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What `GET /api/mcp` shows of it.
    pub fn info(&self) -> McpServerInfo {
        let state = self.state();
        let (transport, target) = match self.config.transport() {
            McpTransportKind::Stdio => (
                McpTransport::Stdio,
                std::iter::once(self.config.command.clone().unwrap_or_default())
                    .chain(self.config.args.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            McpTransportKind::Http => (
                McpTransport::Http,
                redact_url(self.config.url.as_deref().unwrap_or_default()),
            ),
        };
        McpServerInfo {
            name: self.name.clone(),
            transport,
            target,
            status: state.status,
            error: state.error.clone(),
            last_ok: state.last_ok,
            tools: state
                .tools
                .iter()
                .map(|t| McpToolInfo {
                    name: t.model_name.clone(),
                    tool: t.tool.clone(),
                    description: t.description.clone(),
                    offered: t.offered,
                })
                .collect(),
        }
    }

    /// The tools offered now: none unless connected.
    pub fn offered_tools(&self) -> Vec<ToolEntry> {
        let state = self.state();
        if state.peer.is_none() {
            return Vec::new();
        }
        state.tools.iter().filter(|t| t.offered).cloned().collect()
    }

    /// The server's name of the offered tool the model calls `model_name`.
    pub fn tool_named(&self, model_name: &str) -> Option<String> {
        self.state()
            .tools
            .iter()
            .find(|t| t.offered && t.model_name == model_name)
            .map(|t| t.tool.clone())
    }

    /// Call `tool` within the bound: `Ok(text)`, or `Err(message)` for the model.
    pub async fn call(
        &self,
        tool: &str,
        args: serde_json::Map<String, Value>,
    ) -> Result<String, String> {
        let peer = {
            let state = self.state();
            match &state.peer {
                Some(peer) => peer.clone(),
                None => {
                    let why = state.error.as_deref().unwrap_or("not connected yet");
                    return Err(format!(
                        "MCP server {:?} is not available ({}): {why}",
                        self.name,
                        status_word(state.status)
                    ));
                }
            }
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args);
        match tokio::time::timeout(self.timeout, peer.call_tool(params)).await {
            Err(_) => {
                let message = format!(
                    "MCP server {:?} did not answer {tool} within {} s (its timeout_secs); \
                     the call was cancelled",
                    self.name,
                    self.timeout.as_secs()
                );
                let mut state = self.state();
                if state.peer.is_some() {
                    state.status = McpStatus::Hanging;
                    state.error = Some(message.clone());
                }
                Err(message)
            }
            Ok(Err(e)) => Err(format!("MCP server {:?}: {tool} failed: {e}", self.name)),
            Ok(Ok(result)) => {
                {
                    let mut state = self.state();
                    state.last_ok = Some(Utc::now());
                    if state.status == McpStatus::Hanging {
                        state.status = McpStatus::Ready;
                        state.error = None;
                    }
                }
                convert::result_text(&result)
            }
        }
    }

    fn set(&self, status: McpStatus, error: Option<String>) {
        let mut state = self.state();
        state.status = status;
        state.error = error;
        if status != McpStatus::Ready {
            state.peer = None;
        }
    }

    /// Keep the server connected until `stop` is cancelled.
    pub async fn supervise(self: Arc<Self>, stop: CancellationToken) {
        let mut backoff = BACKOFF_FIRST;
        loop {
            // The last failure stays visible while it retries.
            let last_error = self.state().error.clone();
            self.set(McpStatus::Starting, last_error);
            let stderr = Tail::default();
            let bound = self.timeout.max(CONNECT_MIN);
            let connected = tokio::select! {
                c = tokio::time::timeout(bound, self.connect(&stderr)) => c,
                () = stop.cancelled() => break,
            };
            let error = match connected {
                Err(_) => format!(
                    "did not initialize and list its tools within {} s",
                    bound.as_secs()
                ),
                Ok(Err(e)) => e,
                Ok(Ok((client, tools))) => {
                    let since = Instant::now();
                    {
                        let mut state = self.state();
                        state.status = McpStatus::Ready;
                        state.error = None;
                        state.last_ok = Some(Utc::now());
                        state.tools = tools;
                        state.peer = Some(client.peer().clone());
                    }
                    tracing::info!(server = %self.name, "MCP server ready");
                    let token = client.cancellation_token();
                    let waiting = client.waiting();
                    tokio::pin!(waiting);
                    let quit = tokio::select! {
                        quit = &mut waiting => quit,
                        () = stop.cancelled() => {
                            token.cancel();
                            let _ = tokio::time::timeout(Duration::from_secs(5), waiting).await;
                            break;
                        }
                    };
                    if since.elapsed() >= STABLE {
                        backoff = BACKOFF_FIRST;
                    }
                    match (quit, self.config.transport()) {
                        (Ok(_), McpTransportKind::Stdio) => {
                            "the program ended the connection (it exited or closed its stdout)"
                                .to_owned()
                        }
                        (Ok(_), McpTransportKind::Http) => "the connection closed".to_owned(),
                        (Err(e), _) => format!("the connection task failed: {e}"),
                    }
                }
            };
            let error = stderr.explain(error).await;
            tracing::warn!(server = %self.name, error = %error, retry_in = ?backoff, "MCP server failed");
            self.set(McpStatus::Failed, Some(error));
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = stop.cancelled() => break,
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
        self.set(McpStatus::Stopped, None);
    }

    /// Start the transport, initialize, list the tools.
    async fn connect(&self, stderr: &Tail) -> Result<(Client, Vec<ToolEntry>), String> {
        let info = InitializeRequestParams::new(
            ClientCapabilities::default(),
            Implementation::new("boochat", boo_shared::VERSION),
        );
        let client = match self.config.transport() {
            McpTransportKind::Stdio => {
                let transport = self.spawn(stderr)?;
                info.serve(transport).await
            }
            McpTransportKind::Http => {
                let transport = self.http()?;
                info.serve(transport).await
            }
        }
        .map_err(|e| format!("initialize failed: {e}"))?;
        let tools = client
            .peer()
            .list_all_tools()
            .await
            .map_err(|e| format!("tools/list failed: {e}"))?;
        let allowed = self.config.tools.as_deref();
        let mut entries: Vec<ToolEntry> = Vec::with_capacity(tools.len());
        for tool in tools {
            let model_name = convert::model_name(&self.name, &tool.name);
            if entries.iter().any(|e| e.model_name == model_name) {
                tracing::warn!(server = %self.name, tool = %tool.name, "two tools share the name {model_name}; the later is not offered");
                continue;
            }
            entries.push(ToolEntry {
                offered: convert::offered(&tool, allowed),
                model_name,
                tool: tool.name.to_string(),
                description: tool.description.as_deref().map(str::to_owned),
                parameters: Value::Object(tool.input_schema.as_ref().clone()),
            });
        }
        Ok((client, entries))
    }

    fn spawn(&self, stderr: &Tail) -> Result<TokioChildProcess, String> {
        let program = self.config.command.as_deref().unwrap_or_default();
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&self.config.args)
            .envs(self.config.env.iter().map(|(k, v)| (k, v.expose())));
        if let Some(cwd) = &self.config.cwd {
            cmd.current_dir(cwd);
        }
        // Its own process group, so the kill when the connection is dropped
        // (rmcp kills the child then) reaches what it started too (`npx`, a shell).
        let mut cmd = process_wrap::tokio::CommandWrap::from(cmd);
        cmd.wrap(process_wrap::tokio::ProcessGroup::leader());
        let (child, err) = TokioChildProcess::builder(cmd)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {program:?}: {e}"))?;
        if let Some(err) = err {
            let reader = tokio::spawn(stderr.clone().read(self.name.clone(), err));
            *stderr.reader.lock().unwrap_or_else(|e| e.into_inner()) = Some(reader);
        }
        Ok(child)
    }

    fn http(&self) -> Result<StreamableHttpClientTransport<reqwest::Client>, String> {
        use reqwest::header::{HeaderName, HeaderValue};
        let mut headers = std::collections::HashMap::new();
        for (name, value) in &self.config.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header {name:?}: {e}"))?;
            let value =
                HeaderValue::from_str(value.expose()).map_err(|e| format!("header {name}: {e}"))?;
            headers.insert(name, value);
        }
        let url = self.config.url.clone().unwrap_or_default();
        Ok(StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(url).custom_headers(headers),
        ))
    }
}

fn status_word(status: McpStatus) -> &'static str {
    match status {
        McpStatus::Starting => "starting",
        McpStatus::Ready => "ready",
        McpStatus::Hanging => "hanging",
        McpStatus::Failed => "failed",
        McpStatus::Stopped => "stopped",
    }
}

/// How long a failure waits for a stdio server's last stderr lines.
const STDERR_DRAIN: Duration = Duration::from_secs(1);

/// The last lines a stdio server wrote to stderr (each also logged at debug).
#[derive(Clone, Default)]
struct Tail {
    lines: Arc<Mutex<VecDeque<String>>>,
    /// The task reading them; it ends when the program closes stderr (exits).
    reader: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Tail {
    async fn read(self, server: String, stderr: tokio::process::ChildStderr) {
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::debug!(server = %server, "stderr: {line}");
            let mut tail = self.lines.lock().unwrap_or_else(|e| e.into_inner());
            if tail.len() == STDERR_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }

    /// `error`, followed by what the program last said, if anything (waiting a
    /// moment for a program that is exiting to finish writing).
    async fn explain(&self, error: String) -> String {
        let reader = self.reader.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(reader) = reader {
            let _ = tokio::time::timeout(STDERR_DRAIN, reader).await;
        }
        let tail = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if tail.is_empty() {
            error
        } else {
            let said: Vec<&str> = tail.iter().map(String::as_str).collect();
            format!("{error}; its stderr ends: {}", said.join(" | "))
        }
    }
}
