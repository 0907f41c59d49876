// @vitest-environment jsdom
// The /coder/ page as a shell: the route's chat in ONE <boo-coder-pane>, the page's own
// connection state only while no session is open, the pane's requests followed.

import { CHAT, chat, OTHER_CHAT, SESSION, windowOf } from "@boocode/common/fixtures";
import { fakeSockets } from "@boocode/common/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoderApi } from "../api/client";
import { Controller } from "../controller";
import { coderServer, hello } from "../testing/fake-server";
import { AppView } from "./app-view";

function shell() {
  const srv = coderServer()
    .on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT), chat(OTHER_CHAT)], next_cursor: null } })
    .on(`GET chats/${OTHER_CHAT}/messages`, { body: windowOf([]) });
  const page = fakeSockets();
  const pane = fakeSockets();
  const app = new Controller({ location: window.location, history: window.history, api: new CoderApi(window.location, srv.fetchFn), openWs: page.open });
  const root = document.createElement("div");
  document.body.append(root);
  new AppView(root, app, { openWs: pane.open, fetch: srv.fetchFn, storage: null });
  return { app, root, page: page.sockets, pane: pane.sockets };
}

const testids = (root: HTMLElement, id: string) => root.querySelectorAll(`[data-testid="${id}"]`).length;

describe("AppView (the page shell)", () => {
  let stop: (() => void) | undefined;
  beforeEach(() => {
    document.body.replaceChildren();
  });
  afterEach(() => {
    stop?.();
    document.body.replaceChildren();
  });

  it("shows the route's chat in one pane and follows the chat it asks for", async () => {
    window.history.replaceState(null, "", `/#/s/${SESSION}/c/${CHAT}`);
    const { app, root, page, pane } = shell();
    stop = () => app.stop();
    await app.start();
    await vi.waitFor(() => expect(root.querySelectorAll("boo-coder-pane")).toHaveLength(1));
    const el = root.querySelector("boo-coder-pane")!;
    expect([el.getAttribute("session-id"), el.getAttribute("chat-id")]).toEqual([SESSION, CHAT]);
    await vi.waitFor(() => expect(pane).toHaveLength(1));
    hello(pane[0]);
    // One connection state on the page: the pane's.
    expect(page).toEqual([]);
    expect(testids(root, "ws-status")).toBe(0);
    await vi.waitFor(() => expect(el.shadowRoot?.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state")).toBe("connected"));

    el.dispatchEvent(new CustomEvent("boo-open-tab", { detail: { tab: { kind: "coder", id: OTHER_CHAT }, beside: false }, bubbles: true, composed: true }));
    expect(window.location.hash).toBe(`#/s/${SESSION}/c/${OTHER_CHAT}`);
    await vi.waitFor(() => expect(el.getAttribute("chat-id")).toBe(OTHER_CHAT));
    await vi.waitFor(() => expect(el.controller?.state.chatId).toBe(OTHER_CHAT));
    // Same session: same socket.
    expect(pane).toHaveLength(1);

    el.dispatchEvent(new CustomEvent("boo-tab-title", { detail: { title: "Fix the parser" }, bubbles: true, composed: true }));
    await vi.waitFor(() => expect(document.title).toBe("Fix the parser · boocoder · BooCode"));
  });

  it("without a session: the chooser, the page's own connection state, no pane", async () => {
    window.history.replaceState(null, "", "/");
    const { app, root, page, pane } = shell();
    stop = () => app.stop();
    await app.start();
    hello(page[0]);
    await vi.waitFor(() => expect(root.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state")).toBe("connected"));
    await vi.waitFor(() => expect(testids(root, "session-choice")).toBe(1));
    expect(root.querySelector("boo-coder-pane")).toBeNull();
    root.querySelector<HTMLButtonElement>('[data-testid="session-choice"]')?.click();
    await vi.waitFor(() => expect(root.querySelector("boo-coder-pane")?.getAttribute("chat-id")).toBe(OTHER_CHAT));
    await vi.waitFor(() => expect(pane).toHaveLength(1));
    expect(page[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" });

    // Back to no session: the pane is removed and its socket closed.
    app.closeSession();
    await vi.waitFor(() => expect(root.querySelector("boo-coder-pane")).toBeNull());
    await vi.waitFor(() => expect(pane[0]?.closedWith).toEqual({ code: 1000, reason: "page closed" }));
    expect(page).toHaveLength(2);
  });
});
