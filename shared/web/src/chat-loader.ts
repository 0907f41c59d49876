// Fetching a chat's transcript over REST into the session feed: the newest window (the
// frames that arrive meanwhile are buffered by the feed and applied after it) and older
// windows on scroll-up. Shared by the clients that show transcripts (boochat, boocoder).

import type { MessageWindow } from "@boocode/types";
import { failLoad, finishLoad, finishOlder, startLoad, type Effect, type Feed } from "./feed";

export const OLDER_RETRY_MS = 10_000;

export type ChatLoaderHost = {
  feed(): Feed | null;
  setFeed(change: (feed: Feed) => Feed): void;
  /** `GET …/chats/{id}/messages?before=` */
  fetchWindow(chatId: string, before?: string): Promise<MessageWindow>;
  /** What the feed asks for after a load (refetches). */
  runEffects(effects: Effect[]): void;
  setLoadingOlder(loading: boolean): void;
  loadingOlder(): boolean;
  notify(text: string): void;
};

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ChatLoader {
  private loading = new Set<string>();
  /** After a failed `before=` fetch, scrolling up asks again only after this. */
  private olderRetryAt = 0;

  constructor(
    private readonly host: ChatLoaderHost,
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Forget loads in flight (another session was opened; their answers are dropped). */
  reset(): void {
    this.loading.clear();
  }

  /**
   * Fetch the newest window of a chat (frames arriving meanwhile are buffered), after
   * `afterMs` (a gap's refetch waits for the server to write the missing text).
   */
  async load(chatId: string, afterMs = 0): Promise<void> {
    const sessionId = this.host.feed()?.sessionId;
    if (sessionId === undefined || this.loading.has(chatId)) return;
    this.loading.add(chatId);
    this.host.setFeed((f) => startLoad(f, chatId));
    try {
      if (afterMs > 0) await this.wait(afterMs);
      if (this.host.feed()?.sessionId !== sessionId) return;
      const window = await this.host.fetchWindow(chatId);
      if (this.host.feed()?.sessionId !== sessionId) return;
      let effects: Effect[] = [];
      this.host.setFeed((f) => {
        const r = finishLoad(f, chatId, window);
        effects = r.effects;
        return r.feed;
      });
      this.loading.delete(chatId);
      this.host.runEffects(effects);
    } catch (err) {
      this.host.setFeed((f) => failLoad(f, chatId));
      this.host.notify(`Cannot load the messages: ${reason(err)}`);
    } finally {
      this.loading.delete(chatId);
    }
  }

  /** Fetch the window before the oldest loaded message of `chatId`, if there is one. */
  async older(chatId: string): Promise<void> {
    const t = this.host.feed()?.transcripts[chatId];
    if (t === undefined || !t.hasMore || this.host.loadingOlder() || this.now() < this.olderRetryAt) return;
    const oldest = t.messages.find((m) => m.status !== "queued") ?? t.messages[0];
    if (oldest === undefined) return;
    this.host.setLoadingOlder(true);
    try {
      const window = await this.host.fetchWindow(chatId, oldest.id);
      this.host.setFeed((f) => finishOlder(f, chatId, window));
    } catch (err) {
      this.olderRetryAt = this.now() + OLDER_RETRY_MS;
      this.host.notify(`Cannot load older messages: ${reason(err)}`);
    } finally {
      this.host.setLoadingOlder(false);
    }
  }
}
