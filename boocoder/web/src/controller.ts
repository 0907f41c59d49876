// Everything the page does: loads over REST and keeps the open session (its WebSocket,
// chats and transcripts: @boocode/common/session-link), applying its frames to the tasks, cards
// and pending changes too (state/session). The views call these actions and render the
// store.

import type { Chat, ElicitAction, Envelope, ProvidersSnapshot, Session } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";
import { hashRoute, parseRoute } from "@boocode/common/route";
import { SessionLink } from "@boocode/common/session-link";
import { browserWs, type WsLike } from "@boocode/common/session-socket";
import { Store } from "@boocode/common/store";
import { streamingMessage } from "@boocode/common/transcript";
import { CoderApi, type PendingAction } from "./api/client";
import { chooseProvider, findProvider, isReady, keepChoice, modelOptions, modeOptions, needsPoll, PROBE_POLL_MS, withEntry } from "./state/providers";
import {
  acceptedTask,
  activeTasks,
  applyCoderFrame,
  emptyCoderSession,
  isActive,
  setTasks,
  stoppableTask,
  upsertChange,
  upsertTask,
  withoutRequest,
  type CoderSession,
} from "./state/session";
import { initialState, without, type CoderState, type View } from "./state/store";

/** localStorage key of the provider picked last. */
export const PROVIDER_KEY = "boocoder.provider";

export type ControllerDeps = {
  location: Location;
  api?: CoderApi;
  openWs?: (url: string) => WsLike;
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
};

export class Controller {
  readonly store = new Store<CoderState>(initialState());
  readonly api: CoderApi;
  /** The open session's socket, chats, transcripts and route. */
  readonly link: SessionLink<CoderState>;
  private providersPoll: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: ControllerDeps) {
    this.api = deps.api ?? new CoderApi(deps.location);
    this.link = new SessionLink(this.store, {
      location: deps.location,
      route: hashRoute(deps.location, window.history),
      openWs: deps.openWs ?? browserWs,
      api: this.api,
      daemon: "boocoder",
      notify: (text) => this.notify(text),
      openSession: (sessionId, chatId) => this.openSession(sessionId, chatId),
      closeSession: () => this.closeSession(),
      onConnected: () => {
        if (this.state.providersError !== null) void this.loadProviders();
      },
      onFrame: (env, fresh) => this.onFrame(env, fresh),
      onSync: (sessionId) => void this.loadCoderState(sessionId),
      chatsFailed: (err) =>
        err instanceof ApiError && err.status === 404 ? "That session no longer exists." : `Cannot list the chats: ${errorText(err)}`,
    });
  }

  get state(): CoderState {
    return this.store.get();
  }

  private set(patch: Partial<CoderState> | ((s: CoderState) => Partial<CoderState>)): void {
    this.store.update((s) => ({ ...s, ...(typeof patch === "function" ? patch(s) : patch) }));
  }

  private setCoder(change: (coder: CoderSession) => CoderSession): void {
    this.store.update((s) => {
      if (s.coder === null) return s;
      const coder = change(s.coder);
      return coder === s.coder ? s : { ...s, coder };
    });
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
    window.addEventListener("hashchange", () => void this.link.followRoute());
    // Without a session the socket only shows the daemon is there (hello).
    if (parseRoute(this.deps.location.hash).sessionId === null) this.link.connect(null);
    void this.loadProviders();
    void this.loadSessions();
    await this.link.followRoute();
  }

  // ------------------------------------------------------------------ providers

  async loadProviders(): Promise<void> {
    try {
      this.applySnapshot(await this.api.snapshot());
    } catch (err) {
      this.set({ providersError: `Cannot read the providers: ${errorText(err)}` });
      this.scheduleProvidersPoll(PROBE_POLL_MS * 5);
    }
  }

  private applySnapshot(snapshot: ProvidersSnapshot): void {
    this.set((s) => {
      const provider = chooseProvider(snapshot, s.choice.provider, this.remembered());
      const entry = findProvider(snapshot, provider);
      return {
        providers: snapshot,
        providersError: null,
        choice: {
          provider,
          mode: keepChoice(s.choice.mode, modeOptions(entry)),
          model: keepChoice(s.choice.model, modelOptions(entry)),
        },
      };
    });
    if (needsPoll(snapshot)) this.scheduleProvidersPoll(PROBE_POLL_MS);
  }

  private scheduleProvidersPoll(ms: number): void {
    if (this.providersPoll !== undefined) return;
    this.providersPoll = setTimeout(() => {
      this.providersPoll = undefined;
      void this.loadProviders();
    }, ms);
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

  private remembered(): string | null {
    try {
      return this.deps.storage?.getItem(PROVIDER_KEY) ?? null;
    } catch {
      return null;
    }
  }

  chooseProvider(provider: string): void {
    const entry = findProvider(this.state.providers, provider);
    this.set((s) => ({
      choice: { provider, mode: keepChoice(s.choice.mode, modeOptions(entry)), model: keepChoice(s.choice.model, modelOptions(entry)) },
    }));
    try {
      this.deps.storage?.setItem(PROVIDER_KEY, provider);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }

  chooseMode(mode: string): void {
    this.set((s) => ({ choice: { ...s.choice, mode } }));
  }

  chooseModel(model: string): void {
    this.set((s) => ({ choice: { ...s.choice, model } }));
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
    return s.feed?.chats.find((c) => c.id === s.chatId);
  }

  selectSession(sessionId: string): void {
    if (sessionId === this.state.sessionId) return;
    this.openSession(sessionId, null);
  }

  closeSession(): void {
    this.link.close({ sessionId: null, coder: null });
    void this.loadSessions();
  }

  openSession(sessionId: string, chatId: string | null): void {
    this.link.open(sessionId, chatId, () => ({ sessionId, coder: emptyCoderSession(), changeOps: {}, changeErrors: {}, answering: {}, requestErrors: {} }));
  }

  /** Tasks, agent sessions and pending changes of the session. */
  private async loadCoderState(sessionId: string): Promise<void> {
    const still = (): boolean => this.state.sessionId === sessionId;
    const [tasks, agentSessions, pending, requests] = await Promise.allSettled([
      this.api.tasks(sessionId),
      this.api.agentSessions(sessionId),
      this.api.pending(sessionId),
      this.api.openRequests(sessionId),
    ]);
    if (!still()) return;
    if (tasks.status === "fulfilled") this.setCoder((c) => setTasks(c, tasks.value));
    if (agentSessions.status === "fulfilled") this.setCoder((c) => ({ ...c, agentSessions: agentSessions.value }));
    if (pending.status === "fulfilled") this.setCoder((c) => ({ ...c, pending: pending.value }));
    // Cards announced before this page connected (reload, second device, resync).
    if (requests.status === "fulfilled") {
      for (const frame of requests.value) {
        this.setCoder((c) => applyCoderFrame(c, { ...frame, seq: 0, session_id: sessionId } as Envelope));
      }
    }
    const failed = [tasks, agentSessions, pending].find((r) => r.status === "rejected");
    if (failed !== undefined && failed.status === "rejected") this.notify(`Cannot load the session's state: ${errorText(failed.reason)}`);
  }

  private async refreshAgentSessions(): Promise<void> {
    const sessionId = this.state.sessionId;
    if (sessionId === null) return;
    try {
      const rows = await this.api.agentSessions(sessionId);
      if (this.state.sessionId === sessionId) this.setCoder((c) => ({ ...c, agentSessions: rows }));
    } catch {
      // The chip keeps what it showed; the next turn asks again.
    }
  }

  /** A frame the feed received: tasks, cards and pending changes apply only when it is news. */
  private onFrame(env: Envelope, fresh: boolean): void {
    if (!fresh) return;
    this.setCoder((c) => applyCoderFrame(c, env));
    if (env.type === "request_resolved") this.set((s) => ({ answering: without(s.answering, env.request_id), requestErrors: without(s.requestErrors, env.request_id) }));
    if (env.type === "task_updated" && (!isActive(env.task) || env.task.status === "running")) void this.refreshAgentSessions();
  }

  // ------------------------------------------------------------------ composer

  /** The open chat runs (or waits to run) a turn. */
  busy(): boolean {
    const s = this.state;
    if (s.chatId === null || s.feed === null || s.coder === null) return false;
    if (activeTasks(s.coder, s.chatId).length > 0) return true;
    return streamingMessage(s.feed.transcripts[s.chatId]) !== undefined;
  }

  /** Why Send cannot go now, or `null` when it can. */
  sendBlocker(): string | null {
    const s = this.state;
    if (s.sessionId === null) return "Open a session first.";
    if (s.chatId === null) return "Open a chat first (chats are created in boochat).";
    const entry = findProvider(s.providers, s.choice.provider);
    if (entry === undefined) return s.providers === null ? "Loading the agents…" : "Choose an agent.";
    if (!isReady(entry)) return `${entry.display_name} is ${entry.enabled ? entry.state : "disabled"}.`;
    return null;
  }

  setDraft(text: string): void {
    const key = this.state.chatId ?? "";
    if ((this.state.drafts[key] ?? "") === text) return;
    this.set((s) => ({ drafts: { ...s.drafts, [key]: text } }));
  }

  async send(text: string): Promise<boolean> {
    const content = text.trim();
    const s = this.state;
    const { sessionId, chatId } = s;
    const provider = s.choice.provider;
    if (content === "" || sessionId === null || chatId === null || provider === null || s.submitting) return false;
    const blocker = this.sendBlocker();
    if (blocker !== null) {
      this.notify(blocker);
      return false;
    }
    const mode = s.choice.mode === "" ? null : s.choice.mode;
    const model = s.choice.model === "" ? null : s.choice.model;
    this.set((st) => ({ submitting: true, drafts: { ...st.drafts, [chatId]: "" } }));
    try {
      const accepted = await this.api.submit(sessionId, chatId, {
        content: text,
        provider,
        ...(mode === null ? {} : { mode }),
        ...(model === null ? {} : { model }),
      });
      if (this.state.sessionId === sessionId) {
        this.setCoder((c) =>
          c.tasks.some((t) => t.id === accepted.task_id)
            ? c
            : upsertTask(c, acceptedTask(accepted.task_id, sessionId, chatId, provider, mode, model, new Date().toISOString())),
        );
      }
      return true;
    } catch (err) {
      this.set((st) => ({ drafts: { ...st.drafts, [chatId]: text } }));
      this.notify(`Not sent: ${errorText(err)}`);
      return false;
    } finally {
      this.set({ submitting: false });
    }
  }

  async stop(): Promise<void> {
    const s = this.state;
    if (s.chatId === null || s.coder === null || s.stopping) return;
    const task = stoppableTask(s.coder, s.chatId);
    if (task === undefined) {
      this.notify("Nothing to stop: no turn of this chat is running.", "info");
      return;
    }
    this.set({ stopping: true });
    try {
      const { cancelled } = await this.api.cancelTask(task.id);
      if (!cancelled) this.notify("The turn had already ended.", "info");
    } catch (err) {
      this.notify(`Cannot stop: ${errorText(err)}`);
    } finally {
      this.set({ stopping: false });
    }
  }

  // ------------------------------------------------------------------ cards

  async answerPermission(requestId: string, optionId: string | null): Promise<void> {
    if (this.state.answering[requestId] !== undefined) return;
    this.set((s) => ({ answering: { ...s.answering, [requestId]: optionId ?? "cancel" }, requestErrors: without(s.requestErrors, requestId) }));
    try {
      await this.api.answerPermission(requestId, { option_id: optionId });
      this.resolved(requestId);
    } catch (err) {
      this.requestFailed(requestId, err);
    }
  }

  async answerElicitation(requestId: string, action: ElicitAction, content?: Record<string, unknown>): Promise<void> {
    if (this.state.answering[requestId] !== undefined) return;
    this.set((s) => ({ answering: { ...s.answering, [requestId]: action }, requestErrors: without(s.requestErrors, requestId) }));
    try {
      await this.api.answerElicitation(requestId, content === undefined ? { action } : { action, content });
      this.resolved(requestId);
    } catch (err) {
      this.requestFailed(requestId, err);
    }
  }

  private resolved(requestId: string): void {
    this.setCoder((c) => withoutRequest(c, requestId));
    this.set((s) => ({ answering: without(s.answering, requestId) }));
  }

  /** A 409 `no_open_request` (or 404): the agent stopped waiting; the card goes. */
  private requestFailed(requestId: string, err: unknown): void {
    if (err instanceof ApiError && (err.code === "no_open_request" || err.status === 404)) {
      this.resolved(requestId);
      this.notify("That request is no longer open (the turn ended or it was answered elsewhere).", "info");
      return;
    }
    this.set((s) => ({ answering: without(s.answering, requestId), requestErrors: { ...s.requestErrors, [requestId]: errorText(err) } }));
  }

  // ------------------------------------------------------------------ pending changes

  async changeAction(changeId: string, action: PendingAction): Promise<void> {
    if (this.state.changeOps[changeId] !== undefined) return;
    this.set((s) => ({ changeOps: { ...s.changeOps, [changeId]: action }, changeErrors: without(s.changeErrors, changeId) }));
    try {
      const change = await this.api.pendingAction(changeId, action);
      this.setCoder((c) => upsertChange(c, change));
      if (change.error !== null && change.error !== "") this.set((s) => ({ changeErrors: { ...s.changeErrors, [changeId]: change.error ?? "" } }));
    } catch (err) {
      const code = err instanceof ApiError ? ` (${err.code})` : "";
      this.set((s) => ({ changeErrors: { ...s.changeErrors, [changeId]: `${errorText(err)}${code}` } }));
    } finally {
      this.set((s) => ({ changeOps: without(s.changeOps, changeId) }));
    }
  }
}
