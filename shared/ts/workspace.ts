// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

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
