import { describe, expect, it } from "vitest";
import { afterRemoval, endedDetail, formatHash, initialSelection, parseHash, sameList, terminalDetail, terminalLabel } from "./route";
import { T1, T2, terminal } from "./testing/fixtures";

describe("the hash", () => {
  it("holds one terminal id", () => {
    expect(parseHash(`#${T1}`)).toBe(T1);
    expect(parseHash(`#/${T1.toUpperCase()}`)).toBe(T1);
    expect(formatHash(T1)).toBe(`#${T1}`);
    expect(formatHash(null)).toBe("");
  });

  it("ignores anything else", () => {
    for (const hash of ["", "#", "#/", "#abc", `#${T1}x`, "#/s/1/c/2", "#%E0%A4%A"]) {
      expect(parseHash(hash), hash).toBeNull();
    }
  });
});

describe("labels", () => {
  it("prefers the title, then the running program", () => {
    expect(terminalLabel(terminal({ title: " build " }))).toBe("build");
    expect(terminalLabel(terminal({ title: "" }))).toBe("bash");
    expect(terminalLabel(terminal({ current_command: null, command: "'htop'" }))).toBe("'htop'");
    expect(terminalLabel(terminal({ current_command: null }))).toBe("shell");
  });

  it("says where and how big", () => {
    expect(terminalDetail(terminal())).toBe("/home/ada · 80×24");
    expect(terminalDetail(terminal({ target: "ada@box", attached_clients: 3, cols: 120, rows: 40 }))).toBe("ada@box · 120×40 · 3 attached");
  });
});

describe("selection", () => {
  const a = terminal({ id: T1, created_at: "2026-01-01T00:00:00Z" });
  const b = terminal({ id: T2, created_at: "2026-02-01T00:00:00Z" });

  it("starts at the hash, else the newest terminal", () => {
    expect(initialSelection(T1, [b])).toBe(T1);
    expect(initialSelection(null, [a, b])).toBe(T2);
    expect(initialSelection(null, [])).toBeNull();
  });

  it("moves to a neighbour when the selected terminal goes", () => {
    expect(afterRemoval([a, b], T1, T1)).toBe(T2);
    expect(afterRemoval([a, b], T2, T2)).toBe(T1);
    expect(afterRemoval([a, b], T2, T1)).toBe(T1);
    expect(afterRemoval([a], T1, T1)).toBeNull();
    expect(afterRemoval([], T1, T1)).toBeNull();
  });

  it("compares lists by what they show", () => {
    expect(sameList([a], [{ ...a, updated_at: "2027-01-01T00:00:00Z" }])).toBe(true);
    expect(sameList([a], [{ ...a, title: "x" }])).toBe(false);
    expect(sameList(null, [])).toBe(false);
  });
});

describe("ended terminals", () => {
  it("say how and when they ended", () => {
    const when = (iso: string) => `at ${iso}`;
    const at = "2026-11-25T04:05:06Z";
    expect(endedDetail(terminal({ status: "exited", exit_code: 3, exited_at: at }), when)).toBe(`exited with code 3 · at ${at}`);
    expect(endedDetail(terminal({ status: "exited", exit_code: null, exited_at: at }), when)).toBe(`ended · at ${at}`);
    expect(endedDetail(terminal({ status: "exited", exit_code: 0, exited_at: null }), when)).toBe("exited with code 0");
  });
});
