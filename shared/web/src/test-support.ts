// Fakes for unit tests (used by the boochat and boocoder web packages).
// Dependency-free on purpose: it is compiled from the other packages too.

import type { WsLike } from "./session-socket";

/** A WebSocket the test drives: deliver messages, fail, close from the far end. */
export class FakeSocket implements WsLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(readonly url: string) {}

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  message(data: unknown): void {
    this.onmessage?.({ data });
  }
  error(): void {
    this.onerror?.();
  }
  remoteClose(code = 1006, reason = ""): void {
    this.onclose?.({ code, reason });
  }
}

/** A socket factory that keeps every socket it opened. */
export function fakeSockets(): { open: (url: string) => FakeSocket; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    open: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
  };
}
