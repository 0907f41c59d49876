// A daemon's REST API from the browser: relative URLs (Caddy serves each client under a
// prefix it strips), JSON in and out, `{error, code}` bodies turned into ApiError, and
// cursor pages followed. Each client adds its own endpoints on top of ApiClient.

import type { Page } from "@boocode/types";
import { appUrl, wsUrl, type LocationLike } from "./url";

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

/** A failed request: the daemon's `{error, code}` body, or a network/timeout failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole error body, for errors that carry more than `{error, code}` (a 409's `current`). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The text of any error, an ApiError's own message included. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type FetchFn = (url: string, init: RequestInit) => Promise<{ status: number; text(): Promise<string> }>;

export const REQUEST_TIMEOUT_MS = 15_000;

/** Most items fetched for one list (pages are followed up to this). */
export const LIST_CAP = 1000;

/** `keepalive`: the request may outlive the page (a save on `pagehide`). */
export type RequestOptions = { query?: Query; body?: unknown; timeoutMs?: number; keepalive?: boolean };

export class ApiClient {
  constructor(
    protected readonly location: LocationLike,
    private readonly fetchFn: FetchFn = (url, init) => fetch(url, init),
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = apiUrl(this.location, path, options.query);
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const init: RequestInit = {
      method,
      credentials: "same-origin",
      headers: { accept: "application/json", ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      signal: AbortSignal.timeout(timeoutMs),
    };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.keepalive === true) init.keepalive = true;
    let response: { status: number; text(): Promise<string> };
    try {
      response = await this.fetchFn(url, init);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new ApiError(0, timedOut ? "timeout" : "network", timedOut ? `${method} ${path}: no answer within ${timeoutMs / 1000} s` : `${method} ${path}: network error`);
    }
    const text = await response.text();
    let body: unknown = undefined;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (response.status >= 200 && response.status < 300) return body as T;
    const error = body as { error?: unknown; code?: unknown } | undefined;
    const message = typeof error?.error === "string" ? error.error : `HTTP ${response.status}`;
    const code = typeof error?.code === "string" ? error.code : `http_${response.status}`;
    throw new ApiError(response.status, code, message, body);
  }

  /** Every item of a cursor-paginated list, up to {@link LIST_CAP}. */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.request<Page<T>>("GET", path, { query: { ...query, limit: 200, cursor } });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null && items.length < LIST_CAP);
    return items;
  }
}
