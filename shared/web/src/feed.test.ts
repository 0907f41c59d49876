import { describe, expect, it } from "vitest";
import { CHAT, chat, env, message, NO_USAGE, OTHER_CHAT, SESSION, windowOf } from "./fixtures";
import { failLoad, finishLoad, isFresh, keepOnly, newFeed, receive, startLoad, type Effect, type Feed } from "./feed";

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
const delta = (seq: number, text: string, id = "a1") => env(seq, { type: "delta", chat_id: CHAT, message_id: id, text });

describe("receive", () => {
  it("keeps the highest seq and ignores hello (seq 0)", () => {
    const { feed } = run(loaded(), env(0, { type: "hello", daemon: "boochat", version: "0.1.0" }), started(BIG + 1), delta(BIG + 2, "x"));
    expect(feed.lastSeq).toBe(BIG + 2);
  });

  it("drops frames it has already applied (a replay overlapping what was seen)", () => {
    const first = run(loaded(), started(BIG + 1), delta(BIG + 2, "Echo"), delta(BIG + 3, ": hi"));
    const again = run(first.feed, delta(BIG + 2, "Echo"), delta(BIG + 3, ": hi"));
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
  it("buffers frames while the window is fetched and applies them after it", () => {
    let feed = startLoad(newFeed(SESSION), CHAT);
    feed = run(feed, started(BIG + 1), delta(BIG + 2, "Echo: "), delta(BIG + 3, "hi")).feed;
    expect(feed.transcripts[CHAT]).toBeUndefined();
    expect(feed.pending[CHAT]).toHaveLength(3);
    // The window was read after "Echo: " was flushed.
    const window = windowOf([message("u1", 1), message("a1", 10, { role: "assistant", status: "streaming", content: "Echo: ", parts: [{ id: "p", ordinal: 0, kind: "text", content: "Echo: ", tool_name: null, call_id: null, args: null, result: null, is_error: false, truncated: false, duration_ms: null }] })]);
    const r = finishLoad(feed, CHAT, window);
    expect(r.feed.pending).toEqual({});
    expect(r.feed.transcripts[CHAT]?.messages.map((m) => m.content)).toEqual(["", "Echo: hi"]);
    expect(r.effects).toEqual([]);
  });

  it("refetches a message loaded mid-stream once it completes", () => {
    const feed = loaded([message("u1", 1), message("a1", 10, { role: "assistant", status: "streaming", content: "Ec" })]);
    expect(feed.transcripts[CHAT]?.unsynced).toEqual(["a1"]);
    const r = run(feed, delta(BIG + 1, "ho"), env(BIG + 2, { type: "message_complete", chat_id: CHAT, message_id: "a1", status: "complete", error: null, usage: NO_USAGE }));
    expect(r.effects).toEqual([{ kind: "refetch", chatId: CHAT }]);
    expect(r.feed.transcripts[CHAT]?.unsynced).toEqual([]);
    // A message streamed entirely over the socket needs no refetch.
    const live = run(r.feed, started(BIG + 3, "a2"), delta(BIG + 4, "x", "a2"), env(BIG + 5, { type: "message_complete", chat_id: CHAT, message_id: "a2", status: "complete", error: null, usage: NO_USAGE }));
    expect(live.effects).toEqual([]);
  });

  it("refetches when the completion arrived while the window was in flight", () => {
    let feed = startLoad(newFeed(SESSION), CHAT);
    feed = run(feed, env(BIG + 1, { type: "message_complete", chat_id: CHAT, message_id: "a1", status: "complete", error: null, usage: NO_USAGE })).feed;
    const r = finishLoad(feed, CHAT, windowOf([message("a1", 10, { role: "assistant", status: "streaming" })]));
    expect(r.effects).toEqual([{ kind: "refetch", chatId: CHAT }]);
    expect(r.feed.transcripts[CHAT]?.messages[0]?.status).toBe("complete");
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
