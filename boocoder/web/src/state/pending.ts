// The diff panel's view of a session's pending changes: grouped by file, the open ones
// first, and the agents that produced them.

import type { ChangeStatus, PendingChange } from "@boocode/types";

export type FileGroup = {
  path: string;
  /** Newest first. */
  changes: PendingChange[];
  /** Some change of this file waits for a decision. */
  open: boolean;
};

export type PanelView = {
  /** Files with a change waiting for a decision. */
  open: FileGroup[];
  /** Files whose changes were all decided (approved, applied, rejected, reverted). */
  decided: FileGroup[];
  /** Distinct agents of the open changes (manual changes are `null` and left out). */
  agents: string[];
  openCount: number;
};

const OPEN: readonly ChangeStatus[] = ["pending"];

export function isOpen(change: PendingChange): boolean {
  return OPEN.includes(change.status);
}

function byNewest(a: PendingChange, b: PendingChange): number {
  return a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0;
}

export function panelView(changes: readonly PendingChange[]): PanelView {
  const groups = new Map<string, FileGroup>();
  for (const c of changes) {
    const g = groups.get(c.path) ?? { path: c.path, changes: [], open: false };
    g.changes.push(c);
    g.open ||= isOpen(c);
    groups.set(c.path, g);
  }
  const all = [...groups.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const g of all) g.changes.sort((a, b) => Number(isOpen(b)) - Number(isOpen(a)) || byNewest(a, b));
  const openChanges = changes.filter(isOpen);
  const agents = [...new Set(openChanges.map((c) => c.agent).filter((a): a is string => a !== null && a !== ""))].sort();
  return { open: all.filter((g) => g.open), decided: all.filter((g) => !g.open), agents, openCount: openChanges.length };
}

/** "changes from fake, qwen" when more than one agent contributed, else `null`. */
export function agentsNote(agents: readonly string[]): string | null {
  return agents.length > 1 ? `Changes from ${agents.join(", ")}` : null;
}

/** What the owner can do with a change in its status. */
export function actionsFor(change: PendingChange): Array<"approve" | "reject" | "revert"> {
  switch (change.status) {
    case "pending":
      return ["approve", "reject"];
    case "applied":
      return ["revert"];
    default:
      return [];
  }
}

export type DiffLineKind = "meta" | "hunk" | "add" | "del" | "ctx" | "note";
export type DiffLine = { kind: DiffLineKind; text: string };

/** A unified diff as lines to colour. */
export function diffLines(diff: string): DiffLine[] {
  const lines = diff.replace(/\n$/, "").split("\n");
  let inHunk = false;
  return lines.map((text): DiffLine => {
    if (text.startsWith("@@")) {
      inHunk = true;
      return { kind: "hunk", text };
    }
    if (!inHunk || text.startsWith("diff --git ")) {
      if (text.startsWith("diff --git ")) inHunk = false;
      return { kind: "meta", text };
    }
    if (text.startsWith("+")) return { kind: "add", text };
    if (text.startsWith("-")) return { kind: "del", text };
    if (text.startsWith("\\")) return { kind: "note", text };
    return { kind: "ctx", text };
  });
}

/** "+3 −1" of a diff. */
export function diffStat(diff: string | null): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of diffLines(diff ?? "")) {
    if (l.kind === "add") added += 1;
    else if (l.kind === "del") removed += 1;
  }
  return { added, removed };
}
