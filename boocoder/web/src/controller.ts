// The /coder/ page: a shell around ONE <boo-coder-pane>. The page owns the URL (the hash
// route `#/s/<session>/c/<chat>`, @boocode/common/route), lists the open sessions and the
// chosen session's chats to pick from, and shows the agents (providers) overview. The
// chat itself (its socket, transcript, composer, cards, pending changes) is the pane's
// (pane-controller.ts). While no session is open the page keeps a socket of its own that
// only shows the daemon is there.

import type { Chat, ProvidersSnapshot, Session } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";
import { hashRoute, type RouteStore } from "@boocode/common/route";
import { browserWs, openSessionSocket, type SessionSocket, type WsLike } from "@boocode/common/session-socket";
import { Store } from "@boocode/common/store";
import { wsUrl, type LocationLike } from "@boocode/common/url";
import { CoderApi } from "./api/client";
import { ProvidersPoll } from "./api/providers-poll";
import { withEntry } from "./state/providers";
import { initialPageState, without, type PageState, type View } from "./state/store";

export type ControllerDeps = {
  location: LocationLike & { readonly hash: string };
  history: Pick<History, "replaceState">;
  api?: CoderApi;
  openWs?: (url: string) => WsLike;
};

export class Controller {
  readonly store = new Store<PageState>(initialPageState());
  readonly api: CoderApi;
  private readonly route: RouteStore;
  private readonly providers: ProvidersPoll;
  /** The page's own socket (only while no session is open) and the token of its callbacks. */
  private socket: SessionSocket | undefined;
  private socketToken: object | undefined;
  private readonly onHashChange = (): void => void this.followRoute();

  constructor(private readonly deps: ControllerDeps) {
    this.api = deps.api ?? new CoderApi(deps.location);
    this.route = hashRoute(deps.location, deps.history);
    this.providers = new ProvidersPoll({
      api: this.api,
      apply: (providers) => this.set({ providers, providersError: null }),
      failed: (providersError) => this.set({ providersError }),
    });
  }

  get state(): PageState {
    return this.store.get();
  }

  private set(patch: Partial<PageState> | ((s: PageState) => Partial<PageState>)): void {
    this.store.update((s) => ({ ...s, ...(typeof patch === "function" ? patch(s) : patch) }));
  }

  notify(text: string, tone: "error" | "info" = "error"): void {
    this.set({ notice: { text, tone, at: Date.now() } });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  setView(view: View): void {
    this.set({ view });
    if (view === "providers") void this.loadProviders();
  }

  // ------------------------------------------------------------------ start-up, route

  async start(): Promise<void> {
    window.addEventListener("hashchange", this.onHashChange);
    void this.loadProviders();
    void this.loadSessions();
    await this.followRoute();
  }

  /** Stops listening, closes the page's socket and drops the timers. */
  stop(): void {
    window.removeEventListener("hashchange", this.onHashChange);
    this.closeSocket();
    this.providers.stop();
  }

  /** Opens (or closes) what the route names. */
  async followRoute(): Promise<void> {
    const route = this.route.read();
    const s = this.state;
    if (route.sessionId === null) {
      if (s.sessionId !== null) this.closeSession();
      else this.keepSocket();
      return;
    }
    if (route.sessionId !== s.sessionId) await this.openSession(route.sessionId, route.chatId);
    else if (route.chatId !== null && route.chatId !== s.chatId) this.selectChat(route.chatId);
    else this.writeRoute();
  }

  private writeRoute(): void {
    const s = this.state;
    this.route.write({ sessionId: s.sessionId, chatId: s.sessionId === null ? null : s.chatId });
  }

  // ------------------------------------------------------------------ sessions, chats

  async loadSessions(): Promise<void> {
    try {
      this.set({ sessions: await this.api.sessions(), sessionsError: null });
    } catch (err) {
      this.set({ sessionsError: errorText(err) });
    }
  }

  currentSession(): Session | undefined {
    const s = this.state;
    return s.sessions?.find((x) => x.id === s.sessionId);
  }

  currentChat(): Chat | undefined {
    const s = this.state;
    return s.chats?.find((c) => c.id === s.chatId);
  }

  selectSession(sessionId: string): void {
    if (sessionId === this.state.sessionId) return;
    void this.openSession(sessionId, null);
  }

  closeSession(): void {
    this.set({ sessionId: null, chatId: null, chats: null, chatsError: null, title: null });
    this.writeRoute();
    this.keepSocket();
    void this.loadSessions();
  }

  async openSession(sessionId: string, chatId: string | null): Promise<void> {
    this.set({ sessionId, chatId, chats: null, chatsError: null, title: null });
    this.writeRoute();
    this.keepSocket();
    await this.loadChats(sessionId);
  }

  /** The session's chats; the route's chat is kept while the session has it, else its newest open one. */
  async loadChats(sessionId: string): Promise<void> {
    let chats: Chat[];
    try {
      chats = await this.api.chats(sessionId);
    } catch (err) {
      if (this.state.sessionId !== sessionId) return;
      const text = err instanceof ApiError && err.status === 404 ? "That session no longer exists." : `Cannot list the chats: ${errorText(err)}`;
      this.set({ chatsError: text });
      return;
    }
    if (this.state.sessionId !== sessionId) return;
    const open = chats.filter((c) => c.status === "open");
    this.set((s) => ({
      chats,
      chatsError: null,
      chatId: s.chatId !== null && chats.some((c) => c.id === s.chatId) ? s.chatId : (open[open.length - 1]?.id ?? null),
    }));
    this.writeRoute();
  }

  selectChat(chatId: string): void {
    if (this.state.sessionId === null || chatId === this.state.chatId) return;
    this.set({ chatId, title: null });
    this.writeRoute();
    // A chat made since the list was read (in boochat): read it again.
    if (this.state.chats !== null && !this.state.chats.some((c) => c.id === chatId)) void this.loadChats(this.state.sessionId);
  }

  /** The pane says what its chat is called. */
  paneTitle(title: string): void {
    this.set({ title });
  }

  /** The pane's turn started or ended; titles are made after a turn, so the list is read again. */
  paneBusy(busy: boolean): void {
    const sessionId = this.state.sessionId;
    if (!busy && sessionId !== null) void this.loadChats(sessionId);
  }

  // ------------------------------------------------------------------ the page's socket

  /** A socket of the page's own while no session is open; the pane has the session's. */
  private keepSocket(): void {
    if (this.state.sessionId !== null) {
      this.closeSocket();
      return;
    }
    if (this.socket !== undefined) return;
    const token = {};
    this.socketToken = token;
    this.socket = openSessionSocket({
      url: () => wsUrl(this.deps.location),
      open: this.deps.openWs ?? browserWs,
      onEnvelope: () => undefined,
      onState: (state, detail) => {
        if (this.socketToken !== token) return;
        this.set({ conn: { state, detail: detail ?? null } });
        if (state === "connected" && this.state.providersError !== null) void this.loadProviders();
      },
    });
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.socketToken = undefined;
    socket?.close();
  }

  // ------------------------------------------------------------------ providers (the agents view)

  loadProviders(): Promise<void> {
    return this.providers.load();
  }

  private applySnapshot(snapshot: ProvidersSnapshot): void {
    this.providers.applied(snapshot);
  }

  async refreshProviders(): Promise<void> {
    if (this.state.refreshing) return;
    this.set({ refreshing: true });
    try {
      this.applySnapshot(await this.api.refresh());
    } catch (err) {
      this.notify(`Refresh failed: ${errorText(err)}`);
    } finally {
      this.set({ refreshing: false });
    }
  }

  async setProviderEnabled(id: string, enabled: boolean): Promise<void> {
    this.set((s) => ({ toggling: { ...s.toggling, [id]: true } }));
    try {
      const entry = await this.api.setEnabled(id, enabled);
      const snapshot = this.state.providers;
      if (snapshot !== null) this.applySnapshot(withEntry(snapshot, entry));
    } catch (err) {
      this.notify(`Cannot ${enabled ? "enable" : "disable"} ${id}: ${errorText(err)}`);
    } finally {
      this.set((s) => ({ toggling: without(s.toggling, id) }));
    }
  }

  async openDiagnostic(id: string): Promise<void> {
    this.set({ diagnostic: { id, data: null, error: null } });
    try {
      const data = await this.api.diagnostic(id);
      if (this.state.diagnostic?.id === id) this.set({ diagnostic: { id, data, error: null } });
    } catch (err) {
      if (this.state.diagnostic?.id === id) this.set({ diagnostic: { id, data: null, error: errorText(err) } });
    }
  }

  closeDiagnostic(): void {
    this.set({ diagnostic: null });
  }
}
