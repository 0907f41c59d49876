// Everything the page does: loads over REST and keeps the open session (its WebSocket,
// chats and transcripts: @boocode/common/session-link), moving off a chat that gets archived.
// The views call these actions and render the store.

import type { Chat, Session, Status } from "@boocode/types";
import { Api, ApiError } from "./api/client";
import { browserWs, type WsLike } from "@boocode/common/session-socket";
import { upsertChat } from "@boocode/common/feed";
import { hashRoute } from "@boocode/common/route";
import { SessionLink } from "@boocode/common/session-link";
import { initialState, Store, type AppState, type SessionLists } from "./state/store";
import { streamingMessage } from "@boocode/common/transcript";

export const MODELS_POLL_MS = 10_000;

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
  /** The open session's socket, chats, transcripts and route. */
  readonly link: SessionLink<AppState>;
  private modelsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(deps: ControllerDeps) {
    this.api = deps.api ?? new Api(deps.location);
    this.link = new SessionLink(this.store, {
      location: deps.location,
      route: hashRoute(deps.location, window.history),
      openWs: deps.openWs ?? browserWs,
      api: this.api,
      daemon: "boochat",
      notify: (text) => this.notify(text),
      openSession: (sessionId, chatId) => this.selectSession(sessionId, chatId),
      closeSession: () => this.closeSession(),
      onConnected: () => {
        if (this.state.models?.reachable === false) void this.refreshModels();
      },
      onFrame: (env) => {
        if (env.type === "chat_updated") this.afterChatUpdate(env.chat);
      },
    });
  }

  get state(): AppState {
    return this.store.get();
  }

  private set(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    this.store.update((s) => ({ ...s, ...(typeof patch === "function" ? patch(s) : patch) }));
  }

  notify(text: string, tone: "error" | "info" = "error"): void {
    this.set({ notice: { text, tone, at: Date.now() } });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  // ------------------------------------------------------------------ start-up

  async start(): Promise<void> {
    window.addEventListener("hashchange", () => void this.link.followRoute());
    this.link.connect(null);
    void this.refreshModels();
    void this.refreshAgents();
    await this.loadProjects();
    await this.link.followRoute();
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
    this.link.close({ session: null });
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
    if (this.state.sessions[session.project_id] === undefined) void this.loadSessions(session.project_id);
    this.link.open(session.id, chatId, (s) => ({ session, expanded: { ...s.expanded, [session.project_id]: true } }));
  }

  private afterChatUpdate(chat: Chat): void {
    // The open chat was archived (here or elsewhere): move to a neighbour.
    if (chat.id === this.state.chatId && chat.status === "archived") {
      const open = (this.state.feed?.chats ?? []).filter((c) => c.status === "open");
      const next = open[open.length - 1];
      this.set({ chatId: next?.id ?? null });
      this.link.writeRoute();
      if (next !== undefined) this.link.openChat(next.id);
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
      this.link.setFeed((f) => upsertChat(f, chat));
      this.link.openChat(chat.id);
      return chat;
    } catch (err) {
      this.notify(`Cannot create a chat: ${message(err)}`);
      return undefined;
    }
  }

  async setChatStatus(chat: Chat, status: Status): Promise<void> {
    try {
      const updated = await this.api.updateChat(chat.id, { status });
      this.link.setFeed((f) => upsertChat(f, updated));
      if (status === "archived") this.afterChatUpdate(updated);
      else this.link.openChat(updated.id);
    } catch (err) {
      this.notify(`Cannot ${status === "archived" ? "archive" : "restore"} the chat: ${message(err)}`);
    }
  }

  async setAgent(agent: string | null): Promise<void> {
    const chat = this.currentChat();
    if (chat === undefined) return;
    try {
      const updated = await this.api.updateChat(chat.id, { agent });
      this.link.setFeed((f) => upsertChat(f, updated));
    } catch (err) {
      this.notify(`Cannot change the agent: ${message(err)}`);
    }
  }

  async fork(messageId: string): Promise<void> {
    const chat = this.currentChat();
    if (chat === undefined) return;
    try {
      const forked = await this.api.forkChat(chat.id, messageId);
      this.link.setFeed((f) => upsertChat(f, forked));
      this.link.openChat(forked.id);
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
