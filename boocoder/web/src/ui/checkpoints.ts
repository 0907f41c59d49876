// "Checkpoint n · Restore" on each agent turn that has a checkpoint (the worktree as it
// was before that turn). The bar is put at the top of the turn's message element, which
// the shared transcript view draws and keeps (it never touches children it did not
// make), and redrawn when the checkpoints, the restore flow or the transcript change.
// Restore asks first: the lines of what would be discarded, then Restore / Cancel.

import type { Checkpoint } from "@boocode/types";
import { h, icon } from "@boocode/common/dom";
import { byMessage, confirmText, discardLines, type RestoreFlow } from "../state/checkpoints";

export type CheckpointMarksInput = {
  checkpoints: readonly Checkpoint[] | null;
  flow: RestoreFlow | null;
  /** Changes whenever the transcript's message elements may have been redrawn. */
  transcript: unknown;
  /** A turn of the chat runs: nothing can be restored now. */
  busy: boolean;
};

export type CheckpointActions = {
  restore(n: number): void;
  confirm(): void;
  cancel(): void;
};

const BAR = "checkpoint-bar";

export class CheckpointMarks {
  private last: readonly unknown[] | undefined;

  constructor(
    /** Where the transcript's message elements are. */
    private readonly root: HTMLElement,
    private readonly actions: CheckpointActions,
  ) {}

  update(input: CheckpointMarksInput): void {
    const key = [input.checkpoints, input.flow, input.transcript, input.busy];
    if (this.last !== undefined && key.every((v, i) => v === this.last?.[i])) return;
    this.last = key;
    const marks = byMessage(input.checkpoints);
    for (const el of this.root.querySelectorAll<HTMLElement>('[data-testid="message"][data-role="assistant"]')) {
      const checkpoint = marks.get(el.dataset["id"] ?? "");
      // (Not `:scope >`: jsdom misses it inside a shadow root.)
      const old = [...el.children].find((c) => c.classList.contains(BAR));
      if (checkpoint === undefined) {
        old?.remove();
        continue;
      }
      const bar = this.bar(checkpoint, input);
      if (old === undefined) el.prepend(bar);
      else old.replaceWith(bar);
    }
  }

  private bar(c: Checkpoint, input: CheckpointMarksInput): HTMLElement {
    const flow = input.flow?.n === c.n ? input.flow : null;
    const othersBusy = input.flow !== null && input.flow.n !== c.n && input.flow.phase !== "failed";
    const restoredAt = c.restored_at === null ? "" : `; restored ${new Date(c.restored_at).toLocaleString()}`;
    return h(
      "div",
      { class: BAR, "data-testid": "checkpoint", "data-n": String(c.n) },
      h(
        "div",
        { class: "checkpoint-line" },
        h("span", { class: "checkpoint-label", title: `The worktree before this turn (commit ${c.commit.slice(0, 12)}${restoredAt})` }, `Checkpoint ${c.n}`),
        h("span", { class: "checkpoint-dot" }, "·"),
        h(
          "button",
          {
            class: "btn btn-small btn-quiet",
            type: "button",
            title: "Put the worktree back to how it was before this turn",
            "data-testid": "checkpoint-restore",
            disabled: input.busy || flow !== null || othersBusy,
            on: { click: () => this.actions.restore(c.n) },
          },
          icon("undo"),
          flow?.phase === "asking" ? "Checking…" : "Restore",
        ),
      ),
      flow === null ? null : this.flow(flow),
    );
  }

  private flow(flow: RestoreFlow): HTMLElement | null {
    const error = flow.error === null ? null : h("div", { class: "checkpoint-error", role: "alert", "data-testid": "checkpoint-error" }, flow.error);
    if (flow.phase === "asking") return null;
    if (flow.phase === "failed") {
      return h(
        "div",
        { class: "checkpoint-confirm" },
        error,
        h("button", { class: "btn btn-small", type: "button", "data-testid": "checkpoint-cancel", on: { click: () => this.actions.cancel() } }, "Dismiss"),
      );
    }
    const restoring = flow.phase === "restoring";
    return h(
      "div",
      { class: "checkpoint-confirm", role: "alertdialog", "aria-label": `Restore checkpoint ${flow.n}`, "data-testid": "checkpoint-confirm" },
      h("p", {}, confirmText(flow.n, flow.discarded)),
      h("ul", { class: "checkpoint-discards" }, ...discardLines(flow.discarded).map((line) => h("li", { "data-testid": "checkpoint-discard" }, line))),
      error,
      h(
        "div",
        { class: "checkpoint-actions" },
        h(
          "button",
          { class: "btn btn-small btn-reject", type: "button", "data-testid": "checkpoint-confirm-restore", disabled: restoring, on: { click: () => this.actions.confirm() } },
          icon("undo"),
          restoring ? "Restoring…" : "Restore and discard",
        ),
        h("button", { class: "btn btn-small", type: "button", "data-testid": "checkpoint-cancel", disabled: restoring, on: { click: () => this.actions.cancel() } }, "Cancel"),
      ),
    );
  }
}
