// The message box (@boocode/common/composer-box) with boochat's wording: a chat of an
// archived session (or one the session does not have) cannot be written to, and the status
// line counts the queued messages. Files pasted into the box, dropped on it or picked with
// the paperclip wait as chips above it (× takes one out) and go with the next message.

import { ComposerBox } from "@boocode/common/composer-box";
import { h, icon, renderOnce } from "@boocode/common/dom";
import { liveText, sizeText } from "@boocode/common/message-view";
import { openTranscript } from "@boocode/common/session-link";
import { streamingMessage } from "@boocode/common/transcript";
import type { Pending } from "./attachments";
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
  private readonly chips: HTMLElement;
  private readonly picker: HTMLInputElement;

  constructor(private readonly app: PaneController) {
    this.chips = h("div", { class: "composer-attachments", "data-testid": "composer-attachments", hidden: true });
    this.picker = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "attach-input" });
    this.picker.addEventListener("change", () => {
      const files = [...(this.picker.files ?? [])];
      this.picker.value = "";
      void app.attach(files);
    });
    const clip = h("button", { class: "icon-btn attach", type: "button", title: "Attach files (or paste / drop them)", "aria-label": "Attach files", "data-testid": "attach" }, icon("clip"));
    clip.addEventListener("click", () => this.picker.click());
    this.box = new ComposerBox(app, {
      rows: 1,
      placeholder: PLACEHOLDER,
      maxHeightPx: 280,
      title: (view) => (view.action === "queue" ? "Queue: runs after the current answer" : view.label),
      layout: (box, button) => {
        this.textarea = box;
        box.addEventListener("paste", (e) => {
          const files = [...(e.clipboardData?.files ?? [])];
          if (files.length === 0) return;
          e.preventDefault();
          void app.attach(files);
        });
        return [this.chips, h("div", { class: "composer" }, clip, this.picker, box, button)];
      },
    });
    this.el = this.box.el;
    this.el.addEventListener("dragover", (e) => {
      if (e.dataTransfer?.types.includes("Files") === true) e.preventDefault();
    });
    this.el.addEventListener("drop", (e) => {
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      e.preventDefault();
      void app.attach(files);
    });
  }

  private renderChips(list: readonly Pending[]): void {
    this.chips.hidden = list.length === 0;
    renderOnce(this.chips, [list], () =>
      list.map((p, i) => {
        const remove = h("button", { class: "chip-x", type: "button", title: `Remove ${p.attachment.name}`, "aria-label": `Remove ${p.attachment.name}`, "data-testid": "remove-attachment" }, "×");
        remove.addEventListener("click", () => this.app.detach(i));
        return h(
          "span",
          { class: `chip attachment-chip attachment-${p.attachment.kind}`, "data-testid": "pending-attachment", "data-kind": p.attachment.kind },
          `${p.attachment.name} · ${sizeText(p.bytes)}`,
          remove,
        );
      }),
    );
  }

  focus(): void {
    this.textarea?.focus();
  }

  update(s: PaneState): void {
    this.box.showDraft(s.chatId, s.drafts);
    const pending = s.chatId === null ? [] : (s.attachments[s.chatId] ?? []);
    this.renderChips(pending);
    this.box.update({
      busy: this.app.busy(),
      submitting: s.submitting,
      available: this.app.writable(),
      attached: pending.length > 0,
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
