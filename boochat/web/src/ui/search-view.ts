// The header's message search: a search box and, under it, the hits with their
// snippets. Matches are drawn as <mark> from the hit's spans by lit, which escapes
// text: nothing a message says is ever parsed as HTML.

import { html, nothing, type TemplateResult } from "lit";
import type { SearchHit, SnippetSpan } from "@boocode/types";
import { relativeTime } from "@boocode/common/dom";
import { hitHref, hitWhere, type SearchState } from "../workspace/search";

export type SearchActions = {
  type(query: string): void;
  submit(): void;
  more(): void;
  toggle(open: boolean): void;
  /** A hit was clicked (its link opens the chat; the shell scrolls to the message). */
  opened(hit: SearchHit): void;
};

export function snippet(spans: readonly SnippetSpan[]): TemplateResult {
  return html`${spans.map((s) => (s.hit ? html`<mark>${s.text}</mark>` : s.text))}`;
}

export function searchBox(s: SearchState, a: SearchActions): TemplateResult {
  const keydown = (e: KeyboardEvent): void => {
    if (e.key === "Enter") a.submit();
    else if (e.key === "Escape") a.toggle(false);
  };
  return html`<div class="search" data-testid="search">
    <input
      class="search-input"
      type="search"
      placeholder="Search messages"
      aria-label="Search messages"
      autocomplete="off"
      data-testid="search-input"
      .value=${s.query}
      @input=${(e: Event) => a.type((e.target as HTMLInputElement).value)}
      @focus=${() => a.toggle(true)}
      @keydown=${keydown}
    />
    ${s.open && s.query.trim() !== "" ? results(s, a) : nothing}
  </div>`;
}

function results(s: SearchState, a: SearchActions): TemplateResult {
  const items = s.items ?? [];
  return html`<div class="search-panel" role="dialog" aria-label="Search results" data-testid="search-panel">
    ${s.error === null ? nothing : html`<div class="side-error" role="alert">${s.error}</div>`}
    ${s.items === null
      ? html`<div class="side-muted">Searching…</div>`
      : items.length === 0
        ? html`<div class="side-muted" data-testid="search-empty">No message matches.</div>`
        : html`<ul class="search-hits">
            ${items.map(
              (h) => html`<li class="search-hit" data-testid="search-hit" data-message=${h.message_id}>
                <a href=${hitHref(h)} @click=${() => a.opened(h)}>
                  <span class="search-where">${hitWhere(h)} · ${h.role} · ${relativeTime(h.created_at)}</span>
                  <span class="search-snippet" data-testid="search-snippet">${snippet(h.snippet)}</span>
                </a>
              </li>`,
            )}
          </ul>`}
    ${s.nextCursor === null ? nothing : html`<button class="btn search-more" type="button" ?disabled=${s.loading} @click=${a.more}>More</button>`}
  </div>`;
}
