import { describe, expect, it } from "vitest";
import { change } from "../testing/fixtures";
import { actionsFor, agentsNote, diffLines, diffStat, panelView } from "./pending";

describe("panelView", () => {
  it("groups by file, open files first with their open change on top", () => {
    const changes = [
      change("c1", "src/b.rs", { status: "applied", updated_at: "2026-01-01T00:00:01Z" }),
      change("c2", "src/a.rs", { agent: "qwen" }),
      change("c3", "src/b.rs", { status: "pending", updated_at: "2026-01-01T00:00:02Z" }),
      change("c4", "README.md", { status: "rejected" }),
    ];
    const view = panelView(changes);
    expect(view.open.map((g) => [g.path, g.changes.map((c) => c.id)])).toEqual([
      ["src/a.rs", ["c2"]],
      ["src/b.rs", ["c3", "c1"]],
    ]);
    expect(view.decided.map((g) => g.path)).toEqual(["README.md"]);
    expect(view.agents).toEqual(["fake", "qwen"]);
    expect(view.openCount).toBe(2);
  });

  it("notes the agents only when more than one contributed", () => {
    expect(agentsNote(["fake", "qwen"])).toBe("Changes from fake, qwen");
    expect(agentsNote(["fake"])).toBeNull();
    expect(panelView([change("c1", "a", { agent: null })]).agents).toEqual([]);
  });

  it("offers approve/reject on pending, revert on applied", () => {
    expect(actionsFor(change("c", "a"))).toEqual(["approve", "reject"]);
    expect(actionsFor(change("c", "a", { status: "applied" }))).toEqual(["revert"]);
    expect(actionsFor(change("c", "a", { status: "reverted" }))).toEqual([]);
  });
});

describe("diffLines", () => {
  it("colours a unified diff", () => {
    const diff = "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+hi\n+there\n context\n-gone\n\\ No newline at end of file\n";
    expect(diffLines(diff).map((l) => l.kind)).toEqual(["meta", "meta", "meta", "meta", "hunk", "add", "add", "ctx", "del", "note"]);
    expect(diffStat(diff)).toEqual({ added: 2, removed: 1 });
    expect(diffStat(null)).toEqual({ added: 0, removed: 0 });
  });

  it("starts over at the next file", () => {
    const two = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n";
    expect(diffLines(two).map((l) => l.kind)).toEqual(["meta", "meta", "meta", "hunk", "del", "add", "meta", "meta", "meta"]);
  });
});
