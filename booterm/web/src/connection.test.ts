import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Probe } from "./api";
import { closeReason, parseServerMsg, stateText, TermConnection, type ConnState, type Hello } from "./connection";
import { FakeTermSocket, terminal } from "./testing/fixtures";

const hello = (readonly = false): Hello => ({
  type: "hello",
  terminal: terminal(),
  readonly,
  flow: { high: 1000, low: 250, ack_every: 100 },
});

type Setup = { readonly?: boolean; probe?: () => Promise<Probe> };

function start(setup: Setup = {}) {
  const sockets: FakeTermSocket[] = [];
  const states: ConnState[] = [];
  const hellos: Hello[] = [];
  const outputs: { bytes: number[]; done: () => void }[] = [];
  let n = 0;
  const conn = new TermConnection({
    url: () => `ws://h/api/terminals/t1/ws?n=${n++}`,
    open: (url) => {
      const s = new FakeTermSocket(url);
      sockets.push(s);
      return s;
    },
    ...(setup.probe === undefined ? {} : { probe: setup.probe }),
    readonly: setup.readonly ?? false,
    onHello: (h) => hellos.push(h),
    onOutput: (bytes, done) => outputs.push({ bytes: [...bytes], done }),
    onState: (s) => states.push(s),
    random: () => 0.5, // no jitter
    baseDelayMs: 100,
    maxDelayMs: 400,
    helloTimeoutMs: 1000,
    ackIdleMs: 50,
    pingEveryMs: 5000,
  });
  conn.start();
  return { conn, sockets, states, hellos, outputs, kinds: () => states.map((s) => s.kind) };
}

describe("TermConnection", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => void vi.useRealTimers());

  it("goes live on hello, hands output over only after it, and sends the known size", () => {
    const { conn, sockets, states, hellos, outputs } = start();
    const s = sockets[0]!;
    expect(s.url).toBe("ws://h/api/terminals/t1/ws?n=0");
    conn.resize(120, 40); // not live yet: remembered
    s.binary([1, 2]); // before hello: dropped
    s.text(hello());
    s.binary([104, 105]);
    expect(states).toEqual([{ kind: "connecting", attempt: 0 }, { kind: "live", readonly: false }]);
    expect(hellos).toHaveLength(1);
    expect(outputs.map((o) => o.bytes)).toEqual([[104, 105]]);
    expect(s.controls()).toEqual([{ type: "resize", cols: 120, rows: 40 }]);
    conn.resize(100, 30);
    expect(s.controls().at(-1)).toEqual({ type: "resize", cols: 100, rows: 30 });
  });

  it("acknowledges processed bytes every ack_every, and the rest after an idle pause", () => {
    const { sockets, outputs } = start();
    const s = sockets[0]!;
    s.text(hello());
    s.binary(new Array(60).fill(120));
    s.binary(new Array(30).fill(120));
    s.binary(new Array(20).fill(120));
    expect(s.controls()).toEqual([]); // nothing processed yet: nothing acknowledged
    outputs[0]!.done();
    outputs[1]!.done();
    expect(s.controls()).toEqual([]);
    outputs[2]!.done(); // 110 >= 100
    expect(s.controls()).toEqual([{ type: "ack", bytes: 110 }]);
    s.binary([1, 2, 3]);
    outputs[3]!.done();
    vi.advanceTimersByTime(49);
    expect(s.controls()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(s.controls()).toEqual([
      { type: "ack", bytes: 110 },
      { type: "ack", bytes: 3 },
    ]);
  });

  it("sends input as binary only while live and never when read-only", () => {
    const rw = start();
    expect(rw.conn.input(new Uint8Array([97]))).toBe(false);
    rw.sockets[0]!.text(hello());
    expect(rw.conn.input(new Uint8Array([97, 10]))).toBe(true);
    expect(rw.sockets[0]!.sent).toEqual([[97, 10]]);

    const ro = start({ readonly: true });
    ro.sockets[0]!.text(hello(true));
    expect(ro.conn.input(new Uint8Array([97]))).toBe(false);
    expect(ro.sockets[0]!.sent).toEqual([]);
    expect(ro.states.at(-1)).toEqual({ kind: "live", readonly: true });
  });

  it("reconnects with backoff after the daemon stops, asking the API first", async () => {
    const probe = vi.fn(async (): Promise<Probe> => ({ kind: "live" }));
    const { sockets, states, kinds } = start({ probe });
    sockets[0]!.text(hello());
    sockets[0]!.remoteClose(1001, "booterm is stopping");
    expect(states.at(-1)).toEqual({ kind: "reconnecting", at: 1_000_100, reason: "booterm is stopping" });
    await vi.advanceTimersByTimeAsync(99);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(sockets).toHaveLength(2);
    // Fails again before hello: the delay doubles.
    sockets[1]!.remoteClose(1006);
    expect(states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "connection lost" });
    await vi.advanceTimersByTimeAsync(200);
    expect(sockets).toHaveLength(3);
    sockets[2]!.text(hello());
    // A hello resets the backoff.
    sockets[2]!.remoteClose(1013, "detached");
    expect(states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "the tmux client was detached" });
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(4);
    expect(kinds()).toEqual(["connecting", "live", "reconnecting", "connecting", "reconnecting", "connecting", "live", "reconnecting", "connecting"]);
  });

  it("ignores acknowledgements of a dropped socket's output", async () => {
    const { sockets, outputs } = start();
    sockets[0]!.text(hello());
    sockets[0]!.binary(new Array(150).fill(0));
    sockets[0]!.remoteClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    sockets[1]!.text(hello());
    outputs[0]!.done();
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets[0]!.controls()).toEqual([]);
    expect(sockets[1]!.controls()).toEqual([]);
  });

  it("stops for good when the program exits", async () => {
    const { sockets, states } = start();
    sockets[0]!.text(hello());
    sockets[0]!.text({ type: "exit", exit_code: 3 });
    sockets[0]!.remoteClose(1000, "exited");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(states.at(-1)).toEqual({ kind: "exited", exitCode: 3 });
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closedWith).toEqual([1000, "exited"]);
  });

  it("is gone when the API no longer knows the terminal", async () => {
    const probe = vi.fn(async (): Promise<Probe> => ({ kind: "missing", message: "no terminal t1" }));
    const { sockets, states } = start({ probe });
    sockets[0]!.text({ type: "error", code: "not_found", message: "terminal t1 not found" });
    sockets[0]!.remoteClose(1011, "not_found");
    await vi.advanceTimersByTimeAsync(0); // no backoff: asks at once
    expect(probe).toHaveBeenCalledTimes(1);
    expect(states.at(-1)).toEqual({ kind: "gone", reason: "no terminal t1" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("shows the exit code the API reports after a refused upgrade", async () => {
    const probe = vi.fn(async (): Promise<Probe> => ({ kind: "exited", exitCode: 130 }));
    const { sockets, states } = start({ probe });
    sockets[0]!.remoteClose(1006); // a 409 before the upgrade looks like this to a browser
    await vi.advanceTimersByTimeAsync(100);
    expect(states.at(-1)).toEqual({ kind: "exited", exitCode: 130 });
    expect(sockets).toHaveLength(1);
  });

  it("retries when no hello arrives, and when pings go unanswered", async () => {
    const { sockets, states } = start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "no answer within 1 s" });
    expect(sockets[0]!.closedWith).toEqual([1000, "reconnecting"]);
    await vi.advanceTimersByTimeAsync(100);
    const s = sockets[1]!;
    s.text(hello());
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.controls()).toEqual([{ type: "ping" }]);
    s.text({ type: "pong" });
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.controls()).toEqual([{ type: "ping" }, { type: "ping" }]);
    await vi.advanceTimersByTimeAsync(5000); // the second ping got no answer
    expect(states.at(-1)).toMatchObject({ kind: "reconnecting", reason: "no answer to ping" });
  });

  it("closes cleanly and stays closed", async () => {
    const { conn, sockets, states } = start();
    sockets[0]!.text(hello());
    conn.close();
    expect(sockets[0]!.closedWith).toEqual([1000, "pane closed"]);
    expect(states.at(-1)).toEqual({ kind: "closed" });
    conn.reconnectNow();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("reconnects at once on request, cancelling the wait", async () => {
    const { conn, sockets } = start();
    sockets[0]!.remoteClose(1006);
    conn.reconnectNow();
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
  });
});

describe("parseServerMsg", () => {
  it("accepts booterm's frames and nothing else", () => {
    expect(parseServerMsg(JSON.stringify(hello()))).toEqual(hello());
    expect(parseServerMsg('{"type":"exit","exit_code":null}')).toEqual({ type: "exit", exit_code: null });
    expect(parseServerMsg('{"type":"pong"}')).toEqual({ type: "pong" });
    expect(parseServerMsg('{"type":"hello"}')).toBeUndefined();
    expect(parseServerMsg('{"type":"delta"}')).toBeUndefined();
    expect(parseServerMsg("[1]")).toBeUndefined();
    expect(parseServerMsg("nope")).toBeUndefined();
  });
});

describe("closeReason and stateText", () => {
  it("explains closes", () => {
    expect(closeReason(1001, "")).toBe("booterm is stopping");
    expect(closeReason(1013, "detached")).toBe("the tmux client was detached");
    expect(closeReason(1011, "lost")).toBe("closed (1011: lost)");
    expect(closeReason(4000, "")).toBe("closed (4000)");
  });

  it("says what the pane shows", () => {
    const now = 10_000;
    expect(stateText({ kind: "connecting", attempt: 0 }, now)).toBe("connecting…");
    expect(stateText({ kind: "live", readonly: true }, now)).toBe("live");
    expect(stateText({ kind: "reconnecting", at: 12_100, reason: "x" }, now)).toBe("reconnecting in 3 s");
    expect(stateText({ kind: "reconnecting", at: 9_000, reason: "x" }, now)).toBe("reconnecting…");
    expect(stateText({ kind: "exited", exitCode: 0 }, now)).toBe("exited with code 0");
    expect(stateText({ kind: "exited", exitCode: null }, now)).toBe("exited");
    expect(stateText({ kind: "gone", reason: "x" }, now)).toBe("not found");
    expect(stateText({ kind: "closed" }, now)).toBe("disconnected");
  });
});
