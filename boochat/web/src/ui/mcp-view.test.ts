// @vitest-environment jsdom
import { render } from "lit";
import { describe, expect, it } from "vitest";
import type { McpInfo, McpServerInfo } from "@boocode/types";
import { mcpServerTitle, mcpStatus } from "./mcp-view";

const server = (over: Partial<McpServerInfo>): McpServerInfo => ({
  name: "docs",
  transport: "stdio",
  target: "mcp-server-filesystem /srv/docs",
  status: "ready",
  error: null,
  last_ok: "2026-01-02T03:04:05Z",
  tools: [
    { name: "mcp__docs__read", tool: "read", description: null, offered: true },
    { name: "mcp__docs__write", tool: "write", description: null, offered: false },
  ],
  ...over,
});

function shown(info: McpInfo | null): { status: string | null; name: string; title: string | null }[] | null {
  const host = document.createElement("div");
  render(mcpStatus(info), host);
  if (host.querySelector("[data-testid=mcp-status]") === null) return null;
  return [...host.querySelectorAll<HTMLElement>("[data-testid=mcp-server]")].map((el) => ({
    status: el.dataset["status"] ?? null,
    name: el.textContent?.trim() ?? "",
    title: el.getAttribute("title"),
  }));
}

describe("the MCP status line", () => {
  it("is absent before the answer and when no server is configured", () => {
    expect(shown(null)).toBeNull();
    expect(shown({ servers: [] })).toBeNull();
  });

  it("shows each server with its status, and the error or tool count as its title", () => {
    const wiki = server({
      name: "wiki",
      transport: "http",
      target: "http://127.0.0.1:7000/mcp",
      status: "failed",
      error: "tools/list failed: Transport closed",
      tools: [],
    });
    expect(shown({ servers: [server({}), wiki] })).toEqual([
      { status: "ready", name: "docs", title: "docs: ready: 1 of 2 tools offered (command: mcp-server-filesystem /srv/docs)" },
      {
        status: "failed",
        name: "wiki",
        title: "wiki: failed: tools/list failed: Transport closed (URL: http://127.0.0.1:7000/mcp)",
      },
    ]);
  });

  it("titles a starting server without detail", () => {
    expect(mcpServerTitle(server({ status: "starting", tools: [] }))).toBe(
      "docs: starting (command: mcp-server-filesystem /srv/docs)",
    );
  });
});
