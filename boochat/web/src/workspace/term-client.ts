// The few booterm calls the workspace makes (create and list the session's terminals),
// against booterm's prefix on the one origin (`./term/`). booterm's own client lives in
// booterm/web; the shell needs only this much of it.

import type { CreateTerminal, Terminal } from "@boocode/types";
import { ApiClient, ApiError, type FetchFn } from "@boocode/common/api";
import type { LocationLike } from "@boocode/common/url";

/** Most terminals (live first, then the newest exited) listed for a session. */
export const TERMINAL_LIST_LIMIT = 50;

export class TermClient extends ApiClient {
  /** `base` is booterm's URL, e.g. `{href: new URL("./term/", document.baseURI).href}`. */
  constructor(base: LocationLike, fetchFn?: FetchFn) {
    super(base, fetchFn);
  }

  list = (sessionId: string): Promise<Terminal[]> =>
    this.request("GET", "terminals", { query: { session_id: sessionId, status: "all", limit: TERMINAL_LIST_LIMIT } });

  get = (terminalId: string): Promise<Terminal> => this.request("GET", `terminals/${encodeURIComponent(terminalId)}`);

  /** A terminal in `cwd`; booterm refusing the directory (400) gets a second try in its default one. */
  async create(body: CreateTerminal): Promise<Terminal> {
    try {
      return await this.request<Terminal>("POST", "terminals", { body });
    } catch (err) {
      if (body.cwd === undefined || !(err instanceof ApiError) || err.status !== 400) throw err;
      const { cwd: _cwd, ...rest } = body;
      return this.request<Terminal>("POST", "terminals", { body: rest });
    }
  }

  /** Whether the terminal is still known to booterm; only a 404 says it is gone. */
  async exists(terminalId: string): Promise<boolean> {
    try {
      await this.get(terminalId);
      return true;
    } catch (err) {
      return !(err instanceof ApiError && err.status === 404);
    }
  }
}
