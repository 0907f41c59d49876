// <boo-term-pane terminal-id="…" [readonly] [base="./term/"] [renderer="dom"]>: one
// booterm terminal in a Lit element (light DOM: xterm.js and its CSS live in the document;
// the pane injects its `<style>` once per document, so it is self-contained and the
// boochat workspace can load it from booterm, `<base>pane.js`, next to its own panes).
//
// It owns one xterm view and one connection through its lifecycle (a PaneLifecycle,
// @boocode/common/pane-lifecycle, decides when to sync and when to tear down):
// - started by the first sync after the first render (the view needs its host div), and
//   restarted by a sync when `terminal-id`, `readonly`, `base` or `renderer` changed;
// - kept when the element is MOVED: a move (a tab dragged to another pane, a split) is a
//   sync that finds the same attributes, and only refits: same socket, same xterm,
//   nothing repainted (xterm's canvas moves with its host; a WebGL context lost on the
//   way falls back to the DOM renderer in the view);
// - torn down (socket closed, xterm disposed, timers and observers freed) when it is
//   really gone; inserted again later, it connects afresh.
// A ResizeObserver on the element refits when it gets a size again: the workspace keeps
// inactive tabs in the DOM with `hidden`, and a terminal fitted while hidden kept its
// old size. The pane never reads or writes `location`/`history`.
//
// `base` is booterm's URL: `./` (default: the page itself) when booterm serves the page,
// `./term/` or `/term/` when another daemon's page hosts the pane.
//
// Events (bubbling, composed): `boo-term-state` {state, text} on every connection
// change, `boo-term-title` {title} when the title is set (hello, or the program's OSC
// title), `boo-tab-title` {title} when that title changed (the workspace's tab label).

import xtermCss from "@xterm/xterm/css/xterm.css?inline";
import { PaneLifecycle } from "@boocode/common/pane-lifecycle";
import { html, LitElement, type TemplateResult } from "lit";
import { createRef, ref } from "lit/directives/ref.js";
import { TermApi, termSocketUrl } from "./api";
import { browserTermSocket, stateText, TermConnection, type ConnState, type TermSocket } from "./connection";
import { FindBar, type Finder } from "./find-bar";
import { binaryBytes, textBytes } from "./input";
import paneCss from "./pane.css?inline";
import { terminalLabel } from "./route";
import { XtermView, type Renderer, type XtermViewOptions } from "./xterm-view";

export const TAG = "boo-term-pane";
const STYLE_ID = "boo-term-pane-style";
/** Scrollback lines of an exited terminal's kept text to show. */
const LAST_SCREEN_LINES = 1000;

export type TermStateDetail = { state: ConnState; text: string };
export type TabTitleDetail = { title: string };

/** What the pane uses of its terminal view ({@link XtermView}; a fake in unit tests). */
export type TermView = Finder & {
  readonly size: { cols: number; rows: number } | undefined;
  fitNow(): void;
  write(bytes: Uint8Array, done: () => void): void;
  reset(): void;
  bufferText(): string;
  dispose(): void;
};

/** The pane's way out to xterm.js and the network: a seam, so unit tests run in jsdom. */
export type PaneDeps = {
  view: (host: HTMLElement, opts: XtermViewOptions) => TermView;
  socket: (url: string) => TermSocket;
};

export const browserDeps: PaneDeps = {
  view: (host, opts) => new XtermView(host, opts),
  socket: browserTermSocket,
};

/** Adds the pane's and xterm's CSS to `doc` once. */
function injectStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID) !== null) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = `${xtermCss}\n${paneCss}`;
  doc.head.append(style);
}

function dispatch<T>(el: HTMLElement, type: string, detail: T): void {
  el.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}

export class BooTermPane extends LitElement {
  static override properties = {
    terminalId: { attribute: "terminal-id", reflect: true },
    readOnly: { attribute: "readonly", type: Boolean, reflect: true },
    base: {},
    renderer: {},
    current: { state: true },
    termTitle: { state: true },
    serverReadonly: { state: true },
  };

  declare terminalId: string | null;
  declare readOnly: boolean;
  /** booterm's URL, resolved against `document.baseURI` (default `./`). */
  declare base: string | null;
  /** `dom` skips WebGL. */
  declare renderer: string | null;
  private declare current: ConnState;
  private declare termTitle: string;
  /** The hello said read-only (another client holds the terminal, or the server decided). */
  private declare serverReadonly: boolean;

  /** Where xterm and the socket come from; set before the element is inserted. */
  deps: PaneDeps = browserDeps;

  private readonly hostRef = createRef<HTMLDivElement>();
  private readonly find = new FindBar(this.ownerDocument);
  private view: TermView | undefined;
  private conn: TermConnection | undefined;
  /** The attributes the running view and connection were started for. */
  private started: string | undefined;
  private observer: ResizeObserver | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** The last title sent as `boo-tab-title` for this connection. */
  private tabTitle: string | undefined;
  private focusPending = false;
  private readonly lifecycle = new PaneLifecycle(this, { sync: () => this.sync(), teardown: () => this.stop() });

  constructor() {
    super();
    this.terminalId = null;
    this.readOnly = false;
    this.base = null;
    this.renderer = null;
    this.current = { kind: "idle" };
    this.termTitle = "";
    this.serverReadonly = false;
  }

  /** Light DOM: xterm measures and styles its elements with the document's CSS. */
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    injectStyles(this.ownerDocument);
  }

  /** The connection's state now. */
  get state(): ConnState {
    return this.current;
  }

  /** The terminal's text (scrollback and screen), for tests and tools. */
  bufferText(): string {
    return this.view?.bufferText() ?? "";
  }

  /** Focus the terminal: now, or once the pending update (a new terminal-id…) started it. */
  override focus(): void {
    this.focusPending = true;
    if (!this.isUpdatePending) this.focusView();
  }

  /** Connect again now instead of waiting for the next retry. */
  reconnect(): void {
    this.conn?.reconnectNow();
  }

  protected override render(): TemplateResult {
    const state = this.current;
    const why = state.kind === "reconnecting" || state.kind === "gone" ? state.reason : "";
    // No whitespace inside the spans: tests read their text.
    return html`<div class="bt-bar">
        <span class="bt-title" data-testid="term-title">${this.termTitle}</span>
        <span class="bt-badge" data-testid="readonly-badge" ?hidden=${!(this.readOnly || this.serverReadonly)}>read-only</span>
        <span class="bt-conn" data-testid="term-state" data-state=${state.kind} title=${why}
          ><span class="bt-dot"></span><span class="bt-conn-text">${stateText(state, Date.now())}</span></span
        >
        <button type="button" class="bt-retry" data-testid="reconnect-now" ?hidden=${state.kind !== "reconnecting"} @click=${() => this.reconnect()}>Retry now</button>
      </div>
      <div class="bt-body"><div class="bt-host" ${ref(this.hostRef)}></div>${this.find.el}</div>`;
  }

  /** After every render: a sync when the attributes differ from the running ones (or none runs). */
  protected override updated(): void {
    if (this.key() !== this.started) this.lifecycle.request();
    this.focusView();
  }

  /** The attributes a view and connection are started for. */
  private key(): string {
    return JSON.stringify([this.terminalId, this.readOnly, this.base, this.renderer]);
  }

  /** In a document: (re)start when the attributes differ from the running ones, else (a move) refit. */
  private sync(): void {
    const key = this.key();
    if (key === this.started) {
      // The terminal and its connection stay; the new place may have another size.
      this.view?.fitNow();
    } else {
      this.stop();
      this.start(key);
    }
    this.focusView();
  }

  /** A view and connection for `key`; none before the first render (its updated() asks for a sync again). */
  private start(key: string): void {
    const host = this.hostRef.value;
    if (host === undefined) return;
    this.started = key;
    this.termTitle = "";
    this.tabTitle = undefined;
    this.serverReadonly = false;
    const id = this.terminalId;
    if (id === null || id === "") {
      this.showState({ kind: "gone", reason: "no terminal-id" });
      return;
    }
    const readonly = this.readOnly;
    const base = { href: new URL(this.base ?? "./", this.ownerDocument.baseURI).toString() };
    const api = new TermApi(base);
    const find = this.find;

    let conn: TermConnection | undefined;
    // Set by the first `hello`: until then the view shows nothing of this terminal.
    let greeted = false;
    const view = this.deps.view(host, {
      readonly,
      renderer: this.renderer === "dom" ? "dom" : "webgl",
      onData: (d) => void conn?.input(textBytes(d)),
      onBinary: (d) => void conn?.input(binaryBytes(d)),
      onResize: (cols, rows) => conn?.resize(cols, rows),
      onTitle: (t) => this.setTitle(t),
      onRenderer: (r: Renderer) => (this.dataset["renderer"] = r),
      onFind: () => find.open(),
      onSearchResults: (index, count) => find.results(index, count),
    });
    find.attach(view);
    conn = new TermConnection({
      url: () => termSocketUrl(base, id, { readonly, size: view.size ?? null }),
      open: this.deps.socket,
      probe: () => api.probe(id),
      readonly,
      onHello: (hello) => {
        greeted = true;
        view.reset();
        view.fitNow();
        this.serverReadonly = hello.readonly;
        if (this.termTitle === "") this.setTitle(terminalLabel(hello.terminal));
      },
      onOutput: (bytes, done) => view.write(bytes, done),
      // A connection being replaced or torn down has nothing more to show.
      onState: (state) => {
        if (conn !== this.conn) return;
        this.showState(state);
        // Opened after its program ended: show what the pane showed last.
        if (state.kind === "exited" && !greeted) void this.showLastScreen(api, id, view);
      },
    });
    const size = view.size;
    if (size !== undefined) conn.resize(size.cols, size.rows);
    this.view = view;
    this.conn = conn;
    this.observer = new ResizeObserver((entries) => {
      const box = entries.at(-1)?.contentRect;
      // Shown again (or resized): fit now rather than a frame later at the old size.
      if (box !== undefined && box.width > 0 && box.height > 0) this.view?.fitNow();
    });
    this.observer.observe(this);
    conn.start();
  }

  /** Focus the view asked for: the one for the current attributes, once started. */
  private focusView(): void {
    if (!this.focusPending || this.view === undefined || this.started !== this.key()) return;
    this.focusPending = false;
    this.view.focus();
  }

  /** Close the connection and free the view, timers and observer (idempotent). */
  private stop(): void {
    this.started = undefined;
    const conn = this.conn;
    this.conn = undefined;
    conn?.close();
    if (conn !== undefined) this.current = { kind: "closed" };
    this.observer?.disconnect();
    this.observer = undefined;
    this.find.attach(undefined);
    this.view?.dispose();
    this.view = undefined;
    this.hostRef.value?.replaceChildren();
    this.setTicker(false);
  }

  /** An exited terminal's kept text, when booterm kept it (none: the view stays empty). */
  private async showLastScreen(api: TermApi, id: string, view: TermView): Promise<void> {
    let text: string;
    try {
      text = (await api.snapshot(id, LAST_SCREEN_LINES)).text;
    } catch {
      return;
    }
    if (view !== this.view || text === "") return;
    view.write(textBytes(`${text.replaceAll("\n", "\r\n")}\r\n`), () => {});
  }

  private setTitle(title: string): void {
    this.termTitle = title;
    dispatch(this, "boo-term-title", { title });
    if (title === this.tabTitle) return;
    this.tabTitle = title;
    dispatch<TabTitleDetail>(this, "boo-tab-title", { title });
  }

  private showState(state: ConnState): void {
    this.current = state;
    // On the element at once (tests and the page wait on it); the bar follows on render.
    this.dataset["state"] = state.kind;
    this.setTicker(state.kind === "reconnecting");
    dispatch<TermStateDetail>(this, "boo-term-state", { state, text: stateText(state, Date.now()) });
  }

  /** While reconnecting, the countdown is refreshed every second. */
  private setTicker(on: boolean): void {
    if (!on) {
      clearInterval(this.ticker);
      this.ticker = undefined;
      return;
    }
    if (this.ticker !== undefined) return;
    this.ticker = setInterval(() => this.requestUpdate(), 1000);
  }
}

/** Registers the element (once per registry). */
export function defineTermPane(registry: CustomElementRegistry = customElements): void {
  if (registry.get(TAG) === undefined) registry.define(TAG, BooTermPane);
}

defineTermPane();

declare global {
  interface HTMLElementTagNameMap {
    "boo-term-pane": BooTermPane;
  }
}
