// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

import type { Chat, Message, MessageStatus, Session, Usage } from "./chat";
import type { AgentToolCall, Checkpoint, PendingChange, PermissionChoice, TaskInfo } from "./coder";
import type { WorkspaceState } from "./workspace";

export type UsagePhase = "prompt" | "generating" | "done";

/**
 * How much of the prompt the model server has processed (`cache` tokens came
 * from its prompt cache).
 */
export type PromptProgress = { processed: number, total: number, cache: number, };

/**
 * What a daemon sends. boochat's chat frames carry the chat they belong to; the
 * envelope carries the session.
 */
export type ServerFrame = { "type": "hello", daemon: string, version: string, } | { "type": "resync", reason: string, } | { "type": "error", code: string, message: string, } | { "type": "user_message", chat_id: string, message: Message, } | { "type": "message_status", chat_id: string, message_id: string, status: MessageStatus, 
/**
 * The message's new place in the chat (its `Message::seq`) when the change
 * moved it: a dequeued message goes after the answer before it. (Named apart
 * from the envelope's `seq`, which is the frame's.)
 */
message_seq: number | null, } | { "type": "message_started", chat_id: string, message: Message, } | { "type": "delta", chat_id: string, message_id: string, offset: number, text: string, } | { "type": "reasoning_delta", chat_id: string, message_id: string, offset: number, text: string, } | { "type": "tool_call", chat_id: string, message_id: string, call_id: string, name: string, arguments: unknown, } | { "type": "tool_result", chat_id: string, message_id: string, call_id: string, name: string, result: string, is_error: boolean, truncated: boolean, duration_ms: number, } | { "type": "usage", chat_id: string, message_id: string, phase: UsagePhase, usage: Usage, 
/**
 * While the prompt is read, how far the server got, when it says
 * (llama-server's `prompt_progress`).
 */
progress?: PromptProgress, } | { "type": "message_complete", chat_id: string, message_id: string, status: MessageStatus, error: string | null, usage: Usage, } | { "type": "sentinel", chat_id: string, message: Message, } | { "type": "chat_updated", chat: Chat, } | { "type": "task_updated", task: TaskInfo, } | { "type": "agent_tool_call", chat_id: string, message_id: string, call: AgentToolCall, } | { "type": "plan", chat_id: string, message_id: string, entries: unknown[], } | { "type": "available_commands", chat_id: string, agent: string, commands: unknown[], } | { "type": "permission_requested", chat_id: string, task_id: string, request_id: string, agent: string, tool_call: unknown, options: Array<PermissionChoice>, } | { "type": "request_resolved", request_id: string, outcome: string, } | { "type": "elicitation_requested", chat_id: string, task_id: string, request_id: string, agent: string, message: string, schema: Record<string, unknown>, } | { "type": "pending_changed", changes: Array<PendingChange>, } | { "type": "checkpoint_restored", checkpoint: Checkpoint, discarded: Array<Checkpoint>, } | { "type": "session_workspace_updated", state: WorkspaceState, } | { "type": "session_updated", session: Session, } | { "type": "chat_branched", chat_id: string, leaf_id: string | null, } | { "type": "session_deleted", session_id: string, };

/**
 * A frame with its ordering metadata: `{"type": …, "seq": …, "session_id": …, …}`.
 */
export type Envelope = { 
/**
 * Per-session sequence number; 0 for connection-level frames.
 */
seq: number, 
/**
 * The session the frame belongs to; absent for connection-level frames.
 */
session_id?: string, } & ({ "type": "hello", daemon: string, version: string, } | { "type": "resync", reason: string, } | { "type": "error", code: string, message: string, } | { "type": "user_message", chat_id: string, message: Message, } | { "type": "message_status", chat_id: string, message_id: string, status: MessageStatus, 
/**
 * The message's new place in the chat (its `Message::seq`) when the change
 * moved it: a dequeued message goes after the answer before it. (Named apart
 * from the envelope's `seq`, which is the frame's.)
 */
message_seq: number | null, } | { "type": "message_started", chat_id: string, message: Message, } | { "type": "delta", chat_id: string, message_id: string, offset: number, text: string, } | { "type": "reasoning_delta", chat_id: string, message_id: string, offset: number, text: string, } | { "type": "tool_call", chat_id: string, message_id: string, call_id: string, name: string, arguments: unknown, } | { "type": "tool_result", chat_id: string, message_id: string, call_id: string, name: string, result: string, is_error: boolean, truncated: boolean, duration_ms: number, } | { "type": "usage", chat_id: string, message_id: string, phase: UsagePhase, usage: Usage, 
/**
 * While the prompt is read, how far the server got, when it says
 * (llama-server's `prompt_progress`).
 */
progress?: PromptProgress, } | { "type": "message_complete", chat_id: string, message_id: string, status: MessageStatus, error: string | null, usage: Usage, } | { "type": "sentinel", chat_id: string, message: Message, } | { "type": "chat_updated", chat: Chat, } | { "type": "task_updated", task: TaskInfo, } | { "type": "agent_tool_call", chat_id: string, message_id: string, call: AgentToolCall, } | { "type": "plan", chat_id: string, message_id: string, entries: unknown[], } | { "type": "available_commands", chat_id: string, agent: string, commands: unknown[], } | { "type": "permission_requested", chat_id: string, task_id: string, request_id: string, agent: string, tool_call: unknown, options: Array<PermissionChoice>, } | { "type": "request_resolved", request_id: string, outcome: string, } | { "type": "elicitation_requested", chat_id: string, task_id: string, request_id: string, agent: string, message: string, schema: Record<string, unknown>, } | { "type": "pending_changed", changes: Array<PendingChange>, } | { "type": "checkpoint_restored", checkpoint: Checkpoint, discarded: Array<Checkpoint>, } | { "type": "session_workspace_updated", state: WorkspaceState, } | { "type": "session_updated", session: Session, } | { "type": "chat_branched", chat_id: string, leaf_id: string | null, } | { "type": "session_deleted", session_id: string, });

/**
 * What a browser sends.
 */
export type ClientFrame = { "type": "resume", session_id: string, last_seq: number, } | { "type": "ping" };

/**
 * The WebSocket close code of a socket opened for a session that does not exist: final, do not reconnect.
 */
export const CLOSE_NO_SUCH_SESSION = 4404;
