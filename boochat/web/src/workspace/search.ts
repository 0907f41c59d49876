// The header's message search (across sessions): what was typed, the hits of
// `GET ./api/search` for it (fetched a moment after typing stops; an answer to an
// older query is dropped), more hits on demand, and whether the list is open.

import type { Page, SearchHit } from "@boocode/types";
import { errorText } from "@boocode/common/api";

export const SEARCH_DEBOUNCE_MS = 250;

export type SearchState = {
  query: string;
  /** Hits of `query` (`null` while none were fetched for it). */
  items: SearchHit[] | null;
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  open: boolean;
};

export type SearchDeps = {
  search(q: string, cursor?: string): Promise<Page<SearchHit>>;
  changed(): void;
};

export const initialSearch = (): SearchState => ({ query: "", items: null, nextCursor: null, loading: false, error: null, open: false });

export class MessageSearch {
  state: SearchState = initialSearch();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped per query: answers carrying an older number are dropped. */
  private generation = 0;

  constructor(
    private readonly deps: SearchDeps,
    private readonly debounceMs = SEARCH_DEBOUNCE_MS,
  ) {}

  private set(patch: Partial<SearchState>): void {
    this.state = { ...this.state, ...patch };
    this.deps.changed();
  }

  /** The text in the box changed: search it once typing pauses. */
  type(query: string): void {
    clearTimeout(this.timer);
    this.generation += 1;
    if (query.trim() === "") {
      this.set({ query, items: null, nextCursor: null, loading: false, error: null });
      return;
    }
    this.set({ query, open: true, loading: true });
    this.timer = setTimeout(() => void this.fetch(false), this.debounceMs);
  }

  /** Fetch now (Enter), or the next page (`more`). */
  async fetch(more: boolean): Promise<void> {
    clearTimeout(this.timer);
    const query = this.state.query;
    if (query.trim() === "" || (more && this.state.nextCursor === null)) return;
    const generation = more ? this.generation : ++this.generation;
    this.set({ loading: true, open: true });
    try {
      const page = await this.deps.search(query.trim(), more ? (this.state.nextCursor ?? undefined) : undefined);
      if (generation !== this.generation) return;
      const items = more ? [...(this.state.items ?? []), ...page.items] : page.items;
      this.set({ items, nextCursor: page.next_cursor, loading: false, error: null });
    } catch (err) {
      if (generation !== this.generation) return;
      this.set({ loading: false, error: errorText(err) });
    }
  }

  toggle(open = !this.state.open): void {
    if (open !== this.state.open) this.set({ open });
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Where a hit is: "Session › Chat". */
export function hitWhere(hit: SearchHit): string {
  return `${hit.session_title ?? "Untitled session"} › ${hit.chat_title ?? "Untitled chat"}`;
}

/** The link that opens a hit's chat in its session. */
export function hitHref(hit: SearchHit): string {
  return `#/s/${encodeURIComponent(hit.session_id)}/c/${encodeURIComponent(hit.chat_id)}`;
}
