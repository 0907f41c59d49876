// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { dropTargetAt, TabDrag, type DropTarget } from "./shell-drag";

// jsdom has no layout: each tab gets a box by hand and `elementFromPoint` is what the test says.
function strip(paneId: string, ids: string[]): HTMLElement {
  const el = document.createElement("div");
  el.dataset["dropStrip"] = paneId;
  ids.forEach((id, i) => {
    const tab = document.createElement("div");
    tab.dataset["tabId"] = id;
    tab.getBoundingClientRect = () => ({ left: i * 100, width: 100, top: 0, height: 30, right: i * 100 + 100, bottom: 30, x: i * 100, y: 0, toJSON: () => ({}) });
    el.append(tab);
  });
  return el;
}

function body(paneId: string, count: number): HTMLElement {
  const el = document.createElement("div");
  el.dataset["dropPane"] = paneId;
  el.dataset["dropCount"] = String(count);
  el.append(document.createElement("span"));
  return el;
}

let under: Element | null = null;
Object.defineProperty(document, "elementFromPoint", { configurable: true, value: () => under });

function pointer(type: string, x: number, init: { pointerId?: number; pointerType?: string; button?: number; target?: EventTarget } = {}): Event {
  const e = new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: 10, button: init.button ?? 0 });
  Object.defineProperty(e, "pointerId", { value: init.pointerId ?? 1 });
  Object.defineProperty(e, "pointerType", { value: init.pointerType ?? "mouse" });
  return e;
}

afterEach(() => {
  document.body.replaceChildren();
  under = null;
});

describe("dropTargetAt", () => {
  it("finds the strip position among the other tabs, or the end of a pane body", () => {
    const s = strip("p2", ["a", "b", "c"]);
    const b = body("p3", 4);
    document.body.append(s, b);
    under = s.children[1] ?? null;
    expect(dropTargetAt(document, 160, 10, "x")).toEqual({ paneId: "p2", index: 2, where: "strip" });
    // The dragged tab itself does not count: "b" left, "c" is at index 1 now.
    expect(dropTargetAt(document, 160, 10, "b")).toEqual({ paneId: "p2", index: 1, where: "strip" });
    under = b.firstElementChild;
    expect(dropTargetAt(document, 0, 0, "x")).toEqual({ paneId: "p3", index: 4, where: "body" });
    under = document.body;
    expect(dropTargetAt(document, 0, 0, "x")).toBeNull();
  });
});

describe("TabDrag", () => {
  const setup = (): { drag: TabDrag; drop: ReturnType<typeof vi.fn>; tab: HTMLElement; target: HTMLElement } => {
    const s = strip("p1", ["a", "b"]);
    const target = body("p2", 1);
    document.body.append(s, target);
    const drop = vi.fn<(id: string, t: DropTarget) => void>();
    const drag = new TabDrag({ drop, changed: () => {} });
    const tab = s.children[0] as HTMLElement;
    tab.addEventListener("pointerdown", (e) => drag.down(e as PointerEvent, "a", "Tab A"));
    return { drag, drop, tab, target };
  };

  it("picks a tab up past the threshold, shows a ghost and drops it on the target under the pointer", () => {
    const { drag, drop, tab, target } = setup();
    tab.dispatchEvent(pointer("pointerdown", 10));
    document.dispatchEvent(pointer("pointermove", 13));
    expect(drag.dragging).toBeNull();
    under = target.firstElementChild;
    document.dispatchEvent(pointer("pointermove", 300));
    expect(drag.dragging).toBe("a");
    expect(drag.target).toEqual({ paneId: "p2", index: 1, where: "body" });
    expect(document.querySelector('[data-testid="drag-ghost"]')?.textContent).toBe("Tab A");
    document.dispatchEvent(pointer("pointerup", 300));
    expect(drop).toHaveBeenCalledWith("a", { paneId: "p2", index: 1, where: "body" });
    expect(document.querySelector('[data-testid="drag-ghost"]')).toBeNull();
    expect(drag.dragging).toBeNull();
  });

  it("drops nothing on Escape, on a cancelled pointer or for a plain click", () => {
    const { drag, drop, tab, target } = setup();
    under = target.firstElementChild;
    tab.dispatchEvent(pointer("pointerdown", 10));
    document.dispatchEvent(pointer("pointermove", 300));
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(drag.dragging).toBeNull();
    document.dispatchEvent(pointer("pointerup", 300));

    tab.dispatchEvent(pointer("pointerdown", 10));
    document.dispatchEvent(pointer("pointermove", 300));
    document.dispatchEvent(pointer("pointercancel", 300));
    expect(drag.dragging).toBeNull();

    tab.dispatchEvent(pointer("pointerdown", 10));
    document.dispatchEvent(pointer("pointerup", 11));
    expect(drop).not.toHaveBeenCalled();
  });

  it("lets a finger swipe scroll the strip instead of dragging", () => {
    const { drag, drop, tab } = setup();
    const s = tab.parentElement!;
    s.scrollLeft = 50;
    tab.dispatchEvent(pointer("pointerdown", 100, { pointerType: "touch" }));
    document.dispatchEvent(pointer("pointermove", 80, { pointerType: "touch" }));
    expect(drag.dragging).toBeNull();
    document.dispatchEvent(pointer("pointerup", 80, { pointerType: "touch" }));
    expect(drop).not.toHaveBeenCalled();
  });
});
