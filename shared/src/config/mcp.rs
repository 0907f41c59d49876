//! `[chat.mcp]`: the MCP servers boochat connects to (CHAT-10) and the bound on
//! every exchange with them.
//!
//! Each server is a table under `chat.mcp.servers`, keyed by its name, reached
//! either by a stdio `command` (with `args`, `env`, `cwd`) or by a streamable HTTP
//! `url` (with `headers`). Env values and headers are [`Secret`]s: they often carry
//! tokens and never show in logs. The name becomes part of the tool names the
//! model sees (`mcp__<name>__<tool>`), so it is restricted to the model's tool-name
//! charset; [`McpConfig::problem`] says what is wrong with a server table.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

/// `[chat.mcp]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct McpConfig {
    /// Longest one exchange with a server may take (connecting and listing its
    /// tools, one tool call), unless the server sets its own `timeout_secs`.
    pub timeout_secs: u64,
    /// The servers, by name.
    pub servers: BTreeMap<String, McpServerConfig>,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 30,
            servers: BTreeMap::new(),
        }
    }
}

/// One `[chat.mcp.servers.<name>]` table: `command` or `url`, never both.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct McpServerConfig {
    /// Program started with the server on its stdin/stdout (looked up on `PATH`).
    pub command: Option<String>,
    pub args: Vec<String>,
    /// Variables added to boochat's environment for the program.
    pub env: BTreeMap<String, Secret>,
    /// Working directory of the program (default: boochat's).
    pub cwd: Option<PathBuf>,
    /// Streamable HTTP endpoint (`http://host:port/mcp`).
    pub url: Option<String>,
    /// Headers sent with every HTTP request (`Authorization = "Bearer …"`).
    pub headers: BTreeMap<String, Secret>,
    /// The server's tools offered to the model: boochat is a read-only client, so
    /// when unset only the tools the server marks `readOnlyHint: true` are
    /// offered; listing tools here vouches that they are read-only.
    pub tools: Option<Vec<String>>,
    /// Overrides `chat.mcp.timeout_secs` for this server.
    pub timeout_secs: Option<u64>,
}

/// How a server is reached, from its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum McpTransportKind {
    Stdio,
    Http,
}

impl McpServerConfig {
    /// Stdio when `command` is set, else HTTP (validation makes it exactly one).
    pub fn transport(&self) -> McpTransportKind {
        if self.command.is_some() {
            McpTransportKind::Stdio
        } else {
            McpTransportKind::Http
        }
    }
}

impl McpConfig {
    /// The bound of one exchange with server `name`'s config.
    pub fn timeout_for(&self, server: &McpServerConfig) -> std::time::Duration {
        std::time::Duration::from_secs(server.timeout_secs.unwrap_or(self.timeout_secs))
    }

    /// What makes this section unusable, if anything (`None`: fine).
    pub fn problem(&self) -> Option<String> {
        if self.timeout_secs == 0 {
            return Some("chat.mcp.timeout_secs must be at least 1".into());
        }
        self.servers
            .iter()
            .find_map(|(name, server)| server_problem(name, server))
    }
}

/// A server name the tool names can carry: `[A-Za-z0-9_-]`, at most 32 long,
/// without `__` (the separator in `mcp__<server>__<tool>`).
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 32 {
        return Some("must be 1 to 32 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Some("may only contain letters, digits, `_` and `-`");
    }
    if name.contains("__") {
        return Some("must not contain `__`");
    }
    None
}

fn server_problem(name: &str, server: &McpServerConfig) -> Option<String> {
    let key = format!("chat.mcp.servers.{name}");
    if let Some(why) = name_problem(name) {
        return Some(format!("{key}: the server name {name:?} {why}"));
    }
    match (&server.command, &server.url) {
        (Some(_), Some(_)) => {
            return Some(format!("{key}: set either `command` or `url`, not both"));
        }
        (None, None) => {
            return Some(format!(
                "{key}: set `command` (a stdio server) or `url` (streamable HTTP)"
            ));
        }
        (Some(command), None) if command.trim().is_empty() => {
            return Some(format!("{key}.command must not be empty"));
        }
        (Some(_), None) => {
            if !server.headers.is_empty() {
                return Some(format!("{key}.headers only apply to a `url` server"));
            }
        }
        (None, Some(url)) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Some(format!(
                    "{key}.url must be an http:// or https:// URL, got {url:?}"
                ));
            }
            if !server.args.is_empty() || !server.env.is_empty() || server.cwd.is_some() {
                return Some(format!(
                    "{key}: `args`, `env` and `cwd` only apply to a `command` server"
                ));
            }
            if let Some(bad) = server
                .headers
                .keys()
                .find(|h| http::HeaderName::from_bytes(h.as_bytes()).is_err())
            {
                return Some(format!("{key}.headers: {bad:?} is not a header name"));
            }
        }
    }
    if server.timeout_secs == Some(0) {
        return Some(format!("{key}.timeout_secs must be at least 1"));
    }
    None
}

#[cfg(test)]
mod tests;
