// <boo-coder-pane session-id="…" chat-id="…" [base="./coder/"]>: one boocoder agent chat
// in an element, for a tab of boochat's workspace and for the /coder/ page. Everything the
// chat needs is inside: transcript, composer with the agent pickers, the agents' cards,
// Stop, the session's pending changes with their diffs. Its CSS lives in its shadow root,
// so it never meets the host page's.
//
// `base` is boocoder's URL, resolved against `document.baseURI` (`./`, the default, when
// boocoder serves the page; `./coder/` on boochat's). Every REST and WebSocket URL of the
// pane comes from it; the pane never reads or writes `location` or `history`.
//
// Lifecycle (a PaneLifecycle, @boocode/common/pane-lifecycle): the session's socket opens
// once the element is in a document with both ids set, and switches when they change.
// Moving the element (another pane of the workspace, a split) is a sync that finds the
// same ids, so the socket stays. Removed for good, it closes the socket and drops every
// timer and subscription.
//
// Events out (bubbling, composed): `boo-tab-title` {title} (the chat's title, else
// "Agent · <provider>"), `boo-tab-busy` {busy} while a turn runs, `boo-open-tab`
// {tab: {kind: "coder", id}, beside: false} when the owner opens another chat of the
// session whose agent waits for an answer.

import themeCss from "@boocode/common/theme.css?inline";
import type { FetchFn } from "@boocode/common/api";
import { PaneLifecycle } from "@boocode/common/pane-lifecycle";
import type { WsLike } from "@boocode/common/session-socket";
import { LitElement, nothing, unsafeCSS, type PropertyValues } from "lit";
import { CoderApi } from "./api/client";
import { PaneController } from "./pane-controller";
import checkpointsCss from "./ui/checkpoints.css?inline";
import coderCss from "./ui/coder.css?inline";
import paneCss from "./ui/pane.css?inline";
import { PaneView } from "./ui/pane-view";

export const TAG = "boo-coder-pane";

/** Stand-ins for the browser's services (tests; a host that proxies them). Set before the element connects. */
export type PaneServices = {
  openWs?: (url: string) => WsLike;
  fetch?: FetchFn;
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
};

export type TabTitleDetail = { title: string };
export type TabBusyDetail = { busy: boolean };
export type OpenTabDetail = { tab: { kind: "coder"; id: string }; beside: boolean };

/** The theme's page-wide rules made to hold inside a shadow root: its tokens and base text go on the host. */
export function shadowTheme(css: string): string {
  return css.replace(/:root\b/g, ":host");
}

/** Render after a store change at most once per frame; the timeout keeps a hidden page current. */
const FRAME_FALLBACK_MS = 100;

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage blocked: choices last for this page only.
    return null;
  }
}

export class BooCoderPane extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    chatId: { type: String, attribute: "chat-id" },
    base: { type: String },
  };

  static override styles = [unsafeCSS(shadowTheme(themeCss)), unsafeCSS(coderCss), unsafeCSS(checkpointsCss), unsafeCSS(paneCss)];

  declare sessionId: string | null;
  declare chatId: string | null;
  declare base: string | null;

  services: PaneServices = {};

  private ctl: PaneController | undefined;
  private view: PaneView | undefined;
  /** The absolute `base` the controller was built for. */
  private ctlBase = "";
  private unsubscribe: (() => void) | undefined;
  private readonly lifecycle = new PaneLifecycle(this, { sync: () => this.sync(), teardown: () => this.teardown() });
  private frame: { raf: number | undefined; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  private sentTitle: string | null = null;
  private sentBusy = false;
  private focusPending = false;

  constructor() {
    super();
    this.sessionId = null;
    this.chatId = null;
    this.base = null;
  }

  /** The controller of the chat shown (tests, tools); `undefined` before the element first connects. */
  get controller(): PaneController | undefined {
    return this.ctl;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId") || changed.has("chatId") || changed.has("base")) this.lifecycle.request();
  }

  protected override render(): unknown {
    return this.view?.el ?? nothing;
  }

  /** Focus the message box. */
  override focus(): void {
    if (this.view === undefined) this.focusPending = true;
    else this.view.focus();
  }

  // ------------------------------------------------------------------ lifecycle

  /** In a document: the controller for this base, showing these ids (a move changes nothing). */
  private sync(): void {
    const base = new URL(this.base ?? "./", this.ownerDocument.baseURI).href;
    if (this.ctl !== undefined && this.ctlBase !== base) {
      this.teardown();
      this.ctl = undefined;
      this.view = undefined;
    }
    let ctl = this.ctl;
    if (ctl === undefined) {
      const services = this.services;
      const daemon = { href: base };
      ctl = new PaneController({
        base: daemon,
        api: new CoderApi(daemon, services.fetch),
        openWs: services.openWs,
        storage: services.storage === undefined ? localStorageOrNull() : services.storage,
      });
      this.ctl = ctl;
      this.ctlBase = base;
      this.view = new PaneView(ctl, { openChat: (id) => this.emit<OpenTabDetail>("boo-open-tab", { tab: { kind: "coder", id }, beside: false }) });
      this.requestUpdate();
    }
    this.unsubscribe ??= ctl.store.subscribe(() => this.scheduleFrame());
    const sessionId = this.sessionId ?? "";
    const chatId = this.chatId ?? "";
    if (sessionId !== "" && chatId !== "") ctl.show(sessionId, chatId);
    else ctl.close(true);
    this.paint();
    // Asked before the view existed: once Lit has put it in the shadow root.
    if (this.focusPending) {
      void this.updateComplete.then(() => {
        if (!this.focusPending) return;
        this.focusPending = false;
        this.view?.focus();
      });
    }
  }

  /** The element is gone: no socket, timer or subscription is left. */
  private teardown(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cancelFrame();
    this.ctl?.close();
    this.view?.dispose();
    // A later insertion (another host) hears the tab's state again.
    this.sentTitle = null;
    this.sentBusy = false;
  }

  // ------------------------------------------------------------------ rendering

  private scheduleFrame(): void {
    if (this.frame !== undefined) return;
    const run = (): void => {
      if (this.frame === undefined) return;
      this.cancelFrame();
      this.paint();
    };
    this.frame = {
      raf: typeof requestAnimationFrame === "function" ? requestAnimationFrame(run) : undefined,
      timer: setTimeout(run, FRAME_FALLBACK_MS),
    };
  }

  private cancelFrame(): void {
    const frame = this.frame;
    this.frame = undefined;
    if (frame === undefined) return;
    if (frame.raf !== undefined) cancelAnimationFrame(frame.raf);
    clearTimeout(frame.timer);
  }

  private paint(): void {
    const ctl = this.ctl;
    if (ctl === undefined || this.view === undefined) return;
    this.view.render();
    if (ctl.state.sessionId === null) return;
    const title = ctl.title();
    if (title !== null && title !== this.sentTitle) {
      this.sentTitle = title;
      this.emit<TabTitleDetail>("boo-tab-title", { title });
    }
    const busy = ctl.busy();
    if (busy !== this.sentBusy) {
      this.sentBusy = busy;
      this.emit<TabBusyDetail>("boo-tab-busy", { busy });
    }
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "boo-coder-pane": BooCoderPane;
  }
}

if (customElements.get(TAG) === undefined) customElements.define(TAG, BooCoderPane);
