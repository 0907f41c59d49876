// booterm's own page: the live terminals in a sidebar (new, rename, kill), the few that
// ended last below them (their last screen is kept), and the selected one in a
// <boo-term-pane>. The selection lives in the URL hash, so a reload
// reattaches to the same shell. The list is refetched every few seconds (terminals
// are also made by the workspace and by peers over gRPC).

import type { Terminal } from "@boocode/types";
import { errorText } from "@boocode/common/api";
import { h } from "@boocode/common/dom";
import type { TermApi } from "./api";
import type { TermStateDetail } from "./pane";
import { afterRemoval, endedDetail, formatHash, initialSelection, parseHash, sameList, terminalDetail, terminalLabel } from "./route";

export const POLL_MS = 10_000;
/** A first click on Kill arms it for this long; the second one kills. */
export const KILL_CONFIRM_MS = 4_000;
/** How many ended terminals the sidebar lists. */
export const ENDED_SHOWN = 8;

type State = {
  terminals: Terminal[] | null;
  /** The last ones to end, newest first. */
  ended: Terminal[];
  listError: string | null;
  selected: string | null;
  editing: string | null;
  armedKill: string | null;
  creating: boolean;
  error: string | null;
};

const SVG = "http://www.w3.org/2000/svg";
const PATHS = {
  plus: "M12 5v14M5 12h14",
  pencil: "M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
} as const;

function svg(name: keyof typeof PATHS): SVGSVGElement {
  const el = document.createElementNS(SVG, "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("class", "icon");
  el.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", PATHS[name]);
  el.append(path);
  return el;
}

export class TermApp {
  private state: State = { terminals: null, ended: [], listError: null, selected: null, editing: null, armedKill: null, creating: false, error: null };
  private readonly side: HTMLElement;
  private readonly list: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly newButton: HTMLButtonElement;
  private readonly main: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly pane: HTMLElement;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private armTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    root: HTMLElement,
    private readonly api: TermApi,
    private readonly win: Window = window,
  ) {
    this.newButton = h("button", { class: "btn btn-primary term-new", type: "button", "data-testid": "new-terminal", on: { click: () => void this.create() } }, svg("plus"), "New terminal");
    this.errorBox = h("div", { class: "term-error", role: "alert", "data-testid": "term-error", hidden: true });
    this.list = h("ul", { class: "term-list", "data-testid": "term-list", "data-state": "loading", "aria-label": "Terminals" });
    this.side = h(
      "aside",
      { class: "term-side", "data-testid": "term-sidebar" },
      h("div", { class: "brand term-brand" }, h("span", { class: "brand-mark" }, "T"), h("span", {}, "booterm")),
      this.newButton,
      this.errorBox,
      this.list,
    );
    this.pane = document.createElement("boo-term-pane");
    this.pane.dataset["testid"] = "term-pane";
    this.pane.addEventListener("boo-term-state", (ev) => this.paneState((ev as CustomEvent<TermStateDetail>).detail));
    this.empty = h(
      "div",
      { class: "welcome", "data-testid": "no-terminal" },
      h("div", { class: "welcome-mark" }, "T"),
      h("h2", {}, "No terminal open"),
      h("p", {}, "Start a shell with New terminal. It keeps running in tmux when you close the page."),
    );
    this.main = h("main", { class: "term-main" });
    root.replaceChildren(h("div", { class: "term-app" }, this.side, this.main));
  }

  async start(): Promise<void> {
    this.win.addEventListener("hashchange", () => {
      const id = parseHash(this.win.location.hash);
      if (id !== null && id !== this.state.selected) this.select(id, false);
    });
    this.win.addEventListener("focus", () => void this.refresh());
    this.render();
    await this.refresh();
    this.select(initialSelection(parseHash(this.win.location.hash), this.state.terminals ?? []), false);
    this.poll();
  }

  /** Fetch the live and the last ended terminals; the sidebar re-renders only when something shown changed. */
  async refresh(): Promise<void> {
    try {
      const [terminals, endedOldestFirst] = await Promise.all([this.api.list(), this.api.list({ status: "exited", limit: ENDED_SHOWN })]);
      const ended = endedOldestFirst.reverse();
      if (this.state.listError === null && sameList(this.state.terminals, terminals) && sameList(this.state.ended, ended)) return;
      this.set({ terminals, ended, listError: null });
    } catch (err) {
      this.set({ listError: errorText(err) });
    }
  }

  private poll(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      void this.refresh().finally(() => this.poll());
    }, POLL_MS);
  }

  private set(change: Partial<State>): void {
    this.state = { ...this.state, ...change };
    this.render();
  }

  private select(id: string | null, focus = true): void {
    if (this.state.selected !== id) this.set({ selected: id });
    const hash = formatHash(id);
    if (this.win.location.hash !== hash) {
      const url = new URL(this.win.location.href);
      url.hash = hash;
      this.win.history.replaceState(null, "", url.toString());
    }
    if (focus && id !== null) this.pane.focus();
  }

  private async create(): Promise<void> {
    if (this.state.creating) return;
    this.set({ creating: true, error: null });
    try {
      const t = await this.api.create({});
      const others = (this.state.terminals ?? []).filter((x) => x.id !== t.id);
      this.set({ creating: false, terminals: [...others, t] });
      this.select(t.id);
    } catch (err) {
      this.set({ creating: false, error: `Cannot start a terminal: ${errorText(err)}` });
    }
  }

  private async rename(t: Terminal, title: string): Promise<void> {
    this.set({ editing: null });
    const wanted = title.trim();
    if (wanted === (t.title ?? "")) return;
    try {
      const renamed = await this.api.rename(t.id, wanted === "" ? null : wanted);
      this.set({ terminals: (this.state.terminals ?? []).map((x) => (x.id === renamed.id ? renamed : x)), error: null });
    } catch (err) {
      this.set({ error: `Cannot rename: ${errorText(err)}` });
    }
  }

  private async kill(t: Terminal): Promise<void> {
    if (this.state.armedKill !== t.id) {
      clearTimeout(this.armTimer);
      this.armTimer = setTimeout(() => this.state.armedKill === t.id && this.set({ armedKill: null }), KILL_CONFIRM_MS);
      this.set({ armedKill: t.id });
      return;
    }
    clearTimeout(this.armTimer);
    this.set({ armedKill: null });
    try {
      await this.api.kill(t.id);
    } catch (err) {
      this.set({ error: `Cannot kill ${terminalLabel(t)}: ${errorText(err)}` });
      return;
    }
    const list = this.state.terminals ?? [];
    const next = afterRemoval(list, t.id, this.state.selected);
    this.set({ terminals: list.filter((x) => x.id !== t.id), error: null });
    this.select(next, false);
    // It is listed under Ended now.
    void this.refresh();
  }

  private paneState(detail: TermStateDetail): void {
    // The program ended (or the terminal is gone): the live list no longer has it.
    if (detail.state.kind === "exited" || detail.state.kind === "gone") void this.refresh();
    const t = this.state.terminals?.find((x) => x.id === this.state.selected);
    this.win.document.title = `${t === undefined ? "" : `${terminalLabel(t)} · `}booterm · BooCode`;
  }

  private render(): void {
    const s = this.state;
    this.newButton.disabled = s.creating;
    const error = s.error ?? (s.listError === null ? null : `Cannot list the terminals: ${s.listError}`);
    this.errorBox.hidden = error === null;
    this.errorBox.textContent = error ?? "";
    this.list.dataset["state"] = s.listError !== null ? "error" : s.terminals === null ? "loading" : "loaded";
    // Rebuilding under an open rename field would take it away from the user.
    const editing = s.editing !== null && this.list.querySelector("input") !== null;
    if (!editing) this.list.replaceChildren(...(s.terminals ?? []).map((t) => this.item(t)));
    if (s.terminals !== null && s.terminals.length === 0) this.list.append(h("li", { class: "term-none" }, "No live terminal"));
    if (!editing && s.ended.length > 0) {
      this.list.append(h("li", { class: "term-heading", "data-testid": "ended-heading" }, "Ended"), ...s.ended.map((t) => this.endedItem(t)));
    }
    this.renderMain();
  }

  private renderMain(): void {
    const id = this.state.selected;
    if (id === null) {
      if (this.empty.parentNode !== this.main) this.main.replaceChildren(this.empty);
      return;
    }
    if (this.pane.getAttribute("terminal-id") !== id) this.pane.setAttribute("terminal-id", id);
    if (this.pane.parentNode !== this.main) this.main.replaceChildren(this.pane);
  }

  private item(t: Terminal): HTMLElement {
    const s = this.state;
    const selected = t.id === s.selected;
    const armed = s.armedKill === t.id;
    const label = terminalLabel(t);
    const body =
      s.editing === t.id
        ? this.renameField(t)
        : h(
            "button",
            { class: "term-open", type: "button", "data-testid": "open-terminal", title: label, on: { click: () => this.select(t.id) } },
            h("span", { class: "term-name", "data-testid": "terminal-name" }, label),
            h("span", { class: "term-sub" }, terminalDetail(t)),
          );
    return h(
      "li",
      { class: `term-item${selected ? " selected" : ""}`, "data-testid": "terminal-item", "data-id": t.id, "aria-current": selected ? "true" : null },
      body,
      h(
        "button",
        { class: "icon-btn", type: "button", title: "Rename", "aria-label": `Rename ${label}`, "data-testid": "rename-terminal", on: { click: () => this.set({ editing: t.id }) } },
        svg("pencil"),
      ),
      h(
        "button",
        {
          class: `icon-btn term-kill${armed ? " armed" : ""}`,
          type: "button",
          title: armed ? "Click again to kill it" : "Kill (ends the shell)",
          "aria-label": `Kill ${label}`,
          "data-testid": "kill-terminal",
          "data-armed": armed ? "true" : "false",
          on: { click: () => void this.kill(t) },
        },
        armed ? "Kill?" : svg("trash"),
      ),
    );
  }

  /** An ended terminal: opening it shows its last screen. */
  private endedItem(t: Terminal): HTMLElement {
    const selected = t.id === this.state.selected;
    const label = terminalLabel(t);
    return h(
      "li",
      { class: `term-item ended${selected ? " selected" : ""}`, "data-testid": "ended-terminal", "data-id": t.id, "aria-current": selected ? "true" : null },
      h(
        "button",
        { class: "term-open", type: "button", "data-testid": "open-terminal", title: label, on: { click: () => this.select(t.id) } },
        h("span", { class: "term-name", "data-testid": "terminal-name" }, label),
        h("span", { class: "term-sub" }, endedDetail(t)),
      ),
    );
  }

  private renameField(t: Terminal): HTMLElement {
    let done = false;
    const finish = (save: boolean): void => {
      if (done) return;
      done = true;
      if (save) void this.rename(t, input.value);
      else this.set({ editing: null });
    };
    const input = h("input", {
      class: "term-rename",
      type: "text",
      value: t.title ?? "",
      placeholder: terminalLabel(t),
      maxlength: 200,
      "aria-label": "Terminal title",
      "data-testid": "rename-input",
      on: {
        keydown: (ev) => {
          if (ev.key === "Enter") finish(true);
          else if (ev.key === "Escape") finish(false);
        },
        blur: () => finish(true),
      },
    });
    queueMicrotask(() => {
      input.focus();
      input.select();
    });
    return input;
  }
}
