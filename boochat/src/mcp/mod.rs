//! CHAT-10: boochat as an MCP client of read-only tools, through the official
//! Rust SDK (`rmcp`).
//!
//! The servers come from `[chat.mcp.servers.<name>]` (a stdio command or a
//! streamable HTTP URL). [`Mcp::start`] gives each a supervisor task at daemon
//! start ([`server::Server::supervise`]): connecting never holds up start-up or a
//! turn, and a server that dies is reconnected with backoff. While a server is
//! connected, its offered tools (read-only by its own annotation, or listed in
//! its `tools` key) join the built-in ones in the model's `tools` array as
//! `mcp__<server>__<tool>` ([`convert::model_name`]), filtered by the agent's
//! whitelist like every tool. Each call is bounded by the server's timeout, and
//! its text passes through the same output cap as the built-in tools'.
//! [`Mcp::info`] is `GET /api/mcp`.

pub mod convert;
pub mod server;

use std::sync::Arc;

use boo_shared::config::McpConfig;
use boo_shared::mcp::McpInfo;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::tools::{ToolError, ToolOutput, openai_spec};

pub use convert::PREFIX;
pub use server::Server;

/// Every configured MCP server.
pub struct Mcp {
    servers: Vec<Arc<Server>>,
}

impl Mcp {
    /// The servers of `config`, not started (status `starting`; no tools).
    pub fn new(config: &McpConfig) -> Self {
        Self {
            servers: config
                .servers
                .iter()
                .map(|(name, server)| {
                    Arc::new(Server::new(
                        name.clone(),
                        server.clone(),
                        config.timeout_for(server),
                    ))
                })
                .collect(),
        }
    }

    /// Connect every server in the background, each until `stop` is cancelled.
    pub fn start(&self, stop: &CancellationToken) {
        for server in &self.servers {
            tokio::spawn(Arc::clone(server).supervise(stop.child_token()));
        }
    }

    /// `GET /api/mcp`.
    pub fn info(&self) -> McpInfo {
        McpInfo {
            servers: self.servers.iter().map(|s| s.info()).collect(),
        }
    }

    /// OpenAI `tools` entries of the connected servers' offered tools that
    /// `allows` lets through, in server then listing order.
    pub fn openai_specs(&self, allows: impl Fn(&str) -> bool) -> Vec<Value> {
        self.servers
            .iter()
            .flat_map(|s| s.offered_tools())
            .filter(|t| allows(&t.model_name))
            .map(|t| {
                let description = t.description.as_deref().unwrap_or(&t.tool);
                openai_spec(&t.model_name, description, t.parameters)
            })
            .collect()
    }

    /// Whether the model's tool `name` is an MCP tool (by its prefix; it may
    /// belong to a server that is down).
    pub fn handles(name: &str) -> bool {
        name.starts_with(PREFIX)
    }

    /// Run the MCP tool `name`: the server's answer as an untruncated output
    /// (the caller cuts it like any tool's), or the error the model reads.
    pub async fn call(&self, name: &str, args: Value) -> Result<ToolOutput, ToolError> {
        let args = match args {
            Value::Null => serde_json::Map::new(),
            Value::Object(map) => map,
            other => {
                return Err(ToolError::InvalidArguments(format!(
                    "arguments of {name} must be a JSON object, got {other}"
                )));
            }
        };
        let Some((server, tool)) = self
            .servers
            .iter()
            .find_map(|s| s.tool_named(name).map(|t| (s, t)))
        else {
            return Err(ToolError::Failed(format!(
                "no connected MCP server offers the tool {name:?}"
            )));
        };
        server
            .call(&tool, args)
            .await
            .map(ToolOutput::text)
            .map_err(ToolError::Failed)
    }
}

#[cfg(test)]
mod tests;
