// One boochat chat as a pane shows it: the session's socket and REST sync through
// @boocode/common/session-link (with no route: the pane is told its session and chat and
// never touches the URL), that chat's transcript, the model server's state (polled while
// it does not answer), the AGENTS.md agents, and the chat's actions (send or queue, stop,
// answer, fork, rename, change agent, archive). What concerns the page (other tabs) goes
// out through PaneHost. The view calls these actions and renders the store.

import type { Chat, ChatExport } from "@boocode/types";
import { Api, ApiError } from "../api/client";
import { addPending, readFile, visionRefusal, type FileLike, type Pending } from "./attachments";
import { setChats, upsertChat } from "@boocode/common/feed";
import { SessionLink } from "@boocode/common/session-link";
import { browserWs, type WsLike } from "@boocode/common/session-socket";
import { isFinal, streamingMessage } from "@boocode/common/transcript";
import type { LocationLike } from "@boocode/common/url";
import { chatMissing, initialPaneState, paneChat, Store, type PaneState } from "./state";

export const MODELS_POLL_MS = 10_000;

/** The tab title of a chat without one. */
export const UNTITLED = "New chat";

export type ChatTab = { kind: "chat"; id: string };

/** What the pane asks of the page that hosts it. */
export type PaneHost = {
  /** Open another chat in a tab (a fork); `beside`: in a new pane next to this one. */
  openTab(tab: ChatTab, beside: boolean): void;
  /** The pane's chat was archived (here or elsewhere): its tab should go. */
  archived(chatId: string): void;
};

export type PaneDeps = {
  /** boochat's URL: the pane's `base` resolved against the page. */
  base: LocationLike;
  sessionId: string;
  chatId: string;
  host: PaneHost;
  api?: Api;
  openWs?: (url: string) => WsLike;
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PaneController {
  readonly store = new Store<PaneState>(initialPaneState());
  readonly api: Api;
  /** The session's socket, chat list and this chat's transcript. */
  readonly link: SessionLink<PaneState>;
  readonly sessionId: string;
  private readonly firstChat: string;
  private readonly host: PaneHost;
  private modelsTimer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private readonly announcedArchived = new Set<string>();

  constructor(deps: PaneDeps) {
    this.api = deps.api ?? new Api(deps.base);
    this.sessionId = deps.sessionId;
    this.firstChat = deps.chatId;
    this.host = deps.host;
    this.link = new SessionLink(this.store, {
      location: deps.base,
      fixedChat: true,
      openWs: deps.openWs ?? browserWs,
      api: {
        chats: (sessionId) => this.listChats(sessionId),
        // A chat the session does not have has nothing to fetch (the view says it is missing).
        messages: (chatId, before) =>
          chatId === this.state.chatId && chatMissing(this.state) ? Promise.resolve({ items: [], has_more: false, branches: [] }) : this.api.messages(chatId, before),
      },
      daemon: "boochat",
      notify: (text) => this.notify(text),
      // Without a route the link never asks to open or close a session.
      openSession: () => undefined,
      closeSession: () => undefined,
      onConnected: () => {
        if (this.state.models?.reachable === false) void this.refreshModels();
        if (this.state.session === null) void this.loadSession();
      },
      onFrame: (env) => {
        if (env.type === "chat_updated") this.chatUpdated(env.chat);
      },
    });
  }

  get state(): PaneState {
    return this.store.get();
  }

  private set(patch: Partial<PaneState> | ((s: PaneState) => Partial<PaneState>)): void {
    this.store.update((s) => ({ ...s, ...(typeof patch === "function" ? patch(s) : patch) }));
  }

  notify(text: string, tone: "error" | "info" = "error"): void {
    this.set({ notice: { text, tone, at: Date.now() } });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Opens the session's socket at the chat and reads the session, models and agents. */
  start(): void {
    this.link.open(this.sessionId, this.firstChat, () => ({ chatsListed: false }));
    void this.loadSession();
    void this.refreshModels();
    void this.refreshAgents();
  }

  /** Shows another chat of the same session on the same socket. */
  showChat(chatId: string): void {
    if (chatId !== this.state.chatId) this.link.openChat(chatId);
  }

  /** Closes the socket and stops every timer; the controller is done. */
  dispose(): void {
    this.disposed = true;
    this.stopModelsPoll();
    this.link.dispose();
  }

  private async loadSession(): Promise<void> {
    try {
      const session = await this.api.session(this.sessionId);
      this.set({ session, sessionError: null });
    } catch (err) {
      this.set({
        sessionError: err instanceof ApiError && err.status === 404 ? "That session no longer exists." : `Cannot open the session: ${message(err)}`,
      });
    }
  }

  private async listChats(sessionId: string): Promise<Chat[]> {
    const chats = await this.api.chats(sessionId);
    // The list and the flag in one update, so the chat never looks missing in between.
    this.set((s) => ({ chatsListed: true, feed: s.feed?.sessionId === sessionId ? setChats(s.feed, chats) : s.feed }));
    return chats;
  }

  // ------------------------------------------------------------------ models, agents

  async refreshModels(): Promise<void> {
    try {
      const models = await this.api.models();
      if (this.disposed) return;
      this.set({ models });
      if (models.reachable) this.stopModelsPoll();
      else this.startModelsPoll();
    } catch {
      // boochat itself did not answer (the connection indicator says so): ask again later.
      if (!this.disposed) this.startModelsPoll();
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

  // ------------------------------------------------------------------ the chat

  currentChat(): Chat | undefined {
    return paneChat(this.state);
  }

  /** The tab's title: the chat's, once the session's chat list names it. */
  title(): string | undefined {
    const s = this.state;
    if (chatMissing(s)) return "Missing chat";
    const chat = paneChat(s);
    return chat === undefined ? undefined : (chat.title ?? UNTITLED);
  }

  /** The chat is running a turn. */
  busy(): boolean {
    const s = this.state;
    if (s.chatId === null || s.feed === null) return false;
    const t = s.feed.transcripts[s.chatId];
    if (t !== undefined) return streamingMessage(t) !== undefined;
    return this.currentChat()?.busy ?? false;
  }

  /** The composer can send: the session is open and the chat is in it. */
  writable(): boolean {
    const s = this.state;
    return s.session !== null && s.session.status === "open" && !chatMissing(s);
  }

  private chatUpdated(chat: Chat): void {
    if (chat.id === this.state.chatId && chat.status === "archived") this.announceArchived(chat.id);
  }

  private announceArchived(chatId: string): void {
    if (this.announcedArchived.has(chatId)) return;
    this.announcedArchived.add(chatId);
    this.host.archived(chatId);
  }

  private async updateChat(body: Parameters<Api["updateChat"]>[1], what: string): Promise<Chat | undefined> {
    const chat = this.currentChat();
    if (chat === undefined) return undefined;
    try {
      const updated = await this.api.updateChat(chat.id, body);
      this.link.setFeed((f) => upsertChat(f, updated));
      return updated;
    } catch (err) {
      this.notify(`Cannot ${what}: ${message(err)}`);
      return undefined;
    }
  }

  async archive(): Promise<void> {
    const updated = await this.updateChat({ status: "archived" }, "archive the chat");
    if (updated !== undefined) this.announceArchived(updated.id);
  }

  async rename(title: string): Promise<void> {
    const next = title.trim();
    const chat = this.currentChat();
    if (next === "" || chat === undefined || next === chat.title) return;
    await this.updateChat({ title: next }, "rename the chat");
  }

  async setAgent(agent: string | null): Promise<void> {
    await this.updateChat({ agent }, "change the agent");
  }

  /** Forks the chat at `messageId` and asks the page to open the fork beside this pane. */
  async fork(messageId: string): Promise<void> {
    const chat = this.currentChat();
    if (chat === undefined) return;
    try {
      const forked = await this.api.forkChat(chat.id, messageId);
      this.link.setFeed((f) => upsertChat(f, forked));
      this.host.openTab({ kind: "chat", id: forked.id }, true);
    } catch (err) {
      this.notify(`Cannot fork: ${message(err)}`);
    }
  }

  /**
   * Imports an exported chat (a `ChatExport` JSON file) as a new chat of this session and
   * opens it beside this pane.
   */
  async importChat(file: File): Promise<void> {
    let doc: ChatExport;
    try {
      doc = JSON.parse(await file.text()) as ChatExport;
    } catch {
      this.notify(`Cannot import ${file.name}: it is not JSON`);
      return;
    }
    try {
      const chat = await this.api.importChat(this.sessionId, doc);
      this.link.setFeed((f) => upsertChat(f, chat));
      this.host.openTab({ kind: "chat", id: chat.id }, true);
    } catch (err) {
      this.notify(`Cannot import ${file.name}: ${message(err)}`);
    }
  }

  // ------------------------------------------------------------------ branches

  /**
   * Runs a branch change (`change` calls the API), then reloads the transcript: the
   * active branch moved, so what is shown is replaced by the server's window.
   */
  private async branch(what: string, change: (chatId: string) => Promise<{ assistant_message_id: string } | object>): Promise<void> {
    const chatId = this.state.chatId;
    if (chatId === null || !this.writable()) return;
    try {
      const answer = await change(chatId);
      await this.link.reloadChat(chatId);
      // The new answer's sibling info ("2/2") is known once it exists: reload when it ends.
      if ("assistant_message_id" in answer) this.reloadAfter(chatId, answer.assistant_message_id);
    } catch (err) {
      this.notify(
        err instanceof ApiError && err.code === "chat_busy" ? `Cannot ${what} while the chat is generating.` : `Cannot ${what}: ${message(err)}`,
      );
    }
  }

  /** Reloads the chat once message `messageId` is final (given up when the pane goes). */
  private reloadAfter(chatId: string, messageId: string): void {
    const check = (): boolean => {
      const m = this.state.feed?.transcripts[chatId]?.messages.find((x) => x.id === messageId);
      return m !== undefined && isFinal(m.status);
    };
    if (check()) {
      void this.link.reloadChat(chatId);
      return;
    }
    const unsubscribe = this.store.subscribe(() => {
      if (this.state.feed === null || this.state.chatId !== chatId) unsubscribe();
      else if (check()) {
        unsubscribe();
        void this.link.reloadChat(chatId);
      }
    });
  }

  /** A new answer beside `messageId` (kept as another version). */
  regenerate(messageId: string): Promise<void> {
    return this.branch("regenerate", (chatId) => this.api.regenerate(chatId, messageId));
  }

  /** A new version of the user message `messageId`, answered anew. */
  edit(messageId: string, content: string): Promise<void> {
    return this.branch("edit", (chatId) => this.api.editMessage(chatId, messageId, content));
  }

  /** Shows the version `messageId` (and the branch that follows it). */
  switchBranch(messageId: string): Promise<void> {
    return this.branch("switch versions", (chatId) => this.api.setBranch(chatId, messageId));
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

  /** The files waiting in the composer of the open chat. */
  pending(): readonly Pending[] {
    return this.state.attachments[this.draftKey()] ?? [];
  }

  /**
   * Reads pasted or dropped files into the composer's attachments; a file that cannot be
   * one (too large, not text, an image the model cannot take) is refused with a notice.
   */
  async attach(files: readonly FileLike[]): Promise<void> {
    const key = this.draftKey();
    for (const file of files) {
      let read: Pending;
      try {
        read = await readFile(file);
      } catch (err) {
        this.notify(`Not attached: ${message(err)}`);
        continue;
      }
      if (read.attachment.kind === "image") {
        const refusal = visionRefusal(this.state.models, this.chatModel());
        if (refusal !== null) {
          this.notify(refusal);
          continue;
        }
      }
      const next = addPending(this.state.attachments[key] ?? [], read);
      if (typeof next === "string") {
        this.notify(`Not attached: ${next}`);
        return;
      }
      this.set((s) => ({ attachments: { ...s.attachments, [key]: next } }));
    }
  }

  /** Takes attachment `index` out of the composer. */
  detach(index: number): void {
    const key = this.draftKey();
    const list = this.state.attachments[key] ?? [];
    this.set((s) => ({ attachments: { ...s.attachments, [key]: list.filter((_, i) => i !== index) } }));
  }

  /** The model the chat's agent names (`null`: the server's default). */
  private chatModel(): string | null {
    const agent = this.currentChat()?.agent ?? null;
    if (agent === null) return null;
    return this.state.agents?.agents.find((a) => a.name === agent)?.model ?? null;
  }

  async send(text: string): Promise<boolean> {
    const content = text.trim();
    const chatId = this.state.chatId;
    const files = chatId === null ? [] : (this.state.attachments[chatId] ?? []);
    if ((content === "" && files.length === 0) || chatId === null || !this.writable() || this.state.submitting) return false;
    if (content === "/compact" && files.length === 0) {
      this.set((s) => ({ drafts: { ...s.drafts, [chatId]: "" } }));
      await this.compact();
      return true;
    }
    this.set((s) => ({ submitting: true, drafts: { ...s.drafts, [chatId]: "" }, attachments: { ...s.attachments, [chatId]: [] } }));
    try {
      await this.api.send(
        chatId,
        text,
        files.map((f) => f.attachment),
      );
      return true;
    } catch (err) {
      this.set((s) => ({ drafts: { ...s.drafts, [chatId]: text }, attachments: { ...s.attachments, [chatId]: files } }));
      this.notify(`Not sent: ${message(err)}`);
      return false;
    } finally {
      this.set({ submitting: false });
    }
  }

  /** Compacts the chat now (`/compact`, the bar's button, a context-full notice). */
  async compact(): Promise<void> {
    const chatId = this.state.chatId;
    if (chatId === null) return;
    this.set({ submitting: true });
    try {
      await this.api.compact(chatId);
      this.notify("Compacted: the model now sees a summary of the earlier turns", "info");
    } catch (err) {
      this.notify(
        err instanceof ApiError && err.code === "nothing_to_compact"
          ? "Nothing to compact yet: the chat has no turns before its last exchange."
          : `Cannot compact: ${message(err)}`,
      );
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
