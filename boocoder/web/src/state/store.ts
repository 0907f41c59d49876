// The whole client state in one immutable value (kept in a @boocode/common/store Store).

import type { ProviderDiagnostic, ProvidersSnapshot, Session } from "@boocode/types";
import type { Feed } from "@boocode/common/feed";
import type { Notice } from "@boocode/common/notice";
import type { ConnState } from "@boocode/common/session-socket";
import type { PendingAction } from "../api/client";
import type { CoderSession } from "./session";

export type View = "timeline" | "providers";

/** What the composer sends with the next turn. "" = the agent's default. */
export type Choice = { provider: string | null; mode: string; model: string };

export type DiagnosticView = { id: string; data: ProviderDiagnostic | null; error: string | null };

export type CoderState = {
  view: View;
  conn: { state: ConnState; detail: string | null };
  /** Open sessions, for picking one when the page was opened without a route. */
  sessions: readonly Session[] | null;
  sessionsError: string | null;
  /** The open session (its id; the row when the list knows it), its chats and transcripts. */
  sessionId: string | null;
  chatId: string | null;
  feed: Feed | null;
  coder: CoderSession | null;
  providers: ProvidersSnapshot | null;
  providersError: string | null;
  refreshing: boolean;
  /** Enable toggles in flight, by provider id. */
  toggling: Readonly<Record<string, boolean>>;
  diagnostic: DiagnosticView | null;
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
  notice: Notice | null;
};

export function initialState(): CoderState {
  return {
    view: "timeline",
    conn: { state: "connecting", detail: null },
    sessions: null,
    sessionsError: null,
    sessionId: null,
    chatId: null,
    feed: null,
    coder: null,
    providers: null,
    providersError: null,
    refreshing: false,
    toggling: {},
    diagnostic: null,
    choice: { provider: null, mode: "", model: "" },
    drafts: {},
    submitting: false,
    stopping: false,
    loadingOlder: false,
    changeOps: {},
    changeErrors: {},
    answering: {},
    requestErrors: {},
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
