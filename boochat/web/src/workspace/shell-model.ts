// What the workspace shell works out from its data, as pure functions: tab titles, which
// kind a chat opens as, the session-history lists of an empty pane, the pane a narrow
// screen shows, keyboard shortcuts, splitter and drop arithmetic. The shell (shell.ts)
// renders on top of these; the tests pin them down without a DOM.

import type { Chat, TabKind, Terminal, WorkspaceState, WorkspaceTab } from "@boocode/types";

// ------------------------------------------------------------------ kinds and titles

/** Every tab of the layout (live panes, then the closed-pane stack) by id. */
export function layoutTabs(s: WorkspaceState): Map<string, WorkspaceTab> {
  const tabs = new Map<string, WorkspaceTab>();
  for (const pane of [...s.panes, ...s.closedPaneStack]) for (const tab of pane.tabs) if (!tabs.has(tab.id)) tabs.set(tab.id, tab);
  return tabs;
}

/** The ids of the tabs in live panes. */
export function shownTabIds(s: WorkspaceState): Set<string> {
  return new Set(s.panes.flatMap((p) => p.tabs.map((t) => t.id)));
}

/**
 * How a chat opens: as the kind it has (or had) in the layout, as an agent chat when
 * boocoder keeps an agent session for it, else as a plain chat. `known` is what this
 * page saw earlier (a tab closed since still remembers its kind).
 */
export function chatKind(chatId: string, s: WorkspaceState | null, known: ReadonlyMap<string, TabKind>, agentChats: ReadonlySet<string>): "chat" | "coder" {
  const kind = (s === null ? undefined : layoutTabs(s).get(chatId)?.kind) ?? known.get(chatId);
  if (kind === "chat" || kind === "coder") return kind;
  return agentChats.has(chatId) ? "coder" : "chat";
}

const KIND_NAME: Record<TabKind, string> = { chat: "Chat", coder: "Agent", term: "Terminal" };

export function kindName(kind: TabKind): string {
  return KIND_NAME[kind];
}

/** "Chat 3", "Agent 4", "Terminal 5"; without a number, the kind alone. */
export function defaultTitle(kind: TabKind, number: number | undefined): string {
  return number === undefined ? KIND_NAME[kind] : `${KIND_NAME[kind]} ${number}`;
}

export type TitleSources = {
  /** What the panes reported (`boo-tab-title`). */
  reported: ReadonlyMap<string, string>;
  chats: ReadonlyMap<string, Chat>;
  terminals: ReadonlyMap<string, Terminal>;
};

/** A tab's title: the pane's word first, then the chat or terminal list, then "Chat N". */
export function tabTitle(tab: WorkspaceTab, number: number | undefined, src: TitleSources): string {
  const reported = src.reported.get(tab.id)?.trim();
  if (reported) return reported;
  if (tab.kind === "term") {
    const t = src.terminals.get(tab.id);
    const title = t?.title?.trim();
    if (title) return title;
  } else {
    const title = src.chats.get(tab.id)?.title?.trim();
    if (title) return title;
  }
  return defaultTitle(tab.kind, number);
}

// ------------------------------------------------------------------ session history

export type HistoryItem = {
  kind: TabKind;
  id: string;
  title: string;
  /** `open`/`archived` for chats, `live`/`exited` for terminals. */
  status: "open" | "archived" | "live" | "exited";
  /** ISO time of the last change (chats), of the start or end (terminals). */
  at: string;
  /** A terminal's directory, a chat's fork origin; shown small. */
  detail: string | null;
};

export type History = { open: HistoryItem[]; archived: HistoryItem[]; terminals: HistoryItem[] };

export type HistoryInput = {
  layout: WorkspaceState;
  chats: readonly Chat[];
  terminals: readonly Terminal[];
  known: ReadonlyMap<string, TabKind>;
  agentChats: ReadonlySet<string>;
  reported: ReadonlyMap<string, string>;
};

const newestFirst = (a: HistoryItem, b: HistoryItem): number => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);

/**
 * What an empty pane lists: the session's open chats not shown in any pane, its
 * archived chats, and its terminals (live, then recently exited) not shown in any pane;
 * each list newest first.
 */
export function sessionHistory(input: HistoryInput): History {
  const shown = shownTabIds(input.layout);
  const open: HistoryItem[] = [];
  const archived: HistoryItem[] = [];
  for (const chat of input.chats) {
    if (shown.has(chat.id)) continue;
    const kind = chatKind(chat.id, input.layout, input.known, input.agentChats);
    const title = chat.title?.trim() || input.reported.get(chat.id)?.trim() || `Untitled ${KIND_NAME[kind].toLowerCase()}`;
    const item: HistoryItem = { kind, id: chat.id, title, status: chat.status, at: chat.updated_at, detail: chat.forked_from_chat_id === null ? null : "fork" };
    (chat.status === "archived" ? archived : open).push(item);
  }
  const terminals: HistoryItem[] = input.terminals
    .filter((t) => !shown.has(t.id))
    .map((t) => ({
      kind: "term" as const,
      id: t.id,
      title: t.title?.trim() || input.reported.get(t.id)?.trim() || (t.status === "live" ? (t.current_command ?? "Terminal") : "Terminal"),
      status: t.status,
      at: t.exited_at ?? t.created_at,
      detail: t.status === "exited" && t.exit_code !== null ? `exit ${t.exit_code} · ${t.cwd}` : t.cwd,
    }));
  terminals.sort((a, b) => (a.status === b.status ? newestFirst(a, b) : a.status === "live" ? -1 : 1));
  return { open: open.sort(newestFirst), archived: archived.sort(newestFirst), terminals };
}

/** Whether a tab's chat or terminal still exists (for `prune`); unknown lists keep everything. */
export function tabExists(tab: WorkspaceTab, chats: ReadonlyMap<string, Chat> | null, terminals: ReadonlySet<string> | null): boolean {
  if (tab.kind === "term") return terminals === null || terminals.has(tab.id);
  if (chats === null) return true;
  return chats.get(tab.id)?.status === "open";
}

// ------------------------------------------------------------------ narrow screens

/** The screen width below which one pane shows at a time. */
export const NARROW_PX = 768;

/** The pane a narrow screen shows: the one picked in the switcher, else the focused one, else the first. */
export function narrowPaneId(s: WorkspaceState, picked: string | null, focused: string | null): string | null {
  const ids = s.panes.map((p) => p.id);
  if (picked !== null && ids.includes(picked)) return picked;
  if (focused !== null && ids.includes(focused)) return focused;
  return ids[0] ?? null;
}

// ------------------------------------------------------------------ keyboard

export type Shortcut = { type: "focus"; index: number } | { type: "split" } | { type: "reopen" } | { type: "help" };

export type KeyLike = { key: string; code: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean };

/** The list the shortcuts dialog shows (`Mod` = Ctrl, or ⌘ on a Mac). */
export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: "Mod 1 … Mod 5", what: "Focus pane 1 … 5" },
  { keys: "Mod \\", what: "Split the focused pane (new pane on its right)" },
  { keys: "Mod Shift T", what: "Reopen the last closed pane" },
  { keys: "?", what: "Show these shortcuts (outside text fields and terminals)" },
  { keys: "Escape", what: "Cancel a tab drag, close a menu, the inbox or a dialog" },
];

/**
 * The workspace shortcut a key press means, if any. `inText` says focus is in a text
 * field or a terminal, where a bare `?` is typing. Digits and letters are read from the
 * physical key too, so other keyboard layouts work.
 */
export function shortcut(e: KeyLike, inText: boolean): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey) {
    if (!e.shiftKey) {
      const digit = /^Digit([1-5])$/.exec(e.code)?.[1] ?? (/^[1-5]$/.test(e.key) ? e.key : undefined);
      if (digit !== undefined) return { type: "focus", index: Number(digit) - 1 };
      if (e.key === "\\" || e.code === "Backslash") return { type: "split" };
    } else if (e.code === "KeyT" || e.key === "T" || e.key === "t") {
      return { type: "reopen" };
    }
    return null;
  }
  if (!mod && !e.altKey && e.key === "?" && !inText) return { type: "help" };
  return null;
}

// ------------------------------------------------------------------ splitters and drops

/** The narrowest a pane gets when a splitter is dragged. */
export const MIN_PANE_PX = 220;

/**
 * Widths after dragging the splitter between pane `i` and `i + 1` by `dx` pixels: the
 * two panes trade width (neither below `min`), the others keep theirs. Returned as
 * relative widths (flex grow) where an equal share is 1.
 */
export function dragWidths(px: readonly number[], i: number, dx: number, min = MIN_PANE_PX): number[] {
  const left = px[i];
  const right = px[i + 1];
  if (left === undefined || right === undefined) return relative(px);
  const pair = left + right;
  const lo = Math.min(min, pair / 2);
  const newLeft = Math.min(pair - lo, Math.max(lo, left + dx));
  const next = [...px];
  next[i] = newLeft;
  next[i + 1] = pair - newLeft;
  return relative(next);
}

function relative(px: readonly number[]): number[] {
  const total = px.reduce((a, b) => a + b, 0);
  if (total <= 0) return px.map(() => 1);
  return px.map((w) => Math.round(((w * px.length) / total) * 1000) / 1000);
}

/**
 * Where a tab dropped at `x` lands in a strip whose other tabs' horizontal midpoints are
 * `midpoints` (left to right): before the first tab whose midpoint is right of `x`.
 */
export function dropIndex(midpoints: readonly number[], x: number): number {
  const i = midpoints.findIndex((m) => x < m);
  return i === -1 ? midpoints.length : i;
}
