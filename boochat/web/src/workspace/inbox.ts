// The needs-you inbox (across sessions): what waits on the owner, read from
// `GET ./api/inbox` every so often and whenever the page comes back into view. New
// items while the page is hidden raise one browser notification (when the owner
// allowed them). A failed agent turn can be dismissed (boocoder's
// `POST ./coder/api/tasks/{id}/dismiss`).

import type { InboxItem, InboxKind } from "@boocode/types";
import { errorText } from "@boocode/common/api";

export const INBOX_POLL_MS = 15_000;

export type InboxState = {
  items: InboxItem[] | null;
  error: string | null;
  open: boolean;
};

/** The stable key of an item: its kind and id. */
export const itemKey = (i: InboxItem): string => `${i.kind}:${i.item_id}`;

/** Items of `now` whose key was not in `before` (all of them the first time: `before` null → none). */
export function newItems(before: ReadonlySet<string> | null, now: readonly InboxItem[]): InboxItem[] {
  if (before === null) return [];
  return now.filter((i) => !before.has(itemKey(i)));
}

export const KIND_LABEL: Record<InboxKind, string> = {
  task_blocked: "Agent waiting",
  task_failed: "Agent turn failed",
  pending_changes: "Changes to review",
  user_input: "Question",
};

/** The notification for new items: one line for one item, a count for more. */
export function notificationText(fresh: readonly InboxItem[]): { title: string; body: string } | null {
  const first = fresh[0];
  if (first === undefined) return null;
  if (fresh.length === 1) return { title: `BooCode · ${KIND_LABEL[first.kind]}`, body: `${first.session_title ?? "Untitled session"}: ${first.summary}` };
  return { title: "BooCode needs you", body: `${fresh.length} new things wait for you` };
}

export type InboxDeps = {
  fetchInbox(): Promise<{ items: InboxItem[] }>;
  dismissTask(taskId: string): Promise<void>;
  changed(): void;
  /** Something new arrived (the shell notifies when the page is hidden). */
  arrived(fresh: InboxItem[]): void;
};

export class InboxWatch {
  state: InboxState = { items: null, error: null, open: false };
  private seen: Set<string> | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: InboxDeps) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), INBOX_POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const { items } = await this.deps.fetchInbox();
      const fresh = newItems(this.seen, items);
      this.seen = new Set(items.map(itemKey));
      this.state = { ...this.state, items, error: null };
      if (fresh.length > 0) this.deps.arrived(fresh);
    } catch (err) {
      this.state = { ...this.state, error: errorText(err) };
    }
    this.deps.changed();
  }

  toggle(open = !this.state.open): void {
    this.state = { ...this.state, open };
    this.deps.changed();
    if (open) void this.refresh();
  }

  async dismiss(item: InboxItem): Promise<void> {
    try {
      await this.deps.dismissTask(item.item_id);
    } catch (err) {
      this.state = { ...this.state, error: errorText(err) };
    }
    await this.refresh();
  }
}
