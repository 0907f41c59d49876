// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * One page of a cursor-paginated list. `next_cursor` is opaque; absent on the last page.
 */
export type Page<T> = { items: Array<T>, next_cursor: string | null, };

/**
 * A project's, session's or chat's status.
 */
export type Status = "open" | "archived";

export type Project = { id: string, name: string, path: string, status: Status, created_at: string, updated_at: string, };

export type CreateProject = { name: string, 
/**
 * Absolute path of an existing directory.
 */
path: string, };

export type Session = { id: string, project_id: string, title: string | null, status: Status, tags: Array<string>, created_at: string, updated_at: string, };

export type CreateSession = { project_id: string, title?: string, };

export type UpdateSession = { title?: string, status?: Status, 
/**
 * The session's whole tag list (replaces it): each trimmed, non-empty, at
 * most 64 characters, no duplicates, at most 64 tags.
 */
tags?: Array<string>, };

/**
 * One tag and how many sessions carry it.
 */
export type TagCount = { tag: string, sessions: number, };

/**
 * `GET /api/tags`: every tag in use, most used first (then by name).
 */
export type TagList = { tags: Array<TagCount>, };

/**
 * What removing one of a session's worktrees would lose (boocoder's
 * `WorktreeRisk`), as the delete guard and an archive report it.
 */
export type WorktreeReport = { path: string, branch: string, 
/**
 * Files that differ from the worktree's base: work not applied to the project.
 */
dirty_files: Array<string>, 
/**
 * Commits on the branch that the project's HEAD does not have.
 */
unpushed_commits: number, 
/**
 * Non-zero while a merge/rebase/... is in progress.
 */
unmerged_commits: number, 
/**
 * merge | rebase | cherry-pick | revert | am | bisect, while one is in progress.
 */
operation: string | null, conflicted_files: Array<string>, 
/**
 * The directory is gone (its branch may still hold commits).
 */
missing: boolean, 
/**
 * Why the report is incomplete (counts as at risk).
 */
error: string | null, };

/**
 * What deleting or archiving a session closed.
 */
export type SessionClosed = { 
/**
 * Agent turns (queued, running or waiting on the owner) that were cancelled.
 */
cancelled_tasks: number, 
/**
 * Agent sessions closed (their processes stopped).
 */
closed_agent_sessions: number, worktree_removed: boolean, 
/**
 * Worktrees left in place because removing them would lose work.
 */
worktrees_kept: Array<WorktreeReport>, terminals_killed: number, 
/**
 * What could not be done and is left to the reapers (a forced delete with a
 * peer down), in words.
 */
notes: Array<string>, };

/**
 * `PATCH /api/sessions/{id}`: the session as stored and, when the change archived
 * it, what the archive closed.
 */
export type SessionChange = { closed?: SessionClosed, id: string, project_id: string, title: string | null, status: Status, tags: Array<string>, created_at: string, updated_at: string, };

/**
 * What kind of thing waits on the owner in the needs-you inbox.
 */
export type InboxKind = "task_blocked" | "task_failed" | "pending_changes" | "user_input";

/**
 * One thing waiting on the owner (the `human_inbox` view, across sessions).
 */
export type InboxItem = { kind: InboxKind, 
/**
 * The task id (task_*), the session id (pending_changes) or the question's
 * tool-call part id (user_input): with `kind`, a stable key.
 */
item_id: string, project_id: string, project_name: string, session_id: string, session_title: string | null, chat_id: string | null, agent: string | null, 
/**
 * What the owner must do, in words.
 */
summary: string, 
/**
 * Kind-specific facts (a task's prompt, the changed paths, the question's
 * arguments).
 */
detail: Record<string, unknown>, 
/**
 * Waiting since.
 */
since: string, };

/**
 * `GET /api/inbox`: newest first.
 */
export type Inbox = { items: Array<InboxItem>, };

export type Chat = { id: string, session_id: string, title: string | null, status: Status, 
/**
 * Selected agent from AGENTS.md; `null` = the plain model.
 */
agent: string | null, forked_from_chat_id: string | null, forked_from_message_id: string | null, 
/**
 * A turn is running right now.
 */
busy: boolean, created_at: string, updated_at: string, };

export type CreateChat = { title?: string, agent?: string, };

/**
 * `PATCH /api/chats/{id}`. `agent: null` clears the agent; absent leaves it.
 */
export type UpdateChat = { title?: string, status?: Status, agent?: string | null, };

/**
 * `POST /api/chats/{id}/fork`: copy the transcript up to and including `message_id`
 * (default: all of it).
 */
export type ForkChat = { message_id?: string, };

export type SendMessage = { 
/**
 * What the user typed; may be empty when attachments are sent.
 */
content: string, 
/**
 * Files sent with the message (at most 8).
 */
attachments?: Array<NewAttachment>, };

/**
 * A file attached to a message as the browser sends it.
 */
export type NewAttachment = { "kind": "text", name: string, 
/**
 * The browser's type for it (`text/plain` when absent).
 */
mime?: string, content: string, } | { "kind": "image", name: string, mime: string, data: string, };

/**
 * What an attachment is.
 */
export type AttachmentKind = "text" | "image";

/**
 * A stored attachment as a message's `metadata.attachments` lists it; its bytes
 * are at `GET /api/messages/{message_id}/attachments/{ordinal}`.
 */
export type AttachmentInfo = { ordinal: number, kind: AttachmentKind, name: string, mime: string, 
/**
 * Size of the contents in bytes.
 */
bytes: number, };

/**
 * `202` answer to [`SendMessage`].
 */
export type MessageAccepted = { user_message_id: string, 
/**
 * The assistant message that answers it (created when its turn starts).
 */
assistant_message_id: string, 
/**
 * Another turn is running; this one runs after it.
 */
queued: boolean, };

/**
 * `POST /api/chats/{id}/answers`: the owner's answer to an `ask_user_input` card.
 */
export type AnswerInput = { call_id: string, answer: string, };

export type StopResult = { 
/**
 * A running turn was cancelled.
 */
stopped: boolean, };

export type Role = "user" | "assistant" | "system" | "tool";

export type MessageStatus = "queued" | "streaming" | "complete" | "cancelled" | "failed";

export type PartKind = "text" | "reasoning" | "tool_call" | "tool_result" | "plan";

export type Part = { id: string, ordinal: number, kind: PartKind, content: string | null, tool_name: string | null, call_id: string | null, args: unknown, result: string | null, is_error: boolean, truncated: boolean, duration_ms: number | null, 
/**
 * Kind-specific details (an agent tool call's title, kind, status, content).
 */
metadata?: Record<string, unknown>, };

/**
 * Token accounting and speed of one assistant message.
 */
export type Usage = { prompt_tokens: number | null, completion_tokens: number | null, tokens_per_second: number | null, 
/**
 * Prompt-processing time reported by the server.
 */
prompt_ms: number | null, };

export type Message = { id: string, chat_id: string, seq: number, role: Role, status: MessageStatus, 
/**
 * Visible text (for assistant rows: the concatenated text parts).
 */
content: string, 
/**
 * `kind` = `cap_hit` / `doom_loop` / `unstaged_files` / `checkpoint_failed` marks a UI-only sentinel.
 */
metadata: Record<string, unknown>, model: string | null, agent: string | null, usage: Usage, error: string | null, created_at: string, finished_at: string | null, parts: Array<Part>, };

/**
 * `GET /api/chats/{id}/messages`: a window, oldest first.
 */
export type MessageWindow = { 
/**
 * The chat's active branch (and its queued messages), oldest first.
 */
items: Array<Message>, 
/**
 * Older messages exist before the first item.
 */
has_more: boolean, 
/**
 * Sibling info of the items that have siblings (an edited question, a
 * regenerated answer), in item order; an item without siblings is absent.
 */
branches: Array<Branch>, };

/**
 * Where a message of the active branch sits among its siblings (the messages
 * with the same parent: the answers to one question, the edits of one question).
 */
export type Branch = { message_id: string, 
/**
 * 0-based position of `message_id` in `sibling_ids`.
 */
index: number, 
/**
 * `sibling_ids.len()` (at least 2).
 */
count: number, 
/**
 * Every sibling, `message_id` included, oldest first.
 */
sibling_ids: Array<string>, };

/**
 * `GET /api/models`.
 */
export type ModelsInfo = { 
/**
 * The model server answered.
 */
reachable: boolean, base_url: string, models: Array<ModelInfo>, error: string | null, };

export type ModelInfo = { id: string, 
/**
 * Context window in tokens, where the server tells.
 */
ctx_size: number | null, 
/**
 * The model takes images (`/props` `modalities.vision`), where the server tells.
 */
vision: boolean | null, };

/**
 * `GET /api/agents`.
 */
export type AgentsInfo = { agents: Array<AgentSummary>, 
/**
 * Why the last (re)load of AGENTS.md failed; the previous good set stays in use.
 */
error: string | null, };

export type AgentSummary = { name: string, description: string | null, model: string | null, tools: Array<string> | null, max_tool_calls: number | null, };
