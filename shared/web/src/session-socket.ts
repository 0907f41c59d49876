// The session's WebSocket, kept open: reconnects by itself with backoff and passes the
// highest `seq` seen so the daemon replays what was missed. A socket the daemon closes
// with CLOSE_NO_SUCH_SESSION (4404: the session does not exist, e.g. deleted) is final:
// the state becomes `gone` and nothing reconnects.

import { CLOSE_NO_SUCH_SESSION, type Envelope } from "@boocode/types";

/** The slice of the browser `WebSocket` used here, so tests can pass a fake. */
export interface WsLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

/** `gone`: the daemon has no such session (close code 4404); final, like `closed`. */
export type ConnState = "connecting" | "connected" | "reconnecting" | "closed" | "gone";

/** What the panes and the shell show for each state. */
export const CONN_TEXT: Readonly<Record<ConnState, string>> = {
  connecting: "connecting…",
  connected: "live",
  reconnecting: "reconnecting…",
  closed: "offline",
  gone: "session gone",
};

export type Timers = {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

export type SessionSocketOptions = {
  /** The URL to (re)connect to; called at every attempt so it carries the latest `last_seq`. */
  url: () => string;
  open: (url: string) => WsLike;
  onEnvelope: (env: Envelope) => void;
  /** Called with `connected` once the hello arrives (after every reconnect too). */
  onState: (state: ConnState, detail?: string) => void;
  timers?: Timers;
  /** First retry delay; doubles up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  helloTimeoutMs?: number;
};

export type SessionSocket = {
  close(): void;
  /** Drop the current connection (if any) and connect again at once. */
  reconnect(): void;
};

/** Parses a text frame into an envelope; `undefined` for anything malformed. */
export function parseEnvelope(data: unknown): Envelope | undefined {
  if (typeof data !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { type, seq } = value as Record<string, unknown>;
  if (typeof type !== "string" || type === "") return undefined;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return value as Envelope;
}

/** Delay before retry number `attempt` (0-based): base·2^attempt, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
}

export function openSessionSocket(options: SessionSocketOptions): SessionSocket {
  const timers: Timers = options.timers ?? {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const helloTimeout = options.helloTimeoutMs ?? 10_000;
  let socket: WsLike | undefined;
  let retry: unknown;
  let helloTimer: unknown;
  let attempt = 0;
  let closed = false;

  const detach = (): void => {
    if (helloTimer !== undefined) timers.clearTimeout(helloTimer);
    helloTimer = undefined;
    if (socket === undefined) return;
    const s = socket;
    socket = undefined;
    s.onmessage = null;
    s.onerror = null;
    s.onclose = null;
    s.close(1000, "reconnecting");
  };

  const scheduleRetry = (detail: string): void => {
    detach();
    if (closed) return;
    const delay = backoffDelay(attempt, base, max);
    attempt += 1;
    options.onState("reconnecting", `${detail}; retrying in ${Math.round(delay / 100) / 10} s`);
    retry = timers.setTimeout(() => {
      retry = undefined;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (closed) return;
    options.onState(attempt === 0 ? "connecting" : "reconnecting");
    let s: WsLike;
    try {
      s = options.open(options.url());
    } catch (err) {
      scheduleRetry(err instanceof Error ? err.message : String(err));
      return;
    }
    socket = s;
    let greeted = false;
    helloTimer = timers.setTimeout(() => scheduleRetry(`no hello within ${helloTimeout} ms`), helloTimeout);
    s.onmessage = (event) => {
      const env = parseEnvelope(event.data);
      if (env === undefined) return;
      if (!greeted) {
        if (env.type !== "hello") return;
        greeted = true;
        attempt = 0;
        if (helloTimer !== undefined) timers.clearTimeout(helloTimer);
        helloTimer = undefined;
        options.onState("connected");
      }
      options.onEnvelope(env);
    };
    s.onerror = () => scheduleRetry("connection error");
    s.onclose = (event) => {
      if (event.code === CLOSE_NO_SUCH_SESSION) gone(event.reason === "" ? "no such session" : event.reason);
      else scheduleRetry(`closed (${event.code}${event.reason === "" ? "" : ` ${event.reason}`})`);
    };
  };

  /** The daemon has no such session: stop for good. */
  const gone = (reason: string): void => {
    detach();
    closed = true;
    options.onState("gone", reason);
  };

  connect();

  return {
    close() {
      closed = true;
      if (retry !== undefined) timers.clearTimeout(retry);
      retry = undefined;
      if (helloTimer !== undefined) timers.clearTimeout(helloTimer);
      helloTimer = undefined;
      if (socket !== undefined) {
        const s = socket;
        socket = undefined;
        s.onmessage = null;
        s.onerror = null;
        s.onclose = null;
        s.close(1000, "page closed");
      }
      options.onState("closed");
    },
    reconnect() {
      if (closed) return;
      if (retry !== undefined) timers.clearTimeout(retry);
      retry = undefined;
      detach();
      attempt = 0;
      connect();
    },
  };
}

/** A real browser WebSocket behind {@link WsLike}. */
export function browserWs(url: string): WsLike {
  const ws = new WebSocket(url);
  const s: WsLike = { onmessage: null, onerror: null, onclose: null, close: (code, reason) => ws.close(code, reason) };
  ws.onmessage = (event) => s.onmessage?.({ data: event.data });
  ws.onerror = () => s.onerror?.();
  ws.onclose = (event) => s.onclose?.({ code: event.code, reason: event.reason });
  return s;
}
