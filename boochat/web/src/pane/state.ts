// One chat pane's state in one immutable value (kept in a @boocode/common/store Store):
// the fields the session link keeps, and what the pane adds around its one chat.

import type { AgentsInfo, Chat, ModelsInfo, Session } from "@boocode/types";
import type { Notice } from "@boocode/common/notice";
import type { Pending } from "./attachments";
import type { LinkState } from "@boocode/common/session-link";

export { Store } from "@boocode/common/store";

export type PaneState = LinkState & {
  /** The chat's session (read once it opens); an archived one cannot be written to. */
  session: Session | null;
  /** Why the session could not be read (`null` while it is fine or still loading). */
  sessionError: string | null;
  /** The session's chat list was read (so a chat not in the feed's list is not in the session). */
  chatsListed: boolean;
  models: ModelsInfo | null;
  agents: AgentsInfo | null;
  /** Unsent composer text per chat (the pane keeps it across a chat-id switch). */
  drafts: Readonly<Record<string, string>>;
  /** Files waiting in the composer per chat, sent with the next message. */
  attachments: Readonly<Record<string, readonly Pending[]>>;
  submitting: boolean;
  /** `ask_user_input` calls answered from this pane (until their result arrives). */
  answered: Readonly<Record<string, string>>;
  notice: Notice | null;
};

export function initialPaneState(): PaneState {
  return {
    feed: null,
    chatId: null,
    conn: { state: "connecting", detail: null },
    loadingOlder: false,
    session: null,
    sessionError: null,
    chatsListed: false,
    models: null,
    agents: null,
    drafts: {},
    attachments: {},
    submitting: false,
    answered: {},
    notice: null,
  };
}

/** The pane's chat, once the session's chat list names it. */
export function paneChat(s: PaneState): Chat | undefined {
  return s.chatId === null ? undefined : s.feed?.chats.find((c) => c.id === s.chatId);
}

/** The session's chat list was read and does not name the pane's chat. */
export function chatMissing(s: PaneState): boolean {
  return s.chatsListed && s.chatId !== null && paneChat(s) === undefined;
}

/** The chat's context use: `used` tokens (the last answered request and its answer) of `size`. */
export type ContextUse = { used: number; size: number | null };

/**
 * How full the chat's context is, from the newest answer's usage and the model server's
 * context size for its model; `null` before any answer reported usage.
 */
export function contextUse(s: PaneState): ContextUse | null {
  const t = s.chatId === null ? undefined : s.feed?.transcripts[s.chatId];
  const messages = t?.messages ?? [];
  let last: (typeof messages)[number] | undefined;
  for (let i = messages.length - 1; i >= 0 && last === undefined; i--) {
    const m = messages[i];
    if (m !== undefined && m.role === "assistant" && m.usage.prompt_tokens !== null) last = m;
  }
  if (last === undefined) return null;
  const used = (last.usage.prompt_tokens ?? 0) + (last.usage.completion_tokens ?? 0);
  const models = s.models?.reachable === true ? s.models.models : [];
  const size = models.find((m) => m.id === last.model)?.ctx_size ?? models[0]?.ctx_size ?? null;
  return { used, size };
}

/** `1234` → `1.2k`. */
export function tokens(n: number): string {
  return n < 1000 ? String(n) : `${(n / 1000).toFixed(n < 10000 ? 1 : 0)}k`;
}
