import type { WorkspaceState } from "@boocode/types";
import { describe, expect, it } from "vitest";
import {
  chatKind,
  dragWidths,
  dropIndex,
  narrowPaneId,
  sessionHistory,
  shortcut,
  tabExists,
  tabTitle,
  type KeyLike,
} from "./shell-model";
import { chat, terminal } from "./testing";

const layout: WorkspaceState = {
  panes: [
    { id: "p1", tabs: [{ kind: "chat", id: "c1" }, { kind: "term", id: "t1" }], activeTab: "c1" },
    { id: "p2", tabs: [{ kind: "coder", id: "c2" }], activeTab: "c2" },
    { id: "p3", tabs: [] },
  ],
  tabNumbers: { c1: 1, t1: 2, c2: 3 },
  nextTabNumber: 5,
  closedPaneStack: [{ id: "p4", tabs: [{ kind: "coder", id: "c4" }], activeTab: "c4" }],
  version: 7,
};

const key = (over: Partial<KeyLike>): KeyLike => ({ key: "", code: "", ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...over });

describe("shortcut", () => {
  it("maps Ctrl or Cmd with 1…5 to focusing that pane, read from the physical key too", () => {
    expect(shortcut(key({ key: "1", code: "Digit1", ctrlKey: true }), false)).toEqual({ type: "focus", index: 0 });
    expect(shortcut(key({ key: "5", code: "Digit5", metaKey: true }), true)).toEqual({ type: "focus", index: 4 });
    // AZERTY: the key is "&", the physical key Digit1.
    expect(shortcut(key({ key: "&", code: "Digit1", ctrlKey: true }), false)).toEqual({ type: "focus", index: 0 });
    expect(shortcut(key({ key: "6", code: "Digit6", ctrlKey: true }), false)).toBeNull();
    expect(shortcut(key({ key: "1", code: "Digit1" }), false)).toBeNull();
    expect(shortcut(key({ key: "1", code: "Digit1", ctrlKey: true, altKey: true }), false)).toBeNull();
  });

  it("maps Mod-\\ to split and Mod-Shift-T to reopen, even while typing", () => {
    expect(shortcut(key({ key: "\\", code: "Backslash", ctrlKey: true }), true)).toEqual({ type: "split" });
    expect(shortcut(key({ key: "T", code: "KeyT", ctrlKey: true, shiftKey: true }), true)).toEqual({ type: "reopen" });
    expect(shortcut(key({ key: "t", code: "KeyT", metaKey: true, shiftKey: true }), false)).toEqual({ type: "reopen" });
    expect(shortcut(key({ key: "t", code: "KeyT", ctrlKey: true }), false)).toBeNull();
  });

  it("opens the help on ? only outside text fields and terminals", () => {
    expect(shortcut(key({ key: "?", code: "Slash", shiftKey: true }), false)).toEqual({ type: "help" });
    expect(shortcut(key({ key: "?", code: "Slash", shiftKey: true }), true)).toBeNull();
    expect(shortcut(key({ key: "?", code: "Slash", ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });
});

describe("narrowPaneId", () => {
  it("shows the picked pane, else the focused one, else the first", () => {
    expect(narrowPaneId(layout, "p2", "p3")).toBe("p2");
    expect(narrowPaneId(layout, "gone", "p3")).toBe("p3");
    expect(narrowPaneId(layout, null, "gone")).toBe("p1");
    expect(narrowPaneId(layout, null, null)).toBe("p1");
  });
});

describe("chatKind", () => {
  it("takes the kind from the layout (open or closed panes), then what the page saw, then boocoder's agent chats", () => {
    expect(chatKind("c2", layout, new Map(), new Set())).toBe("coder");
    expect(chatKind("c4", layout, new Map(), new Set())).toBe("coder");
    expect(chatKind("c9", layout, new Map([["c9", "coder"]]), new Set())).toBe("coder");
    expect(chatKind("c9", layout, new Map(), new Set(["c9"]))).toBe("coder");
    expect(chatKind("c9", null, new Map(), new Set())).toBe("chat");
  });
});

describe("tabTitle", () => {
  const src = {
    reported: new Map([["c1", "  Reported title "]]),
    chats: new Map([
      ["c1", chat("c1", { title: "Listed" })],
      ["c2", chat("c2", { title: "Agent work" })],
      ["c3", chat("c3")],
    ]),
    terminals: new Map([
      ["t1", terminal("t1", { title: "htop" })],
      ["t2", terminal("t2")],
    ]),
  };

  it("prefers the pane's word, then the lists, then the kind and number", () => {
    expect(tabTitle({ kind: "chat", id: "c1" }, 1, src)).toBe("Reported title");
    expect(tabTitle({ kind: "coder", id: "c2" }, 2, src)).toBe("Agent work");
    expect(tabTitle({ kind: "chat", id: "c3" }, 3, src)).toBe("Chat 3");
    expect(tabTitle({ kind: "coder", id: "c3" }, 4, src)).toBe("Agent 4");
    expect(tabTitle({ kind: "term", id: "t1" }, 5, src)).toBe("htop");
    expect(tabTitle({ kind: "term", id: "t2" }, 6, src)).toBe("Terminal 6");
    expect(tabTitle({ kind: "term", id: "t9" }, undefined, src)).toBe("Terminal");
  });
});

describe("sessionHistory", () => {
  it("lists the chats and terminals not shown in a pane, newest first, each with its kind", () => {
    const h = sessionHistory({
      layout,
      chats: [
        chat("c1", { title: "shown" }),
        chat("c4", { title: "closed pane", updated_at: "2026-01-03T00:00:00Z" }),
        chat("c5", { updated_at: "2026-01-04T00:00:00Z", forked_from_chat_id: "c1" }),
        chat("c6", { title: "old", status: "archived", updated_at: "2026-01-02T00:00:00Z" }),
      ],
      terminals: [
        terminal("t1"),
        terminal("t2", { title: "server", created_at: "2026-01-02T00:00:00Z" }),
        terminal("t3", { status: "exited", exit_code: 1, current_command: null, exited_at: "2026-01-05T00:00:00Z" }),
        terminal("t4", { current_command: "vim", created_at: "2026-01-03T00:00:00Z" }),
      ],
      known: new Map(),
      agentChats: new Set(["c6"]),
      reported: new Map(),
    });
    expect(h).toEqual({
      open: [
        { kind: "chat", id: "c5", title: "Untitled chat", status: "open", at: "2026-01-04T00:00:00Z", detail: "fork" },
        { kind: "coder", id: "c4", title: "closed pane", status: "open", at: "2026-01-03T00:00:00Z", detail: null },
      ],
      archived: [{ kind: "coder", id: "c6", title: "old", status: "archived", at: "2026-01-02T00:00:00Z", detail: null }],
      terminals: [
        { kind: "term", id: "t4", title: "vim", status: "live", at: "2026-01-03T00:00:00Z", detail: "/src/app" },
        { kind: "term", id: "t2", title: "server", status: "live", at: "2026-01-02T00:00:00Z", detail: "/src/app" },
        { kind: "term", id: "t3", title: "Terminal", status: "exited", at: "2026-01-05T00:00:00Z", detail: "exit 1 · /src/app" },
      ],
    });
  });
});

describe("tabExists", () => {
  const chats = new Map([
    ["c1", chat("c1")],
    ["c2", chat("c2", { status: "archived" })],
  ]);
  it("keeps open chats and listed terminals; an unknown list keeps everything", () => {
    expect(tabExists({ kind: "chat", id: "c1" }, chats, null)).toBe(true);
    expect(tabExists({ kind: "coder", id: "c2" }, chats, null)).toBe(false);
    expect(tabExists({ kind: "chat", id: "c9" }, chats, null)).toBe(false);
    expect(tabExists({ kind: "chat", id: "c9" }, null, new Set())).toBe(true);
    expect(tabExists({ kind: "term", id: "t1" }, chats, new Set(["t1"]))).toBe(true);
    expect(tabExists({ kind: "term", id: "t2" }, chats, new Set(["t1"]))).toBe(false);
    expect(tabExists({ kind: "term", id: "t2" }, chats, null)).toBe(true);
  });
});

describe("dragWidths", () => {
  it("trades width between the two panes of the splitter, as relative widths", () => {
    expect(dragWidths([400, 400, 400], 0, 100)).toEqual([1.25, 0.75, 1]);
    expect(dragWidths([400, 400], 0, -1000)).toEqual([0.55, 1.45]);
    expect(dragWidths([300, 300], 0, 1000, 100)).toEqual([1.667, 0.333]);
    expect(dragWidths([400, 400], 5, 10)).toEqual([1, 1]);
  });
});

describe("dropIndex", () => {
  it("lands before the first tab whose middle is right of the pointer", () => {
    expect(dropIndex([50, 150, 250], 10)).toBe(0);
    expect(dropIndex([50, 150, 250], 120)).toBe(1);
    expect(dropIndex([50, 150, 250], 300)).toBe(3);
    expect(dropIndex([], 300)).toBe(0);
  });
});
