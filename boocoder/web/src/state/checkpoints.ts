// The session's checkpoints (the worktree before each agent turn) as the timeline shows
// them, and the restore flow: ask the server, show what a restore would discard (its
// 409 says), confirm, done. Pure functions over immutable values.

import type { Checkpoint, CheckpointConflict } from "@boocode/types";

/**
 * A restore the owner started: `asking` (first request, unconfirmed), `confirm` (the
 * server listed what would go), `restoring` (confirmed, in flight), `failed` (refused
 * before anything was listed, e.g. a turn is running).
 */
export type RestoreFlow = {
  n: number;
  phase: "asking" | "confirm" | "restoring" | "failed";
  /** What the restore discards (from the server's 409). */
  discarded: readonly Checkpoint[];
  error: string | null;
};

/** The checkpoint of an assistant message (the turn it precedes), if any. */
export function checkpointOf(list: readonly Checkpoint[] | null, messageId: string): Checkpoint | undefined {
  return list?.find((c) => c.message_id === messageId);
}

/** Checkpoints by the id of the assistant message of their turn. */
export function byMessage(list: readonly Checkpoint[] | null): ReadonlyMap<string, Checkpoint> {
  const out = new Map<string, Checkpoint>();
  for (const c of list ?? []) if (c.message_id !== null) out.set(c.message_id, c);
  return out;
}

/** The list with `changed` put in place of its old self (newest first), or added. */
export function upsertCheckpoint(list: readonly Checkpoint[] | null, changed: Checkpoint): readonly Checkpoint[] {
  const rest = (list ?? []).filter((c) => c.n !== changed.n);
  return [...rest, changed].sort((a, b) => b.n - a.n);
}

/** The checkpoints a 409 `checkpoint_discards_later` body names (none for another body). */
export function discardedOf(body: unknown): readonly Checkpoint[] {
  if (typeof body !== "object" || body === null) return [];
  const conflict = body as Partial<CheckpointConflict>;
  return Array.isArray(conflict.discarded) ? conflict.discarded : [];
}

/** One line per discarded turn: `#3 fake: "fix the parser"`. */
export function discardLines(discarded: readonly Checkpoint[]): string[] {
  return [...discarded].sort((a, b) => a.n - b.n).map((c) => `#${c.n} ${c.agent}: ${c.prompt === "" ? "(no prompt)" : `"${c.prompt}"`}`);
}

/** What the confirmation asks. */
export function confirmText(n: number, discarded: readonly Checkpoint[]): string {
  const turns = discarded.length === 1 ? "1 turn" : `${discarded.length} turns`;
  return `Put the worktree back to checkpoint ${n}? This discards the work of ${turns}:`;
}
