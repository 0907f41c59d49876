// @vitest-environment jsdom
// The controller against a fake boocoder: REST answers from a table, the session's
// WebSocket driven by hand.

import type { FetchFn } from "@boocode/common/api";
import { CHAT, chat, message, SESSION, windowOf } from "@boocode/common/fixtures";
import type { WsLike } from "@boocode/common/session-socket";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoderApi } from "./api/client";
import { Controller, PROVIDER_KEY } from "./controller";
import { change, FAKE, provider, snapshot, task } from "./testing/fixtures";

class FakeWs implements WsLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void {
    this.closed = true;
  }
  frame(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

type Answer = { status?: number; body?: unknown } | ((body: unknown) => { status?: number; body?: unknown });

class FakeServer {
  calls: string[] = [];
  routes = new Map<string, Answer>();
  fetchFn: FetchFn = async (url, init) => {
    const u = new URL(url);
    const key = `${init.method} ${u.pathname.replace(/^\/api\//, "")}`;
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    this.calls.push(body === undefined ? key : `${key} ${init.body as string}`);
    const route = this.routes.get(key);
    if (route === undefined) return { status: 404, text: async () => JSON.stringify({ error: `no route ${key}`, code: "not_found" }) };
    const a = typeof route === "function" ? route(body) : route;
    return { status: a.status ?? 200, text: async () => (a.body === undefined ? "" : JSON.stringify(a.body)) };
  };
  on(key: string, answer: Answer): this {
    this.routes.set(key, answer);
    return this;
  }
}

const BIG = 1_764_000_000_000_000;

function server(): FakeServer {
  return new FakeServer()
    .on("GET providers/snapshot", { body: snapshot(provider("qwen", { state: "unavailable" }), FAKE) })
    .on("GET sessions", { body: { items: [{ id: SESSION, project_id: "p1", title: "fix the bug", status: "open", tags: [], created_at: "", updated_at: "" }], next_cursor: null } })
    .on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT)], next_cursor: null } })
    .on(`GET sessions/${SESSION}/tasks`, { body: [] })
    .on(`GET sessions/${SESSION}/agent-sessions`, { body: [] })
    .on(`GET sessions/${SESSION}/pending`, { body: [] })
    .on(`GET chats/${CHAT}/messages`, { body: windowOf([]) });
}

async function started(srv: FakeServer, storage: Map<string, string> = new Map()) {
  const sockets: FakeWs[] = [];
  const app = new Controller({
    location: window.location,
    api: new CoderApi(window.location, srv.fetchFn),
    openWs: (url) => {
      const ws = new FakeWs(url);
      sockets.push(ws);
      return ws;
    },
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  });
  await app.start();
  const ws = sockets.at(-1)!;
  ws.frame({ type: "hello", seq: 0, daemon: "boocoder", version: "0.1.0" });
  await vi.waitFor(() => expect(app.state.feed?.transcripts[CHAT]).toBeDefined());
  return { app, ws, sockets };
}

let seq = BIG;
const f = (frame: Record<string, unknown>) => ({ seq: ++seq, session_id: SESSION, ...frame });

describe("Controller", () => {
  beforeEach(() => {
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${CHAT}`);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("opens the session of the URL: one live socket, the state over REST", async () => {
    const srv = server();
    const { app, sockets } = await started(srv);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/api/ws?session_id=${SESSION}`]);
    expect(app.state.sessionId).toBe(SESSION);
    expect(app.state.chatId).toBe(CHAT);
    expect(app.state.conn.state).toBe("connected");
    await vi.waitFor(() => expect(app.state.coder?.pending).toEqual([]));
    expect(app.currentSession()?.title).toBe("fix the bug");
    // The only ready provider is picked.
    expect(app.state.choice).toEqual({ provider: "fake", mode: "", model: "" });
    expect(app.sendBlocker()).toBeNull();
  });

  it("sends a turn to the chosen agent and stops it", async () => {
    const srv = server()
      .on(`POST sessions/${SESSION}/chats/${CHAT}/messages`, { status: 202, body: { task_id: "t1", user_message_id: "u1", queued: false } })
      .on("POST tasks/t1/cancel", { body: { cancelled: true } });
    const storage = new Map<string, string>();
    const { app } = await started(srv, storage);
    app.chooseProvider("fake");
    app.chooseMode("ask");
    expect(storage.get(PROVIDER_KEY)).toBe("fake");
    expect(app.busy()).toBe(false);
    expect(await app.send("say hi")).toBe(true);
    expect(srv.calls).toContain(`POST sessions/${SESSION}/chats/${CHAT}/messages {"content":"say hi","provider":"fake","mode":"ask"}`);
    expect(app.busy()).toBe(true);
    await app.stop();
    expect(srv.calls).toContain("POST tasks/t1/cancel");
  });

  it("refuses to send to an agent that is not ready", async () => {
    const { app } = await started(server());
    app.chooseProvider("qwen");
    expect(app.sendBlocker()).toBe("Qwen is unavailable.");
    expect(await app.send("hi")).toBe(false);
    expect(app.state.notice?.text).toBe("Qwen is unavailable.");
  });

  it("applies the agent's frames: transcript, task, permission card, pending changes", async () => {
    const srv = server().on("POST permissions/r1", { status: 204 });
    const { app, ws } = await started(srv);
    ws.frame(f({ type: "task_updated", task: task("t1", { status: "running" }) }));
    ws.frame(f({ type: "user_message", chat_id: CHAT, message: message("u1", 1, { content: "ask" }) }));
    ws.frame(f({ type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming", agent: "fake" }) }));
    ws.frame(
      f({
        type: "permission_requested",
        chat_id: CHAT,
        task_id: "t1",
        request_id: "r1",
        agent: "fake",
        tool_call: { title: "Write" },
        options: [{ id: "allow_once", name: "Allow", kind: "allow_once" }],
      }),
    );
    expect(app.busy()).toBe(true);
    expect(app.state.feed?.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(app.state.coder?.requests.map((r) => r.requestId)).toEqual(["r1"]);
    await app.answerPermission("r1", "allow_once");
    expect(srv.calls).toContain('POST permissions/r1 {"option_id":"allow_once"}');
    expect(app.state.coder?.requests).toEqual([]);
    // A replayed frame (same seq) changes nothing.
    const replay = f({ type: "pending_changed", changes: [change("c1", "hello.txt")] });
    ws.frame(replay);
    ws.frame({ ...replay, changes: [] });
    expect(app.state.coder?.pending?.map((c) => c.path)).toEqual(["hello.txt"]);
    ws.frame(f({ type: "message_complete", chat_id: CHAT, message_id: "a1", status: "complete", error: null, usage: message("x", 0).usage }));
    ws.frame(f({ type: "task_updated", task: task("t1", { status: "completed" }) }));
    expect(app.busy()).toBe(false);
  });

  it("drops a card whose request is gone and shows why an approve failed", async () => {
    const srv = server()
      .on("POST permissions/r1", { status: 409, body: { error: "no agent is waiting on request r1", code: "no_open_request" } })
      .on("POST pending/c1/approve", { status: 409, body: { error: "hello.txt changed in the project", code: "pending_conflict" } })
      .on("POST pending/c2/approve", { body: change("c2", "b.txt", { status: "applied", updated_at: "2026-01-02T00:00:00Z" }) });
    const { app, ws } = await started(srv);
    ws.frame(f({ type: "permission_requested", chat_id: CHAT, task_id: "t1", request_id: "r1", agent: "fake", tool_call: null, options: [] }));
    await app.answerPermission("r1", null);
    expect(app.state.coder?.requests).toEqual([]);
    expect(app.state.notice?.tone).toBe("info");

    ws.frame(f({ type: "pending_changed", changes: [change("c1", "hello.txt"), change("c2", "b.txt")] }));
    await app.changeAction("c1", "approve");
    expect(app.state.changeErrors).toEqual({ c1: "hello.txt changed in the project (pending_conflict)" });
    await app.changeAction("c2", "approve");
    expect(app.state.coder?.pending?.map((c) => [c.id, c.status])).toEqual([
      ["c1", "pending"],
      ["c2", "applied"],
    ]);
    expect(app.state.changeOps).toEqual({});
  });

  it("polls the providers while a probe runs", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let answers = 0;
    const srv = server().on("GET providers/snapshot", () => {
      answers += 1;
      return { body: snapshot(answers < 3 ? provider("fake", { state: "loading", probing: true }) : FAKE) };
    });
    const app = new Controller({ location: window.location, api: new CoderApi(window.location, srv.fetchFn), openWs: (url) => new FakeWs(url), storage: null });
    await app.loadProviders();
    // Nothing is ready yet: nothing is picked.
    expect(app.state.choice.provider).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(answers).toBe(3);
    expect(app.state.choice.provider).toBe("fake");
    await vi.advanceTimersByTimeAsync(5000);
    expect(answers).toBe(3);
  });
});
