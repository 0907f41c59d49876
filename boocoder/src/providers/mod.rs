//! Providers (CODER-4): which ACP agents boocoder can run, and whether they work.
//!
//! - [`builtin`]: the built-in definitions (boocode, opencode, goose, qwen, claude).
//! - [`config`]: the providers file (TOML) that overrides built-ins by id or adds
//!   custom ACP providers.
//! - [`probe`]: binary on PATH → `--version` → ACP `initialize` + `session/new`
//!   (through an [`AcpProber`]).
//! - [`store`]: the `available_agents` rows that cache probe results across restarts.
//! - [`snapshot`]: [`Providers`], the service behind the HTTP routes: a snapshot that
//!   never waits for a probe, refresh, diagnostics, launch specs.
//! - [`wire`]: the JSON shapes served to the browser.

pub mod builtin;
pub mod config;
mod diagnostic;
pub mod probe;
pub mod snapshot;
pub mod store;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::process;

pub use boo_shared::providers::{
    CommandInfo, ConfigStatus, ModeInfo, ModelInfo, ProviderDiagnostic, ProviderEntry,
    ProviderKind, ProviderState, ProvidersSnapshot, Transport,
};
pub use config::{ConfigError, Registry};
pub use snapshot::{ProbeOptions, Providers, ProvidersError};

/// How the output of a CLI run in a PTY becomes a turn's events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PtyParser {
    /// Claude Code's `--output-format stream-json` lines.
    #[default]
    StreamJson,
    /// The terminal output, as the turn's text.
    Raw,
}

impl PtyParser {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StreamJson => "stream-json",
            Self::Raw => "raw",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::StreamJson, Self::Raw]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// One provider after the providers file was merged over the built-ins.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderDef {
    /// Stable id (`available_agents.name`, `tasks.agent`).
    pub id: String,
    pub display_name: String,
    pub kind: ProviderKind,
    pub transport: Transport,
    /// How a [`Transport::Pty`] provider's output is read.
    pub parser: PtyParser,
    /// A bare name looked up in [`Self::search_dirs`] then `PATH`, or an absolute path.
    pub command: String,
    pub args: Vec<String>,
    /// Set on top of boocoder's environment. Values may be secrets: never logged
    /// or served, only the keys.
    pub env: BTreeMap<String, String>,
    pub enabled: bool,
    /// Models from the providers file; `None` = whatever the agent reports.
    pub models: Option<Vec<ModelInfo>>,
    /// Directories searched before `PATH` for a bare command (boocode: the
    /// directory of boocoder's own executable).
    pub search_dirs: Vec<PathBuf>,
}

impl ProviderDef {
    /// `command arg1 arg2`, as configured.
    pub fn command_line(&self) -> String {
        std::iter::once(self.command.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn env_keys(&self) -> Vec<String> {
        self.env.keys().cloned().collect()
    }

    /// What the cached probe result depends on; a change makes it stale.
    fn fingerprint(&self) -> (Transport, &str, &[String]) {
        (self.transport, &self.command, &self.args)
    }
}

impl fmt::Debug for ProviderDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderDef")
            .field("id", &self.id)
            .field("display_name", &self.display_name)
            .field("kind", &self.kind)
            .field("transport", &self.transport)
            .field("command", &self.command)
            .field("args", &self.args)
            .field("env_keys", &self.env_keys())
            .field("enabled", &self.enabled)
            .field("models", &self.models)
            .field("search_dirs", &self.search_dirs)
            .finish()
    }
}

/// What the ACP step of a probe learned (`initialize` + `session/new`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbeFacts {
    /// `agentInfo` from `initialize`, when the agent sends it.
    pub agent_name: Option<String>,
    pub agent_version: Option<String>,
    pub protocol_version: Option<u16>,
    pub modes: Vec<ModeInfo>,
    pub current_mode: Option<String>,
    pub models: Vec<ModelInfo>,
    pub current_model: Option<String>,
    /// `configOptions` of the new session, as the agent sent them.
    pub config_options: Vec<serde_json::Value>,
    /// Slash commands (`available_commands_update`) seen during the probe.
    pub commands: Vec<CommandInfo>,
}

/// Why the ACP step failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcpProbeFailure {
    pub message: String,
    /// The agent's stderr tail ([`process::Child::stderr_tail`]).
    pub stderr_tail: String,
    /// The child's exit status if it had exited, e.g. `exit status: 1`.
    pub exit_status: Option<String>,
}

impl From<String> for AcpProbeFailure {
    fn from(message: String) -> Self {
        Self {
            message,
            ..Self::default()
        }
    }
}

/// The ACP step of a probe: start `spec`, `initialize`, `session/new` in `cwd`,
/// report what the agent offers, stop the child. Implemented over
/// `crate::acp::Connection`; tests use fakes. The caller bounds it with a timeout
/// and drops the future when it expires, so the child must die on drop
/// ([`process::Child`] does).
#[async_trait::async_trait]
pub trait AcpProber: Send + Sync {
    async fn probe(&self, spec: &process::Spec, cwd: &Path) -> Result<ProbeFacts, AcpProbeFailure>;
}

#[cfg(test)]
mod tests;
