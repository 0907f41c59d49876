// The workspace layout of a session (CHAT-7) and its one reducer. Pure: no DOM, no
// I/O. `reduce(state, event)` returns the very same object when the event changes
// nothing, so the sync layer can tell a no-op and the view can skip it.
//
// The invariants every state here keeps (the server checks the same ones on write):
// - 1–MAX_PANES panes; pane ids unique among the panes and the closed stack.
// - A tab (by id) is open in at most one pane. A pane with tabs has an `activeTab`
//   among them; an empty pane (the session's history pane) has none.
// - Every open tab has a number in `tabNumbers`, given when it opens
//   (`nextTabNumber++`), kept while it moves between panes, dropped when it closes and
//   never given again. Only open tabs have one.
// - `closedPaneStack` (most recent last, at most MAX_CLOSED_PANES) remembers closed
//   panes as they were. Closing a pane never loses a tab: its tabs move to the
//   left-most pane; reopening pulls the ones still open back out of wherever they are.

import type { TabKind, WorkspacePane, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { fromLegacy, isLegacyArray } from "./legacy";

export const MAX_PANES = 5;
export const MAX_CLOSED_PANES = 10;
/** The server refuses more tabs in one pane; an event that would overflow one is a no-op. */
export const MAX_TABS_PER_PANE = 50;
/** The range `resize` clamps a relative width to. */
export const MIN_WIDTH = 0.05;
export const MAX_WIDTH = 20;

export type LayoutEvent =
  /** Open `tab` after the active tab of `paneId` (else the first pane); if it is open anywhere, activate it there. */
  | { type: "open_tab"; tab: WorkspaceTab; paneId?: string }
  /** A new pane right of `besidePaneId` (default: the last) holding only `tab`, which leaves its pane. */
  | { type: "open_in_new_pane"; tab: WorkspaceTab; besidePaneId?: string }
  | { type: "activate_tab"; tabId: string }
  | { type: "close_tab"; tabId: string }
  /** Reorder within a pane or move to another; `index` is the position in the target strip. */
  | { type: "move_tab"; tabId: string; toPaneId: string; index: number }
  /** A new empty pane right of `paneId` (default: the last). */
  | { type: "split"; paneId?: string }
  | { type: "close_pane"; paneId: string }
  | { type: "reopen_pane" }
  /** Pane id → relative width. */
  | { type: "resize"; widths: Readonly<Record<string, number>> }
  /** Drop the tabs (open and in closed panes) whose chat or terminal is gone. */
  | { type: "prune"; exists: (tab: WorkspaceTab) => boolean };

export function initialWorkspace(): WorkspaceState {
  return { panes: [{ id: "p1", tabs: [] }], tabNumbers: {}, nextTabNumber: 1, closedPaneStack: [], version: 0 };
}

export function reduce(s: WorkspaceState, event: LayoutEvent): WorkspaceState {
  switch (event.type) {
    case "open_tab":
      return openTab(s, event.tab, event.paneId);
    case "open_in_new_pane":
      return openInNewPane(s, event.tab, event.besidePaneId);
    case "activate_tab":
      return activateTab(s, event.tabId);
    case "close_tab":
      return closeTab(s, event.tabId);
    case "move_tab":
      return moveTab(s, event.tabId, event.toPaneId, event.index);
    case "split":
      return split(s, event.paneId);
    case "close_pane":
      return closePane(s, event.paneId);
    case "reopen_pane":
      return reopenPane(s);
    case "resize":
      return resize(s, event.widths);
    case "prune":
      return prune(s, event.exists);
  }
}

// ---- queries ----

export function tabNumber(s: WorkspaceState, tabId: string): number | undefined {
  return Object.hasOwn(s.tabNumbers, tabId) ? s.tabNumbers[tabId] : undefined;
}

/** Where the tab is open. */
export function findTab(s: WorkspaceState, tabId: string): { paneIndex: number; tabIndex: number } | undefined {
  for (const [paneIndex, pane] of s.panes.entries()) {
    const tabIndex = pane.tabs.findIndex((t) => t.id === tabId);
    if (tabIndex >= 0) return { paneIndex, tabIndex };
  }
  return undefined;
}

/** The first `p<n>` used by no pane, open or closed. */
export function newPaneId(s: WorkspaceState): string {
  const used = new Set([...s.panes, ...s.closedPaneStack].map((p) => p.id));
  for (let n = 1; ; n++) if (!used.has(`p${n}`)) return `p${n}`;
}

// ---- pane helpers (each returns the same pane when nothing changes) ----

const copyTab = (tab: WorkspaceTab): WorkspaceTab => ({ kind: tab.kind, id: tab.id });

function withActive(pane: WorkspacePane, tabId: string | undefined): WorkspacePane {
  if (pane.activeTab === tabId) return pane;
  const { activeTab: _, ...rest } = pane;
  return tabId === undefined ? rest : { ...rest, activeTab: tabId };
}

/**
 * The pane with only the tabs `keep` accepts. An active tab that goes hands over to the
 * nearest kept tab on its right, else on its left.
 */
function keepTabs(pane: WorkspacePane, keep: (tab: WorkspaceTab) => boolean): WorkspacePane {
  if (pane.tabs.every(keep)) return pane;
  const tabs = pane.tabs.filter(keep);
  const i = pane.tabs.findIndex((t) => t.id === pane.activeTab);
  const heir = i < 0 ? undefined : [...pane.tabs.slice(i), ...pane.tabs.slice(0, i).reverse()].find(keep);
  return withActive({ ...pane, tabs }, (heir ?? tabs[0])?.id);
}

const withoutTab = (pane: WorkspacePane, tabId: string): WorkspacePane => keepTabs(pane, (t) => t.id !== tabId);

const clampIndex = (index: number, length: number): number =>
  Number.isNaN(index) ? length : Math.min(Math.max(Math.trunc(index), 0), length);

/** `tab` inserted at `index` (clamped) and made active. */
function insertTab(pane: WorkspacePane, tab: WorkspaceTab, index: number): WorkspacePane {
  const tabs = [...pane.tabs];
  tabs.splice(clampIndex(index, tabs.length), 0, copyTab(tab));
  return { ...pane, tabs, activeTab: tab.id };
}

/** Where a new tab goes: right after the active one. */
function afterActive(pane: WorkspacePane): number {
  const i = pane.tabs.findIndex((t) => t.id === pane.activeTab);
  return i < 0 ? pane.tabs.length : i + 1;
}

const isFull = (pane: WorkspacePane, adding = 1): boolean => pane.tabs.length + adding > MAX_TABS_PER_PANE;

// ---- state helpers ----

function setPane(s: WorkspaceState, index: number, pane: WorkspacePane): WorkspaceState {
  return s.panes[index] === pane ? s : { ...s, panes: s.panes.map((p, i) => (i === index ? pane : p)) };
}

function paneIndex(s: WorkspaceState, paneId: string | undefined, fallback: number): number {
  const i = paneId === undefined ? -1 : s.panes.findIndex((p) => p.id === paneId);
  return i < 0 ? fallback : i;
}

/** `tabId` takes the next number. */
function numbered(s: WorkspaceState, tabId: string): WorkspaceState {
  return { ...s, tabNumbers: { ...s.tabNumbers, [tabId]: s.nextTabNumber }, nextTabNumber: s.nextTabNumber + 1 };
}

function withoutNumbers(numbers: Readonly<Record<string, number>>, tabIds: ReadonlySet<string>): Record<string, number> {
  return Object.fromEntries(Object.entries(numbers).filter(([id]) => !tabIds.has(id)));
}

// ---- events ----

function openTab(s: WorkspaceState, tab: WorkspaceTab, paneId: string | undefined): WorkspaceState {
  const at = findTab(s, tab.id);
  if (at) return activateAt(s, at.paneIndex, at.tabIndex, tab.kind);
  const index = paneIndex(s, paneId, 0);
  const pane = s.panes[index];
  if (!pane || isFull(pane)) return s;
  return numbered(setPane(s, index, insertTab(pane, tab, afterActive(pane))), tab.id);
}

/** Activate an open tab; `kind` (a chat may turn into an agent chat) replaces its kind. */
function activateAt(s: WorkspaceState, index: number, tabIndex: number, kind?: TabKind): WorkspaceState {
  const pane = s.panes[index];
  const tab = pane?.tabs[tabIndex];
  if (!pane || !tab) return s;
  const tabs = kind === undefined || kind === tab.kind ? pane.tabs : pane.tabs.map((t, i) => (i === tabIndex ? { kind, id: t.id } : t));
  const next = tabs === pane.tabs ? pane : { ...pane, tabs };
  return setPane(s, index, withActive(next, tab.id));
}

function activateTab(s: WorkspaceState, tabId: string): WorkspaceState {
  const at = findTab(s, tabId);
  return at ? activateAt(s, at.paneIndex, at.tabIndex) : s;
}

function openInNewPane(s: WorkspaceState, tab: WorkspaceTab, besidePaneId: string | undefined): WorkspaceState {
  const beside = paneIndex(s, besidePaneId, s.panes.length - 1);
  const at = findTab(s, tab.id);
  if (s.panes.length >= MAX_PANES) {
    const target = s.panes[beside + 1] ?? s.panes[beside];
    if (!target) return s;
    const moves = at !== undefined && s.panes[at.paneIndex]?.id !== target.id;
    return moves ? moveTab(s, tab.id, target.id, afterActive(target)) : openTab(s, tab, target.id);
  }
  const pane: WorkspacePane = { id: newPaneId(s), tabs: [copyTab(tab)], activeTab: tab.id };
  const panes = s.panes.map((p) => withoutTab(p, tab.id));
  panes.splice(beside + 1, 0, pane);
  const next = { ...s, panes };
  return at ? next : numbered(next, tab.id);
}

function closeTab(s: WorkspaceState, tabId: string): WorkspaceState {
  const at = findTab(s, tabId);
  if (!at) return s;
  const pane = s.panes[at.paneIndex];
  if (!pane) return s;
  const next = setPane(s, at.paneIndex, withoutTab(pane, tabId));
  return { ...next, tabNumbers: withoutNumbers(s.tabNumbers, new Set([tabId])) };
}

function moveTab(s: WorkspaceState, tabId: string, toPaneId: string, index: number): WorkspaceState {
  const at = findTab(s, tabId);
  const to = s.panes.findIndex((p) => p.id === toPaneId);
  const from = at && s.panes[at.paneIndex];
  const target = s.panes[to];
  const tab = at && from?.tabs[at.tabIndex];
  if (!at || !from || !target || !tab) return s;
  if (at.paneIndex === to) {
    const rest = { ...from, tabs: from.tabs.filter((t) => t.id !== tabId) };
    const unmoved = clampIndex(index, rest.tabs.length) === at.tabIndex;
    return unmoved ? activateAt(s, to, at.tabIndex) : setPane(s, to, insertTab(rest, tab, index));
  }
  if (isFull(target)) return s;
  return setPane(setPane(s, at.paneIndex, withoutTab(from, tabId)), to, insertTab(target, tab, index));
}

function split(s: WorkspaceState, paneId: string | undefined): WorkspaceState {
  if (s.panes.length >= MAX_PANES) return s;
  const panes = [...s.panes];
  panes.splice(paneIndex(s, paneId, s.panes.length - 1) + 1, 0, { id: newPaneId(s), tabs: [] });
  return { ...s, panes };
}

/** `pane` on top of the stack (replacing an entry with its id: ids stay unique), the oldest beyond the cap dropped. */
function pushClosed(stack: readonly WorkspacePane[], pane: WorkspacePane): WorkspacePane[] {
  return [...stack.filter((p) => p.id !== pane.id), pane].slice(-MAX_CLOSED_PANES);
}

function closePane(s: WorkspaceState, paneId: string): WorkspaceState {
  const index = s.panes.findIndex((p) => p.id === paneId);
  const pane = s.panes[index];
  const rest = s.panes.filter((_, i) => i !== index);
  const [first, ...others] = rest;
  if (!pane || !first || isFull(first, pane.tabs.length)) return s;
  const heir =
    pane.tabs.length === 0
      ? first
      : withActive({ ...first, tabs: [...first.tabs, ...pane.tabs] }, first.activeTab ?? pane.activeTab ?? pane.tabs[0]?.id);
  return { ...s, panes: [heir, ...others], closedPaneStack: pushClosed(s.closedPaneStack, pane) };
}

function reopenPane(s: WorkspaceState): WorkspaceState {
  const top = s.closedPaneStack.at(-1);
  if (!top || s.panes.length >= MAX_PANES) return s;
  // Only the tabs still open somewhere come back, as they are now (a kind may have changed).
  const open = new Map(s.panes.flatMap((p) => p.tabs).map((t) => [t.id, t]));
  const tabs = top.tabs.flatMap((t) => open.get(t.id) ?? []);
  const ids = new Set(tabs.map((t) => t.id));
  const panes = s.panes.map((p) => keepTabs(p, (t) => !ids.has(t.id)));
  const closedPaneStack = s.closedPaneStack.slice(0, -1);
  const id = panes.some((p) => p.id === top.id) ? newPaneId({ ...s, closedPaneStack }) : top.id;
  const active = ids.has(top.activeTab ?? "") ? top.activeTab : tabs[0]?.id;
  const pane = withActive({ id, tabs, ...(top.width === undefined ? {} : { width: top.width }) }, active);
  return { ...s, panes: [...panes, pane], closedPaneStack };
}

function resize(s: WorkspaceState, widths: Readonly<Record<string, number>>): WorkspaceState {
  const panes = s.panes.map((p) => {
    const w = Object.hasOwn(widths, p.id) ? widths[p.id] : undefined;
    if (typeof w !== "number" || !Number.isFinite(w)) return p;
    const width = Math.min(Math.max(w, MIN_WIDTH), MAX_WIDTH);
    return width === p.width ? p : { ...p, width };
  });
  return panes.every((p, i) => p === s.panes[i]) ? s : { ...s, panes };
}

function prune(s: WorkspaceState, exists: (tab: WorkspaceTab) => boolean): WorkspaceState {
  const gone = new Set(s.panes.flatMap((p) => p.tabs.filter((t) => !exists(t)).map((t) => t.id)));
  const closedPaneStack = s.closedPaneStack.flatMap((p) => {
    const kept = keepTabs(p, exists);
    return kept.tabs.length === 0 && p.tabs.length > 0 ? [] : [kept];
  });
  const stackSame = closedPaneStack.length === s.closedPaneStack.length && closedPaneStack.every((p, i) => p === s.closedPaneStack[i]);
  if (gone.size === 0 && stackSame) return s;
  const panes = s.panes.map((p) => keepTabs(p, (t) => !gone.has(t.id)));
  return { ...s, panes, closedPaneStack, tabNumbers: withoutNumbers(s.tabNumbers, gone) };
}

// ---- reading a state from the server or storage ----

const TAB_KINDS: readonly unknown[] = ["chat", "coder", "term"] satisfies TabKind[];
const PANE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function isTab(v: unknown): v is WorkspaceTab {
  return isObject(v) && TAB_KINDS.includes(v["kind"]) && typeof v["id"] === "string" && v["id"] !== "";
}

function isPane(v: unknown): v is WorkspacePane {
  if (!isObject(v)) return false;
  const { id, tabs, activeTab, width } = v;
  return (
    typeof id === "string" &&
    Array.isArray(tabs) &&
    tabs.every(isTab) &&
    (activeTab === undefined || typeof activeTab === "string") &&
    (width === undefined || typeof width === "number")
  );
}

function isState(v: unknown): v is WorkspaceState {
  if (!isObject(v)) return false;
  const { panes, tabNumbers, nextTabNumber, closedPaneStack, version } = v;
  return (
    Array.isArray(panes) &&
    panes.length > 0 &&
    panes.every(isPane) &&
    isObject(tabNumbers) &&
    isCount(nextTabNumber) &&
    Array.isArray(closedPaneStack) &&
    closedPaneStack.every(isPane) &&
    isCount(version)
  );
}

/**
 * Any value read from the server or storage as a consistent state: an envelope as is
 * (the very object when it already keeps every invariant, else repaired); a legacy
 * pane array migrated (chat tabs numbered 1.. in pane and tab order, version 0);
 * anything else the initial layout (at the value's `version`, when it has one).
 */
export function normalize(value: unknown): WorkspaceState {
  if (isState(value)) return repair(value);
  if (isLegacyArray(value)) return repair(fromLegacy(value));
  const version = isObject(value) && isCount(value["version"]) ? value["version"] : 0;
  return { ...initialWorkspace(), version };
}

function repair(s: WorkspaceState): WorkspaceState {
  return capClosed(renumber(foldExtraPanes(fixPanes(fixPaneIds(s)))));
}

/** Invalid or repeated pane ids (open or closed) replaced by fresh `p<n>`. */
function fixPaneIds(s: WorkspaceState): WorkspaceState {
  const all = [...s.panes, ...s.closedPaneStack];
  const seen = new Set<string>();
  const ok = all.map((p) => PANE_ID.test(p.id) && !seen.has(p.id) && !!seen.add(p.id));
  if (ok.every(Boolean)) return s;
  const fresh = all.map((p, i) => {
    if (ok[i]) return p;
    let n = 1;
    while (seen.has(`p${n}`)) n++;
    seen.add(`p${n}`);
    return { ...p, id: `p${n}` };
  });
  return { ...s, panes: fresh.slice(0, s.panes.length), closedPaneStack: fresh.slice(s.panes.length) };
}

function fixActive(pane: WorkspacePane): WorkspacePane {
  return pane.tabs.some((t) => t.id === pane.activeTab) ? pane : withActive(pane, pane.tabs[0]?.id);
}

const validWidth = (w: number | undefined): boolean => w === undefined || (Number.isFinite(w) && w > 0 && w <= 100);

/** One pane per open tab (the first wins), no tab twice in a closed pane, valid active tabs and widths. */
function fixPanes(s: WorkspaceState): WorkspaceState {
  const fix = (seen: Set<string>) => (pane: WorkspacePane) => {
    const first = new Set<WorkspaceTab>();
    for (const t of pane.tabs) {
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      first.add(t);
    }
    const fixed = fixActive(keepTabs(pane, (t) => first.has(t)));
    if (validWidth(fixed.width)) return fixed;
    const { width: _, ...rest } = fixed;
    return rest;
  };
  const open = new Set<string>();
  const panes = s.panes.map(fix(open));
  const closedPaneStack = s.closedPaneStack.map((p) => fix(new Set())(p));
  const same = (a: readonly WorkspacePane[], b: readonly WorkspacePane[]) => a.every((p, i) => p === b[i]);
  return same(panes, s.panes) && same(closedPaneStack, s.closedPaneStack) ? s : { ...s, panes, closedPaneStack };
}

/** Panes beyond MAX_PANES closed, right-most first (their tabs move left; dropped only when they cannot fit). */
function foldExtraPanes(s: WorkspaceState): WorkspaceState {
  let next = s;
  for (let last = next.panes.at(-1); next.panes.length > MAX_PANES && last; last = next.panes.at(-1)) {
    const closed = closePane(next, last.id);
    next = closed !== next ? closed : { ...next, panes: next.panes.slice(0, -1) };
  }
  return next;
}

/** Numbers for the open tabs only, each its own; the missing ones given in pane and tab order. */
function renumber(s: WorkspaceState): WorkspaceState {
  const open = s.panes.flatMap((p) => p.tabs.map((t) => t.id));
  const given = new Set<number>();
  const kept = open.map((id) => {
    const n = tabNumber(s, id);
    return n !== undefined && Number.isInteger(n) && n > 0 && !given.has(n) && !!given.add(n) ? n : undefined;
  });
  let next = Math.max(s.nextTabNumber, 1, ...[...given].map((n) => n + 1));
  const tabNumbers = Object.fromEntries(open.map((id, i) => [id, kept[i] ?? next++]));
  const same =
    next === s.nextTabNumber &&
    kept.every((n) => n !== undefined) &&
    Object.keys(s.tabNumbers).length === open.length;
  return same ? s : { ...s, tabNumbers, nextTabNumber: next };
}

function capClosed(s: WorkspaceState): WorkspaceState {
  return s.closedPaneStack.length <= MAX_CLOSED_PANES ? s : { ...s, closedPaneStack: s.closedPaneStack.slice(-MAX_CLOSED_PANES) };
}
