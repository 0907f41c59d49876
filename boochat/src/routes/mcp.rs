//! `GET /api/mcp`: the configured MCP servers, their status and tools (CHAT-10).

use axum::extract::State;
use boo_shared::error::Json;
use boo_shared::mcp::McpInfo;

use super::AppState;

/// Every configured MCP server in name order: transport, status (starting,
/// ready, hanging, failed, stopped), the last error, when it last answered, and
/// its tools (which of them the model is offered).
#[utoipa::path(get, path = "/api/mcp", tag = "meta",
    responses((status = 200, description = "The MCP servers", body = McpInfo)))]
pub async fn list(State(s): State<AppState>) -> Json<McpInfo> {
    Json(s.engine.kit.mcp.info())
}
