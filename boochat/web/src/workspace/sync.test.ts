import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WorkspacePane, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { reduce, type LayoutEvent } from "./layout";
import { replay, WorkspaceSync, type SaveResult, type WorkspaceTransport } from "./sync";

const chat = (n: number): WorkspaceTab => ({ kind: "chat", id: `c${n}` });
const term = (n: number): WorkspaceTab => ({ kind: "term", id: `t${n}` });

function pane(id: string, tabs: WorkspaceTab[] = [], activeTab?: string, width?: number): WorkspacePane {
  return { id, tabs, ...(activeTab === undefined ? {} : { activeTab }), ...(width === undefined ? {} : { width }) };
}

/** Version 1: p1: [c1], c2 — p2: [t3]. */
const BASE: WorkspaceState = {
  panes: [pane("p1", [chat(1), chat(2)], "c1"), pane("p2", [term(3)], "t3")],
  tabNumbers: { c1: 1, c2: 2, t3: 3 },
  nextTabNumber: 4,
  closedPaneStack: [],
  version: 1,
};

const run = (s: WorkspaceState, ...events: LayoutEvent[]): WorkspaceState => events.reduce(reduce, s);
const at = (s: WorkspaceState, version: number): WorkspaceState => ({ ...s, version });
/** Lets resolved promises run (fake timers hold only the timers). */
const settle = () => vi.advanceTimersByTimeAsync(0);

type Call = { state: WorkspaceState; resolve: (r: SaveResult) => void; reject: (e: unknown) => void };

/** A device whose saves wait for the test to answer them. */
function device(loaded: unknown = BASE) {
  const calls: Call[] = [];
  const changes: WorkspaceState[] = [];
  const errors: unknown[] = [];
  const transport: WorkspaceTransport = {
    load: async () => loaded as WorkspaceState,
    save: (_id, state) => new Promise((resolve, reject) => calls.push({ state, resolve, reject })),
  };
  const sync = new WorkspaceSync({ sessionId: "s1", transport, onChange: (s) => changes.push(s), onError: (e) => errors.push(e) });
  return { sync, calls, changes, errors };
}

async function started(loaded: unknown = BASE) {
  const d = device(loaded);
  await d.sync.start();
  d.changes.length = 0;
  return d;
}

/** boochat's compare-and-set, announcing every stored layout to the devices listening. */
class Server {
  patches = 0;
  listeners: WorkspaceSync[] = [];
  constructor(public state: WorkspaceState) {}
  transport: WorkspaceTransport = {
    load: async () => this.state,
    save: async (_id, s) => {
      this.patches += 1;
      if (s.version !== this.state.version) return { ok: false, conflict: this.state };
      this.state = at(s, s.version + 1);
      for (const l of this.listeners) l.remote(this.state);
      return { ok: true, state: this.state };
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("start", () => {
  it("loads, normalizes and shows the layout, and saves nothing", async () => {
    const d = device([{ id: "a", chatIds: ["c1"] }]);
    await d.sync.start();
    const migrated = { panes: [pane("a", [chat(1)], "c1")], tabNumbers: { c1: 1 }, nextTabNumber: 2, closedPaneStack: [], version: 0 };
    expect(d.changes).toEqual([migrated]);
    expect(d.sync.state).toEqual(migrated);
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.calls).toEqual([]);
  });
});

describe("saving", () => {
  it("shows changes at once and saves them in one PATCH 300 ms after the last", async () => {
    const d = await started();
    const events: LayoutEvent[] = [{ type: "close_tab", tabId: "c2" }, { type: "open_tab", tab: chat(4), paneId: "p2" }, { type: "split" }];
    for (const e of events) {
      d.sync.apply(e);
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(d.changes).toEqual([run(BASE, events[0]!), run(BASE, events[0]!, events[1]!), run(BASE, ...events)]);
    await vi.advanceTimersByTimeAsync(99);
    expect(d.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    // The base version goes with it.
    expect(d.calls.map((c) => c.state)).toEqual([run(BASE, ...events)]);
  });

  it("adopts the returned version and bases the next save on it", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    await vi.advanceTimersByTimeAsync(300);
    d.calls[0]!.resolve({ ok: true, state: at(d.calls[0]!.state, 2) });
    await settle();
    expect(d.sync.state).toEqual(at(run(BASE, { type: "close_tab", tabId: "c2" }), 2));
    // Only the version changed: nothing new to show.
    expect(d.changes).toHaveLength(1);
    d.sync.apply({ type: "split" });
    await vi.advanceTimersByTimeAsync(300);
    expect(d.calls[1]!.state).toEqual(at(run(BASE, { type: "close_tab", tabId: "c2" }, { type: "split" }), 2));
  });

  it("sends nothing when nothing changed", async () => {
    const d = await started();
    d.sync.apply({ type: "activate_tab", tabId: "c1" });
    d.sync.apply({ type: "close_tab", tabId: "nope" });
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.calls).toEqual([]);
    expect(d.changes).toEqual([]);
  });

  it("keeps one save in flight; changes made meanwhile are saved after it", async () => {
    const d = await started();
    const a: LayoutEvent = { type: "close_tab", tabId: "c2" };
    const b: LayoutEvent = { type: "split", paneId: "p1" };
    d.sync.apply(a);
    await vi.advanceTimersByTimeAsync(300);
    d.sync.apply(b);
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.calls).toHaveLength(1);
    d.calls[0]!.resolve({ ok: true, state: at(d.calls[0]!.state, 2) });
    await settle();
    expect(d.calls.map((c) => c.state)).toEqual([run(BASE, a), at(run(BASE, a, b), 2)]);
    d.calls[1]!.resolve({ ok: true, state: at(d.calls[1]!.state, 3) });
    await settle();
    expect(d.sync.state).toEqual(at(run(BASE, a, b), 3));
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.calls).toHaveLength(2);
  });

  it("saves at once on flush", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    const flushed = d.sync.flush();
    await settle();
    expect(d.calls.map((c) => c.state)).toEqual([run(BASE, { type: "close_tab", tabId: "c2" })]);
    d.calls[0]!.resolve({ ok: true, state: at(d.calls[0]!.state, 2) });
    await flushed;
    expect(d.sync.state.version).toBe(2);
  });
});

describe("conflicts and other devices", () => {
  /** Another device opened chat 9 in p2: version 2. */
  const OTHER = at(run(BASE, { type: "open_tab", tab: chat(9), paneId: "p2" }), 2);

  it("rebases on a 409: the pending events are replayed on the current layout and saved again", async () => {
    const d = await started();
    const close: LayoutEvent = { type: "close_tab", tabId: "c2" };
    d.sync.apply(close);
    await vi.advanceTimersByTimeAsync(300);
    d.calls[0]!.resolve({ ok: false, conflict: OTHER });
    await settle();
    const merged = run(OTHER, close);
    expect(merged).toEqual({
      panes: [pane("p1", [chat(1)], "c1"), pane("p2", [term(3), chat(9)], "c9")],
      tabNumbers: { c1: 1, t3: 3, c9: 4 },
      nextTabNumber: 5,
      closedPaneStack: [],
      version: 2,
    });
    expect(d.changes.at(-1)).toEqual(merged);
    expect(d.calls.map((c) => c.state)).toEqual([run(BASE, close), merged]);
    d.calls[1]!.resolve({ ok: true, state: at(merged, 3) });
    await settle();
    expect(d.sync.state).toEqual(at(merged, 3));
  });

  it("ignores the echo of its own save, even when it comes before the answer", async () => {
    const d = await started();
    d.sync.apply({ type: "split" });
    await vi.advanceTimersByTimeAsync(300);
    const saved = at(d.calls[0]!.state, 2);
    d.sync.remote(saved);
    d.calls[0]!.resolve({ ok: true, state: saved });
    await settle();
    // Replaying the split over its own echo would have made a fourth pane.
    expect(d.sync.state).toEqual(saved);
    expect(d.sync.state.panes).toHaveLength(3);
    d.sync.remote(saved);
    d.sync.remote(BASE);
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.sync.state).toEqual(saved);
    expect(d.calls).toHaveLength(1);
    expect(d.changes).toHaveLength(1);
  });

  it("rebases pending changes on a newer frame and saves them on its version", async () => {
    const d = await started();
    const close: LayoutEvent = { type: "close_tab", tabId: "c2" };
    d.sync.apply(close);
    d.sync.remote(OTHER);
    expect(d.changes).toEqual([run(BASE, close), run(OTHER, close)]);
    await vi.advanceTimersByTimeAsync(300);
    expect(d.calls.map((c) => c.state)).toEqual([run(OTHER, close)]);
  });

  it("follows a newer frame when nothing is pending, without saving", async () => {
    const d = await started();
    d.sync.remote(OTHER);
    expect(d.changes).toEqual([OTHER]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.calls).toEqual([]);
  });

  it("gives up after five conflicts in a row and keeps the server's layout", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    await vi.advanceTimersByTimeAsync(300);
    for (let i = 0; i < 5; i++) {
      d.calls[i]!.resolve({ ok: false, conflict: at(OTHER, 2 + i) });
      await settle();
    }
    expect(d.calls).toHaveLength(5);
    expect(d.sync.state).toEqual(at(OTHER, 6));
    expect(d.errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(d.calls).toHaveLength(5);
  });
});

describe("two devices", () => {
  async function pair(server: Server, listen: boolean) {
    const make = () => {
      const sync = new WorkspaceSync({ sessionId: "s1", transport: server.transport, onChange: () => {} });
      if (listen) server.listeners.push(sync);
      return sync;
    };
    const [a, b] = [make(), make()];
    await Promise.all([a.start(), b.start()]);
    return [a, b] as const;
  }

  const MERGED = {
    panes: [pane("p1", [chat(2)], "c2"), pane("p2", [term(3), chat(9)], "c9")],
    tabNumbers: { c2: 2, t3: 3, c9: 4 },
    nextTabNumber: 5,
    closedPaneStack: [],
    version: 3,
  };

  it("merge: A closes a tab while B opens one in another pane (B learns of A's save by its frame)", async () => {
    const server = new Server(BASE);
    const [a, b] = await pair(server, true);
    a.apply({ type: "close_tab", tabId: "c1" });
    b.apply({ type: "open_tab", tab: chat(9), paneId: "p2" });
    await vi.advanceTimersByTimeAsync(300);
    expect(server.state).toEqual(MERGED);
    expect([a.state, b.state]).toEqual([MERGED, MERGED]);
    expect(server.patches).toBe(2);
  });

  it("merge: the same changes when B's save meets a 409 first (no frames)", async () => {
    const server = new Server(BASE);
    const [a, b] = await pair(server, false);
    a.apply({ type: "close_tab", tabId: "c1" });
    b.apply({ type: "open_tab", tab: chat(9), paneId: "p2" });
    await vi.advanceTimersByTimeAsync(300);
    expect(server.state).toEqual(MERGED);
    expect(b.state).toEqual(MERGED);
    expect(server.patches).toBe(3);
  });

  it("merge: both split and fill their new pane; B's pane and its tab move to a fresh id", async () => {
    const server = new Server(BASE);
    const [a, b] = await pair(server, true);
    a.apply({ type: "split" });
    a.apply({ type: "open_tab", tab: chat(8), paneId: "p3" });
    b.apply({ type: "split" });
    b.apply({ type: "open_tab", tab: chat(9), paneId: "p3" });
    b.apply({ type: "resize", widths: { p3: 2 } });
    await vi.advanceTimersByTimeAsync(300);
    const merged = {
      ...BASE,
      panes: [...BASE.panes, pane("p3", [chat(8)], "c8"), pane("p4", [chat(9)], "c9", 2)],
      tabNumbers: { ...BASE.tabNumbers, c8: 4, c9: 5 },
      nextTabNumber: 6,
      version: 3,
    };
    expect(server.state).toEqual(merged);
    expect([a.state, b.state]).toEqual([merged, merged]);
  });
});

describe("failures", () => {
  it("retries after 1 s, 2 s… keeping the changes, and reports once per streak", async () => {
    const d = await started();
    const close: LayoutEvent = { type: "close_tab", tabId: "c2" };
    d.sync.apply(close);
    await vi.advanceTimersByTimeAsync(300);
    d.calls[0]!.reject(new Error("offline"));
    await vi.advanceTimersByTimeAsync(999);
    expect(d.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.calls).toHaveLength(2);
    d.calls[1]!.reject(new Error("still offline"));
    // A change meanwhile waits for the retry instead of shortening it.
    d.sync.apply({ type: "split" });
    await vi.advanceTimersByTimeAsync(1999);
    expect(d.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(d.calls.map((c) => c.state)).toEqual([run(BASE, close), run(BASE, close), run(BASE, close, { type: "split" })]);
    expect(d.errors).toEqual([new Error("offline")]);
    d.calls[2]!.resolve({ ok: true, state: at(d.calls[2]!.state, 2) });
    await settle();
    expect(d.sync.state).toEqual(at(run(BASE, close, { type: "split" }), 2));
    // A new streak is reported again, and backs off from 1 s again.
    d.sync.apply({ type: "close_tab", tabId: "c1" });
    await vi.advanceTimersByTimeAsync(300);
    d.calls[3]!.reject(new Error("down"));
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.calls).toHaveLength(5);
    expect(d.errors).toEqual([new Error("offline"), new Error("down")]);
  });

  it("backs off at most 30 s", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    await vi.advanceTimersByTimeAsync(300);
    const gaps: number[] = [];
    let last = Date.now();
    for (let i = 0; i < 7; i++) {
      d.calls[i]!.reject(new Error("offline"));
      while (d.calls.length === i + 1) await vi.advanceTimersByTimeAsync(500);
      gaps.push(Date.now() - last);
      last = Date.now();
    }
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe("dispose", () => {
  it("stops timers, saves and callbacks", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    d.sync.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.calls).toEqual([]);
    d.sync.remote(at(BASE, 5));
    d.sync.apply({ type: "split" });
    expect(d.changes).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("ignores the answer of a save in flight", async () => {
    const d = await started();
    d.sync.apply({ type: "close_tab", tabId: "c2" });
    await vi.advanceTimersByTimeAsync(300);
    d.sync.dispose();
    d.calls[0]!.reject(new Error("offline"));
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.errors).toEqual([]);
    expect(d.calls).toHaveLength(1);
  });
});

describe("replay", () => {
  it("follows a pane created under another id and drops events with nothing left to do", () => {
    // The base already has a p3 (another device's): the pending split makes p4.
    const base = { ...BASE, panes: [...BASE.panes, pane("p3")] };
    const { state, pending } = replay(base, [
      { event: { type: "split" }, created: "p3" },
      { event: { type: "open_tab", tab: chat(9), paneId: "p3" } },
      { event: { type: "resize", widths: { p3: 2, p1: 1 } } },
      { event: { type: "close_tab", tabId: "gone" } },
    ]);
    expect(state).toEqual({
      ...base,
      panes: [pane("p1", [chat(1), chat(2)], "c1", 1), pane("p2", [term(3)], "t3"), pane("p3"), pane("p4", [chat(9)], "c9", 2)],
      tabNumbers: { ...BASE.tabNumbers, c9: 4 },
      nextTabNumber: 5,
    });
    expect(pending).toEqual([
      { event: { type: "split" }, created: "p4" },
      { event: { type: "open_tab", tab: chat(9), paneId: "p4" } },
      { event: { type: "resize", widths: { p4: 2, p1: 1 } } },
    ]);
  });

  it("sends events aimed at a pane that could not be created to the default, or drops them", () => {
    const full = { ...BASE, panes: [...BASE.panes, pane("p3"), pane("p4"), pane("p5")] };
    const { state, pending } = replay(full, [
      { event: { type: "split" }, created: "p6" },
      { event: { type: "open_tab", tab: chat(9), paneId: "p6" } },
      { event: { type: "move_tab", tabId: "c2", toPaneId: "p6", index: 0 } },
      { event: { type: "close_pane", paneId: "p6" } },
    ]);
    expect(state).toEqual({
      ...full,
      panes: [pane("p1", [chat(1), chat(9), chat(2)], "c9"), ...full.panes.slice(1)],
      tabNumbers: { ...BASE.tabNumbers, c9: 4 },
      nextTabNumber: 5,
    });
    expect(pending).toEqual([{ event: { type: "open_tab", tab: chat(9), paneId: undefined } }]);
  });
});
