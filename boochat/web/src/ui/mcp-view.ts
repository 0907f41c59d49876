// The sidebar's MCP line: each configured MCP server (GET /api/mcp) with its status,
// its error or tool count as the title. Nothing when no server is configured.

import { html, nothing, type TemplateResult } from "lit";
import type { McpInfo, McpServerInfo } from "@boocode/types";

/** The hover text of one server: status, then the error or how many tools are offered. */
export function mcpServerTitle(s: McpServerInfo): string {
  const offered = s.tools.filter((t) => t.offered).length;
  const detail = s.error ?? (s.status === "ready" ? `${offered} of ${s.tools.length} tools offered` : null);
  const where = `${s.transport === "stdio" ? "command" : "URL"}: ${s.target}`;
  return detail === null ? `${s.name}: ${s.status} (${where})` : `${s.name}: ${s.status}: ${detail} (${where})`;
}

export function mcpStatus(info: McpInfo | null): TemplateResult | typeof nothing {
  if (info === null || info.servers.length === 0) return nothing;
  return html`<div class="mcp-status" data-testid="mcp-status">
    <span class="mcp-label">MCP</span>
    ${info.servers.map(
      (s) => html`<span class="mcp-server mcp-${s.status}" data-testid="mcp-server" data-status=${s.status} title=${mcpServerTitle(s)}
        ><span class="dot"></span>${s.name}</span
      >`,
    )}
  </div>`;
}
