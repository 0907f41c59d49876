// The message box (@boocode/common/composer-box) with boochat's wording: a chat of an
// archived session (or one the session does not have) cannot be written to, and the status
// line counts the queued messages.

import { ComposerBox } from "@boocode/common/composer-box";
import { h } from "@boocode/common/dom";
import { liveText } from "@boocode/common/message-view";
import { openTranscript } from "@boocode/common/session-link";
import { streamingMessage } from "@boocode/common/transcript";
import type { PaneController } from "./controller";
import { chatMissing, type PaneState } from "./state";

const PLACEHOLDER = "Message boochat…  (Shift+Enter for a new line)";

function placeholder(s: PaneState): string {
  if (chatMissing(s)) return "This chat is not in the session.";
  if (s.session?.status === "archived") return "This session is archived: restore it to write.";
  return PLACEHOLDER;
}

export class ComposerView {
  readonly el: HTMLElement;
  private readonly box: ComposerBox;
  private textarea: HTMLTextAreaElement | undefined;

  constructor(private readonly app: PaneController) {
    this.box = new ComposerBox(app, {
      rows: 1,
      placeholder: PLACEHOLDER,
      maxHeightPx: 280,
      title: (view) => (view.action === "queue" ? "Queue: runs after the current answer" : view.label),
      layout: (box, button) => {
        this.textarea = box;
        return [h("div", { class: "composer" }, box, button)];
      },
    });
    this.el = this.box.el;
  }

  focus(): void {
    this.textarea?.focus();
  }

  update(s: PaneState): void {
    this.box.showDraft(s.chatId, s.drafts);
    this.box.update({
      busy: this.app.busy(),
      submitting: s.submitting,
      available: this.app.writable(),
      // Typing may start while the session is still being read; sending waits for it.
      disabled: s.session?.status === "archived" || chatMissing(s) || s.sessionError !== null,
      placeholder: placeholder(s),
      hidden: s.sessionError !== null,
    });

    const t = openTranscript(s);
    const streaming = streamingMessage(t);
    const queued = t?.messages.filter((m) => m.status === "queued").length ?? 0;
    const parts: string[] = [];
    if (streaming !== undefined) parts.push(liveText(t?.live[streaming.id], streaming));
    if (queued > 0) parts.push(`${queued} queued`);
    this.box.showStatus(parts, t);
  }
}
