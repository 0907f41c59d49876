// @vitest-environment jsdom
// The link against a fake daemon: REST reads from a table, the session's WebSocket
// driven by hand, the route in jsdom's URL.

import type { Chat, Envelope, MessageWindow } from "@boocode/types";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { CHAT, chat, message, OTHER_CHAT, SESSION, windowOf } from "./fixtures";
import { hashRoute } from "./route";
import { SessionLink, SYNC_FALLBACK_MS, type LinkState, type SessionLinkHost } from "./session-link";
import { GAP_REFETCH_MS } from "./feed";
import { Store } from "./store";
import { fakeSockets, type FakeSocket } from "./test-support";

type State = LinkState & { mine: string };

const HELLO = { type: "hello", seq: 0, daemon: "test", version: "0.1.0" };
const OTHER_SESSION = "5e55104e-0000-4000-8000-000000000002";

function send(ws: FakeSocket | undefined, frame: Record<string, unknown>): void {
  ws?.message(JSON.stringify(frame));
}

function setup(chats: () => Promise<Chat[]> = async () => [chat(CHAT, { status: "archived" }), chat(OTHER_CHAT)], hooks: Partial<SessionLinkHost> = {}) {
  const store = new Store<State>({ feed: null, chatId: null, conn: { state: "connecting", detail: null }, loadingOlder: false, mine: "" });
  const { open, sockets } = fakeSockets();
  const notices: string[] = [];
  const frames: [string, boolean][] = [];
  const windows: string[] = [];
  const opened: string[] = [];
  let closed = 0;
  const link: SessionLink<State> = new SessionLink(store, {
    location: window.location,
    route: hashRoute(window.location, window.history),
    openWs: open,
    api: {
      chats,
      messages: async (chatId, before): Promise<MessageWindow> => {
        windows.push(before === undefined ? chatId : `${chatId} before ${before}`);
        return before === undefined ? windowOf([message("m2", 2, { chat_id: chatId })], true) : windowOf([message("m1", 1, { chat_id: chatId })]);
      },
    },
    daemon: "test",
    notify: (text) => void notices.push(text),
    openSession: (sessionId, chatId) => {
      opened.push(`${sessionId}/${chatId ?? ""}`);
      link.open(sessionId, chatId, () => ({ mine: sessionId }));
    },
    closeSession: () => {
      closed += 1;
      link.close({ mine: "" });
    },
    onFrame: (env: Envelope, fresh: boolean) => void frames.push([env.type, fresh]),
    ...hooks,
  });
  return { store, link, sockets, notices, frames, windows, opened, closed: () => closed };
}

let seq = 1_764_000_000_000_000;
const f = (frame: Record<string, unknown>) => ({ seq: ++seq, session_id: SESSION, ...frame });

describe("SessionLink", () => {
  beforeEach(() => {
    window.history.replaceState(null, "", "/");
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("opens a session: one live socket, then on hello the chats and the newest open one over REST", async () => {
    const t = setup();
    t.link.open(SESSION, null, () => ({ mine: "x" }));
    expect(t.store.get()).toMatchObject({ mine: "x", chatId: null, feed: { sessionId: SESSION } });
    expect(t.sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/api/ws?session_id=${SESSION}`]);
    expect(window.location.hash).toBe(`#/s/${SESSION}`);
    send(t.sockets[0], HELLO);
    expect(t.store.get().conn).toEqual({ state: "connected", detail: null });
    await vi.waitFor(() => expect(t.store.get().feed?.transcripts[OTHER_CHAT]).toBeDefined());
    // The archived chat is not picked; the route follows.
    expect(t.store.get().chatId).toBe(OTHER_CHAT);
    expect(window.location.hash).toBe(`#/s/${SESSION}/c/${OTHER_CHAT}`);
    expect(t.windows).toEqual([OTHER_CHAT]);
    await t.link.loadOlder();
    expect(t.windows).toEqual([OTHER_CHAT, `${OTHER_CHAT} before m2`]);
    expect(t.store.get().feed?.transcripts[OTHER_CHAT]?.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
  });

  it("syncs over REST when the socket is slow to connect", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const chats = vi.fn(async () => [chat(CHAT)]);
    const t = setup(chats);
    t.link.open(SESSION, CHAT, () => ({}));
    await vi.advanceTimersByTimeAsync(SYNC_FALLBACK_MS - 1);
    expect(chats).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(chats).toHaveBeenCalledTimes(1);
    expect(t.store.get().feed?.transcripts[CHAT]).toBeDefined();
  });

  it("shows a session the daemon does not have as gone: no reconnect, no REST sync", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const chats = vi.fn(async () => [chat(CHAT)]);
    const t = setup(chats);
    t.link.open(SESSION, CHAT, () => ({}));
    t.sockets[0]?.remoteClose(4404, "no such session");
    expect(t.store.get().conn).toEqual({ state: "gone", detail: "no such session" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect([t.sockets.length, chats.mock.calls.length, t.store.get().conn.state]).toEqual([1, 0, "gone"]);
  });

  it("refetches a chat whose streaming message has a gap, after the flush interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const t = setup(async () => [chat(CHAT)], {
      api: {
        chats: async () => [chat(CHAT)],
        messages: async (): Promise<MessageWindow> => {
          t.windows.push(CHAT);
          const content = t.windows.length === 1 ? "Ec" : "Echo: ";
          return windowOf([message("a1", 2, { role: "assistant", status: "streaming", content })]);
        },
      },
    });
    t.link.open(SESSION, CHAT, () => ({}));
    send(t.sockets[0], HELLO);
    await vi.waitFor(() => expect(t.store.get().feed?.transcripts[CHAT]).toBeDefined());
    // "ho: " was streamed before the socket caught up; the next delta starts at 6.
    send(t.sockets[0], f({ type: "delta", chat_id: CHAT, message_id: "a1", offset: 6, text: "hi" }));
    await vi.advanceTimersByTimeAsync(GAP_REFETCH_MS - 1);
    expect(t.windows).toEqual([CHAT]);
    send(t.sockets[0], f({ type: "delta", chat_id: CHAT, message_id: "a1", offset: 8, text: "!" }));
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(t.windows).toEqual([CHAT, CHAT]));
    await vi.waitFor(() => expect(t.store.get().feed?.transcripts[CHAT]?.messages[0]?.content).toBe("Echo: hi!"));
    expect(t.store.get().feed?.pending).toEqual({});
  });

  it("hands frames to the client, says which are news, and runs the effects they ask for", async () => {
    const chats = vi.fn(async () => [chat(CHAT)]);
    const t = setup(chats);
    t.link.open(SESSION, CHAT, () => ({}));
    send(t.sockets[0], HELLO);
    await vi.waitFor(() => expect(t.store.get().feed?.transcripts[CHAT]).toBeDefined());
    const news = f({ type: "user_message", chat_id: CHAT, message: message("u3", 3) });
    send(t.sockets[0], news);
    send(t.sockets[0], news);
    send(t.sockets[0], { type: "error", seq: 0, code: "boom", message: "it broke" });
    expect(t.frames).toEqual([
      ["hello", false],
      ["user_message", true],
      ["user_message", false],
      ["error", true],
    ]);
    expect(t.notices).toEqual(["test: it broke"]);
    expect(t.store.get().feed?.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["m2", "u3"]);
    // The daemon could not replay what was missed: everything again over REST.
    send(t.sockets[0], f({ type: "resync", reason: "lagged" }));
    await vi.waitFor(() => expect(chats).toHaveBeenCalledTimes(2));
  });

  it("says why the chats could not be listed, in the client's words when it has some", async () => {
    const gone = async (): Promise<Chat[]> => {
      throw new ApiError(404, "not_found", "no such session");
    };
    const plain = setup(gone);
    plain.link.open(SESSION, null, () => ({}));
    await plain.link.sync();
    expect(plain.notices).toEqual(["Cannot list the chats: no such session"]);
    const own = setup(gone, { chatsFailed: () => "That session no longer exists." });
    own.link.open(SESSION, null, () => ({}));
    await own.link.sync();
    expect(own.notices).toEqual(["That session no longer exists."]);
  });

  it("follows the route: another session, another chat, none", async () => {
    const t = setup(async () => [chat(CHAT), chat(OTHER_CHAT)]);
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${CHAT}`);
    await t.link.followRoute();
    expect(t.opened).toEqual([`${SESSION}/${CHAT}`]);
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${OTHER_CHAT}`);
    await t.link.followRoute();
    expect(t.opened).toHaveLength(1);
    expect(t.store.get().chatId).toBe(OTHER_CHAT);
    await vi.waitFor(() => expect(t.windows).toEqual([OTHER_CHAT]));
    window.history.replaceState(null, "", `/#/s/${OTHER_SESSION}`);
    await t.link.followRoute();
    expect(t.opened).toEqual([`${SESSION}/${CHAT}`, `${OTHER_SESSION}/`]);
    window.history.replaceState(null, "", "/#/");
    await t.link.followRoute();
    expect(t.closed()).toBe(1);
    expect(t.store.get()).toMatchObject({ feed: null, chatId: null, mine: "" });
  });

  it("keeps one socket, switched with the session", () => {
    const t = setup();
    t.link.connect(null);
    t.link.connect(null);
    expect(t.sockets.map((s) => s.url)).toEqual(["ws://localhost:3000/api/ws"]);
    t.link.open(SESSION, null, () => ({}));
    expect(t.sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    t.link.close({});
    expect(t.sockets.map((s) => s.url)).toEqual(["ws://localhost:3000/api/ws", `ws://localhost:3000/api/ws?session_id=${SESSION}`, "ws://localhost:3000/api/ws"]);
    expect(window.location.hash).toBe("#/");
  });

  it("disposes: the socket closed, no other opened, no sync left to run", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const t = setup();
    t.link.open(SESSION, CHAT, () => ({}));
    t.link.dispose();
    expect(t.sockets.map((s) => [s.url, s.closedWith])).toEqual([[`ws://localhost:3000/api/ws?session_id=${SESSION}`, { code: 1000, reason: "page closed" }]]);
    expect(vi.getTimerCount()).toBe(0);
    // Open again: a new socket of the session.
    t.link.open(SESSION, CHAT, () => ({}));
    expect(t.sockets).toHaveLength(2);
  });
});
