// The session's pending changes: open ones grouped by file with their unified diff, an
// agent badge per change, a note when several agents contributed, and approve / reject /
// revert with the server's error shown on the change. Decided changes fold away below.

import type { PendingChange } from "@boocode/types";
import { h, icon, renderOnce } from "@boocode/common/dom";
import type { PendingAction } from "../api/client";
import { actionsFor, agentsNote, diffLines, diffStat, panelView, type FileGroup } from "../state/pending";

export type DiffPanelInput = {
  pending: readonly PendingChange[] | null;
  ops: Readonly<Record<string, PendingAction>>;
  errors: Readonly<Record<string, string>>;
  sessionOpen: boolean;
};

const ACTION_LABEL: Record<PendingAction, string> = { approve: "Approve", reject: "Reject", revert: "Revert" };
const ACTION_BUSY: Record<PendingAction, string> = { approve: "Applying…", reject: "Rejecting…", revert: "Reverting…" };
const ACTION_ICON: Record<PendingAction, string> = { approve: "check", reject: "close", revert: "undo" };
const ACTION_TITLE: Record<PendingAction, string> = {
  approve: "Apply this change to the project",
  reject: "Drop this change",
  revert: "Undo this change in the project",
};

export function diffEl(diff: string | null): HTMLElement {
  if (diff === null || diff === "") return h("div", { class: "diff-empty" }, "No textual diff (binary or empty file).");
  return h(
    "div",
    { class: "diff-body", "data-testid": "diff" },
    ...diffLines(diff).map((l) => h("div", { class: `diff-line diff-${l.kind}` }, l.text === "" ? " " : l.text)),
  );
}

export class DiffPanel {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly head: HTMLElement;

  constructor(private readonly act: (changeId: string, action: PendingAction) => void) {
    this.head = h("div", { class: "panel-head" });
    this.body = h("div", { class: "panel-body" });
    this.el = h("aside", { class: "diff-panel", "data-testid": "diff-panel", "aria-label": "Pending changes" }, this.head, this.body);
  }

  update(input: DiffPanelInput): void {
    renderOnce(this.el as HTMLElement & { __key?: unknown }, [input.pending, input.ops, input.errors, input.sessionOpen], () => {
      this.build(input);
      return [this.head, this.body];
    });
  }

  private build(input: DiffPanelInput): void {
    const view = panelView(input.pending ?? []);
    const note = agentsNote(view.agents);
    this.head.replaceChildren(
      h("div", { class: "panel-title" }, icon("file"), h("span", {}, "Changes"), view.openCount > 0 ? h("span", { class: "count" }, String(view.openCount)) : null),
    );
    if (note !== null) this.head.append(h("div", { class: "agents-note", "data-testid": "agents-note" }, note));
    if (!input.sessionOpen) {
      this.body.replaceChildren(h("p", { class: "panel-empty" }, "Open a session to see its changes."));
      return;
    }
    if (input.pending === null) {
      this.body.replaceChildren(h("p", { class: "panel-empty" }, "Loading…"));
      return;
    }
    const children: HTMLElement[] = [];
    if (view.open.length === 0) {
      children.push(h("p", { class: "panel-empty", "data-testid": "no-pending" }, "No pending changes. Edits an agent makes in the worktree show up here after its turn."));
    }
    for (const g of view.open) children.push(this.group(g, input));
    if (view.decided.length > 0) {
      const count = view.decided.reduce((n, g) => n + g.changes.length, 0);
      const decided = h(
        "details",
        { class: "decided", "data-testid": "decided" },
        h("summary", {}, `Decided (${count})`),
        ...view.decided.map((g) => this.group(g, input)),
      );
      // Nothing waits: what was decided last is worth seeing.
      decided.open = view.open.length === 0;
      children.push(decided);
    }
    this.body.replaceChildren(...children);
  }

  private group(g: FileGroup, input: DiffPanelInput): HTMLElement {
    return h(
      "section",
      { class: "file-group", "data-testid": "file-group", "data-path": g.path },
      h("div", { class: "file-path", title: g.path }, icon("file"), h("span", {}, g.path)),
      ...g.changes.map((c) => this.change(c, input)),
    );
  }

  private change(c: PendingChange, input: DiffPanelInput): HTMLElement {
    const busy = input.ops[c.id];
    const error = input.errors[c.id] ?? (c.error === null || c.error === "" ? undefined : c.error);
    const stat = diffStat(c.diff);
    const actions = actionsFor(c);
    const el = h(
      "div",
      { class: `change change-${c.status}`, "data-testid": "pending-change", "data-id": c.id, "data-path": c.path, "data-status": c.status, "data-agent": c.agent ?? "" },
      h(
        "div",
        { class: "change-head" },
        h("span", { class: `badge kind-${c.kind}` }, c.kind),
        h("span", { class: `badge status-${c.status}`, "data-testid": "change-status" }, c.status),
        h("span", { class: "agent-badge", "data-testid": "agent-badge", title: c.agent === null ? "Made by hand" : `Made by ${c.agent}` }, c.agent ?? "manual"),
        h("span", { class: "diff-stat" }, h("span", { class: "stat-add" }, `+${stat.added}`), " ", h("span", { class: "stat-del" }, `−${stat.removed}`)),
        h(
          "span",
          { class: "change-actions" },
          ...actions.map((a) =>
            h(
              "button",
              {
                class: `btn btn-small${a === "approve" ? " btn-primary" : a === "reject" ? " btn-reject" : ""}`,
                type: "button",
                title: ACTION_TITLE[a],
                "data-testid": a,
                disabled: busy !== undefined,
                on: { click: () => this.act(c.id, a) },
              },
              icon(ACTION_ICON[a]),
              busy === a ? ACTION_BUSY[a] : ACTION_LABEL[a],
            ),
          ),
        ),
      ),
      error === undefined ? null : h("div", { class: "change-error", role: "alert", "data-testid": "change-error" }, error),
    );
    const open = c.status === "pending";
    const details = h("details", { class: "change-diff" }, h("summary", {}, open ? "Diff" : "Show diff"), diffEl(c.diff));
    details.open = open;
    el.append(details);
    return el;
  }
}
