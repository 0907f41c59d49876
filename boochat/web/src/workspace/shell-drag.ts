// Pointer drags of the workspace (pointer events, so a finger works as well as a mouse;
// no HTML5 drag and drop):
// - TabDrag: press a tab and move past a few pixels to pick it up; a ghost follows the
//   pointer, the strip position or pane body under it is the drop target (found with
//   `elementFromPoint` and the `data-drop-*` attributes the shell renders); release drops
//   (`drop(tabId, target)` → a `move_tab`), Escape or a cancelled pointer gives up. On a
//   touch screen a sideways swipe that starts at once scrolls the strip instead, and a
//   press held a moment picks the tab up.
// - SplitterDrag: the splitter between two panes trades their widths while it moves
//   (`preview`) and commits them on release (`commit` → a `resize`).

import { dragWidths, dropIndex } from "./shell-model";

/** Pixels a press must move before it becomes a drag. */
export const DRAG_THRESHOLD_PX = 6;
/** A touch held this long picks the tab up instead of scrolling the strip. */
export const TOUCH_HOLD_MS = 250;

export type DropTarget = { paneId: string; index: number; where: "strip" | "body" };

export type TabDragHooks = {
  drop(tabId: string, target: DropTarget): void;
  /** The drag started, moved to another target or ended: render again. */
  changed(): void;
};

type Press = {
  tabId: string;
  title: string;
  pointerId: number;
  touch: boolean;
  x0: number;
  y0: number;
  lastX: number;
  at: number;
  strip: HTMLElement | null;
  el: HTMLElement;
  scrolling: boolean;
};

/** The drop target under (x, y) for a dragged `tabId`, from the shell's `data-drop-*` markup. */
export function dropTargetAt(doc: Document, x: number, y: number, tabId: string): DropTarget | null {
  const hit = doc.elementFromPoint(x, y);
  if (hit === null) return null;
  const strip = hit.closest<HTMLElement>("[data-drop-strip]");
  if (strip !== null) {
    const paneId = strip.dataset["dropStrip"] ?? "";
    const mids = [...strip.querySelectorAll<HTMLElement>("[data-tab-id]")]
      .filter((t) => t.dataset["tabId"] !== tabId)
      .map((t) => {
        const r = t.getBoundingClientRect();
        return r.left + r.width / 2;
      });
    return { paneId, index: dropIndex(mids, x), where: "strip" };
  }
  const body = hit.closest<HTMLElement>("[data-drop-pane]");
  if (body !== null) {
    const paneId = body.dataset["dropPane"] ?? "";
    const count = Number(body.dataset["dropCount"] ?? "0");
    return { paneId, index: count, where: "body" };
  }
  return null;
}

export class TabDrag {
  /** The tab being dragged, once the press became a drag. */
  dragging: string | null = null;
  target: DropTarget | null = null;
  private press: Press | null = null;
  private ghost: HTMLElement | null = null;
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly hooks: TabDragHooks,
    private readonly doc: Document = document,
  ) {}

  /** A pointerdown on the tab `tabId` (titled `title`). */
  down(e: PointerEvent, tabId: string, title: string): void {
    if (this.press !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    const el = e.currentTarget as HTMLElement;
    this.press = {
      tabId,
      title,
      pointerId: e.pointerId,
      touch: e.pointerType === "touch",
      x0: e.clientX,
      y0: e.clientY,
      lastX: e.clientX,
      at: e.timeStamp,
      strip: el.closest<HTMLElement>("[role=tablist]"),
      el,
      scrolling: false,
    };
    try {
      el.setPointerCapture(e.pointerId);
    } catch {
      // Not capturable (synthetic events): document listeners still see the moves.
    }
    this.listen("pointermove", (ev) => this.move(ev as PointerEvent));
    this.listen("pointerup", (ev) => this.up(ev as PointerEvent));
    this.listen("pointercancel", (ev) => {
      if ((ev as PointerEvent).pointerId === this.press?.pointerId) this.cancel();
    });
    this.listen(
      "keydown",
      (ev) => {
        if ((ev as KeyboardEvent).key !== "Escape" || this.dragging === null) return;
        ev.preventDefault();
        ev.stopPropagation();
        this.cancel();
      },
      true,
    );
  }

  private listen(type: string, fn: (e: Event) => void, capture = false): void {
    this.doc.addEventListener(type, fn, capture);
    this.off.push(() => this.doc.removeEventListener(type, fn, capture));
  }

  private move(e: PointerEvent): void {
    const p = this.press;
    if (p === null || e.pointerId !== p.pointerId) return;
    const dx = e.clientX - p.x0;
    const dy = e.clientY - p.y0;
    if (this.dragging === null) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      // A finger swiping sideways at once scrolls the strip (tabs have touch-action: none).
      if (p.touch && (p.scrolling || (e.timeStamp - p.at < TOUCH_HOLD_MS && Math.abs(dx) > Math.abs(dy)))) {
        p.scrolling = true;
        if (p.strip !== null) p.strip.scrollLeft -= e.clientX - p.lastX;
        p.lastX = e.clientX;
        return;
      }
      this.start(p);
    }
    e.preventDefault();
    this.placeGhost(e.clientX, e.clientY);
    const target = dropTargetAt(this.doc, e.clientX, e.clientY, p.tabId);
    if (!sameTarget(target, this.target)) {
      this.target = target;
      this.hooks.changed();
    }
  }

  private start(p: Press): void {
    this.dragging = p.tabId;
    const ghost = this.doc.createElement("div");
    ghost.className = "ws-drag-ghost";
    ghost.dataset["testid"] = "drag-ghost";
    ghost.textContent = p.title;
    this.doc.body.append(ghost);
    this.ghost = ghost;
    this.doc.body.classList.add("ws-dragging");
    this.hooks.changed();
  }

  private placeGhost(x: number, y: number): void {
    if (this.ghost !== null) this.ghost.style.transform = `translate(${Math.round(x + 12)}px, ${Math.round(y + 10)}px)`;
  }

  private up(e: PointerEvent): void {
    const p = this.press;
    if (p === null || e.pointerId !== p.pointerId) return;
    const dragged = this.dragging;
    const target = dragged === null ? null : dropTargetAt(this.doc, e.clientX, e.clientY, p.tabId);
    if (dragged !== null || p.scrolling) this.swallowClick();
    this.end();
    if (dragged !== null && target !== null) this.hooks.drop(dragged, target);
  }

  /** Gives up the drag (Escape, a cancelled pointer): nothing moves. */
  cancel(): void {
    if (this.press === null) return;
    if (this.dragging !== null) this.swallowClick();
    this.end();
  }

  private end(): void {
    const p = this.press;
    this.press = null;
    if (p !== null) {
      try {
        p.el.releasePointerCapture(p.pointerId);
      } catch {
        // Already released.
      }
    }
    for (const off of this.off.splice(0)) off();
    this.ghost?.remove();
    this.ghost = null;
    this.doc.body.classList.remove("ws-dragging");
    const was = this.dragging;
    this.dragging = null;
    this.target = null;
    if (was !== null) this.hooks.changed();
  }

  /** The click that follows a drag's release must not activate the tab under it. */
  private swallowClick(): void {
    const win = this.doc.defaultView;
    if (win === null) return;
    const stop = (e: Event): void => {
      e.stopPropagation();
      e.preventDefault();
    };
    win.addEventListener("click", stop, { capture: true, once: true });
    win.setTimeout(() => win.removeEventListener("click", stop, { capture: true }), 0);
  }
}

function sameTarget(a: DropTarget | null, b: DropTarget | null): boolean {
  return a === b || (a !== null && b !== null && a.paneId === b.paneId && a.index === b.index && a.where === b.where);
}

export type SplitterHooks = {
  /** Relative widths while dragging (`null`: the drag ended or was cancelled). */
  preview(widths: number[] | null): void;
  commit(widths: number[]): void;
};

/** Drags of the splitter between pane `index` and `index + 1` of the panes in `row`. */
export class SplitterDrag {
  private readonly off: (() => void)[] = [];
  private active = false;

  constructor(
    private readonly hooks: SplitterHooks,
    private readonly doc: Document = document,
  ) {}

  down(e: PointerEvent, row: HTMLElement, index: number): void {
    if (this.active || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    const px = paneWidths(row);
    const x0 = e.clientX;
    const pointerId = e.pointerId;
    const handle = e.currentTarget as HTMLElement;
    let last: number[] | null = null;
    this.active = true;
    try {
      handle.setPointerCapture(pointerId);
    } catch {
      // Synthetic event: document listeners still see the moves.
    }
    this.doc.body.classList.add("ws-resizing");
    const finish = (commit: boolean): void => {
      this.active = false;
      for (const off of this.off.splice(0)) off();
      this.doc.body.classList.remove("ws-resizing");
      this.hooks.preview(null);
      if (commit && last !== null) this.hooks.commit(last);
    };
    this.listen("pointermove", (ev) => {
      const m = ev as PointerEvent;
      if (m.pointerId !== pointerId) return;
      last = dragWidths(px, index, m.clientX - x0);
      this.hooks.preview(last);
    });
    this.listen("pointerup", (ev) => {
      if ((ev as PointerEvent).pointerId === pointerId) finish(true);
    });
    this.listen("pointercancel", (ev) => {
      if ((ev as PointerEvent).pointerId === pointerId) finish(false);
    });
    this.listen(
      "keydown",
      (ev) => {
        if ((ev as KeyboardEvent).key !== "Escape") return;
        ev.preventDefault();
        ev.stopPropagation();
        finish(false);
      },
      true,
    );
  }

  /** Arrow keys on a focused splitter: the same trade, `dx` pixels at a time. */
  key(row: HTMLElement, index: number, dx: number): void {
    this.hooks.commit(dragWidths(paneWidths(row), index, dx));
  }

  private listen(type: string, fn: (e: Event) => void, capture = false): void {
    this.doc.addEventListener(type, fn, capture);
    this.off.push(() => this.doc.removeEventListener(type, fn, capture));
  }
}

function paneWidths(row: HTMLElement): number[] {
  return [...row.querySelectorAll<HTMLElement>(":scope > [data-pane-id]")].map((el) => el.getBoundingClientRect().width);
}
