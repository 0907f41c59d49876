// The pane elements of the open session, one per tab, made once and kept by tab id. The
// shell renders these very nodes into the pane bodies, so a tab moved to another pane (a
// drag, a split, a closed pane's tabs relocating) moves the SAME element: its socket
// stays open, its terminal keeps its screen. An element is dropped only when its tab is
// closed or the session changes (`retain`, `clear`).
//
// The coder and terminal elements come from their daemons' `pane.js` on the one origin,
// imported on first need (ModuleLoader); the chat pane is boochat's own, bundled.

import type { TabKind, WorkspaceTab } from "@boocode/types";

export const TAGS: Record<TabKind, string> = { chat: "boo-chat-pane", coder: "boo-coder-pane", term: "boo-term-pane" };

/** Where each daemon's pane lives, relative to the page (the one origin, behind Caddy). */
export const BASES: Record<TabKind, string> = { chat: "./", coder: "./coder/", term: "./term/" };

export type PaneEvents = {
  title(tabId: string, title: string): void;
  busy(tabId: string, busy: boolean): void;
  /** The pane asks for another tab (a fork: `beside` = in a new pane next to it). */
  openTab(fromTabId: string, tab: WorkspaceTab, beside: boolean): void;
  /** The pane's chat was archived. */
  archived(tabId: string, chatId: string): void;
};

function detail(e: Event): Record<string, unknown> {
  const d = (e as CustomEvent<unknown>).detail;
  return typeof d === "object" && d !== null ? (d as Record<string, unknown>) : {};
}

function isTab(value: unknown): value is WorkspaceTab {
  if (typeof value !== "object" || value === null) return false;
  const { kind, id } = value as Record<string, unknown>;
  return (kind === "chat" || kind === "coder" || kind === "term") && typeof id === "string" && id !== "";
}

/** A new, unattached element for `tab` of `sessionId`, wired to `events`. */
export function createPaneElement(doc: Document, sessionId: string, tab: WorkspaceTab, events: PaneEvents): HTMLElement {
  const el = doc.createElement(TAGS[tab.kind]);
  if (tab.kind === "term") el.setAttribute("terminal-id", tab.id);
  else {
    el.setAttribute("session-id", sessionId);
    el.setAttribute("chat-id", tab.id);
  }
  el.setAttribute("base", BASES[tab.kind]);
  el.dataset["wsTab"] = tab.id;
  el.classList.add("ws-pane-el");
  el.addEventListener("boo-tab-title", (e) => {
    const title = detail(e)["title"];
    if (typeof title === "string") events.title(tab.id, title);
  });
  el.addEventListener("boo-tab-busy", (e) => events.busy(tab.id, detail(e)["busy"] === true));
  el.addEventListener("boo-open-tab", (e) => {
    const d = detail(e);
    if (isTab(d["tab"])) events.openTab(tab.id, d["tab"], d["beside"] === true);
  });
  el.addEventListener("boo-tab-archived", (e) => {
    const id = detail(e)["id"];
    events.archived(tab.id, typeof id === "string" ? id : tab.id);
  });
  return el;
}

export class PaneElements {
  private readonly els = new Map<string, HTMLElement>();
  private sessionId: string | null = null;

  constructor(
    private readonly events: PaneEvents,
    private readonly doc: Document = document,
  ) {}

  /** The element of `tab` in `sessionId`, made on first call; another session drops all first. */
  get(sessionId: string, tab: WorkspaceTab): HTMLElement {
    if (sessionId !== this.sessionId) {
      this.clear();
      this.sessionId = sessionId;
    }
    let el = this.els.get(tab.id);
    if (el === undefined || el.tagName.toLowerCase() !== TAGS[tab.kind]) {
      el?.remove();
      el = createPaneElement(this.doc, sessionId, tab, this.events);
      this.els.set(tab.id, el);
    }
    return el;
  }

  peek(tabId: string): HTMLElement | undefined {
    return this.els.get(tabId);
  }

  has(tabId: string): boolean {
    return this.els.has(tabId);
  }

  get size(): number {
    return this.els.size;
  }

  /** Drops (removes from the page and forgets) every element whose tab is not in `keep`. */
  retain(keep: ReadonlySet<string>): string[] {
    const dropped: string[] = [];
    for (const [id, el] of this.els) {
      if (keep.has(id)) continue;
      el.remove();
      this.els.delete(id);
      dropped.push(id);
    }
    return dropped;
  }

  clear(): void {
    for (const el of this.els.values()) el.remove();
    this.els.clear();
    this.sessionId = null;
  }
}

export type ModuleStatus = "idle" | "loading" | "ready" | "failed";

/** Loads the coder and terminal pane modules from their daemons once, on first need. */
export class ModuleLoader {
  private readonly status = new Map<TabKind, ModuleStatus>([["chat", "ready"]]);
  private readonly errors = new Map<TabKind, string>();

  constructor(
    private readonly onChange: () => void,
    private readonly importer: (url: string) => Promise<unknown> = (url) => import(/* @vite-ignore */ url),
    private readonly baseURI: () => string = () => document.baseURI,
  ) {}

  get(kind: TabKind): ModuleStatus {
    return this.status.get(kind) ?? "idle";
  }

  error(kind: TabKind): string | undefined {
    return this.errors.get(kind);
  }

  /** Starts loading `kind`'s module unless it is loading or loaded (a failure is retried on `retry`). */
  need(kind: TabKind): void {
    if (this.get(kind) !== "idle") return;
    this.status.set(kind, "loading");
    const url = new URL(`${BASES[kind]}pane.js`, this.baseURI()).href;
    this.importer(url).then(
      () => {
        this.status.set(kind, "ready");
        this.onChange();
      },
      (err: unknown) => {
        this.status.set(kind, "failed");
        this.errors.set(kind, err instanceof Error ? err.message : String(err));
        this.onChange();
      },
    );
  }

  retry(kind: TabKind): void {
    if (this.get(kind) !== "failed") return;
    this.status.set(kind, "idle");
    this.errors.delete(kind);
    this.need(kind);
    this.onChange();
  }
}
