// URLs of boochat's API. Everything is relative to the page, because Caddy serves the
// client under `/` and the daemon also serves it on its own port.

import { appUrl, wsUrl, type LocationLike } from "@common/url";

export type Query = Readonly<Record<string, string | number | null | undefined>>;

/** `./api/<path>?<query>`, leaving out empty query values. */
export function apiPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return `./api/${path.replace(/^\/+/, "")}${search === "" ? "" : `?${search}`}`;
}

/** The absolute URL of an API path for `fetch`. */
export function apiUrl(location: LocationLike, path: string, query: Query = {}): string {
  return appUrl(location, apiPath(path, query));
}

/**
 * The session's WebSocket: `ws(s)://…/api/ws?session_id=…[&last_seq=…]`. `lastSeq` 0 (or
 * absent) means "live only": the caller then refetches over REST.
 */
export function sessionSocketUrl(location: LocationLike, sessionId: string, lastSeq?: number): string {
  const query: Record<string, string | number> = { session_id: sessionId };
  if (lastSeq !== undefined && lastSeq > 0) query["last_seq"] = lastSeq;
  return wsUrl(location, apiPath("ws", query));
}

/** `chats/<id>/messages` and friends, with the id escaped. */
export const paths = {
  projects: () => "projects",
  sessions: () => "sessions",
  session: (id: string) => `sessions/${encodeURIComponent(id)}`,
  sessionChats: (id: string) => `sessions/${encodeURIComponent(id)}/chats`,
  chat: (id: string) => `chats/${encodeURIComponent(id)}`,
  fork: (id: string) => `chats/${encodeURIComponent(id)}/fork`,
  messages: (id: string) => `chats/${encodeURIComponent(id)}/messages`,
  stop: (id: string) => `chats/${encodeURIComponent(id)}/stop`,
  answers: (id: string) => `chats/${encodeURIComponent(id)}/answers`,
  models: () => "models",
  agents: () => "agents",
} as const;
