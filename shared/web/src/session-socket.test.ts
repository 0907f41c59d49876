import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, openSessionSocket, parseEnvelope, type ConnState, type WsLike } from "./session-socket";

class FakeWs implements WsLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closed: [number | undefined, string | undefined] | undefined;
  constructor(readonly url: string) {}
  close(code?: number, reason?: string): void {
    this.closed = [code, reason];
  }
  send(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const hello = { type: "hello", seq: 0, daemon: "boochat", version: "0.1.0" };

function start() {
  const sockets: FakeWs[] = [];
  const states: string[] = [];
  const seen: number[] = [];
  let lastSeq = 0;
  const handle = openSessionSocket({
    url: () => `ws://h/api/ws?session_id=s${lastSeq > 0 ? `&last_seq=${lastSeq}` : ""}`,
    open: (url) => {
      const ws = new FakeWs(url);
      sockets.push(ws);
      return ws;
    },
    onEnvelope: (env) => {
      seen.push(env.seq);
      if (env.seq > lastSeq) lastSeq = env.seq;
    },
    onState: (state: ConnState) => states.push(state),
    baseDelayMs: 100,
    maxDelayMs: 400,
    helloTimeoutMs: 1000,
  });
  return { handle, sockets, states, seen };
}

describe("openSessionSocket", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("is connected after hello and hands every envelope over", () => {
    const { sockets, states, seen } = start();
    sockets[0]?.send(hello);
    sockets[0]?.send({ type: "delta", seq: 1_764_000_000_000_001, session_id: "s", chat_id: "c", message_id: "m", text: "x" });
    expect(states).toEqual(["connecting", "connected"]);
    expect(seen).toEqual([0, 1_764_000_000_000_001]);
  });

  it("reconnects with backoff, passing the highest seq seen", () => {
    const { sockets, states } = start();
    sockets[0]?.send(hello);
    sockets[0]?.send({ type: "delta", seq: 42, session_id: "s" });
    sockets[0]?.onclose?.({ code: 1006, reason: "" });
    expect(states.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets[1]?.url).toBe("ws://h/api/ws?session_id=s&last_seq=42");
    // Refused again: the delay doubles, capped.
    sockets[1]?.onerror?.();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]?.onclose?.({ code: 1006, reason: "" });
    vi.advanceTimersByTime(400);
    expect(sockets).toHaveLength(4);
    // A hello resets the backoff.
    sockets[3]?.send(hello);
    sockets[3]?.onclose?.({ code: 1001, reason: "going away" });
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(5);
  });

  it("gives up on a socket that sends no hello, and ignores frames before it", () => {
    const { sockets, seen } = start();
    sockets[0]?.send({ type: "delta", seq: 5 });
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([]);
    expect(sockets[0]?.closed).toEqual([1000, "reconnecting"]);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
  });

  it("stops for good when the daemon has no such session (close code 4404)", () => {
    const { handle, sockets, states } = start();
    sockets[0]?.onclose?.({ code: 4404, reason: "no such session" });
    expect(states).toEqual(["connecting", "gone"]);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    // Nothing brings it back: neither reconnect() nor the hello timer.
    handle.reconnect();
    vi.advanceTimersByTime(60_000);
    expect([sockets.length, states]).toEqual([1, ["connecting", "gone"]]);
  });

  it("passes the reason of a 4404 on, and retries other 44xx-looking closes as usual", () => {
    const details: (string | undefined)[] = [];
    const sockets: FakeWs[] = [];
    openSessionSocket({
      url: () => "ws://h/api/ws?session_id=s",
      open: (url) => {
        const ws = new FakeWs(url);
        sockets.push(ws);
        return ws;
      },
      onEnvelope: () => {},
      onState: (state, detail) => details.push(`${state}${detail === undefined ? "" : `: ${detail}`}`),
      baseDelayMs: 100,
    });
    sockets[0]?.onclose?.({ code: 4400, reason: "" });
    vi.advanceTimersByTime(100);
    sockets[1]?.send(hello);
    sockets[1]?.onclose?.({ code: 4404, reason: "" });
    expect(details).toEqual(["connecting", "reconnecting: closed (4400); retrying in 0.1 s", "reconnecting", "connected", "gone: no such session"]);
  });

  it("stays closed after close()", () => {
    const { handle, sockets, states } = start();
    sockets[0]?.send(hello);
    handle.close();
    expect(sockets[0]?.closed).toEqual([1000, "page closed"]);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe("closed");
  });
});

describe("parseEnvelope", () => {
  it("accepts objects with a type and a safe integer seq", () => {
    expect(parseEnvelope(JSON.stringify(hello))).toEqual(hello);
    expect(parseEnvelope('{"type":"x","seq":1764000000000001}')?.seq).toBe(1_764_000_000_000_001);
  });
  it.each(["nope", "[]", '{"seq":1}', '{"type":"x"}', '{"type":"x","seq":-1}', '{"type":"x","seq":1.5}'])("rejects %s", (text) => {
    expect(parseEnvelope(text)).toBeUndefined();
  });
  it("rejects binary frames", () => {
    expect(parseEnvelope(new ArrayBuffer(2))).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("doubles up to the cap", () => {
    expect([0, 1, 2, 3, 4, 50].map((n) => backoffDelay(n, 500, 10_000))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
  });
});
