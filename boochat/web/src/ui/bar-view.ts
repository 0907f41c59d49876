// The workspace's top bar: the sidebar toggle, the open session's title, project and
// archived badge, "Reopen closed pane", the shortcuts, the message search, the needs-you inbox, and a
// warning banner while boocoder runs agents outside their sandbox.

import type { Project, SandboxStatus, Session } from "@boocode/types";
import { html, nothing, type TemplateResult } from "lit";
import type { InboxState } from "../workspace/inbox";
import { icon } from "../workspace/icons";
import type { SearchState } from "../workspace/search";
import { inboxButton, type InboxActions } from "./inbox-view";
import { searchBox, type SearchActions } from "./search-view";
import { sessionTitle } from "./sidebar";

export type BarView = {
  sidebarHidden: boolean;
  session: Session | null;
  project: Project | undefined;
  /** Closed panes waiting to be reopened; `null` while no layout is shown. */
  closedPanes: number | null;
  inbox: InboxState;
  /** boocoder's `GET /api/sandbox`; `null` until (or unless) it answered. */
  sandbox: SandboxStatus | null;
  /** The message search; absent: no search box. */
  search?: SearchState;
};

export type BarActions = { showSidebar(): void; reopenPane(): void; help(): void; inbox: InboxActions; search?: SearchActions };

export function workspaceBar(v: BarView, a: BarActions): TemplateResult {
  const s = v.session;
  return html`<header class="ws-bar">
    ${v.sidebarHidden
      ? html`<button class="icon-btn" type="button" title="Show the sidebar" aria-label="Show the sidebar" data-testid="sidebar-show" @click=${a.showSidebar}>
          ${icon("sidebar")}
        </button>`
      : nothing}
    <div class="ws-title">
      ${s === null
        ? html`<h1>BooCode</h1>`
        : html`<h1 data-testid="session-title">${sessionTitle(s)}</h1>
            ${v.project === undefined ? nothing : html`<span class="ws-project" title=${v.project.path}>${v.project.name}</span>`}
            ${s.status === "archived" ? html`<span class="badge">archived</span>` : nothing}`}
    </div>
    ${v.closedPanes === null
      ? nothing
      : html`<div class="ws-bar-actions">
          <button
            class="btn ws-reopen"
            type="button"
            title="Reopen the last closed pane (Ctrl/⌘ Shift T)"
            data-testid="reopen-pane"
            ?disabled=${v.closedPanes === 0}
            @click=${a.reopenPane}
          >
            ${icon("reopen")}<span class="ws-bar-label">Reopen closed pane</span>
          </button>
          <button class="icon-btn" type="button" title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" data-testid="shortcuts" @click=${a.help}>
            ${icon("keyboard")}
          </button>
        </div>`}
    ${sandboxBanner(v.sandbox)}
    ${v.search === undefined || a.search === undefined ? nothing : searchBox(v.search, a.search)}
    ${inboxButton(v.inbox, a.inbox)}
  </header>`;
}

/** Shown while agents are not confined (sandbox off, or broken on this host). */
export function sandboxBanner(s: SandboxStatus | null): TemplateResult | typeof nothing {
  if (s === null || s.confined) return nothing;
  const label = s.mode === "off" ? "Agent sandbox is OFF" : "Agent sandbox is broken";
  return html`<div class="ws-sandbox-warning" role="alert" data-testid="sandbox-banner" title=${s.summary}>${label}</div>`;
}
