// The left column of the workspace: connection state, projects and their sessions (with
// their tags: × takes one off, + adds some), the tag filter, "show archived". A lit-html
// view of the Catalog's state; the shell passes the actions.

import type { McpInfo, Project, Session } from "@boocode/types";
import { html, nothing, type TemplateResult } from "lit";
import { relativeTime } from "@boocode/common/dom";
import { CONN_TEXT, type ConnState } from "@boocode/common/session-socket";
import type { CatalogState } from "../workspace/catalog";
import { icon } from "../workspace/icons";
import { mcpStatus } from "./mcp-view";

export function sessionTitle(session: Session): string {
  return session.title ?? "Untitled session";
}

export type SidebarActions = {
  newProject(): void;
  toggleProject(projectId: string): void;
  newSession(projectId: string): void;
  setSessionStatus(session: Session, status: "open" | "archived"): void;
  deleteSession(session: Session): void;
  toggleArchived(): void;
  collapse(): void;
  /** Lists only the sessions with `tag` (`null`: all). */
  filterTag(tag: string | null): void;
  /** Asks for tags to add to `session`. */
  addTags(session: Session): void;
  removeTag(session: Session, tag: string): void;
  openSettings(): void;
};

export type SidebarView = {
  catalog: CatalogState;
  selectedId: string | null;
  /** The shell's session socket; `closed` while no session is open. */
  conn: { state: ConnState; detail: string | null };
  /** GET /api/mcp (`null` before it answers). */
  mcp?: McpInfo | null;
};

export function sidebar(v: SidebarView, a: SidebarActions): TemplateResult {
  const { state, detail } = v.conn;
  return html`<aside class="sidebar" data-testid="sidebar">
    <div class="side-head">
      <div class="brand"><span class="brand-mark">B</span><span>BooCode</span></div>
      <div class="side-head-right">
        <div class="conn conn-${state}" data-testid="ws-status" data-state=${state} title=${detail ?? `WebSocket ${CONN_TEXT[state]}`}>
          <span class="dot"></span>${v.selectedId === null && state === "closed" ? "no session" : CONN_TEXT[state]}
        </div>
        <button class="icon-btn" type="button" title="Hide the sidebar" aria-label="Hide the sidebar" data-testid="sidebar-collapse" @click=${a.collapse}>
          ${icon("sidebar")}
        </button>
      </div>
    </div>
    ${tagFilter(v, a)}
    <nav class="side-body" aria-label="Projects and sessions">${projects(v, a)}</nav>
    <div class="side-foot">
      <label class="toggle">
        <input type="checkbox" data-testid="show-archived" .checked=${v.catalog.showArchived} @change=${a.toggleArchived} />
        <span>Show archived</span>
      </label>
      <button class="icon-btn" type="button" title="Settings" aria-label="Settings" data-testid="open-settings" @click=${a.openSettings}>
        ${icon("settings")}
      </button>
      ${mcpStatus(v.mcp ?? null)}
    </div>
  </aside>`;
}

/** The tags in use as filter chips; the picked one is pressed, and picking it again clears it. */
function tagFilter(v: SidebarView, a: SidebarActions): TemplateResult | typeof nothing {
  const { tags, tagFilter: picked } = v.catalog;
  if (tags.length === 0 && picked === null) return nothing;
  return html`<div class="tag-filter" data-testid="tag-filter" role="group" aria-label="Filter sessions by tag">
    ${tags.map(
      (t) => html`<button
        class="tag${picked === t.tag ? " tag-picked" : ""}"
        type="button"
        data-testid="tag-filter-chip"
        data-tag=${t.tag}
        aria-pressed=${picked === t.tag ? "true" : "false"}
        title=${picked === t.tag ? "Show every session" : `Only sessions tagged ${t.tag}`}
        @click=${() => a.filterTag(picked === t.tag ? null : t.tag)}
      >
        #${t.tag} <span class="tag-count">${t.sessions}</span>
      </button>`,
    )}
    ${picked !== null && !tags.some((t) => t.tag === picked)
      ? html`<button class="tag tag-picked" type="button" data-testid="tag-filter-chip" data-tag=${picked} aria-pressed="true" @click=${() => a.filterTag(null)}>#${picked} <span class="tag-count">0</span></button>`
      : nothing}
  </div>`;
}

function sessionTags(a: SidebarActions, session: Session): TemplateResult {
  return html`<div class="session-tags" data-testid="session-tags">
    ${session.tags.map(
      (t) => html`<span class="tag tag-small" data-testid="session-tag" data-tag=${t}
        >#${t}<button class="tag-x" type="button" title="Remove the tag ${t}" aria-label="Remove the tag ${t}" data-testid="remove-tag" @click=${() => a.removeTag(session, t)}>×</button></span
      >`,
    )}
    <button class="tag tag-small tag-add" type="button" title="Add tags" aria-label="Add tags" data-testid="add-tag" @click=${() => a.addTags(session)}>+</button>
  </div>`;
}

function projects(v: SidebarView, a: SidebarActions): TemplateResult {
  const c = v.catalog;
  const header = html`<div class="side-section">
    <span>Projects</span>
    <button class="icon-btn" type="button" title="New project" aria-label="New project" data-testid="new-project" @click=${a.newProject}>${icon("plus")}</button>
  </div>`;
  if (c.projectsError !== null) return html`${header}<div class="side-error">Cannot list projects: ${c.projectsError}</div>`;
  if (c.projects === null) return html`${header}<div class="side-muted">Loading…</div>`;
  if (c.projects.length === 0) {
    return html`${header}
      <div class="side-empty">
        <p>No projects yet. A project is a folder on this machine that the assistant may read.</p>
        <button class="btn btn-primary" type="button" @click=${a.newProject}>Add a project</button>
      </div>`;
  }
  return html`${header}${c.projects.map((p) => project(v, a, p))}`;
}

function project(v: SidebarView, a: SidebarActions, p: Project): TemplateResult {
  const c = v.catalog;
  const open = c.expanded[p.id] === true;
  const row = html`<div class="project${open ? " open" : ""}" data-testid="project" data-id=${p.id}>
    <button class="project-row" type="button" title=${p.path} aria-expanded=${open ? "true" : "false"} @click=${() => a.toggleProject(p.id)}>
      ${icon("chevron", "icon chevron")}${icon("folder")}<span class="project-name">${p.name}</span>
    </button>
    <button class="icon-btn row-action" type="button" title="New session" aria-label="New session in ${p.name}" data-testid="new-session" @click=${() => a.newSession(p.id)}>
      ${icon("plus")}
    </button>
  </div>`;
  if (!open) return html`<div class="project-group">${row}</div>`;
  const lists = c.sessions[p.id];
  let items: TemplateResult;
  if (lists === undefined || (lists.loading && lists.open.length === 0)) items = html`<div class="side-muted indent">Loading…</div>`;
  else if (lists.error !== null) items = html`<div class="side-error indent">${lists.error}</div>`;
  else {
    items = html`${lists.open.length === 0
      ? html`<button class="side-new indent" type="button" @click=${() => a.newSession(p.id)}>${icon("plus")}New session</button>`
      : nothing}
    ${lists.open.map((s) => sessionRow(v, a, s))}
    ${c.showArchived && lists.archived !== null && lists.archived.length > 0
      ? html`<div class="side-sub indent">Archived</div>${lists.archived.map((s) => sessionRow(v, a, s))}`
      : nothing}`;
  }
  return html`<div class="project-group">${row}<div class="sessions">${items}</div></div>`;
}

function sessionRow(v: SidebarView, a: SidebarActions, session: Session): TemplateResult {
  const selected = v.selectedId === session.id;
  const archived = session.status === "archived";
  const label = archived ? "Restore session" : "Archive session";
  return html`<div class="session${selected ? " selected" : ""}${archived ? " archived" : ""}" data-testid="session" data-id=${session.id}>
    <a class="session-link" href="#/s/${session.id}" aria-current=${selected ? "page" : nothing}>
      <span class="session-title">${sessionTitle(session)}</span>
      <span class="session-time">${relativeTime(session.updated_at)}</span>
    </a>
    ${sessionTags(a, session)}
    <button
      class="icon-btn row-action"
      type="button"
      title=${label}
      aria-label=${label}
      data-testid=${archived ? "restore-session" : "archive-session"}
      @click=${() => a.setSessionStatus(session, archived ? "open" : "archived")}
    >
      ${icon(archived ? "restore" : "archive")}
    </button>
    <button
      class="icon-btn row-action row-delete"
      type="button"
      title="Delete session"
      aria-label="Delete session"
      data-testid="delete-session"
      @click=${() => a.deleteSession(session)}
    >
      ${icon("trash")}
    </button>
  </div>`;
}
