// The page's passing notices ("Copied", "Not sent: …"): one at a time in a toast that
// goes by itself, info sooner than errors, unless a newer notice replaced it.

import { h, icon, renderOnce } from "./dom";

export type Notice = { text: string; tone: "error" | "info"; at: number };

export const INFO_MS = 2500;
export const ERROR_MS = 8000;

export class NoticeToast {
  readonly el: HTMLElement;
  private shown: Notice | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `current` is the notice the page holds now; `dismiss` clears it. */
  constructor(
    private readonly current: () => Notice | null,
    private readonly dismiss: () => void,
  ) {
    this.el = h("div", { class: "toast", role: "status", hidden: true, "data-testid": "notice" });
  }

  update(notice: Notice | null): void {
    renderOnce(this.el, [notice], () =>
      notice === null
        ? []
        : [h("span", {}, notice.text), h("button", { class: "icon-btn", type: "button", "aria-label": "Dismiss", on: { click: () => this.dismiss() } }, icon("close"))],
    );
    this.el.hidden = notice === null;
    this.el.dataset["tone"] = notice?.tone ?? "";
    if (notice === this.shown) return;
    this.shown = notice;
    clearTimeout(this.timer);
    if (notice !== null) {
      this.timer = setTimeout(() => {
        if (this.current() === notice) this.dismiss();
      }, notice.tone === "info" ? INFO_MS : ERROR_MS);
    }
  }
}
