// One chat's transcript as the browser holds it: the REST window(s) it loaded plus the
// session frames applied on top. Pure functions over immutable values, so a frame that
// changes nothing returns the very same object and the view can skip it.

import type { AgentToolCall, Branch, Message, MessageStatus, MessageWindow, Part, PartKind, PromptProgress, ServerFrame, Usage, UsagePhase } from "@boocode/types";

/** The frames that belong to one chat (they carry `chat_id`). */
export type ChatFrame = Extract<ServerFrame, { chat_id: string }>;

export type LiveUsage = { phase: UsagePhase; usage: Usage; progress?: PromptProgress | undefined };

/**
 * Lengths of a message's text and reasoning (every reasoning part's content, in order) in
 * Unicode scalar values: the unit of the `offset` of `delta` / `reasoning_delta` frames.
 * (A JS string's `length` counts UTF-16 units: an emoji outside the BMP is 2 of them.)
 */
export type TextLengths = { text: number; reasoning: number };

/**
 * A message plus its display position (`seq`, or later when a queued message started)
 * and, when it has siblings (an edited question, a regenerated answer), where it sits
 * among them (from the window it was loaded with).
 */
export type UiMessage = Message & { order: number; lengths: TextLengths; branch?: Branch };

export type Transcript = {
  chatId: string;
  /** Display order: settled rows by `order`, then queued user rows by `seq`. */
  messages: readonly UiMessage[];
  /** Older messages exist before the first one. */
  hasMore: boolean;
  /** Latest `usage` frame of each streaming message. */
  live: Readonly<Record<string, LiveUsage>>;
  /**
   * Streaming messages a delta skipped ahead of (its `offset` is past the text held: the
   * copy loaded over REST lags the frames). They take no more text until a refetched
   * window replaces them.
   */
  gaps: readonly string[];
  /**
   * Messages loaded over REST while streaming that no delta has joined up with yet: if
   * one completes so, the text written after the load's snapshot and before the frames
   * reached this copy may be missing, so it is refetched then.
   */
  unsynced: readonly string[];
};

export function emptyTranscript(chatId: string): Transcript {
  return { chatId, messages: [], hasMore: false, live: {}, gaps: [], unsynced: [] };
}

/** Length of `s` in Unicode scalar values (code points). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** `s` without its first `n` code points. */
function dropCodePoints(s: string, n: number): string {
  if (n <= 0) return s;
  let i = 0;
  for (const ch of s) {
    if (n === 0) break;
    i += ch.length;
    n -= 1;
  }
  return s.slice(i);
}

function lengthsOf(message: Message): TextLengths {
  let reasoning = 0;
  for (const p of message.parts) if (p.kind === "reasoning") reasoning += codePoints(p.content ?? "");
  return { text: codePoints(message.content), reasoning };
}

const RANK: Record<MessageStatus, number> = { queued: 0, streaming: 1, complete: 2, cancelled: 2, failed: 2 };

export function isFinal(status: MessageStatus): boolean {
  return RANK[status] === 2;
}

function compare(a: UiMessage, b: UiMessage): number {
  const qa = a.status === "queued" ? 1 : 0;
  const qb = b.status === "queued" ? 1 : 0;
  if (qa !== qb) return qa - qb;
  const ka = qa === 1 ? a.seq : a.order;
  const kb = qb === 1 ? b.seq : b.order;
  if (ka !== kb) return ka - kb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sorted(messages: UiMessage[]): UiMessage[] {
  return messages.sort(compare);
}

/** A message as the transcript holds it (its display order and text lengths). */
export function uiMessage(message: Message, order = message.seq): UiMessage {
  return { ...message, order, lengths: lengthsOf(message) };
}

/** The window's messages as the transcript holds them, each with its sibling info. */
function windowMessages(window: MessageWindow): UiMessage[] {
  const branches = new Map(window.branches.map((b) => [b.message_id, b]));
  return window.items.map((m) => {
    const ui = uiMessage(m);
    const branch = branches.get(m.id);
    return branch === undefined ? ui : { ...ui, branch };
  });
}

/** A transcript from one `GET …/messages` window. */
export function fromWindow(chatId: string, window: MessageWindow): Transcript {
  const messages = sorted(windowMessages(window));
  const unsynced = messages.filter((m) => m.status === "streaming").map((m) => m.id);
  return { chatId, messages, hasMore: window.has_more, live: {}, gaps: [], unsynced };
}

/** Older messages (a `before=` window) put in front of what is loaded. */
export function prependOlder(t: Transcript, window: MessageWindow): Transcript {
  const known = new Set(t.messages.map((m) => m.id));
  const older = windowMessages(window).filter((m) => !known.has(m.id));
  return { ...t, messages: sorted([...older, ...t.messages]), hasMore: window.has_more };
}

/**
 * A refetched newest window replacing what it covers: messages older than the window
 * that were loaded before are kept (with their `hasMore`) unless the window reaches the
 * chat's start, everything else comes from the window. Live usage of messages that are still streaming is kept.
 */
export function replaceWithWindow(t: Transcript | undefined, window: MessageWindow): Transcript {
  const fresh = fromWindow(t?.chatId ?? window.items[0]?.chat_id ?? "", window);
  if (t === undefined) return fresh;
  const first = window.items[0];
  const inWindow = new Set(window.items.map((m) => m.id));
  // A window that reaches the chat's start leaves nothing older to keep (what was
  // loaded before may be another branch's, when the active branch changed).
  const kept =
    first === undefined || !window.has_more ? [] : t.messages.filter((m) => !inWindow.has(m.id) && m.seq < first.seq && m.status !== "queued");
  const live: Record<string, LiveUsage> = {};
  for (const m of fresh.messages) {
    const l = t.live[m.id];
    if (m.status === "streaming" && l !== undefined) live[m.id] = l;
  }
  return {
    ...fresh,
    chatId: t.chatId,
    messages: sorted([...kept, ...fresh.messages]),
    hasMore: kept.length > 0 ? t.hasMore : window.has_more,
    live,
  };
}

function indexOf(t: Transcript, id: string): number {
  return t.messages.findIndex((m) => m.id === id);
}

function withMessages(t: Transcript, messages: UiMessage[], resort: boolean): Transcript {
  return { ...t, messages: resort ? sorted(messages) : messages };
}

/** Insert a message, or keep the known copy when it is at least as far along. */
function upsert(t: Transcript, message: Message): Transcript {
  const i = indexOf(t, message.id);
  if (i < 0) return withMessages(t, [...t.messages, uiMessage(message)], true);
  const known = t.messages[i] as UiMessage;
  if (RANK[known.status] >= RANK[message.status]) return t;
  const next = [...t.messages];
  const fresh = uiMessage(message, known.order);
  next[i] = known.branch === undefined ? fresh : { ...fresh, branch: known.branch };
  return withMessages(t, next, true);
}

function update(t: Transcript, id: string, change: (m: UiMessage) => UiMessage | null): Transcript {
  const i = indexOf(t, id);
  if (i < 0) return t;
  const known = t.messages[i] as UiMessage;
  const changed = change(known);
  if (changed === null || changed === known) return t;
  const next = [...t.messages];
  next[i] = changed;
  return withMessages(t, next, changed.status !== known.status || changed.order !== known.order);
}

let localPartNo = 0;

/**
 * A part as this client may hold it: agent tool calls carry the agent's snapshot
 * (title, kind, status, content, locations) in `metadata`, plans their entries in `args`.
 */
export type TranscriptPart = Part & { metadata?: unknown };

/** What an agent said about one of its tool calls (the latest merged snapshot). */
export type CallSnapshot = Pick<AgentToolCall, "title" | "kind" | "status" | "content" | "locations">;

/** The agent's snapshot of a tool_call part, when it is an agent's call. */
export function callSnapshot(part: Part): CallSnapshot | null {
  const meta = (part as TranscriptPart).metadata;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return null;
  const m = meta as Record<string, unknown>;
  if (typeof m["title"] !== "string" && typeof m["status"] !== "string") return null;
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  return {
    title: str(m["title"]),
    kind: str(m["kind"]),
    status: str(m["status"]),
    content: Array.isArray(m["content"]) ? (m["content"] as unknown[]) : [],
    locations: Array.isArray(m["locations"]) ? m["locations"].filter((l): l is string => typeof l === "string") : [],
  };
}

/** One step of an agent's plan (ACP `PlanEntry`). */
export type PlanEntry = { content: string; status: string; priority: string };

/** The entries of a plan part (`args`), or `null` when it holds plain text. */
export function planEntries(part: Part): PlanEntry[] | null {
  if (!Array.isArray(part.args)) return null;
  return part.args.flatMap((e: unknown) => {
    if (typeof e !== "object" || e === null) return [];
    const r = e as Record<string, unknown>;
    if (typeof r["content"] !== "string") return [];
    return [{ content: r["content"], status: typeof r["status"] === "string" ? r["status"] : "pending", priority: typeof r["priority"] === "string" ? r["priority"] : "medium" }];
  });
}

/** The text an ended agent tool call leaves as its result (what the server stores too). */
export function callResultText(content: readonly unknown[]): string {
  return content
    .map((c) => {
      if (typeof c !== "object" || c === null) return undefined;
      const r = c as Record<string, unknown>;
      const inner = r["content"];
      if (typeof inner === "object" && inner !== null && typeof (inner as Record<string, unknown>)["text"] === "string") {
        return (inner as Record<string, unknown>)["text"] as string;
      }
      return typeof r["text"] === "string" ? r["text"] : undefined;
    })
    .filter((t): t is string => t !== undefined)
    .join("\n");
}

/** The latest snapshot of an agent's tool call: its tool_call part replaced, a result once it ended. */
function applyAgentCall(m: UiMessage, call: AgentToolCall): UiMessage | null {
  const metadata: CallSnapshot = { title: call.title, kind: call.kind, status: call.status, content: call.content, locations: call.locations };
  const name = call.kind === "" ? "tool" : call.kind;
  const i = m.parts.findIndex((p) => p.kind === "tool_call" && p.call_id === call.id);
  let parts: Part[];
  if (i < 0) {
    parts = [...m.parts, newPart(m, { kind: "tool_call", tool_name: name, call_id: call.id, args: call.raw_input, metadata })];
  } else {
    parts = [...m.parts];
    parts[i] = { ...(m.parts[i] as Part), tool_name: name, args: call.raw_input, metadata } as TranscriptPart;
  }
  const ended = call.status === "completed" || call.status === "failed";
  if (ended && !hasPart(m, "tool_result", call.id)) {
    const withCall = { ...m, parts };
    parts = [
      ...parts,
      newPart(withCall, { kind: "tool_result", tool_name: name, call_id: call.id, result: callResultText(call.content), is_error: call.status === "failed" }),
    ];
  }
  return { ...m, parts };
}

/** A plan replaces the message's previous plan in place (or comes after its parts). */
function applyPlan(m: UiMessage, entries: readonly unknown[]): UiMessage | null {
  const i = m.parts.findIndex((p) => p.kind === "plan");
  if (i < 0) return { ...m, parts: [...m.parts, newPart(m, { kind: "plan", args: entries })] };
  const parts = [...m.parts];
  parts[i] = { ...(m.parts[i] as Part), args: entries };
  return { ...m, parts };
}

function newPart(m: Message, fields: Partial<TranscriptPart> & { kind: PartKind }): Part {
  const ordinal = m.parts.reduce((max, p) => Math.max(max, p.ordinal), -1) + 1;
  localPartNo += 1;
  return {
    id: `local-${localPartNo}`,
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

/** Where a delta goes in a message that holds `have` code points of its kind. */
export type Placement = { kind: "append"; text: string } | { kind: "skip" } | { kind: "gap" };

/**
 * Places a delta by its `offset` (code points of that kind before it): text the copy
 * already holds is skipped (a delta overlapping its end is trimmed), a delta past its
 * end is a gap (text is missing in between: refetch).
 */
export function placeDelta(have: number, offset: number, text: string): Placement {
  if (offset > have) return { kind: "gap" };
  const rest = dropCodePoints(text, have - offset);
  return rest === "" ? { kind: "skip" } : { kind: "append", text: rest };
}

/**
 * Streamed text goes to the last part when it is of the same kind, else to a new one.
 * (Text a REST copy lacks always belongs at the end: the server writes a part only
 * after everything before it.)
 */
function appendText(m: UiMessage, kind: "text" | "reasoning", text: string): UiMessage {
  const last = m.parts[m.parts.length - 1];
  const parts =
    last !== undefined && last.kind === kind
      ? [...m.parts.slice(0, -1), { ...last, content: (last.content ?? "") + text }]
      : [...m.parts, newPart(m, { kind, content: text })];
  const added = codePoints(text);
  const lengths = kind === "text" ? { ...m.lengths, text: m.lengths.text + added } : { ...m.lengths, reasoning: m.lengths.reasoning + added };
  return { ...m, parts, lengths, content: kind === "text" ? m.content + text : m.content };
}

/** A `delta` / `reasoning_delta` placed by its offset; a gap marks the message for a refetch. */
function applyDelta(t: Transcript, id: string, kind: "text" | "reasoning", offset: number, text: string): Transcript {
  if (t.gaps.includes(id)) return t;
  const m = t.messages.find((x) => x.id === id);
  if (m === undefined || m.status !== "streaming") return t;
  const placed = placeDelta(m.lengths[kind], offset, text);
  if (placed.kind === "gap") return { ...t, gaps: [...t.gaps, id] };
  // This copy and the frames join up: every later delta reaches it.
  const synced = t.unsynced.includes(id) ? { ...t, unsynced: t.unsynced.filter((x) => x !== id) } : t;
  if (placed.kind === "skip") return synced;
  return update(synced, id, (x) => appendText(x, kind, placed.text));
}

function hasPart(m: Message, kind: PartKind, callId: string): boolean {
  return m.parts.some((p) => p.kind === kind && p.call_id === callId);
}

/** The order a queued message takes when its turn starts: after every settled row. */
function nextOrder(t: Transcript): number {
  let max = 0;
  for (const m of t.messages) if (m.status !== "queued") max = Math.max(max, m.order, m.seq);
  return max + 0.5;
}

/** Apply one frame of this chat. Applying the same frame twice changes nothing more. */
export function applyChatFrame(t: Transcript, frame: ChatFrame): Transcript {
  switch (frame.type) {
    case "user_message":
    case "message_started":
    case "sentinel":
      return upsert(t, frame.message);
    case "message_status":
      return update(t, frame.message_id, (m) => {
        if (m.status === frame.status || RANK[m.status] > RANK[frame.status]) return null;
        if (m.status !== "queued" || frame.status === "queued") return { ...m, status: frame.status };
        // A dequeued message moved after the answer before it: to the seq the server gave it.
        const seq = frame.message_seq ?? m.seq;
        return { ...m, status: frame.status, seq, order: frame.message_seq ?? nextOrder(t) };
      });
    case "delta":
      return applyDelta(t, frame.message_id, "text", frame.offset, frame.text);
    case "reasoning_delta":
      return applyDelta(t, frame.message_id, "reasoning", frame.offset, frame.text);
    case "tool_call":
      return update(t, frame.message_id, (m) =>
        hasPart(m, "tool_call", frame.call_id)
          ? null
          : { ...m, parts: [...m.parts, newPart(m, { kind: "tool_call", tool_name: frame.name, call_id: frame.call_id, args: frame.arguments })] },
      );
    case "tool_result":
      return update(t, frame.message_id, (m) =>
        hasPart(m, "tool_result", frame.call_id)
          ? null
          : {
              ...m,
              parts: [
                ...m.parts,
                newPart(m, {
                  kind: "tool_result",
                  tool_name: frame.name,
                  call_id: frame.call_id,
                  result: frame.result,
                  is_error: frame.is_error,
                  truncated: frame.truncated,
                  duration_ms: frame.duration_ms,
                }),
              ],
            },
      );
    case "usage": {
      const m = t.messages.find((x) => x.id === frame.message_id);
      if (m === undefined || m.status !== "streaming") return t;
      return { ...t, live: { ...t.live, [frame.message_id]: { phase: frame.phase, usage: frame.usage, progress: frame.progress } } };
    }
    case "message_complete": {
      const next = update(t, frame.message_id, (m) =>
        isFinal(m.status) ? null : { ...m, status: frame.status, error: frame.error, usage: frame.usage },
      );
      if (!(frame.message_id in next.live)) return next;
      const live = { ...next.live };
      delete live[frame.message_id];
      return { ...next, live };
    }
    case "agent_tool_call":
      return update(t, frame.message_id, (m) => applyAgentCall(m, frame.call));
    case "plan":
      return update(t, frame.message_id, (m) => applyPlan(m, frame.entries));
    default:
      // Session-level frames of boocoder (cards, commands) are not the transcript's.
      return t;
  }
}

export function applyChatFrames(t: Transcript, frames: readonly ChatFrame[]): Transcript {
  return frames.reduce(applyChatFrame, t);
}

/** The message the open chat is generating, if any. */
export function streamingMessage(t: Transcript | undefined): UiMessage | undefined {
  if (t === undefined) return undefined;
  for (let i = t.messages.length - 1; i >= 0; i--) {
    const m = t.messages[i] as UiMessage;
    if (m.status === "streaming") return m;
  }
  return undefined;
}

/** A sentinel row (cap_hit, doom_loop): rendered as a banner, never sent to the model. */
export function sentinelKind(m: Message): string | null {
  if (m.role !== "system") return null;
  const kind = m.metadata?.["kind"];
  return typeof kind === "string" ? kind : null;
}
