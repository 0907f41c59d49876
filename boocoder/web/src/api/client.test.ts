import { describe, expect, it } from "vitest";
import type { FetchFn } from "@boocode/common/api";
import { CoderApi } from "./client";

function recorder(body = "{}", status = 200): { fetchFn: FetchFn; calls: string[] } {
  const calls: string[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push(`${init.method} ${url}${typeof init.body === "string" ? ` ${init.body}` : ""}`);
    return { status, text: async () => body };
  };
  return { fetchFn, calls };
}

// Behind Caddy the client lives under /coder/; every URL stays below it.
const LOC = { href: "https://boo.example.com/coder/#/s/s1/c/c1" };
const BASE = "https://boo.example.com/coder/api";

describe("CoderApi", () => {
  it("submits a turn to the session's chat", async () => {
    const { fetchFn, calls } = recorder('{"task_id":"t1","user_message_id":"u1","queued":false}', 202);
    const api = new CoderApi(LOC, fetchFn);
    expect(await api.submit("s1", "c1", { content: "say hi", provider: "fake", mode: "code" })).toEqual({ task_id: "t1", user_message_id: "u1", queued: false });
    expect(calls).toEqual([`POST ${BASE}/sessions/s1/chats/c1/messages {"content":"say hi","provider":"fake","mode":"code"}`]);
  });

  it("builds every path relative to the page, ids escaped", async () => {
    const { fetchFn, calls } = recorder('{"items":[],"next_cursor":null}');
    const api = new CoderApi(LOC, fetchFn);
    await api.sessions();
    await api.chats("s 1");
    await api.messages("c1", "m0", 20);
    await api.tasks("s1");
    await api.cancelTask("t1");
    await api.agentSessions("s1");
    await api.pending("s1");
    await api.pendingAction("p1", "approve");
    await api.pendingAction("p1", "revert");
    await api.openRequests("s1");
    await api.answerPermission("r/1", { option_id: "allow_once" });
    await api.answerElicitation("r2", { action: "accept", content: { name: "x" } });
    await api.snapshot();
    await api.refresh();
    await api.setEnabled("qwen", false);
    await api.diagnostic("qwen");
    expect(calls).toEqual([
      `GET ${BASE}/sessions?status=open&limit=200`,
      `GET ${BASE}/sessions/s%201/chats?limit=200`,
      `GET ${BASE}/chats/c1/messages?before=m0&limit=20`,
      `GET ${BASE}/sessions/s1/tasks`,
      `POST ${BASE}/tasks/t1/cancel`,
      `GET ${BASE}/sessions/s1/agent-sessions`,
      `GET ${BASE}/sessions/s1/pending`,
      `POST ${BASE}/pending/p1/approve`,
      `POST ${BASE}/pending/p1/revert`,
      `GET ${BASE}/sessions/s1/requests`,
      `POST ${BASE}/permissions/r%2F1 {"option_id":"allow_once"}`,
      `POST ${BASE}/elicitations/r2 {"action":"accept","content":{"name":"x"}}`,
      `GET ${BASE}/providers/snapshot`,
      `POST ${BASE}/providers/refresh`,
      `PATCH ${BASE}/providers/qwen {"enabled":false}`,
      `GET ${BASE}/providers/qwen/diagnostic`,
    ]);
  });

  it("reports a conflict with its code", async () => {
    const { fetchFn } = recorder('{"error":"the project file changed since","code":"pending_conflict"}', 409);
    await expect(new CoderApi(LOC, fetchFn).pendingAction("p1", "approve")).rejects.toMatchObject({ status: 409, code: "pending_conflict" });
  });
});
