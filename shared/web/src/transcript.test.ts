import { describe, expect, it } from "vitest";
import { CHAT, message, NO_USAGE, part, windowOf } from "./fixtures";
import {
  applyChatFrame,
  applyChatFrames,
  callSnapshot,
  codePoints,
  emptyTranscript,
  placeDelta,
  planEntries,
  fromWindow,
  prependOlder,
  replaceWithWindow,
  sentinelKind,
  streamingMessage,
  type ChatFrame,
  type Transcript,
} from "./transcript";

const usage = { prompt_tokens: 12, completion_tokens: 5, tokens_per_second: 40, prompt_ms: 30 };

/** The frames of one plain turn: user "hi", assistant thinks then answers. */
function turn(): ChatFrame[] {
  return [
    { type: "user_message", chat_id: CHAT, message: message("u1", 1, { content: "hi" }) },
    { type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming" }) },
    { type: "usage", chat_id: CHAT, message_id: "a1", phase: "prompt", usage: NO_USAGE },
    { type: "reasoning_delta", chat_id: CHAT, message_id: "a1", offset: 0, text: "Thinking " },
    { type: "reasoning_delta", chat_id: CHAT, message_id: "a1", offset: 9, text: "about: hi" },
    { type: "delta", chat_id: CHAT, message_id: "a1", offset: 0, text: "Echo: " },
    { type: "usage", chat_id: CHAT, message_id: "a1", phase: "generating", usage },
    { type: "delta", chat_id: CHAT, message_id: "a1", offset: 6, text: "hi" },
    { type: "message_complete", chat_id: CHAT, message_id: "a1", status: "complete", error: null, usage },
  ];
}

/** What a test compares: id, status and the parts' kinds and texts. */
function shape(t: Transcript) {
  return t.messages.map((m) => ({
    id: m.id,
    status: m.status,
    content: m.content,
    parts: m.parts.map((p) => [p.kind, p.content ?? p.call_id]),
  }));
}

describe("agent frames (boocoder)", () => {
  const started = (): Transcript =>
    applyChatFrames(emptyTranscript(CHAT), [
      { type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming", agent: "fake" }) },
      { type: "delta", chat_id: CHAT, message_id: "a1", offset: 0, text: "Looking" },
    ]);
  const call = (status: string, content: unknown[] = []): ChatFrame => ({
    type: "agent_tool_call",
    chat_id: CHAT,
    message_id: "a1",
    call: { id: "t1", title: "Run tests", kind: "execute", status, raw_input: { cmd: "cargo test" }, content, locations: ["Cargo.toml"] },
  });

  it("replaces a tool call's card with each snapshot and adds its result once it ends", () => {
    const output = [{ type: "content", content: { type: "text", text: "42 passed" } }];
    let t = applyChatFrames(started(), [call("pending"), call("in_progress")]);
    const a1 = () => t.messages[0]?.parts ?? [];
    expect(a1().map((p) => [p.kind, p.tool_name, p.call_id])).toEqual([
      ["text", null, null],
      ["tool_call", "execute", "t1"],
    ]);
    expect(callSnapshot(a1()[1]!)).toEqual({ title: "Run tests", kind: "execute", status: "in_progress", content: [], locations: ["Cargo.toml"] });
    t = applyChatFrames(t, [call("completed", output), call("completed", output)]);
    expect(a1().map((p) => [p.kind, p.call_id, p.result, p.is_error])).toEqual([
      ["text", null, null, false],
      ["tool_call", "t1", null, false],
      ["tool_result", "t1", "42 passed", false],
    ]);
    expect(callSnapshot(a1()[1]!)?.status).toBe("completed");
    // Text after the call starts a new text part.
    t = applyChatFrame(t, { type: "delta", chat_id: CHAT, message_id: "a1", offset: 7, text: "done" });
    expect(a1().map((p) => p.kind)).toEqual(["text", "tool_call", "tool_result", "text"]);
  });

  it("marks a failed call's result as an error", () => {
    const t = applyChatFrame(started(), call("failed", [{ type: "content", content: { type: "text", text: "boom" } }]));
    expect(t.messages[0]?.parts.at(-1)).toMatchObject({ kind: "tool_result", result: "boom", is_error: true });
  });

  it("keeps one plan per message, updated in place", () => {
    const plan = (status: string): ChatFrame => ({ type: "plan", chat_id: CHAT, message_id: "a1", entries: [{ content: "fix it", priority: "high", status }] });
    let t = applyChatFrames(started(), [plan("pending"), { type: "delta", chat_id: CHAT, message_id: "a1", offset: 7, text: "…" }, plan("completed")]);
    const parts = t.messages[0]?.parts ?? [];
    expect(parts.map((p) => p.kind)).toEqual(["text", "plan", "text"]);
    expect(planEntries(parts[1]!)).toEqual([{ content: "fix it", priority: "high", status: "completed" }]);
    t = applyChatFrame(t, { type: "plan", chat_id: CHAT, message_id: "nope", entries: [] });
    expect(t.messages[0]?.parts).toBe(parts);
  });

  it("has no snapshot for a plain tool call", () => {
    expect(callSnapshot(part("p", 0, { kind: "tool_call", tool_name: "grep" }))).toBeNull();
    expect(planEntries(part("p", 0, { kind: "plan", content: "1. do it" }))).toBeNull();
  });

  it("ignores session-level frames", () => {
    const t = started();
    const frame: ChatFrame = { type: "available_commands", chat_id: CHAT, agent: "fake", commands: [] };
    expect(applyChatFrame(t, frame)).toBe(t);
  });
});

describe("applyChatFrame", () => {
  it("builds a streamed turn: reasoning and text parts, final usage, no live usage left", () => {
    const t = applyChatFrames(emptyTranscript(CHAT), turn());
    expect(shape(t)).toEqual([
      { id: "u1", status: "complete", content: "hi", parts: [] },
      {
        id: "a1",
        status: "complete",
        content: "Echo: hi",
        parts: [
          ["reasoning", "Thinking about: hi"],
          ["text", "Echo: hi"],
        ],
      },
    ]);
    expect(t.messages[1]?.usage).toEqual(usage);
    expect(t.live).toEqual({});
  });

  it("tracks live usage while streaming", () => {
    const t = applyChatFrames(emptyTranscript(CHAT), turn().slice(0, 7));
    expect(t.live).toEqual({ a1: { phase: "generating", usage } });
    expect(streamingMessage(t)?.id).toBe("a1");
  });

  it("changes nothing when any frame arrives twice (deltas are placed by offset)", () => {
    const frames = turn();
    const once = applyChatFrames(emptyTranscript(CHAT), frames);
    for (const f of frames) expect(applyChatFrame(once, f)).toBe(once);
    // Mid-stream too: a replayed delta is text the message already holds.
    const mid = applyChatFrames(emptyTranscript(CHAT), frames.slice(0, 8));
    for (const f of frames.slice(0, 8).filter((f) => f.type === "delta" || f.type === "reasoning_delta")) expect(applyChatFrame(mid, f)).toBe(mid);
  });

  it("ignores text for a message that is no longer streaming", () => {
    const done = applyChatFrames(emptyTranscript(CHAT), turn());
    expect(applyChatFrame(done, { type: "delta", chat_id: CHAT, message_id: "a1", offset: 8, text: "late" })).toBe(done);
  });

  it("ignores frames about unknown messages", () => {
    const t = emptyTranscript(CHAT);
    expect(applyChatFrame(t, { type: "delta", chat_id: CHAT, message_id: "zz", offset: 0, text: "x" })).toBe(t);
    expect(applyChatFrame(t, { type: "message_status", chat_id: CHAT, message_id: "zz", status: "complete", message_seq: null })).toBe(t);
  });

  it("keeps a message that is further along than the frame (a REST window came first)", () => {
    const t = fromWindow(CHAT, windowOf([message("a1", 2, { role: "assistant", status: "complete", content: "done" })]));
    const started = message("a1", 2, { role: "assistant", status: "streaming" });
    expect(applyChatFrame(t, { type: "message_started", chat_id: CHAT, message: started })).toBe(t);
  });

  it("pairs tool calls and results once each", () => {
    const frames: ChatFrame[] = [
      { type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming" }) },
      { type: "tool_call", chat_id: CHAT, message_id: "a1", call_id: "c1", name: "read_file", arguments: { path: "a.rs" } },
      { type: "tool_call", chat_id: CHAT, message_id: "a1", call_id: "c1", name: "read_file", arguments: { path: "a.rs" } },
      { type: "tool_result", chat_id: CHAT, message_id: "a1", call_id: "c1", name: "read_file", result: "fn main", is_error: false, truncated: true, duration_ms: 3 },
      { type: "tool_result", chat_id: CHAT, message_id: "a1", call_id: "c1", name: "read_file", result: "fn main", is_error: false, truncated: true, duration_ms: 3 },
      { type: "delta", chat_id: CHAT, message_id: "a1", offset: 0, text: "It is main." },
    ];
    const m = applyChatFrames(emptyTranscript(CHAT), frames).messages[0];
    expect(m?.parts.map((p) => [p.kind, p.ordinal, p.tool_name, p.call_id])).toEqual([
      ["tool_call", 0, "read_file", "c1"],
      ["tool_result", 1, "read_file", "c1"],
      ["text", 2, null, null],
    ]);
    expect(m?.parts[0]?.args).toEqual({ path: "a.rs" });
    expect(m?.parts[1]).toMatchObject({ result: "fn main", truncated: true, duration_ms: 3, is_error: false });
  });

  it("records failures and cancellations with their error", () => {
    const t = applyChatFrames(emptyTranscript(CHAT), [
      { type: "message_started", chat_id: CHAT, message: message("a1", 2, { role: "assistant", status: "streaming" }) },
      { type: "message_complete", chat_id: CHAT, message_id: "a1", status: "cancelled", error: "stopped by the owner", usage: NO_USAGE },
    ]);
    expect(t.messages[0]).toMatchObject({ status: "cancelled", error: "stopped by the owner" });
  });
});

describe("queued messages", () => {
  const u = (id: string, seq: number, status: "queued" | "complete" = "complete") =>
    ({ type: "user_message", chat_id: CHAT, message: message(id, seq, { content: id, status }) }) as ChatFrame;
  const started = (id: string, seq: number) =>
    ({ type: "message_started", chat_id: CHAT, message: message(id, seq, { role: "assistant", status: "streaming" }) }) as ChatFrame;
  const complete = (id: string) => ({ type: "message_complete", chat_id: CHAT, message_id: id, status: "complete", error: null, usage: NO_USAGE }) as ChatFrame;
  const dequeued = (id: string, seq: number | null = null) => ({ type: "message_status", chat_id: CHAT, message_id: id, status: "complete", message_seq: seq }) as ChatFrame;
  const order = (t: Transcript) => t.messages.map((m) => `${m.id}:${m.status}`);

  it("renders queued user messages after the streaming answer, and in place once their turn starts", () => {
    let t = applyChatFrames(emptyTranscript(CHAT), [u("u1", 1), started("a1", 2), u("u2", 3, "queued"), u("u3", 4, "queued")]);
    expect(order(t)).toEqual(["u1:complete", "a1:streaming", "u2:queued", "u3:queued"]);
    // u2's turn starts: the server moves it to the end of the settled rows.
    t = applyChatFrames(t, [complete("a1"), dequeued("u2"), started("a2", 5)]);
    expect(order(t)).toEqual(["u1:complete", "a1:complete", "u2:complete", "a2:streaming", "u3:queued"]);
    t = applyChatFrames(t, [complete("a2"), dequeued("u3"), started("a3", 6)]);
    expect(order(t)).toEqual(["u1:complete", "a1:complete", "u2:complete", "a2:complete", "u3:complete", "a3:streaming"]);
  });

  it("keeps a queued message from an older window at the bottom", () => {
    const t = fromWindow(
      CHAT,
      windowOf([
        message("u1", 1),
        message("a1", 2, { role: "assistant", status: "streaming" }),
        message("u2", 3, { status: "queued" }),
      ]),
    );
    const next = applyChatFrame(t, { type: "sentinel", chat_id: CHAT, message: message("s1", 4, { role: "system", metadata: { kind: "cap_hit" } }) });
    expect(order(next)).toEqual(["u1:complete", "a1:streaming", "s1:complete", "u2:queued"]);
  });

  it("moves a dequeued message to the seq the server gave it", () => {
    // u2 was queued behind a1 (seq 3); its turn starts and the server re-sequences it to 5.
    let t = fromWindow(CHAT, windowOf([message("u1", 1), message("a1", 2, { role: "assistant", status: "complete" }), message("u2", 3, { status: "queued" }), message("u3", 4, { status: "queued" })]));
    t = applyChatFrames(t, [dequeued("u2", 5), started("a2", 6)]);
    expect(t.messages.map((m) => [m.id, m.status, m.seq, m.order])).toEqual([
      ["u1", "complete", 1, 1],
      ["a1", "complete", 2, 2],
      ["u2", "complete", 5, 5],
      ["a2", "streaming", 6, 6],
      ["u3", "queued", 4, 4],
    ]);
    // A refetched window agrees with that order.
    const again = replaceWithWindow(t, windowOf([message("u1", 1), message("a1", 2, { role: "assistant" }), message("u3", 4, { status: "queued" }), message("u2", 5), message("a2", 6, { role: "assistant", status: "streaming" })]));
    expect(again.messages.map((m) => m.id)).toEqual(t.messages.map((m) => m.id));
  });

  it("does not move a message back to queued", () => {
    const t = applyChatFrames(emptyTranscript(CHAT), [u("u2", 3, "queued"), dequeued("u2")]);
    expect(applyChatFrame(t, u("u2", 3, "queued"))).toBe(t);
  });
});

describe("windows", () => {
  it("puts an older window in front and drops what it already has", () => {
    const t = fromWindow(CHAT, windowOf([message("m3", 3), message("m4", 4)], true));
    const more = prependOlder(t, windowOf([message("m1", 1), message("m2", 2), message("m3", 3)], false));
    expect(more.messages.map((m) => m.id)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(more.hasMore).toBe(false);
  });

  it("replaces the newest window and keeps older pages", () => {
    let t = fromWindow(CHAT, windowOf([message("m3", 3), message("m4", 4)], true));
    t = prependOlder(t, windowOf([message("m1", 1), message("m2", 2)], false));
    const refreshed = replaceWithWindow(t, windowOf([message("m3", 3), message("m4", 4, { content: "edited" }), message("m5", 5)], true));
    expect(refreshed.messages.map((m) => [m.id, m.content])).toEqual([
      ["m1", ""],
      ["m2", ""],
      ["m3", ""],
      ["m4", "edited"],
      ["m5", ""],
    ]);
    expect(refreshed.hasMore).toBe(false);
  });

  it("starts a refetched window without gaps, keeping live usage of streaming messages", () => {
    let t = fromWindow(CHAT, windowOf([message("a1", 2, { role: "assistant", status: "streaming", content: "Ec" })]));
    t = applyChatFrames(t, [
      { type: "usage", chat_id: CHAT, message_id: "a1", phase: "generating", usage },
      { type: "delta", chat_id: CHAT, message_id: "a1", offset: 4, text: ": hi" },
    ]);
    expect(t.gaps).toEqual(["a1"]);
    const refetched = replaceWithWindow(t, windowOf([message("a1", 2, { role: "assistant", status: "streaming", content: "Echo" })]));
    expect([refetched.gaps, refetched.live, refetched.messages[0]?.lengths]).toEqual([[], { a1: { phase: "generating", usage } }, { text: 4, reasoning: 0 }]);
  });
});

describe("deltas placed by offset", () => {
  const d = (offset: number, text: string): ChatFrame => ({ type: "delta", chat_id: CHAT, message_id: "a1", offset, text });
  const r = (offset: number, text: string): ChatFrame => ({ type: "reasoning_delta", chat_id: CHAT, message_id: "a1", offset, text });
  /** A streaming message as REST returned it: `content` flushed so far, reasoning then text parts. */
  const snapshot = (reasoning: string, content: string): Transcript =>
    fromWindow(
      CHAT,
      windowOf([
        message("a1", 2, {
          role: "assistant",
          status: "streaming",
          content,
          parts: [part("p0", 0, { kind: "reasoning", content: reasoning }), ...(content === "" ? [] : [part("p1", 1, { kind: "text", content })])],
        }),
      ]),
    );

  it("counts offsets in code points: an emoji is one, however many UTF-16 units", () => {
    expect([codePoints("Hi 👋🏽"), "Hi 👋🏽".length, codePoints("世界"), codePoints("")]).toEqual([5, 7, 2, 0]);
    expect([placeDelta(5, 3, "👋🏽 there"), placeDelta(5, 5, "!"), placeDelta(5, 1, "i 👋"), placeDelta(5, 6, "x")]).toEqual([
      { kind: "append", text: " there" },
      { kind: "append", text: "!" },
      { kind: "skip" },
      { kind: "gap" },
    ]);
  });

  it("a REST snapshot of length N plus deltas before, across, at and after N is exactly the whole text", () => {
    // The snapshot holds "Thinking" and "Echo: he"; the frames carry everything from the start.
    const t = applyChatFrames(snapshot("Thinking", "Echo: he"), [r(0, "Think"), r(5, "ing"), d(0, "Echo"), d(4, ": "), d(6, "hel"), d(9, "lo"), r(8, " more"), d(11, " 👋🏽"), d(14, "!")]);
    expect(shape(t)).toEqual([
      {
        id: "a1",
        status: "streaming",
        content: "Echo: hello 👋🏽!",
        parts: [
          ["reasoning", "Thinking"],
          ["text", "Echo: hello"],
          ["reasoning", " more"],
          ["text", " 👋🏽!"],
        ],
      },
    ]);
    expect([t.gaps, t.messages[0]?.lengths]).toEqual([[], { text: 15, reasoning: 13 }]);
  });

  it("places multi-byte text the snapshot ends inside of a delta", () => {
    const t = applyChatFrames(snapshot("", "Hi 👋🏽"), [d(0, "Hi "), d(3, "👋🏽 there"), d(11, " 世界")]);
    expect(t.messages[0]?.content).toBe("Hi 👋🏽 there 世界");
  });

  it("a delta past the text held is a gap: no more text until a window replaces the message", () => {
    const t = snapshot("", "Echo");
    const gapped = applyChatFrame(t, d(6, "hi"));
    expect([gapped.gaps, gapped.messages]).toEqual([["a1"], t.messages]);
    // Later deltas wait for the refetch too (they may not follow on from the text held).
    expect(applyChatFrame(gapped, d(4, ": "))).toBe(gapped);
    const refetched = applyChatFrames(replaceWithWindow(gapped, windowOf([message("a1", 2, { role: "assistant", status: "streaming", content: "Echo: " })])), [d(6, "hi"), d(8, "!")]);
    expect([refetched.gaps, refetched.messages[0]?.content]).toEqual([[], "Echo: hi!"]);
  });

  it("ignores deltas of a message that is not streaming, whatever their offset", () => {
    const t = fromWindow(CHAT, windowOf([message("a1", 2, { role: "assistant", status: "complete", content: "done" })]));
    expect(applyChatFrames(t, [d(0, "done"), d(4, "!"), d(9, "?")])).toBe(t);
  });
});

describe("sentinelKind", () => {
  it("reads metadata.kind of system rows only", () => {
    expect(sentinelKind(message("s", 1, { role: "system", metadata: { kind: "doom_loop" } }))).toBe("doom_loop");
    expect(sentinelKind(message("s", 1, { role: "system" }))).toBeNull();
    expect(sentinelKind(message("u", 1, { metadata: { kind: "cap_hit" } }))).toBeNull();
  });
});
