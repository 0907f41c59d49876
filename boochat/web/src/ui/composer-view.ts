// The message box. Its textarea lives for the whole page (so typing is never
// interrupted by a re-render); the button morphs Send → Stop / Queue with the chat.

import type { Controller } from "../controller";
import { composerView, keyIntent, type ComposerInput } from "@common/composer";
import type { AppState } from "../state/store";
import { liveText } from "@common/message-view";
import { h, icon } from "@common/dom";
import { streamingMessage } from "@common/transcript";

const MAX_HEIGHT_PX = 280;

export class ComposerView {
  readonly el: HTMLElement;
  private readonly box: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private draftKey: string | null = null;
  private input: ComposerInput = { busy: false, text: "" };

  constructor(private readonly app: Controller) {
    this.box = h("textarea", {
      class: "composer-input",
      rows: 1,
      placeholder: "Message boochat…  (Shift+Enter for a new line)",
      "aria-label": "Message",
      "data-testid": "composer",
    });
    this.button = h("button", { class: "send", type: "button", "data-testid": "send" });
    this.status = h("div", { class: "composer-status", "data-testid": "composer-status", "aria-live": "polite" });
    this.el = h(
      "div",
      { class: "composer-wrap" },
      h("div", { class: "column" }, this.status, h("div", { class: "composer" }, this.box, this.button)),
    );
    this.box.addEventListener("input", () => {
      this.autosize();
      this.app.setDraft(this.box.value);
      this.refreshButton();
    });
    this.box.addEventListener("keydown", (e) => {
      const intent = keyIntent(e, { ...this.input, text: this.box.value });
      if (intent === "default") return;
      e.preventDefault();
      if (intent === "submit") void this.submit();
    });
    this.button.addEventListener("click", () => void this.submit());
  }

  focus(): void {
    this.box.focus();
  }

  private autosize(): void {
    this.box.style.height = "auto";
    const height = this.box.scrollHeight;
    // Hidden (no layout): leave it to the next update.
    if (height === 0) return;
    this.box.style.height = `${Math.min(height, MAX_HEIGHT_PX)}px`;
    this.box.style.overflowY = height > MAX_HEIGHT_PX ? "auto" : "hidden";
  }

  private async submit(): Promise<void> {
    const view = composerView({ ...this.input, text: this.box.value });
    if (!view.enabled) return;
    if (view.action === "stop") {
      await this.app.stop();
      return;
    }
    const text = this.box.value;
    this.box.value = "";
    this.autosize();
    const sent = await this.app.send(text);
    if (!sent && this.box.value === "") {
      this.box.value = text;
      this.autosize();
    }
    this.refreshButton();
    this.box.focus();
  }

  private refreshButton(): void {
    const view = composerView({ ...this.input, text: this.box.value });
    this.button.disabled = !view.enabled;
    this.button.dataset["action"] = view.action;
    this.button.title = view.action === "queue" ? "Queue: runs after the current answer" : view.label;
    this.button.replaceChildren(icon(view.action), h("span", {}, view.label));
  }

  update(s: AppState): void {
    const key = s.chatId ?? (s.session === null ? null : "");
    if (key !== this.draftKey) {
      this.draftKey = key;
      this.box.value = key === null ? "" : (s.drafts[key] ?? "");
      this.autosize();
    }
    const available = s.session !== null && s.session.status === "open";
    this.input = { busy: this.app.busy(), text: this.box.value, submitting: s.submitting, available };
    this.box.disabled = !available;
    this.box.placeholder =
      s.session?.status === "archived" ? "This session is archived: restore it to write." : "Message boochat…  (Shift+Enter for a new line)";
    const wasHidden = this.el.hidden;
    this.el.hidden = s.session === null;
    if (wasHidden && !this.el.hidden) this.autosize();
    this.refreshButton();

    const t = s.chatId === null ? undefined : s.feed?.transcripts[s.chatId];
    const streaming = streamingMessage(t);
    const queued = t?.messages.filter((m) => m.status === "queued").length ?? 0;
    const parts: string[] = [];
    if (streaming !== undefined) parts.push(liveText(t?.live[streaming.id], streaming));
    if (queued > 0) parts.push(`${queued} queued`);
    this.status.textContent = parts.join(" · ");
    this.status.dataset["phase"] = streaming === undefined ? "idle" : (t?.live[streaming.id]?.phase ?? "prompt");
    this.status.hidden = parts.length === 0;
  }
}
