import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderStore } from "./dom";
import { Store } from "./store";

describe("renderStore", () => {
  let frames: (() => void)[];
  beforeEach(() => {
    frames = [];
    vi.useFakeTimers();
    vi.stubGlobal("requestAnimationFrame", (fn: () => void) => frames.push(fn));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("renders at once, then once per frame however many changes came", () => {
    const store = new Store(0);
    const render = vi.fn();
    renderStore(store, render);
    expect(render).toHaveBeenCalledTimes(1);
    store.update((n) => n + 1);
    store.update((n) => n + 1);
    expect(render).toHaveBeenCalledTimes(1);
    for (const frame of frames.splice(0)) frame();
    expect(render).toHaveBeenCalledTimes(2);
    // The fallback timeout of the same batch does nothing more.
    vi.advanceTimersByTime(100);
    expect(render).toHaveBeenCalledTimes(2);
  });

  it("keeps rendering where frames do not come (a hidden tab)", () => {
    const store = new Store(0);
    const render = vi.fn();
    renderStore(store, render);
    store.update((n) => n + 1);
    vi.advanceTimersByTime(100);
    expect(render).toHaveBeenCalledTimes(2);
    store.update((n) => n + 1);
    vi.advanceTimersByTime(100);
    expect(render).toHaveBeenCalledTimes(3);
  });
});
