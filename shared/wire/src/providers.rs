//! JSON shapes of `GET /api/providers/snapshot` and `GET /api/providers/{id}/diagnostic`.
//! Plain data served by boocoder; the browser gets them as generated TypeScript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Builtin,
    Custom,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::Custom => "custom",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// An ACP agent as a child process (stdio JSON-RPC).
    Acp,
    /// `opencode serve`: one warm HTTP server, a session per chat.
    OpencodeServer,
    /// A CLI without ACP in a pseudo-terminal, its output parsed.
    Pty,
}

impl Transport {
    pub const ALL: [Self; 3] = [Self::Acp, Self::OpencodeServer, Self::Pty];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acp => "acp",
            Self::OpencodeServer => "opencode_server",
            Self::Pty => "pty",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A provider's lifecycle state in the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderState {
    /// Never probed (or its definition changed) and a probe is running.
    Loading,
    /// Binary found and ACP `initialize` + `session/new` succeeded.
    Ready,
    /// The binary is not installed (not found, not executable).
    Unavailable,
    /// The binary exists but the probe failed (ACP error, timeout, crash).
    Error,
    /// `enabled = false` in the providers file; never probed.
    Disabled,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(rename = "AgentModeInfo")]
pub struct ModeInfo {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[ts(rename = "AgentModelInfo")]
pub struct ModelInfo {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A slash command the agent advertises.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandInfo {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Hint for the command's unstructured input, if it takes any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_hint: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderEntry {
    pub id: String,
    pub display_name: String,
    pub kind: ProviderKind,
    pub transport: Transport,
    pub enabled: bool,
    pub state: ProviderState,
    /// A probe is running now (the state shown is the previous result, or `loading`).
    pub probing: bool,
    /// The cached result is older than the TTL (a background probe was started).
    pub stale: bool,
    pub command: String,
    pub args: Vec<String>,
    /// Names of the variables the provider sets; values are never served.
    pub env_keys: Vec<String>,
    pub install_path: Option<String>,
    pub version: Option<String>,
    pub modes: Vec<ModeInfo>,
    pub current_mode: Option<String>,
    /// The providers file's list when it has one, else what the agent reported.
    pub models: Vec<ModelInfo>,
    pub current_model: Option<String>,
    #[ts(type = "unknown[]")]
    pub config_options: Vec<serde_json::Value>,
    pub commands: Vec<CommandInfo>,
    /// Why the last probe failed (state `unavailable` / `error`).
    pub error: Option<String>,
    pub probed_at: Option<DateTime<Utc>>,
    pub probe_ms: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigStatus {
    /// The providers file, when one is configured.
    pub path: Option<String>,
    /// It existed and was read (errors may still have skipped entries).
    pub loaded: bool,
    /// Each names the provider and key it is about; the entry was skipped.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvidersSnapshot {
    pub providers: Vec<ProviderEntry>,
    pub config: ConfigStatus,
    pub generated_at: DateTime<Utc>,
}

/// `GET /api/sandbox` (boocoder): how agent processes are confined on this host
/// (`coder.sandbox`; the workspace shows a banner unless `confined`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxStatus {
    /// `bwrap` or `off`.
    pub mode: String,
    /// The mode is `bwrap` and a trial `bwrap … true` succeeded.
    pub confined: bool,
    /// One line: works, broken (and why), or off.
    pub summary: String,
}

/// Why a provider is (un)available, step by step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderDiagnostic {
    pub id: String,
    pub state: ProviderState,
    pub enabled: bool,
    pub probing: bool,
    /// One sentence: the reason for the state.
    pub summary: String,
    /// As configured: `command arg…`.
    pub command_line: String,
    /// Where the command resolves now (absolute path), if it does.
    pub resolved_command: Option<String>,
    /// Directories searched for a bare command, in order (extra dirs, then PATH).
    pub path_searched: Vec<String>,
    pub env_keys: Vec<String>,
    pub version: Option<String>,
    /// Exit status of `--version`, e.g. `exit status: 0`.
    pub version_exit: Option<String>,
    /// Exit status of the failing step's process, when it exited.
    pub exit_status: Option<String>,
    pub stderr_tail: Option<String>,
    pub probe_error: Option<String>,
    pub probe_started_at: Option<DateTime<Utc>>,
    pub probed_at: Option<DateTime<Utc>>,
    pub probe_ms: Option<u32>,
    /// When the cached result goes stale.
    pub stale_after: Option<DateTime<Utc>>,
    /// Whether agents are confined on this host (`coder.sandbox`): bwrap works,
    /// is broken (and why), or the sandbox is off.
    pub sandbox: String,
    /// What a probe of this provider sees inside the sandbox (its worktree is the
    /// probe dir; a session's is its worktree), one mount a line; empty when off.
    pub sandbox_binds: Vec<String>,
    /// All of the above as plain text, for a `<pre>` block.
    pub report: String,
}
