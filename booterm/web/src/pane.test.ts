// @vitest-environment jsdom
// <boo-term-pane> in jsdom with a fake view (xterm.js needs a real browser) and fake
// sockets: a move keeps the connection, a removal frees it, attribute changes switch it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Hello } from "./connection";
import { BooTermPane, type PaneDeps, type TabTitleDetail, type TermView } from "./pane";
import { FakeTermSocket, T1, T2, terminal } from "./testing/fixtures";
import type { XtermViewOptions } from "./xterm-view";

class FakeView implements TermView {
  size = { cols: 100, rows: 30 };
  fits = 0;
  resets = 0;
  disposed = 0;
  written: number[][] = [];
  constructor(
    readonly host: HTMLElement,
    readonly opts: XtermViewOptions,
  ) {}
  fitNow(): void {
    this.fits += 1;
  }
  write(bytes: Uint8Array, done: () => void): void {
    this.written.push([...bytes]);
    done();
  }
  reset(): void {
    this.resets += 1;
  }
  bufferText(): string {
    return this.written.map((b) => String.fromCharCode(...b)).join("");
  }
  dispose(): void {
    this.disposed += 1;
  }
  findNext(): boolean {
    return false;
  }
  findPrevious(): boolean {
    return false;
  }
  clearSearch(): void {}
  focused = 0;
  focus(): void {
    this.focused += 1;
  }
}

/** jsdom has no ResizeObserver: this one is driven by the test. */
class FakeResizeObserver {
  static all: FakeResizeObserver[] = [];
  observed: Element[] = [];
  disconnected = false;
  constructor(private readonly callback: ResizeObserverCallback) {
    FakeResizeObserver.all.push(this);
  }
  observe(el: Element): void {
    this.observed.push(el);
  }
  unobserve(): void {}
  disconnect(): void {
    this.disconnected = true;
  }
  resize(width: number, height: number): void {
    const entry = { contentRect: { width, height } } as ResizeObserverEntry;
    this.callback([entry], this as unknown as ResizeObserver);
  }
}

const hello = (title: string | null = null): Hello => ({
  type: "hello",
  terminal: terminal({ title }),
  readonly: false,
  flow: { high: 1000, low: 250, ack_every: 100 },
});

function setup() {
  const sockets: FakeTermSocket[] = [];
  const views: FakeView[] = [];
  const deps: PaneDeps = {
    view: (host, opts) => {
      const v = new FakeView(host, opts);
      views.push(v);
      return v;
    },
    socket: (url) => {
      const s = new FakeTermSocket(url);
      sockets.push(s);
      return s;
    },
  };
  const pane = document.createElement("boo-term-pane");
  pane.deps = deps;
  pane.setAttribute("terminal-id", T1);
  pane.setAttribute("base", "/term/");
  const left = document.createElement("div");
  const right = document.createElement("div");
  document.body.append(left, right);
  return { pane, left, right, sockets, views };
}

/** Lets the microtasks (deferred teardown) and Lit's update run. */
async function settle(pane: BooTermPane): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await pane.updateComplete;
}

const text = (pane: BooTermPane, testid: string): string | null => pane.querySelector(`[data-testid="${testid}"]`)!.textContent;

describe("<boo-term-pane>", () => {
  beforeEach(() => {
    FakeResizeObserver.all = [];
    vi.stubGlobal("ResizeObserver", FakeResizeObserver);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.replaceChildren();
  });

  it("connects once inserted, to its terminal below `base`, and shows the state", async () => {
    const { pane, left, sockets, views } = setup();
    left.append(pane);
    await settle(pane);
    expect(sockets.map((s) => s.url)).toEqual([`ws://localhost:3000/term/api/terminals/${T1}/ws?cols=100&rows=30`]);
    expect(views).toHaveLength(1);
    expect(views[0]!.host.isConnected).toBe(true);
    expect(pane.dataset["state"]).toBe("connecting");
    sockets[0]!.text(hello());
    await pane.updateComplete;
    expect(pane.state).toEqual({ kind: "live", readonly: false });
    expect(text(pane, "term-state")).toBe("live");
    expect(pane.querySelector('[data-testid="reconnect-now"]')!.hasAttribute("hidden")).toBe(true);
  });

  it("keeps its connection and terminal when moved to another parent", async () => {
    const { pane, left, right, sockets, views } = setup();
    left.append(pane);
    await settle(pane);
    const s = sockets[0]!;
    s.text(hello());
    s.binary([104, 105]);
    const conn = pane["conn"];
    const fits = views[0]!.fits;

    right.append(pane); // a move: disconnected and connected in one call
    await settle(pane);
    pane.remove(); // out and back in within one task
    left.prepend(pane);
    await settle(pane);

    expect(sockets).toHaveLength(1);
    expect(s.closes).toBe(0);
    expect(pane["conn"]).toBe(conn);
    expect(views).toHaveLength(1);
    expect(views[0]!.disposed).toBe(0);
    expect(views[0]!.resets).toBe(1); // the hello's; nothing repainted
    expect(views[0]!.fits).toBe(fits + 2); // refitted after each move
    expect(pane.bufferText()).toBe("hi");
    expect(pane.state.kind).toBe("live");
    // Still the same live socket: typing goes out on it.
    views[0]!.opts.onData("x");
    expect(s.sent).toContainEqual([120]);
  });

  it("closes the socket and disposes the view once when removed, and connects afresh when inserted again", async () => {
    const { pane, left, sockets, views } = setup();
    left.append(pane);
    await settle(pane);
    sockets[0]!.text(hello());
    const observer = FakeResizeObserver.all[0]!;
    const states: string[] = [];
    pane.addEventListener("boo-term-state", (ev) => states.push((ev as CustomEvent<{ state: { kind: string } }>).detail.state.kind));

    pane.remove();
    await settle(pane);
    expect(sockets[0]!.closes).toBe(1);
    expect(sockets[0]!.closedWith).toEqual([1000, "pane closed"]);
    expect(views[0]!.disposed).toBe(1);
    expect(observer.disconnected).toBe(true);
    expect(states).toEqual([]); // gone quietly

    left.append(pane);
    await settle(pane);
    expect(sockets).toHaveLength(2);
    expect(views).toHaveLength(2);
    expect(sockets[0]!.closes).toBe(1);
    expect(views[0]!.disposed).toBe(1);
    expect(pane.state.kind).toBe("connecting");
    sockets[1]!.text(hello());
    expect(pane.state.kind).toBe("live");
  });

  it("switches connection when terminal-id, readonly or base change", async () => {
    const { pane, left, sockets, views } = setup();
    left.append(pane);
    await settle(pane);
    sockets[0]!.text(hello());

    pane.setAttribute("terminal-id", T2);
    await settle(pane);
    expect(sockets[0]!.closes).toBe(1);
    expect(views[0]!.disposed).toBe(1);
    expect(sockets.map((s) => new URL(s.url).pathname)).toEqual([`/term/api/terminals/${T1}/ws`, `/term/api/terminals/${T2}/ws`]);

    pane.toggleAttribute("readonly", true);
    await settle(pane);
    expect(sockets).toHaveLength(3);
    expect(new URL(sockets[2]!.url).searchParams.get("readonly")).toBe("1");
    expect(pane.querySelector('[data-testid="readonly-badge"]')!.hasAttribute("hidden")).toBe(false);

    pane.setAttribute("base", "/elsewhere/");
    await settle(pane);
    expect(sockets).toHaveLength(4);
    expect(new URL(sockets[3]!.url).pathname).toBe(`/elsewhere/api/terminals/${T2}/ws`);
    expect(sockets.slice(0, 3).map((s) => s.closes)).toEqual([1, 1, 1]);
    expect(views.map((v) => v.disposed)).toEqual([1, 1, 1, 0]);

    // The property does the same, and shows in the attribute.
    pane.terminalId = T1;
    await settle(pane);
    expect(sockets).toHaveLength(5);
    expect(pane.getAttribute("terminal-id")).toBe(T1);
  });

  it("says its title with boo-tab-title when it is known and when it changes", async () => {
    const { pane, left, sockets, views } = setup();
    const tab: TabTitleDetail[] = [];
    const term: TabTitleDetail[] = [];
    document.addEventListener("boo-tab-title", (ev) => tab.push((ev as CustomEvent<TabTitleDetail>).detail));
    document.addEventListener("boo-term-title", (ev) => term.push((ev as CustomEvent<TabTitleDetail>).detail));
    left.append(pane);
    await settle(pane);
    sockets[0]!.text(hello("build"));
    views[0]!.opts.onTitle?.("vim notes.md");
    views[0]!.opts.onTitle?.("vim notes.md");
    await pane.updateComplete;
    expect(tab).toEqual([{ title: "build" }, { title: "vim notes.md" }]);
    expect(term).toEqual([{ title: "build" }, { title: "vim notes.md" }, { title: "vim notes.md" }]);
    expect(text(pane, "term-title")).toBe("vim notes.md");
  });

  it("fits again when it gets a size back (a hidden tab shown)", async () => {
    const { pane, left, views } = setup();
    left.append(pane);
    await settle(pane);
    const observer = FakeResizeObserver.all[0]!;
    expect(observer.observed).toEqual([pane]);
    const fits = views[0]!.fits;
    observer.resize(0, 0); // hidden
    expect(views[0]!.fits).toBe(fits);
    observer.resize(640, 480); // shown
    expect(views[0]!.fits).toBe(fits + 1);
  });

  it("focuses the terminal it is switching to, and one asked for before it existed", async () => {
    const { pane, left, views } = setup();
    pane.focus();
    left.append(pane);
    await settle(pane);
    expect(views[0]!.focused).toBe(1);
    pane.setAttribute("terminal-id", T2);
    pane.focus(); // what a page does after picking another terminal
    await settle(pane);
    expect(views.map((v) => v.focused)).toEqual([1, 1]);
  });

  it("shows why it cannot connect without a terminal-id", async () => {
    const { pane, left, sockets, views } = setup();
    pane.removeAttribute("terminal-id");
    left.append(pane);
    await settle(pane);
    expect(sockets).toEqual([]);
    expect(views).toEqual([]);
    expect(pane.dataset["state"]).toBe("gone");
    expect(text(pane, "term-state")).toBe("not found");
  });
});
