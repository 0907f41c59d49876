// Everything the page does: loads over REST, keeps the session's WebSocket, applies its
// frames through the feed reducer and runs the effects it asks for. The views call
// these actions and render the store.

import type { Chat, Envelope, Session, Status } from "@boo-types";
import { Api, ApiError } from "./api/client";
import { sessionSocketUrl } from "@common/api";
import { browserWs, openSessionSocket, type SessionSocket, type WsLike } from "@common/session-socket";
import { ChatLoader } from "@common/chat-loader";
import { keepOnly, newFeed, receive, setChats, upsertChat, type Effect, type Feed } from "@common/feed";
import { formatRoute, parseRoute, type Route } from "@common/route";
import { initialState, Store, type AppState, type SessionLists } from "./state/store";
import { streamingMessage } from "@common/transcript";
import { wsUrl } from "@common/url";

export const MODELS_POLL_MS = 10_000;
/** Show the transcript over REST if the socket has not connected by then. */
const SYNC_FALLBACK_MS = 2_500;

export type ControllerDeps = {
  location: Location;
  api?: Api;
  openWs?: (url: string) => WsLike;
};

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export class Controller {
  readonly store = new Store<AppState>(initialState());
  readonly api: Api;
  private socket: SessionSocket | undefined;
  private socketSession: string | null = null;
  private openWs: (url: string) => WsLike;
  private modelsTimer: ReturnType<typeof setInterval> | undefined;
  private syncFallback: ReturnType<typeof setTimeout> | undefined;
  private readonly loader: ChatLoader;

  constructor(private readonly deps: ControllerDeps) {
    this.api = deps.api ?? new Api(deps.location);
    this.openWs = deps.openWs ?? browserWs;
    this.loader = new ChatLoader({
      feed: () => this.state.feed,
      setFeed: (change) => this.setFeed(change),
      fetchWindow: (chatId, before) => this.api.messages(chatId, before),
      runEffects: (effects) => this.runEffects(effects),
      setLoadingOlder: (loadingOlder) => this.set({ loadingOlder }),
      loadingOlder: () => this.state.loadingOlder,
      notify: (text) => this.notify(text),
    });
  }

  get state(): AppState {
    return this.store.get();
  }

  private set(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    this.store.update((s) => ({ ...s, ...(typeof patch === "function" ? patch(s) : patch) }));
  }

  private setFeed(change: (feed: Feed) => Feed): void {
    this.store.update((s) => {
      if (s.feed === null) return s;
      const feed = change(s.feed);
      return feed === s.feed ? s : { ...s, feed };
    });
  }

  notify(text: string, tone: "error" | "info" = "error"): void {
    this.set({ notice: { text, tone, at: Date.now() } });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  // ------------------------------------------------------------------ start-up

  async start(): Promise<void> {
    window.addEventListener("hashchange", () => void this.followRoute(parseRoute(this.deps.location.hash)));
    this.connect(null);
    void this.refreshModels();
    void this.refreshAgents();
    await this.loadProjects();
    await this.followRoute(parseRoute(this.deps.location.hash));
  }

  private async followRoute(route: Route): Promise<void> {
    const s = this.state;
    if (route.sessionId === null) {
      if (s.session !== null) this.closeSession();
      return;
    }
    if (s.session?.id !== route.sessionId) {
      await this.selectSession(route.sessionId, route.chatId);
    } else if (route.chatId !== null && route.chatId !== s.chatId) {
      this.openChat(route.chatId);
    } else {
      this.writeRoute();
    }
  }

  private writeRoute(): void {
    const s = this.state;
    const hash = formatRoute({ sessionId: s.session?.id ?? null, chatId: s.chatId });
    if (this.deps.location.hash !== hash && !(hash === "#/" && this.deps.location.hash === "")) {
      history.replaceState(null, "", hash);
    }
  }

  // ------------------------------------------------------------------ models, agents

  async refreshModels(): Promise<void> {
    try {
      const models = await this.api.models();
      this.set({ models });
      if (models.reachable) this.stopModelsPoll();
      else this.startModelsPoll();
    } catch {
      // boochat itself did not answer (the connection indicator says so): ask again later.
      this.startModelsPoll();
    }
  }

  private startModelsPoll(): void {
    if (this.modelsTimer !== undefined) return;
    this.modelsTimer = setInterval(() => void this.refreshModels(), MODELS_POLL_MS);
  }

  private stopModelsPoll(): void {
    if (this.modelsTimer !== undefined) clearInterval(this.modelsTimer);
    this.modelsTimer = undefined;
  }

  async refreshAgents(): Promise<void> {
    try {
      this.set({ agents: await this.api.agents() });
    } catch (err) {
      this.set({ agents: { agents: [], error: `cannot list agents: ${message(err)}` } });
    }
  }

  // ------------------------------------------------------------------ projects, sessions

  async loadProjects(): Promise<void> {
    try {
      const projects = await this.api.projects();
      this.set((s) => ({
        projects,
        projectsError: null,
        // With a single project there is nothing to choose: show its sessions.
        expanded: projects.length === 1 && projects[0] !== undefined ? { ...s.expanded, [projects[0].id]: true } : s.expanded,
      }));
      for (const p of projects) if (this.state.expanded[p.id]) void this.loadSessions(p.id);
    } catch (err) {
      this.set({ projectsError: message(err) });
    }
  }

  async createProject(name: string, path: string): Promise<void> {
    const project = await this.api.createProject({ name, path });
    this.set((s) => ({ projects: [...(s.projects ?? []), project], expanded: { ...s.expanded, [project.id]: true } }));
    await this.loadSessions(project.id);
  }

  toggleProject(projectId: string): void {
    const open = !this.state.expanded[projectId];
    this.set((s) => ({ expanded: { ...s.expanded, [projectId]: open } }));
    if (open) void this.loadSessions(projectId);
  }

  async loadSessions(projectId: string): Promise<void> {
    const prev: SessionLists = this.state.sessions[projectId] ?? { open: [], archived: null, loading: false, error: null };
    this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { ...prev, loading: true } } }));
    try {
      const [open, archived] = await Promise.all([
        this.api.sessions(projectId, "open"),
        this.state.showArchived ? this.api.sessions(projectId, "archived") : Promise.resolve(null),
      ]);
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { open, archived, loading: false, error: null } } }));
    } catch (err) {
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { ...prev, loading: false, error: message(err) } } }));
    }
  }

  toggleArchived(): void {
    this.set((s) => ({ showArchived: !s.showArchived }));
    for (const [id, open] of Object.entries(this.state.expanded)) if (open) void this.loadSessions(id);
  }

  async newSession(projectId: string): Promise<void> {
    try {
      const session = await this.api.createSession({ project_id: projectId });
      this.set((s) => ({ expanded: { ...s.expanded, [projectId]: true } }));
      void this.loadSessions(projectId);
      await this.selectSession(session.id, null);
      await this.newChat();
    } catch (err) {
      this.notify(`Cannot create a session: ${message(err)}`);
    }
  }

  async setSessionStatus(session: Session, status: Status): Promise<void> {
    try {
      const updated = await this.api.updateSession(session.id, { status });
      if (this.state.session?.id === session.id) this.set({ session: updated });
      await this.loadSessions(session.project_id);
    } catch (err) {
      this.notify(`Cannot ${status === "archived" ? "archive" : "restore"} the session: ${message(err)}`);
    }
  }

  // ------------------------------------------------------------------ the open session

  closeSession(): void {
    this.set({ session: null, feed: null, chatId: null });
    this.connect(null);
    this.writeRoute();
  }

  async selectSession(sessionId: string, chatId: string | null): Promise<void> {
    let session: Session;
    try {
      session = await this.api.session(sessionId);
    } catch (err) {
      this.notify(err instanceof ApiError && err.status === 404 ? "That session no longer exists." : `Cannot open the session: ${message(err)}`);
      this.closeSession();
      return;
    }
    this.loader.reset();
    this.set((s) => ({ session, feed: newFeed(session.id), chatId, expanded: { ...s.expanded, [session.project_id]: true } }));
    if (this.state.sessions[session.project_id] === undefined) void this.loadSessions(session.project_id);
    this.writeRoute();
    this.connect(session.id);
    // The socket's first connect syncs over REST; don't leave the page empty if it is slow.
    clearTimeout(this.syncFallback);
    this.syncFallback = setTimeout(() => {
      if (this.state.feed?.sessionId === session.id && this.state.conn.state !== "connected") void this.syncSession();
    }, SYNC_FALLBACK_MS);
  }

  /** Reload the chat list and the open chat over REST (first connect, resync). */
  async syncSession(): Promise<void> {
    const feed = this.state.feed;
    if (feed === null) return;
    const sessionId = feed.sessionId;
    let chats: Chat[];
    try {
      chats = await this.api.chats(sessionId);
    } catch (err) {
      this.notify(`Cannot list the chats: ${message(err)}`);
      return;
    }
    if (this.state.feed?.sessionId !== sessionId) return;
    this.setFeed((f) => keepOnly(setChats(f, chats), this.state.chatId));
    const s = this.state;
    const open = chats.filter((c) => c.status === "open");
    let chatId = s.chatId;
    if (chatId === null || !chats.some((c) => c.id === chatId)) chatId = open[open.length - 1]?.id ?? null;
    if (chatId !== s.chatId) this.set({ chatId });
    this.writeRoute();
    if (chatId !== null) await this.loadChat(chatId);
  }

  openChat(chatId: string): void {
    const s = this.state;
    if (s.feed === null) return;
    this.set({ chatId });
    this.writeRoute();
    if (s.feed.transcripts[chatId] === undefined) void this.loadChat(chatId);
  }

  /** Fetch the newest window of a chat (frames arriving meanwhile are buffered). */
  loadChat(chatId: string): Promise<void> {
    return this.loader.load(chatId);
  }

  loadOlder(): Promise<void> {
    const chatId = this.state.chatId;
    return chatId === null ? Promise.resolve() : this.loader.older(chatId);
  }

  // ------------------------------------------------------------------ the socket

  private connect(sessionId: string | null): void {
    if (this.socket !== undefined && this.socketSession === sessionId) return;
    // Switch first, so the old socket's last state change is ignored.
    this.socketSession = sessionId;
    this.socket?.close();
    const loc = this.deps.location;
    this.socket = openSessionSocket({
      url: () => (sessionId === null ? wsUrl(loc) : sessionSocketUrl(loc, sessionId, this.state.feed?.lastSeq ?? 0)),
      open: this.openWs,
      onState: (state, detail) => {
        if (this.socketSession !== sessionId) return;
        this.set({ conn: { state, detail: detail ?? null } });
        if (state === "connected") this.onConnected(sessionId);
      },
      onEnvelope: (env) => {
        if (this.socketSession === sessionId) this.onEnvelope(env);
      },
    });
  }

  private onConnected(sessionId: string | null): void {
    clearTimeout(this.syncFallback);
    if (this.state.models?.reachable === false) void this.refreshModels();
    // Subscribed live-only: whatever happened before is only in the database.
    if (sessionId !== null && this.state.feed?.sessionId === sessionId && this.state.feed.lastSeq === 0) void this.syncSession();
  }

  private onEnvelope(env: Envelope): void {
    let effects: Effect[] = [];
    this.setFeed((f) => {
      const r = receive(f, env);
      effects = r.effects;
      return r.feed;
    });
    if (env.type === "chat_updated") this.afterChatUpdate(env.chat);
    this.runEffects(effects);
  }

  private afterChatUpdate(chat: Chat): void {
    // The open chat was archived (here or elsewhere): move to a neighbour.
    if (chat.id === this.state.chatId && chat.status === "archived") {
      const open = (this.state.feed?.chats ?? []).filter((c) => c.status === "open");
      const next = open[open.length - 1];
      this.set({ chatId: next?.id ?? null });
      this.writeRoute();
      if (next !== undefined) this.openChat(next.id);
    }
  }

  private runEffects(effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "resync":
          void this.syncSession();
          break;
        case "refetch":
          void this.loadChat(effect.chatId);
          break;
        case "error":
          this.notify(`boochat: ${effect.message}`);
          break;
      }
    }
  }

  // ------------------------------------------------------------------ chats

  currentChat(): Chat | undefined {
    const s = this.state;
    return s.feed?.chats.find((c) => c.id === s.chatId);
  }

  /** The open chat is running a turn. */
  busy(): boolean {
    const s = this.state;
    if (s.chatId === null || s.feed === null) return false;
    const t = s.feed.transcripts[s.chatId];
    if (t !== undefined) return streamingMessage(t) !== undefined;
    return this.currentChat()?.busy ?? false;
  }

  async newChat(): Promise<Chat | undefined> {
    const session = this.state.session;
    if (session === null) return undefined;
    try {
      const chat = await this.api.createChat(session.id);
      this.setFeed((f) => upsertChat(f, chat));
      this.openChat(chat.id);
      return chat;
    } catch (err) {
      this.notify(`Cannot create a chat: ${message(err)}`);
      return undefined;
    }
  }

  async setChatStatus(chat: Chat, status: Status): Promise<void> {
    try {
      const updated = await this.api.updateChat(chat.id, { status });
      this.setFeed((f) => upsertChat(f, updated));
      if (status === "archived") this.afterChatUpdate(updated);
      else this.openChat(updated.id);
    } catch (err) {
      this.notify(`Cannot ${status === "archived" ? "archive" : "restore"} the chat: ${message(err)}`);
    }
  }

  async setAgent(agent: string | null): Promise<void> {
    const chat = this.currentChat();
    if (chat === undefined) return;
    try {
      const updated = await this.api.updateChat(chat.id, { agent });
      this.setFeed((f) => upsertChat(f, updated));
    } catch (err) {
      this.notify(`Cannot change the agent: ${message(err)}`);
    }
  }

  async fork(messageId: string): Promise<void> {
    const chat = this.currentChat();
    if (chat === undefined) return;
    try {
      const forked = await this.api.forkChat(chat.id, messageId);
      this.setFeed((f) => upsertChat(f, forked));
      this.openChat(forked.id);
      this.notify(`Forked into a new chat`, "info");
    } catch (err) {
      this.notify(`Cannot fork: ${message(err)}`);
    }
  }

  // ------------------------------------------------------------------ composer

  draftKey(): string {
    return this.state.chatId ?? "";
  }

  setDraft(text: string): void {
    const key = this.draftKey();
    if ((this.state.drafts[key] ?? "") === text) return;
    this.set((s) => ({ drafts: { ...s.drafts, [key]: text } }));
  }

  async send(text: string): Promise<boolean> {
    const content = text.trim();
    if (content === "" || this.state.session === null || this.state.submitting) return false;
    const key = this.draftKey();
    this.set({ submitting: true });
    try {
      let chatId = this.state.chatId;
      if (chatId === null) {
        const chat = await this.newChat();
        if (chat === undefined) return false;
        chatId = chat.id;
      }
      this.set((s) => ({ drafts: { ...s.drafts, [key]: "", [chatId]: "" } }));
      await this.api.send(chatId, text);
      return true;
    } catch (err) {
      this.set((s) => ({ drafts: { ...s.drafts, [key]: text } }));
      this.notify(`Not sent: ${message(err)}`);
      return false;
    } finally {
      this.set({ submitting: false });
    }
  }

  async stop(): Promise<void> {
    const chatId = this.state.chatId;
    if (chatId === null) return;
    try {
      await this.api.stop(chatId);
    } catch (err) {
      this.notify(`Cannot stop: ${message(err)}`);
    }
  }

  async answer(callId: string, text: string): Promise<void> {
    const chatId = this.state.chatId;
    if (chatId === null || text.trim() === "") return;
    this.set((s) => ({ answered: { ...s.answered, [callId]: text } }));
    try {
      await this.api.answer(chatId, callId, text);
    } catch (err) {
      this.set((s) => {
        const answered = { ...s.answered };
        delete answered[callId];
        return { answered };
      });
      this.notify(
        err instanceof ApiError && err.code === "no_open_question"
          ? "That question is no longer open (the turn ended)."
          : `Cannot answer: ${message(err)}`,
      );
    }
  }
}
