// The message box (@boocode/common/composer-box) with boochat's wording: a session that is
// archived cannot be written to, and the status line counts the queued messages.

import type { Controller } from "../controller";
import { ComposerBox } from "@boocode/common/composer-box";
import type { AppState } from "../state/store";
import { liveText } from "@boocode/common/message-view";
import { h } from "@boocode/common/dom";
import { openTranscript } from "@boocode/common/session-link";
import { streamingMessage } from "@boocode/common/transcript";

const PLACEHOLDER = "Message boochat…  (Shift+Enter for a new line)";

export class ComposerView {
  readonly el: HTMLElement;
  private readonly box: ComposerBox;

  constructor(private readonly app: Controller) {
    this.box = new ComposerBox(app, {
      rows: 1,
      placeholder: PLACEHOLDER,
      maxHeightPx: 280,
      title: (view) => (view.action === "queue" ? "Queue: runs after the current answer" : view.label),
      layout: (box, button) => [h("div", { class: "composer" }, box, button)],
    });
    this.el = this.box.el;
  }

  update(s: AppState): void {
    this.box.showDraft(s.chatId ?? (s.session === null ? null : ""), s.drafts);
    const available = s.session !== null && s.session.status === "open";
    this.box.update({
      busy: this.app.busy(),
      submitting: s.submitting,
      available,
      disabled: !available,
      placeholder: s.session?.status === "archived" ? "This session is archived: restore it to write." : PLACEHOLDER,
      hidden: s.session === null,
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
