// What a chat pane shows: its bar, the model banner, the transcript, the composer and its
// notices. Renders the store at most once per animation frame, until disposed.

import type { ModelsInfo } from "@boocode/types";
import { h, icon, renderOnce } from "@boocode/common/dom";
import { NoticeToast } from "@boocode/common/notice";
import type { Store } from "@boocode/common/store";
import { TranscriptView, transcriptInput, welcome } from "@boocode/common/transcript-view";
import { askCards } from "./ask-card";
import { ComposerView } from "./composer-view";
import type { PaneController } from "./controller";
import { Header } from "./header";
import { chatMissing, type PaneState } from "./state";

/** The banner text when the model server does not answer; `null` when it does. */
export function modelBannerText(models: ModelsInfo | null): string | null {
  if (models === null || models.reachable) return null;
  return `No model server answers at ${models.base_url}: ${models.error ?? "unknown error"}`;
}

/**
 * Runs `render` now, then after changes of `store` at most once per animation frame (a
 * timeout keeps a hidden page current); the returned function stops it.
 */
export function scheduleRender<S>(store: Store<S>, render: () => void): () => void {
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = undefined;
    timer = undefined;
  };
  const run = (): void => {
    cancel();
    render();
  };
  const unsubscribe = store.subscribe(() => {
    if (timer !== undefined) return;
    if (typeof requestAnimationFrame === "function") frame = requestAnimationFrame(run);
    timer = setTimeout(run, 100);
  });
  render();
  return () => {
    unsubscribe();
    cancel();
  };
}

export class PaneView {
  readonly el: HTMLElement;
  private readonly header: Header;
  private readonly banner: HTMLElement;
  private readonly transcript: TranscriptView;
  private readonly composer: ComposerView;
  private readonly toast: NoticeToast;
  private readonly emptyChat: HTMLElement;
  private readonly missingChat: HTMLElement;
  private sessionError: { text: string; el: HTMLElement } | undefined;
  private stopRendering: () => void;

  constructor(private readonly app: PaneController) {
    this.header = new Header(app);
    this.banner = h("div", { class: "banner", "data-testid": "model-banner", role: "alert", hidden: true });
    this.transcript = new TranscriptView(
      {
        fork: (id) => void app.fork(id),
        compact: () => void app.compact(),
        regenerate: (id) => void app.regenerate(id),
        edit: (id, content) => void app.edit(id, content),
        switchBranch: (id) => void app.switchBranch(id),
        copy: (text) => void navigator.clipboard?.writeText(text).then(() => app.notify("Copied", "info")),
        attachmentUrl: (id, ordinal) => app.api.attachmentUrl(id, ordinal),
      },
      () => void app.link.loadOlder(),
      askCards((callId, text) => void app.answer(callId, text)),
    );
    this.composer = new ComposerView(app);
    this.toast = new NoticeToast(() => app.state.notice, () => app.dismissNotice());
    this.emptyChat = welcome(
      "empty-chat",
      "B",
      "What are we working on?",
      "The assistant can read, list and search the project's files, check git status and read the web.",
    );
    this.missingChat = welcome("missing-chat", "B", "This chat is not here", "The session has no such chat: it may have been deleted.");
    this.el = h("div", { class: "main pane", "data-testid": "chat-pane" }, this.header.el, this.banner, this.transcript.el, this.composer.el, this.toast.el);
    this.stopRendering = scheduleRender(app.store, () => this.render());
  }

  focus(): void {
    this.composer.focus();
  }

  /** Stops rendering and drops the notice's timer. */
  dispose(): void {
    this.stopRendering();
    this.stopRendering = () => undefined;
    this.toast.update(null);
  }

  private render(): void {
    const s = this.app.store.get();
    this.header.update(s);
    const bannerText = modelBannerText(s.models);
    this.banner.hidden = bannerText === null;
    this.banner.dataset["state"] = s.models === null ? "unknown" : s.models.reachable ? "reachable" : "unreachable";
    renderOnce(this.banner, [bannerText], () => [icon("warn"), h("span", {}, bannerText ?? ""), h("span", { class: "banner-note" }, "retrying every 10 s")]);
    const input = transcriptInput(s, this.empty(s), s.answered);
    // A session that cannot be read has no transcript coming.
    this.transcript.update(s.sessionError === null ? input : { ...input, loading: false });
    this.composer.update(s);
    this.toast.update(s.notice);
  }

  private empty(s: PaneState): HTMLElement {
    if (s.sessionError !== null) {
      if (this.sessionError?.text !== s.sessionError) {
        this.sessionError = { text: s.sessionError, el: welcome("session-error", "B", "Cannot show this chat", s.sessionError) };
      }
      return this.sessionError.el;
    }
    return chatMissing(s) ? this.missingChat : this.emptyChat;
  }
}
