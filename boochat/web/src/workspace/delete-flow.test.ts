import type { SessionClosed, WorktreeReport } from "@boocode/types";
import { ApiError } from "@boocode/common/api";
import { describe, expect, it } from "vitest";
import { closedNotice, DeleteFlow, riskLines } from "./delete-flow";
import { session } from "./testing";

const report: WorktreeReport = {
  path: "/wt/s1",
  branch: "boo/s1",
  dirty_files: ["a.rs", "b.rs"],
  unpushed_commits: 1,
  unmerged_commits: 0,
  operation: null,
  conflicted_files: [],
  missing: false,
  error: null,
};
const nothingClosed: SessionClosed = {
  cancelled_tasks: 0,
  closed_agent_sessions: 0,
  worktree_removed: false,
  worktrees_kept: [],
  terminals_killed: 0,
  notes: [],
};

function flow(answers: (force: boolean) => Promise<SessionClosed>) {
  const calls: boolean[] = [];
  const gone: string[] = [];
  const f = new DeleteFlow(
    {
      deleteSession: (_id, force) => {
        calls.push(force);
        return answers(force);
      },
    },
    () => {},
    (s) => gone.push(s.id),
  );
  return { f, calls, gone };
}

describe("DeleteFlow", () => {
  it("asks, then shows the risk report, then deletes with force", async () => {
    const { f, calls, gone } = flow(async (force) => {
      if (!force) throw new ApiError(409, "worktree_at_risk", "the worktree holds work", { error: "x", code: "worktree_at_risk", details: { worktrees: [report] } });
      return { ...nothingClosed, worktree_removed: true };
    });
    const s = session({ id: "s1" });
    f.start(s);
    expect(f.state).toEqual({ session: s, phase: { kind: "confirm" } });
    await f.confirm();
    expect(f.state).toEqual({ session: s, phase: { kind: "at_risk", message: "the worktree holds work", worktrees: [report] } });
    await f.confirm();
    expect([calls, gone, f.state]).toEqual([[false, true], ["s1"], null]);
  });

  it("offers a forced delete when a daemon is down, and keeps other errors as they are", async () => {
    let n = 0;
    const { f, calls } = flow(async () => {
      n += 1;
      if (n === 1) throw new ApiError(503, "coder_unavailable", "boocoder cannot be reached");
      throw new ApiError(500, "internal", "boom");
    });
    f.start(session({ id: "s1" }));
    await f.confirm();
    expect(f.state?.phase).toEqual({ kind: "unreachable", message: "boocoder cannot be reached" });
    await f.confirm();
    expect(f.state?.phase).toEqual({ kind: "failed", message: "boom" });
    expect(calls).toEqual([false, true]);
    f.cancel();
    expect(f.state).toBeNull();
  });
});

describe("what a close left behind", () => {
  it("says why a worktree is at risk", () => {
    expect(riskLines(report)).toEqual(["2 unapplied files: a.rs, b.rs", "1 commit not in the project"]);
  });

  it("is quiet when nothing was left", () => {
    expect(closedNotice("Archived", nothingClosed)).toBeNull();
    expect(closedNotice("Archived", undefined)).toBeNull();
    expect(closedNotice("Archived", { ...nothingClosed, worktrees_kept: [report], notes: ["booterm could not list"] })).toBe(
      "Archived: worktree kept (2 unapplied files: a.rs, b.rs; 1 commit not in the project); booterm could not list",
    );
  });
});
