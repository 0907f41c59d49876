// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

import type { MessageStatus, PartKind, Role, Usage } from "./chat";

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
