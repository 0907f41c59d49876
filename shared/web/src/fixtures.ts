// Builders of wire values for unit tests.

import type { Chat, Envelope, Message, MessageWindow, Part, Usage } from "@boocode/types";
import type { CallSnapshot, TranscriptPart } from "./transcript";

export const SESSION = "5e55104e-0000-4000-8000-000000000001";
export const CHAT = "c4a70000-0000-4000-8000-000000000001";
export const OTHER_CHAT = "c4a70000-0000-4000-8000-000000000002";

export const NO_USAGE: Usage = { prompt_tokens: null, completion_tokens: null, tokens_per_second: null, prompt_ms: null };

export function message(id: string, seq: number, fields: Partial<Message> = {}): Message {
  return {
    id,
    chat_id: CHAT,
    seq,
    role: "user",
    status: "complete",
    content: "",
    metadata: {},
    model: null,
    agent: null,
    usage: NO_USAGE,
    error: null,
    created_at: "2026-01-01T00:00:00Z",
    finished_at: null,
    parts: [],
    ...fields,
  };
}

export function part(id: string, ordinal: number, fields: Partial<Part> & Pick<Part, "kind">): Part {
  return {
    id,
    ordinal,
    content: null,
    tool_name: null,
    call_id: null,
    args: null,
    result: null,
    is_error: false,
    truncated: false,
    duration_ms: null,
    ...fields,
  };
}

/** A tool_call part of an agent's turn, with the agent's snapshot in `metadata`. */
export function agentCallPart(id: string, ordinal: number, callId: string, meta: Partial<CallSnapshot>, fields: Partial<Part> = {}): Part {
  const metadata: CallSnapshot = { title: "", kind: "", status: "pending", content: [], locations: [], ...meta };
  const p: TranscriptPart = { ...part(id, ordinal, { kind: "tool_call", tool_name: metadata.kind === "" ? "tool" : metadata.kind, call_id: callId, ...fields }), metadata };
  return p;
}

export function chat(id: string, fields: Partial<Chat> = {}): Chat {
  return {
    id,
    session_id: SESSION,
    title: null,
    status: "open",
    agent: null,
    forked_from_chat_id: null,
    forked_from_message_id: null,
    busy: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

export function windowOf(items: Message[], hasMore = false, branches: MessageWindow["branches"] = []): MessageWindow {
  return { items, has_more: hasMore, branches };
}

/** A session envelope with the given seq. */
export function env(seq: number, frame: Record<string, unknown> & { type: string }): Envelope {
  return { seq, session_id: SESSION, ...frame } as unknown as Envelope;
}
