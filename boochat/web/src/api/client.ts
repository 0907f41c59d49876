// boochat's REST API, typed with the wire types generated from boo-shared.

import type {
  AgentsInfo,
  BranchSet,
  ChatExport,
  Page,
  SearchHit,
  Chat,
  CreateChat,
  CreateProject,
  CreateSession,
  Inbox,
  Message,
  McpInfo,
  MessageAccepted,
  MessageWindow,
  ModelsInfo,
  NewAttachment,
  Project,
  Session,
  SessionChange,
  SessionClosed,
  SettingsInfo,
  SettingsPatch,
  Status,
  StopResult,
  TagList,
  UpdateChat,
  UpdateSession,
  WorkspaceConflict,
  WorkspaceState,
  WorkspaceWrite,
} from "@boocode/types";
import { ApiClient, ApiError, apiUrl } from "@boocode/common/api";
import { paths } from "./urls";

export { ApiError } from "@boocode/common/api";

/** A save's outcome: the stored layout, or (409) the layout to rebase on (the conflict's `current`). */
export type WorkspaceSaved = { ok: true; state: WorkspaceState } | { ok: false; conflict: WorkspaceState };

export class Api extends ApiClient {
  projects = (): Promise<Project[]> => this.all<Project>(paths.projects());
  createProject = (body: CreateProject): Promise<Project> => this.request("POST", paths.projects(), { body });

  /** A project's sessions of `status`; with `tag`, only those carrying it. */
  sessions = (projectId: string, status: Status, tag?: string | null): Promise<Session[]> =>
    this.all<Session>(paths.sessions(), { project_id: projectId, status, tag });
  /** The session tags in use, with how many sessions carry each. */
  tags = (): Promise<TagList> => this.request("GET", paths.tags(), { query: { status: "open" } });
  session = (id: string): Promise<Session> => this.request("GET", paths.session(id));
  createSession = (body: CreateSession): Promise<Session> => this.request("POST", paths.sessions(), { body });
  /** The session as stored and, when the change archived it, what the archive closed. */
  updateSession = (id: string, body: UpdateSession): Promise<SessionChange> => this.request("PATCH", paths.session(id), { body });
  /** Refused with 409 `worktree_at_risk` (report in `details.worktrees`) or 503 unless `force`. */
  deleteSession = (id: string, force: boolean): Promise<SessionClosed> =>
    this.request("DELETE", paths.session(id), { query: { force: force ? "true" : undefined } });

  chats = (sessionId: string): Promise<Chat[]> => this.all<Chat>(paths.sessionChats(sessionId));
  createChat = (sessionId: string, body: CreateChat = {}): Promise<Chat> =>
    this.request("POST", paths.sessionChats(sessionId), { body });
  updateChat = (id: string, body: UpdateChat): Promise<Chat> => this.request("PATCH", paths.chat(id), { body });
  forkChat = (id: string, messageId?: string): Promise<Chat> =>
    this.request("POST", paths.fork(id), { body: messageId === undefined ? {} : { message_id: messageId } });

  messages = (chatId: string, before?: string, limit = 50): Promise<MessageWindow> =>
    this.request("GET", paths.messages(chatId), { query: { before, limit } });
  send = (chatId: string, content: string, attachments: readonly NewAttachment[] = []): Promise<MessageAccepted> =>
    this.request("POST", paths.messages(chatId), {
      body: attachments.length === 0 ? { content } : { content, attachments },
      // Images take a while to upload.
      timeoutMs: attachments.length === 0 ? undefined : 120_000,
    });
  /** Where a message's attachment is served (image previews, file links). */
  attachmentUrl = (messageId: string, ordinal: number): string => apiUrl(this.location, paths.attachment(messageId, ordinal));
  stop = (chatId: string): Promise<StopResult> => this.request("POST", paths.stop(chatId));
  /** Compacts the chat's older turns into a summary (`/compact`); the summary row. */
  compact = (chatId: string): Promise<Message> => this.request("POST", paths.compact(chatId));
  answer = (chatId: string, callId: string, answer: string): Promise<void> =>
    this.request("POST", paths.answers(chatId), { body: { call_id: callId, answer } });

  /** A new answer beside the assistant message `messageId` (409 `chat_busy` while generating). */
  regenerate = (chatId: string, messageId: string): Promise<MessageAccepted> =>
    this.request("POST", paths.message(chatId, messageId, "regenerate"));
  /** A new version of the user message `messageId`, answered anew. */
  editMessage = (chatId: string, messageId: string, content: string): Promise<MessageAccepted> =>
    this.request("POST", paths.message(chatId, messageId, "edit"), { body: { content } });
  /** Make the branch through `messageId` the active one. */
  setBranch = (chatId: string, messageId: string): Promise<BranchSet> =>
    this.request("PUT", paths.branch(chatId), { body: { message_id: messageId } });
  /** `GET …/search`: a page of hits, best first. */
  search = (q: string, limit = 20, cursor?: string): Promise<Page<SearchHit>> =>
    this.request("GET", paths.search(), { query: { q, limit, cursor } });
  /** Where the chat's active branch downloads as Markdown or as the JSON document. */
  exportUrl = (chatId: string, format: "md" | "json"): string => `${apiUrl(this.location, paths.exportChat(chatId))}?format=${format}`;
  /** A new chat in the session from an exported document. */
  importChat = (sessionId: string, doc: ChatExport): Promise<Chat> => this.request("POST", paths.importChat(sessionId), { body: doc });

  /** `GET …/sessions/{id}/workspace`: the stored layout (version 0 = never saved). */
  workspace = (sessionId: string): Promise<WorkspaceState> => this.request("GET", `${paths.session(sessionId)}/workspace`);

  /**
   * `PATCH …/sessions/{id}/workspace`: the stored layout, or the layout to rebase on: on a
   * 409 (the change was based on an old version), and on a 400 (the layout names a tab
   * that is gone, e.g. a chat deleted meanwhile: the stored layout comes back pruned, and
   * the sync re-applies its changes to it, giving up after a few rounds).
   */
  async saveWorkspace(sessionId: string, body: WorkspaceWrite): Promise<WorkspaceSaved> {
    // A save may be the last thing a closing page does (pagehide): let it outlive the page.
    // Browsers cap keepalive bodies at 64 KiB; a layout is far smaller, but never risk it.
    const keepalive = JSON.stringify(body).length < 60_000;
    try {
      const state = await this.request<WorkspaceState>("PATCH", `${paths.session(sessionId)}/workspace`, { body, keepalive });
      return { ok: true, state };
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 409 && err.status !== 400)) throw err;
      const conflict = err.status === 409 ? (err.body as Partial<WorkspaceConflict> | undefined)?.current : undefined;
      return { ok: false, conflict: conflict ?? (await this.workspace(sessionId)) };
    }
  }

  models = (): Promise<ModelsInfo> => this.request("GET", paths.models());
  agents = (): Promise<AgentsInfo> => this.request("GET", paths.agents());
  mcp = (): Promise<McpInfo> => this.request("GET", paths.mcp());
  /** Everything waiting on the owner across open sessions, newest first. */
  inbox = (): Promise<Inbox> => this.request("GET", paths.inbox());
  /** The owner's settings with defaults applied, and which keys are set. */
  settings = (): Promise<SettingsInfo> => this.request("GET", paths.settings());
  /** Sets (value) or resets (`null`) keys; a 400 names the refused key in `details.key`. */
  updateSettings = (body: SettingsPatch): Promise<SettingsInfo> => this.request("PATCH", paths.settings(), { body });
}
