// <boo-workspace>: boochat's page. A sidebar of projects → sessions, and the open
// session's panes (1–5, side by side), each a strip of tabs whose bodies are pane
// elements from the three daemons (<boo-chat-pane>, <boo-coder-pane>, <boo-term-pane>).
//
// How it hangs together:
// - The URL is the shell's alone: `#/s/<session>` (an old `/c/<chat>` tail opens that
//   chat once). Panes are told their ids by attribute and never touch `location`.
// - The open session (WorkspaceSession, session.ts) holds the layout, saved through
//   WorkspaceSync over the pure reducer, the shell's one session socket and the chat and
//   terminal lists. Every layout action below is `this.apply(event)`.
// - Pane elements are made once per tab and kept by tab id (PaneElements), and lit
//   renders those very nodes: a moved tab keeps its element, socket and screen.
// - The sidebar (Catalog, catalog.ts) follows every device through a catalog socket
//   (`/api/ws` without a session): `session_updated` frames of any session.
// - Shell-local, never saved: the focused pane, the pane a narrow screen shows, the
//   open "+" menu, a drag in progress, the sidebar's visibility.
//
// Light DOM: the page's CSS (theme.css, app.css, shell.css) styles the shell; each pane
// element brings its own styles.

import type { Chat, Envelope, McpInfo, SandboxStatus, SearchHit, Session, TabKind, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { html, LitElement, nothing, type TemplateResult } from "lit";
import { errorText } from "@boocode/common/api";
import type { Notice } from "@boocode/common/notice";
import { parseRoute } from "@boocode/common/route";
import { browserWs, openSessionSocket, type SessionSocket, type WsLike } from "@boocode/common/session-socket";
import { wsUrl } from "@boocode/common/url";
import "../pane/chat-pane";
import { Api } from "../api/client";
import { projectDialog, shortcutsDialog, toast } from "../ui/app-view";
import { deleteDialog } from "../ui/delete-dialog";
import { settingsDialog } from "../ui/settings-view";
import { workspaceBar } from "../ui/bar-view";
import { sessionTitle, sidebar } from "../ui/sidebar";
import { Catalog, withTags } from "./catalog";
import { closedNotice, DeleteFlow } from "./delete-flow";
import { coderAgentChats, coderSandbox, dismissTask } from "./coder-api";
import { paneOfPath, typingTarget } from "./event-path";
import { InboxWatch, notificationText } from "./inbox";
import { revealMessage } from "./reveal";
import { MessageSearch } from "./search";
import type { LayoutEvent } from "./layout";
import { WorkspaceSession } from "./session";
import { SplitterDrag, TabDrag, type DropTarget } from "./shell-drag";
import { ModuleLoader, PaneElements } from "./shell-elements";
import { NARROW_PX, narrowPaneId, sessionHistory, shortcut, shownTabIds, tabTitle, type HistoryItem, type Shortcut } from "./shell-model";
import { panesView, switcherView, type PanesActions } from "./shell-view";
import { applyTheme, patchFrom, SettingsForm } from "./settings";
import { TermClient } from "./term-client";

export const TAG = "boo-workspace";

const SIDEBAR_KEY = "boochat.sidebar.hidden";
/** A history pane shown this long after the last terminal list asks again. */
const TERMS_STALE_MS = 15_000;
/** How often the sidebar re-reads the MCP servers' status. */
const MCP_POLL_MS = 15_000;

export class BooWorkspace extends LitElement {
  /** How the shell reaches the daemons (tests replace these before inserting it). */
  api = new Api(window.location);
  term = new TermClient({ href: new URL("./term/", document.baseURI).href });
  openWs: (url: string) => WsLike = browserWs;
  /** Loads a daemon's pane module (`./coder/pane.js`, `./term/pane.js`). */
  importModule = (url: string): Promise<unknown> => import(/* @vite-ignore */ url);
  agentChatIds: (sessionId: string) => Promise<string[]> = coderAgentChats;

  private readonly catalog = new Catalog(() => this.api, () => this.requestUpdate());
  /** Dismisses a failed agent turn (tests replace it). */
  dismissTask: (taskId: string) => Promise<void> = dismissTask;
  private readonly inbox = new InboxWatch({
    fetchInbox: () => this.api.inbox(),
    dismissTask: (id) => this.dismissTask(id),
    changed: () => this.requestUpdate(),
    arrived: (fresh) => {
      const text = notificationText(fresh);
      if (text === null || !document.hidden || typeof Notification === "undefined" || Notification.permission !== "granted") return;
      new Notification(text.title, { body: text.body, tag: "boocode-inbox" });
    },
  });
  /** The header's message search (across sessions). */
  private readonly search = new MessageSearch({
    search: (q, cursor) => this.api.search(q, 20, cursor),
    changed: () => this.requestUpdate(),
  });
  private readonly deleting = new DeleteFlow(
    { deleteSession: (id, force) => this.api.deleteSession(id, force) },
    () => this.requestUpdate(),
    (session, closed) => {
      this.sessionGone(session.id);
      const text = closedNotice("Deleted", closed);
      this.notify(text ?? `Deleted “${sessionTitle(session)}”`, text === null ? "info" : "error");
    },
  );
  private readonly elements = new PaneElements({
    title: (id, title) => this.setTabInfo("titles", id, title),
    busy: (id, busy) => this.setTabInfo("busy", id, busy),
    openTab: (from, tab, beside) => this.openFromPane(from, tab, beside),
    archived: (_from, id) => this.apply({ type: "close_tab", tabId: id }),
  });
  private readonly modules = new ModuleLoader(
    () => this.requestUpdate(),
    (url) => this.importModule(url),
  );
  /** The owner's settings: the dialog's state, and the page theme. */
  private readonly settings = new SettingsForm(
    {
      settings: () => this.api.settings(),
      updateSettings: (patch) => this.api.updateSettings(patch),
      models: () => this.api.models(),
      agents: () => this.api.agents(),
    },
    () => this.requestUpdate(),
    (theme) => applyTheme(theme),
  );
  private readonly tabDrag = new TabDrag({ drop: (id, target) => this.drop(id, target), changed: () => this.requestUpdate() });
  private readonly splitter = new SplitterDrag({
    preview: (widths) => {
      this.liveWidths = widths;
      this.requestUpdate();
    },
    commit: (widths) => this.commitWidths(widths),
  });

  private ws: WorkspaceSession | null = null;
  /** `/api/ws` without a session: `session_updated` of every session, for the sidebar. */
  private catalogSocket: SessionSocket | null = null;
  private catalogConnected = false;
  /** The session the route asks for while it loads. */
  private opening: string | null = null;
  private sessionError: string | null = null;
  private focusedPane: string | null = null;
  private pickedPane: string | null = null;
  private menuPane: string | null = null;
  private liveWidths: number[] | null = null;
  /** The active tab each strip last scrolled into view. */
  private readonly revealed = new Map<string, string>();
  private narrow = false;
  private sidebarHidden = false;
  private projectForm = { error: "", busy: false };
  private notice: Notice | null = null;
  /** boocoder's sandbox state, for the header banner. */
  private sandbox: SandboxStatus | null = null;
  /** The MCP servers and their status, for the sidebar (polled). */
  private mcp: McpInfo | null = null;
  private mcpTimer: ReturnType<typeof setInterval> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private media: MediaQueryList | null = null;
  private readonly off: (() => void)[] = [];

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.media = window.matchMedia(`(max-width: ${NARROW_PX - 0.02}px)`);
    this.narrow = this.media.matches;
    this.sidebarHidden = this.narrow || localStorage.getItem(SIDEBAR_KEY) === "1";
    this.on(this.media, "change", () => {
      this.narrow = this.media?.matches ?? false;
      if (this.narrow) this.sidebarHidden = true;
      this.requestUpdate();
    });
    this.on(window, "hashchange", () => void this.followRoute());
    this.on(window, "keydown", (e) => this.onKey(e as KeyboardEvent), true);
    this.on(window, "pagehide", () => this.ws?.flush());
    this.on(document, "pointerdown", (e) => this.onPointerDown(e), true);
    this.on(this, "focusin", (e) => this.notePane(e));
    this.on(document, "visibilitychange", () => {
      if (!document.hidden) void this.inbox.refresh();
    });
    void this.catalog.loadProjects();
    void this.settings.load();
    void coderSandbox().then((status) => {
      this.sandbox = status;
      this.requestUpdate();
    });
    this.inbox.start();
    void this.refreshMcp();
    this.mcpTimer = setInterval(() => void this.refreshMcp(), MCP_POLL_MS);
    this.openCatalogSocket();
    void this.followRoute();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.off.splice(0)) off();
    this.inbox.stop();
    clearInterval(this.mcpTimer);
    this.search.stop();
    this.catalogSocket?.close();
    this.catalogSocket = null;
    this.closeSession();
  }

  /** GET /api/mcp; a failure keeps the last answer. */
  private async refreshMcp(): Promise<void> {
    try {
      this.mcp = await this.api.mcp();
      this.requestUpdate();
    } catch {
      // boochat unreachable: the connection indicator already says so.
    }
  }

  private openCatalogSocket(): void {
    this.catalogConnected = false;
    this.catalogSocket = openSessionSocket({
      url: () => wsUrl(window.location),
      open: (url) => this.openWs(url),
      onEnvelope: (env) => this.onCatalogFrame(env),
      onState: (state) => {
        if (state !== "connected") return;
        // The catalog keeps nothing to replay: what changed while away is read again.
        if (this.catalogConnected) this.catalog.reloadSessions();
        this.catalogConnected = true;
      },
    });
  }

  private onCatalogFrame(env: Envelope): void {
    if (env.type === "session_updated") this.sessionChanged(env.session);
    else if (env.type === "session_deleted") this.sessionGone(env.session_id);
    else if (env.type === "resync") this.catalog.reloadSessions();
  }

  /** A session was deleted (here or on another device): it leaves the sidebar, and the open one closes. */
  private sessionGone(sessionId: string): void {
    this.catalog.sessionDeleted(sessionId);
    if (this.ws?.id === sessionId || this.opening === sessionId) window.location.hash = "#/";
    this.requestUpdate();
  }

  /** A session changed on some device: the sidebar, and the bar when it is the open one. */
  private sessionChanged(session: Session): void {
    this.catalog.sessionUpdated(session);
    if (this.ws?.id === session.id) {
      this.ws.session = session;
      document.title = `${sessionTitle(session)} · BooCode`;
      this.requestUpdate();
    }
  }

  private on(target: EventTarget, type: string, fn: (e: Event) => void, capture = false): void {
    target.addEventListener(type, fn, capture);
    this.off.push(() => target.removeEventListener(type, fn, capture));
  }

  // ------------------------------------------------------------------ notices

  private notify(text: string, tone: Notice["tone"] = "error"): void {
    this.notice = { text, tone, at: Date.now() };
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.dismiss(), tone === "info" ? 2500 : 8000);
    this.requestUpdate();
  }

  private dismiss(): void {
    clearTimeout(this.noticeTimer);
    this.notice = null;
    this.requestUpdate();
  }

  // ------------------------------------------------------------------ route and session

  private async followRoute(): Promise<void> {
    const route = parseRoute(window.location.hash);
    const current = this.ws?.id ?? this.opening;
    if (this.narrow) this.sidebarHidden = true;
    if (route.sessionId === null) {
      if (current !== null) this.closeSession();
      this.requestUpdate();
      return;
    }
    if (route.sessionId !== current) await this.openSession(route.sessionId, route.chatId);
    else if (route.chatId !== null) this.ws?.openChat(route.chatId);
    this.writeRoute();
  }

  private writeRoute(): void {
    const id = this.ws?.id ?? this.opening;
    const hash = id === null ? "#/" : `#/s/${encodeURIComponent(id)}`;
    const current = window.location.hash;
    if (current !== hash && !(hash === "#/" && current === "")) history.replaceState(null, "", hash);
  }

  private closeSession(): void {
    this.ws?.close();
    this.ws = null;
    this.opening = null;
    this.sessionError = null;
    this.elements.clear();
    this.focusedPane = null;
    this.pickedPane = null;
    this.menuPane = null;
    document.title = "boochat · BooCode";
    this.requestUpdate();
  }

  /** Opens `sessionId` (its layout, lists and socket); `chatId` (an old `/c/` link) is shown too. */
  private async openSession(sessionId: string, chatId: string | null): Promise<void> {
    this.closeSession();
    this.opening = sessionId;
    this.requestUpdate();
    let session: Session;
    try {
      session = await this.api.session(sessionId);
    } catch (err) {
      if (this.opening !== sessionId) return;
      this.sessionError = `Cannot open the session: ${errorText(err)}`;
      this.requestUpdate();
      return;
    }
    if (this.opening !== sessionId) return;
    this.opening = null;
    this.catalog.expand(session.project_id);
    document.title = `${sessionTitle(session)} · BooCode`;
    const ws = new WorkspaceSession(session, {
      sessionChanged: (updated) => this.sessionChanged(updated),
      api: this.api,
      term: this.term,
      openWs: (url) => this.openWs(url),
      agentChatIds: (id) => this.agentChatIds(id),
      location: window.location,
      projectPath: () => this.catalog.project(session.project_id)?.path,
      changed: () => this.requestUpdate(),
      notify: (text) => this.notify(text),
    });
    this.ws = ws;
    this.requestUpdate();
    await ws.start(chatId);
  }

  /** Every layout change goes through here: the reducer, then the debounced save. */
  private apply(event: LayoutEvent): void {
    this.ws?.apply(event);
  }

  // ------------------------------------------------------------------ tab and pane actions

  private setTabInfo(which: "titles" | "busy", id: string, value: string | boolean): void {
    const ws = this.ws;
    if (ws === null) return;
    const changed = which === "titles" ? ws.setTabInfo(ws.titles, id, String(value)) : ws.setTabInfo(ws.busy, id, value === true);
    if (changed) this.requestUpdate();
  }

  private openFromPane(fromTabId: string, tab: WorkspaceTab, beside: boolean): void {
    const ws = this.ws;
    if (ws === null) return;
    ws.openFromPane(fromTabId, tab, beside);
    const target = ws.paneOfTab(tab.id);
    if (target !== undefined) this.focusPaneById(target);
  }

  private activate(tabId: string): void {
    this.apply({ type: "activate_tab", tabId });
    const paneId = this.ws?.paneOfTab(tabId);
    if (paneId !== undefined) this.focusPaneById(paneId);
  }

  private drop(tabId: string, target: DropTarget): void {
    this.apply({ type: "move_tab", tabId, toPaneId: target.paneId, index: target.index });
    this.focusPaneById(target.paneId);
  }

  /** Applies `event` and focuses the pane it added, if any (split, reopen). */
  private applyAndFocusNew(event: LayoutEvent): void {
    const ws = this.ws;
    if (ws === null) return;
    const before = ws.paneIds();
    ws.apply(event);
    const added = ws.layout?.panes.find((p) => !before.has(p.id));
    if (added !== undefined) this.focusPaneById(added.id);
  }

  private closePane(paneId: string): void {
    this.apply({ type: "close_pane", paneId });
    if (this.focusedPane === paneId) this.focusedPane = this.ws?.layout?.panes[0]?.id ?? null;
  }

  private commitWidths(widths: readonly number[]): void {
    this.liveWidths = null;
    const panes = this.ws?.layout?.panes ?? [];
    const map: Record<string, number> = {};
    panes.forEach((p, i) => {
      const w = widths[i];
      if (w !== undefined) map[p.id] = w;
    });
    this.apply({ type: "resize", widths: map });
    this.requestUpdate();
  }

  private async newTab(paneId: string, kind: TabKind): Promise<void> {
    this.menuPane = null;
    this.requestUpdate();
    const ws = this.ws;
    const tab = await ws?.newTab(paneId, kind);
    if (ws === this.ws && tab !== undefined) this.focusPaneById(ws?.paneOfTab(tab.id) ?? paneId);
  }

  private async openItem(paneId: string, item: HistoryItem): Promise<void> {
    const ws = this.ws;
    const opened = await ws?.openTab(paneId, { kind: item.kind, id: item.id }, item.status === "archived");
    if (opened === true && ws === this.ws) this.focusPaneById(paneId);
  }

  // ------------------------------------------------------------------ focus and keys

  private notePane(e: Event): void {
    const paneId = paneOfPath(e.composedPath());
    if (paneId === null || paneId === this.focusedPane) return;
    this.focusedPane = paneId;
    this.requestUpdate();
  }

  private onPointerDown(e: Event): void {
    this.notePane(e);
    if (this.menuPane !== null && !e.composedPath().some((t) => t instanceof HTMLElement && t.classList.contains("ws-menu-wrap"))) {
      this.menuPane = null;
      this.requestUpdate();
    }
    if (this.search.state.open && !e.composedPath().some((t) => t instanceof HTMLElement && t.classList.contains("search"))) this.search.toggle(false);
  }

  /** Marks `paneId` focused (and shown on a narrow screen), then focuses its active tab's input. */
  private focusPaneById(paneId: string): void {
    this.focusedPane = paneId;
    this.pickedPane = paneId;
    this.requestUpdate();
    void this.updateComplete.then(() => {
      const pane = this.ws?.layout?.panes.find((p) => p.id === paneId);
      if (pane === undefined) return;
      const el = pane.activeTab === undefined ? undefined : this.elements.peek(pane.activeTab);
      // A terminal or agent pane whose module is still loading has no focus() of its own yet.
      if (el !== undefined) void customElements.whenDefined(el.localName).then(() => el.isConnected && el.focus());
      else this.paneSection(paneId)?.querySelector<HTMLElement>(".ws-history button")?.focus();
    });
  }

  private paneSection(paneId: string): HTMLElement | undefined {
    return [...this.querySelectorAll<HTMLElement>("section.ws-pane")].find((el) => el.dataset["paneId"] === paneId);
  }

  private dialogOpen(): boolean {
    return this.querySelector("dialog[open]") !== null;
  }

  /** A search hit's link opens its chat (the route); then the message is shown and marked. */
  private openHit(hit: SearchHit): void {
    this.search.toggle(false);
    void revealMessage(this, hit.message_id).then((found) => {
      if (!found) this.notify("That message is not on the chat's current branch (or not loaded yet).", "info");
    });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Escape" && this.menuPane !== null) {
      this.menuPane = null;
      this.requestUpdate();
      return;
    }
    if (e.key === "Escape" && this.search.state.open) {
      this.search.toggle(false);
      return;
    }
    if (e.key === "Escape" && this.inbox.state.open) {
      this.inbox.toggle(false);
      this.querySelector<HTMLElement>(".inbox-btn")?.focus();
      return;
    }
    if (this.ws?.layout == null || this.dialogOpen()) return;
    const action = shortcut(e, typingTarget(e.composedPath()));
    if (action === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.run(action);
  }

  private run(action: Shortcut): void {
    const layout = this.ws?.layout ?? null;
    if (layout === null) return;
    switch (action.type) {
      case "focus": {
        const pane = layout.panes[action.index];
        if (pane !== undefined) this.focusPaneById(pane.id);
        return;
      }
      case "split":
        this.applyAndFocusNew({ type: "split", paneId: this.focusedPaneId(layout) });
        return;
      case "reopen":
        this.applyAndFocusNew({ type: "reopen_pane" });
        return;
      case "help":
        this.querySelector<HTMLDialogElement>("#shortcuts-dialog")?.showModal();
        return;
    }
  }

  private focusedPaneId(layout: WorkspaceState): string {
    const ids = layout.panes.map((p) => p.id);
    return this.focusedPane !== null && ids.includes(this.focusedPane) ? this.focusedPane : (ids[ids.length - 1] ?? "");
  }

  // ------------------------------------------------------------------ sidebar actions

  private toggleSidebar(hidden: boolean): void {
    this.sidebarHidden = hidden;
    if (!this.narrow) localStorage.setItem(SIDEBAR_KEY, hidden ? "1" : "0");
    this.requestUpdate();
  }

  private async newSession(projectId: string): Promise<void> {
    try {
      const session = await this.catalog.newSession(projectId);
      window.location.hash = `#/s/${encodeURIComponent(session.id)}`;
    } catch (err) {
      this.notify(`Cannot create a session: ${errorText(err)}`);
    }
  }

  private async setSessionStatus(session: Session, status: "open" | "archived"): Promise<void> {
    try {
      const { closed, ...updated } = await this.catalog.setSessionStatus(session, status);
      if (this.ws?.id === updated.id) this.ws.session = updated;
      const text = closedNotice("Archived", closed);
      if (text !== null) this.notify(text);
      this.requestUpdate();
    } catch (err) {
      this.notify(`Cannot ${status === "archived" ? "archive" : "restore"} the session: ${errorText(err)}`);
    }
  }

  private async setTags(session: Session, text: string): Promise<void> {
    const tags = withTags(session.tags, text);
    if (typeof tags === "string") {
      this.notify(tags);
      return;
    }
    await this.saveTags(session, tags);
  }

  private async saveTags(session: Session, tags: readonly string[]): Promise<void> {
    try {
      const updated = await this.catalog.setTags(session, tags);
      if (this.ws?.id === updated.id) this.ws.session = updated;
      this.requestUpdate();
    } catch (err) {
      this.notify(`Cannot change the tags: ${errorText(err)}`);
    }
  }

  private async createProject(name: string, path: string): Promise<void> {
    this.projectForm = { error: "", busy: true };
    this.requestUpdate();
    try {
      await this.catalog.createProject(name, path);
      this.projectForm = { error: "", busy: false };
      this.querySelector<HTMLDialogElement>("#project-dialog")?.close();
    } catch (err) {
      this.projectForm = { error: errorText(err), busy: false };
    }
    this.requestUpdate();
  }

  private async saveSettings(form: Record<string, string>): Promise<void> {
    const current = this.settings.state.info;
    if (current === null) return;
    if (await this.settings.save(patchFrom(current.settings, form))) {
      this.querySelector<HTMLDialogElement>("#settings-dialog")?.close();
      this.notify("Settings saved", "info");
    }
  }

  // ------------------------------------------------------------------ render

  protected override updated(): void {
    const del = this.querySelector<HTMLDialogElement>("#delete-dialog");
    if (del?.open === true && this.deleting.state === null) del.close();
    const ws = this.ws;
    const layout = ws?.layout ?? null;
    if (ws === null || layout === null) return;
    // Elements of tabs no longer open anywhere are gone for good.
    this.elements.retain(shownTabIds(layout));
    // A history pane lists the terminals: keep their states (live, exited) fresh.
    if (layout.panes.some((p) => p.tabs.length === 0) && Date.now() - ws.termsLoadedAt > TERMS_STALE_MS) void ws.loadTerminals();
    this.revealActiveTabs(layout);
  }

  /** A strip whose active tab changed scrolls it into view (a strip the user scrolled stays put otherwise). */
  private revealActiveTabs(layout: WorkspaceState): void {
    for (const pane of layout.panes) {
      const active = pane.activeTab ?? "";
      if (this.revealed.get(pane.id) === active) continue;
      this.revealed.set(pane.id, active);
      const strip = this.paneSection(pane.id)?.querySelector<HTMLElement>("[role=tablist]");
      const tab = [...(strip?.children ?? [])].find((t) => (t as HTMLElement).dataset["tabId"] === active) as HTMLElement | undefined;
      if (strip == null || tab === undefined) continue;
      // The strip is positioned: offsetLeft is the tab's place in its scrolled content.
      const left = tab.offsetLeft;
      if (left < strip.scrollLeft) strip.scrollLeft = left;
      else if (left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth) strip.scrollLeft = left + tab.offsetWidth - strip.clientWidth;
    }
  }

  protected override render(): TemplateResult {
    const selectedId = this.ws?.id ?? this.opening;
    const side = sidebar(
      { catalog: this.catalog.state, selectedId, conn: this.ws?.conn ?? { state: "closed", detail: null }, mcp: this.mcp },
      {
        newProject: () => this.querySelector<HTMLDialogElement>("#project-dialog")?.showModal(),
        toggleProject: (id) => this.catalog.toggleProject(id),
        newSession: (id) => void this.newSession(id),
        setSessionStatus: (s, status) => void this.setSessionStatus(s, status),
        deleteSession: (s) => {
          this.deleting.start(s);
          this.querySelector<HTMLDialogElement>("#delete-dialog")?.showModal();
        },
        toggleArchived: () => this.catalog.toggleArchived(),
        collapse: () => this.toggleSidebar(true),
        filterTag: (tag) => this.catalog.setTagFilter(tag),
        addTags: (session) => {
          const text = window.prompt("Add tags (comma-separated)", "");
          if (text !== null) void this.setTags(session, text);
        },
        removeTag: (session, tag) => void this.saveTags(session, session.tags.filter((t) => t !== tag)),
        openSettings: () => {
          void this.settings.load(true);
          this.querySelector<HTMLDialogElement>("#settings-dialog")?.showModal();
        },
      },
    );
    return html`<div class="ws${this.sidebarHidden ? " side-hidden" : ""}${this.narrow ? " narrow" : ""}" data-testid="workspace">
        ${side}
        ${this.narrow && !this.sidebarHidden ? html`<div class="ws-scrim" @click=${() => this.toggleSidebar(true)}></div>` : nothing}
        <main class="ws-main">${this.bar()}${this.body()}</main>
      </div>
      ${projectDialog(this.projectForm, {
        submit: (name, path) => void this.createProject(name, path),
        cancel: () => this.querySelector<HTMLDialogElement>("#project-dialog")?.close(),
        closed: () => {
          this.projectForm = { error: "", busy: false };
          this.requestUpdate();
        },
      })}
      ${shortcutsDialog(/Mac|iPhone|iPad/.test(navigator.platform), () => this.querySelector<HTMLDialogElement>("#shortcuts-dialog")?.close())}
      ${deleteDialog(this.deleting.state, {
        confirm: () => void this.deleting.confirm(),
        cancel: () => this.deleting.cancel(),
      })}
      ${settingsDialog(this.settings.state, {
        submit: (form) => void this.saveSettings(form),
        reset: (key) => void this.settings.reset(key),
        cancel: () => this.querySelector<HTMLDialogElement>("#settings-dialog")?.close(),
      })}
      ${toast(this.notice, () => this.dismiss())}`;
  }

  private bar(): TemplateResult {
    const ws = this.ws;
    return workspaceBar(
      {
        sidebarHidden: this.sidebarHidden,
        session: ws?.session ?? null,
        project: ws === null ? undefined : this.catalog.project(ws.session.project_id),
        closedPanes: ws?.layout == null ? null : ws.layout.closedPaneStack.length,
        inbox: this.inbox.state,
        sandbox: this.sandbox,
        search: this.search.state,
      },
      {
        showSidebar: () => this.toggleSidebar(false),
        reopenPane: () => this.applyAndFocusNew({ type: "reopen_pane" }),
        help: () => this.run({ type: "help" }),
        inbox: {
          toggle: () => {
            // The first open is a user gesture: the moment to ask for notifications.
            if (typeof Notification !== "undefined" && Notification.permission === "default") void Notification.requestPermission();
            this.inbox.toggle();
          },
          dismiss: (item) => void this.inbox.dismiss(item),
          opened: () => this.inbox.toggle(false),
        },
        search: {
          type: (q) => this.search.type(q),
          submit: () => void this.search.fetch(false),
          more: () => void this.search.fetch(true),
          toggle: (open) => this.search.toggle(open),
          opened: (hit) => this.openHit(hit),
        },
      },
    );
  }

  private body(): TemplateResult {
    const ws = this.ws;
    if (this.sessionError !== null) {
      return html`<div class="ws-empty" role="alert">
        <div class="welcome-mark">B</div>
        <h2>That session did not open</h2>
        <p>${this.sessionError}</p>
        <a class="btn" href="#/">Back</a>
      </div>`;
    }
    if (ws === null) {
      if (this.opening !== null) return html`<div class="ws-empty"><p>Opening the session…</p></div>`;
      return html`<div class="ws-empty" data-testid="welcome">
        <div class="welcome-mark">B</div>
        <h2>BooCode</h2>
        <p>Chats with your local model, coding agents and terminals, side by side. Pick a session on the left, or start one in a project.</p>
        ${this.sidebarHidden ? html`<button class="btn btn-primary" type="button" @click=${() => this.toggleSidebar(false)}>Show projects</button>` : nothing}
      </div>`;
    }
    const layout = ws.layout;
    if (layout === null) {
      return ws.layoutError === null
        ? html`<div class="ws-empty"><p>Loading the workspace…</p></div>`
        : html`<div class="ws-empty" role="alert">
            <h2>The layout did not load</h2>
            <p>${ws.layoutError}</p>
            <button class="btn" type="button" @click=${() => void this.openSession(ws.id, null)}>Try again</button>
          </div>`;
    }
    const shown = this.narrow ? narrowPaneId(layout, this.pickedPane, this.focusedPane) : null;
    const sources = { reported: ws.titles, chats: ws.chats ?? new Map<string, Chat>(), terminals: new Map((ws.terminals ?? []).map((t) => [t.id, t])) };
    const title = (tab: WorkspaceTab): string => tabTitle(tab, layout.tabNumbers[tab.id], sources);
    const history =
      ws.chats === null
        ? null
        : sessionHistory({
            layout,
            chats: [...ws.chats.values()],
            terminals: ws.terminals ?? [],
            known: ws.known,
            agentChats: ws.agentChats,
            reported: ws.titles,
          });
    const sessionId = ws.id;
    const actions: PanesActions = {
      activate: (id) => this.activate(id),
      closeTab: (id) => this.apply({ type: "close_tab", tabId: id }),
      tabPointerDown: (e, id, t) => this.tabDrag.down(e, id, t),
      toggleMenu: (id) => {
        this.menuPane = this.menuPane === id ? null : id;
        this.requestUpdate();
      },
      newTab: (id, kind) => void this.newTab(id, kind),
      split: (id) => this.applyAndFocusNew({ type: "split", paneId: id }),
      closePane: (id) => this.closePane(id),
      openItem: (id, item) => void this.openItem(id, item),
      splitterDown: (e, i) => {
        const row = this.querySelector<HTMLElement>(".ws-panes");
        if (row !== null) this.splitter.down(e, row, i);
      },
      splitterKey: (i, dx) => {
        const row = this.querySelector<HTMLElement>(".ws-panes");
        if (row !== null) this.splitter.key(row, i, dx);
      },
      retryModule: (kind) => this.modules.retry(kind),
    };
    return html`${shown !== null && layout.panes.length > 1 ? switcherView(layout, shown, title, this.tabDrag.dragging, (id) => this.focusPaneById(id)) : nothing}
      <div class="ws-panes${layout.panes.length > 1 ? " multi" : ""}" data-testid="panes">
        ${panesView(
          {
            sessionId,
            layout,
            narrowShown: shown,
            focusedPane: this.focusedPane,
            liveWidths: this.liveWidths,
            title,
            busy: ws.busy,
            element: (tab) => {
              if (tab.kind !== "chat") this.modules.need(tab.kind);
              return this.elements.get(sessionId, tab);
            },
            module: (kind) => this.modules.get(kind),
            menuPane: this.menuPane,
            dragging: this.tabDrag.dragging,
            dropTarget: this.tabDrag.target,
            history,
            historyErrors: { chats: ws.chatsError, terminals: ws.termsError },
          },
          actions,
        )}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: BooWorkspace;
  }
}

if (customElements.get(TAG) === undefined) customElements.define(TAG, BooWorkspace);
