import { describe, expect, it } from "vitest";
import { checkpoint } from "../testing/fixtures";
import { byMessage, checkpointOf, confirmText, discardedOf, discardLines, upsertCheckpoint } from "./checkpoints";

describe("checkpoints", () => {
  const list = [checkpoint(2), checkpoint(1), checkpoint(3, { message_id: null })];

  it("finds a turn's checkpoint by its answer message", () => {
    expect(checkpointOf(list, "a1")).toEqual(checkpoint(1));
    expect(checkpointOf(list, "a9")).toBeUndefined();
    expect(checkpointOf(null, "a1")).toBeUndefined();
    expect([...byMessage(list).entries()]).toEqual([
      ["a2", checkpoint(2)],
      ["a1", checkpoint(1)],
    ]);
  });

  it("puts a changed checkpoint in place, newest first", () => {
    const restored = checkpoint(1, { restored_at: "2026-01-02T00:00:00Z" });
    expect(upsertCheckpoint([checkpoint(2), checkpoint(1)], restored)).toEqual([checkpoint(2), restored]);
    expect(upsertCheckpoint(null, restored)).toEqual([restored]);
    expect(upsertCheckpoint([checkpoint(1)], checkpoint(4))).toEqual([checkpoint(4), checkpoint(1)]);
  });

  it("reads what a restore would discard from the 409 body", () => {
    const discarded = [checkpoint(1), checkpoint(2)];
    expect(discardedOf({ error: "e", code: "checkpoint_discards_later", discarded })).toEqual(discarded);
    expect(discardedOf({ error: "e", code: "not_found" })).toEqual([]);
    expect(discardedOf(undefined)).toEqual([]);
    expect(discardedOf("text")).toEqual([]);
  });

  it("words the confirmation", () => {
    const discarded = [checkpoint(3, { agent: "qwen", prompt: "" }), checkpoint(2, { prompt: 'say "hi"' })];
    expect(confirmText(2, discarded)).toBe("Put the worktree back to checkpoint 2? This discards the work of 2 turns:");
    expect(confirmText(2, [checkpoint(2)])).toBe("Put the worktree back to checkpoint 2? This discards the work of 1 turn:");
    expect(discardLines(discarded)).toEqual(['#2 fake: "say "hi""', "#3 qwen: (no prompt)"]);
  });
});
