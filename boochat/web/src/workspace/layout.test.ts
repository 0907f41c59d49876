import { describe, expect, it } from "vitest";
import type { WorkspacePane, WorkspaceState, WorkspaceTab } from "@boocode/types";
import {
  findTab,
  initialWorkspace,
  MAX_CLOSED_PANES,
  MAX_TABS_PER_PANE,
  newPaneId,
  normalize,
  reduce,
  tabNumber,
  type LayoutEvent,
} from "./layout";

const chat = (n: number): WorkspaceTab => ({ kind: "chat", id: `c${n}` });
const term = (n: number): WorkspaceTab => ({ kind: "term", id: `t${n}` });

function pane(id: string, tabs: WorkspaceTab[] = [], activeTab?: string, width?: number): WorkspacePane {
  return { id, tabs, ...(activeTab === undefined ? {} : { activeTab }), ...(width === undefined ? {} : { width }) };
}

function state(
  panes: WorkspacePane[],
  tabNumbers: Record<string, number>,
  nextTabNumber: number,
  closedPaneStack: WorkspacePane[] = [],
): WorkspaceState {
  return { panes, tabNumbers, nextTabNumber, closedPaneStack, version: 0 };
}

const run = (s: WorkspaceState, ...events: LayoutEvent[]): WorkspaceState => events.reduce(reduce, s);

/** p1: c1, [c2], c3 — p2: [t4] — numbered 1–4. */
function two(): WorkspaceState {
  return state(
    [pane("p1", [chat(1), chat(2), chat(3)], "c2"), pane("p2", [term(4)], "t4")],
    { c1: 1, c2: 2, c3: 3, t4: 4 },
    5,
  );
}

/** Five panes p1–p5, pane pN holding chat N. */
function five(): WorkspaceState {
  const ns = [1, 2, 3, 4, 5];
  return state(
    ns.map((n) => pane(`p${n}`, [chat(n)], `c${n}`)),
    Object.fromEntries(ns.map((n) => [`c${n}`, n])),
    6,
  );
}

describe("queries", () => {
  it("starts with one empty pane", () => {
    expect(initialWorkspace()).toEqual({ panes: [{ id: "p1", tabs: [] }], tabNumbers: {}, nextTabNumber: 1, closedPaneStack: [], version: 0 });
  });

  it("finds tabs and their numbers, and makes pane ids no pane (open or closed) uses", () => {
    const s = { ...two(), closedPaneStack: [pane("p3")] };
    expect(findTab(s, "c3")).toEqual({ paneIndex: 0, tabIndex: 2 });
    expect(findTab(s, "t4")).toEqual({ paneIndex: 1, tabIndex: 0 });
    expect(findTab(s, "nope")).toBeUndefined();
    expect(tabNumber(s, "c2")).toBe(2);
    expect(tabNumber(s, "toString")).toBeUndefined();
    expect(newPaneId(s)).toBe("p4");
    expect(newPaneId(initialWorkspace())).toBe("p2");
  });
});

describe("open_tab", () => {
  it("numbers new tabs and opens them right after the active tab of the first pane", () => {
    const s = run(
      initialWorkspace(),
      { type: "open_tab", tab: chat(1) },
      { type: "open_tab", tab: chat(2) },
      { type: "activate_tab", tabId: "c1" },
      { type: "open_tab", tab: term(3) },
    );
    expect(s).toEqual(state([pane("p1", [chat(1), term(3), chat(2)], "t3")], { c1: 1, c2: 2, t3: 3 }, 4));
  });

  it("opens into the pane asked for (the first pane when it does not exist)", () => {
    expect(reduce(two(), { type: "open_tab", tab: chat(5), paneId: "p2" })).toEqual(
      state([pane("p1", [chat(1), chat(2), chat(3)], "c2"), pane("p2", [term(4), chat(5)], "c5")], { c1: 1, c2: 2, c3: 3, t4: 4, c5: 5 }, 6),
    );
    expect(reduce(two(), { type: "open_tab", tab: chat(5), paneId: "gone" })).toEqual(
      state([pane("p1", [chat(1), chat(2), chat(5), chat(3)], "c5"), pane("p2", [term(4)], "t4")], { c1: 1, c2: 2, c3: 3, t4: 4, c5: 5 }, 6),
    );
  });

  it("activates a tab already open anywhere instead of opening it twice", () => {
    const s = two();
    expect(reduce(s, { type: "open_tab", tab: chat(3), paneId: "p2" })).toEqual({ ...s, panes: [pane("p1", [chat(1), chat(2), chat(3)], "c3"), s.panes[1]] });
    expect(reduce(s, { type: "open_tab", tab: chat(2) })).toBe(s);
  });

  it("takes the new kind of an open chat (an agent was selected)", () => {
    const s = two();
    const coder: WorkspaceTab = { kind: "coder", id: "c1" };
    expect(reduce(s, { type: "open_tab", tab: coder })).toEqual({ ...s, panes: [pane("p1", [coder, chat(2), chat(3)], "c1"), s.panes[1]] });
  });

  it("stores only the tab's kind and id", () => {
    const tab = { ...chat(1), title: "extra" } as WorkspaceTab;
    expect(reduce(initialWorkspace(), { type: "open_tab", tab }).panes).toEqual([pane("p1", [chat(1)], "c1")]);
  });

  it("does nothing in a full pane", () => {
    const tabs = Array.from({ length: MAX_TABS_PER_PANE }, (_, i) => chat(i));
    const s = state([pane("p1", tabs, "c0")], Object.fromEntries(tabs.map((t, i) => [t.id, i + 1])), MAX_TABS_PER_PANE + 1);
    expect(reduce(s, { type: "open_tab", tab: term(1) })).toBe(s);
  });
});

describe("open_in_new_pane", () => {
  it("opens a new pane right of the one asked for, holding only the tab", () => {
    expect(reduce(two(), { type: "open_in_new_pane", tab: chat(5), besidePaneId: "p1" })).toEqual(
      state(
        [pane("p1", [chat(1), chat(2), chat(3)], "c2"), pane("p3", [chat(5)], "c5"), pane("p2", [term(4)], "t4")],
        { c1: 1, c2: 2, c3: 3, t4: 4, c5: 5 },
        6,
      ),
    );
  });

  it("moves an open tab out of its pane, keeping its number; the new pane goes last by default", () => {
    expect(reduce(two(), { type: "open_in_new_pane", tab: chat(2) })).toEqual(
      state(
        [pane("p1", [chat(1), chat(3)], "c3"), pane("p2", [term(4)], "t4"), pane("p3", [chat(2)], "c2")],
        { c1: 1, c2: 2, c3: 3, t4: 4 },
        5,
      ),
    );
  });

  it("at five panes opens in the pane right of the one asked for, or in it when it is last", () => {
    const s = five();
    expect(reduce(s, { type: "open_in_new_pane", tab: chat(9), besidePaneId: "p2" }).panes.slice(1, 3)).toEqual([
      pane("p2", [chat(2)], "c2"),
      pane("p3", [chat(3), chat(9)], "c9"),
    ]);
    expect(reduce(s, { type: "open_in_new_pane", tab: chat(9) })).toEqual({
      ...s,
      panes: [...s.panes.slice(0, 4), pane("p5", [chat(5), chat(9)], "c9")],
      tabNumbers: { ...s.tabNumbers, c9: 6 },
      nextTabNumber: 7,
    });
    // An open tab moves there, keeping its number.
    expect(reduce(s, { type: "open_in_new_pane", tab: chat(1), besidePaneId: "p2" })).toEqual({
      ...s,
      panes: [pane("p1"), pane("p2", [chat(2)], "c2"), pane("p3", [chat(3), chat(1)], "c1"), ...s.panes.slice(3)],
    });
  });
});

describe("activate_tab", () => {
  it("activates a tab in its pane; an unknown or active tab changes nothing", () => {
    const s = two();
    expect(reduce(s, { type: "activate_tab", tabId: "c1" })).toEqual({ ...s, panes: [pane("p1", [chat(1), chat(2), chat(3)], "c1"), s.panes[1]] });
    expect(reduce(s, { type: "activate_tab", tabId: "c2" })).toBe(s);
    expect(reduce(s, { type: "activate_tab", tabId: "nope" })).toBe(s);
  });
});

describe("close_tab", () => {
  it("retires the number and hands the active tab to the right neighbour, else the left", () => {
    const s = run(two(), { type: "close_tab", tabId: "c2" });
    expect(s).toEqual(state([pane("p1", [chat(1), chat(3)], "c3"), pane("p2", [term(4)], "t4")], { c1: 1, c3: 3, t4: 4 }, 5));
    expect(run(s, { type: "close_tab", tabId: "c3" }).panes[0]).toEqual(pane("p1", [chat(1)], "c1"));
  });

  it("closing an inactive tab keeps the active one", () => {
    expect(reduce(two(), { type: "close_tab", tabId: "c1" }).panes[0]).toEqual(pane("p1", [chat(2), chat(3)], "c2"));
  });

  it("leaves an emptied pane in place (the history pane); the same tab reopened gets a new number", () => {
    const s = run(two(), { type: "close_tab", tabId: "t4" }, { type: "open_tab", tab: term(4), paneId: "p2" });
    expect(s).toEqual(state([two().panes[0]!, pane("p2", [term(4)], "t4")], { c1: 1, c2: 2, c3: 3, t4: 5 }, 6));
    expect(reduce(two(), { type: "close_tab", tabId: "t4" }).panes[1]).toEqual(pane("p2"));
  });

  it("closing a tab that is not open changes nothing", () => {
    const s = two();
    expect(reduce(s, { type: "close_tab", tabId: "nope" })).toBe(s);
  });
});

describe("move_tab", () => {
  it("reorders within a pane, keeping numbers and making the tab active; the index is clamped", () => {
    const s = two();
    expect(reduce(s, { type: "move_tab", tabId: "c1", toPaneId: "p1", index: 2 })).toEqual({
      ...s,
      panes: [pane("p1", [chat(2), chat(3), chat(1)], "c1"), s.panes[1]],
    });
    expect(reduce(s, { type: "move_tab", tabId: "c3", toPaneId: "p1", index: -4 })).toEqual({
      ...s,
      panes: [pane("p1", [chat(3), chat(1), chat(2)], "c3"), s.panes[1]],
    });
    expect(reduce(s, { type: "move_tab", tabId: "c1", toPaneId: "p1", index: 0 })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1), chat(2), chat(3)], "c1"), s.panes[1]],
    });
    expect(reduce(s, { type: "move_tab", tabId: "c2", toPaneId: "p1", index: 1 })).toBe(s);
  });

  it("moves to another pane, where it becomes active; the source's active tab moves to a neighbour", () => {
    const s = two();
    expect(reduce(s, { type: "move_tab", tabId: "c2", toPaneId: "p2", index: 0 })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1), chat(3)], "c3"), pane("p2", [chat(2), term(4)], "c2")],
    });
    expect(reduce(s, { type: "move_tab", tabId: "t4", toPaneId: "p1", index: 99 })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1), chat(2), chat(3), term(4)], "t4"), pane("p2")],
    });
  });

  it("changes nothing for an unknown tab or pane", () => {
    const s = two();
    expect(reduce(s, { type: "move_tab", tabId: "nope", toPaneId: "p2", index: 0 })).toBe(s);
    expect(reduce(s, { type: "move_tab", tabId: "c1", toPaneId: "nope", index: 0 })).toBe(s);
  });
});

describe("split", () => {
  it("adds an empty pane right of the one asked for, or last", () => {
    const s = { ...two(), closedPaneStack: [pane("p3")] };
    expect(reduce(s, { type: "split", paneId: "p1" })).toEqual({ ...s, panes: [s.panes[0], pane("p4"), s.panes[1]] });
    expect(reduce(s, { type: "split" })).toEqual({ ...s, panes: [...s.panes, pane("p4")] });
  });

  it("does nothing at five panes", () => {
    const s = five();
    expect(reduce(s, { type: "split" })).toBe(s);
  });
});

describe("close_pane", () => {
  it("stacks the pane and moves its tabs, in order and with their numbers, to the left-most pane", () => {
    const s = { ...two(), panes: [...two().panes, pane("p3", [chat(5), chat(6)], "c6", 2)], tabNumbers: { ...two().tabNumbers, c5: 5, c6: 6 }, nextTabNumber: 7 };
    expect(reduce(s, { type: "close_pane", paneId: "p3" })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1), chat(2), chat(3), chat(5), chat(6)], "c2"), s.panes[1]],
      closedPaneStack: [pane("p3", [chat(5), chat(6)], "c6", 2)],
    });
  });

  it("closing the left-most pane moves its tabs to the next one; an empty heir takes the closed pane's active tab", () => {
    const s = state([pane("p1", [chat(1), chat(2)], "c2"), pane("p2")], { c1: 1, c2: 2 }, 3);
    expect(reduce(s, { type: "close_pane", paneId: "p1" })).toEqual({
      ...s,
      panes: [pane("p2", [chat(1), chat(2)], "c2")],
      closedPaneStack: [pane("p1", [chat(1), chat(2)], "c2")],
    });
  });

  it("never closes the only pane, nor an unknown one", () => {
    const one = initialWorkspace();
    expect(reduce(one, { type: "close_pane", paneId: "p1" })).toBe(one);
    const s = two();
    expect(reduce(s, { type: "close_pane", paneId: "nope" })).toBe(s);
  });

  it("keeps the ten most recently closed panes", () => {
    let s = initialWorkspace();
    for (let i = 0; i < MAX_CLOSED_PANES + 1; i++) {
      s = reduce(s, { type: "split" });
      s = reduce(s, { type: "close_pane", paneId: s.panes[1]?.id ?? "" });
    }
    expect(s.closedPaneStack.map((p) => p.id)).toEqual(["p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12"]);
    expect(s.panes).toEqual([pane("p1")]);
    // Last in, first out.
    expect(run(s, { type: "reopen_pane" }, { type: "reopen_pane" }).panes).toEqual([pane("p1"), pane("p12"), pane("p11")]);
  });

  it("does not stack a copy of an entry twice (an entry with the pane's id is replaced)", () => {
    const s = state([pane("p1"), pane("p2")], {}, 1, [pane("p9"), pane("p2")]);
    expect(reduce(s, { type: "close_pane", paneId: "p2" })).toEqual(state([pane("p1")], {}, 1, [pane("p9"), pane("p2")]));
  });

  it("does nothing when the left-most pane cannot take the tabs", () => {
    const tabs = Array.from({ length: MAX_TABS_PER_PANE }, (_, i) => chat(i));
    const s = state([pane("p1", tabs, "c0"), pane("p2", [term(1)], "t1")], Object.fromEntries([...tabs, term(1)].map((t, i) => [t.id, i + 1])), 52);
    expect(reduce(s, { type: "close_pane", paneId: "p2" })).toBe(s);
  });
});

describe("reopen_pane", () => {
  const three = (): WorkspaceState => ({
    ...two(),
    panes: [pane("p1", [chat(1)], "c1"), pane("p2", [chat(2), chat(3)], "c3", 1.5), pane("p3", [term(4)], "t4")],
  });

  it("undoes a close: the tabs come back out of the left-most pane", () => {
    const s = three();
    const closed = reduce(s, { type: "close_pane", paneId: "p2" });
    expect(closed.panes[0]).toEqual(pane("p1", [chat(1), chat(2), chat(3)], "c1"));
    // Reinserted at the end: no wire field remembers the old position.
    expect(reduce(closed, { type: "reopen_pane" })).toEqual({ ...s, panes: [s.panes[0], s.panes[2], s.panes[1]] });
  });

  it("pulls its tabs out of wherever they are now and skips the ones closed meanwhile", () => {
    const s = run(
      three(),
      { type: "close_pane", paneId: "p2" },
      { type: "move_tab", tabId: "c2", toPaneId: "p3", index: 0 },
      { type: "close_tab", tabId: "c3" },
    );
    expect(s.panes).toEqual([pane("p1", [chat(1)], "c1"), pane("p3", [chat(2), term(4)], "c2")]);
    expect(reduce(s, { type: "reopen_pane" })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1)], "c1"), pane("p3", [term(4)], "t4"), pane("p2", [chat(2)], "c2", 1.5)],
      closedPaneStack: [],
    });
    // None of its tabs left: it comes back empty.
    const gone = run(s, { type: "close_tab", tabId: "c2" }, { type: "reopen_pane" });
    expect(gone.panes.at(-1)).toEqual(pane("p2", [], undefined, 1.5));
  });

  it("never shows a tab twice", () => {
    const s = run(three(), { type: "close_pane", paneId: "p2" }, { type: "open_in_new_pane", tab: chat(3) }, { type: "reopen_pane" });
    const open = s.panes.flatMap((p) => p.tabs.map((t) => t.id));
    expect([...open].sort()).toEqual(["c1", "c2", "c3", "t4"]);
    expect(s.panes).toEqual([pane("p1", [chat(1)], "c1"), pane("p3", [term(4)], "t4"), pane("p4"), pane("p2", [chat(2), chat(3)], "c3", 1.5)]);
  });

  it("gives a fresh id when its id is taken by an open pane", () => {
    const s = state([pane("p1"), pane("p2")], {}, 1, [pane("p2")]);
    expect(reduce(s, { type: "reopen_pane" })).toEqual(state([pane("p1"), pane("p2"), pane("p3")], {}, 1));
  });

  it("does nothing with an empty stack or at five panes", () => {
    const s = two();
    expect(reduce(s, { type: "reopen_pane" })).toBe(s);
    const full = { ...five(), closedPaneStack: [pane("p6")] };
    expect(reduce(full, { type: "reopen_pane" })).toBe(full);
  });
});

describe("resize", () => {
  it("sets clamped widths of known panes and ignores the rest", () => {
    const s = two();
    expect(reduce(s, { type: "resize", widths: { p1: 0.001, p2: 3, p9: 1 } })).toEqual({
      ...s,
      panes: [{ ...s.panes[0]!, width: 0.05 }, { ...s.panes[1]!, width: 3 }],
    });
    expect(reduce(s, { type: "resize", widths: { p1: 1000, p2: Number.NaN } })).toEqual({
      ...s,
      panes: [{ ...s.panes[0]!, width: 20 }, s.panes[1]],
    });
    const sized = reduce(s, { type: "resize", widths: { p1: 2 } });
    expect(reduce(sized, { type: "resize", widths: { p1: 2, p2: Number.POSITIVE_INFINITY } })).toBe(sized);
  });
});

describe("prune", () => {
  it("drops gone tabs, open and closed, with their numbers; a closed pane left with none goes", () => {
    const s = {
      ...two(),
      closedPaneStack: [pane("p7"), pane("p8", [chat(8)], "c8"), pane("p9", [chat(2), chat(9)], "c2")],
    };
    const gone = new Set(["c2", "t4", "c8"]);
    expect(reduce(s, { type: "prune", exists: (t) => !gone.has(t.id) })).toEqual({
      ...s,
      panes: [pane("p1", [chat(1), chat(3)], "c3"), pane("p2")],
      tabNumbers: { c1: 1, c3: 3 },
      closedPaneStack: [pane("p7"), pane("p9", [chat(9)], "c9")],
    });
  });

  it("changes nothing when every tab exists", () => {
    const s = { ...two(), closedPaneStack: [pane("p7")] };
    expect(reduce(s, { type: "prune", exists: () => true })).toBe(s);
  });
});

describe("normalize", () => {
  it("takes a consistent envelope as it is", () => {
    const s = { ...two(), version: 7 };
    expect(normalize(s)).toBe(s);
  });

  it("migrates a legacy pane array: chat tabs numbered 1.. in order, version 0", () => {
    expect(
      normalize([
        { id: "a", kind: "chat", chatIds: ["c1", "c2"], activeChatIdx: 1 },
        { kind: "terminal", chatIds: [] },
        { id: "a", chatIds: ["c2", "c3"] },
      ]),
    ).toEqual(
      state(
        [pane("a", [chat(1), chat(2)], "c2"), pane("p1"), pane("p2", [chat(3)], "c3")],
        { c1: 1, c2: 2, c3: 3 },
        4,
      ),
    );
  });

  it("folds legacy panes beyond five into the first, stacking them", () => {
    const legacy = [1, 2, 3, 4, 5, 6].map((n) => ({ id: `p${n}`, chatIds: [`c${n}`] }));
    expect(normalize(legacy)).toEqual(
      state(
        [pane("p1", [chat(1), chat(6)], "c1"), ...[2, 3, 4, 5].map((n) => pane(`p${n}`, [chat(n)], `c${n}`))],
        { c1: 1, c6: 2, c2: 3, c3: 4, c4: 5, c5: 6 },
        7,
        [pane("p6", [chat(6)], "c6")],
      ),
    );
  });

  it("repairs an inconsistent envelope: active tabs, a tab open twice, numbers, ids", () => {
    const bad = {
      panes: [
        { id: "p1", tabs: [chat(1), chat(2)] },
        { id: "p1", tabs: [chat(2), term(3)], activeTab: "c2", width: -1 },
      ],
      tabNumbers: { c1: 4, c2: 4, gone: 9 },
      nextTabNumber: 2,
      closedPaneStack: [{ id: "bad id", tabs: [], activeTab: "c1" }],
      version: 3,
    };
    expect(normalize(bad)).toEqual({
      ...state([pane("p1", [chat(1), chat(2)], "c1"), pane("p2", [term(3)], "t3")], { c1: 4, c2: 5, t3: 6 }, 7, [pane("p3")]),
      version: 3,
    });
  });

  it("reads anything else as the initial layout, at the value's version when it has one", () => {
    for (const garbage of [null, undefined, "x", 3, [], [1], { panes: [] }, { panes: 3 }]) {
      expect(normalize(garbage)).toEqual(initialWorkspace());
    }
    expect(normalize({ panes: "x", version: 4 })).toEqual({ ...initialWorkspace(), version: 4 });
  });
});
