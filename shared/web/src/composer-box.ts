// The message box of the clients that talk to a chat (boochat, boocoder). Its textarea
// lives for the whole page (so typing is never interrupted by a re-render) and grows with
// its text; the button morphs Send → Stop / Queue with the chat (see composer.ts); the
// status line above says what the chat is doing. Each client lays out its own controls
// around the textarea and the button.

import { composerView, keyIntent, type ComposerInput, type ComposerView } from "./composer";
import { h, icon, type Child } from "./dom";
import { streamingMessage, type Transcript } from "./transcript";

export type ComposerActions = {
  setDraft(text: string): void;
  /** `false` when the text was not sent (it goes back into an empty box). */
  send(text: string): Promise<boolean>;
  stop(): Promise<void>;
};

export type ComposerOptions = {
  rows: number;
  placeholder: string;
  /** The textarea grows with its text up to this, then scrolls. */
  maxHeightPx: number;
  /** The button's tooltip for what it does now. */
  title(view: ComposerView): string;
  /** The rows under the status line, holding the textarea and the button. */
  layout(box: HTMLTextAreaElement, button: HTMLButtonElement): Child[];
};

/** What the client's state says of the box, after {@link ComposerBox.showDraft}. */
export type ComposerState = {
  /** The open chat is running a turn. */
  busy: boolean;
  submitting: boolean;
  /** The button can act (see ComposerInput). */
  available: boolean;
  /** Files wait to go with the message (see ComposerInput). */
  attached?: boolean;
  disabled: boolean;
  placeholder: string;
  hidden: boolean;
};

export class ComposerBox {
  readonly el: HTMLElement;
  private readonly box: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private draftKey: string | null = null;
  private input: ComposerInput = { busy: false, text: "" };

  constructor(
    private readonly actions: ComposerActions,
    private readonly options: ComposerOptions,
  ) {
    this.box = h("textarea", { class: "composer-input", rows: options.rows, placeholder: options.placeholder, "aria-label": "Message", "data-testid": "composer" });
    this.button = h("button", { class: "send", type: "button", "data-testid": "send" });
    this.status = h("div", { class: "composer-status", "data-testid": "composer-status", "aria-live": "polite" });
    this.el = h("div", { class: "composer-wrap" }, h("div", { class: "column" }, this.status, ...options.layout(this.box, this.button)));
    this.box.addEventListener("input", () => {
      this.autosize();
      this.actions.setDraft(this.box.value);
      this.refreshButton();
    });
    this.box.addEventListener("keydown", (e) => {
      const intent = keyIntent(e, { ...this.input, text: this.box.value });
      if (intent === "default") return;
      e.preventDefault();
      if (intent === "submit") void this.submit();
    });
    this.button.addEventListener("click", () => void this.submit());
    // A box laid out later (a pane inserted or shown after it was built) or made narrower
    // (a split) wraps its text, or its placeholder, differently: measure it again.
    if (typeof ResizeObserver !== "undefined") {
      let width = -1;
      new ResizeObserver(() => {
        if (this.box.clientWidth === width) return;
        width = this.box.clientWidth;
        this.autosize();
      }).observe(this.box);
    }
  }

  /** Shows the draft of `key` (`null`: none, an empty box) if the key changed; returns the box's text. */
  showDraft(key: string | null, drafts: Readonly<Record<string, string>>): string {
    if (key !== this.draftKey) {
      this.draftKey = key;
      this.box.value = key === null ? "" : (drafts[key] ?? "");
      this.autosize();
    }
    return this.box.value;
  }

  update(state: ComposerState): void {
    this.input = { busy: state.busy, text: this.box.value, submitting: state.submitting, available: state.available, attached: state.attached ?? false };
    this.box.disabled = state.disabled;
    this.box.placeholder = state.placeholder;
    const wasHidden = this.el.hidden;
    this.el.hidden = state.hidden;
    if (wasHidden && !this.el.hidden) this.autosize();
    this.refreshButton();
  }

  /** The status line: `parts` joined, tagged with the phase of `t`'s streaming message (`idle` without one). */
  showStatus(parts: readonly string[], t: Transcript | undefined): void {
    const streaming = streamingMessage(t);
    this.status.textContent = parts.join(" · ");
    this.status.dataset["phase"] = streaming === undefined ? "idle" : (t?.live[streaming.id]?.phase ?? "prompt");
    this.status.hidden = parts.length === 0;
  }

  /** Puts `text` in the box as if typed (a command picked from a list). */
  insert(text: string): void {
    this.box.value = text;
    this.box.focus();
    this.actions.setDraft(this.box.value);
    this.refreshButton();
  }

  private autosize(): void {
    const max = this.options.maxHeightPx;
    this.box.style.height = "auto";
    // An empty box is as tall as its placeholder (which may wrap onto more lines).
    const height = this.box.scrollHeight;
    // Hidden (no layout): leave it to the next update.
    if (height === 0) return;
    this.box.style.height = `${Math.min(height, max)}px`;
    this.box.style.overflowY = height > max ? "auto" : "hidden";
  }

  private async submit(): Promise<void> {
    const view = composerView({ ...this.input, text: this.box.value });
    if (!view.enabled) return;
    if (view.action === "stop") {
      await this.actions.stop();
      return;
    }
    const text = this.box.value;
    this.box.value = "";
    this.autosize();
    const sent = await this.actions.send(text);
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
    this.button.title = this.options.title(view);
    this.button.replaceChildren(icon(view.action), h("span", {}, view.label));
  }
}
