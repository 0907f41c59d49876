// @vitest-environment jsdom
// <boo-coder-pane> in jsdom against a fake boocoder: one socket per session, kept when
// the element moves, closed (with every timer) when it is removed, switched with its
// attributes; never a write to the URL.

import { CHAT, chat, OTHER_CHAT, SESSION, windowOf } from "@boocode/common/fixtures";
import { fakeSockets } from "@boocode/common/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BooCoderPane, TAG } from "./pane";
import { coderServer, hello, type FakeServer } from "./testing/fake-server";
import { provider, snapshot } from "./testing/fixtures";

const OTHER_SESSION = "5e55104e-0000-4000-8000-000000000002";

function pane(srv: FakeServer, attrs: Record<string, string> = { "session-id": SESSION, "chat-id": CHAT, base: "./coder/" }) {
  const { open, sockets } = fakeSockets();
  const el = document.createElement(TAG);
  el.services = { openWs: open, fetch: srv.fetchFn, storage: null };
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  const events: string[] = [];
  for (const type of ["boo-tab-title", "boo-tab-busy", "boo-open-tab"]) {
    el.addEventListener(type, (e) => events.push(`${type} ${JSON.stringify((e as CustomEvent).detail)}`));
  }
  return { el, sockets, events };
}

/** Lets Lit's update and the pane's deferred sync run. */
async function settle(el: BooCoderPane): Promise<void> {
  await el.updateComplete;
  await Promise.resolve();
  await Promise.resolve();
}

describe("<boo-coder-pane>", () => {
  let replaceState: ReturnType<typeof vi.spyOn>;
  let pushState: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    window.history.replaceState(null, "", "/#/keep");
    replaceState = vi.spyOn(window.history, "replaceState");
    pushState = vi.spyOn(window.history, "pushState");
    document.body.replaceChildren();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  it("is defined once", () => {
    expect(customElements.get(TAG)).toBe(BooCoderPane);
  });

  it("opens one socket for its session under its base, shows the chat and names its tab", async () => {
    const srv = coderServer();
    const { el, sockets, events } = pane(srv);
    document.body.append(el);
    await settle(el);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/coder/api/ws?session_id=${SESSION}`]);
    hello(sockets[0]);
    await vi.waitFor(() => expect(el.controller?.state.feed?.transcripts[CHAT]).toBeDefined());
    await vi.waitFor(() => expect(el.shadowRoot?.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state")).toBe("connected"));
    expect(srv.calls).toContain(`GET sessions/${SESSION}/pending`);
    // Its DOM is in its shadow root: the composer, the agent picker, the diff panel.
    const root = el.shadowRoot!;
    for (const testid of ["composer", "send", "provider-picker", "diff-panel", "transcript"]) {
      expect(root.querySelector(`[data-testid="${testid}"]`), testid).not.toBeNull();
    }
    await vi.waitFor(() => expect(events).toContain('boo-tab-title {"title":"Agent · Scripted agent"}'));
    // Named once the agent is known, not before.
    expect(events.filter((e) => e.startsWith("boo-tab-title"))).toEqual(['boo-tab-title {"title":"Agent · Scripted agent"}']);
    el.focus();
    expect(root.activeElement).toBe(root.querySelector('[data-testid="composer"]'));
    expect(replaceState).not.toHaveBeenCalled();
    expect(pushState).not.toHaveBeenCalled();
    expect(window.location.hash).toBe("#/keep");
  });

  it("keeps its socket when moved to another parent in one task", async () => {
    const { el, sockets } = pane(coderServer());
    const a = document.createElement("div");
    const b = document.createElement("div");
    document.body.append(a, b);
    a.append(el);
    await settle(el);
    hello(sockets[0]);
    // One DOM call (append moves it), and two (a host that removes, then inserts).
    b.append(el);
    el.remove();
    a.append(el);
    a.removeChild(el);
    b.insertBefore(el, null);
    await settle(el);
    await new Promise((r) => setTimeout(r, 0));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.closedWith).toBeUndefined();
    expect(el.controller?.state.conn.state).toBe("connected");
  });

  it("closes its socket and leaves no timer when removed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    // The request timeouts are the platform's (AbortSignal.timeout), not the pane's to free.
    vi.spyOn(AbortSignal, "timeout").mockImplementation(() => new AbortController().signal);
    // A provider still probing: the pane polls the snapshot.
    const srv = coderServer().on("GET providers/snapshot", { body: snapshot(provider("fake", { state: "loading", probing: true })) });
    const { el, sockets } = pane(srv);
    document.body.append(el);
    await settle(el);
    hello(sockets[0]);
    await vi.waitFor(() => expect(el.controller?.state.feed?.transcripts[CHAT]).toBeDefined());
    await vi.waitFor(() => expect(el.controller?.state.providers).not.toBeNull());
    // A notice on screen (its timer runs) and a render pending.
    el.controller?.notify("Copied", "info");
    await vi.advanceTimersByTimeAsync(100);
    el.controller?.notify("Copied again", "info");
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(3);
    el.remove();
    await settle(el);
    expect(sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    expect(vi.getTimerCount()).toBe(0);
    // Back in a document: a socket again.
    document.body.append(el);
    await settle(el);
    expect(sockets).toHaveLength(2);
    el.remove();
    await settle(el);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("switches with its attributes: another chat on the same socket, another session on a new one", async () => {
    const srv = coderServer()
      .on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT), chat(OTHER_CHAT)], next_cursor: null } })
      .on(`GET chats/${OTHER_CHAT}/messages`, { body: windowOf([]) })
      .on(`GET sessions/${OTHER_SESSION}/chats`, { body: { items: [chat(OTHER_CHAT, { session_id: OTHER_SESSION })], next_cursor: null } })
      .on(`GET sessions/${OTHER_SESSION}/tasks`, { body: [] })
      .on(`GET sessions/${OTHER_SESSION}/agent-sessions`, { body: [] })
      .on(`GET sessions/${OTHER_SESSION}/pending`, { body: [] })
      .on(`GET sessions/${OTHER_SESSION}/requests`, { body: [] });
    const { el, sockets } = pane(srv);
    document.body.append(el);
    await settle(el);
    hello(sockets[0]);
    await vi.waitFor(() => expect(el.controller?.state.feed?.chats).toHaveLength(2));

    el.setAttribute("chat-id", OTHER_CHAT);
    await settle(el);
    expect(el.controller?.state.chatId).toBe(OTHER_CHAT);
    expect(sockets).toHaveLength(1);
    await vi.waitFor(() => expect(el.controller?.state.feed?.transcripts[OTHER_CHAT]).toBeDefined());

    el.setAttribute("session-id", OTHER_SESSION);
    await settle(el);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/coder/api/ws?session_id=${SESSION}`, `ws://localhost:3000/coder/api/ws?session_id=${OTHER_SESSION}`]);
    expect(sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    expect(el.controller?.state.sessionId).toBe(OTHER_SESSION);

    // No ids: no socket.
    el.removeAttribute("session-id");
    await settle(el);
    expect(sockets[1]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    expect(sockets).toHaveLength(2);
    expect(el.shadowRoot?.querySelector('[data-testid="no-chat"]')?.hasAttribute("hidden")).toBe(false);
    expect(replaceState).not.toHaveBeenCalled();
  });

  it("says when a turn runs and opens another chat's tab for a waiting agent", async () => {
    const srv = coderServer().on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT), chat(OTHER_CHAT)], next_cursor: null } });
    const { el, sockets, events } = pane(srv);
    document.body.append(el);
    await settle(el);
    hello(sockets[0]);
    await vi.waitFor(() => expect(el.controller?.state.feed?.transcripts[CHAT]).toBeDefined());
    let seq = 1_764_000_000_000_000;
    const send = (value: Record<string, unknown>) => sockets[0]?.message(JSON.stringify({ seq: ++seq, session_id: SESSION, ...value }));
    const base = { session_id: SESSION, agent: "fake", mode_id: null, model: null, error: null, output_summary: null, created_at: "2026-01-01T00:00:00Z", started_at: null, finished_at: null };
    send({ type: "task_updated", task: { ...base, id: "t1", chat_id: CHAT, status: "running" } });
    await vi.waitFor(() => expect(events).toContain('boo-tab-busy {"busy":true}'));
    send({ type: "permission_requested", chat_id: OTHER_CHAT, task_id: "t2", request_id: "r2", agent: "fake", tool_call: null, options: [] });
    await vi.waitFor(() => expect(el.shadowRoot?.querySelector('[data-testid="request-elsewhere"] button')).not.toBeNull());
    el.shadowRoot?.querySelector<HTMLButtonElement>('[data-testid="request-elsewhere"] button')?.click();
    expect(events).toContain(`boo-open-tab {"tab":{"kind":"coder","id":"${OTHER_CHAT}"},"beside":false}`);
    send({ type: "task_updated", task: { ...base, id: "t1", chat_id: CHAT, status: "completed" } });
    await vi.waitFor(() => expect(events).toContain('boo-tab-busy {"busy":false}'));
    expect(replaceState).not.toHaveBeenCalled();
  });
});
