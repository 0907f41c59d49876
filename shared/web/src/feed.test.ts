import { describe, expect, it } from "vitest";
import { CHAT, chat, env, message, NO_USAGE, OTHER_CHAT, part, SESSION, windowOf } from "./fixtures";
import { failLoad, finishLoad, GAP_REFETCH_MS, isFresh, keepOnly, newFeed, receive, startLoad, type Effect, type Feed } from "./feed";

const BIG = 1_764_000_000_000_000; // seqs start at the wall clock in µs

/** Applies envelopes in order, collecting the effects. */
function run(feed: Feed, ...envs: ReturnType<typeof env>[]): { feed: Feed; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const e of envs) {
    const r = receive(feed, e);
    feed = r.feed;
    effects.push(...r.effects);
  }
  return { feed, effects };
}

function loaded(items = [message("u1", 1, { content: "hi" })]): Feed {
  return finishLoad(startLoad(newFeed(SESSION), CHAT), CHAT, windowOf(items)).feed;
}

const started = (seq: number, id = "a1") =>
  env(seq, { type: "message_started", chat_id: CHAT, message: message(id, 10, { role: "assistant", status: "streaming" }) });
/** A delta at `offset` (code points of the message's text before it). */
const delta = (seq: number, text: string, offset = 0, id = "a1") => env(seq, { type: "delta", chat_id: CHAT, message_id: id, offset, text });
const complete = (seq: number, id = "a1") => env(seq, { type: "message_complete", chat_id: CHAT, message_id: id, status: "complete", error: null, usage: NO_USAGE });
/** An assistant message streaming, as a REST window has it: `content` flushed so far. */
const streaming = (content: string) =>
  message("a1", 10, { role: "assistant", status: "streaming", content, parts: content === "" ? [] : [part("p", 0, { kind: "text", content })] });

describe("receive", () => {
  it("keeps the highest seq and ignores hello (seq 0)", () => {
    const { feed } = run(loaded(), env(0, { type: "hello", daemon: "boochat", version: "0.1.0" }), started(BIG + 1), delta(BIG + 2, "x"));
    expect(feed.lastSeq).toBe(BIG + 2);
  });

  it("drops frames it has already applied (a replay overlapping what was seen)", () => {
    const first = run(loaded(), started(BIG + 1), delta(BIG + 2, "Echo"), delta(BIG + 3, ": hi", 4));
    const again = run(first.feed, delta(BIG + 2, "Echo"), delta(BIG + 3, ": hi", 4));
    expect(again.feed).toBe(first.feed);
    expect(again.feed.transcripts[CHAT]?.messages[1]?.content).toBe("Echo: hi");
  });

  it("ignores frames of another session", () => {
    const feed = loaded();
    const other = { ...delta(BIG + 1, "x"), session_id: "another" } as ReturnType<typeof env>;
    expect(receive(feed, other).feed).toBe(feed);
  });

  it("says which frames are fresh: its session's, past the last seq", () => {
    const { feed } = run(loaded(), started(BIG + 1));
    expect(isFresh(feed, delta(BIG + 2, "x"))).toBe(true);
    expect(isFresh(feed, delta(BIG + 1, "x"))).toBe(false);
    expect(isFresh(feed, { ...delta(BIG + 2, "x"), session_id: "another" } as ReturnType<typeof env>)).toBe(false);
    expect(isFresh(feed, env(0, { type: "hello", daemon: "boocoder", version: "0.1.0" }))).toBe(true);
  });

  it("asks for a resync and forgets its seq on `resync`", () => {
    const { feed } = run(loaded(), started(BIG + 5));
    const r = receive(feed, env(0, { type: "resync", reason: "frames after seq 1 are no longer kept" }));
    expect(r.effects).toEqual([{ kind: "resync", reason: "frames after seq 1 are no longer kept" }]);
    expect(r.feed.lastSeq).toBe(0);
    // Frames after the resync are accepted again, whatever their seq.
    expect(receive(r.feed, delta(BIG + 1, "x")).feed.lastSeq).toBe(BIG + 1);
  });

  it("reports error frames", () => {
    expect(receive(loaded(), env(0, { type: "error", code: "bad_frame", message: "nope" })).effects).toEqual([
      { kind: "error", code: "bad_frame", message: "nope" },
    ]);
  });

  it("upserts chats from chat_updated, new ones at the end", () => {
    const { feed } = run(
      { ...loaded(), chats: [chat(CHAT)] },
      env(BIG + 1, { type: "chat_updated", chat: chat(OTHER_CHAT) }),
      env(BIG + 2, { type: "chat_updated", chat: chat(CHAT, { busy: true, title: "T" }) }),
    );
    expect(feed.chats.map((c) => [c.id, c.busy, c.title])).toEqual([
      [CHAT, true, "T"],
      [OTHER_CHAT, false, null],
    ]);
  });

  it("refetches a held chat whose active branch moved elsewhere, and ignores others", () => {
    const { feed, effects } = run(
      loaded(),
      env(BIG + 1, { type: "chat_branched", chat_id: CHAT, leaf_id: "m9" }),
      env(BIG + 2, { type: "chat_branched", chat_id: OTHER_CHAT, leaf_id: null }),
    );
    expect(effects).toEqual([{ kind: "refetch", chatId: CHAT, afterMs: 0 }]);
    expect(feed.lastSeq).toBe(BIG + 2);
    expect(feed.transcripts[CHAT]).toEqual(loaded().transcripts[CHAT]);
  });

  it("leaves chats whose transcript is not loaded alone (they load when opened)", () => {
    const { feed } = run(newFeed(SESSION), started(BIG + 1));
    expect(feed.transcripts).toEqual({});
    expect(feed.lastSeq).toBe(BIG + 1);
  });

  it("applies a user message posted from this page once, though it also arrives as a frame", () => {
    const u2 = message("u2", 11, { content: "again" });
    const { feed } = run(loaded(), env(BIG + 1, { type: "user_message", chat_id: CHAT, message: u2 }), env(BIG + 1, { type: "user_message", chat_id: CHAT, message: u2 }));
    expect(feed.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["u1", "u2"]);
  });
});

describe("loading a chat", () => {
  it("buffers frames while the window is fetched and places them by offset after it", () => {
    let feed = startLoad(newFeed(SESSION), CHAT);
    feed = run(feed, started(BIG + 1), delta(BIG + 2, "Echo: "), delta(BIG + 3, "hi", 6)).feed;
    expect(feed.transcripts[CHAT]).toBeUndefined();
    expect(feed.pending[CHAT]).toHaveLength(3);
    // The window was read after "Echo: " was flushed.
    const r = finishLoad(feed, CHAT, windowOf([message("u1", 1), streaming("Echo: ")]));
    expect(r.feed.pending).toEqual({});
    expect(r.feed.transcripts[CHAT]?.messages.map((m) => m.content)).toEqual(["", "Echo: hi"]);
    expect(r.effects).toEqual([]);
  });

  it("a REST snapshot at length N plus deltas before, at and after N is exactly the full text", () => {
    // Joined mid-stream: the frames from "Hel" on were buffered, the window holds "Hello 👋🏽" (8 code points).
    let feed = startLoad(newFeed(SESSION), CHAT);
    feed = run(feed, delta(BIG + 1, "lo", 3), delta(BIG + 2, " 👋🏽", 5), delta(BIG + 3, " wor", 8), delta(BIG + 4, "ld", 12), complete(BIG + 5)).feed;
    const r = finishLoad(feed, CHAT, windowOf([streaming("Hello 👋🏽")]));
    expect(r.effects).toEqual([]);
    expect(r.feed.pending).toEqual({});
    const t = r.feed.transcripts[CHAT];
    expect(t?.messages.map((m) => [m.status, m.content, m.parts.map((p) => p.content)])).toEqual([["complete", "Hello 👋🏽 world", ["Hello 👋🏽 world"]]]);
    expect(t?.gaps).toEqual([]);
  });

  it("asks for nothing when a message loaded mid-stream completes after a delta joined up with it", () => {
    const feed = loaded([message("u1", 1), streaming("Ec")]);
    expect(feed.transcripts[CHAT]?.unsynced).toEqual(["a1"]);
    const r = run(feed, delta(BIG + 1, "ho", 2), complete(BIG + 2));
    expect(r.effects).toEqual([]);
    expect(r.feed.transcripts[CHAT]?.messages[1]).toMatchObject({ status: "complete", content: "Echo" });
  });

  it("refetches a message loaded mid-stream that completes with no delta since (its tail may be missing)", () => {
    const r = run(loaded([message("u1", 1), streaming("Ec")]), complete(BIG + 1));
    expect(r.effects).toEqual([{ kind: "refetch", chatId: CHAT, afterMs: 0 }]);
    expect(r.feed.transcripts[CHAT]?.unsynced).toEqual([]);
    // A message streamed entirely over the socket needs no refetch.
    const live = run(r.feed, started(BIG + 3, "a2"), delta(BIG + 4, "x", 0, "a2"), complete(BIG + 5, "a2"));
    expect(live.effects).toEqual([]);
  });

  it("refetches when the completion arrived while the window was in flight", () => {
    let feed = startLoad(newFeed(SESSION), CHAT);
    feed = run(feed, complete(BIG + 1)).feed;
    const r = finishLoad(feed, CHAT, windowOf([streaming("Ec")]));
    expect(r.effects).toEqual([{ kind: "refetch", chatId: CHAT, afterMs: 0 }]);
    expect(r.feed.transcripts[CHAT]?.messages[0]?.status).toBe("complete");
    expect(r.feed.pending).toEqual({});
  });

  it("a gap refetches the chat after the flush interval, buffering from the gap on", () => {
    // Loaded with "Ec"; the deltas of "ho" were missed, the next one starts at 4.
    const feed = loaded([message("u1", 1), streaming("Ec")]);
    const gap = receive(feed, delta(BIG + 1, ": ", 4));
    expect(gap.effects).toEqual([{ kind: "refetch", chatId: CHAT, afterMs: GAP_REFETCH_MS }]);
    expect(GAP_REFETCH_MS).toBeGreaterThan(200);
    expect(gap.feed.transcripts[CHAT]?.gaps).toEqual(["a1"]);
    expect(gap.feed.transcripts[CHAT]?.messages[1]?.content).toBe("Ec");
    // More frames while the refetch waits: buffered, no second refetch.
    const more = run(gap.feed, delta(BIG + 2, "hi", 6));
    expect(more.effects).toEqual([]);
    expect(more.feed.pending[CHAT]?.map((f) => (f.type === "delta" ? f.text : f.type))).toEqual([": ", "hi"]);
    // The refetched window has "Echo": the buffered deltas complete it.
    const r = finishLoad(more.feed, CHAT, windowOf([message("u1", 1), streaming("Echo")]));
    expect([r.effects, r.feed.pending, r.feed.transcripts[CHAT]?.gaps, r.feed.transcripts[CHAT]?.messages[1]?.content]).toEqual([[], {}, [], "Echo: hi"]);
  });

  it("a refetched window that still lags keeps the buffer and asks again", () => {
    const feed = run(loaded([message("u1", 1), streaming("Ec")]), delta(BIG + 1, ": ", 4)).feed;
    const r = finishLoad(feed, CHAT, windowOf([message("u1", 1), streaming("Ec")]));
    expect(r.effects).toEqual([{ kind: "refetch", chatId: CHAT, afterMs: GAP_REFETCH_MS }]);
    expect(r.feed.pending[CHAT]).toHaveLength(1);
    const done = finishLoad(r.feed, CHAT, windowOf([message("u1", 1), streaming("Echo")]));
    expect([done.effects, done.feed.pending, done.feed.transcripts[CHAT]?.messages[1]?.content]).toEqual([[], {}, "Echo: "]);
  });

  it("reorders a dequeued message by the seq in message_status", () => {
    const feed = loaded([message("u1", 1), message("a1", 2, { role: "assistant", status: "streaming" }), message("u2", 3, { status: "queued" })]);
    const { feed: next } = run(
      feed,
      complete(BIG + 1),
      env(BIG + 2, { type: "message_status", chat_id: CHAT, message_id: "u2", status: "complete", message_seq: 7 }),
      env(BIG + 3, { type: "message_started", chat_id: CHAT, message: message("a2", 8, { role: "assistant", status: "streaming" }) }),
    );
    expect(next.transcripts[CHAT]?.messages.map((m) => [m.id, m.seq, m.status])).toEqual([
      ["u1", 1, "complete"],
      ["a1", 2, "complete"],
      ["u2", 7, "complete"],
      ["a2", 8, "streaming"],
    ]);
  });

  it("keeps the loaded transcript current while a refetch is in flight", () => {
    let feed = startLoad(loaded(), CHAT);
    feed = run(feed, started(BIG + 1)).feed;
    expect(feed.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["u1", "a1"]);
    expect(failLoad(feed, CHAT).pending).toEqual({});
  });

  it("keeps only the open chat after a resync", () => {
    const feed = { ...loaded(), transcripts: { ...loaded().transcripts, other: loaded().transcripts[CHAT]! } };
    expect(Object.keys(keepOnly(feed, CHAT).transcripts)).toEqual([CHAT]);
    expect(keepOnly(feed, null).transcripts).toEqual({});
  });
});
