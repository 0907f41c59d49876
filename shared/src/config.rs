//! Settings for all three daemons, in one file with one section per area.
//!
//! Layering, lowest first: built-in defaults → the TOML file named by `BOO_CONFIG`
//! → environment variables `BOO_<SECTION>__<KEY>` (`__` nests). Unknown keys in the
//! file are an error, so a typo never silently falls back to a default.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::netguard::AllowRule;

mod mcp;
mod sandbox;
pub use mcp::{McpConfig, McpServerConfig, McpTransportKind};
pub use sandbox::{SandboxConfig, SandboxMode, SandboxPaths};

/// Env var naming the TOML config file.
pub const CONFIG_ENV: &str = "BOO_CONFIG";

/// Top-level sections; only env vars under these are read, so unrelated `BOO_*`
/// variables (scripts use a few) never break config loading.
const SECTIONS: &[&str] = &[
    "database",
    "auth",
    "grpc",
    "llm",
    "chat",
    "coder",
    "term",
    "log",
    "shutdown_grace_secs",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} (from BOO_CONFIG) does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("{0}")]
    Rejected(String),
}

/// A string that never shows up in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub grpc: GrpcConfig,
    pub llm: LlmConfig,
    pub chat: ChatConfig,
    pub coder: CoderConfig,
    pub term: TermConfig,
    pub log: LogConfig,
    /// Seconds a stopping daemon waits for in-flight requests and turns.
    pub shutdown_grace_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            grpc: GrpcConfig::default(),
            llm: LlmConfig::default(),
            chat: ChatConfig::default(),
            coder: CoderConfig::default(),
            term: TermConfig::default(),
            log: LogConfig::default(),
            shutdown_grace_secs: 10,
        }
    }
}

#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Postgres URL. May carry a password, so `Debug` hides everything after the scheme.
    pub url: String,
    pub max_connections: u32,
    /// How long start-up keeps retrying an unreachable database before giving up.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "postgres://boochat@127.0.0.1:5432/boochat".into(),
            max_connections: 10,
            connect_timeout_secs: 30,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .finish()
    }
}

/// `postgres://user:pw@host/db` → `postgres://user:[redacted]@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[redacted]".into();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:[redacted]@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Trust `Remote-*` headers set by Authelia via Caddy's `forward_auth`.
    Authelia,
    /// No authentication; only allowed when every listener is loopback.
    None,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// TCP peers whose `Remote-*` headers are believed: Caddy, when it proxies
    /// over TCP. Empty by default: a loopback port is open to every local process,
    /// so production serves HTTP on the systemd socket, where they are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The origin browsers load BooCode from (`https://boo.example.com`); WebSocket
    /// upgrades from any other origin are refused. Unset: the request's own Host.
    /// When set, its host is also an allowed `Host` (see [`crate::auth::check_host`]).
    pub public_origin: Option<String>,
    /// `Host` values answered besides loopback names (`host` = any port, or
    /// `host:port`): with `mode = "none"` everything else is 403 (DNS rebinding).
    pub allowed_hosts: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::Authelia,
            trusted_proxies: Vec::new(),
            public_origin: None,
            allowed_hosts: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcConfig {
    /// When set, every gRPC call but health checks needs `authorization: Bearer <token>`;
    /// peers send it too.
    pub token: Option<Secret>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// OpenAI-compatible base URL (llama-server / llama-swap), ending in `/v1`.
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub default_model: Option<String>,
    /// Connecting to the model server.
    pub connect_timeout_secs: u64,
    /// Longest silence allowed inside a stream (prompt processing of a long context
    /// included) before the turn fails.
    pub idle_timeout_secs: u64,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080/v1".into(),
            api_key: None,
            default_model: None,
            connect_timeout_secs: 10,
            idle_timeout_secs: 300,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChatConfig {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    /// Absolute directories boochat's read-only tools may read.
    pub project_roots: Vec<PathBuf>,
    /// The agents registry (AGENTS.md); reloaded when it changes. Unset: no agents.
    pub agents_file: Option<PathBuf>,
    /// SearXNG-compatible search endpoint for `web_search`. Unset: the tool says so.
    pub web_search_url: Option<String>,
    /// Tool calls allowed per turn unless an agent sets `max_tool_calls`.
    pub max_tool_calls: u32,
    /// Tool output the model sees per call; the rest is paged with view_truncated_output.
    pub tool_output_bytes: usize,
    /// Hosts `web_fetch` may reach although their addresses are not public (LAN
    /// docs): addresses, CIDRs, `addr:port`, host names, `*.domain`, optionally `:port`.
    pub web_fetch_allow: Vec<AllowRule>,
    /// Longest a `glob` or `grep` walk runs before it stops and says so.
    pub tool_walk_timeout_secs: u64,
    /// Name untitled chats and sessions from their first exchange (CHAT-9).
    pub auto_name: bool,
    /// The task model: the model (on `llm.base_url`) asked for titles. Unset: the
    /// chat's own model.
    pub task_model: Option<String>,
    /// Longest the namer waits for the task model; then the title stays unset.
    /// At least 1.
    pub auto_name_timeout_secs: u64,
    /// MCP servers whose read-only tools the model is offered (CHAT-10).
    pub mcp: McpConfig,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            http_addr: loopback(9500),
            grpc_addr: loopback(9510),
            project_roots: Vec::new(),
            agents_file: None,
            web_search_url: None,
            max_tool_calls: 100,
            tool_output_bytes: 16 * 1024,
            web_fetch_allow: Vec::new(),
            tool_walk_timeout_secs: 10,
            auto_name: true,
            task_model: None,
            auto_name_timeout_secs: 20,
            mcp: McpConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CoderConfig {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    /// Where per-session git worktrees live.
    pub worktree_root: PathBuf,
    /// Overrides for the built-in agent providers and custom ACP providers (TOML).
    pub providers_file: Option<PathBuf>,
    /// How long a provider probe result stays fresh.
    pub probe_ttl_secs: u64,
    /// Turns running at once across all sessions (one per session at most).
    pub max_concurrent_tasks: usize,
    /// A warm agent process idle this long is stopped (its session resumes later).
    pub idle_ttl_secs: u64,
    /// An agent's first turn in a chat carries the chat's earlier turns (by the
    /// chat model or other agents), at most this many bytes of them (newest kept).
    pub join_history_bytes: usize,
    /// Warm agent processes alive at once; starting one more stops the least
    /// recently used idle one (never one running a turn). At least 1.
    pub max_warm_agents: usize,
    /// How often the reaper runs (it also runs at start): orphan worktrees, stray
    /// worktree directories and branches, agent rows claiming a child nobody holds.
    pub reaper_interval_secs: u64,
    /// How often each opencode server is health-checked; one that fails twice in
    /// a row while no turn runs on it is restarted. At least 1.
    pub opencode_health_secs: u64,
    /// How agent processes are confined (bubblewrap by default).
    pub sandbox: SandboxConfig,
}

impl Default for CoderConfig {
    fn default() -> Self {
        Self {
            http_addr: loopback(9502),
            grpc_addr: loopback(9512),
            worktree_root: PathBuf::from("/var/lib/boocode/worktrees"),
            providers_file: None,
            probe_ttl_secs: 600,
            max_concurrent_tasks: 4,
            idle_ttl_secs: 1800,
            join_history_bytes: 24 * 1024,
            max_warm_agents: 8,
            reaper_interval_secs: 600,
            opencode_health_secs: 15,
            sandbox: SandboxConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TermConfig {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    /// Shell started in each new tmux session (as a login shell).
    pub shell: String,
    /// booterm's private tmux server socket. Unset: `${TMUX_TMPDIR:-/tmp}/tmux-<uid>/booterm`
    /// (where `tmux -L booterm` puts it, so `tmux -L booterm ls` shows the panes).
    pub tmux_socket: Option<PathBuf>,
    /// Where terminals start when a request names no `cwd`. Unset: `$HOME`.
    pub default_cwd: Option<PathBuf>,
    /// Scrollback lines tmux keeps per pane (`history-limit`).
    pub history_lines: u32,
    /// Scrollback lines a browser receives (before the screen) when it attaches.
    pub attach_scrollback_lines: u32,
    /// SSH-out target (`user@host`, or a `Host` of ~/.ssh/config) that
    /// `command: "ssh"` terminals connect to. Unset: such terminals are refused.
    pub ssh_target: Option<String>,
    /// Extra `ssh` arguments placed before the target (`["-p", "2222"]`).
    pub ssh_options: Vec<String>,
    /// Days an exited terminal (its row and kept last screen) is kept before the
    /// periodic reconcile deletes it; 0 keeps them forever.
    pub exited_retention_days: u32,
}

impl Default for TermConfig {
    fn default() -> Self {
        Self {
            http_addr: loopback(9501),
            grpc_addr: loopback(9511),
            shell: "/bin/bash".into(),
            tmux_socket: None,
            default_cwd: None,
            history_lines: 50_000,
            attach_scrollback_lines: 1000,
            ssh_target: None,
            ssh_options: Vec::new(),
            exited_retention_days: 30,
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON under systemd (`JOURNAL_STREAM` set) or when stderr is not a terminal.
    Auto,
    Pretty,
    Json,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// Default filter directive; `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            level: "info".into(),
        }
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Which daemon is running; picks its listeners out of [`Settings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DaemonKind {
    Chat,
    Term,
    Coder,
}

impl DaemonKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Chat => "boochat",
            Self::Term => "booterm",
            Self::Coder => "boocoder",
        }
    }

    /// The config section of its listeners (`chat`, `term`, `coder`).
    pub fn section(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Term => "term",
            Self::Coder => "coder",
        }
    }
}

impl Settings {
    /// Defaults → `BOO_CONFIG` TOML → `BOO_*` env.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        Self::figment(file.as_deref())?
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    /// The layered provider; separate so tests can inspect it.
    pub fn figment(file: Option<&std::path::Path>) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile(path.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = Env::prefixed("BOO_").split("__").filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or_default();
            SECTIONS.iter().any(|s| s.eq_ignore_ascii_case(top))
        });
        Ok(figment.merge(env))
    }

    /// The (HTTP, gRPC) listen addresses of one daemon.
    pub fn listeners(&self, kind: DaemonKind) -> (SocketAddr, SocketAddr) {
        match kind {
            DaemonKind::Chat => (self.chat.http_addr, self.chat.grpc_addr),
            DaemonKind::Term => (self.term.http_addr, self.term.grpc_addr),
            DaemonKind::Coder => (self.coder.http_addr, self.coder.grpc_addr),
        }
    }

    /// Every daemon's HTTP and gRPC listen addresses (what `web_fetch` never reaches).
    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        [DaemonKind::Chat, DaemonKind::Term, DaemonKind::Coder]
            .into_iter()
            .flat_map(|kind| {
                let (http, grpc) = self.listeners(kind);
                [http, grpc]
            })
            .collect()
    }

    /// Checks that only make sense for the daemon about to start.
    pub fn validate_for(&self, kind: DaemonKind) -> Result<(), ConfigError> {
        if self.auth.mode == AuthMode::None {
            let (http, grpc) = self.listeners(kind);
            let section = kind.section();
            for (key, addr) in [("http_addr", http), ("grpc_addr", grpc)] {
                if !addr.ip().is_loopback() {
                    return Err(ConfigError::Rejected(format!(
                        "auth.mode = \"none\" is only allowed when every listener is loopback, \
                         but {section}.{key} is {addr}; bind it to 127.0.0.1 or set \
                         auth.mode = \"authelia\""
                    )));
                }
            }
        }
        if let Some(origin) = &self.auth.public_origin {
            crate::auth::parse_origin(origin).map_err(|why| {
                ConfigError::Rejected(format!("auth.public_origin {origin:?} is invalid: {why}"))
            })?;
        }
        for host in &self.auth.allowed_hosts {
            crate::auth::HostPattern::parse(host).map_err(|why| {
                ConfigError::Rejected(format!(
                    "auth.allowed_hosts entry {host:?} is invalid: {why}"
                ))
            })?;
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Rejected(
                "database.max_connections must be at least 1".into(),
            ));
        }
        if kind == DaemonKind::Chat && self.chat.auto_name_timeout_secs == 0 {
            return Err(ConfigError::Rejected(
                "chat.auto_name_timeout_secs must be at least 1".into(),
            ));
        }
        if kind == DaemonKind::Coder && self.coder.max_warm_agents == 0 {
            return Err(ConfigError::Rejected(
                "coder.max_warm_agents must be at least 1".into(),
            ));
        }
        if kind == DaemonKind::Coder && self.coder.reaper_interval_secs == 0 {
            return Err(ConfigError::Rejected(
                "coder.reaper_interval_secs must be at least 1".into(),
            ));
        }
        if kind == DaemonKind::Coder && self.coder.opencode_health_secs == 0 {
            return Err(ConfigError::Rejected(
                "coder.opencode_health_secs must be at least 1".into(),
            ));
        }
        if kind == DaemonKind::Chat
            && let Some(problem) = self.chat.mcp.problem()
        {
            return Err(ConfigError::Rejected(problem));
        }
        if kind == DaemonKind::Coder
            && let Some(problem) = self.coder.sandbox.problem()
        {
            return Err(ConfigError::Rejected(problem));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
