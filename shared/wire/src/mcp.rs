//! `GET /api/mcp`: the MCP servers boochat is configured with (CHAT-10), how each
//! is doing, and the tools it offers the model.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `GET /api/mcp`: every configured server, in name order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpInfo {
    pub servers: Vec<McpServerInfo>,
}

/// How boochat reaches a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum McpTransport {
    /// A child process speaking on its stdin/stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
}

/// Where a server's connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum McpStatus {
    /// Connecting, initializing, listing tools (also after a restart).
    Starting,
    /// Connected; its tools are offered.
    Ready,
    /// Connected, but its last call did not answer within the bound (`error`
    /// says which); its tools are still offered, each call bounded.
    Hanging,
    /// Could not start or died (`error` says why); retried with backoff, its
    /// tools are not offered meanwhile.
    Failed,
    /// boochat is shutting down.
    Stopped,
}

/// One server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpServerInfo {
    /// The key of its `[chat.mcp.servers.<name>]` table.
    pub name: String,
    pub transport: McpTransport,
    /// The command line (stdio) or URL (HTTP); never headers or env values.
    pub target: String,
    pub status: McpStatus,
    /// Why it failed or hangs; `None` when ready.
    pub error: Option<String>,
    /// The last time it answered (connected, listed, or answered a call).
    pub last_ok: Option<DateTime<Utc>>,
    /// Its tools as last listed (empty until it was ready once).
    pub tools: Vec<McpToolInfo>,
}

/// One tool of a server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpToolInfo {
    /// The name the model calls it by: `mcp__<server>__<tool>`.
    pub name: String,
    /// The server's own name for it.
    pub tool: String,
    pub description: Option<String>,
    /// Offered to the model: read-only by the server's annotation or the
    /// server's `tools` list in the config.
    pub offered: bool,
}
