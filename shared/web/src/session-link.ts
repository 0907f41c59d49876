// The open session as the clients that show transcripts (boochat, boocoder) keep it: its
// WebSocket (one per link, switched with the session), the REST sync behind it (first
// connect, resync, a socket slow to connect) and its chats' transcripts. A page shell
// that owns the URL gives the link a route store to follow and keep up to date; a pane
// (told its session and chat by attribute) gives none. Each client keeps its own state
// around these fields and hooks in what it does beyond them.

import type { Chat, Envelope, MessageWindow } from "@boocode/types";
import { errorText, sessionSocketUrl } from "./api";
import { ChatLoader } from "./chat-loader";
import { isFresh, keepOnly, newFeed, receive, setChats, type Effect, type Feed } from "./feed";
import type { RouteStore } from "./route";
import { openSessionSocket, type ConnState, type SessionSocket, type WsLike } from "./session-socket";
import type { Store } from "./store";
import type { Transcript } from "./transcript";
import { wsUrl, type LocationLike } from "./url";

/** Show the transcript over REST if the socket has not connected by then. */
export const SYNC_FALLBACK_MS = 2_500;

/** The fields of a client's state the link keeps. */
export type LinkState = {
  /** The open session's chats and transcripts (its `sessionId` is the open session's, the route's); `null` while none is open. */
  feed: Feed | null;
  chatId: string | null;
  conn: { state: ConnState; detail: string | null };
  loadingOlder: boolean;
};

/** The REST reads of the link (both clients' APIs have them). */
export type SessionApi = {
  /** `GET …/sessions/{id}/chats` */
  chats(sessionId: string): Promise<Chat[]>;
  /** `GET …/chats/{id}/messages?before=` */
  messages(chatId: string, before?: string): Promise<MessageWindow>;
};

export type SessionLinkHost = {
  /** The daemon's base URL (its page, or the `base` of a pane hosted elsewhere). */
  location: LocationLike;
  /** The page's route (a shell's URL); absent for a pane, which never touches the URL. */
  route?: RouteStore;
  /** A pane shows the chat it was told: a sync never moves it to another (default: to the newest open one). */
  fixedChat?: boolean;
  openWs: (url: string) => WsLike;
  api: SessionApi;
  /** Names the daemon in the notices of errors it reports over the socket. */
  daemon: string;
  notify(text: string): void;
  /** The URL names a session other than the open one (`followRoute`). */
  openSession(sessionId: string, chatId: string | null): void | Promise<void>;
  /** The URL names no session while one is open. */
  closeSession(): void;
  /** The socket connected (again), before the link syncs what it missed. */
  onConnected?(): void;
  /** A frame the feed just received; `fresh` says it was news for the open session (see isFresh). */
  onFrame?(env: Envelope, fresh: boolean): void;
  /** A sync of `sessionId` over REST starts, alongside the chat list. */
  onSync?(sessionId: string): void;
  /** The notice when the chat list cannot be read (default: "Cannot list the chats: …"). */
  chatsFailed?(err: unknown): string;
};

/** The open chat's transcript, if it is loaded. */
export function openTranscript(s: LinkState): Transcript | undefined {
  return s.chatId === null ? undefined : s.feed?.transcripts[s.chatId];
}

export class SessionLink<S extends LinkState> {
  private socket: SessionSocket | undefined;
  private socketSession: string | null = null;
  private syncFallback: ReturnType<typeof setTimeout> | undefined;
  private readonly loader: ChatLoader;

  constructor(
    private readonly store: Store<S>,
    private readonly host: SessionLinkHost,
  ) {
    this.loader = new ChatLoader({
      feed: () => this.state.feed,
      setFeed: (change) => this.setFeed(change),
      fetchWindow: (chatId, before) => host.api.messages(chatId, before),
      runEffects: (effects) => this.runEffects(effects),
      setLoadingOlder: (loadingOlder) => this.set({ loadingOlder }),
      loadingOlder: () => this.state.loadingOlder,
      notify: (text) => host.notify(text),
    });
  }

  private get state(): S {
    return this.store.get();
  }

  private set(patch: Partial<LinkState>): void {
    this.store.update((s) => ({ ...s, ...patch }));
  }

  setFeed(change: (feed: Feed) => Feed): void {
    this.store.update((s) => {
      if (s.feed === null) return s;
      const feed = change(s.feed);
      return feed === s.feed ? s : { ...s, feed };
    });
  }

  // ------------------------------------------------------------------ route

  /** Opens (or closes) what the page's route names (nothing without a route store). */
  async followRoute(): Promise<void> {
    if (this.host.route === undefined) return;
    const route = this.host.route.read();
    const s = this.state;
    const open = s.feed?.sessionId ?? null;
    if (route.sessionId === null) {
      if (open !== null) this.host.closeSession();
      return;
    }
    if (open !== route.sessionId) {
      await this.host.openSession(route.sessionId, route.chatId);
    } else if (route.chatId !== null && route.chatId !== s.chatId) {
      this.openChat(route.chatId);
    } else {
      this.writeRoute();
    }
  }

  writeRoute(): void {
    const s = this.state;
    this.host.route?.write({ sessionId: s.feed?.sessionId ?? null, chatId: s.chatId });
  }

  // ------------------------------------------------------------------ the open session

  /** Shows `sessionId` at `chatId` with a fresh feed; `patch` sets the client's own state in the same update. */
  open(sessionId: string, chatId: string | null, patch: (s: S) => Partial<S>): void {
    this.loader.reset();
    this.store.update((s) => ({ ...s, ...patch(s), feed: newFeed(sessionId), chatId }));
    this.writeRoute();
    this.connect(sessionId);
    // The socket's first connect syncs over REST; don't leave the page empty if it is slow.
    clearTimeout(this.syncFallback);
    this.syncFallback = setTimeout(() => {
      const conn = this.state.conn.state;
      if (this.state.feed?.sessionId === sessionId && conn !== "connected" && conn !== "gone") void this.sync();
    }, SYNC_FALLBACK_MS);
  }

  /** Shows no session; `patch` clears the client's own state of it in the same update. */
  close(patch: Partial<S>): void {
    this.store.update((s) => ({ ...s, ...patch, feed: null, chatId: null }));
    this.connect(null);
    this.writeRoute();
  }

  /** Reload the chat list and the open chat over REST (first connect, resync). */
  async sync(): Promise<void> {
    const sessionId = this.state.feed?.sessionId;
    if (sessionId === undefined) return;
    this.host.onSync?.(sessionId);
    let chats: Chat[];
    try {
      chats = await this.host.api.chats(sessionId);
    } catch (err) {
      this.host.notify(this.host.chatsFailed?.(err) ?? `Cannot list the chats: ${errorText(err)}`);
      return;
    }
    if (this.state.feed?.sessionId !== sessionId) return;
    this.setFeed((f) => keepOnly(setChats(f, chats), this.state.chatId));
    const open = chats.filter((c) => c.status === "open");
    let chatId = this.state.chatId;
    if (!this.host.fixedChat && (chatId === null || !chats.some((c) => c.id === chatId))) chatId = open[open.length - 1]?.id ?? null;
    if (chatId !== this.state.chatId) this.set({ chatId });
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

  /** Fetch the chat's newest window again (its active branch changed on the server). */
  reloadChat(chatId: string): Promise<void> {
    return this.loadChat(chatId);
  }

  /** Fetch the newest window of a chat (frames arriving meanwhile are buffered). */
  private loadChat(chatId: string): Promise<void> {
    return this.loader.load(chatId);
  }

  loadOlder(): Promise<void> {
    const chatId = this.state.chatId;
    return chatId === null ? Promise.resolve() : this.loader.older(chatId);
  }

  /**
   * Closes the socket and stops the link's timers without opening another (a pane that
   * was removed). The state keeps what it showed; `open` starts again.
   */
  dispose(): void {
    clearTimeout(this.syncFallback);
    this.syncFallback = undefined;
    this.loader.reset();
    const socket = this.socket;
    this.socket = undefined;
    this.socketSession = null;
    socket?.close();
  }

  // ------------------------------------------------------------------ the socket

  /** Keeps the socket of `sessionId` (`null`: a socket that only shows the daemon is there). */
  connect(sessionId: string | null): void {
    if (this.socket !== undefined && this.socketSession === sessionId) return;
    // Switch first, so the old socket's last state change is ignored.
    this.socketSession = sessionId;
    this.socket?.close();
    const loc = this.host.location;
    this.socket = openSessionSocket({
      url: () => (sessionId === null ? wsUrl(loc) : sessionSocketUrl(loc, sessionId, this.state.feed?.lastSeq ?? 0)),
      open: this.host.openWs,
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
    this.host.onConnected?.();
    // Subscribed live-only: whatever happened before is only in the database.
    if (sessionId !== null && this.state.feed?.sessionId === sessionId && this.state.feed.lastSeq === 0) void this.sync();
  }

  private onEnvelope(env: Envelope): void {
    const feed = this.state.feed;
    if (feed === null) return;
    const fresh = env.type !== "hello" && isFresh(feed, env);
    let effects: Effect[] = [];
    this.setFeed((f) => {
      const r = receive(f, env);
      effects = r.effects;
      return r.feed;
    });
    this.host.onFrame?.(env, fresh);
    this.runEffects(effects);
  }

  private runEffects(effects: Effect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "resync":
          void this.sync();
          break;
        case "refetch":
          void this.loader.load(effect.chatId, effect.afterMs);
          break;
        case "error":
          this.host.notify(`${this.host.daemon}: ${effect.message}`);
          break;
      }
    }
  }
}
