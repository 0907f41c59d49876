import { parseServerFrame } from "./frames";

/** The slice of the browser `WebSocket` this module uses, so tests can pass a fake. */
export interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

/** What `#ws` and `#ws-daemon` show. `ws` is `connecting`, `connected`, `closed` or `error[: reason]`. */
export type SocketView = { ws: string; wsDaemon: string };

export const HELLO_TIMEOUT_MS = 10_000;

export type WatchHelloOptions = {
  url: string;
  /** The daemon whose hello frame counts; a hello from any other daemon is an error. */
  daemon: string;
  open: SocketFactory;
  onChange: (view: SocketView) => void;
  helloTimeoutMs?: number;
};

/**
 * Opens the daemon's WebSocket and reports its state until the connection ends.
 * Terminal states (`closed`, `error…`) are final: later events are ignored.
 * Returns a function that closes the socket.
 */
export function watchHello(options: WatchHelloOptions): () => void {
  const { url, daemon, open, onChange } = options;
  let view: SocketView = { ws: "connecting", wsDaemon: "" };
  let settled = false; // reached a terminal state
  let connected = false;
  let socket: SocketLike | undefined;

  const set = (next: SocketView): void => {
    view = next;
    onChange(view);
  };
  const finish = (ws: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    set({ ws, wsDaemon: view.wsDaemon });
  };
  const fail = (reason: string): void => {
    finish(`error: ${reason}`);
    socket?.close(1000, "client error");
  };

  set(view);
  const timeoutMs = options.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
  const timer = setTimeout(() => fail(`no hello frame within ${timeoutMs} ms`), timeoutMs);

  try {
    socket = open(url);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
    return () => {};
  }

  socket.onmessage = (event) => {
    if (settled || connected) return;
    const parsed = parseServerFrame(event.data);
    switch (parsed.kind) {
      case "invalid":
        fail(`bad frame: ${parsed.error}`);
        return;
      case "unknown":
        fail(`expected a hello frame first, got "${parsed.type}"`);
        return;
      case "frame": {
        const hello = parsed.frame;
        if (hello.daemon !== daemon) {
          fail(`hello from ${hello.daemon}, expected ${daemon}`);
          return;
        }
        connected = true;
        clearTimeout(timer);
        set({ ws: "connected", wsDaemon: `${hello.daemon} ${hello.version}` });
        return;
      }
    }
  };
  socket.onerror = () => finish("error");
  socket.onclose = () => finish("closed");

  return () => {
    clearTimeout(timer);
    socket?.close(1000, "page closed");
  };
}

/** Opens a real browser WebSocket behind the {@link SocketLike} interface. */
export function browserSocket(url: string): SocketLike {
  const ws = new WebSocket(url);
  const socket: SocketLike = {
    onmessage: null,
    onerror: null,
    onclose: null,
    close: (code, reason) => ws.close(code, reason),
  };
  ws.onmessage = (event) => socket.onmessage?.({ data: event.data });
  ws.onerror = () => socket.onerror?.();
  ws.onclose = (event) => socket.onclose?.({ code: event.code, reason: event.reason });
  return socket;
}
