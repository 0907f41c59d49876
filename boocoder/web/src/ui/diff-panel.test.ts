// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { change } from "../testing/fixtures";
import { DiffPanel } from "./diff-panel";

const q = (el: Element, sel: string) => [...el.querySelectorAll<HTMLElement>(sel)];

describe("DiffPanel", () => {
  it("shows pending changes by file with agent badges, decided ones folded", () => {
    const act = vi.fn();
    const panel = new DiffPanel(act);
    panel.update({
      pending: [
        change("c1", "src/a.rs", { agent: "qwen" }),
        change("c2", "hello.txt", { kind: "create" }),
        change("c3", "old.txt", { status: "applied" }),
      ],
      ops: {},
      errors: {},
      sessionOpen: true,
    });
    const el = panel.el;
    expect(q(el, '[data-testid="pending-change"]').map((c) => [c.dataset["path"], c.dataset["status"], c.dataset["agent"]])).toEqual([
      ["hello.txt", "pending", "fake"],
      ["src/a.rs", "pending", "qwen"],
      ["old.txt", "applied", "fake"],
    ]);
    expect(el.querySelector('[data-testid="agents-note"]')?.textContent).toBe("Changes from fake, qwen");
    expect((el.querySelector('[data-testid="decided"]') as HTMLDetailsElement).open).toBe(false);
    const hello = el.querySelector<HTMLElement>('[data-path="hello.txt"][data-testid="pending-change"]');
    expect(hello?.querySelector('[data-testid="agent-badge"]')?.textContent).toBe("fake");
    expect(q(hello!, ".diff-line").map((l) => l.className)).toEqual([
      "diff-line diff-meta",
      "diff-line diff-meta",
      "diff-line diff-meta",
      "diff-line diff-hunk",
      "diff-line diff-del",
      "diff-line diff-add",
    ]);
    expect(q(hello!, "button").map((b) => b.dataset["testid"])).toEqual(["approve", "reject"]);
    hello?.querySelector<HTMLButtonElement>('[data-testid="approve"]')?.click();
    expect(act).toHaveBeenCalledWith("c2", "approve");
    expect(q(el, '[data-path="old.txt"] button').map((b) => b.dataset["testid"])).toEqual(["revert"]);
  });

  it("shows an action in flight and the server's error on the change", () => {
    const panel = new DiffPanel(vi.fn());
    panel.update({ pending: [change("c1", "a.txt")], ops: { c1: "approve" }, errors: {}, sessionOpen: true });
    const approve = panel.el.querySelector<HTMLButtonElement>('[data-testid="approve"]');
    expect(approve?.disabled).toBe(true);
    expect(approve?.textContent).toBe("Applying…");
    panel.update({ pending: [change("c1", "a.txt")], ops: {}, errors: { c1: "the file changed in the project (pending_conflict)" }, sessionOpen: true });
    expect(panel.el.querySelector('[data-testid="change-error"]')?.textContent).toBe("the file changed in the project (pending_conflict)");
    expect(panel.el.querySelector<HTMLButtonElement>('[data-testid="approve"]')?.disabled).toBe(false);
  });

  it("says when there is nothing to decide, and opens what was decided", () => {
    const panel = new DiffPanel(vi.fn());
    panel.update({ pending: [change("c1", "a.txt", { status: "rejected", agent: null })], ops: {}, errors: {}, sessionOpen: true });
    expect(panel.el.querySelector('[data-testid="no-pending"]')).not.toBeNull();
    expect((panel.el.querySelector('[data-testid="decided"]') as HTMLDetailsElement).open).toBe(true);
    expect(panel.el.querySelector('[data-testid="agent-badge"]')?.textContent).toBe("manual");
    expect(panel.el.querySelector('[data-testid="agents-note"]')).toBeNull();
  });
});
