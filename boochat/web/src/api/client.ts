// boochat's REST API, typed with the wire types generated from boo-shared.

import type {
  AgentsInfo,
  Chat,
  CreateChat,
  CreateProject,
  CreateSession,
  MessageAccepted,
  MessageWindow,
  ModelsInfo,
  Page,
  Project,
  Session,
  Status,
  StopResult,
  UpdateChat,
  UpdateSession,
} from "@boo-types";
import type { LocationLike } from "@common/url";
import { apiUrl, paths, type Query } from "./urls";

/** A failed request: the daemon's `{error, code}` body, or a network/timeout failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type FetchFn = (url: string, init: RequestInit) => Promise<{ status: number; text(): Promise<string> }>;

export const REQUEST_TIMEOUT_MS = 15_000;

/** Most items fetched for one list (pages are followed up to this). */
export const LIST_CAP = 1000;

export class Api {
  constructor(
    private readonly location: LocationLike,
    private readonly fetchFn: FetchFn = (url, init) => fetch(url, init),
  ) {}

  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = apiUrl(this.location, path, options.query);
    const init: RequestInit = {
      method,
      credentials: "same-origin",
      headers: { accept: "application/json", ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    let response: { status: number; text(): Promise<string> };
    try {
      response = await this.fetchFn(url, init);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new ApiError(0, timedOut ? "timeout" : "network", timedOut ? `${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `${method} ${path}: network error`);
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
    throw new ApiError(response.status, code, message);
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

  projects = (): Promise<Project[]> => this.all<Project>(paths.projects());
  createProject = (body: CreateProject): Promise<Project> => this.request("POST", paths.projects(), { body });

  sessions = (projectId: string, status: Status): Promise<Session[]> =>
    this.all<Session>(paths.sessions(), { project_id: projectId, status });
  session = (id: string): Promise<Session> => this.request("GET", paths.session(id));
  createSession = (body: CreateSession): Promise<Session> => this.request("POST", paths.sessions(), { body });
  updateSession = (id: string, body: UpdateSession): Promise<Session> => this.request("PATCH", paths.session(id), { body });

  chats = (sessionId: string): Promise<Chat[]> => this.all<Chat>(paths.sessionChats(sessionId));
  createChat = (sessionId: string, body: CreateChat = {}): Promise<Chat> =>
    this.request("POST", paths.sessionChats(sessionId), { body });
  updateChat = (id: string, body: UpdateChat): Promise<Chat> => this.request("PATCH", paths.chat(id), { body });
  forkChat = (id: string, messageId?: string): Promise<Chat> =>
    this.request("POST", paths.fork(id), { body: messageId === undefined ? {} : { message_id: messageId } });

  messages = (chatId: string, before?: string, limit = 50): Promise<MessageWindow> =>
    this.request("GET", paths.messages(chatId), { query: { before, limit } });
  send = (chatId: string, content: string): Promise<MessageAccepted> =>
    this.request("POST", paths.messages(chatId), { body: { content } });
  stop = (chatId: string): Promise<StopResult> => this.request("POST", paths.stop(chatId));
  answer = (chatId: string, callId: string, answer: string): Promise<void> =>
    this.request("POST", paths.answers(chatId), { body: { call_id: callId, answer } });

  models = (): Promise<ModelsInfo> => this.request("GET", paths.models());
  agents = (): Promise<AgentsInfo> => this.request("GET", paths.agents());
}
