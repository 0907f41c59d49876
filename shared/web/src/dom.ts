// A few helpers for building DOM without a framework.

import type { Store } from "./store";

export type AttrValue = string | number | boolean | null | undefined;
export type Handlers = Partial<{ [E in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[E]) => void }>;
/** Attributes, plus `on`: event listeners. */
export type Attrs = { on?: Handlers } & { [name: string]: AttrValue | Handlers };
export type Child = Node | string | null | undefined | false;

/** `h("div", {class: "x", "data-testid": "y"}, child…)`; `on` handlers go through addEventListener. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "on" || typeof value === "object") continue;
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  const handlers = attrs.on ?? {};
  for (const [event, fn] of Object.entries(handlers)) el.addEventListener(event, fn as EventListener);
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replace the children of `el` only when `key` changed since the last call. */
export function renderOnce<T>(el: HTMLElement & { __key?: unknown }, key: T, build: () => Child[]): void {
  if (el.__key !== undefined && shallowEqual(el.__key as unknown[], key as unknown[])) return;
  el.__key = key;
  el.replaceChildren();
  append(el, build());
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => Object.is(x, b[i]));
}

/** Renders now, then after changes of `store`, at most once per animation frame. */
export function renderStore<S>(store: Store<S>, render: () => void): void {
  let scheduled = false;
  store.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    // rAF pauses in hidden tabs; the timeout keeps a background page current too.
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      scheduled = false;
      render();
    };
    requestAnimationFrame(run);
    setTimeout(run, 100);
  });
  render();
}

/** "3 min ago", "yesterday", "12 Mar". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hours = Math.round(m / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(t).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/** Small inline SVG icons (stroke, currentColor). */
const ICONS: Record<string, string> = {
  plus: "M12 5v14M5 12h14",
  archive: "M3 7h18v3H3zM5 10v9h14v-9M10 14h4",
  restore: "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5",
  close: "M6 6l12 12M18 6L6 18",
  copy: "M9 9h10v10H9zM5 15V5h10",
  edit: "M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4",
  fork: "M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9",
  chevron: "M9 6l6 6-6 6",
  send: "M5 12h14M13 6l6 6-6 6",
  stop: "M7 7h10v10H7z",
  queue: "M4 6h16M4 12h10M4 18h7M17 15v6M14 18h6",
  tool: "M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.6 2.6-2.4-.6-.6-2.4z",
  warn: "M12 3l10 18H2zM12 10v5M12 18v.5",
  folder: "M3 6h6l2 2h10v11H3z",
  chat: "M4 5h16v11H9l-5 4z",
  spark: "M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5L18 18M6 18l2.5-2.5M15.5 8.5L18 6",
  check: "M5 12.5l4.5 4.5L19 7.5",
  refresh: "M20 11a8 8 0 0 0-14.6-4.5L3 9M3 4v5h5M4 13a8 8 0 0 0 14.6 4.5L21 15M21 20v-5h-5",
  undo: "M9 14L4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3",
  file: "M6 3h8l4 4v14H6zM14 3v4h4",
  shield: "M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z",
  gear: "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 13.5l1.6 1.2-2 3.4-1.9-.7a7 7 0 0 1-2.1 1.2L14.6 21h-4l-.4-2.4a7 7 0 0 1-2.1-1.2l-1.9.7-2-3.4 1.6-1.2a7 7 0 0 1 0-2.4L4.2 9.9l2-3.4 1.9.7a7 7 0 0 1 2.1-1.2L10.6 3h4l.4 2.4a7 7 0 0 1 2.1 1.2l1.9-.7 2 3.4-1.6 1.2a7 7 0 0 1 0 2.4z",
  info: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v6M12 7.5v.5",
  compress: "M4 9h16M4 15h16M12 3v4l-2-2M12 3l2 2M12 21v-4l-2 2M12 21l2-2",
  clip: "M21 12.5l-8.5 8.5a5 5 0 0 1-7-7L14 5.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 8.5",
};

export function icon(name: keyof typeof ICONS | string, cls = "icon"): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", ICONS[name] ?? "");
  svg.appendChild(path);
  return svg;
}
