// @vitest-environment jsdom
// The /coder/ page (a shell around one pane) against a fake boocoder: the route in
// jsdom's URL, REST answers from a table, the page's own socket driven by hand.

import { CHAT, chat, OTHER_CHAT, SESSION } from "@boocode/common/fixtures";
import { fakeSockets } from "@boocode/common/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoderApi } from "./api/client";
import { Controller } from "./controller";
import { coderServer, hello, type FakeServer } from "./testing/fake-server";
import { FAKE, provider, snapshot } from "./testing/fixtures";

function page(srv: FakeServer) {
  const { open, sockets } = fakeSockets();
  const app = new Controller({ location: window.location, history: window.history, api: new CoderApi(window.location, srv.fetchFn), openWs: open });
  return { app, sockets };
}

describe("Controller (the page)", () => {
  let stop: (() => void) | undefined;
  beforeEach(() => {
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${CHAT}`);
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    vi.useRealTimers();
  });

  it("opens the session and chat of the URL for its pane; no socket of its own meanwhile", async () => {
    const srv = coderServer();
    const { app, sockets } = page(srv);
    stop = () => app.stop();
    await app.start();
    expect(app.state.sessionId).toBe(SESSION);
    expect(app.state.chatId).toBe(CHAT);
    await vi.waitFor(() => expect(app.currentSession()?.title).toBe("fix the bug"));
    expect(app.currentChat()?.id).toBe(CHAT);
    expect(sockets).toEqual([]);
    expect(window.location.hash).toBe(`#/s/${SESSION}/c/${CHAT}`);
  });

  it("without a session: a socket that shows the daemon is there, and the list to pick from", async () => {
    window.history.replaceState(null, "", "/");
    const srv = coderServer().on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT, { status: "archived" }), chat(OTHER_CHAT)], next_cursor: null } });
    const { app, sockets } = page(srv);
    stop = () => app.stop();
    await app.start();
    expect(sockets.map((s) => s.url)).toEqual(["ws://localhost:3000/api/ws"]);
    hello(sockets[0]);
    expect(app.state.conn.state).toBe("connected");
    await vi.waitFor(() => expect(app.state.sessions?.map((s) => s.id)).toEqual([SESSION]));

    // Picking a session closes that socket (the pane has the session's) and picks its newest open chat.
    app.selectSession(SESSION);
    expect(sockets[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });
    await vi.waitFor(() => expect(app.state.chatId).toBe(OTHER_CHAT));
    expect(window.location.hash).toBe(`#/s/${SESSION}/c/${OTHER_CHAT}`);

    // The pane asks for another chat (a card waiting elsewhere): the route follows.
    app.selectChat(CHAT);
    expect(window.location.hash).toBe(`#/s/${SESSION}/c/${CHAT}`);

    app.closeSession();
    expect(window.location.hash).toBe("#/");
    expect(sockets).toHaveLength(2);
  });

  it("follows the hash: another chat, no session", async () => {
    const srv = coderServer().on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT), chat(OTHER_CHAT)], next_cursor: null } });
    const { app } = page(srv);
    stop = () => app.stop();
    await app.start();
    await vi.waitFor(() => expect(app.state.chats).not.toBeNull());
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${OTHER_CHAT}`);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    await vi.waitFor(() => expect(app.state.chatId).toBe(OTHER_CHAT));
    window.history.replaceState(null, "", "/#/");
    await app.followRoute();
    expect(app.state).toMatchObject({ sessionId: null, chatId: null, chats: null });
  });

  it("says why a session cannot be opened", async () => {
    const srv = coderServer().on(`GET sessions/${SESSION}/chats`, { status: 404, body: { error: "no session", code: "not_found" } });
    const { app } = page(srv);
    stop = () => app.stop();
    await app.start();
    expect(app.state.chatsError).toBe("That session no longer exists.");
  });

  it("polls the providers while a probe runs", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let answers = 0;
    const srv = coderServer().on("GET providers/snapshot", () => {
      answers += 1;
      return { body: snapshot(answers < 3 ? provider("fake", { state: "loading", probing: true }) : FAKE) };
    });
    const { app } = page(srv);
    await app.loadProviders();
    expect(app.state.providers?.providers.map((p) => p.state)).toEqual(["loading"]);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(answers).toBe(3);
    expect(app.state.providers?.providers.map((p) => p.state)).toEqual(["ready"]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(answers).toBe(3);
  });
});
