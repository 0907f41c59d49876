// The whole client state in one immutable value (kept in a @boocode/common/store Store).

import type { AgentsInfo, ModelsInfo, Project, Session } from "@boocode/types";
import type { Notice } from "@boocode/common/notice";
import type { ConnState } from "@boocode/common/session-socket";
import type { Feed } from "@boocode/common/feed";

export { Store } from "@boocode/common/store";

export type SessionLists = {
  open: readonly Session[];
  /** Loaded only while "show archived" is on. */
  archived: readonly Session[] | null;
  loading: boolean;
  error: string | null;
};

export type AppState = {
  projects: readonly Project[] | null;
  projectsError: string | null;
  expanded: Readonly<Record<string, boolean>>;
  sessions: Readonly<Record<string, SessionLists>>;
  showArchived: boolean;
  /** The open session and its live feed (chats, transcripts, seq). */
  session: Session | null;
  feed: Feed | null;
  chatId: string | null;
  conn: { state: ConnState; detail: string | null };
  models: ModelsInfo | null;
  agents: AgentsInfo | null;
  /** Unsent composer text per chat (key "" = a session without a chat yet). */
  drafts: Readonly<Record<string, string>>;
  submitting: boolean;
  loadingOlder: boolean;
  /** `ask_user_input` calls answered from this page (until their result arrives). */
  answered: Readonly<Record<string, string>>;
  notice: Notice | null;
};

export function initialState(): AppState {
  return {
    projects: null,
    projectsError: null,
    expanded: {},
    sessions: {},
    showArchived: false,
    session: null,
    feed: null,
    chatId: null,
    conn: { state: "connecting", detail: null },
    models: null,
    agents: null,
    drafts: {},
    submitting: false,
    loadingOlder: false,
    answered: {},
    notice: null,
  };
}
