// One terminal's WebSocket, kept open: binary frames are terminal bytes both ways, text
// frames JSON control messages (`hello`, `exit`, `error`, `pong` from booterm; `resize`,
// `ack`, `ping` to it). Reconnects with backoff after daemon restarts (1001), lost tmux
// clients (1013) and network trouble; asks the REST API before each retry whether the
// terminal still exists; stops for good once its program exited. No DOM here: the pane
// passes output to xterm and tells this object when xterm has processed it.

import type { FlowWindow, TermClientMsg, TermServerMsg } from "@boocode/types";
import type { Timers } from "@boocode/common/session-socket";
import type { Probe } from "./api";
import { AckCounter, retryDelay } from "./flow";

/** The slice of the browser `WebSocket` used here (binary frames as ArrayBuffer), so tests can pass a fake. */
export interface TermSocket {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type Hello = Extract<TermServerMsg, { type: "hello" }>;

export type ConnState =
  | { kind: "idle" }
  | { kind: "connecting"; attempt: number }
  | { kind: "live"; readonly: boolean }
  /** Next attempt at `at` (ms since the epoch, from `now`). */
  | { kind: "reconnecting"; at: number; reason: string }
  | { kind: "exited"; exitCode: number | null }
  /** The terminal does not exist (any more): nothing to reconnect to. */
  | { kind: "gone"; reason: string }
  | { kind: "closed" };

export type TermConnectionOptions = {
  /** The socket URL; called at every attempt so it carries the latest size. */
  url: () => string;
  open: (url: string) => TermSocket;
  /** Asked before every retry; without it a retry just connects. */
  probe?: () => Promise<Probe>;
  /** Never send input (the server ignores it anyway for `?readonly=1`). */
  readonly?: boolean;
  /** The screen must be reset: the binary frames after this repaint it. */
  onHello: (hello: Hello) => void;
  /** Terminal output; call `done` once xterm has processed it (flow control). */
  onOutput: (bytes: Uint8Array, done: () => void) => void;
  onState: (state: ConnState) => void;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  helloTimeoutMs?: number;
  /** Owed acknowledgements are sent after this long without more output. */
  ackIdleMs?: number;
  /** A ping goes out this often; no answer by the next one means the connection is dead. */
  pingEveryMs?: number;
};

export const DEFAULTS = {
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  helloTimeoutMs: 10_000,
  ackIdleMs: 60,
  pingEveryMs: 25_000,
} as const;

/** The fallback when no hello said otherwise (booterm's own defaults). */
export const DEFAULT_FLOW: FlowWindow = { high: 1024 * 1024, low: 256 * 1024, ack_every: 64 * 1024 };

/** Why a socket closed, for people. */
export function closeReason(code: number, reason: string): string {
  switch (code) {
    case 1001:
      return "booterm is stopping";
    case 1006:
      return "connection lost";
    case 1013:
      return "the tmux client was detached";
    default:
      return reason === "" ? `closed (${code})` : `closed (${code}: ${reason})`;
  }
}

/** A text frame from booterm, or `undefined` when it is not one this client knows. */
export function parseServerMsg(data: string): TermServerMsg | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const msg = value as { type?: unknown };
  switch (msg.type) {
    case "hello": {
      const hello = value as Partial<Hello>;
      return typeof hello.terminal === "object" && hello.terminal !== null && typeof hello.flow === "object" && hello.flow !== null
        ? (value as Hello)
        : undefined;
    }
    case "exit":
    case "error":
    case "pong":
      return value as TermServerMsg;
    default:
      return undefined;
  }
}

/** Binary frame data as bytes (`undefined` for text). */
function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TermConnection {
  private readonly timers: Timers;
  private readonly now: () => number;
  private current: ConnState = { kind: "idle" };
  private socket: TermSocket | undefined;
  /** Bumped whenever a socket is dropped: late callbacks of an older one are ignored. */
  private generation = 0;
  /** Bumped by close/reconnectNow: a probe in flight for an older epoch is ignored. */
  private epoch = 0;
  private attempt = 0;
  private greeted = false;
  private finished = false;
  private lastError: { code: string; message: string } | undefined;
  private acks: AckCounter | undefined;
  private size: { cols: number; rows: number } | undefined;
  private awaitingPong = false;
  private helloTimer: unknown;
  private retryTimer: unknown;
  private ackTimer: unknown;
  private pingTimer: unknown;

  constructor(private readonly opts: TermConnectionOptions) {
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? (() => Date.now());
  }

  get state(): ConnState {
    return this.current;
  }

  /** Connect (once; later calls do nothing). */
  start(): void {
    if (this.current.kind === "idle") this.connect();
  }

  /** Keystrokes or pasted text as UTF-8 bytes. `false` when they could not be sent. */
  input(bytes: Uint8Array): boolean {
    if (this.opts.readonly === true || !this.greeted || bytes.length === 0) return false;
    return this.send(bytes);
  }

  /** The terminal's size; sent now when live, else with the next hello. */
  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.greeted) this.sendMsg({ type: "resize", cols, rows });
  }

  /** Give up waiting: connect again now (no-op once closed, exited or gone). */
  reconnectNow(): void {
    if (this.finished) return;
    this.epoch += 1;
    this.clear("retryTimer");
    this.detach();
    this.attempt = 0;
    this.connect();
  }

  /** Close for good (the pane went away). */
  close(): void {
    if (this.current.kind === "closed") return;
    this.epoch += 1;
    this.clear("retryTimer");
    this.detach("pane closed");
    this.finish({ kind: "closed" });
  }

  private setState(state: ConnState): void {
    this.current = state;
    this.opts.onState(state);
  }

  private finish(state: ConnState): void {
    this.finished = true;
    this.clear("retryTimer");
    this.detach(state.kind);
    this.setState(state);
  }

  private clear(name: "helloTimer" | "retryTimer" | "ackTimer" | "pingTimer"): void {
    if (this[name] !== undefined) this.timers.clearTimeout(this[name]);
    this[name] = undefined;
  }

  private connect(): void {
    if (this.finished) return;
    this.setState({ kind: "connecting", attempt: this.attempt });
    let socket: TermSocket;
    try {
      socket = this.opts.open(this.opts.url());
    } catch (err) {
      this.retry(err instanceof Error ? err.message : String(err));
      return;
    }
    this.generation += 1;
    const gen = this.generation;
    this.socket = socket;
    this.greeted = false;
    this.lastError = undefined;
    const helloMs = this.opts.helloTimeoutMs ?? DEFAULTS.helloTimeoutMs;
    this.helloTimer = this.timers.setTimeout(() => {
      this.helloTimer = undefined;
      this.retry(`no answer within ${helloMs / 1000} s`);
    }, helloMs);
    socket.onmessage = (event) => {
      if (gen === this.generation) this.received(gen, event.data);
    };
    // A close event always follows an error; it decides what happens next.
    socket.onerror = () => {};
    socket.onclose = (event) => {
      if (gen === this.generation) this.closed(event.code, event.reason);
    };
  }

  /** Drop the socket (if any) and its timers; its late events are ignored from now on. */
  private detach(reason = "reconnecting"): void {
    this.generation += 1;
    this.clear("helloTimer");
    this.clear("ackTimer");
    this.clear("pingTimer");
    this.greeted = false;
    this.acks = undefined;
    this.awaitingPong = false;
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.onmessage = null;
    socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(1000, reason);
    } catch {
      // Already closing.
    }
  }

  private received(gen: number, data: unknown): void {
    this.awaitingPong = false;
    if (typeof data !== "string") {
      const bytes = bytesOf(data);
      if (bytes === undefined || !this.greeted) return;
      this.opts.onOutput(bytes, () => this.processed(gen, bytes.length));
      return;
    }
    const msg = parseServerMsg(data);
    switch (msg?.type) {
      case "hello":
        this.clear("helloTimer");
        this.greeted = true;
        this.attempt = 0;
        this.acks = new AckCounter(msg.flow.ack_every ?? DEFAULT_FLOW.ack_every);
        this.opts.onHello(msg);
        // onHello may have sized the terminal (resize) already; sending twice is harmless.
        if (this.size !== undefined) this.sendMsg({ type: "resize", ...this.size });
        this.setState({ kind: "live", readonly: msg.readonly });
        this.schedulePing(gen);
        return;
      case "exit":
        this.finish({ kind: "exited", exitCode: msg.exit_code ?? null });
        return;
      case "error":
        this.lastError = { code: msg.code, message: msg.message };
        return;
      default:
        return; // pong, or something newer than this client
    }
  }

  /** xterm processed `bytes` of socket `gen`'s output. */
  private processed(gen: number, bytes: number): void {
    if (gen !== this.generation || this.acks === undefined) return;
    const due = this.acks.processed(bytes);
    if (due !== null) {
      this.clear("ackTimer");
      this.sendMsg({ type: "ack", bytes: due });
      return;
    }
    if (this.ackTimer !== undefined) return;
    this.ackTimer = this.timers.setTimeout(() => {
      this.ackTimer = undefined;
      if (gen !== this.generation) return;
      const owed = this.acks?.flush() ?? null;
      if (owed !== null) this.sendMsg({ type: "ack", bytes: owed });
    }, this.opts.ackIdleMs ?? DEFAULTS.ackIdleMs);
  }

  private schedulePing(gen: number): void {
    this.pingTimer = this.timers.setTimeout(() => {
      this.pingTimer = undefined;
      if (gen !== this.generation) return;
      if (this.awaitingPong) {
        this.retry("no answer to ping");
        return;
      }
      this.awaitingPong = true;
      this.sendMsg({ type: "ping" });
      this.schedulePing(gen);
    }, this.opts.pingEveryMs ?? DEFAULTS.pingEveryMs);
  }

  private closed(code: number, reason: string): void {
    const error = this.lastError;
    this.detach();
    if (error?.code === "not_found" || error?.code === "terminal_exited") {
      if (this.opts.probe !== undefined) {
        this.retry(error.message, true);
      } else if (error.code === "not_found") {
        this.finish({ kind: "gone", reason: error.message });
      } else {
        this.finish({ kind: "exited", exitCode: null });
      }
      return;
    }
    const why = closeReason(code, reason);
    this.retry(error === undefined || code === 1001 ? why : `${why}: ${error.message}`);
  }

  /** Wait (backoff, or not at all when `now`), ask the API, then connect again. */
  private retry(reason: string, now = false): void {
    this.detach();
    if (this.finished) return;
    const delay = now
      ? 0
      : retryDelay(this.attempt, this.opts.baseDelayMs ?? DEFAULTS.baseDelayMs, this.opts.maxDelayMs ?? DEFAULTS.maxDelayMs, this.opts.random);
    this.attempt += 1;
    this.setState({ kind: "reconnecting", at: this.now() + delay, reason });
    this.clear("retryTimer");
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.probeThenConnect();
    }, delay);
  }

  private async probeThenConnect(): Promise<void> {
    const probe = this.opts.probe;
    if (probe === undefined) {
      this.connect();
      return;
    }
    const epoch = this.epoch;
    let answer: Probe;
    try {
      answer = await probe();
    } catch {
      answer = { kind: "unknown" };
    }
    if (epoch !== this.epoch || this.finished) return;
    switch (answer.kind) {
      case "missing":
        this.finish({ kind: "gone", reason: answer.message });
        return;
      case "exited":
        this.finish({ kind: "exited", exitCode: answer.exitCode });
        return;
      default:
        this.connect();
    }
  }

  private sendMsg(msg: TermClientMsg): void {
    this.send(JSON.stringify(msg));
  }

  private send(data: string | Uint8Array): boolean {
    if (this.socket === undefined) return false;
    try {
      this.socket.send(data);
      return true;
    } catch {
      return false;
    }
  }
}

/** A real browser WebSocket behind {@link TermSocket}, binary frames as ArrayBuffer. */
export function browserTermSocket(url: string): TermSocket {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const socket: TermSocket = {
    onmessage: null,
    onerror: null,
    onclose: null,
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
  ws.onmessage = (event) => socket.onmessage?.({ data: event.data });
  ws.onerror = () => socket.onerror?.();
  ws.onclose = (event) => socket.onclose?.({ code: event.code, reason: event.reason });
  return socket;
}

/** What the pane's status shows for `state`. */
export function stateText(state: ConnState, now: number): string {
  switch (state.kind) {
    case "idle":
    case "connecting":
      return "connecting…";
    case "live":
      return "live";
    case "reconnecting": {
      const seconds = Math.ceil((state.at - now) / 1000);
      return seconds <= 0 ? "reconnecting…" : `reconnecting in ${seconds} s`;
    }
    case "exited":
      return state.exitCode === null ? "exited" : `exited with code ${state.exitCode}`;
    case "gone":
      return "not found";
    case "closed":
      return "disconnected";
  }
}
