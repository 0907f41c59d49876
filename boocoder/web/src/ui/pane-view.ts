// What <boo-coder-pane> shows of its chat: the transcript with the agents' open requests
// (permission and elicitation cards) under it, the composer with the agent pickers and
// the connection state, the session's pending changes (diff panel) beside it, notices.
// `render` draws the controller's state; the pane calls it at most once per frame.

import { h, icon, renderOnce } from "@boocode/common/dom";
import { NoticeToast } from "@boocode/common/notice";
import { openTranscript } from "@boocode/common/session-link";
import { TranscriptView, transcriptInput, welcome } from "@boocode/common/transcript-view";
import type { Transcript } from "@boocode/common/transcript";
import type { AgentSessionInfo } from "@boocode/types";
import type { PaneController } from "../pane-controller";
import { requestsOf, silentFailure, withStoredPlans } from "../state/session";
import type { PaneState } from "../state/store";
import { RequestList } from "./cards";
import { CheckpointMarks } from "./checkpoints";
import { ComposerView } from "./composer-view";
import { DiffPanel } from "./diff-panel";

export type PaneViewHost = {
  /** Another chat of the session asks for its owner: open it (in a tab of its own). */
  openChat(chatId: string): void;
};

export class PaneView {
  readonly el: HTMLElement;
  private readonly transcript: TranscriptView;
  private readonly requests: RequestList;
  private readonly elsewhere: HTMLElement;
  private readonly failure: HTMLElement;
  private readonly composer: ComposerView;
  private readonly diff: DiffPanel;
  private readonly emptyChat: HTMLElement;
  private readonly missingChat: HTMLElement;
  private readonly noChat: HTMLElement;
  private readonly toast: NoticeToast;
  private readonly checkpoints: CheckpointMarks;

  constructor(
    private readonly app: PaneController,
    private readonly host: PaneViewHost,
  ) {
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
    this.checkpoints = new CheckpointMarks(this.transcript.el, {
      restore: (n) => void app.checkpoints.restore(n),
      confirm: () => void app.checkpoints.confirm(),
      cancel: () => app.checkpoints.cancel(),
    });
    this.composer = new ComposerView(app);
    this.diff = new DiffPanel((id, action) => void app.changeAction(id, action));
    this.emptyChat = welcome(
      "empty-chat",
      "C",
      "Put an agent to work",
      "Pick an agent below and describe the change. It works in this session's git worktree; its edits wait on the right for your approval.",
    );
    this.missingChat = welcome("missing-chat", "C", "No such chat", "This session has no such chat (it may have been deleted). Chats are created in boochat.");
    this.noChat = welcome("no-chat", "C", "No chat", "This pane is told no session and chat (its session-id and chat-id).");
    this.toast = new NoticeToast(() => app.state.notice, () => app.dismissNotice());
    this.el = h(
      "div",
      { class: "timeline", "data-testid": "timeline" },
      h("div", { class: "timeline-main" }, this.noChat, this.transcript.el, this.composer.el),
      this.diff.el,
      this.toast.el,
    );
  }

  private lastPlanned: { t: Transcript; rows: readonly AgentSessionInfo[] | null; out: Transcript } | undefined;

  /** The transcript with the plans kept on the agents' rows (memoised: same input, same object). */
  private planned(t: Transcript | undefined, rows: readonly AgentSessionInfo[] | null): Transcript | undefined {
    if (t === undefined) return t;
    const last = this.lastPlanned;
    if (last !== undefined && last.t === t && last.rows === rows) return last.out;
    const out = withStoredPlans(t, rows);
    this.lastPlanned = { t, rows, out };
    return out;
  }

  /** Focus the message box. */
  focus(): void {
    this.composer.focus();
  }

  render(): void {
    const s = this.app.state;
    const noSession = s.sessionId === null;
    const missing = this.app.chatMissing();
    this.noChat.hidden = !noSession;
    this.transcript.el.hidden = noSession;
    const input = transcriptInput(missing ? { ...s, chatId: null } : s, missing ? this.missingChat : this.emptyChat);
    this.transcript.update({ ...input, transcript: this.planned(input.transcript, s.coder?.agentSessions ?? null) });
    this.transcript.keepBottom(() => {
      this.checkpoints.update({ checkpoints: s.checkpoints, flow: s.restore, transcript: openTranscript(s), busy: this.app.busy() });
      this.renderRequests(s, missing);
    });
    this.composer.update(s);
    this.diff.update({ pending: s.coder?.pending ?? null, ops: s.changeOps, errors: s.changeErrors, sessionOpen: !noSession });
    this.toast.update(s.notice);
  }

  /** Drops the notice's timer (the pane is gone). */
  dispose(): void {
    this.toast.update(null);
  }

  private renderRequests(s: PaneState, missing: boolean): void {
    const coder = s.coder;
    const t = openTranscript(s);
    const chatId = missing ? null : s.chatId;
    const failed = coder === null || t === undefined || missing ? undefined : silentFailure(coder, chatId, t.messages);
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
    this.requests.update(coder === null ? [] : requestsOf(coder, chatId), {
      answering: s.answering,
      errors: s.requestErrors,
      actions: {
        permission: (id, option) => void this.app.answerPermission(id, option),
        elicitation: (id, action, content) => void this.app.answerElicitation(id, action, content),
      },
    });
    // Agents of the session's other chats waiting on the owner.
    const others = coder === null ? [] : coder.requests.filter((r) => r.chatId !== chatId);
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
          h("button", { class: "btn btn-small", type: "button", on: { click: () => this.host.openChat(r.chatId) } }, "Open"),
        );
      }),
    );
  }
}
