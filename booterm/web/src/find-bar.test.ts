// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { FindBar, resultText, type Finder } from "./find-bar";

/** A finder that records the calls the bar makes. */
function recorder(): Finder & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    findNext: (q) => (calls.push(`next ${q}`), true),
    findPrevious: (q) => (calls.push(`previous ${q}`), true),
    clearSearch: () => void calls.push("clear"),
    focus: () => void calls.push("focus"),
  };
}

function key(el: HTMLElement, k: string, shiftKey = false): void {
  el.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true }));
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("input"));
}

describe("the find bar", () => {
  it("searches from the newest output as the query is typed, steps with Enter and closes with Escape", () => {
    const bar = new FindBar(document);
    const finder = recorder();
    bar.attach(finder);
    expect(bar.isOpen).toBe(false);
    bar.open();
    expect(bar.isOpen).toBe(true);
    const input = bar.el.querySelector("input")!;
    type(input, "er");
    type(input, "err");
    key(input, "Enter");
    key(input, "Enter", true);
    type(input, "");
    key(input, "Escape");
    expect(finder.calls).toEqual(["clear", "previous er", "clear", "previous err", "previous err", "next err", "clear", "clear", "focus"]);
    expect(bar.isOpen).toBe(false);
  });

  it("says which match is active", () => {
    const bar = new FindBar(document);
    bar.attach(recorder());
    bar.open();
    const input = bar.el.querySelector("input")!;
    type(input, "x");
    bar.results(2, 5);
    expect(bar.el.querySelector('[data-testid="term-find-count"]')!.textContent).toBe("3 of 5");
    expect(resultText("x", -1, 0)).toBe("no match");
    expect(resultText("x", -1, 4)).toBe("4 matches");
    expect(resultText("", 0, 4)).toBe("");
  });

  it("does not open without a terminal, and closes when its terminal goes", () => {
    const bar = new FindBar(document);
    bar.open();
    expect(bar.isOpen).toBe(false);
    const finder = recorder();
    bar.attach(finder);
    bar.open();
    bar.attach(undefined);
    expect(bar.isOpen).toBe(false);
  });
});
