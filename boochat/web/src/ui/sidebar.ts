// The left column: connection state, projects and their sessions.

import type { Project, Session } from "@boocode/types";
import type { Controller } from "../controller";
import type { AppState } from "../state/store";
import { h, icon, relativeTime, renderOnce } from "@boocode/common/dom";

const CONN_TEXT = { connecting: "connecting…", connected: "live", reconnecting: "reconnecting…", closed: "offline" } as const;

export function sessionTitle(session: Session): string {
  return session.title ?? "Untitled session";
}

export class Sidebar {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly foot: HTMLElement;

  constructor(
    private readonly app: Controller,
    private readonly openProjectDialog: () => void,
  ) {
    this.head = h("div", { class: "side-head" });
    this.body = h("nav", { class: "side-body", "aria-label": "Projects and sessions" });
    this.foot = h("div", { class: "side-foot" });
    this.el = h("aside", { class: "sidebar", "data-testid": "sidebar" }, this.head, this.body, this.foot);
  }

  update(s: AppState): void {
    renderOnce(this.head, [s.conn.state, s.conn.detail], () => [
      h("div", { class: "brand" }, h("span", { class: "brand-mark" }, "B"), h("span", {}, "BooCode")),
      h(
        "div",
        { class: `conn conn-${s.conn.state}`, "data-testid": "ws-status", "data-state": s.conn.state, title: s.conn.detail ?? `WebSocket ${CONN_TEXT[s.conn.state]}` },
        h("span", { class: "dot" }),
        CONN_TEXT[s.conn.state],
      ),
    ]);
    renderOnce(this.body, [s.projects, s.projectsError, s.expanded, s.sessions, s.session, s.showArchived], () => this.projects(s));
    renderOnce(this.foot, [s.showArchived], () => [
      h(
        "label",
        { class: "toggle" },
        h("input", { type: "checkbox", "data-testid": "show-archived", checked: s.showArchived, on: { change: () => this.app.toggleArchived() } }),
        h("span", {}, "Show archived"),
      ),
    ]);
  }

  private projects(s: AppState): HTMLElement[] {
    const header = h(
      "div",
      { class: "side-section" },
      h("span", {}, "Projects"),
      h("button", { class: "icon-btn", type: "button", title: "New project", "aria-label": "New project", "data-testid": "new-project", on: { click: this.openProjectDialog } }, icon("plus")),
    );
    if (s.projectsError !== null) return [header, h("div", { class: "side-error" }, `Cannot list projects: ${s.projectsError}`)];
    if (s.projects === null) return [header, h("div", { class: "side-muted" }, "Loading…")];
    if (s.projects.length === 0) {
      return [
        header,
        h(
          "div",
          { class: "side-empty" },
          h("p", {}, "No projects yet. A project is a folder on this machine that the assistant may read."),
          h("button", { class: "btn btn-primary", type: "button", on: { click: this.openProjectDialog } }, "Add a project"),
        ),
      ];
    }
    return [header, ...s.projects.map((p) => this.project(s, p))];
  }

  private project(s: AppState, p: Project): HTMLElement {
    const open = s.expanded[p.id] === true;
    const lists = s.sessions[p.id];
    const row = h(
      "div",
      { class: `project${open ? " open" : ""}`, "data-testid": "project", "data-id": p.id },
      h(
        "button",
        { class: "project-row", type: "button", title: p.path, "aria-expanded": open ? "true" : "false", on: { click: () => this.app.toggleProject(p.id) } },
        icon("chevron", "icon chevron"),
        icon("folder", "icon"),
        h("span", { class: "project-name" }, p.name),
      ),
      h(
        "button",
        { class: "icon-btn row-action", type: "button", title: "New session", "aria-label": `New session in ${p.name}`, "data-testid": "new-session", on: { click: () => void this.app.newSession(p.id) } },
        icon("plus"),
      ),
    );
    if (!open) return h("div", { class: "project-group" }, row);
    const items: HTMLElement[] = [];
    if (lists === undefined || (lists.loading && lists.open.length === 0)) items.push(h("div", { class: "side-muted indent" }, "Loading…"));
    else if (lists.error !== null) items.push(h("div", { class: "side-error indent" }, lists.error));
    else {
      if (lists.open.length === 0) {
        items.push(
          h("button", { class: "side-new indent", type: "button", on: { click: () => void this.app.newSession(p.id) } }, icon("plus"), "New session"),
        );
      }
      for (const session of lists.open) items.push(this.sessionRow(s, session));
      if (s.showArchived && lists.archived !== null && lists.archived.length > 0) {
        items.push(h("div", { class: "side-sub indent" }, "Archived"));
        for (const session of lists.archived) items.push(this.sessionRow(s, session));
      }
    }
    return h("div", { class: "project-group" }, row, h("div", { class: "sessions" }, ...items));
  }

  private sessionRow(s: AppState, session: Session): HTMLElement {
    const selected = s.session?.id === session.id;
    const archived = session.status === "archived";
    return h(
      "div",
      { class: `session${selected ? " selected" : ""}${archived ? " archived" : ""}`, "data-testid": "session", "data-id": session.id },
      h(
        "a",
        { class: "session-link", href: `#/s/${session.id}`, "aria-current": selected ? "page" : null },
        h("span", { class: "session-title" }, sessionTitle(session)),
        h("span", { class: "session-time" }, relativeTime(session.updated_at)),
      ),
      h(
        "button",
        {
          class: "icon-btn row-action",
          type: "button",
          title: archived ? "Restore session" : "Archive session",
          "aria-label": archived ? "Restore session" : "Archive session",
          "data-testid": archived ? "restore-session" : "archive-session",
          on: { click: () => void this.app.setSessionStatus(session, archived ? "open" : "archived") },
        },
        icon(archived ? "restore" : "archive"),
      ),
    );
  }
}
