// One agent chat, as <boo-coder-pane> shows it: the session's WebSocket, chats and
// transcripts (@boocode/common/session-link, given no route: a pane never touches the
// URL), the session's tasks, cards and pending changes (state/session) and the provider
// the composer sends to (state/providers). Every URL comes from `base`, the daemon's URL.
// `show` opens (or switches) what it shows; `close` frees the socket and every timer.

import type { ElicitAction, Envelope, ProvidersSnapshot } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";
import { SessionLink } from "@boocode/common/session-link";
import { browserWs, type WsLike } from "@boocode/common/session-socket";
import { Store } from "@boocode/common/store";
import { streamingMessage } from "@boocode/common/transcript";
import type { LocationLike } from "@boocode/common/url";
import { CoderApi, type PendingAction } from "./api/client";
import { CheckpointController } from "./checkpoint-controller";
import { ProvidersPoll } from "./api/providers-poll";
import { chooseProvider, findProvider, isReady, keepChoice, modelOptions, modeOptions, sameSnapshot } from "./state/providers";
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
  withStoredCommands,
  type CoderSession,
} from "./state/session";
import { initialPaneState, without, type PaneState } from "./state/store";

/** localStorage key of the provider picked last. */
export const PROVIDER_KEY = "boocoder.provider";

export type PaneDeps = {
  /** boocoder's URL (the pane's `base`). */
  base: LocationLike;
  api?: CoderApi;
  openWs?: (url: string) => WsLike;
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
};

export class PaneController {
  readonly store = new Store<PaneState>(initialPaneState());
  readonly api: CoderApi;
  /** The session's socket, chats and transcripts. */
  readonly link: SessionLink<PaneState>;
  private readonly providers: ProvidersPoll;
  /** The session's checkpoints and the restore flow. */
  readonly checkpoints: CheckpointController;
  /** The socket is open (between `show` and `close`). */
  private live = false;

  constructor(private readonly deps: PaneDeps) {
    this.api = deps.api ?? new CoderApi(deps.base);
    this.providers = new ProvidersPoll({
      api: this.api,
      apply: (snapshot) => this.applySnapshot(snapshot),
      failed: (text) => this.set({ providersError: text }),
    });
    this.checkpoints = new CheckpointController({
      api: this.api,
      state: () => this.state,
      set: (patch) => this.set(patch),
      setCoder: (change) => this.setCoder(change),
      notify: (text, tone) => this.notify(text, tone),
      showing: (sessionId) => this.live && this.state.sessionId === sessionId,
    });
    this.link = new SessionLink(this.store, {
      location: deps.base,
      openWs: deps.openWs ?? browserWs,
      api: this.api,
      daemon: "boocoder",
      notify: (text) => this.notify(text),
      // Without a route the link never asks to open or close a session.
      openSession: () => undefined,
      closeSession: () => undefined,
      onConnected: () => {
        if (this.state.providersError !== null) void this.loadProviders();
      },
      onFrame: (env, fresh) => this.onFrame(env, fresh),
      onSync: (sessionId) => void this.loadCoderState(sessionId),
      chatsFailed: (err) =>
        err instanceof ApiError && err.status === 404 ? "That session no longer exists." : `Cannot list the chats: ${errorText(err)}`,
    });
  }

  get state(): PaneState {
    return this.store.get();
  }

  private set(patch: Partial<PaneState> | ((s: PaneState) => Partial<PaneState>)): void {
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

  // ------------------------------------------------------------------ lifecycle

  /** Shows `chatId` of `sessionId`: the session's socket is opened, or kept when it is the open one. */
  show(sessionId: string, chatId: string): void {
    const s = this.state;
    if (this.live && s.sessionId === sessionId) {
      if (s.wantedChat !== chatId) {
        this.set({ wantedChat: chatId });
        this.link.openChat(chatId);
        // Made since the list was read, or not in this session: the list says which.
        if (s.feed !== null && !s.feed.chats.some((c) => c.id === chatId)) void this.link.sync();
      }
      return;
    }
    const first = !this.live;
    this.live = true;
    this.link.open(sessionId, chatId, () => ({
      sessionId,
      wantedChat: chatId,
      coder: emptyCoderSession(),
      changeOps: {},
      changeErrors: {},
      answering: {},
      requestErrors: {},
      submitting: false,
      stopping: false,
      checkpoints: null,
      restore: null,
    }));
    if (first) void this.loadProviders();
  }

  /** Closes the socket and stops every timer; `show` opens again. `forget`: show no session meanwhile. */
  close(forget = false): void {
    if (this.live) {
      this.live = false;
      this.link.dispose();
      this.providers.stop();
    }
    this.store.update((s) => {
      if (s.conn.state === "closed" && (!forget || s.sessionId === null)) return s;
      const conn = { state: "closed" as const, detail: null };
      return forget ? { ...s, conn, sessionId: null, chatId: null, wantedChat: null, feed: null, coder: null } : { ...s, conn };
    });
  }

  /** The link shows another chat than the pane was told (the session has no such chat). */
  chatMissing(): boolean {
    const s = this.state;
    return s.wantedChat !== null && s.chatId !== s.wantedChat;
  }

  // ------------------------------------------------------------------ providers

  loadProviders(): Promise<void> {
    return this.providers.load();
  }

  /** A snapshot that says nothing new leaves the state (and the open picker) alone. */
  private applySnapshot(snapshot: ProvidersSnapshot): void {
    this.store.update((s) => {
      const providers = s.providers !== null && sameSnapshot(s.providers, snapshot) ? s.providers : snapshot;
      const provider = chooseProvider(providers, s.choice.provider, this.remembered());
      const entry = findProvider(providers, provider);
      const mode = keepChoice(s.choice.mode, modeOptions(entry));
      const model = keepChoice(s.choice.model, modelOptions(entry));
      const same = s.choice.provider === provider && s.choice.mode === mode && s.choice.model === model;
      if (same && providers === s.providers && s.providersError === null) return s;
      return { ...s, providers, providersError: null, choice: same ? s.choice : { provider, mode, model } };
    });
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

  /** What the pane's tab is called: the chat's title, else the agent it talks to; `null` while neither is known. */
  title(): string | null {
    const s = this.state;
    const chat = s.feed?.chats.find((c) => c.id === s.wantedChat);
    if (chat?.title !== undefined && chat.title !== null && chat.title !== "") return chat.title;
    const provider = s.choice.provider;
    if (provider === null) return s.providers === null && s.providersError === null ? null : "Agent";
    return `Agent · ${findProvider(s.providers, provider)?.display_name ?? provider}`;
  }

  // ------------------------------------------------------------------ the session's coder state

  /** Tasks, agent sessions and pending changes of the session. */
  private async loadCoderState(sessionId: string): Promise<void> {
    const still = (): boolean => this.live && this.state.sessionId === sessionId;
    void this.checkpoints.load(sessionId);
    const [tasks, agentSessions, pending, requests] = await Promise.allSettled([
      this.api.tasks(sessionId),
      this.api.agentSessions(sessionId),
      this.api.pending(sessionId),
      this.api.openRequests(sessionId),
    ]);
    if (!still()) return;
    if (tasks.status === "fulfilled") this.setCoder((c) => setTasks(c, tasks.value));
    // Plans and commands come back from the rows (see `withStoredPlans` in the view).
    if (agentSessions.status === "fulfilled") this.setCoder((c) => withStoredCommands({ ...c, agentSessions: agentSessions.value }, agentSessions.value));
    if (pending.status === "fulfilled") this.setCoder((c) => ({ ...c, pending: pending.value }));
    // Cards announced before this pane connected (reload, second device, resync).
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
      if (this.live && this.state.sessionId === sessionId) this.setCoder((c) => withStoredCommands({ ...c, agentSessions: rows }, rows));
    } catch {
      // The chip keeps what it showed; the next turn asks again.
    }
  }

  /** A frame the feed received: tasks, cards and pending changes apply only when it is news. */
  private onFrame(env: Envelope, fresh: boolean): void {
    if (!fresh) return;
    this.setCoder((c) => applyCoderFrame(c, env));
    this.checkpoints.onFrame(env);
    if (env.type === "request_resolved") this.set((s) => ({ answering: without(s.answering, env.request_id), requestErrors: without(s.requestErrors, env.request_id) }));
    if (env.type === "task_updated" && (!isActive(env.task) || env.task.status === "running")) void this.refreshAgentSessions();
  }

  // ------------------------------------------------------------------ composer

  /** The chat runs (or waits to run) a turn. */
  busy(): boolean {
    const s = this.state;
    if (s.chatId === null || s.feed === null || s.coder === null || this.chatMissing()) return false;
    if (activeTasks(s.coder, s.chatId).length > 0) return true;
    return streamingMessage(s.feed.transcripts[s.chatId]) !== undefined;
  }

  /** Why Send cannot go now, or `null` when it can. */
  sendBlocker(): string | null {
    const s = this.state;
    if (s.sessionId === null) return "Open a session first.";
    if (s.chatId === null || this.chatMissing()) return "This chat is not in the session (chats are created in boochat).";
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
