import type { WorkspaceState } from "@boocode/types";
import { describe, expect, it } from "vitest";
import { Api } from "./client";

const BASE = { href: "http://boo.test/" };

function layout(version: number, chat = "c1"): WorkspaceState {
  return { panes: [{ id: "p1", tabs: [{ kind: "chat", id: chat }], activeTab: chat }], tabNumbers: { [chat]: 1 }, nextTabNumber: 2, closedPaneStack: [], version };
}

/** A fetch that answers each call with the next scripted response, recording the calls. */
function scripted(responses: { status: number; body: unknown }[]) {
  const calls: { method: string; url: string; keepalive: boolean }[] = [];
  const fetchFn = async (url: string, init: RequestInit) => {
    calls.push({ method: init.method ?? "GET", url, keepalive: init.keepalive === true });
    const next = responses.shift();
    if (next === undefined) throw new Error(`unexpected ${init.method} ${url}`);
    return { status: next.status, text: async () => JSON.stringify(next.body) };
  };
  return { calls, api: new Api(BASE, fetchFn) };
}

describe("saveWorkspace", () => {
  it("returns the stored layout, saving with keepalive so a save on pagehide is not cut off", async () => {
    const { calls, api } = scripted([{ status: 200, body: layout(3) }]);
    expect(await api.saveWorkspace("s1", layout(2))).toEqual({ ok: true, state: layout(3) });
    expect(calls).toEqual([{ method: "PATCH", url: "http://boo.test/api/sessions/s1/workspace", keepalive: true }]);
  });

  it("rebases on the 409's current layout without asking again", async () => {
    const { calls, api } = scripted([{ status: 409, body: { error: "stale", code: "version_conflict", current: layout(5, "c9") } }]);
    expect(await api.saveWorkspace("s1", layout(2))).toEqual({ ok: false, conflict: layout(5, "c9") });
    expect(calls.length).toBe(1);
  });

  it("rebases on the stored (pruned) layout when the server refuses the layout (400)", async () => {
    const { calls, api } = scripted([
      { status: 400, body: { error: "no such tab", code: "unknown_tab" } },
      { status: 200, body: layout(4, "c2") },
    ]);
    expect(await api.saveWorkspace("s1", layout(2))).toEqual({ ok: false, conflict: layout(4, "c2") });
    expect(calls.map((c) => c.method)).toEqual(["PATCH", "GET"]);
  });

  it("throws other failures for the sync to retry", async () => {
    const { api } = scripted([{ status: 503, body: { error: "db down", code: "db_unavailable" } }]);
    await expect(api.saveWorkspace("s1", layout(2))).rejects.toMatchObject({ name: "ApiError", status: 503, code: "db_unavailable", message: "db down" });
  });
});
