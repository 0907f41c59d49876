// @vitest-environment jsdom
import type { WorkspaceState } from "@boocode/types";
import type { WsLike } from "@boocode/common/session-socket";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, WorkspaceSaved } from "../api/client";
import { paneOfPath, typingTarget } from "./event-path";
import { BooWorkspace } from "./shell";
import type { TermClient } from "./term-client";
import { at, chat, session, terminal } from "./testing";

// Stand-ins for the coder and terminal panes (their daemons serve the real ones).
class FakePane extends HTMLElement {
  focused = 0;
  override focus(): void {
    this.focused += 1;
  }
}
if (customElements.get("boo-term-pane") === undefined) customElements.define("boo-term-pane", class extends FakePane {});
if (customElements.get("boo-coder-pane") === undefined) customElements.define("boo-coder-pane", class extends FakePane {});

const stored = (): WorkspaceState => ({
  panes: [
    { id: "p1", tabs: [{ kind: "term", id: "t1" }, { kind: "coder", id: "gone" }], activeTab: "t1" },
    { id: "p2", tabs: [{ kind: "coder", id: "c2" }], activeTab: "c2" },
  ],
  tabNumbers: { t1: 1, gone: 2, c2: 3 },
  nextTabNumber: 4,
  closedPaneStack: [],
  version: 5,
});

type Fakes = {
  saved: WorkspaceState[];
  /** The session sockets, in order. */
  sockets: WsLike[];
  /** The catalog sockets (`/api/ws` without a session). */
  catalog: WsLike[];
  sessionLists: number;
  updateChat: ReturnType<typeof vi.fn>;
  createTerminal: ReturnType<typeof vi.fn>;
};

function mount(narrow = false): { shell: BooWorkspace; fakes: Fakes } {
  let layout = stored();
  const fakes: Fakes = {
    saved: [],
    sockets: [],
    catalog: [],
    sessionLists: 0,
    updateChat: vi.fn(async (id: string) => chat(id, { title: "Restored" })),
    createTerminal: vi.fn(async () => terminal("t9")),
  };
  window.matchMedia = ((query: string) => ({
    matches: narrow,
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  })) as unknown as typeof window.matchMedia;
  const api = {
    projects: async () => [{ id: "p1", name: "app", path: "/src/app", status: "open", created_at: at(), updated_at: at() }],
    sessions: async (_p: string, status: string) => {
      fakes.sessionLists += 1;
      return status === "open" ? [session()] : [];
    },
    session: async () => session(),
    chats: async () => [chat("c2", { title: "Agent work" }), chat("c3", { title: "Idle chat" }), chat("c4", { title: "Old", status: "archived" })],
    workspace: async () => layout,
    saveWorkspace: async (_s: string, state: WorkspaceState): Promise<WorkspaceSaved> => {
      fakes.saved.push(state);
      layout = { ...state, version: state.version + 1 };
      return { ok: true, state: layout };
    },
    updateChat: fakes.updateChat,
    createChat: async () => chat("c9"),
    inbox: async () => ({ items: [] }),
    mcp: async () => ({ servers: [] }),
  };
  const term = {
    list: async () => [terminal("t1", { title: "htop" }), terminal("t2", { status: "exited", exit_code: 0, exited_at: at() })],
    exists: async () => false,
    create: fakes.createTerminal,
  };
  const shell = document.createElement("boo-workspace") as BooWorkspace;
  shell.api = api as unknown as Api;
  shell.term = term as unknown as TermClient;
  shell.openWs = (url) => {
    const ws: WsLike = { onmessage: null, onerror: null, onclose: null, close: () => {} };
    (url.includes("session_id=") ? fakes.sockets : fakes.catalog).push(ws);
    return ws;
  };
  shell.importModule = async () => undefined;
  shell.agentChatIds = async () => [];
  window.location.hash = "#/s/s1";
  document.body.append(shell);
  return { shell, fakes };
}

const frame = (ws: WsLike | undefined, value: object): void => ws?.onmessage?.({ data: JSON.stringify({ seq: 0, ...value }) });
const tabIds = (shell: Element, paneId: string): string[] =>
  [...shell.querySelectorAll(`section[data-pane-id="${paneId}"] [role="tab"]`)].map((t) => t.getAttribute("data-id") ?? "");
const key = (init: KeyboardEventInit): void => void window.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));

describe("<boo-workspace>", () => {
  beforeEach(() => {
    localStorage.clear();
  });
  afterEach(() => {
    document.body.replaceChildren();
    window.location.hash = "";
  });

  it("opens the routed session, prunes the tabs whose chat or terminal is gone and saves that", async () => {
    const { shell, fakes } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1"]));
    expect(tabIds(shell, "p2")).toEqual(["c2"]);
    expect(shell.querySelector('[data-testid="session-title"]')?.textContent).toBe("Shell");
    // Titles from the lists before the panes report; numbers from the layout.
    const tab = shell.querySelector('[data-testid="term-tab"][data-id="t1"]');
    expect(tab?.querySelector(".ws-tab-title")?.textContent).toBe("htop");
    expect(tab?.querySelector(".ws-tab-num")?.textContent).toBe("1");
    expect(shell.querySelector('[data-testid="coder-tab"] .ws-tab-title')?.textContent).toBe("Agent work");
    await vi.waitFor(() => expect(fakes.saved.length).toBe(1), { timeout: 2000 });
    expect(fakes.saved[0]?.panes.map((p) => p.tabs.map((t) => t.id))).toEqual([["t1"], ["c2"]]);
    expect(fakes.saved[0]?.version).toBe(5);
    expect(window.location.hash).toBe("#/s/s1");
  });

  it("closes the inbox panel on Escape and gives the focus back to its button", async () => {
    const { shell } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1"]));
    const button = shell.querySelector<HTMLElement>('[data-testid="inbox-button"]');
    button?.click();
    await vi.waitFor(() => expect(shell.querySelector('[data-testid="inbox-panel"]')).not.toBeNull());
    key({ key: "Escape" });
    await vi.waitFor(() => expect(shell.querySelector('[data-testid="inbox-panel"]')).toBeNull());
    expect(document.activeElement).toBe(button);
  });

  it("follows the session's other devices: a workspace frame moves the same element", async () => {
    const { shell, fakes } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1"]));
    const term = shell.querySelector('boo-term-pane[terminal-id="t1"]');
    const ws = fakes.sockets[0];
    frame(ws, { type: "hello", daemon: "boochat", version: "test" });
    const next: WorkspaceState = {
      panes: [
        { id: "p1", tabs: [], width: 1 },
        { id: "p2", tabs: [{ kind: "coder", id: "c2" }, { kind: "term", id: "t1" }], activeTab: "t1" },
      ],
      tabNumbers: { t1: 1, c2: 3 },
      nextTabNumber: 4,
      closedPaneStack: [],
      version: 40,
    };
    frame(ws, { type: "session_workspace_updated", state: next });
    await vi.waitFor(() => expect(tabIds(shell, "p2")).toEqual(["c2", "t1"]));
    expect(shell.querySelector('boo-term-pane[terminal-id="t1"]')).toBe(term);
    expect(term?.closest("section")?.getAttribute("data-pane-id")).toBe("p2");
    expect(shell.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state")).toBe("connected");
    // The empty pane is the session's history.
    const items = [...shell.querySelectorAll('section[data-pane-id="p1"] [data-testid="history-item"]')].map((b) => [
      b.getAttribute("data-kind"),
      b.getAttribute("data-id"),
      b.getAttribute("data-status"),
    ]);
    expect(items).toEqual([
      ["chat", "c3", "open"],
      ["term", "t2", "exited"],
      ["chat", "c4", "archived"],
    ]);
  });

  it("takes titles and busy dots from the panes, opens forks beside them and closes archived chats", async () => {
    const { shell } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p2")).toEqual(["c2"]));
    const coder = shell.querySelector('boo-coder-pane[chat-id="c2"]')!;
    const fire = (type: string, detail: unknown): void => void coder.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    fire("boo-tab-title", { title: "Renamed by the pane" });
    fire("boo-tab-busy", { busy: true });
    await vi.waitFor(() => expect(shell.querySelector('[data-id="c2"][role="tab"] .ws-tab-title')?.textContent).toBe("Renamed by the pane"));
    expect(shell.querySelector('[data-id="c2"][role="tab"]')?.getAttribute("data-busy")).toBe("true");
    fire("boo-open-tab", { tab: { kind: "coder", id: "c7" }, beside: true });
    await vi.waitFor(() => expect(shell.querySelectorAll("section[data-pane-id]")).toHaveLength(3));
    const ids = [...shell.querySelectorAll<HTMLElement>("section[data-pane-id]")].map((s) => s.dataset["paneId"]);
    expect(ids[1]).toBe("p2");
    expect(tabIds(shell, ids[2] ?? "")).toEqual(["c7"]);
    fire("boo-tab-archived", { id: "c2" });
    await vi.waitFor(() => expect(tabIds(shell, "p2")).toEqual([]));
    expect(coder.isConnected).toBe(false);
  });

  it("focuses pane N on Ctrl/Cmd-N, splits the focused pane on Ctrl-\\ and reopens on Ctrl-Shift-T", async () => {
    const { shell } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p2")).toEqual(["c2"]));
    const coder = shell.querySelector<HTMLElement & { focused: number }>('boo-coder-pane[chat-id="c2"]')!;
    key({ key: "2", code: "Digit2", ctrlKey: true });
    await vi.waitFor(() => expect(coder.focused).toBe(1));
    expect(shell.querySelector('section[data-pane-id="p2"]')?.classList.contains("focused")).toBe(true);
    key({ key: "\\", code: "Backslash", metaKey: true });
    await vi.waitFor(() => expect(shell.querySelectorAll("section[data-pane-id]")).toHaveLength(3));
    const order = (): (string | undefined)[] => [...shell.querySelectorAll<HTMLElement>("section[data-pane-id]")].map((s) => s.dataset["paneId"]);
    expect(order()).toEqual(["p1", "p2", "p3"]);
    shell.querySelector<HTMLButtonElement>('section[data-pane-id="p2"] [data-testid="close-pane"]')?.click();
    await vi.waitFor(() => expect(order()).toEqual(["p1", "p3"]));
    expect(tabIds(shell, "p1")).toEqual(["t1", "c2"]);
    expect(shell.querySelector<HTMLButtonElement>('[data-testid="reopen-pane"]')?.disabled).toBe(false);
    key({ key: "T", code: "KeyT", ctrlKey: true, shiftKey: true });
    await vi.waitFor(() => expect(order()).toEqual(["p1", "p3", "p2"]));
    expect(tabIds(shell, "p2")).toEqual(["c2"]);
  });

  it("opens a history entry in its pane, restoring an archived chat first; creates terminals in the project", async () => {
    const { shell, fakes } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1"]));
    shell.querySelector<HTMLButtonElement>('section[data-pane-id="p2"] [data-testid="close-tab"]')?.click();
    await vi.waitFor(() => expect(shell.querySelector('section[data-pane-id="p2"] [data-id="c4"]')).not.toBeNull());
    // The closed agent chat is listed as one, and would open as one.
    expect(shell.querySelector('section[data-pane-id="p2"] [data-testid="history-item"][data-id="c2"]')?.getAttribute("data-kind")).toBe("coder");
    shell.querySelector<HTMLButtonElement>('section[data-pane-id="p2"] [data-testid="history-item"][data-id="c4"]')?.click();
    await vi.waitFor(() => expect(tabIds(shell, "p2")).toEqual(["c4"]));
    expect(fakes.updateChat).toHaveBeenCalledWith("c4", { status: "open" });
    expect(shell.querySelector('[data-id="c4"][role="tab"]')?.getAttribute("data-kind")).toBe("chat");
    shell.querySelector<HTMLButtonElement>('section[data-pane-id="p1"] [data-testid="pane-new"]')?.click();
    await vi.waitFor(() => expect(shell.querySelector('[data-testid="new-terminal"]')).not.toBeNull());
    shell.querySelector<HTMLButtonElement>('[data-testid="new-terminal"]')?.click();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1", "t9"]));
    expect(fakes.createTerminal).toHaveBeenCalledWith({ session_id: "s1", cwd: "/src/app", cols: 120, rows: 32 });
  });

  it("follows session changes of every device in the sidebar, through the catalog socket", async () => {
    const { shell, fakes } = mount();
    const rows = (): [string | null, string | undefined][] =>
      [...shell.querySelectorAll('[data-testid="session"]')].map((r) => [r.getAttribute("data-id"), r.querySelector(".session-title")?.textContent?.trim()]);
    await vi.waitFor(() => expect(rows()).toEqual([["s1", "Shell"]]));
    expect(fakes.catalog).toHaveLength(1);
    const catalog = fakes.catalog[0];
    frame(catalog, { type: "hello", daemon: "boochat", version: "test" });
    // Another device renamed the open session and made a new one.
    frame(catalog, { type: "session_updated", session: session({ title: "Renamed", updated_at: at(2) }) });
    frame(catalog, { type: "session_updated", session: session({ id: "s2", title: "Newer", updated_at: at(3) }) });
    await vi.waitFor(() =>
      expect(rows()).toEqual([
        ["s2", "Newer"],
        ["s1", "Renamed"],
      ]),
    );
    expect(shell.querySelector('[data-testid="session-title"]')?.textContent).toBe("Renamed");
    expect(document.title).toBe("Renamed · BooCode");
    // Archived elsewhere: it leaves the open list (archived ones are hidden).
    frame(catalog, { type: "session_updated", session: session({ id: "s2", title: "Newer", status: "archived", updated_at: at(4) }) });
    await vi.waitFor(() => expect(rows()).toEqual([["s1", "Renamed"]]));
    // The catalog keeps nothing to replay: after a reconnect the lists are read again.
    const before = fakes.sessionLists;
    catalog?.onclose?.({ code: 1006, reason: "" });
    await vi.waitFor(() => expect(fakes.catalog).toHaveLength(2), { timeout: 3000 });
    frame(fakes.catalog[1], { type: "hello", daemon: "boochat", version: "test" });
    await vi.waitFor(() => expect(fakes.sessionLists).toBeGreaterThan(before));
  });

  it("shows the open session's own session_updated, and a session gone (4404) without retrying", async () => {
    const { shell, fakes } = mount();
    await vi.waitFor(() => expect(tabIds(shell, "p1")).toEqual(["t1"]));
    const ws = fakes.sockets[0];
    frame(ws, { type: "hello", daemon: "boochat", version: "test" });
    frame(ws, { type: "session_updated", session_id: "s1", seq: 7, session: session({ title: "Archived here", status: "archived" }) });
    await vi.waitFor(() => expect(shell.querySelector('[data-testid="session-title"]')?.textContent).toBe("Archived here"));
    expect(shell.querySelector(".ws-title .badge")?.textContent).toBe("archived");
    ws?.onclose?.({ code: 4404, reason: "no such session" });
    await vi.waitFor(() => expect(shell.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state")).toBe("gone"));
    expect(shell.querySelector('[data-testid="ws-status"]')?.textContent?.trim()).toBe("session gone");
  });

  it("shows one pane at a time on a narrow screen, with a switcher", async () => {
    const { shell } = mount(true);
    await vi.waitFor(() => expect(shell.querySelectorAll('[data-testid="pane-switch"]')).toHaveLength(2));
    const visible = (): (string | undefined)[] =>
      [...shell.querySelectorAll<HTMLElement>("section[data-pane-id]")].filter((s) => !s.hidden).map((s) => s.dataset["paneId"]);
    expect(visible()).toEqual(["p1"]);
    expect(shell.querySelector(".ws")?.classList.contains("side-hidden")).toBe(true);
    shell.querySelectorAll<HTMLButtonElement>('[data-testid="pane-switch"]')[1]?.click();
    await vi.waitFor(() => expect(visible()).toEqual(["p2"]));
    // Both panes' elements stay in the document.
    expect(shell.querySelector('boo-term-pane[terminal-id="t1"]')?.isConnected).toBe(true);
  });
});

describe("typingTarget and paneOfPath", () => {
  it("tell text fields and terminals, and the pane an event happened in", () => {
    const section = document.createElement("section");
    section.className = "ws-pane";
    section.dataset["paneId"] = "p2";
    const input = document.createElement("input");
    const term = document.createElement("boo-term-pane");
    const div = document.createElement("div");
    section.append(input, div);
    expect(typingTarget([input, section])).toBe(true);
    expect(typingTarget([div, term])).toBe(true);
    expect(typingTarget([div, section, document.body])).toBe(false);
    expect(paneOfPath([div, section, document.body])).toBe("p2");
    expect(paneOfPath([document.body])).toBeNull();
  });
});
