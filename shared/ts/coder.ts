// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * `POST /api/sessions/{sid}/chats/{cid}/messages`.
 */
export type SubmitTurn = { content: string, 
/**
 * Provider id: boocode | opencode | goose | qwen | claude | a custom one.
 */
provider: string, model?: string, mode?: string, };

/**
 * `202` answer to [`SubmitTurn`].
 */
export type TurnAccepted = { task_id: string, user_message_id: string, 
/**
 * Another turn of this session is running or queued before this one.
 */
queued: boolean, };

export type TaskStatus = "queued" | "running" | "completed" | "failed" | "blocked" | "cancelled";

export type TaskInfo = { id: string, session_id: string | null, chat_id: string | null, agent: string, mode_id: string | null, model: string | null, status: TaskStatus, error: string | null, output_summary: string | null, created_at: string, started_at: string | null, finished_at: string | null, };

/**
 * One warm agent context: `(chat, agent)`.
 */
export type AgentSessionInfo = { chat_id: string, agent: string, status: AgentSessionStatus, backend: string, agent_session_id: string | null, config_hash: string | null, input_tokens: number, output_tokens: number, 
/**
 * Provider-reported, USD.
 */
cost: number, last_used_at: string, 
/**
 * Why a `closed` session was closed: chat_archived | session_archived |
 * session_deleted.
 */
closed_reason: string | null, 
/**
 * How the agent's current session began: `resumed` (`session/resume`),
 * `loaded` (`session/load`), `history` (a new session whose first prompt
 * carried the chat's transcript: the old one could not be picked up), `new`
 * (its first session in this chat); `null` before the first turn.
 */
start_kind: string | null, 
/**
 * The mode and model last applied to this agent in this chat.
 */
mode_id: string | null, model: string | null, 
/**
 * The agent's latest plan, kept across reloads and restarts.
 */
plan: AgentPlan | null, 
/**
 * The agent's latest slash commands (ACP `AvailableCommand` objects).
 */
commands: unknown[], };

/**
 * Where an agent's warm context stands.
 */
export type AgentSessionStatus = "active" | "idle" | "evicted" | "crashed" | "closed";

/**
 * An agent's plan: the message it belongs to and its ACP `PlanEntry`s.
 */
export type AgentPlan = { message_id: string, entries: unknown[], };

export type ChangeKind = "create" | "edit" | "delete";

export type ChangeStatus = "pending" | "approved" | "applied" | "rejected" | "reverted";

/**
 * A staged file change awaiting (or past) the owner's decision.
 */
export type PendingChange = { id: string, session_id: string, chat_id: string | null, task_id: string | null, 
/**
 * Relative to the project root.
 */
path: string, kind: ChangeKind, status: ChangeStatus, 
/**
 * The provider whose turn produced it; `null` = manual.
 */
agent: string | null, diff: string | null, error: string | null, created_at: string, updated_at: string, };

/**
 * An option an agent offers on a permission card.
 */
export type PermissionChoice = { id: string, name: string, 
/**
 * allow_once | allow_always | reject_once | reject_always
 */
kind: string, };

/**
 * `POST /api/permissions/{request_id}`: the owner's choice; `option_id: null` cancels.
 */
export type PermissionAnswer = { option_id: string | null, };

export type ElicitAction = "accept" | "decline" | "cancel";

/**
 * `POST /api/elicitations/{request_id}`.
 */
export type ElicitationAnswer = { action: ElicitAction, 
/**
 * The form values (an object matching the request's schema) when accepting.
 */
content?: Record<string, unknown>, };

/**
 * An agent tool call as the latest merged snapshot of `tool_call` + updates.
 */
export type AgentToolCall = { id: string, title: string, 
/**
 * read | edit | delete | move | search | execute | think | fetch | other
 */
kind: string, 
/**
 * pending | in_progress | completed | failed
 */
status: string, raw_input: unknown, content: unknown[], locations: Array<string>, };

/**
 * The worktree's state before an agent turn (CODER-12): a commit under
 * `refs/boo/checkpoints/<session_id>/<n>`, with the turn it precedes.
 */
export type Checkpoint = { session_id: string, 
/**
 * 1, 2, … per session, in the order the turns started.
 */
n: number, 
/**
 * The checkpoint commit (its tree is the worktree's files).
 */
commit: string, 
/**
 * The turn it precedes; `null` once that task or chat was deleted.
 */
task_id: string | null, chat_id: string | null, 
/**
 * The turn's assistant message (`null` for a chat-less task).
 */
message_id: string | null, agent: string, 
/**
 * The first line of the turn's prompt (at most 200 characters).
 */
prompt: string, created_at: string, 
/**
 * When the owner last restored the worktree to it.
 */
restored_at: string | null, };

/**
 * `POST /api/sessions/{sid}/checkpoints/{n}/restore`. Restoring discards the work of
 * the turn the checkpoint precedes and of every later one: the request must say so.
 */
export type RestoreCheckpoint = { 
/**
 * Go ahead although later turns' work is discarded (else 409
 * `checkpoint_discards_later` lists it).
 */
discard_later: boolean, };

/**
 * `200` answer to [`RestoreCheckpoint`]: the worktree is back at `checkpoint`.
 */
export type CheckpointRestored = { checkpoint: Checkpoint, 
/**
 * The checkpoints of the turns whose work was discarded (this one's turn and later).
 */
discarded: Array<Checkpoint>, 
/**
 * The session's pending changes after the restore (re-staged from the worktree).
 */
changes: Array<PendingChange>, };

/**
 * The body of every 409 of a restore: `checkpoint_discards_later` (confirm with
 * `discard_later: true`; `discarded` lists what would go), `turn_running`, … .
 */
export type CheckpointConflict = { error: string, code: string, 
/**
 * The checkpoints of the turns whose work a restore would discard (empty for
 * the other codes).
 */
discarded: Array<Checkpoint>, };
