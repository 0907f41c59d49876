// @vitest-environment jsdom
import { h } from "@boocode/common/dom";
import { describe, expect, it } from "vitest";
import { checkpoint } from "../testing/fixtures";
import { CheckpointMarks, type CheckpointMarksInput } from "./checkpoints";

/** A transcript as the shared view draws it: an article per message. */
function transcript(): HTMLElement {
  const article = (id: string, role: string) => h("article", { class: `msg msg-${role}`, "data-testid": "message", "data-id": id, "data-role": role }, h("div", { class: "msg-head" }, id));
  return h("div", {}, article("u1", "user"), article("a1", "assistant"), article("u2", "user"), article("a2", "assistant"), article("a3", "assistant"));
}

function marks(root: HTMLElement) {
  const calls: string[] = [];
  const m = new CheckpointMarks(root, {
    restore: (n) => calls.push(`restore ${n}`),
    confirm: () => calls.push("confirm"),
    cancel: () => calls.push("cancel"),
  });
  return { m, calls };
}

const bars = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>('[data-testid="checkpoint"]')].map((b) => ({
    on: b.parentElement?.dataset["id"],
    n: b.dataset["n"],
    text: b.textContent,
    first: b.parentElement?.firstElementChild === b,
  }));
const button = (root: HTMLElement, testid: string, n = 1) =>
  root.querySelector<HTMLButtonElement>(`[data-testid="checkpoint"][data-n="${n}"] [data-testid="${testid}"]`);

describe("CheckpointMarks", () => {
  const base: CheckpointMarksInput = { checkpoints: [checkpoint(2), checkpoint(1)], flow: null, transcript: {}, busy: false };

  it("puts 'Checkpoint n · Restore' at the top of each agent turn that has one", () => {
    const root = transcript();
    const { m, calls } = marks(root);
    m.update(base);
    expect(bars(root)).toEqual([
      { on: "a1", n: "1", text: "Checkpoint 1·Restore", first: true },
      { on: "a2", n: "2", text: "Checkpoint 2·Restore", first: true },
    ]);
    button(root, "checkpoint-restore", 2)?.click();
    expect(calls).toEqual(["restore 2"]);
    // Redrawn in place, not stacked; gone when the checkpoint is.
    m.update({ ...base, checkpoints: [checkpoint(1)] });
    expect(bars(root).map((b) => b.on)).toEqual(["a1"]);
    expect(root.querySelectorAll('[data-testid="checkpoint"]')).toHaveLength(1);
  });

  it("asks before restoring: what would be discarded, then Restore and discard / Cancel", () => {
    const root = transcript();
    const { m, calls } = marks(root);
    m.update({ ...base, flow: { n: 1, phase: "asking", discarded: [], error: null } });
    expect(button(root, "checkpoint-restore")?.textContent).toBe("Checking…");
    expect(button(root, "checkpoint-restore")?.disabled).toBe(true);
    expect(button(root, "checkpoint-restore", 2)?.disabled).toBe(true);

    m.update({ ...base, flow: { n: 1, phase: "confirm", discarded: [checkpoint(1), checkpoint(2)], error: null } });
    const dialog = root.querySelector('[data-n="1"] [data-testid="checkpoint-confirm"]');
    expect(dialog?.querySelector("p")?.textContent).toBe("Put the worktree back to checkpoint 1? This discards the work of 2 turns:");
    expect([...root.querySelectorAll('[data-testid="checkpoint-discard"]')].map((li) => li.textContent)).toEqual(['#1 fake: "turn 1"', '#2 fake: "turn 2"']);
    button(root, "checkpoint-confirm-restore")?.click();
    button(root, "checkpoint-cancel")?.click();
    expect(calls).toEqual(["confirm", "cancel"]);

    m.update({ ...base, flow: { n: 1, phase: "restoring", discarded: [checkpoint(1)], error: null } });
    expect(button(root, "checkpoint-confirm-restore")?.textContent).toBe("Restoring…");
    expect(button(root, "checkpoint-confirm-restore")?.disabled).toBe(true);

    m.update({ ...base, flow: { n: 1, phase: "failed", discarded: [], error: "A turn is running: restore once it has ended." } });
    expect(root.querySelector('[data-testid="checkpoint-error"]')?.textContent).toBe("A turn is running: restore once it has ended.");
    expect(button(root, "checkpoint-cancel")?.textContent).toBe("Dismiss");
    // Another checkpoint can be restored after a failure.
    expect(button(root, "checkpoint-restore", 2)?.disabled).toBe(false);
  });

  it("offers no restore while a turn runs", () => {
    const root = transcript();
    const { m } = marks(root);
    m.update({ ...base, busy: true });
    expect(button(root, "checkpoint-restore")?.disabled).toBe(true);
    expect(button(root, "checkpoint-restore", 2)?.disabled).toBe(true);
  });
});
