// The header's needs-you button (with the count) and its list.

import { html, nothing, type TemplateResult } from "lit";
import type { InboxItem } from "@boocode/types";
import { relativeTime } from "@boocode/common/dom";
import { icon } from "../workspace/icons";
import { itemKey, KIND_LABEL, type InboxState } from "../workspace/inbox";

export type InboxActions = { toggle(): void; dismiss(item: InboxItem): void; opened(): void };

export function inboxButton(s: InboxState, a: InboxActions): TemplateResult {
  const n = s.items?.length ?? 0;
  return html`<div class="inbox">
    <button
      class="icon-btn inbox-btn${n > 0 ? " has-items" : ""}"
      type="button"
      title=${n === 0 ? "Nothing waits for you" : `${n} waiting for you`}
      aria-label="Needs you (${n})"
      aria-expanded=${s.open ? "true" : "false"}
      data-testid="inbox-button"
      @click=${a.toggle}
    >
      ${icon("bell")}${n > 0 ? html`<span class="inbox-count" data-testid="inbox-count">${n > 99 ? "99+" : n}</span>` : nothing}
    </button>
    ${s.open ? inboxList(s, a) : nothing}
  </div>`;
}

function inboxList(s: InboxState, a: InboxActions): TemplateResult {
  const items = s.items ?? [];
  return html`<div class="inbox-panel" role="dialog" aria-label="Needs you" data-testid="inbox-panel">
    <div class="inbox-head">Needs you</div>
    ${s.error === null ? nothing : html`<div class="side-error">${s.error}</div>`}
    ${s.items === null
      ? html`<div class="side-muted">Loading…</div>`
      : items.length === 0
        ? html`<div class="side-muted" data-testid="inbox-empty">Nothing waits for you.</div>`
        : html`<ul class="inbox-items">
            ${items.map(
              (i) => html`<li class="inbox-item kind-${i.kind}" data-testid="inbox-item" data-key=${itemKey(i)}>
                <a href="#/s/${encodeURIComponent(i.session_id)}" @click=${a.opened}>
                  <span class="inbox-kind">${KIND_LABEL[i.kind]}${i.agent === null ? nothing : html` · ${i.agent}`}</span>
                  <span class="inbox-summary">${i.summary}</span>
                  <span class="inbox-where">${i.project_name} › ${i.session_title ?? "Untitled session"} · ${relativeTime(i.since)}</span>
                </a>
                ${i.kind === "task_failed"
                  ? html`<button class="icon-btn" type="button" title="Dismiss" aria-label="Dismiss" @click=${() => a.dismiss(i)}>${icon("close")}</button>`
                  : nothing}
              </li>`,
            )}
          </ul>`}
  </div>`;
}
