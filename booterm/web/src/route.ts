// The standalone page's pure decisions: the selected terminal in the URL hash (`#<uuid>`,
// so a reload reattaches to the same shell), labels, and what to select next.

import type { Terminal } from "@boocode/types";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The terminal id in `#<uuid>` (also `#/<uuid>`), lower-cased; `null` for anything else. */
export function parseHash(hash: string): string | null {
  let value: string;
  try {
    value = decodeURIComponent(hash.replace(/^#\/?/, "")).trim();
  } catch {
    return null; // a malformed escape
  }
  return UUID.test(value) ? value.toLowerCase() : null;
}

export function formatHash(id: string | null): string {
  return id === null ? "" : `#${id}`;
}

/** The name shown for a terminal: its title, else what runs in it. */
export function terminalLabel(t: Terminal): string {
  const title = t.title?.trim();
  if (title) return title;
  return t.current_command ?? t.command ?? "shell";
}

/** The second line of a list entry: where it started, its size, who watches it. */
export function terminalDetail(t: Terminal): string {
  const parts = [t.target ?? t.cwd, `${t.cols}×${t.rows}`];
  if (t.attached_clients > 1) parts.push(`${t.attached_clients} attached`);
  return parts.join(" · ");
}

/** The second line of an ended terminal's entry: how and when it ended. */
export function endedDetail(t: Terminal, when: (iso: string) => string = shortTime): string {
  const how = t.exit_code === null ? "ended" : `exited with code ${t.exit_code}`;
  return t.exited_at === null ? how : `${how} · ${when(t.exited_at)}`;
}

function shortTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}

/** What to show at start: the terminal in the hash, else the most recent one. */
export function initialSelection(hashId: string | null, list: readonly Terminal[]): string | null {
  if (hashId !== null) return hashId;
  const newest = [...list].sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  return newest?.id ?? null;
}

/** After `killed` went away: keep the selection, or move to its neighbour (next, else previous). */
export function afterRemoval(list: readonly Terminal[], killed: string, selected: string | null): string | null {
  if (selected !== killed) return selected;
  const i = list.findIndex((t) => t.id === killed);
  if (i < 0) return null;
  return list[i + 1]?.id ?? list[i - 1]?.id ?? null;
}

/** Whether two lists would render the same (ignores timestamps that change on every attach). */
export function sameList(a: readonly Terminal[] | null, b: readonly Terminal[] | null): boolean {
  const key = (l: readonly Terminal[] | null) =>
    l === null ? "null" : JSON.stringify(l.map((t) => [t.id, t.title, t.current_command, t.cwd, t.target, t.cols, t.rows, t.status, t.attached_clients]));
  return key(a) === key(b);
}
