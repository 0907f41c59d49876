// A fake boocoder for unit tests: REST answers from a table (keyed "METHOD path", the
// path under /api/), every call recorded with its JSON body.

import type { FetchFn } from "@boocode/common/api";
import { CHAT, chat, SESSION, windowOf } from "@boocode/common/fixtures";
import type { FakeSocket } from "@boocode/common/test-support";
import { FAKE, provider, snapshot } from "./fixtures";

export type Answer = { status?: number; body?: unknown } | ((body: unknown) => { status?: number; body?: unknown });

export class FakeServer {
  calls: string[] = [];
  routes = new Map<string, Answer>();
  fetchFn: FetchFn = async (url, init) => {
    const u = new URL(url);
    const key = `${init.method} ${u.pathname.replace(/^.*?\/api\//, "")}`;
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    this.calls.push(body === undefined ? key : `${key} ${init.body as string}`);
    const route = this.routes.get(key);
    if (route === undefined) return { status: 404, text: async () => JSON.stringify({ error: `no route ${key}`, code: "not_found" }) };
    const a = typeof route === "function" ? route(body) : route;
    return { status: a.status ?? 200, text: async () => (a.body === undefined ? "" : JSON.stringify(a.body)) };
  };

  on(key: string, answer: Answer): this {
    this.routes.set(key, answer);
    return this;
  }
}

/** boocoder with one open session holding one empty chat, `fake` ready and `qwen` unavailable. */
export function coderServer(): FakeServer {
  return new FakeServer()
    .on("GET providers/snapshot", { body: snapshot(provider("qwen", { state: "unavailable" }), FAKE) })
    .on("GET sessions", { body: { items: [{ id: SESSION, project_id: "p1", title: "fix the bug", status: "open", tags: [], created_at: "", updated_at: "" }], next_cursor: null } })
    .on(`GET sessions/${SESSION}/chats`, { body: { items: [chat(CHAT)], next_cursor: null } })
    .on(`GET sessions/${SESSION}/tasks`, { body: [] })
    .on(`GET sessions/${SESSION}/agent-sessions`, { body: [] })
    .on(`GET sessions/${SESSION}/pending`, { body: [] })
    .on(`GET sessions/${SESSION}/requests`, { body: [] })
    .on(`GET sessions/${SESSION}/checkpoints`, { body: [] })
    .on(`GET chats/${CHAT}/messages`, { body: windowOf([]) });
}

/** The daemon's greeting, which the socket waits for before it counts as connected. */
export function hello(ws: FakeSocket | undefined): void {
  ws?.message(JSON.stringify({ type: "hello", seq: 0, daemon: "boocoder", version: "0.1.0" }));
}

/** Sends a frame over `ws` as boocoder would. */
export function frame(ws: FakeSocket | undefined, value: Record<string, unknown>): void {
  ws?.message(JSON.stringify(value));
}
