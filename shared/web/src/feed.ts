// The live state of the open session: its chats and the transcripts loaded so far,
// kept current by the session's WebSocket frames. `receive` is the frame reducer: it
// drops frames already seen (by `seq`), buffers frames of chats whose window is being
// fetched, and says when the client must refetch over REST.
//
// A message loaded over REST while it streams holds the text the server had flushed
// by then; each delta carries its offset in the message, so the transcript skips what
// it has and appends the rest. A delta past the end (a gap: the copy lags the frames
// by up to a flush) starts buffering the chat's frames and asks for a refetch after
// GAP_REFETCH_MS, by when the server has written the missing text; the refetched
// window plus the buffered frames then place exactly. A message loaded mid-stream that
// completes before any delta joined up with it is refetched at once (its final text
// is written before the completion is sent).

import type { Chat, Envelope, MessageWindow } from "@boocode/types";
import {
  applyChatFrame,
  applyChatFrames,
  emptyTranscript,
  isFinal,
  prependOlder,
  replaceWithWindow,
  type ChatFrame,
  type Transcript,
} from "./transcript";

export type Feed = {
  sessionId: string;
  /** Highest session `seq` applied; 0 = none (connect live-only, then refetch). */
  lastSeq: number;
  chats: readonly Chat[];
  transcripts: Readonly<Record<string, Transcript>>;
  /** Chats whose newest window is being fetched, with the frames that arrived meanwhile. */
  pending: Readonly<Record<string, readonly ChatFrame[]>>;
};

/**
 * How long after a gap the chat is refetched: longer than the server's 200 ms flush
 * interval, so the window then holds the text the deltas skipped over.
 */
export const GAP_REFETCH_MS = 300;

export type Effect =
  /** The server could not replay what was missed: refetch the chat list and open chat. */
  | { kind: "resync"; reason: string }
  /**
   * Refetch the chat's newest window after `afterMs` (its frames are buffered meanwhile):
   * a streaming message has a gap (a delta past the text held), or one loaded mid-stream
   * completed with no delta joining up with it.
   */
  | { kind: "refetch"; chatId: string; afterMs: number }
  | { kind: "error"; code: string; message: string };

export type Received = { feed: Feed; effects: Effect[] };

export function newFeed(sessionId: string): Feed {
  return { sessionId, lastSeq: 0, chats: [], transcripts: {}, pending: {} };
}

function isChatFrame(env: Envelope): env is Envelope & ChatFrame {
  return "chat_id" in env && typeof env.chat_id === "string";
}

export function upsertChat(feed: Feed, chat: Chat): Feed {
  if (chat.session_id !== feed.sessionId) return feed;
  const i = feed.chats.findIndex((c) => c.id === chat.id);
  if (i < 0) return { ...feed, chats: [...feed.chats, chat] };
  const chats = [...feed.chats];
  chats[i] = chat;
  return { ...feed, chats };
}

export function setChats(feed: Feed, chats: readonly Chat[]): Feed {
  return { ...feed, chats: chats.filter((c) => c.session_id === feed.sessionId) };
}

/** Whether `after` has a gap `before` had not. */
function newGap(before: Transcript, after: Transcript): boolean {
  return after.gaps.some((id) => !before.gaps.includes(id));
}

function applyToChat(feed: Feed, frame: ChatFrame, effects: Effect[]): Feed {
  const chatId = frame.chat_id;
  let next = feed;
  const buffer = feed.pending[chatId];
  if (buffer !== undefined) next = { ...next, pending: { ...next.pending, [chatId]: [...buffer, frame] } };
  const t = feed.transcripts[chatId];
  if (t === undefined) return next;
  let applied = applyChatFrame(t, frame);
  if (applied === t) return next;
  // A load in flight settles these itself (see finishLoad).
  if (frame.type === "message_complete" && applied.unsynced.includes(frame.message_id)) {
    applied = { ...applied, unsynced: applied.unsynced.filter((id) => id !== frame.message_id) };
    if (buffer === undefined) effects.push({ kind: "refetch", chatId, afterMs: 0 });
  }
  next = { ...next, transcripts: { ...next.transcripts, [chatId]: applied } };
  if (buffer === undefined && newGap(t, applied)) {
    // Buffer from this frame on, and refetch once the server wrote what the copy lacks.
    next = { ...next, pending: { ...next.pending, [chatId]: [frame] } };
    effects.push({ kind: "refetch", chatId, afterMs: GAP_REFETCH_MS });
  }
  return next;
}

/**
 * The envelope is news for this feed: it belongs to its session (or to none) and comes
 * after `lastSeq` (or carries no seq). A client that keeps more session state than the
 * transcripts (boocoder's cards, tasks, pending changes) applies a frame only when
 * this held before {@link receive}.
 */
export function isFresh(feed: Feed, env: Envelope): boolean {
  if (env.session_id !== undefined && env.session_id !== feed.sessionId) return false;
  return env.seq === 0 || env.seq > feed.lastSeq;
}

/** Apply one WebSocket envelope. */
export function receive(feed: Feed, env: Envelope): Received {
  const effects: Effect[] = [];
  if (env.type === "hello") return { feed, effects };
  if (env.type === "error") {
    effects.push({ kind: "error", code: env.code, message: env.message });
    return { feed, effects };
  }
  if (env.session_id !== undefined && env.session_id !== feed.sessionId) return { feed, effects };
  if (env.type === "resync") {
    effects.push({ kind: "resync", reason: env.reason });
    return { feed: { ...feed, lastSeq: 0 }, effects };
  }
  if (!isFresh(feed, env)) return { feed, effects };
  if (env.seq > 0) feed = { ...feed, lastSeq: env.seq };
  if (env.type === "chat_updated") return { feed: upsertChat(feed, env.chat), effects };
  // Another client moved the chat's active branch: what is held shows the old one.
  if (env.type === "chat_branched") {
    if (feed.transcripts[env.chat_id] !== undefined) effects.push({ kind: "refetch", chatId: env.chat_id, afterMs: 0 });
    return { feed, effects };
  }
  if (isChatFrame(env)) return { feed: applyToChat(feed, env, effects), effects };
  return { feed, effects };
}

/** A fetch of the chat's newest window starts: buffer its frames until it answers. */
export function startLoad(feed: Feed, chatId: string): Feed {
  if (feed.pending[chatId] !== undefined) return feed;
  return { ...feed, pending: { ...feed.pending, [chatId]: [] } };
}

export function failLoad(feed: Feed, chatId: string): Feed {
  if (feed.pending[chatId] === undefined) return feed;
  const pending = { ...feed.pending };
  delete pending[chatId];
  return { ...feed, pending };
}

/**
 * The newest window arrived: it replaces what it covers, then the buffered frames apply
 * (each delta placed by its offset). If a delta still skips ahead of the window's text,
 * the buffer is kept and the chat refetched after GAP_REFETCH_MS.
 */
export function finishLoad(feed: Feed, chatId: string, window: MessageWindow): Received {
  const effects: Effect[] = [];
  const buffer = feed.pending[chatId] ?? [];
  const base = replaceWithWindow(feed.transcripts[chatId] ?? emptyTranscript(chatId), window);
  let t = applyChatFrames(base, buffer);
  const settled = t.unsynced.filter((id) => {
    const m = t.messages.find((x) => x.id === id);
    return m === undefined || isFinal(m.status);
  });
  if (settled.length > 0) t = { ...t, unsynced: t.unsynced.filter((id) => !settled.includes(id)) };
  let next: Feed;
  if (t.gaps.length > 0) {
    next = feed;
    effects.push({ kind: "refetch", chatId, afterMs: GAP_REFETCH_MS });
  } else {
    next = failLoad(feed, chatId);
    if (settled.length > 0) effects.push({ kind: "refetch", chatId, afterMs: 0 });
  }
  return { feed: { ...next, transcripts: { ...next.transcripts, [chatId]: t } }, effects };
}

/** An older window (`before=`) arrived. */
export function finishOlder(feed: Feed, chatId: string, window: MessageWindow): Feed {
  const t = feed.transcripts[chatId];
  if (t === undefined) return feed;
  return { ...feed, transcripts: { ...feed.transcripts, [chatId]: prependOlder(t, window) } };
}

/** After a resync only the open chat's transcript is worth refetching; drop the rest. */
export function keepOnly(feed: Feed, chatId: string | null): Feed {
  const transcripts: Record<string, Transcript> = {};
  const kept = chatId === null ? undefined : feed.transcripts[chatId];
  if (chatId !== null && kept !== undefined) transcripts[chatId] = kept;
  return { ...feed, transcripts };
}
