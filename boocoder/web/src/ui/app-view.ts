// The /coder/ page: header (session and chat pickers, Timeline / Agents), then the
// chosen chat in ONE <boo-coder-pane> (or the session chooser while none is open), or the
// agents (providers) view; notices. Renders the store at most once per animation frame.
// The pane keeps its socket while the agents view hides it.

import { h, renderOnce, renderStore } from "@boocode/common/dom";
import { NoticeToast } from "@boocode/common/notice";
import { welcome } from "@boocode/common/transcript-view";
import type { Controller } from "../controller";
import { TAG, type BooCoderPane, type OpenTabDetail, type PaneServices, type TabBusyDetail, type TabTitleDetail } from "../pane";
import type { PageState } from "../state/store";
import { Header, sessionChooser } from "./header";
import { ProvidersView } from "./providers-view";

const TITLE = "boocoder · BooCode";

export class AppView {
  private readonly header: Header;
  private readonly providers: ProvidersView;
  private readonly timeline: HTMLElement;
  private readonly chooser: HTMLElement;
  private readonly pane: BooCoderPane;
  private readonly toast: NoticeToast;

  /** `paneServices` stand in for the browser's in the pane (tests). */
  constructor(
    root: HTMLElement,
    private readonly app: Controller,
    paneServices?: PaneServices,
  ) {
    this.header = new Header(app);
    this.providers = new ProvidersView(app);
    this.chooser = h("div", { class: "chooser" });
    this.pane = h(TAG);
    if (paneServices !== undefined) this.pane.services = paneServices;
    this.pane.addEventListener("boo-tab-title", (e) => app.paneTitle((e as CustomEvent<TabTitleDetail>).detail.title));
    this.pane.addEventListener("boo-tab-busy", (e) => app.paneBusy((e as CustomEvent<TabBusyDetail>).detail.busy));
    this.pane.addEventListener("boo-open-tab", (e) => {
      const { tab } = (e as CustomEvent<OpenTabDetail>).detail;
      if (tab.kind === "coder") app.selectChat(tab.id);
    });
    this.timeline = h("div", { class: "page-timeline" }, this.chooser);
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
    this.renderPane(s);
    document.title = s.title === null || s.sessionId === null ? TITLE : `${s.title} · ${TITLE}`;
    this.toast.update(s.notice);
  }

  /** The pane shows the route's chat; without one it is removed (its socket closes) and the page says why. */
  private renderPane(s: PageState): void {
    const sessionId = s.sessionId;
    const chatId = s.chatId;
    if (sessionId === null || chatId === null) {
      this.pane.remove();
      this.chooser.hidden = false;
      renderOnce(this.chooser, [sessionId, s.sessions, s.sessionsError, s.chats, s.chatsError], () => [
        sessionId === null
          ? sessionChooser(s, this.app)
          : s.chatsError !== null
            ? welcome("no-chat", "C", "Cannot open this session", s.chatsError)
            : s.chats === null
              ? welcome("no-chat", "C", "Loading the chats…", "")
              : welcome("no-chat", "C", "No chat yet", "This session has no open chat. Create one in boochat, then pick it above."),
      ]);
      return;
    }
    this.chooser.hidden = true;
    const switched = this.pane.getAttribute("session-id") !== sessionId || this.pane.getAttribute("chat-id") !== chatId;
    this.pane.setAttribute("session-id", sessionId);
    this.pane.setAttribute("chat-id", chatId);
    if (!this.pane.isConnected) this.timeline.append(this.pane);
    if (switched) this.pane.focus();
  }
}
