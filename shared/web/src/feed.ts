// The live state of the open session: its chats and the transcripts loaded so far,
// kept current by the session's WebSocket frames. `receive` is the frame reducer: it
// drops frames already seen (by `seq`), buffers frames of chats whose window is being
// fetched, and says when the client must refetch over REST.

import type { Chat, Envelope, MessageWindow } from "@boocode/types";
import {
  applyBuffered,
  applyChatFrame,
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

export type Effect =
  /** The server could not replay what was missed: refetch the chat list and open chat. */
  | { kind: "resync"; reason: string }
  /** A message loaded mid-stream completed: refetch its chat for the exact final text. */
  | { kind: "refetch"; chatId: string }
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

function applyToChat(feed: Feed, frame: ChatFrame, effects: Effect[]): Feed {
  const chatId = frame.chat_id;
  let next = feed;
  const buffer = feed.pending[chatId];
  if (buffer !== undefined) next = { ...next, pending: { ...next.pending, [chatId]: [...buffer, frame] } };
  const t = feed.transcripts[chatId];
  if (t === undefined) return next;
  let applied = applyChatFrame(t, frame);
  if (frame.type === "message_complete" && applied.unsynced.includes(frame.message_id)) {
    applied = { ...applied, unsynced: applied.unsynced.filter((id) => id !== frame.message_id) };
    // A load in flight settles this itself (see finishLoad).
    if (buffer === undefined) effects.push({ kind: "refetch", chatId });
  }
  return applied === t ? next : { ...next, transcripts: { ...next.transcripts, [chatId]: applied } };
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

/** The newest window arrived: it replaces what it covers, then the buffered frames apply. */
export function finishLoad(feed: Feed, chatId: string, window: MessageWindow): Received {
  const effects: Effect[] = [];
  const buffer = feed.pending[chatId] ?? [];
  const base = replaceWithWindow(feed.transcripts[chatId] ?? emptyTranscript(chatId), window);
  let t = applyBuffered(base, buffer);
  const settled = t.unsynced.filter((id) => {
    const m = t.messages.find((x) => x.id === id);
    return m === undefined || isFinal(m.status);
  });
  if (settled.length > 0) {
    t = { ...t, unsynced: t.unsynced.filter((id) => !settled.includes(id)) };
    effects.push({ kind: "refetch", chatId });
  }
  const next = failLoad(feed, chatId);
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
