// @vitest-environment jsdom
import type { TabKind, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { render } from "lit";
import { describe, expect, it, vi } from "vitest";
import { reduce } from "./layout";
import { ModuleLoader, PaneElements, type PaneEvents } from "./shell-elements";
import { paneGrows, panesView, type PanesActions, type PanesModel } from "./shell-view";

const noEvents: PaneEvents = { title: () => {}, busy: () => {}, openTab: () => {}, archived: () => {} };

const noActions: PanesActions = {
  activate: () => {},
  closeTab: () => {},
  tabPointerDown: () => {},
  toggleMenu: () => {},
  newTab: () => {},
  split: () => {},
  closePane: () => {},
  openItem: () => {},
  splitterDown: () => {},
  splitterKey: () => {},
  retryModule: () => {},
};

const start: WorkspaceState = {
  panes: [
    { id: "p1", tabs: [{ kind: "chat", id: "c1" }, { kind: "term", id: "t1" }], activeTab: "c1" },
    { id: "p2", tabs: [{ kind: "coder", id: "c2" }], activeTab: "c2" },
  ],
  tabNumbers: { c1: 1, t1: 2, c2: 3 },
  nextTabNumber: 4,
  closedPaneStack: [],
  version: 1,
};

/** Renders the panes of `layout` the way the shell does, elements from `els`. */
function draw(host: HTMLElement, els: PaneElements, layout: WorkspaceState): void {
  const model: PanesModel = {
    sessionId: "s1",
    layout,
    narrowShown: null,
    focusedPane: null,
    liveWidths: null,
    title: (t) => t.id,
    busy: new Map(),
    element: (t) => els.get("s1", t),
    module: () => "ready",
    menuPane: null,
    dragging: null,
    dropTarget: null,
    history: { open: [], archived: [], terminals: [] },
    historyErrors: { chats: null, terminals: null },
  };
  render(panesView(model, noActions), host);
  els.retain(new Set(layout.panes.flatMap((p) => p.tabs.map((t) => t.id))));
}

const paneOf = (el: Element): string | undefined => el.closest<HTMLElement>("section[data-pane-id]")?.dataset["paneId"];

describe("PaneElements with the panes view", () => {
  it("moves the very element of a tab dragged to another pane, and of the tabs of a closed pane", () => {
    const host = document.createElement("div");
    document.body.append(host);
    const els = new PaneElements(noEvents);
    draw(host, els, start);
    const term = host.querySelector('boo-term-pane[terminal-id="t1"]');
    const chat = host.querySelector('boo-chat-pane[chat-id="c1"]');
    expect(term).not.toBeNull();
    expect(paneOf(term!)).toBe("p1");
    // Inactive tabs stay in the document, hidden.
    expect(term!.parentElement?.hidden).toBe(true);
    expect(chat!.parentElement?.hidden).toBe(false);

    const moved = reduce(start, { type: "move_tab", tabId: "t1", toPaneId: "p2", index: 0 });
    draw(host, els, moved);
    expect(host.querySelector('boo-term-pane[terminal-id="t1"]')).toBe(term);
    expect(paneOf(term!)).toBe("p2");
    expect(term!.isConnected).toBe(true);
    expect(term!.parentElement?.hidden).toBe(false);
    expect(host.querySelectorAll("boo-term-pane")).toHaveLength(1);

    // Closing p2 relocates its tabs to p1: the same nodes again.
    const coder = host.querySelector('boo-coder-pane[chat-id="c2"]');
    const closed = reduce(moved, { type: "close_pane", paneId: "p2" });
    draw(host, els, closed);
    expect(host.querySelector('boo-term-pane[terminal-id="t1"]')).toBe(term);
    expect(host.querySelector('boo-coder-pane[chat-id="c2"]')).toBe(coder);
    expect(paneOf(term!)).toBe("p1");
    expect(paneOf(coder!)).toBe("p1");
    expect(host.querySelectorAll("section[data-pane-id]")).toHaveLength(1);

    // Reordering within the pane keeps them too.
    const reordered = reduce(closed, { type: "move_tab", tabId: "c1", toPaneId: "p1", index: 2 });
    draw(host, els, reordered);
    expect(host.querySelector('boo-chat-pane[chat-id="c1"]')).toBe(chat);
    expect([...host.querySelectorAll("[data-tab-id]")].map((t) => t.getAttribute("data-tab-id"))).toEqual(["t1", "c2", "c1"]);
    host.remove();
  });

  it("drops an element only when its tab closes, and all of them for another session", () => {
    const host = document.createElement("div");
    document.body.append(host);
    const els = new PaneElements(noEvents);
    draw(host, els, start);
    const term = host.querySelector('boo-term-pane[terminal-id="t1"]')!;
    draw(host, els, reduce(start, { type: "close_tab", tabId: "t1" }));
    expect(term.isConnected).toBe(false);
    expect(els.has("t1")).toBe(false);
    expect(els.size).toBe(2);
    const c1 = els.peek("c1");
    expect(els.get("s2", { kind: "chat", id: "c1" })).not.toBe(c1);
    expect(c1?.isConnected).toBe(false);
    expect(els.size).toBe(1);
    host.remove();
  });

  it("makes elements with the contract's attributes and a new one when a tab changes kind", () => {
    const els = new PaneElements(noEvents);
    const attrs = (tab: WorkspaceTab): Record<string, string> => {
      const el = els.get("s1", tab);
      return Object.fromEntries([...el.attributes].filter((a) => a.name !== "class" && a.name !== "data-ws-tab").map((a) => [a.name, a.value]));
    };
    expect(els.get("s1", { kind: "chat", id: "c1" }).tagName).toBe("BOO-CHAT-PANE");
    expect(attrs({ kind: "chat", id: "c1" })).toEqual({ "session-id": "s1", "chat-id": "c1", base: "./" });
    const chat = els.peek("c1");
    expect(attrs({ kind: "coder", id: "c1" })).toEqual({ "session-id": "s1", "chat-id": "c1", base: "./coder/" });
    expect(els.peek("c1")).not.toBe(chat);
    expect(attrs({ kind: "term", id: "t1" })).toEqual({ "terminal-id": "t1", base: "./term/" });
  });

  it("passes the panes' events on with the tab they came from", () => {
    const events = { title: vi.fn(), busy: vi.fn(), openTab: vi.fn(), archived: vi.fn() };
    const els = new PaneElements(events);
    const el = els.get("s1", { kind: "chat", id: "c1" });
    const fire = (type: string, detail: unknown): void => void el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    fire("boo-tab-title", { title: "Hello" });
    fire("boo-tab-busy", { busy: true });
    fire("boo-open-tab", { tab: { kind: "chat", id: "c9" }, beside: true });
    fire("boo-open-tab", { tab: { kind: "bogus", id: "x" }, beside: true });
    fire("boo-tab-archived", { id: "c1" });
    expect(events.title).toHaveBeenCalledWith("c1", "Hello");
    expect(events.busy).toHaveBeenCalledWith("c1", true);
    expect(events.openTab).toHaveBeenCalledTimes(1);
    expect(events.openTab).toHaveBeenCalledWith("c1", { kind: "chat", id: "c9" }, true);
    expect(events.archived).toHaveBeenCalledWith("c1", "c1");
  });
});

describe("ModuleLoader", () => {
  it("imports a daemon's pane.js once, from the page's base, and can retry a failure", async () => {
    const urls: string[] = [];
    let fail = true;
    const changed = vi.fn();
    const loader = new ModuleLoader(
      changed,
      async (url) => {
        urls.push(url);
        if (fail) throw new Error("404");
      },
      () => "https://boo.example/app/#/s/x",
    );
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
    expect(loader.get("chat")).toBe("ready");
    loader.need("term");
    loader.need("term");
    expect(loader.get("term")).toBe("loading");
    await settle();
    expect(loader.get("term")).toBe("failed");
    expect(loader.error("term")).toBe("404");
    fail = false;
    loader.retry("term");
    loader.need("coder" as TabKind);
    await settle();
    expect(loader.get("term")).toBe("ready");
    expect(loader.get("coder")).toBe("ready");
    expect(urls).toEqual(["https://boo.example/app/term/pane.js", "https://boo.example/app/term/pane.js", "https://boo.example/app/coder/pane.js"]);
    expect(changed).toHaveBeenCalled();
  });
});

describe("paneGrows", () => {
  it("scales relative widths to average 1, a missing or bad one counting as 1", () => {
    expect(paneGrows([0.8])).toEqual([1]);
    expect(paneGrows([1.2, undefined, 0.8])).toEqual([1.2, 1, 0.8]);
    expect(paneGrows([0.25, 0.25])).toEqual([1, 1]);
    expect(paneGrows([3, 1])).toEqual([1.5, 0.5]);
    expect(paneGrows([Number.NaN, 2])).toEqual([0.667, 1.333]);
  });
});
