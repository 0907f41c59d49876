// <boo-chat-pane session-id="…" chat-id="…" [base="./"]>: one boochat chat in an element,
// one tab of the workspace. It owns one PaneController (the session's socket, the chat's
// transcript, the models poll): made when the element is in the document with both ids,
// kept when only the chat changes (same session: same socket), made again when the
// session or base changes, and disposed only when the element is really gone. A
// PaneLifecycle (@boocode/common/pane-lifecycle) decides when: moving the element (a tab
// dragged to another pane) is a sync that finds the same session, so the socket stays.
//
// `base` is boochat's URL, resolved against `document.baseURI`: `./` (default) on
// boochat's own page. The pane never reads or writes `location` or `history`.
//
// Events (bubbling, composed):
// - `boo-tab-title` {title}: the chat's title ("New chat" without one), when known or changed;
// - `boo-tab-busy` {busy}: a turn started or ended;
// - `boo-open-tab` {tab: {kind: "chat", id}, beside: true}: a fork to open beside this pane;
// - `boo-tab-archived` {id}: the chat was archived (here or elsewhere); the page closes the tab.

import { html, LitElement, unsafeCSS, type PropertyValues } from "lit";
import themeCss from "@boocode/common/theme.css?inline";
import type { FetchFn } from "@boocode/common/api";
import { PaneLifecycle } from "@boocode/common/pane-lifecycle";
import { browserWs, type WsLike } from "@boocode/common/session-socket";
import { Api } from "../api/client";
import paneCss from "./chat-pane.css?inline";
import { PaneController, type ChatTab } from "./controller";
import { PaneView } from "./view";

export const TAG = "boo-chat-pane";

export type TabTitleDetail = { title: string };
export type TabBusyDetail = { busy: boolean };
export type OpenTabDetail = { tab: ChatTab; beside: boolean };
export type TabArchivedDetail = { id: string };

/** The theme's page-wide rules (`:root`) apply to the element itself in its shadow root. */
export function hostTheme(css: string): string {
  return css.replace(/:root\b/g, ":host");
}

export class BooChatPane extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    chatId: { type: String, attribute: "chat-id" },
    base: { type: String },
  };

  static override styles = [unsafeCSS(hostTheme(themeCss)), unsafeCSS(paneCss)];

  declare sessionId: string | null;
  declare chatId: string | null;
  declare base: string;

  /** How the pane reaches boochat (tests give fakes before inserting it). */
  openWs: (url: string) => WsLike = browserWs;
  fetchFn: FetchFn | undefined = undefined;

  private readonly mount: HTMLElement;
  private ctrl: PaneController | undefined;
  /** The base URL the controller was made with. */
  private controllerBase = "";
  private view: PaneView | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly lifecycle = new PaneLifecycle(this, { sync: () => this.reconcile(), teardown: () => this.teardown() });
  private focusPending = false;
  private lastTitle: string | undefined;
  private lastBusy = false;

  constructor() {
    super();
    this.sessionId = null;
    this.chatId = null;
    this.base = "./";
    this.mount = document.createElement("div");
    this.mount.className = "mount";
  }

  /** The controller of the chat shown now (for tests and tools). */
  get controller(): PaneController | undefined {
    return this.ctrl;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("sessionId") || changed.has("chatId") || changed.has("base")) this.lifecycle.request();
  }

  protected override render(): unknown {
    return html`${this.mount}`;
  }

  /** Focuses the composer (once the chat is shown, when called before). */
  override focus(): void {
    if (this.view === undefined) {
      this.focusPending = true;
      return;
    }
    const view = this.view;
    void this.updateComplete.then(() => view.focus());
  }

  /** In a document: the controller for this session and base, showing this chat (a move changes nothing). */
  private reconcile(): void {
    const sessionId = this.sessionId ?? "";
    const chatId = this.chatId ?? "";
    if (sessionId === "" || chatId === "") {
      this.teardown();
      return;
    }
    const base = new URL(this.base === "" ? "./" : this.base, this.ownerDocument.baseURI).href;
    const current = this.ctrl;
    if (current !== undefined && current.sessionId === sessionId && this.controllerBase === base) {
      current.showChat(chatId);
      return;
    }
    this.teardown();
    const controller = new PaneController({
      base: { href: base },
      sessionId,
      chatId,
      api: new Api({ href: base }, this.fetchFn),
      openWs: this.openWs,
      host: {
        openTab: (tab, beside) => this.emit<OpenTabDetail>("boo-open-tab", { tab, beside }),
        archived: (id) => this.emit<TabArchivedDetail>("boo-tab-archived", { id }),
      },
    });
    this.ctrl = controller;
    this.controllerBase = base;
    this.unsubscribe = controller.store.subscribe(() => this.announce());
    controller.start();
    const view = new PaneView(controller);
    this.view = view;
    this.mount.replaceChildren(view.el);
    this.announce();
    if (this.focusPending) {
      this.focusPending = false;
      this.focus();
    }
  }

  /** Tells the page the tab's title and busy state when they change. */
  private announce(): void {
    const c = this.ctrl;
    if (c === undefined) return;
    const title = c.title();
    if (title !== undefined && title !== this.lastTitle) {
      this.lastTitle = title;
      this.emit<TabTitleDetail>("boo-tab-title", { title });
    }
    const busy = c.busy();
    if (busy !== this.lastBusy) {
      this.lastBusy = busy;
      this.emit<TabBusyDetail>("boo-tab-busy", { busy });
    }
  }

  private teardown(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.view?.dispose();
    this.view = undefined;
    this.ctrl?.dispose();
    this.ctrl = undefined;
    this.controllerBase = "";
    this.mount.replaceChildren();
  }

  private emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: BooChatPane;
  }
}

if (customElements.get(TAG) === undefined) customElements.define(TAG, BooChatPane);
