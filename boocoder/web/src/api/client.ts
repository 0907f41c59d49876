// boocoder's REST API, typed with the wire types generated from boo-shared. Sessions and
// chats are boochat's (created there); boocoder only lists them.

import type {
  AgentSessionInfo,
  Chat,
  Checkpoint,
  CheckpointRestored,
  ElicitationAnswer,
  MessageWindow,
  PendingChange,
  PermissionAnswer,
  ProviderDiagnostic,
  ProviderEntry,
  ProvidersSnapshot,
  RestoreCheckpoint,
  ServerFrame,
  Session,
  SubmitTurn,
  TaskInfo,
  TurnAccepted,
} from "@boocode/types";
import { ApiClient } from "@boocode/common/api";

/** `POST /api/providers/refresh` probes every provider again: allow it time. */
export const REFRESH_TIMEOUT_MS = 120_000;

const id = encodeURIComponent;

export const paths = {
  sessions: () => "sessions",
  sessionChats: (sid: string) => `sessions/${id(sid)}/chats`,
  messages: (cid: string) => `chats/${id(cid)}/messages`,
  submit: (sid: string, cid: string) => `sessions/${id(sid)}/chats/${id(cid)}/messages`,
  tasks: (sid: string) => `sessions/${id(sid)}/tasks`,
  cancelTask: (tid: string) => `tasks/${id(tid)}/cancel`,
  agentSessions: (sid: string) => `sessions/${id(sid)}/agent-sessions`,
  pending: (sid: string) => `sessions/${id(sid)}/pending`,
  pendingAction: (pid: string, action: PendingAction) => `pending/${id(pid)}/${action}`,
  checkpoints: (sid: string) => `sessions/${id(sid)}/checkpoints`,
  restoreCheckpoint: (sid: string, n: number) => `sessions/${id(sid)}/checkpoints/${n}/restore`,
  requests: (sid: string) => `sessions/${id(sid)}/requests`,
  permission: (rid: string) => `permissions/${id(rid)}`,
  elicitation: (rid: string) => `elicitations/${id(rid)}`,
  snapshot: () => "providers/snapshot",
  refresh: () => "providers/refresh",
  provider: (pid: string) => `providers/${id(pid)}`,
  diagnostic: (pid: string) => `providers/${id(pid)}/diagnostic`,
} as const;

export type PendingAction = "approve" | "reject" | "revert";

export class CoderApi extends ApiClient {
  sessions = (): Promise<Session[]> => this.all<Session>(paths.sessions(), { status: "open" });
  chats = (sessionId: string): Promise<Chat[]> => this.all<Chat>(paths.sessionChats(sessionId));

  messages = (chatId: string, before?: string, limit = 50): Promise<MessageWindow> =>
    this.request("GET", paths.messages(chatId), { query: { before, limit } });
  submit = (sessionId: string, chatId: string, body: SubmitTurn): Promise<TurnAccepted> =>
    this.request("POST", paths.submit(sessionId, chatId), { body });

  tasks = (sessionId: string): Promise<TaskInfo[]> => this.request("GET", paths.tasks(sessionId));
  cancelTask = (taskId: string): Promise<{ cancelled: boolean }> => this.request("POST", paths.cancelTask(taskId));
  agentSessions = (sessionId: string): Promise<AgentSessionInfo[]> => this.request("GET", paths.agentSessions(sessionId));

  pending = (sessionId: string): Promise<PendingChange[]> => this.request("GET", paths.pending(sessionId));
  pendingAction = (changeId: string, action: PendingAction): Promise<PendingChange> =>
    this.request("POST", paths.pendingAction(changeId, action));

  /** The session's checkpoints, newest first. */
  checkpoints = (sessionId: string): Promise<Checkpoint[]> => this.request("GET", paths.checkpoints(sessionId));
  /** 409 `checkpoint_discards_later` (its body lists what would go) unless `discard_later`. */
  restoreCheckpoint = (sessionId: string, n: number, body: RestoreCheckpoint): Promise<CheckpointRestored> =>
    this.request("POST", paths.restoreCheckpoint(sessionId, n), { body });

  /** The permission / elicitation cards the session's agents still wait on, as frames. */
  openRequests = (sessionId: string): Promise<ServerFrame[]> => this.request("GET", paths.requests(sessionId));
  answerPermission = (requestId: string, body: PermissionAnswer): Promise<void> =>
    this.request("POST", paths.permission(requestId), { body });
  answerElicitation = (requestId: string, body: ElicitationAnswer): Promise<void> =>
    this.request("POST", paths.elicitation(requestId), { body });

  snapshot = (): Promise<ProvidersSnapshot> => this.request("GET", paths.snapshot());
  refresh = (): Promise<ProvidersSnapshot> => this.request("POST", paths.refresh(), { timeoutMs: REFRESH_TIMEOUT_MS });
  setEnabled = (providerId: string, enabled: boolean): Promise<ProviderEntry> =>
    this.request("PATCH", paths.provider(providerId), { body: { enabled } });
  diagnostic = (providerId: string): Promise<ProviderDiagnostic> => this.request("GET", paths.diagnostic(providerId));
}
