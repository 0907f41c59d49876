// One xterm.js terminal in a host element: fit to the host (ResizeObserver), clickable
// links, Unicode 11 widths, the WebGL renderer when the browser has one (the DOM
// renderer otherwise, and after a lost WebGL context), copy on select, search with
// highlighted matches, and the Ctrl/Cmd-Shift-C / -V / -F bindings. Knows nothing about
// sockets: input and size changes go out through callbacks.

import { FitAddon } from "@xterm/addon-fit";
import { SearchAddon, type ISearchOptions } from "@xterm/addon-search";
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { WebglAddon } from "@xterm/addon-webgl";
import { Terminal, type IDisposable, type ITheme } from "@xterm/xterm";
import { keyAction } from "./input";
import { joinRows, type Row } from "./text";

export type Renderer = "webgl" | "dom";

export type XtermViewOptions = {
  readonly: boolean;
  /** `dom` skips WebGL. */
  renderer?: Renderer;
  /** Typed text, pastes and escape sequences (xterm `onData`). */
  onData: (data: string) => void;
  /** Legacy mouse reports, one char per byte (xterm `onBinary`). */
  onBinary: (data: string) => void;
  /** The fitted size changed (also the first time it is known). */
  onResize: (cols: number, rows: number) => void;
  /** The program set the window title (OSC 0/2). */
  onTitle?: (title: string) => void;
  onRenderer?: (renderer: Renderer) => void;
  /** Ctrl/Cmd-Shift-F was pressed in the terminal. */
  onFind?: () => void;
  /** The matches of the current search changed: the active one (-1: none) and how many. */
  onSearchResults?: (index: number, count: number) => void;
};

/** How matches look (the active one brighter) and where they sit on the scrollbar. */
const SEARCH: ISearchOptions = {
  decorations: {
    matchBackground: "#3a4a6b",
    matchOverviewRuler: "#8ab4ff",
    activeMatchBackground: "#f0c060",
    activeMatchColorOverviewRuler: "#f0c060",
  },
};

/** Copy-on-select waits for the selection to settle this long. */
const COPY_SETTLE_MS = 150;

export const THEME: ITheme = {
  background: "#0e1014",
  foreground: "#e7e9ee",
  cursor: "#8ab4ff",
  cursorAccent: "#0e1014",
  selectionBackground: "rgba(138, 180, 255, 0.35)",
  black: "#1c212a",
  red: "#ff7a7a",
  green: "#5fd18a",
  yellow: "#f0c060",
  blue: "#8ab4ff",
  magenta: "#c79bff",
  cyan: "#6fd3e0",
  white: "#c3c8d2",
  brightBlack: "#646d7e",
  brightRed: "#ff9e9e",
  brightGreen: "#86e3a8",
  brightYellow: "#f6d58a",
  brightBlue: "#a9c8ff",
  brightMagenta: "#dcbcff",
  brightCyan: "#9be6ef",
  brightWhite: "#ffffff",
};

function clipboard(): Clipboard | undefined {
  return typeof navigator === "undefined" ? undefined : navigator.clipboard;
}

export class XtermView {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon({ highlightLimit: 2000 });
  private readonly disposables: IDisposable[] = [];
  private readonly observer: ResizeObserver;
  private webgl: WebglAddon | undefined;
  private reported: { cols: number; rows: number } | undefined;
  private fitFrame = 0;
  private copyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where the last search put the selection: a match is not copied like a user's selection. */
  private searchSelection: string | undefined;
  private disposed = false;

  constructor(
    host: HTMLElement,
    private readonly opts: XtermViewOptions,
  ) {
    this.term = new Terminal({
      allowProposedApi: true, // term.unicode
      cursorBlink: !opts.readonly,
      disableStdin: opts.readonly,
      fontFamily: 'ui-monospace, "SFMono-Regular", "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 10_000,
      theme: THEME,
    });
    const term = this.term;
    term.loadAddon(this.fit);
    term.loadAddon(this.search);
    term.loadAddon(new WebLinksAddon());
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = "11";
    term.open(host);
    this.useRenderer(opts.renderer ?? "webgl");

    this.disposables.push(
      term.onData((d) => opts.onData(d)),
      term.onBinary((d) => opts.onBinary(d)),
      term.onTitleChange((t) => opts.onTitle?.(t)),
      term.onSelectionChange(() => this.copySoon()),
      this.search.onDidChangeResults((r) => opts.onSearchResults?.(r.resultIndex, r.resultCount)),
    );
    term.attachCustomKeyEventHandler((ev) => {
      const action = keyAction(ev);
      if (action === "pass") return true;
      // Also on keypress/keyup, and so the browser's own Ctrl-Shift-V paste never runs.
      ev.preventDefault();
      if (ev.type === "keydown") {
        if (action === "copy") this.copySelection();
        else if (action === "find") opts.onFind?.();
        else void this.pasteClipboard();
      }
      return false;
    });

    this.observer = new ResizeObserver(() => this.fitSoon());
    this.observer.observe(host);
    this.fitNow();
  }

  /** The fitted size, once the host could be measured. */
  get size(): { cols: number; rows: number } | undefined {
    return this.reported;
  }

  /** Fit to the host now; reports a changed size. */
  fitNow(): void {
    if (this.disposed) return;
    let dims: { cols: number; rows: number } | undefined;
    try {
      dims = this.fit.proposeDimensions();
    } catch {
      dims = undefined;
    }
    // Hidden (display: none) or not laid out yet: keep the last size.
    if (dims === undefined || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 2) return;
    if (dims.cols !== this.term.cols || dims.rows !== this.term.rows) this.term.resize(dims.cols, dims.rows);
    if (this.reported?.cols === dims.cols && this.reported.rows === dims.rows) return;
    this.reported = { cols: dims.cols, rows: dims.rows };
    this.opts.onResize(dims.cols, dims.rows);
  }

  /** Select the next match of `query` below the selected one (from the top without one). */
  findNext(query: string): boolean {
    if (this.disposed) return false;
    return this.found(this.search.findNext(query, SEARCH));
  }

  /** Select the next match of `query` above the selected one (from the bottom without one). */
  findPrevious(query: string): boolean {
    if (this.disposed) return false;
    return this.found(this.search.findPrevious(query, SEARCH));
  }

  private found(hit: boolean): boolean {
    this.searchSelection = this.selectionKey();
    return hit;
  }

  private selectionKey(): string | undefined {
    const at = this.term.getSelectionPosition();
    return at === undefined ? undefined : JSON.stringify([at.start, at.end]);
  }

  /** Remove the match highlights. */
  clearSearch(): void {
    if (this.disposed) return;
    this.search.clearDecorations();
    this.term.clearSelection();
  }

  /** Write output; `done` runs once xterm has processed it. */
  write(bytes: Uint8Array, done: () => void): void {
    if (this.disposed) return;
    this.term.write(bytes, done);
  }

  /** Clear screen, scrollback and modes, after whatever output is still queued. */
  reset(): void {
    if (this.disposed) return;
    this.term.write("", () => {
      if (!this.disposed) this.term.reset();
    });
  }

  /** The buffer's text (scrollback and screen), wrapped rows joined. */
  bufferText(): string {
    const buffer = this.term.buffer.active;
    const rows: Row[] = [];
    for (let i = 0; i < buffer.length; i += 1) {
      const line = buffer.getLine(i);
      if (line !== undefined) rows.push({ text: line.translateToString(true), wrapped: line.isWrapped });
    }
    return joinRows(rows);
  }

  focus(): void {
    this.term.focus();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.observer.disconnect();
    cancelAnimationFrame(this.fitFrame);
    clearTimeout(this.copyTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.webgl = undefined;
    this.term.dispose();
  }

  private useRenderer(wanted: Renderer): void {
    if (wanted === "webgl") {
      try {
        const webgl = new WebglAddon();
        this.term.loadAddon(webgl);
        this.webgl = webgl;
        this.disposables.push(
          webgl.onContextLoss(() => {
            // The GPU went away (driver reset, too many contexts): draw with the DOM again.
            webgl.dispose();
            if (this.webgl === webgl) this.webgl = undefined;
            this.opts.onRenderer?.("dom");
          }),
        );
        this.opts.onRenderer?.("webgl");
        return;
      } catch {
        // No WebGL2 here: the DOM renderer is already in place.
      }
    }
    this.opts.onRenderer?.("dom");
  }

  private fitSoon(): void {
    if (this.fitFrame !== 0 || this.disposed) return;
    this.fitFrame = requestAnimationFrame(() => {
      this.fitFrame = 0;
      this.fitNow();
    });
  }

  private copySoon(): void {
    clearTimeout(this.copyTimer);
    this.copyTimer = setTimeout(() => {
      if (this.term.hasSelection() && this.selectionKey() !== this.searchSelection) this.copySelection();
    }, COPY_SETTLE_MS);
  }

  private copySelection(): void {
    const text = this.term.getSelection();
    if (text === "") return;
    // Refused without focus or permission; the selection stays for the browser's own copy.
    clipboard()
      ?.writeText(text)
      .catch(() => {});
  }

  private async pasteClipboard(): Promise<void> {
    if (this.opts.readonly) return;
    let text: string;
    try {
      text = (await clipboard()?.readText()) ?? "";
    } catch {
      return; // permission refused
    }
    // term.paste normalises newlines and adds bracketed-paste markers when the program asked.
    if (text !== "" && !this.disposed) this.term.paste(text);
  }
}
