// The page: header, the timeline (transcript, the agents' open requests, composer) next
// to the diff panel, or the agents (providers) view; notices. Renders the store at most
// once per animation frame.

import { h, icon, renderOnce, renderStore } from "@boocode/common/dom";
import { NoticeToast } from "@boocode/common/notice";
import { openTranscript } from "@boocode/common/session-link";
import { TranscriptView, transcriptInput, welcome } from "@boocode/common/transcript-view";
import type { Controller } from "../controller";
import { requestsOf, silentFailure } from "../state/session";
import type { CoderState } from "../state/store";
import { RequestList } from "./cards";
import { ComposerView } from "./composer-view";
import { DiffPanel } from "./diff-panel";
import { Header, sessionChooser } from "./header";
import { ProvidersView } from "./providers-view";

export class AppView {
  private readonly header: Header;
  private readonly transcript: TranscriptView;
  private readonly requests: RequestList;
  private readonly elsewhere: HTMLElement;
  private readonly failure: HTMLElement;
  private readonly composer: ComposerView;
  private readonly diff: DiffPanel;
  private readonly providers: ProvidersView;
  private readonly timeline: HTMLElement;
  private readonly chooser: HTMLElement;
  private readonly emptyChat: HTMLElement;
  private readonly toast: NoticeToast;

  constructor(
    root: HTMLElement,
    private readonly app: Controller,
  ) {
    this.header = new Header(app);
    this.requests = new RequestList();
    this.elsewhere = h("div", { class: "elsewhere" });
    this.failure = h("div", { class: "failure" });
    const tail = h("div", { class: "tail" }, this.failure, this.requests.el, this.elsewhere);
    this.transcript = new TranscriptView(
      { copy: (text) => void navigator.clipboard?.writeText(text).then(() => app.notify("Copied", "info")) },
      () => void app.link.loadOlder(),
      undefined,
      tail,
    );
    this.composer = new ComposerView(app);
    this.diff = new DiffPanel((id, action) => void app.changeAction(id, action));
    this.providers = new ProvidersView(app);
    this.chooser = h("div", { class: "chooser" });
    this.emptyChat = welcome(
      "empty-chat",
      "C",
      "Put an agent to work",
      "Pick an agent below and describe the change. It works in this session's git worktree; its edits wait on the right for your approval.",
    );
    this.timeline = h(
      "div",
      { class: "timeline", "data-testid": "timeline" },
      h("div", { class: "timeline-main" }, this.chooser, this.transcript.el, this.composer.el),
      this.diff.el,
    );
    this.toast = new NoticeToast(() => app.state.notice, () => app.dismissNotice());
    root.replaceChildren(h("div", { class: "coder-app" }, this.header.el, h("main", { class: "coder-main" }, this.timeline, this.providers.el)), this.toast.el);
    renderStore(app.store, () => this.render());
  }

  private render(): void {
    const s = this.app.store.get();
    this.header.update(s);
    const timeline = s.view === "timeline";
    this.timeline.hidden = !timeline;
    this.providers.el.hidden = timeline;
    this.providers.update(s);

    const noSession = s.sessionId === null;
    this.chooser.hidden = !noSession;
    this.transcript.el.hidden = noSession;
    if (noSession) renderOnce(this.chooser, [s.sessions, s.sessionsError], () => [sessionChooser(s, this.app)]);

    this.transcript.update(transcriptInput(s, this.emptyChat));
    this.transcript.keepBottom(() => this.renderRequests(s));
    this.composer.update(s);
    this.diff.update({ pending: s.coder?.pending ?? null, ops: s.changeOps, errors: s.changeErrors, sessionOpen: !noSession });
    this.toast.update(s.notice);
  }

  private renderRequests(s: CoderState): void {
    const coder = s.coder;
    const t = openTranscript(s);
    const failed = coder === null || t === undefined ? undefined : silentFailure(coder, s.chatId, t.messages);
    renderOnce(this.failure, [failed], () =>
      failed === undefined
        ? []
        : [
            h(
              "div",
              { class: "msg-error task-error", role: "alert", "data-testid": "task-error", "data-status": failed.status },
              `${failed.agent}: the turn ${failed.status === "blocked" ? "is blocked" : "failed"}: ${failed.error ?? "no reason given"}`,
            ),
          ],
    );
    this.requests.update(coder === null ? [] : requestsOf(coder, s.chatId), {
      answering: s.answering,
      errors: s.requestErrors,
      actions: {
        permission: (id, option) => void this.app.answerPermission(id, option),
        elicitation: (id, action, content) => void this.app.answerElicitation(id, action, content),
      },
    });
    // Agents of the session's other chats waiting on the owner.
    const others = coder === null ? [] : coder.requests.filter((r) => r.chatId !== s.chatId);
    const chats = s.feed?.chats ?? [];
    renderOnce(this.elsewhere, [others, chats], () =>
      others.map((r) => {
        const index = chats.findIndex((c) => c.id === r.chatId);
        const chat = chats[index];
        const name = chat?.title ?? (index >= 0 ? `Chat ${index + 1}` : "another chat");
        return h(
          "div",
          { class: "banner banner-info", "data-testid": "request-elsewhere" },
          icon("shield"),
          h("span", {}, `${r.agent} in ${name} is waiting for you.`),
          h("button", { class: "btn btn-small", type: "button", on: { click: () => this.app.link.openChat(r.chatId) } }, "Open"),
        );
      }),
    );
  }
}
