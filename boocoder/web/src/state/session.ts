// The coder state of the open session beyond its transcripts: tasks (turns), the
// agents' warm sessions, pending changes, and the permission/elicitation requests the
// agents are waiting on. `applyCoderFrame` is the reducer of boocoder's session frames;
// the transcripts themselves go through the shared feed (@boocode/common/feed).

import type { AgentSessionInfo, CommandInfo, Envelope, Message, PendingChange, PermissionChoice, TaskInfo, TaskStatus } from "@boocode/types";
import { applyChatFrame, type Transcript } from "@boocode/common/transcript";

export type PermissionRequest = {
  kind: "permission";
  requestId: string;
  chatId: string;
  taskId: string;
  agent: string;
  toolCall: unknown;
  options: readonly PermissionChoice[];
};

export type ElicitationRequest = {
  kind: "elicitation";
  requestId: string;
  chatId: string;
  taskId: string;
  agent: string;
  message: string;
  schema: Record<string, unknown>;
};

export type OpenRequest = PermissionRequest | ElicitationRequest;

export type CoderSession = {
  /** Newest first (by creation). */
  tasks: readonly TaskInfo[];
  /** `null` until loaded. */
  agentSessions: readonly AgentSessionInfo[] | null;
  /** Every status; `null` until loaded. */
  pending: readonly PendingChange[] | null;
  /** In the order they were asked. */
  requests: readonly OpenRequest[];
  /** Slash commands an agent advertised in a chat, by `chat/agent`. */
  commands: Readonly<Record<string, readonly CommandInfo[]>>;
};

export function emptyCoderSession(): CoderSession {
  return { tasks: [], agentSessions: null, pending: null, requests: [], commands: {} };
}

const ACTIVE: readonly TaskStatus[] = ["queued", "running"];

export function isActive(task: TaskInfo): boolean {
  return ACTIVE.includes(task.status);
}

function newestFirst(a: TaskInfo, b: TaskInfo): number {
  return a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1;
}

/** Insert or replace a task (a later status never goes back to queued/running). */
export function upsertTask(s: CoderSession, task: TaskInfo): CoderSession {
  const i = s.tasks.findIndex((t) => t.id === task.id);
  if (i >= 0) {
    const known = s.tasks[i] as TaskInfo;
    if (!isActive(known) && isActive(task)) return s;
    const tasks = [...s.tasks];
    tasks[i] = task;
    return { ...s, tasks };
  }
  return { ...s, tasks: [...s.tasks, task].sort(newestFirst) };
}

export function setTasks(s: CoderSession, tasks: readonly TaskInfo[]): CoderSession {
  // A frame may have said more about a task than the list (fetched before it) knows.
  let next: CoderSession = { ...s, tasks: [...tasks].sort(newestFirst) };
  for (const t of s.tasks) {
    const listed = tasks.find((x) => x.id === t.id);
    if (listed === undefined ? isActive(t) : isActive(listed) && !isActive(t)) next = upsertTask(next, t);
  }
  return next;
}

/** A turn just accepted (202): known as queued until its first task frame. */
export function acceptedTask(id: string, sessionId: string, chatId: string, agent: string, mode: string | null, model: string | null, now: string): TaskInfo {
  return {
    id,
    session_id: sessionId,
    chat_id: chatId,
    agent,
    mode_id: mode,
    model,
    status: "queued",
    error: null,
    output_summary: null,
    created_at: now,
    started_at: null,
    finished_at: null,
  };
}

/** The chat's tasks that have not finished, oldest first. */
export function activeTasks(s: CoderSession, chatId: string): TaskInfo[] {
  return s.tasks.filter((t) => t.chat_id === chatId && isActive(t)).reverse();
}

/** What Stop cancels: the chat's running task, else its oldest queued one. */
export function stoppableTask(s: CoderSession, chatId: string): TaskInfo | undefined {
  const active = activeTasks(s, chatId);
  return active.find((t) => t.status === "running") ?? active[0];
}

/**
 * The chat's newest task when it failed or is blocked without an assistant message to
 * say so (it failed before the agent answered: no worktree, no agent, a bad provider).
 */
export function silentFailure(s: CoderSession, chatId: string | null, messages: readonly Message[]): TaskInfo | undefined {
  const newest = s.tasks.find((t) => t.chat_id === chatId);
  if (newest === undefined || (newest.status !== "failed" && newest.status !== "blocked")) return undefined;
  const since = Date.parse(newest.created_at);
  const answered = messages.some((m) => m.role === "assistant" && Date.parse(m.created_at) >= since);
  return answered ? undefined : newest;
}

export type ChipKind = "resumed" | "loaded" | "history" | "reattached" | "new";

/**
 * The composer chip: `resumed` while the agent's session in this chat lives on (its
 * next turn continues it), `loaded` / `history` when that session was rebuilt after a
 * restart or eviction by `session/load` / from the chat's transcript (as the row's
 * `start_kind` records), `reattached` when its opencode server restarted and still had
 * it, `new` when there is none to continue (never ran here,
 * closed, or evicted/crashed without a recorded rebuild).
 */
export function sessionChip(sessions: readonly AgentSessionInfo[] | null, chatId: string | null, agent: string | null): { kind: ChipKind; row: AgentSessionInfo | undefined } {
  const row = chatId === null || agent === null ? undefined : sessions?.find((r) => r.chat_id === chatId && r.agent === agent);
  if (row === undefined || row.status === "closed") return { kind: "new", row };
  if (row.start_kind === "loaded" || row.start_kind === "history" || row.start_kind === "reattached") return { kind: row.start_kind, row };
  const live = row.status === "active" || row.status === "idle";
  return { kind: live ? "resumed" : "new", row };
}

/** The chip's text. */
export const CHIP_TEXT: Readonly<Record<ChipKind, string>> = {
  resumed: "resumed",
  loaded: "loaded",
  history: "history",
  reattached: "reattached",
  new: "new session",
};

export function requestsOf(s: CoderSession, chatId: string | null): OpenRequest[] {
  return s.requests.filter((r) => r.chatId === chatId);
}

export function withoutRequest(s: CoderSession, requestId: string): CoderSession {
  const requests = s.requests.filter((r) => r.requestId !== requestId);
  return requests.length === s.requests.length ? s : { ...s, requests };
}

function addRequest(s: CoderSession, request: OpenRequest): CoderSession {
  if (s.requests.some((r) => r.requestId === request.requestId)) return s;
  return { ...s, requests: [...s.requests, request] };
}

/** The server answered an approve/reject/revert with the change's new row. */
export function upsertChange(s: CoderSession, change: PendingChange): CoderSession {
  const list = s.pending ?? [];
  const i = list.findIndex((c) => c.id === change.id);
  if (i < 0) return { ...s, pending: [...list, change] };
  const known = list[i] as PendingChange;
  if (known.updated_at > change.updated_at) return s;
  const pending = [...list];
  pending[i] = change;
  return { ...s, pending };
}

export function commandsKey(chatId: string, agent: string): string {
  return `${chatId}/${agent}`;
}

function asCommands(list: readonly unknown[]): CommandInfo[] {
  return list.flatMap((c) => {
    if (typeof c !== "object" || c === null) return [];
    const r = c as Record<string, unknown>;
    if (typeof r["name"] !== "string") return [];
    const hint = r["input_hint"] ?? (r["input"] as Record<string, unknown> | undefined)?.["hint"];
    return [{ name: r["name"], description: typeof r["description"] === "string" ? r["description"] : "", input_hint: typeof hint === "string" ? hint : null }];
  });
}

/**
 * The slash commands kept on the agents' rows (they come back after a reload or a
 * restart); commands a frame already brought win. Same object when nothing is added.
 */
export function withStoredCommands(s: CoderSession, rows: readonly AgentSessionInfo[]): CoderSession {
  let commands = s.commands;
  for (const r of rows) {
    const key = commandsKey(r.chat_id, r.agent);
    if (r.commands.length === 0 || key in commands) continue;
    commands = { ...commands, [key]: asCommands(r.commands) };
  }
  return commands === s.commands ? s : { ...s, commands };
}

/**
 * The agents' plans kept on their rows, laid over the chat's transcript: a message
 * loaded over REST has no plan (plans stream as frames only). A message that has a
 * plan already keeps it. Same object when nothing is added.
 */
export function withStoredPlans(t: Transcript, rows: readonly AgentSessionInfo[] | null): Transcript {
  let next = t;
  for (const r of rows ?? []) {
    if (r.chat_id !== t.chatId || r.plan === null) continue;
    const plan = r.plan;
    const m = next.messages.find((x) => x.id === plan.message_id);
    if (m === undefined || m.parts.some((p) => p.kind === "plan")) continue;
    next = applyChatFrame(next, { type: "plan", chat_id: r.chat_id, message_id: plan.message_id, entries: plan.entries });
  }
  return next;
}

/**
 * Apply one of boocoder's session frames (already known to be fresh, see
 * `isFresh` in @boocode/common/feed). Frames of the transcript leave this state alone.
 */
export function applyCoderFrame(s: CoderSession, env: Envelope): CoderSession {
  switch (env.type) {
    case "task_updated": {
      const next = upsertTask(s, env.task);
      // A turn that ended took its open questions with it.
      if (isActive(env.task) || !next.requests.some((r) => r.taskId === env.task.id)) return next;
      return { ...next, requests: next.requests.filter((r) => r.taskId !== env.task.id) };
    }
    case "pending_changed":
      return { ...s, pending: env.changes };
    case "permission_requested":
      return addRequest(s, {
        kind: "permission",
        requestId: env.request_id,
        chatId: env.chat_id,
        taskId: env.task_id,
        agent: env.agent,
        toolCall: env.tool_call,
        options: env.options,
      });
    case "elicitation_requested":
      return addRequest(s, {
        kind: "elicitation",
        requestId: env.request_id,
        chatId: env.chat_id,
        taskId: env.task_id,
        agent: env.agent,
        message: env.message,
        schema: env.schema,
      });
    case "request_resolved":
      return withoutRequest(s, env.request_id);
    case "available_commands":
      return { ...s, commands: { ...s.commands, [commandsKey(env.chat_id, env.agent)]: asCommands(env.commands) } };
    default:
      return s;
  }
}
