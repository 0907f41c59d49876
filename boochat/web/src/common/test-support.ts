// Fakes for unit tests of the status clients (used by all three web packages).
// Dependency-free on purpose: it is compiled from the other packages too.

import type { FetchLike } from "./http";
import type { SocketLike } from "./socket";
import type { StatusDeps, StatusField } from "./status";

export type FakeRoute = { status: number; body: string } | { error: Error };

/** A `fetch` that answers from a table keyed by absolute URL and records what was asked. */
export function fakeFetch(routes: Record<string, FakeRoute>): FetchLike & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (url: string) => {
    calls.push(url);
    const route = routes[url];
    if (route === undefined) throw new TypeError(`no fake route for ${url}`);
    if ("error" in route) throw route.error;
    return { status: route.status, text: async () => route.body };
  };
  return Object.assign(fn, { calls });
}

export class FakeSocket implements SocketLike {
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

/** Collects the latest text of every status field. */
export function recordingSink(): { sink: (field: StatusField, text: string) => void; fields: Partial<Record<StatusField, string>> } {
  const fields: Partial<Record<StatusField, string>> = {};
  return { fields, sink: (field, text) => void (fields[field] = text) };
}

export type FakeDeps = StatusDeps & { sockets: FakeSocket[] };

export function fakeDeps(href: string, routes: Record<string, FakeRoute>): FakeDeps {
  const { open, sockets } = fakeSockets();
  return { location: { href }, fetch: fakeFetch(routes), openSocket: open, sockets };
}
