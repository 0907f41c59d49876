// Wire values for the workspace's unit tests: session "s1", its chats and its terminals.
// The chat is @boocode/common's builder, moved into this session.

import type { Chat, OwnerSettings, Session, Terminal } from "@boocode/types";
import { chat as wireChat } from "@boocode/common/fixtures";

export const SESSION_ID = "s1";

/** Midnight UTC of the given day of January 2026 (the 1st: when every value was made). */
export const at = (day = 1): string => `2026-01-0${day}T00:00:00Z`;

export function session(fields: Partial<Session> = {}): Session {
  return { id: SESSION_ID, project_id: "p1", title: "Shell", status: "open", tags: [], created_at: at(), updated_at: at(), ...fields };
}

export function chat(id: string, fields: Partial<Chat> = {}): Chat {
  return wireChat(id, { session_id: SESSION_ID, ...fields });
}

/** A live terminal of the session, in the project's folder `/src/app`. */
export function terminal(id: string, fields: Partial<Terminal> = {}): Terminal {
  return {
    id,
    session_id: SESSION_ID,
    tmux_name: `bc-${id}`,
    title: null,
    cwd: "/src/app",
    target: null,
    command: null,
    current_command: "bash",
    cols: 120,
    rows: 32,
    status: "live",
    exit_code: null,
    attached_clients: 0,
    created_at: at(),
    updated_at: at(),
    last_attached_at: null,
    exited_at: null,
    ...fields,
  };
}

/** The owner's settings with nothing set (`GET /api/settings` on a fresh database). */
export const OWNER_DEFAULTS: OwnerSettings = {
  "chat.default_model": null,
  "chat.default_agent": null,
  "chat.compact_threshold": 0.8,
  "sampling.temperature": null,
  "sampling.top_p": null,
  "sampling.top_k": null,
  "sampling.min_p": null,
  "sampling.repeat_penalty": null,
  "sampling.presence_penalty": null,
  "sampling.frequency_penalty": null,
  "sampling.max_tokens": null,
  "ui.theme": "system",
};
