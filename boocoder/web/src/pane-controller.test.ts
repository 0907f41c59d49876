// @vitest-environment jsdom
// One agent chat against a fake boocoder: REST answers from a table, the session's
// WebSocket driven by hand. (These were the page controller's tests before the page
// became a shell around one pane.)

import { CHAT, chat, message, SESSION } from "@boocode/common/fixtures";
import { fakeSockets } from "@boocode/common/test-support";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CoderApi } from "./api/client";
import { PaneController, PROVIDER_KEY } from "./pane-controller";
import { coderServer, frame, hello, type FakeServer } from "./testing/fake-server";
import { change, FAKE, provider, snapshot, task } from "./testing/fixtures";

const BASE = { href: "http://localhost:3000/coder/" };

async function shown(srv: FakeServer, storage: Map<string, string> = new Map()) {
  const { open, sockets } = fakeSockets();
  const app = new PaneController({
    base: BASE,
    api: new CoderApi(BASE, srv.fetchFn),
    openWs: open,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  });
  app.show(SESSION, CHAT);
  const ws = sockets.at(-1)!;
  hello(ws);
  await vi.waitFor(() => expect(app.state.feed?.transcripts[CHAT]).toBeDefined());
  await vi.waitFor(() => expect(app.state.providers).not.toBeNull());
  return { app, ws, sockets };
}

let seq = 1_764_000_000_000_000;
const f = (value: Record<string, unknown>) => ({ seq: ++seq, session_id: SESSION, ...value });

describe("PaneController", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("opens its session: one live socket under its base, the state over REST", async () => {
    const srv = coderServer();
    const { app, sockets } = await shown(srv);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/coder/api/ws?session_id=${SESSION}`]);
    expect(app.state.sessionId).toBe(SESSION);
    expect(app.state.chatId).toBe(CHAT);
    expect(app.state.conn.state).toBe("connected");
    await vi.waitFor(() => expect(app.state.coder?.pending).toEqual([]));
    expect(srv.calls).toContain(`GET sessions/${SESSION}/chats`);
    // The only ready provider is picked.
    expect(app.state.choice).toEqual({ provider: "fake", mode: "", model: "" });
    expect(app.sendBlocker()).toBeNull();
    expect(app.title()).toBe("Agent · Scripted agent");
  });

  it("switches chat on the same socket, and socket with the session", async () => {
    const srv = coderServer();
    const { app, sockets } = await shown(srv);
    app.show(SESSION, CHAT);
    expect(sockets).toHaveLength(1);
    app.close();
    expect(sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    expect(app.state.conn.state).toBe("closed");
    app.show(SESSION, CHAT);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/coder/api/ws?session_id=${SESSION}`, `ws://localhost:3000/coder/api/ws?session_id=${SESSION}`]);
    app.close(true);
    expect(app.state).toMatchObject({ sessionId: null, chatId: null, feed: null, coder: null });
  });

  it("names its tab after the chat once it has a title", async () => {
    const srv = coderServer().on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT, { title: "Fix the parser" })], next_cursor: null } });
    const { app } = await shown(srv);
    expect(app.title()).toBe("Fix the parser");
  });

  it("says when the session has no such chat, and sends nothing there", async () => {
    const srv = coderServer();
    const { app } = await shown(srv);
    app.show(SESSION, "c4a70000-0000-4000-8000-00000000dead");
    await vi.waitFor(() => expect(app.chatMissing()).toBe(true));
    expect(app.sendBlocker()).toBe("This chat is not in the session (chats are created in boochat).");
    expect(await app.send("hi")).toBe(false);
  });

  it("sends a turn to the chosen agent and stops it", async () => {
    const srv = coderServer()
      .on(`POST sessions/${SESSION}/chats/${CHAT}/messages`, { status: 202, body: { task_id: "t1", user_message_id: "u1", queued: false } })
      .on("POST tasks/t1/cancel", { body: { cancelled: true } });
    const storage = new Map<string, string>();
    const { app } = await shown(srv, storage);
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
    const { app } = await shown(coderServer());
    app.chooseProvider("qwen");
    expect(app.sendBlocker()).toBe("Qwen is unavailable.");
    expect(await app.send("hi")).toBe(false);
    expect(app.state.notice?.text).toBe("Qwen is unavailable.");
  });

  it("applies the agent's frames: transcript, task, permission card, pending changes", async () => {
    const srv = coderServer().on("POST permissions/r1", { status: 204 });
    const { app, ws } = await shown(srv);
    frame(ws, f({ type: "task_updated", task: task("t1", { status: "running" }) }));
    frame(ws, f({ type: "user_message", chat_id: CHAT, message: message("u1", 1, { content: "ask" }) }));
    frame(ws, f({ type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming", agent: "fake" }) }));
    frame(
      ws,
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
    frame(ws, replay);
    frame(ws, { ...replay, changes: [] });
    expect(app.state.coder?.pending?.map((c) => c.path)).toEqual(["hello.txt"]);
    frame(ws, f({ type: "message_complete", chat_id: CHAT, message_id: "a1", status: "complete", error: null, usage: message("x", 0).usage }));
    frame(ws, f({ type: "task_updated", task: task("t1", { status: "completed" }) }));
    expect(app.busy()).toBe(false);
  });

  it("drops a card whose request is gone and shows why an approve failed", async () => {
    const srv = coderServer()
      .on("POST permissions/r1", { status: 409, body: { error: "no agent is waiting on request r1", code: "no_open_request" } })
      .on("POST pending/c1/approve", { status: 409, body: { error: "hello.txt changed in the project", code: "pending_conflict" } })
      .on("POST pending/c2/approve", { body: change("c2", "b.txt", { status: "applied", updated_at: "2026-01-02T00:00:00Z" }) });
    const { app, ws } = await shown(srv);
    frame(ws, f({ type: "permission_requested", chat_id: CHAT, task_id: "t1", request_id: "r1", agent: "fake", tool_call: null, options: [] }));
    await app.answerPermission("r1", null);
    expect(app.state.coder?.requests).toEqual([]);
    expect(app.state.notice?.tone).toBe("info");

    frame(ws, f({ type: "pending_changed", changes: [change("c1", "hello.txt"), change("c2", "b.txt")] }));
    await app.changeAction("c1", "approve");
    expect(app.state.changeErrors).toEqual({ c1: "hello.txt changed in the project (pending_conflict)" });
    await app.changeAction("c2", "approve");
    expect(app.state.coder?.pending?.map((c) => [c.id, c.status])).toEqual([
      ["c1", "pending"],
      ["c2", "applied"],
    ]);
    expect(app.state.changeOps).toEqual({});
  });

  it("polls the providers while a probe runs, and stops when closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let answers = 0;
    const srv = coderServer().on("GET providers/snapshot", () => {
      answers += 1;
      return { body: snapshot(answers < 3 ? provider("fake", { state: "loading", probing: true }) : FAKE) };
    });
    const app = new PaneController({ base: BASE, api: new CoderApi(BASE, srv.fetchFn), openWs: fakeSockets().open, storage: null });
    await app.loadProviders();
    // Nothing is ready yet: nothing is picked.
    expect(app.state.choice.provider).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(answers).toBe(3);
    expect(app.state.choice.provider).toBe("fake");
    await vi.advanceTimersByTimeAsync(5000);
    expect(answers).toBe(3);

    // A snapshot saying nothing new leaves the state alone (an open picker stays open).
    const before = app.state;
    await app.loadProviders();
    expect(app.state).toBe(before);
  });
});
