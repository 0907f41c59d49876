// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * `GET /healthz`.
 */
export type HealthResponse = { 
/**
 * `ok` or `degraded`.
 */
status: string, version: string, 
/**
 * `ok` or `error`.
 */
db: string, 
/**
 * Why the database check failed.
 */
reason?: string, 
/**
 * What an operator must know though the daemon works (boocoder: the agent
 * sandbox is off or unusable). Absent when there is nothing to say.
 */
warnings?: Array<string>, };

/**
 * `GET /api/whoami`.
 */
export type WhoAmI = { daemon: string, user: string, groups: Array<string>, email: string | null, name: string | null, };

/**
 * The authenticated caller, available to handlers as an extension.
 */
export type Identity = { user: string, groups: Array<string>, email: string | null, name: string | null, };

/**
 * Body of every error response.
 */
export type ErrorBody = { error: string, code: string, 
/**
 * What the client needs to decide its next step, for the few errors that
 * carry more than a message (e.g. `worktree_at_risk`: the per-worktree report).
 */
details?: unknown, };

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

/**
 * `ui.theme`: the page's colours.
 */
export type Theme = "light" | "dark" | "system";

/**
 * The owner's settings with every default applied. The `sampling.*` values are
 * llama-server's `/v1/chat/completions` fields of the same name; `null` leaves
 * the field out of the request (the model server's default), and an agent's own
 * value wins over these.
 */
export type OwnerSettings = { 
/**
 * Model for chats whose agent names none (`null`: `llm.default_model` from
 * the config file, else the model server's first model).
 */
"chat.default_model": string | null, 
/**
 * Agent for chats that select none (`null`: the plain model).
 */
"chat.default_agent": string | null, 
/**
 * Fraction of the model's context window at which a chat is compacted,
 * in (0, 1]; default 0.8.
 */
"chat.compact_threshold": number, "sampling.temperature": number | null, "sampling.top_p": number | null, "sampling.top_k": number | null, "sampling.min_p": number | null, "sampling.repeat_penalty": number | null, "sampling.presence_penalty": number | null, "sampling.frequency_penalty": number | null, 
/**
 * Longest answer of one model round, in tokens.
 */
"sampling.max_tokens": number | null, "ui.theme": Theme, };

/**
 * `GET /api/settings` (and the answer to `PATCH`): the values with defaults
 * applied, and which keys the owner has set (stored rows), sorted.
 */
export type SettingsInfo = { settings: OwnerSettings, set: Array<string>, };

/**
 * `PATCH /api/settings`: any subset of the keys; a value sets the key, `null`
 * resets it to its default. Unknown keys and bad values are refused (400, code
 * `unknown_setting` or `invalid_<key with _ for .>`, `details.key` naming it) and
 * nothing is written.
 */
export type SettingsPatch = { "chat.default_model"?: string | null, "chat.default_agent"?: string | null, "chat.compact_threshold"?: number | null, "sampling.temperature"?: number | null, "sampling.top_p"?: number | null, "sampling.top_k"?: number | null, "sampling.min_p"?: number | null, "sampling.repeat_penalty"?: number | null, "sampling.presence_penalty"?: number | null, "sampling.frequency_penalty"?: number | null, "sampling.max_tokens"?: number | null, "ui.theme"?: Theme | null, };

/**
 * `GET /api/mcp`: every configured server, in name order.
 */
export type McpInfo = { servers: Array<McpServerInfo>, };

/**
 * How boochat reaches a server.
 */
export type McpTransport = "stdio" | "http";

/**
 * Where a server's connection stands.
 */
export type McpStatus = "starting" | "ready" | "hanging" | "failed" | "stopped";

/**
 * One server.
 */
export type McpServerInfo = { 
/**
 * The key of its `[chat.mcp.servers.<name>]` table.
 */
name: string, transport: McpTransport, 
/**
 * The command line (stdio) or URL (HTTP); never headers or env values.
 */
target: string, status: McpStatus, 
/**
 * Why it failed or hangs; `None` when ready.
 */
error: string | null, 
/**
 * The last time it answered (connected, listed, or answered a call).
 */
last_ok: string | null, 
/**
 * Its tools as last listed (empty until it was ready once).
 */
tools: Array<McpToolInfo>, };

/**
 * One tool of a server.
 */
export type McpToolInfo = { 
/**
 * The name the model calls it by: `mcp__<server>__<tool>`.
 */
name: string, 
/**
 * The server's own name for it.
 */
tool: string, description: string | null, 
/**
 * Offered to the model: read-only by the server's annotation or the
 * server's `tools` list in the config.
 */
offered: boolean, };

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

export type ProviderKind = "builtin" | "custom";

export type Transport = "acp" | "opencode_server" | "pty";

/**
 * A provider's lifecycle state in the snapshot.
 */
export type ProviderState = "loading" | "ready" | "unavailable" | "error" | "disabled";

export type AgentModeInfo = { id: string, name: string, description?: string | null, };

export type AgentModelInfo = { id: string, name: string, description?: string | null, };

/**
 * A slash command the agent advertises.
 */
export type CommandInfo = { name: string, description: string, 
/**
 * Hint for the command's unstructured input, if it takes any.
 */
input_hint?: string | null, };

export type ProviderEntry = { id: string, display_name: string, kind: ProviderKind, transport: Transport, enabled: boolean, state: ProviderState, 
/**
 * A probe is running now (the state shown is the previous result, or `loading`).
 */
probing: boolean, 
/**
 * The cached result is older than the TTL (a background probe was started).
 */
stale: boolean, command: string, args: Array<string>, 
/**
 * Names of the variables the provider sets; values are never served.
 */
env_keys: Array<string>, install_path: string | null, version: string | null, modes: Array<AgentModeInfo>, current_mode: string | null, 
/**
 * The providers file's list when it has one, else what the agent reported.
 */
models: Array<AgentModelInfo>, current_model: string | null, config_options: unknown[], commands: Array<CommandInfo>, 
/**
 * Why the last probe failed (state `unavailable` / `error`).
 */
error: string | null, probed_at: string | null, probe_ms: number | null, };

/**
 * A terminal pane: its `terminal_sessions` row joined with tmux's live view.
 */
export type Terminal = { id: string, 
/**
 * The owning workspace session, if any.
 */
session_id: string | null, 
/**
 * `bc-<id>`.
 */
tmux_name: string, title: string | null, 
/**
 * The directory it started in.
 */
cwd: string, 
/**
 * The SSH target of a `command: "ssh"` terminal; `null` for a local one.
 */
target: string | null, 
/**
 * The command it was started with as tmux quotes it; `null` = the login shell
 * (or not known: exited).
 */
command: string | null, 
/**
 * The program in the foreground now (`bash`, `vim`); `null` once exited.
 */
current_command: string | null, 
/**
 * Window size: tmux's live one, else the last one recorded.
 */
cols: number, rows: number, status: TerminalStatus, 
/**
 * How the program ended (`128 + n` for signal n); `null` while live, when it
 * was killed through the API, or when its tmux session vanished.
 */
exit_code: number | null, 
/**
 * tmux clients attached now (browsers, peers).
 */
attached_clients: number, created_at: string, updated_at: string, last_attached_at: string | null, exited_at: string | null, };

export type TerminalStatus = "live" | "exited";

/**
 * `POST /api/terminals`.
 */
export type CreateTerminal = { 
/**
 * Absolute (or `~/…`) existing directory; default `term.default_cwd`, else `$HOME`.
 */
cwd?: string, 
/**
 * Argv to run instead of the login shell, or `"ssh"` for the configured target.
 */
command?: CommandSpec, 
/**
 * 2..=1000; default 80 × 24.
 */
cols?: number, rows?: number, title?: string, session_id?: string, };

/**
 * `"ssh"` or `["prog", "arg", …]`.
 */
export type CommandSpec = string | Array<string>;

/**
 * `PATCH /api/terminals/{id}`: `null` or `""` clears the title.
 */
export type RenameTerminal = { title: string | null, };

/**
 * `GET /api/terminals/{id}/snapshot`: the screen as plain text.
 */
export type TerminalSnapshot = { 
/**
 * Scrollback then the visible screen; wrapped lines joined, trailing blanks trimmed.
 */
text: string, cols: number, rows: number, };

/**
 * Flow-control window of one WebSocket attach (bytes of terminal output).
 */
export type FlowWindow = { 
/**
 * The server stops sending once this many bytes are unacknowledged…
 */
high: number, 
/**
 * …and resumes when no more than this many are.
 */
low: number, 
/**
 * The client should acknowledge at least every this many processed bytes.
 */
ack_every: number, };

/**
 * Text frames the server sends on a terminal WebSocket.
 */
export type TermServerMsg = { "type": "hello", terminal: Terminal, readonly: boolean, flow: FlowWindow, } | { "type": "exit", exit_code: number | null, } | { "type": "error", code: string, message: string, } | { "type": "pong" };

/**
 * Text frames a client sends on a terminal WebSocket (keystrokes go as binary).
 */
export type TermClientMsg = { "type": "resize", cols: number, rows: number, } | { "type": "ack", bytes: number, } | { "type": "ping" };

/**
 * What a tab shows.
 */
export type TabKind = "chat" | "coder" | "term";

export type WorkspaceTab = { kind: TabKind, 
/**
 * The chat's or the terminal's id.
 */
id: string, };

export type WorkspacePane = { 
/**
 * Made by the client, unique among the session's panes and closed panes
 * (1–64 of `A-Za-z0-9_-`).
 */
id: string, 
/**
 * In strip order; empty = the session's history pane.
 */
tabs: Array<WorkspaceTab>, 
/**
 * The tab shown; one of `tabs`, or absent when `tabs` is empty.
 */
activeTab?: string, 
/**
 * Relative width (flex grow) set by the splitters; absent = equal share.
 */
width?: number, };

/**
 * `sessions.workspace_panes`: what `GET`/`PATCH /api/sessions/{id}/workspace` carry.
 */
export type WorkspaceState = { 
/**
 * 1–5 panes, left to right.
 */
panes: Array<WorkspacePane>, 
/**
 * Tab id → its session-scoped number, for the open tabs.
 */
tabNumbers: Record<string, number>, 
/**
 * The number the next opened tab gets (greater than every number ever given).
 */
nextTabNumber: number, 
/**
 * Closed panes, the most recently closed last (at most 10).
 */
closedPaneStack: Array<WorkspacePane>, 
/**
 * On read: the stored version (0 = never saved). On write: the version the
 * change was based on; the stored one becomes `version + 1`.
 */
version: number, };

/**
 * A pane as the original BooCode stored it before the envelope (a bare array of
 * these). Only chats lived in tabs then; terminal and agent panes were placeholders.
 */
export type LegacyPane = { id?: string, 
/**
 * `chat`, `empty`, `terminal`, `agent`: only the chat ids matter.
 */
kind?: string, chatIds: Array<string>, activeChatIdx?: number, };

/**
 * The body of `PATCH /api/sessions/{id}/workspace`: the envelope, or the legacy bare
 * pane array (migrated on write, without a version check: legacy writers have none).
 */
export type WorkspaceWrite = WorkspaceState | Array<LegacyPane>;

/**
 * The body of a 409 for a write based on an old version: the error, and the state the
 * client must rebase its change on.
 */
export type WorkspaceConflict = { error: string, code: string, current: WorkspaceState, };

export type ConfigStatus = { 
/**
 * The providers file, when one is configured.
 */
path: string | null, 
/**
 * It existed and was read (errors may still have skipped entries).
 */
loaded: boolean, 
/**
 * Each names the provider and key it is about; the entry was skipped.
 */
errors: Array<string>, };

export type ProvidersSnapshot = { providers: Array<ProviderEntry>, config: ConfigStatus, generated_at: string, };

/**
 * Why a provider is (un)available, step by step.
 */
export type ProviderDiagnostic = { id: string, state: ProviderState, enabled: boolean, probing: boolean, 
/**
 * One sentence: the reason for the state.
 */
summary: string, 
/**
 * As configured: `command arg…`.
 */
command_line: string, 
/**
 * Where the command resolves now (absolute path), if it does.
 */
resolved_command: string | null, 
/**
 * Directories searched for a bare command, in order (extra dirs, then PATH).
 */
path_searched: Array<string>, env_keys: Array<string>, version: string | null, 
/**
 * Exit status of `--version`, e.g. `exit status: 0`.
 */
version_exit: string | null, 
/**
 * Exit status of the failing step's process, when it exited.
 */
exit_status: string | null, stderr_tail: string | null, probe_error: string | null, probe_started_at: string | null, probed_at: string | null, probe_ms: number | null, 
/**
 * When the cached result goes stale.
 */
stale_after: string | null, 
/**
 * Whether agents are confined on this host (`coder.sandbox`): bwrap works,
 * is broken (and why), or the sandbox is off.
 */
sandbox: string, 
/**
 * What a probe of this provider sees inside the sandbox (its worktree is the
 * probe dir; a session's is its worktree), one mount a line; empty when off.
 */
sandbox_binds: Array<string>, 
/**
 * All of the above as plain text, for a `<pre>` block.
 */
report: string, };

/**
 * `GET /api/sandbox` (boocoder): how agent processes are confined on this host
 * (`coder.sandbox`; the workspace shows a banner unless `confined`).
 */
export type SandboxStatus = { 
/**
 * `bwrap` or `off`.
 */
mode: string, 
/**
 * The mode is `bwrap` and a trial `bwrap … true` succeeded.
 */
confined: boolean, 
/**
 * One line: works, broken (and why), or off.
 */
summary: string, };

/**
 * A piece of a search snippet: plain text, `hit` when it matched the query. The
 * browser renders hits as `<mark>` by building text nodes, never parsing HTML.
 */
export type SnippetSpan = { text: string, hit: boolean, };

/**
 * `GET /api/search`: one matching message, best first.
 */
export type SearchHit = { session_id: string, session_title: string | null, chat_id: string, chat_title: string | null, message_id: string, role: Role, 
/**
 * A few words around the matches; fragments are joined by ` … `.
 */
snippet: Array<SnippetSpan>, 
/**
 * Postgres `ts_rank_cd` (cover density): higher is better.
 */
rank: number, created_at: string, };

/**
 * `POST /api/chats/{id}/messages/{mid}/edit`: the new text of a user message.
 */
export type EditMessage = { content: string, };

/**
 * `PUT /api/chats/{id}/branch`: make `message_id`'s branch the active one.
 */
export type SetBranch = { 
/**
 * Any message of the chat; the active leaf becomes its newest descendant.
 */
message_id: string, };

/**
 * Answer to [`SetBranch`].
 */
export type BranchSet = { 
/**
 * The chat's new active leaf.
 */
leaf_id: string, };

/**
 * `GET /api/chats/{id}/export?format=json` and the body of
 * `POST /api/sessions/{id}/import`: a chat's active branch with every part.
 * Ids are left out (an import makes new ones); times are kept.
 */
export type ChatExport = { 
/**
 * [`CHAT_EXPORT_VERSION`].
 */
version: number, title: string | null, agent: string | null, messages: Array<ExportMessage>, };

/**
 * One message of a [`ChatExport`].
 */
export type ExportMessage = { role: Role, 
/**
 * `complete`, `cancelled` or `failed` (queued and streaming rows are not exported).
 */
status: MessageStatus, content: string, metadata: Record<string, unknown>, model: string | null, agent: string | null, usage: Usage, error: string | null, created_at: string, finished_at: string | null, parts: Array<ExportPart>, };

/**
 * One part of an [`ExportMessage`], in order.
 */
export type ExportPart = { kind: PartKind, content: string | null, tool_name: string | null, call_id: string | null, args: unknown, result: string | null, result_bytes: number | null, truncated: boolean, is_error: boolean, duration_ms: number | null, metadata: Record<string, unknown>, };

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
