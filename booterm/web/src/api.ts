// booterm's REST API and the terminal WebSocket URL, typed with the wire types generated
// from boo-shared. Every URL is relative to `base`: the page itself when booterm serves
// the page, or booterm's prefix (`/term/`) when another client hosts a <boo-term-pane>.

import type { CreateTerminal, Terminal, TerminalSnapshot } from "@boocode/types";
import { ApiClient, ApiError, apiPath } from "@boocode/common/api";
import { wsUrl, type LocationLike } from "@boocode/common/url";

const id = encodeURIComponent;

export const paths = {
  terminals: () => "terminals",
  terminal: (tid: string) => `terminals/${id(tid)}`,
  snapshot: (tid: string) => `terminals/${id(tid)}/snapshot`,
  socket: (tid: string) => `terminals/${id(tid)}/ws`,
} as const;

/** `limit`: the newest that many (by start; exited ones by end), still oldest first. */
export type ListFilter = { status?: "live" | "exited" | "all"; sessionId?: string; limit?: number };

export type SocketOptions = {
  readonly?: boolean;
  /** The size the terminal attaches at; left out when not known yet (both or neither). */
  size?: { cols: number; rows: number } | null;
};

/** Sizes the server accepts (`2..=1000` each). */
export const MIN_SIZE = 2;
export const MAX_SIZE = 1000;

/** `n` clamped into the server's size range. */
export function clampSize(n: number): number {
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.floor(n)));
}

/** `ws(s)://…/api/terminals/<id>/ws[?readonly=1&cols=&rows=]` below `base`. */
export function termSocketUrl(base: LocationLike, terminalId: string, options: SocketOptions = {}): string {
  const query: Record<string, string | number> = {};
  if (options.readonly === true) query["readonly"] = 1;
  if (options.size) {
    query["cols"] = clampSize(options.size.cols);
    query["rows"] = clampSize(options.size.rows);
  }
  return wsUrl(base, apiPath(paths.socket(terminalId), query));
}

/** What the REST API says about a terminal a socket could not reach. */
export type Probe = { kind: "live" } | { kind: "exited"; exitCode: number | null } | { kind: "missing"; message: string } | { kind: "unknown" };

export class TermApi extends ApiClient {
  /** Not paginated: booterm lists at most the terminals tmux runs (plus ended rows). */
  list = (filter: ListFilter = {}): Promise<Terminal[]> =>
    this.request("GET", paths.terminals(), { query: { status: filter.status, session_id: filter.sessionId, limit: filter.limit } });
  create = (body: CreateTerminal = {}): Promise<Terminal> => this.request("POST", paths.terminals(), { body });
  get = (terminalId: string): Promise<Terminal> => this.request("GET", paths.terminal(terminalId));
  rename = (terminalId: string, title: string | null): Promise<Terminal> =>
    this.request("PATCH", paths.terminal(terminalId), { body: { title } });
  kill = (terminalId: string): Promise<void> => this.request("DELETE", paths.terminal(terminalId));
  snapshot = (terminalId: string, lines?: number): Promise<TerminalSnapshot> =>
    this.request("GET", paths.snapshot(terminalId), { query: { lines } });

  /** Whether reconnecting to `terminalId` makes sense; network trouble is `unknown`. */
  async probe(terminalId: string): Promise<Probe> {
    try {
      const t = await this.get(terminalId);
      return t.status === "exited" ? { kind: "exited", exitCode: t.exit_code } : { kind: "live" };
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return { kind: "missing", message: err.message };
      return { kind: "unknown" };
    }
  }
}
