// The client state in immutable values (each kept in a @boocode/common/store Store): the
// page's (route, session and chat lists, the agents view) and a pane's (one agent chat).

import type { Chat, ProviderDiagnostic, ProvidersSnapshot, Session } from "@boocode/types";
import type { Feed } from "@boocode/common/feed";
import type { Notice } from "@boocode/common/notice";
import type { ConnState } from "@boocode/common/session-socket";
import type { Checkpoint } from "@boocode/types";
import type { PendingAction } from "../api/client";
import type { RestoreFlow } from "./checkpoints";
import type { CoderSession } from "./session";

export type View = "timeline" | "providers";

/** What the composer sends with the next turn. "" = the agent's default. */
export type Choice = { provider: string | null; mode: string; model: string };

export type DiagnosticView = { id: string; data: ProviderDiagnostic | null; error: string | null };

export type Conn = { state: ConnState; detail: string | null };

/** The /coder/ page: which chat its one pane shows, and the agents overview. */
export type PageState = {
  view: View;
  /** The page's own socket, kept while no session is open (it shows the daemon is there). */
  conn: Conn;
  /** Open sessions, for picking one. */
  sessions: readonly Session[] | null;
  sessionsError: string | null;
  /** The route's session and chat. */
  sessionId: string | null;
  chatId: string | null;
  /** The open session's chats; `null` while they load. */
  chats: readonly Chat[] | null;
  chatsError: string | null;
  /** What the pane calls its chat (`boo-tab-title`). */
  title: string | null;
  providers: ProvidersSnapshot | null;
  providersError: string | null;
  refreshing: boolean;
  /** Enable toggles in flight, by provider id. */
  toggling: Readonly<Record<string, boolean>>;
  diagnostic: DiagnosticView | null;
  notice: Notice | null;
};

/** One agent chat (`<boo-coder-pane>`). The link keeps `feed`, `chatId`, `conn`, `loadingOlder`. */
export type PaneState = {
  conn: Conn;
  /** The open session and chat (the chat the link shows: see `wantedChat`). */
  sessionId: string | null;
  chatId: string | null;
  /** The chat the pane was told to show; the link shows another when the session has no such chat. */
  wantedChat: string | null;
  feed: Feed | null;
  coder: CoderSession | null;
  providers: ProvidersSnapshot | null;
  providersError: string | null;
  choice: Choice;
  /** Unsent composer text per chat. */
  drafts: Readonly<Record<string, string>>;
  submitting: boolean;
  stopping: boolean;
  loadingOlder: boolean;
  /** Approve/reject/revert in flight, and the last failure, by change id. */
  changeOps: Readonly<Record<string, PendingAction>>;
  changeErrors: Readonly<Record<string, string>>;
  /** Answers sent for open requests (until the request is resolved), and failures. */
  answering: Readonly<Record<string, string>>;
  requestErrors: Readonly<Record<string, string>>;
  /** The session's checkpoints, newest first; `null` until loaded. */
  checkpoints: readonly Checkpoint[] | null;
  /** The restore the owner started, until it is done or cancelled. */
  restore: RestoreFlow | null;
  notice: Notice | null;
};

export function initialPageState(): PageState {
  return {
    view: "timeline",
    conn: { state: "connecting", detail: null },
    sessions: null,
    sessionsError: null,
    sessionId: null,
    chatId: null,
    chats: null,
    chatsError: null,
    title: null,
    providers: null,
    providersError: null,
    refreshing: false,
    toggling: {},
    diagnostic: null,
    notice: null,
  };
}

export function initialPaneState(): PaneState {
  return {
    conn: { state: "connecting", detail: null },
    sessionId: null,
    chatId: null,
    wantedChat: null,
    feed: null,
    coder: null,
    providers: null,
    providersError: null,
    choice: { provider: null, mode: "", model: "" },
    drafts: {},
    submitting: false,
    stopping: false,
    loadingOlder: false,
    changeOps: {},
    changeErrors: {},
    answering: {},
    requestErrors: {},
    checkpoints: null,
    restore: null,
    notice: null,
  };
}

/** A copy of `record` without `key` (the same object when it has no such key). */
export function without<V>(record: Readonly<Record<string, V>>, key: string): Readonly<Record<string, V>> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}
