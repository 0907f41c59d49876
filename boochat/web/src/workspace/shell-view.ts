// The workspace's panes as lit-html: side by side with splitters between them, each with
// a tab strip (number, kind, title, busy dot, close), a "+" menu and pane actions, and a
// body that holds ALL its tabs' elements with only the active one shown. The elements
// are the shell's own nodes (PaneElements), rendered in place, so lit moves them with
// their tabs instead of making new ones. An empty pane shows the session's history.
//
// The `data-drop-*` attributes are what TabDrag hit-tests against (a pane's whole head
// counts as its strip: past the last tab is the end).

import type { TabKind, WorkspacePane, WorkspaceState, WorkspaceTab } from "@boocode/types";
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { relativeTime } from "@boocode/common/dom";
import { tabNumber, MAX_PANES } from "./layout";
import type { DropTarget } from "./shell-drag";
import type { ModuleStatus } from "./shell-elements";
import { kindName, type History, type HistoryItem } from "./shell-model";
import { icon, KIND_ICON } from "./icons";

export type PanesModel = {
  sessionId: string;
  layout: WorkspaceState;
  /** The one pane a narrow screen shows; `null` = wide: all of them. */
  narrowShown: string | null;
  focusedPane: string | null;
  /** Widths while a splitter is being dragged. */
  liveWidths: readonly number[] | null;
  title(tab: WorkspaceTab): string;
  busy: ReadonlyMap<string, boolean>;
  element(tab: WorkspaceTab): HTMLElement;
  module(kind: TabKind): ModuleStatus;
  /** The pane whose "+" menu is open. */
  menuPane: string | null;
  dragging: string | null;
  dropTarget: DropTarget | null;
  /** `null` while the chat list loads. */
  history: History | null;
  historyErrors: { chats: string | null; terminals: string | null };
};

export type PanesActions = {
  activate(tabId: string): void;
  closeTab(tabId: string): void;
  tabPointerDown(e: PointerEvent, tabId: string, title: string): void;
  toggleMenu(paneId: string): void;
  newTab(paneId: string, kind: TabKind): void;
  split(paneId: string): void;
  closePane(paneId: string): void;
  openItem(paneId: string, item: HistoryItem): void;
  splitterDown(e: PointerEvent, index: number): void;
  splitterKey(index: number, dx: number): void;
  retryModule(kind: TabKind): void;
};

const NEW_ITEMS: readonly { kind: TabKind; label: string; testid: string }[] = [
  { kind: "chat", label: "New chat", testid: "new-chat" },
  { kind: "coder", label: "New agent chat", testid: "new-agent-chat" },
  { kind: "term", label: "New terminal", testid: "new-terminal" },
];

const MODULE_NOTE: Record<TabKind, string> = {
  chat: "",
  coder: "Agent panes need BooCode's one origin (deploy/dev prints it): the agent pane module did not load.",
  term: "Terminal panes need BooCode's one origin (deploy/dev prints it): the terminal pane module did not load.",
};

/**
 * Each pane's flex grow: its relative width scaled so the widths average 1 (flex leaves
 * space unused when the grows of the panes shown add up to less than 1).
 */
export function paneGrows(widths: readonly (number | undefined)[]): number[] {
  const w = widths.map((x) => (x !== undefined && Number.isFinite(x) && x > 0 ? x : 1));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.round(((x * w.length) / sum) * 1000) / 1000);
}

export function panesView(m: PanesModel, a: PanesActions): TemplateResult {
  const panes = m.layout.panes;
  const grows = m.narrowShown !== null ? panes.map(() => 1) : paneGrows(panes.map((p, i) => m.liveWidths?.[i] ?? p.width));
  return html`${repeat(
    panes,
    (p) => p.id,
    (p, i) => html`${i > 0 ? splitter(a, i - 1, panes) : nothing}${pane(m, a, p, i, grows[i] ?? 1)}`,
  )}`;
}

function splitter(a: PanesActions, index: number, panes: readonly WorkspacePane[]): TemplateResult {
  const onKey = (e: KeyboardEvent): void => {
    const dx = e.key === "ArrowLeft" ? -32 : e.key === "ArrowRight" ? 32 : 0;
    if (dx === 0) return;
    e.preventDefault();
    a.splitterKey(index, dx);
  };
  return html`<div
    class="ws-splitter"
    role="separator"
    aria-orientation="vertical"
    aria-label="Resize panes ${index + 1} and ${index + 2}"
    tabindex="0"
    data-testid="splitter"
    data-between=${`${panes[index]?.id ?? ""} ${panes[index + 1]?.id ?? ""}`}
    @pointerdown=${(e: PointerEvent) => a.splitterDown(e, index)}
    @keydown=${onKey}
  ></div>`;
}

function pane(m: PanesModel, a: PanesActions, p: WorkspacePane, i: number, grow: number): TemplateResult {
  const focused = m.focusedPane === p.id;
  const hidden = m.narrowShown !== null && m.narrowShown !== p.id;
  const count = p.tabs.filter((t) => t.id !== m.dragging).length;
  const bodyTarget = m.dropTarget?.paneId === p.id && m.dropTarget.where === "body";
  const stripTarget = m.dropTarget?.paneId === p.id && m.dropTarget.where === "strip" ? m.dropTarget.index : -1;
  return html`<section
    class="ws-pane${focused ? " focused" : ""}${bodyTarget ? " drop-body" : ""}"
    data-pane-id=${p.id}
    data-testid="pane"
    aria-label="Pane ${i + 1}"
    ?hidden=${hidden}
    style="flex-grow: ${grow}"
  >
    <div class="ws-pane-head" data-drop-strip=${p.id}>
      <div class="ws-tabs${stripTarget === count ? " drop-end" : ""}" role="tablist" data-testid="tab-strip">
        ${repeat(
          p.tabs,
          (t) => t.id,
          (t) => tab(m, a, p, t, stripTarget),
        )}
      </div>
      <div class="ws-pane-actions">
        <div class="ws-menu-wrap">
          <button
            class="icon-btn"
            type="button"
            title="New tab"
            aria-label="New tab in pane ${i + 1}"
            aria-haspopup="menu"
            aria-expanded=${m.menuPane === p.id ? "true" : "false"}
            data-testid="pane-new"
            @click=${() => a.toggleMenu(p.id)}
          >
            ${icon("plus")}
          </button>
          ${m.menuPane === p.id ? newMenu(a, p.id) : nothing}
        </div>
        <button
          class="icon-btn"
          type="button"
          title="Split right (Ctrl/⌘ \\)"
          aria-label="Split pane ${i + 1}"
          data-testid="split-pane"
          ?disabled=${m.layout.panes.length >= MAX_PANES}
          @click=${() => a.split(p.id)}
        >
          ${icon("split")}
        </button>
        <button
          class="icon-btn"
          type="button"
          title="Close pane (its tabs move to the first pane)"
          aria-label="Close pane ${i + 1}"
          data-testid="close-pane"
          ?disabled=${m.layout.panes.length <= 1}
          @click=${() => a.closePane(p.id)}
        >
          ${icon("close")}
        </button>
      </div>
    </div>
    <div class="ws-pane-body" data-drop-pane=${p.id} data-drop-count=${count}>
      ${p.tabs.length === 0
        ? history(m, a, p.id)
        : repeat(
            p.tabs,
            (t) => t.id,
            (t) => tabBody(m, a, p, t),
          )}
    </div>
  </section>`;
}

function tab(m: PanesModel, a: PanesActions, p: WorkspacePane, t: WorkspaceTab, dropAt: number): TemplateResult {
  const active = p.activeTab === t.id;
  const title = m.title(t);
  const number = tabNumber(m.layout, t.id);
  const busy = m.busy.get(t.id) === true;
  // The insertion mark sits before the tab at `dropAt` among the tabs other than the dragged one.
  const others = p.tabs.filter((x) => x.id !== m.dragging);
  const dropBefore = dropAt >= 0 && others[dropAt]?.id === t.id;
  const onKey = (e: KeyboardEvent): void => {
    if (e.target !== e.currentTarget || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    a.activate(t.id);
  };
  return html`<div
    class="ws-tab${active ? " active" : ""}${m.dragging === t.id ? " dragging" : ""}${dropBefore ? " drop-before" : ""}"
    role="tab"
    tabindex="0"
    aria-selected=${active ? "true" : "false"}
    title=${title}
    data-tab-id=${t.id}
    data-testid="${t.kind}-tab"
    data-id=${t.id}
    data-kind=${t.kind}
    data-busy=${busy ? "true" : "false"}
    @pointerdown=${(e: PointerEvent) => a.tabPointerDown(e, t.id, title)}
    @click=${() => a.activate(t.id)}
    @keydown=${onKey}
  >
    <span class="ws-tab-num" data-testid="tab-number">${number ?? "·"}</span>
    ${icon(KIND_ICON[t.kind], "icon ws-tab-icon")}
    <span class="ws-tab-title">${title}</span>
    ${busy ? html`<span class="ws-busy" title="Working…" aria-label="working"></span>` : nothing}
    <button
      class="ws-tab-close"
      type="button"
      title="Close tab"
      aria-label="Close ${title}"
      data-testid="close-tab"
      @pointerdown=${(e: PointerEvent) => e.stopPropagation()}
      @click=${(e: MouseEvent) => {
        e.stopPropagation();
        a.closeTab(t.id);
      }}
    >
      ${icon("close")}
    </button>
  </div>`;
}

function tabBody(m: PanesModel, a: PanesActions, p: WorkspacePane, t: WorkspaceTab): TemplateResult {
  const status = m.module(t.kind);
  let note: TemplateResult | typeof nothing = nothing;
  if (status === "failed") {
    note = html`<div class="ws-tab-note error" role="alert" data-testid="pane-load-error">
      ${icon("warn")}<span>${MODULE_NOTE[t.kind]}</span>
      <button class="btn" type="button" @click=${() => a.retryModule(t.kind)}>Retry</button>
    </div>`;
  } else if (status === "loading" || status === "idle") {
    note = html`<div class="ws-tab-note" data-testid="pane-loading">Loading the ${kindName(t.kind).toLowerCase()} pane…</div>`;
  }
  return html`<div class="ws-tab-body" data-tab-body=${t.id} ?hidden=${p.activeTab !== t.id}>${note}${m.element(t)}</div>`;
}

function newMenu(a: PanesActions, paneId: string): TemplateResult {
  return html`<div class="menu ws-menu" role="menu" data-testid="pane-new-menu">
    ${NEW_ITEMS.map(
      (n) => html`<button class="menu-item" type="button" role="menuitem" data-testid=${n.testid} @click=${() => a.newTab(paneId, n.kind)}>
        ${icon(KIND_ICON[n.kind])}${n.label}
      </button>`,
    )}
  </div>`;
}

function history(m: PanesModel, a: PanesActions, paneId: string): TemplateResult {
  const h = m.history;
  const section = (title: string, items: readonly HistoryItem[], empty: string | null, testid: string): TemplateResult | typeof nothing =>
    items.length === 0 && empty === null
      ? nothing
      : html`<section class="ws-history-group" data-testid=${testid}>
          <h3>${title}</h3>
          ${items.length === 0 ? html`<p class="ws-history-empty">${empty}</p>` : html`<ul>${items.map((item) => historyItem(a, paneId, item))}</ul>`}
        </section>`;
  return html`<div class="ws-history" data-testid="history">
    <div class="ws-history-head">
      <h2>Session</h2>
      <p>Open something in this pane, or pick up where you left off.</p>
      <div class="ws-history-new">
        ${NEW_ITEMS.map(
          (n) => html`<button class="btn" type="button" data-testid="history-${n.testid}" @click=${() => a.newTab(paneId, n.kind)}>
            ${icon(KIND_ICON[n.kind])}${n.label}
          </button>`,
        )}
      </div>
    </div>
    ${h === null
      ? html`<p class="ws-history-empty">${m.historyErrors.chats === null ? "Loading the session's chats…" : `Cannot list the chats: ${m.historyErrors.chats}`}</p>`
      : html`${section("Chats", h.open, h.open.length + h.archived.length + h.terminals.length === 0 ? "Nothing else in this session yet." : null, "history-open")}
        ${section("Terminals", h.terminals, m.historyErrors.terminals === null ? null : `Cannot list the terminals: ${m.historyErrors.terminals}`, "history-terminals")}
        ${section("Archived chats", h.archived, null, "history-archived")}`}
  </div>`;
}

const STATUS_TEXT: Record<HistoryItem["status"], string> = { open: "", archived: "archived", live: "live", exited: "exited" };

function historyItem(a: PanesActions, paneId: string, item: HistoryItem): TemplateResult {
  const action = item.status === "archived" ? "Restore and open" : "Open";
  return html`<li>
    <button
      class="ws-history-item"
      type="button"
      title="${action} ${item.title}"
      data-testid="history-item"
      data-kind=${item.kind}
      data-id=${item.id}
      data-status=${item.status}
      @click=${() => a.openItem(paneId, item)}
    >
      ${icon(KIND_ICON[item.kind], "icon ws-history-icon")}
      <span class="ws-history-title">${item.title}</span>
      <span class="ws-history-time">${relativeTime(item.at)}</span>
      <span class="ws-history-meta">
        <span class="ws-kind">${kindName(item.kind)}</span>
        ${STATUS_TEXT[item.status] === "" ? nothing : html`<span class="ws-status ws-status-${item.status}">${STATUS_TEXT[item.status]}</span>`}
        ${item.detail === null ? nothing : html`<span class="ws-history-detail">${item.detail}</span>`}
      </span>
    </button>
  </li>`;
}

/** Narrow screens: one pane at a time, picked here (each button is also a drop target for a dragged tab). */
export function switcherView(
  layout: WorkspaceState,
  shown: string,
  title: (tab: WorkspaceTab) => string,
  dragging: string | null,
  pick: (paneId: string) => void,
): TemplateResult {
  return html`<nav class="ws-switcher" aria-label="Panes" data-testid="pane-switcher">
    ${layout.panes.map((p, i) => {
      const active = p.tabs.find((t) => t.id === p.activeTab);
      const label = active === undefined ? "Session" : title(active);
      return html`<button
        class="ws-switch${p.id === shown ? " current" : ""}"
        type="button"
        aria-current=${p.id === shown ? "true" : "false"}
        title="Pane ${i + 1}: ${label}"
        data-testid="pane-switch"
        data-drop-pane=${p.id}
        data-drop-count=${p.tabs.filter((t) => t.id !== dragging).length}
        @click=${() => pick(p.id)}
      >
        <span class="ws-switch-num">${i + 1}</span><span class="ws-switch-label">${label}</span>
      </button>`;
    })}
  </nav>`;
}
