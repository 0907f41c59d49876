// The scrolling message list of the open chat: keyed by message id, sticks to the
// bottom while the user is there, loads older messages when scrolled to the top.

import { h } from "./dom";
import { renderMessage, type CallRenderer, type MessageActions, type MessageEl } from "./message-view";
import { openTranscript, type LinkState } from "./session-link";
import type { Transcript } from "./transcript";

export type TranscriptInput = {
  chatId: string | null;
  transcript: Transcript | undefined;
  loading: boolean;
  loadingOlder: boolean;
  /** Client state the custom call cards depend on (see MessageContext.extra). */
  extra?: unknown;
  /** What to show when there is no chat or it is empty. */
  empty: HTMLElement | null;
};

/**
 * What the view shows of the open chat of `s`, or `empty` when there is nothing to show;
 * the key names the session too, so that opening another starts afresh.
 */
export function transcriptInput(s: LinkState, empty: HTMLElement | null, extra?: unknown): TranscriptInput {
  const t = openTranscript(s);
  return {
    chatId: s.feed === null ? null : `${s.feed.sessionId}/${s.chatId ?? ""}`,
    transcript: t,
    loading: s.chatId !== null && t === undefined,
    loadingOlder: s.loadingOlder,
    extra,
    empty,
  };
}

/** The card shown in place of an empty transcript: a mark, a title and a line of help. */
export function welcome(testid: string, mark: string, title: string, text: string): HTMLElement {
  return h("div", { class: "welcome", "data-testid": testid }, h("div", { class: "welcome-mark" }, mark), h("h2", {}, title), h("p", {}, text));
}

const STICK_PX = 80;
const LOAD_OLDER_PX = 300;

export class TranscriptView {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly older: HTMLElement;
  private readonly emptyBox: HTMLElement;
  private nodes = new Map<string, MessageEl>();
  private chatId: string | null = null;
  private last: TranscriptInput | undefined;

  /**
   * `tail` (optional) is shown after the last message and scrolls with the
   * transcript; whoever fills it calls {@link keepBottom} around the change.
   */
  constructor(
    private readonly actions: MessageActions,
    private readonly onNeedOlder: () => void,
    private readonly renderCall?: CallRenderer,
    tail?: HTMLElement,
  ) {
    this.older = h("div", { class: "older", hidden: true }, "Loading older messages…");
    this.list = h("div", { class: "transcript", "data-testid": "transcript" });
    this.emptyBox = h("div", { class: "empty-box" });
    this.el = h("div", { class: "scroller", "data-testid": "scroller" }, h("div", { class: "column" }, this.older, this.emptyBox, this.list, tail ?? null));
    this.el.addEventListener("scroll", () => {
      if (this.el.scrollTop < LOAD_OLDER_PX && this.last?.transcript?.hasMore === true && !this.last.loadingOlder) this.onNeedOlder();
    });
  }

  private nearBottom(): boolean {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < STICK_PX;
  }

  scrollToBottom(): void {
    this.el.scrollTop = this.el.scrollHeight;
  }

  /** Runs `change` (which grows or shrinks the content) and stays at the bottom if the view was there. */
  keepBottom(change: () => void): void {
    const stick = this.nearBottom();
    change();
    if (stick) this.scrollToBottom();
  }

  update(input: TranscriptInput): void {
    const prev = this.last;
    if (
      prev !== undefined &&
      prev.chatId === input.chatId &&
      prev.transcript === input.transcript &&
      prev.loading === input.loading &&
      prev.loadingOlder === input.loadingOlder &&
      prev.extra === input.extra &&
      prev.empty === input.empty
    ) {
      return;
    }
    this.last = input;
    const switched = input.chatId !== this.chatId;
    if (switched) {
      this.chatId = input.chatId;
      this.nodes.clear();
      this.list.replaceChildren();
    }
    const stick = switched || this.nearBottom();
    const firstBefore = this.list.firstElementChild as HTMLElement | null;
    const anchorTop = firstBefore?.offsetTop ?? 0;

    const t = input.transcript;
    this.older.hidden = !(input.loadingOlder || (t?.hasMore ?? false));
    this.older.textContent = input.loadingOlder ? "Loading older messages…" : "Scroll up for older messages";
    const messages = t?.messages ?? [];
    const showEmpty = messages.length === 0 && input.empty !== null && !input.loading;
    this.emptyBox.hidden = !showEmpty;
    if (showEmpty && input.empty !== null && this.emptyBox.firstChild !== input.empty) this.emptyBox.replaceChildren(input.empty);

    const next = new Map<string, MessageEl>();
    let cursor: ChildNode | null = this.list.firstChild;
    for (const m of messages) {
      const node = renderMessage(this.nodes.get(m.id), m, { live: t?.live[m.id], actions: this.actions, renderCall: this.renderCall, extra: input.extra });
      next.set(m.id, node);
      if (cursor === node) cursor = cursor.nextSibling;
      else this.list.insertBefore(node, cursor);
    }
    while (cursor !== null) {
      const after: ChildNode | null = cursor.nextSibling;
      this.list.removeChild(cursor);
      cursor = after;
    }
    this.nodes = next;

    // Too few messages to scroll: there is no scroll-up to wait for.
    if (t?.hasMore === true && !input.loadingOlder && this.el.clientHeight > 0 && this.el.scrollHeight <= this.el.clientHeight + LOAD_OLDER_PX) {
      queueMicrotask(this.onNeedOlder);
    }
    if (stick) {
      this.scrollToBottom();
    } else if (firstBefore !== null && firstBefore.isConnected && this.list.firstElementChild !== firstBefore) {
      // Older messages were put in front: keep what the user was reading in place.
      this.el.scrollTop += firstBefore.offsetTop - anchorTop;
    }
  }
}
