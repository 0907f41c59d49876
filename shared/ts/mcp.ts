// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * `GET /api/mcp`: every configured server, in name order.
 */
export type McpInfo = { servers: Array<McpServerInfo>, };

/**
 * How boochat reaches a server.
 */
export type McpTransport = "stdio" | "http";

/**
 * Where a server's connection stands.
 */
export type McpStatus = "starting" | "ready" | "hanging" | "failed" | "stopped";

/**
 * One server.
 */
export type McpServerInfo = { 
/**
 * The key of its `[chat.mcp.servers.<name>]` table.
 */
name: string, transport: McpTransport, 
/**
 * The command line (stdio) or URL (HTTP); never headers or env values.
 */
target: string, status: McpStatus, 
/**
 * Why it failed or hangs; `None` when ready.
 */
error: string | null, 
/**
 * The last time it answered (connected, listed, or answered a call).
 */
last_ok: string | null, 
/**
 * Its tools as last listed (empty until it was ready once).
 */
tools: Array<McpToolInfo>, };

/**
 * One tool of a server.
 */
export type McpToolInfo = { 
/**
 * The name the model calls it by: `mcp__<server>__<tool>`.
 */
name: string, 
/**
 * The server's own name for it.
 */
tool: string, description: string | null, 
/**
 * Offered to the model: read-only by the server's annotation or the
 * server's `tools` list in the config.
 */
offered: boolean, };
