// @vitest-environment jsdom
// <boo-chat-pane> against a fake boochat: REST answers from a table, the session's
// WebSocket driven by hand, the element moved and removed like the workspace does.

import type { Chat, Session } from "@boocode/types";
import type { FetchFn } from "@boocode/common/api";
import { CHAT, chat, message, OTHER_CHAT, part, SESSION, windowOf } from "@boocode/common/fixtures";
import { fakeSockets, type FakeSocket } from "@boocode/common/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BooChatPane, hostTheme, TAG } from "./chat-pane";
import { MODELS_POLL_MS } from "./controller";

const OTHER_SESSION = "5e55104e-0000-4000-8000-000000000002";
const HELLO = { type: "hello", seq: 0, daemon: "boochat", version: "0.1.0" };
const REACHABLE = { reachable: true, base_url: "http://llm", models: [{ id: "qwen", ctx_size: null, vision: false }], error: null };
const UNREACHABLE = { reachable: false, base_url: "http://llm", models: [], error: "connection refused" };

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

function session(id: string, fields: Partial<Session> = {}): Session {
  return { id, project_id: "p1", title: "the session", status: "open", tags: [], created_at: "", updated_at: "", ...fields };
}

const page = <T>(items: T[]) => ({ body: { items, next_cursor: null } });

function server(chats: Chat[] = [chat(CHAT, { title: "Fix the bug" }), chat(OTHER_CHAT)]): FakeServer {
  return new FakeServer()
    .on(`GET sessions/${SESSION}`, { body: session(SESSION) })
    .on(`GET sessions/${SESSION}/chats`, page(chats))
    .on(`GET chats/${CHAT}/messages`, {
      body: windowOf([message("u1", 1, { content: "hello" }), message("a1", 2, { role: "assistant", content: "Hi there", parts: [part("p1", 0, { kind: "text", content: "Hi there" })] })]),
    })
    .on(`GET chats/${OTHER_CHAT}/messages`, { body: windowOf([message("u9", 1, { chat_id: OTHER_CHAT, content: "other chat" })]) })
    .on("GET models", { body: REACHABLE })
    .on("GET agents", { body: { agents: [{ name: "reviewer", description: "Reviews", model: null, tools: null, max_tool_calls: null }], error: null } });
}

type Ev = { type: string; detail: unknown };

let seq = 1_764_000_000_000_000;
const f = (frame: Record<string, unknown>, sessionId = SESSION) => ({ seq: ++seq, session_id: sessionId, ...frame });
const send = (ws: FakeSocket | undefined, frame: Record<string, unknown>) => ws?.message(JSON.stringify(frame));
/** Lets the queued microtasks (teardown, reconcile) and a macrotask run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(srv: FakeServer = server()) {
  const { open, sockets } = fakeSockets();
  const events: Ev[] = [];
  const record = (e: Event) => void events.push({ type: e.type, detail: (e as CustomEvent).detail });
  for (const type of ["boo-tab-title", "boo-tab-busy", "boo-open-tab", "boo-tab-archived"]) document.addEventListener(type, record);
  const make = (sessionId = SESSION, chatId = CHAT): BooChatPane => {
    const pane = document.createElement(TAG) as BooChatPane;
    pane.openWs = open;
    pane.fetchFn = srv.fetchFn;
    pane.setAttribute("session-id", sessionId);
    pane.setAttribute("chat-id", chatId);
    return pane;
  };
  const $ = <E extends Element = HTMLElement>(pane: BooChatPane, selector: string): E | null => pane.shadowRoot?.querySelector<E>(selector) ?? null;
  const texts = (pane: BooChatPane) =>
    [...(pane.shadowRoot?.querySelectorAll('[data-testid="user-text"], [data-testid="message-text"]') ?? [])].map((el) => el.textContent?.trim());
  const cleanup = () => {
    for (const type of ["boo-tab-title", "boo-tab-busy", "boo-open-tab", "boo-tab-archived"]) document.removeEventListener(type, record);
  };
  return { srv, sockets, events, make, $, texts, cleanup, of: (type: string) => events.filter((e) => e.type === type).map((e) => e.detail) };
}

/** A pane in `parent`, connected (hello) with its chat's transcript shown. */
async function shown(t: ReturnType<typeof setup>, parent: HTMLElement = document.body, sessionId = SESSION, chatId = CHAT): Promise<BooChatPane> {
  const pane = t.make(sessionId, chatId);
  parent.append(pane);
  await vi.waitFor(() => expect(t.sockets.length).toBeGreaterThan(0));
  send(t.sockets.at(-1), HELLO);
  await vi.waitFor(() => expect(t.$(pane, '[data-testid="message"]')).not.toBeNull());
  return pane;
}

describe("<boo-chat-pane>", () => {
  let t: ReturnType<typeof setup>;
  let href: string;
  const history = { push: vi.spyOn(window.history, "pushState"), replace: vi.spyOn(window.history, "replaceState") };

  beforeEach(() => {
    window.location.hash = "#/s/shell-owned";
    href = window.location.href;
    history.push.mockClear();
    history.replace.mockClear();
    t = setup();
  });
  afterEach(() => {
    t.cleanup();
    document.body.replaceChildren();
    vi.useRealTimers();
    // The pane never touches the page's URL.
    expect(window.location.href).toBe(href);
    expect(history.push).not.toHaveBeenCalled();
    expect(history.replace).not.toHaveBeenCalled();
  });

  it("opens one socket for its session, shows its chat and names the tab", async () => {
    const pane = await shown(t);
    expect(t.sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/api/ws?session_id=${SESSION}`]);
    expect(t.texts(pane)).toEqual(["hello", "Hi there"]);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="chat-title"]')?.textContent).toBe("Fix the bug"));
    expect(t.of("boo-tab-title")).toEqual([{ title: "Fix the bug" }]);
    expect(t.$(pane, '[data-testid="ws-status"]')?.dataset["state"]).toBe("connected");
    expect(t.$(pane, '[data-testid="model-chip"]')?.textContent).toBe("qwen");
    expect(t.$(pane, '[data-testid="model-banner"]')?.hidden).toBe(true);
    expect(t.$<HTMLSelectElement>(pane, '[data-testid="agent-picker"]')?.value).toBe("");
    // The link reads the session's chats and this chat's messages only.
    expect(t.srv.calls.filter((c) => c.includes("messages"))).toEqual([`GET chats/${CHAT}/messages`]);
  });

  it("regenerates an answer, reloads the branch, and again once the new answer ended", async () => {
    const pane = await shown(t);
    const branch = { message_id: "a2", index: 1, count: 2, sibling_ids: ["a1", "a2"] };
    t.srv
      .on(`POST chats/${CHAT}/messages/a1/regenerate`, { status: 202, body: { user_message_id: "u1", assistant_message_id: "a2", queued: false } })
      .on(`GET chats/${CHAT}/messages`, { body: windowOf([message("u1", 1, { content: "hello" }), message("a2", 3, { role: "assistant", status: "streaming" })]) });
    t.$(pane, '[data-testid="regenerate"]')?.click();
    await vi.waitFor(() => expect(t.srv.calls.filter((c) => c.includes("messages"))).toHaveLength(2));
    t.srv.on(`GET chats/${CHAT}/messages`, {
      body: windowOf([message("u1", 1, { content: "hello" }), message("a2", 3, { role: "assistant", content: "Hello again", parts: [part("p2", 0, { kind: "text", content: "Hello again" })] })], false, [branch]),
    });
    send(t.sockets.at(-1), f({ type: "message_complete", chat_id: CHAT, message_id: "a2", status: "complete", usage: { prompt_tokens: null, completion_tokens: null, tokens_per_second: null, prompt_ms: null }, error: null }));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="branch-pos"]')?.textContent).toBe("2/2"));
    expect(t.texts(pane)).toEqual(["hello", "Hello again"]);
    expect(t.srv.calls.filter((c) => !c.startsWith("GET models") && !c.startsWith("GET agents") && !c.startsWith("GET sessions"))).toEqual([
      `GET chats/${CHAT}/messages`,
      `POST chats/${CHAT}/messages/a1/regenerate`,
      `GET chats/${CHAT}/messages`,
      `GET chats/${CHAT}/messages`,
    ]);

    // The arrows switch versions: the server moves the branch, the pane reloads it.
    t.srv
      .on(`PUT chats/${CHAT}/branch`, { body: { leaf_id: "a1" } })
      .on(`GET chats/${CHAT}/messages`, {
        body: windowOf([message("u1", 1, { content: "hello" }), message("a1", 2, { role: "assistant", content: "Hi there", parts: [part("p1", 0, { kind: "text", content: "Hi there" })] })], false, [
          { ...branch, message_id: "a1", index: 0 },
        ]),
      });
    t.$(pane, '[data-testid="branch-prev"]')?.click();
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="branch-pos"]')?.textContent).toBe("1/2"));
    expect(t.texts(pane)).toEqual(["hello", "Hi there"]);
    expect(t.srv.calls).toContain(`PUT chats/${CHAT}/branch {"message_id":"a1"}`);

    // Busy: the server's 409 becomes a notice.
    t.srv.on(`POST chats/${CHAT}/messages/a1/regenerate`, { status: 409, body: { error: "busy", code: "chat_busy" } });
    t.$(pane, '[data-testid="regenerate"]')?.click();
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toContain("Cannot regenerate while the chat is generating."));
  });

  it("keeps its socket when moved to another parent in one task", async () => {
    const a = document.body.appendChild(document.createElement("div"));
    const b = document.body.appendChild(document.createElement("div"));
    const pane = await shown(t, a);
    b.append(pane);
    await settle();
    expect(t.sockets).toHaveLength(1);
    expect(t.sockets[0]?.closedWith).toBeUndefined();
    // Still live: a new message shows.
    send(t.sockets[0], f({ type: "user_message", chat_id: CHAT, message: message("u2", 3, { content: "after the move" }) }));
    await vi.waitFor(() => expect(t.texts(pane)).toEqual(["hello", "Hi there", "after the move"]));
  });

  it("closes its socket and stops polling the models when removed", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    t.srv.on("GET models", { body: UNREACHABLE });
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="model-banner"]')?.hidden).toBe(false));
    expect(t.$(pane, '[data-testid="model-banner"]')?.textContent).toContain("No model server answers at http://llm: connection refused");
    expect(vi.getTimerCount()).toBe(1);
    pane.remove();
    await settle();
    expect(t.sockets.map((s) => s.closedWith)).toEqual([{ code: 1000, reason: "page closed" }]);
    expect(vi.getTimerCount()).toBe(0);
    const asked = t.srv.calls.filter((c) => c === "GET models").length;
    vi.advanceTimersByTime(3 * MODELS_POLL_MS);
    expect(t.srv.calls.filter((c) => c === "GET models")).toHaveLength(asked);
  });

  it("polls the model server while it does not answer, and drops the banner once it does", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    t.srv.on("GET models", { body: UNREACHABLE });
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="model-banner"]')?.hidden).toBe(false));
    t.srv.on("GET models", { body: REACHABLE });
    vi.advanceTimersByTime(MODELS_POLL_MS);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="model-banner"]')?.hidden).toBe(true));
    expect(vi.getTimerCount()).toBe(0);
  });

  it("switches to another chat of the same session on the same socket", async () => {
    const pane = await shown(t);
    pane.setAttribute("chat-id", OTHER_CHAT);
    await vi.waitFor(() => expect(t.texts(pane)).toEqual(["other chat"]));
    expect(t.sockets).toHaveLength(1);
    expect(t.sockets[0]?.closedWith).toBeUndefined();
    expect(t.of("boo-tab-title")).toEqual([{ title: "Fix the bug" }, { title: "New chat" }]);
  });

  it("switches session: the old socket closes, the new session's opens", async () => {
    const other = chat("c4a70000-0000-4000-8000-000000000003", { session_id: OTHER_SESSION, title: "Elsewhere" });
    t.srv
      .on(`GET sessions/${OTHER_SESSION}`, { body: session(OTHER_SESSION) })
      .on(`GET sessions/${OTHER_SESSION}/chats`, page([other]))
      .on(`GET chats/${other.id}/messages`, { body: windowOf([message("x1", 1, { chat_id: other.id, content: "in the other session" })]) });
    const pane = await shown(t);
    pane.setAttribute("session-id", OTHER_SESSION);
    pane.setAttribute("chat-id", other.id);
    await vi.waitFor(() => expect(t.sockets).toHaveLength(2));
    expect(t.sockets.map((s) => [s.url, s.closedWith])).toEqual([
      [`ws://localhost:3000/api/ws?session_id=${SESSION}`, { code: 1000, reason: "page closed" }],
      [`ws://localhost:3000/api/ws?session_id=${OTHER_SESSION}`, undefined],
    ]);
    send(t.sockets[1], HELLO);
    await vi.waitFor(() => expect(t.texts(pane)).toEqual(["in the other session"]));
    expect(t.of("boo-tab-title").at(-1)).toEqual({ title: "Elsewhere" });
  });

  it("opens a fork in a new tab beside itself", async () => {
    const forked = chat("f0000000-0000-4000-8000-000000000001", { forked_from_chat_id: CHAT, forked_from_message_id: "a1" });
    t.srv.on(`POST chats/${CHAT}/fork`, { status: 201, body: forked });
    const pane = await shown(t);
    const fork = pane.shadowRoot?.querySelectorAll<HTMLButtonElement>('[data-testid="fork"]') ?? [];
    fork[fork.length - 1]?.click();
    await vi.waitFor(() => expect(t.of("boo-open-tab")).toEqual([{ tab: { kind: "chat", id: forked.id }, beside: true }]));
    expect(t.srv.calls).toContain(`POST chats/${CHAT}/fork {"message_id":"a1"}`);
    // The pane stays on its chat.
    expect(pane.controller?.state.chatId).toBe(CHAT);
    expect(t.texts(pane)).toEqual(["hello", "Hi there"]);
  });

  it("archives its chat and tells the page, once, also when archived elsewhere", async () => {
    t.srv.on(`PATCH chats/${CHAT}`, { body: chat(CHAT, { title: "Fix the bug", status: "archived" }) });
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="archive-chat"]')).not.toBeNull());
    t.$(pane, '[data-testid="archive-chat"]')?.click();
    await vi.waitFor(() => expect(t.of("boo-tab-archived")).toEqual([{ id: CHAT }]));
    expect(t.srv.calls).toContain(`PATCH chats/${CHAT} {"status":"archived"}`);
    send(t.sockets[0], f({ type: "chat_updated", chat: chat(CHAT, { status: "archived" }) }));
    expect(t.of("boo-tab-archived")).toEqual([{ id: CHAT }]);
  });

  it("tells the page when its chat is archived from elsewhere", async () => {
    await shown(t);
    send(t.sockets[0], f({ type: "chat_updated", chat: chat(CHAT, { title: "Fix the bug", status: "archived" }) }));
    expect(t.of("boo-tab-archived")).toEqual([{ id: CHAT }]);
  });

  it("sends, reports busy while the turn runs, queues, and stops", async () => {
    t.srv
      .on(`POST chats/${CHAT}/messages`, { status: 202, body: { user_message_id: "u2", queued: false } })
      .on(`POST chats/${CHAT}/stop`, { body: { stopped: true } });
    const pane = await shown(t);
    await vi.waitFor(() => expect(pane.controller?.writable()).toBe(true));
    const box = t.$<HTMLTextAreaElement>(pane, '[data-testid="composer"]');
    const button = t.$<HTMLButtonElement>(pane, '[data-testid="send"]');
    if (box === null || button === null) throw new Error("no composer");
    box.value = "explain this";
    box.dispatchEvent(new Event("input"));
    expect(button.dataset["action"]).toBe("send");
    button.click();
    await vi.waitFor(() => expect(t.srv.calls).toContain(`POST chats/${CHAT}/messages {"content":"explain this"}`));
    expect(box.value).toBe("");

    send(t.sockets[0], f({ type: "user_message", chat_id: CHAT, message: message("u2", 3, { content: "explain this" }) }));
    send(t.sockets[0], f({ type: "message_started", chat_id: CHAT, message: message("a2", 4, { role: "assistant", status: "streaming" }) }));
    expect(t.of("boo-tab-busy")).toEqual([{ busy: true }]);
    await vi.waitFor(() => expect(button.dataset["action"]).toBe("stop"));
    box.value = "and then this";
    box.dispatchEvent(new Event("input"));
    expect(button.dataset["action"]).toBe("queue");
    box.value = "";
    box.dispatchEvent(new Event("input"));
    button.click();
    await vi.waitFor(() => expect(t.srv.calls).toContain(`POST chats/${CHAT}/stop`));
    send(t.sockets[0], f({ type: "message_complete", chat_id: CHAT, message_id: "a2", status: "cancelled", error: null, usage: { prompt_tokens: null, completion_tokens: null, tokens_per_second: null, prompt_ms: null } }));
    expect(t.of("boo-tab-busy")).toEqual([{ busy: true }, { busy: false }]);
  });

  it("shows the context gauge from the last answer's usage and compacts with /compact, the button and a context-full notice", async () => {
    const sized = { reachable: true, base_url: "http://llm", models: [{ id: "qwen", ctx_size: 4000 }], error: null };
    let compacted = 0;
    t.srv.on("GET models", { body: sized }).on(`POST chats/${CHAT}/compact`, () =>
      ++compacted === 2
        ? { status: 409, body: { error: "nothing to compact", code: "nothing_to_compact" } }
        : { status: 201, body: message("c1", 9, { role: "system", content: "summary", metadata: { kind: "compaction", covered: 2, auto: false } }) },
    );
    const pane = await shown(t);
    await vi.waitFor(() => expect(pane.controller?.writable()).toBe(true));
    expect(t.$(pane, '[data-testid="context-gauge"]')).toBeNull();
    const usage = (prompt: number) => ({ prompt_tokens: prompt, completion_tokens: 200, tokens_per_second: 10, prompt_ms: 5 });
    send(t.sockets[0], f({ type: "message_started", chat_id: CHAT, message: message("a2", 3, { role: "assistant", status: "streaming", model: "qwen" }) }));
    send(t.sockets[0], f({ type: "message_complete", chat_id: CHAT, message_id: "a2", status: "complete", error: null, usage: usage(1000) }));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="context-gauge"]')?.textContent).toBe("1.2k / 4.0k"));
    expect(t.$(pane, '[data-testid="context-gauge"]')?.dataset["used"]).toBe("1200");
    send(t.sockets[0], f({ type: "message_started", chat_id: CHAT, message: message("a3", 4, { role: "assistant", status: "streaming", model: "qwen" }) }));
    send(t.sockets[0], f({ type: "message_complete", chat_id: CHAT, message_id: "a3", status: "complete", error: null, usage: usage(3000) }));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="context-gauge"]')?.textContent).toBe("3.2k / 4.0k"));

    // `/compact` in the composer is not sent as a message.
    expect(await pane.controller?.send("/compact")).toBe(true);
    expect(t.srv.calls.filter((c) => c.startsWith(`POST chats/${CHAT}/`))).toEqual([`POST chats/${CHAT}/compact`]);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("Compacted: the model now sees a summary of the earlier turns"));
    t.$<HTMLButtonElement>(pane, '[data-testid="compact-chat"]')?.click();
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("Nothing to compact yet: the chat has no turns before its last exchange."));

    // The summary row is a collapsed card; a context-full notice offers to compact.
    send(t.sockets[0], f({ type: "sentinel", chat_id: CHAT, message: message("c1", 5, { role: "system", content: "they fixed the bug", metadata: { kind: "compaction", covered: 2, auto: true } }) }));
    send(t.sockets[0], f({ type: "sentinel", chat_id: CHAT, message: message("o1", 6, { role: "system", content: "The conversation no longer fits", metadata: { kind: "context_overflow", size: 4000 } }) }));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="compact-now"]')).not.toBeNull());
    const card = t.$<HTMLDetailsElement>(pane, '[data-kind="compaction"]');
    expect(card?.tagName).toBe("DETAILS");
    expect(card?.open).toBe(false);
    expect(card?.querySelector("summary")?.textContent).toBe("Context compacted · 2 earlier messages summarised (the model sees this summary instead)");
    expect(t.$(pane, '[data-testid="compaction-summary"]')?.textContent).toBe("they fixed the bug");
    t.$<HTMLButtonElement>(pane, '[data-testid="compact-now"]')?.click();
    await vi.waitFor(() => expect(compacted).toBe(3));
  });

  it("attaches a pasted file, sends it with the message, and refuses an image the model cannot take", async () => {
    t.srv.on(`POST chats/${CHAT}/messages`, { status: 202, body: { user_message_id: "u2", assistant_message_id: "a2", queued: false } });
    const pane = await shown(t);
    await vi.waitFor(() => expect(pane.controller?.writable()).toBe(true));
    await vi.waitFor(() => expect(pane.controller?.state.models).not.toBeNull());
    const box = t.$<HTMLTextAreaElement>(pane, '[data-testid="composer"]');
    if (box === null) throw new Error("no composer");
    const paste = (files: unknown[]) => {
      const e = new Event("paste", { cancelable: true });
      Object.defineProperty(e, "clipboardData", { value: { files } });
      box.dispatchEvent(e);
      return e;
    };
    const text = new File(["fn a() {}\n"], "a.rs", { type: "text/x-rust" });
    expect(paste([text]).defaultPrevented).toBe(true);
    await vi.waitFor(() =>
      expect([...(pane.shadowRoot?.querySelectorAll('[data-testid="pending-attachment"]') ?? [])].map((c) => c.textContent)).toEqual(["a.rs · 10 B×"]),
    );
    // The model server does not report vision: the image stays out, with the reason.
    paste([new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "shot.png", { type: "image/png" })]);
    await vi.waitFor(() =>
      expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("Images cannot be sent: qwen does not take images (its server reports no vision)."),
    );
    expect(pane.controller?.pending().length).toBe(1);
    expect(await pane.controller?.send("review it")).toBe(true);
    expect(t.srv.calls).toContain(
      `POST chats/${CHAT}/messages {"content":"review it","attachments":[{"kind":"text","name":"a.rs","content":"fn a() {}\\n","mime":"text/x-rust"}]}`,
    );
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="composer-attachments"]')?.hidden).toBe(true));
  });

  it("exports its chat as Markdown or JSON and imports an exported chat into a new tab", async () => {
    t.srv.on(`POST sessions/${SESSION}/import`, { status: 201, body: chat("c-imported", { title: "Imported" }) });
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="chat-menu"]')).not.toBeNull());
    const href = (format: string) => t.$<HTMLAnchorElement>(pane, `[data-testid="export-${format}"]`)?.getAttribute("href");
    expect(href("md")).toMatch(new RegExp(`/api/chats/${CHAT}/export\\?format=md$`));
    expect(href("json")).toMatch(new RegExp(`/api/chats/${CHAT}/export\\?format=json$`));
    const doc = { version: 1, title: "Imported", agent: null, messages: [] };
    await pane.controller?.importChat(new File([JSON.stringify(doc)], "chat.json", { type: "application/json" }));
    expect(t.srv.calls).toContain(`POST sessions/${SESSION}/import ${JSON.stringify(doc)}`);
    expect(t.of("boo-open-tab")).toEqual([{ tab: { kind: "chat", id: "c-imported" }, beside: true }]);
    await pane.controller?.importChat(new File(["not json"], "broken.json"));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("Cannot import broken.json: it is not JSON"));
  });

  it("keeps the text when it was not sent", async () => {
    t.srv.on(`POST chats/${CHAT}/messages`, { status: 500, body: { error: "database down", code: "internal" } });
    const pane = await shown(t);
    await vi.waitFor(() => expect(pane.controller?.writable()).toBe(true));
    expect(await pane.controller?.send("hello again")).toBe(false);
    expect(pane.controller?.state.drafts[CHAT]).toBe("hello again");
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("Not sent: database down"));
  });

  it("answers an ask_user_input question, and says so when the question closed", async () => {
    const ask = part("p0", 0, { kind: "tool_call", tool_name: "ask_user_input", call_id: "q1", args: { question: "Which branch?", options: ["main", "dev"] } });
    t.srv
      .on(`GET chats/${CHAT}/messages`, { body: windowOf([message("a1", 1, { role: "assistant", status: "streaming", parts: [ask] })]) })
      .on(`POST chats/${CHAT}/answers`, { status: 409, body: { error: "no open question", code: "no_open_question" } });
    const pane = await shown(t);
    const options = pane.shadowRoot?.querySelectorAll<HTMLButtonElement>('[data-testid="ask-card"] button.btn-option') ?? [];
    expect([...options].map((b) => b.textContent)).toEqual(["main", "dev"]);
    options[1]?.click();
    await vi.waitFor(() => expect(t.srv.calls).toContain(`POST chats/${CHAT}/answers {"call_id":"q1","answer":"dev"}`));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="notice"]')?.textContent).toBe("That question is no longer open (the turn ended)."));
    expect(pane.controller?.state.answered).toEqual({});
  });

  it("renames its chat from the title", async () => {
    t.srv.on(`PATCH chats/${CHAT}`, (body) => ({ body: chat(CHAT, body as Partial<Chat>) }));
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="chat-title"]')?.textContent).toBe("Fix the bug"));
    t.$(pane, '[data-testid="chat-title"]')?.click();
    const input = t.$<HTMLInputElement>(pane, '[data-testid="chat-title-input"]');
    if (input === null) throw new Error("no title input");
    input.value = "  Fix the parser  ";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="chat-title"]')?.textContent).toBe("Fix the parser"));
    expect(t.srv.calls).toContain(`PATCH chats/${CHAT} {"title":"Fix the parser"}`);
    expect(t.of("boo-tab-title")).toEqual([{ title: "Fix the bug" }, { title: "Fix the parser" }]);
  });

  it("changes the chat's agent", async () => {
    t.srv.on(`PATCH chats/${CHAT}`, (body) => ({ body: chat(CHAT, { title: "Fix the bug", ...(body as Partial<Chat>) }) }));
    const pane = await shown(t);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="agent-picker"] option[value="reviewer"]')).not.toBeNull());
    const select = t.$<HTMLSelectElement>(pane, '[data-testid="agent-picker"]');
    if (select === null) throw new Error("no agent picker");
    select.value = "reviewer";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(pane.controller?.currentChat()?.agent).toBe("reviewer"));
    expect(t.srv.calls).toContain(`PATCH chats/${CHAT} {"agent":"reviewer"}`);
  });

  it("stays on a chat the session does not have, and says so", async () => {
    t = setup(server([chat(OTHER_CHAT)]));
    const pane = t.make();
    document.body.append(pane);
    await vi.waitFor(() => expect(t.sockets).toHaveLength(1));
    send(t.sockets[0], HELLO);
    await vi.waitFor(() => expect(t.$(pane, '[data-testid="missing-chat"]')).not.toBeNull());
    expect(pane.controller?.state.chatId).toBe(CHAT);
    expect(t.srv.calls.filter((c) => c.includes("messages"))).toEqual([]);
    expect(t.$<HTMLTextAreaElement>(pane, '[data-testid="composer"]')?.disabled).toBe(true);
    expect(t.of("boo-tab-title")).toEqual([{ title: "Missing chat" }]);
  });

  it("focuses its composer, also when asked before it showed", async () => {
    const pane = t.make();
    pane.focus();
    document.body.append(pane);
    await vi.waitFor(() => expect(pane.shadowRoot?.activeElement?.getAttribute("data-testid")).toBe("composer"));
  });

  it("waits for both ids, and drops everything when one is removed", async () => {
    const pane = t.make();
    pane.removeAttribute("chat-id");
    document.body.append(pane);
    await settle();
    expect(t.sockets).toHaveLength(0);
    pane.setAttribute("chat-id", CHAT);
    await vi.waitFor(() => expect(t.sockets).toHaveLength(1));
    pane.removeAttribute("session-id");
    await settle();
    expect(t.sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    expect(pane.controller).toBeUndefined();
  });
});

describe("hostTheme", () => {
  it("applies the theme's page rules to the element", () => {
    expect(hostTheme(":root {\n  --bg: #000;\n}\n:root{color:red}")).toBe(":host {\n  --bg: #000;\n}\n:host{color:red}");
  });
});
