// <boo-term-pane terminal-id="…" [readonly] [base="./term/"] [renderer="dom"]>: one
// booterm terminal in an element. It owns one connection: opened when the element is
// inserted, closed when it is removed (reopened when it is inserted again), switched
// when its attributes change. Self-contained (it brings its own CSS), so the boochat
// workspace can load it from booterm (`<base>pane.js`) next to its own panes.
//
// `base` is booterm's URL: `./` (default: the page itself) when booterm serves the page,
// `./term/` or `/term/` when another daemon's page hosts the pane.
//
// Events (bubbling, composed): `boo-term-state` {state, text} on every connection
// change, `boo-term-title` {title} when the program sets its title.

import xtermCss from "@xterm/xterm/css/xterm.css?inline";
import { TermApi, termSocketUrl } from "./api";
import { browserTermSocket, stateText, TermConnection, type ConnState } from "./connection";
import { FindBar } from "./find-bar";
import { binaryBytes, textBytes } from "./input";
import paneCss from "./pane.css?inline";
import { XtermView, type Renderer } from "./xterm-view";

export const TAG = "boo-term-pane";
const STYLE_ID = "boo-term-pane-style";
/** Scrollback lines of an exited terminal's kept text to show. */
const LAST_SCREEN_LINES = 1000;

export type TermStateDetail = { state: ConnState; text: string };

/** Adds the pane's and xterm's CSS to `doc` once. */
function injectStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID) !== null) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = `${xtermCss}\n${paneCss}`;
  doc.head.append(style);
}

function span(doc: Document, cls: string, testid?: string): HTMLSpanElement {
  const el = doc.createElement("span");
  el.className = cls;
  if (testid !== undefined) el.dataset["testid"] = testid;
  return el;
}

export class BooTermPane extends HTMLElement {
  static readonly observedAttributes = ["terminal-id", "readonly", "base", "renderer"];

  private view: XtermView | undefined;
  private conn: TermConnection | undefined;
  private restartQueued = false;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private parts:
    | { title: HTMLElement; badge: HTMLElement; conn: HTMLElement; connText: HTMLElement; retry: HTMLButtonElement; find: FindBar; host: HTMLElement }
    | undefined;
  private current: ConnState = { kind: "idle" };
  private termTitle = "";
  private focusPending = false;

  connectedCallback(): void {
    injectStyles(this.ownerDocument);
    this.build();
    this.queueRestart();
  }

  disconnectedCallback(): void {
    this.stop();
  }

  attributeChangedCallback(_name: string, old: string | null, value: string | null): void {
    if (old !== value && this.isConnected) this.queueRestart();
  }

  get terminalId(): string | null {
    return this.getAttribute("terminal-id");
  }

  /** The connection's state now. */
  get state(): ConnState {
    return this.current;
  }

  /** The terminal's text (scrollback and screen), for tests and tools. */
  bufferText(): string {
    return this.view?.bufferText() ?? "";
  }

  /** Focus the terminal (once it exists, when called before). */
  override focus(): void {
    if (this.view === undefined) this.focusPending = true;
    else this.view.focus();
  }

  /** Connect again now instead of waiting for the next retry. */
  reconnect(): void {
    this.conn?.reconnectNow();
  }

  private build(): void {
    if (this.parts !== undefined) return;
    const doc = this.ownerDocument;
    const bar = doc.createElement("div");
    bar.className = "bt-bar";
    const title = span(doc, "bt-title", "term-title");
    const badge = span(doc, "bt-badge", "readonly-badge");
    badge.textContent = "read-only";
    badge.hidden = true;
    const conn = span(doc, "bt-conn", "term-state");
    conn.append(span(doc, "bt-dot"));
    const connText = span(doc, "bt-conn-text");
    conn.append(connText);
    const retry = doc.createElement("button");
    retry.type = "button";
    retry.className = "bt-retry";
    retry.dataset["testid"] = "reconnect-now";
    retry.textContent = "Retry now";
    retry.hidden = true;
    retry.addEventListener("click", () => this.reconnect());
    bar.append(title, badge, conn, retry);
    const find = new FindBar(doc);
    const host = doc.createElement("div");
    host.className = "bt-host";
    const body = doc.createElement("div");
    body.className = "bt-body";
    body.append(host, find.el);
    this.replaceChildren(bar, body);
    this.parts = { title, badge, conn, connText, retry, find, host };
  }

  /** Attribute changes and insertion coalesce into one restart after the current task. */
  private queueRestart(): void {
    if (this.restartQueued) return;
    this.restartQueued = true;
    queueMicrotask(() => {
      this.restartQueued = false;
      if (!this.isConnected) return;
      this.stop();
      this.start();
    });
  }

  private start(): void {
    const parts = this.parts;
    const id = this.terminalId;
    if (parts === undefined) return;
    if (id === null || id === "") {
      this.showState({ kind: "gone", reason: "no terminal-id" });
      return;
    }
    const readonly = this.hasAttribute("readonly");
    const baseUrl = new URL(this.getAttribute("base") ?? "./", this.ownerDocument.baseURI).toString();
    const base = { href: baseUrl };
    const api = new TermApi(base);
    this.termTitle = "";
    parts.badge.hidden = !readonly;
    parts.title.textContent = "";

    let conn: TermConnection | undefined;
    // Set by the first `hello`: until then the view shows nothing of this terminal.
    let greeted = false;
    const view = new XtermView(parts.host, {
      readonly,
      renderer: this.getAttribute("renderer") === "dom" ? "dom" : "webgl",
      onData: (d) => void conn?.input(textBytes(d)),
      onBinary: (d) => void conn?.input(binaryBytes(d)),
      onResize: (cols, rows) => conn?.resize(cols, rows),
      onTitle: (t) => this.setTitle(t),
      onRenderer: (r: Renderer) => (this.dataset["renderer"] = r),
      onFind: () => parts.find.open(),
      onSearchResults: (index, count) => parts.find.results(index, count),
    });
    parts.find.attach(view);
    conn = new TermConnection({
      url: () => termSocketUrl(base, id, { readonly, size: view.size ?? null }),
      open: browserTermSocket,
      probe: () => api.probe(id),
      readonly,
      onHello: (hello) => {
        greeted = true;
        view.reset();
        view.fitNow();
        parts.badge.hidden = !(readonly || hello.readonly);
        if (this.termTitle === "") this.setTitle(hello.terminal.title ?? hello.terminal.current_command ?? "");
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
    conn.start();
    if (this.focusPending) {
      this.focusPending = false;
      view.focus();
    }
  }

  private stop(): void {
    const conn = this.conn;
    this.conn = undefined;
    conn?.close();
    if (conn !== undefined) this.current = { kind: "closed" };
    this.parts?.find.attach(undefined);
    this.view?.dispose();
    this.view = undefined;
    this.parts?.host.replaceChildren();
    this.setTicker(false);
  }

  /** An exited terminal's kept text, when booterm kept it (none: the view stays empty). */
  private async showLastScreen(api: TermApi, id: string, view: XtermView): Promise<void> {
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
    if (this.parts !== undefined) this.parts.title.textContent = title;
    this.dispatchEvent(new CustomEvent("boo-term-title", { detail: { title }, bubbles: true, composed: true }));
  }

  private showState(state: ConnState): void {
    this.current = state;
    const parts = this.parts;
    const text = stateText(state, Date.now());
    this.dataset["state"] = state.kind;
    if (parts !== undefined) {
      parts.conn.dataset["state"] = state.kind;
      parts.connText.textContent = text;
      parts.conn.title = state.kind === "reconnecting" || state.kind === "gone" ? state.reason : "";
      parts.retry.hidden = state.kind !== "reconnecting";
    }
    this.setTicker(state.kind === "reconnecting");
    this.dispatchEvent(new CustomEvent<TermStateDetail>("boo-term-state", { detail: { state, text }, bubbles: true, composed: true }));
  }

  /** While reconnecting, the countdown is refreshed every second. */
  private setTicker(on: boolean): void {
    if (!on) {
      clearInterval(this.ticker);
      this.ticker = undefined;
      return;
    }
    if (this.ticker !== undefined) return;
    this.ticker = setInterval(() => {
      if (this.parts !== undefined) this.parts.connText.textContent = stateText(this.current, Date.now());
    }, 1000);
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
