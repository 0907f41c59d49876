// The open session behind the workspace page, without the DOM: its layout (a
// WorkspaceSync over the pure reducer), the shell's one session socket, and the lists
// the tabs and the history pane are drawn from (chats, terminals, which chats are agent
// chats, tab titles and busy states).
//
// - `start()` loads the layout (GET …/workspace), the chat and terminal lists, then
//   drops the tabs whose chat or terminal is gone (`prune`: a real change, saved).
// - The socket feeds `session_workspace_updated` to the sync (another device moved
//   something), `chat_updated` to the lists (an archived chat's tab closes) and
//   `session_updated` to the shell (renamed, archived); after a reconnect the lists and
//   the layout are read again, since the shell gets no replay. A socket closed with 4404
//   (the session is gone) stays `gone`.
// - Every layout change is `apply(event)`: the reducer at once, the save debounced.
// - `close()` sends what is left to save, then stops the sync and the socket.

import type { Chat, Envelope, Session, TabKind, Terminal, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { errorText, sessionSocketUrl } from "@boocode/common/api";
import { openSessionSocket, type ConnState, type SessionSocket, type WsLike } from "@boocode/common/session-socket";
import type { LocationLike } from "@boocode/common/url";
import type { Api } from "../api/client";
import { findTab, type LayoutEvent } from "./layout";
import { chatKind, layoutTabs, tabExists } from "./shell-model";
import { WorkspaceSync } from "./sync";
import type { TermClient } from "./term-client";

/** A new terminal's size until the pane measures itself. */
export const TERM_SIZE = { cols: 120, rows: 32 } as const;

export type SessionDeps = {
  /** The session's row changed (renamed, archived, restored) on some device. */
  sessionChanged?: (session: Session) => void;
  api: Pick<Api, "chats" | "createChat" | "updateChat" | "workspace" | "saveWorkspace">;
  term: Pick<TermClient, "list" | "create" | "exists">;
  openWs: (url: string) => WsLike;
  /** The chats boocoder keeps agent sessions for. */
  agentChatIds: (sessionId: string) => Promise<string[]>;
  /** The page, for the socket's URL. */
  location: LocationLike;
  /** The project's folder (new terminals start there), when known. */
  projectPath: () => string | undefined;
  /** Something shown changed. */
  changed: () => void;
  notify: (text: string) => void;
};

export class WorkspaceSession {
  layout: WorkspaceState | null = null;
  layoutError: string | null = null;
  conn: { state: ConnState; detail: string | null } = { state: "connecting", detail: null };
  chats: Map<string, Chat> | null = null;
  chatsError: string | null = null;
  terminals: Terminal[] | null = null;
  termsError: string | null = null;
  termsLoadedAt = 0;
  /** Chats boocoder keeps an agent session for (they open as agent chats). */
  readonly agentChats = new Set<string>();
  /** Every tab kind seen in this session's layout, so a closed tab reopens as what it was. */
  readonly known = new Map<string, TabKind>();
  /** What the panes said (`boo-tab-title`, `boo-tab-busy`), and the chat list's busy flags. */
  readonly titles = new Map<string, string>();
  readonly busy = new Map<string, boolean>();

  private readonly sync: WorkspaceSync;
  private readonly socket: SessionSocket;
  private connectedOnce = false;
  private closed = false;

  constructor(
    public session: Session,
    private readonly deps: SessionDeps,
  ) {
    const id = session.id;
    this.sync = new WorkspaceSync({
      sessionId: id,
      transport: {
        load: (sid) => deps.api.workspace(sid),
        save: (sid, state) => deps.api.saveWorkspace(sid, state),
      },
      onChange: (state) => this.layoutChanged(state),
      onError: (err) => deps.notify(`The layout was not saved: ${errorText(err)}`),
    });
    this.socket = openSessionSocket({
      url: () => sessionSocketUrl(deps.location, id),
      open: (url) => deps.openWs(url),
      onEnvelope: (env) => this.onEnvelope(env),
      onState: (state, detail) => this.onConnState(state, detail ?? null),
    });
  }

  get id(): string {
    return this.session.id;
  }

  /** Loads the layout and the lists, prunes the gone tabs; `routedChat` (an old `/c/` link) opens too. */
  async start(routedChat: string | null = null): Promise<void> {
    const started = this.sync.start().then(
      () => true,
      (err: unknown) => {
        if (!this.closed) {
          this.layoutError = errorText(err);
          this.deps.changed();
        }
        return false;
      },
    );
    const [ok] = await Promise.all([started, this.loadChats(), this.loadTerminals(), this.loadAgentChats()]);
    if (!ok || this.closed) return;
    await this.prune();
    if (this.closed) return;
    if (routedChat !== null) this.openChat(routedChat);
    else this.openLatestChat();
  }

  /** Every layout change goes through here: the reducer, then the debounced save. */
  apply(event: LayoutEvent): void {
    if (this.closed || this.layout === null) return;
    this.sync.apply(event);
  }

  /** Saves now (pagehide). */
  flush(): void {
    if (!this.closed) void this.sync.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const sync = this.sync;
    // The last changes still go out; then the sync stops.
    void sync.flush().finally(() => sync.dispose());
    this.socket.close();
  }

  private layoutChanged(state: WorkspaceState): void {
    if (this.closed) return;
    this.layout = state;
    this.layoutError = null;
    for (const tab of layoutTabs(state).values()) this.known.set(tab.id, tab.kind);
    this.deps.changed();
  }

  // ------------------------------------------------------------------ lists

  async loadChats(): Promise<void> {
    try {
      const chats = await this.deps.api.chats(this.id);
      if (this.closed) return;
      this.chats = new Map(chats.map((c) => [c.id, c]));
      this.chatsError = null;
      for (const c of chats) if (!this.busy.has(c.id)) this.busy.set(c.id, c.busy);
    } catch (err) {
      if (this.closed) return;
      this.chatsError = errorText(err);
    }
    this.deps.changed();
  }

  async loadTerminals(): Promise<void> {
    this.termsLoadedAt = Date.now();
    try {
      const terminals = await this.deps.term.list(this.id);
      if (this.closed) return;
      this.terminals = terminals;
      this.termsError = null;
    } catch (err) {
      if (this.closed) return;
      this.termsError = errorText(err);
    }
    this.deps.changed();
  }

  /** Best effort: without boocoder on this origin, chats open as chats. */
  private async loadAgentChats(): Promise<void> {
    try {
      const ids = await this.deps.agentChatIds(this.id);
      if (this.closed) return;
      for (const id of ids) this.agentChats.add(id);
      this.deps.changed();
    } catch {
      // Not reachable: nothing to learn.
    }
  }

  /** Drops tabs whose chat or terminal is gone. */
  private async prune(): Promise<void> {
    if (this.layout === null) return;
    const chats = this.chatsError === null ? this.chats : null;
    let terms: Set<string> | null = null;
    if (this.terminals !== null) {
      const listed = new Set(this.terminals.map((t) => t.id));
      // The list stops at the newest few: ask about the others one by one.
      const unlisted = [...layoutTabs(this.layout).values()].filter((t) => t.kind === "term" && !listed.has(t.id));
      const found = await Promise.all(unlisted.map(async (t) => ((await this.deps.term.exists(t.id)) ? t.id : null)));
      for (const id of found) if (id !== null) listed.add(id);
      terms = listed;
    }
    if (this.closed || (chats === null && terms === null)) return;
    this.apply({ type: "prune", exists: (tab) => tabExists(tab, chats, terms) });
  }

  /**
   * A session whose layout was never saved and shows nothing (made before workspaces,
   * or through the API) opens its most recent open chat, as the page did before panes.
   */
  private openLatestChat(): void {
    const layout = this.layout;
    if (layout === null || layout.version !== 0 || layout.panes.some((p) => p.tabs.length > 0) || this.chats === null) return;
    const latest = [...this.chats.values()].filter((c) => c.status === "open").sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1))[0];
    if (latest !== undefined) this.openChat(latest.id);
  }

  /** Shows a chat where it is open, else in the first pane, as the kind it has. */
  openChat(chatId: string): void {
    if (this.layout === null) return;
    this.apply({ type: "open_tab", tab: { kind: chatKind(chatId, this.layout, this.known, this.agentChats), id: chatId } });
  }

  // ------------------------------------------------------------------ socket

  private onConnState(state: ConnState, detail: string | null): void {
    if (this.closed) return;
    this.conn = { state, detail };
    if (state === "connected") {
      if (this.connectedOnce) void this.resync();
      this.connectedOnce = true;
    }
    this.deps.changed();
  }

  /** After a reconnect: what may have changed meanwhile. */
  private async resync(): Promise<void> {
    await Promise.all([this.loadChats(), this.loadTerminals()]);
    try {
      const state = await this.deps.api.workspace(this.id);
      if (!this.closed) this.sync.remote(state);
    } catch {
      // The next change saves over it anyway (409 → rebase).
    }
  }

  private onEnvelope(env: Envelope): void {
    if (this.closed || (env.session_id !== undefined && env.session_id !== this.id)) return;
    if (env.type === "session_workspace_updated") {
      this.sync.remote(env.state);
    } else if (env.type === "chat_updated") {
      this.chatUpdated(env.chat);
    } else if (env.type === "session_updated" && env.session.id === this.id) {
      this.session = env.session;
      this.deps.sessionChanged?.(env.session);
      this.deps.changed();
    }
  }

  private chatUpdated(chat: Chat): void {
    if (this.chats !== null) this.chats = new Map(this.chats).set(chat.id, chat);
    this.busy.set(chat.id, chat.busy);
    if (chat.status === "archived" && this.layout !== null && findTab(this.layout, chat.id) !== undefined) {
      this.apply({ type: "close_tab", tabId: chat.id });
    }
    this.deps.changed();
  }

  // ------------------------------------------------------------------ tabs

  paneOfTab(tabId: string): string | undefined {
    if (this.layout === null) return undefined;
    const at = findTab(this.layout, tabId);
    return at === undefined ? undefined : this.layout.panes[at.paneIndex]?.id;
  }

  /** The ids of the panes now, to find the one an event added. */
  paneIds(): Set<string> {
    return new Set(this.layout?.panes.map((p) => p.id) ?? []);
  }

  /** Makes a chat, agent chat or terminal and opens it in `paneId`; its tab, or undefined (notified). */
  async newTab(paneId: string, kind: TabKind): Promise<WorkspaceTab | undefined> {
    let tab: WorkspaceTab;
    try {
      if (kind === "term") {
        const cwd = this.deps.projectPath();
        const t = await this.deps.term.create({ session_id: this.id, ...(cwd === undefined ? {} : { cwd }), ...TERM_SIZE });
        if (this.closed) return undefined;
        this.terminals = [...(this.terminals ?? []).filter((x) => x.id !== t.id), t];
        tab = { kind: "term", id: t.id };
      } else {
        const chat = await this.deps.api.createChat(this.id, {});
        if (this.closed) return undefined;
        if (this.chats !== null) this.chats = new Map(this.chats).set(chat.id, chat);
        tab = { kind, id: chat.id };
      }
    } catch (err) {
      const what = kind === "term" ? "a terminal" : kind === "coder" ? "an agent chat" : "a chat";
      this.deps.notify(`Cannot create ${what}: ${errorText(err)}`);
      return undefined;
    }
    this.known.set(tab.id, tab.kind);
    this.apply({ type: "open_tab", tab, paneId });
    return tab;
  }

  /** Opens a chat or terminal of the history in `paneId`; an archived chat is restored first. */
  async openTab(paneId: string, tab: WorkspaceTab, archived: boolean): Promise<boolean> {
    if (archived) {
      try {
        const chat = await this.deps.api.updateChat(tab.id, { status: "open" });
        if (this.closed) return false;
        if (this.chats !== null) this.chats = new Map(this.chats).set(chat.id, chat);
      } catch (err) {
        this.deps.notify(`Cannot restore the chat: ${errorText(err)}`);
        return false;
      }
    }
    this.known.set(tab.id, tab.kind);
    this.apply({ type: "open_tab", tab, paneId });
    return true;
  }

  /** A pane asked for a tab (a fork): beside it in a new pane, or in its own pane. */
  openFromPane(fromTabId: string, tab: WorkspaceTab, beside: boolean): void {
    this.known.set(tab.id, tab.kind);
    const paneId = this.paneOfTab(fromTabId);
    if (beside) this.apply({ type: "open_in_new_pane", tab, ...(paneId === undefined ? {} : { besidePaneId: paneId }) });
    else this.apply({ type: "open_tab", tab, ...(paneId === undefined ? {} : { paneId }) });
  }

  /** Sets a pane's word about its tab; whether it changed. */
  setTabInfo<T>(map: Map<string, T>, id: string, value: T): boolean {
    if (map.get(id) === value) return false;
    map.set(id, value);
    return true;
  }
}
