// The page's bar on top: brand, the session and chat its pane shows (pickers), the
// Timeline / Agents switch and, while no session is open, the page's connection state
// (the pane shows its own).

import type { Chat, Session } from "@boocode/types";
import { h, icon, renderOnce } from "@boocode/common/dom";
import { CONN_TEXT } from "@boocode/common/session-socket";
import type { Controller } from "../controller";
import type { PageState } from "../state/store";

export function sessionLabel(session: Session | undefined, id: string): string {
  return session?.title ?? (session === undefined ? `Session ${id.slice(0, 8)}` : "Untitled session");
}

export function chatLabel(chat: Chat, index: number): string {
  return chat.title ?? `Chat ${index + 1}`;
}

export class Header {
  readonly el: HTMLElement;

  constructor(private readonly app: Controller) {
    this.el = h("header", { class: "coder-header", "data-testid": "coder-header" });
  }

  update(s: PageState): void {
    renderOnce(this.el, [s.sessions, s.sessionId, s.chatId, s.chats, s.view, s.conn.state, s.conn.detail], () => this.build(s));
  }

  private build(s: PageState): HTMLElement[] {
    const chats = (s.chats ?? []).filter((c) => c.status === "open" || c.id === s.chatId);
    const sessions = s.sessions ?? [];
    const sessionSelect = h(
      "select",
      {
        class: "select",
        "data-testid": "session-picker",
        "aria-label": "Session",
        on: { change: () => (sessionSelect.value === "" ? this.app.closeSession() : this.app.selectSession(sessionSelect.value)) },
      },
      h("option", { value: "" }, sessions.length === 0 ? "No open session" : "Choose a session…"),
      ...sessions.map((x) => h("option", { value: x.id }, sessionLabel(x, x.id))),
    );
    if (s.sessionId !== null && !sessions.some((x) => x.id === s.sessionId)) {
      sessionSelect.append(h("option", { value: s.sessionId }, sessionLabel(undefined, s.sessionId)));
    }
    sessionSelect.value = s.sessionId ?? "";
    const chatSelect = h(
      "select",
      {
        class: "select",
        "data-testid": "chat-picker",
        "aria-label": "Chat",
        disabled: s.sessionId === null,
        on: { change: () => chatSelect.value !== "" && this.app.selectChat(chatSelect.value) },
      },
      h("option", { value: "" }, chats.length === 0 ? "No chat" : "Choose a chat…"),
      ...chats.map((c, i) => h("option", { value: c.id }, chatLabel(c, i))),
    );
    if (s.chatId !== null && !chats.some((c) => c.id === s.chatId)) chatSelect.append(h("option", { value: s.chatId }, `Chat ${s.chatId.slice(0, 8)}`));
    chatSelect.value = s.chatId ?? "";
    const tab = (view: PageState["view"], label: string, testid: string) =>
      h(
        "button",
        {
          class: `seg${s.view === view ? " selected" : ""}`,
          type: "button",
          "aria-pressed": s.view === view ? "true" : "false",
          "data-testid": testid,
          on: { click: () => this.app.setView(view) },
        },
        label,
      );
    return [
      h("div", { class: "brand" }, h("span", { class: "brand-mark" }, "C"), h("span", {}, "boocoder")),
      h("div", { class: "where" }, sessionSelect, chatSelect),
      h(
        "div",
        { class: "head-right" },
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "View" },
          tab("timeline", "Timeline", "timeline-tab"),
          tab("providers", "Agents", "providers-tab"),
        ),
        s.sessionId !== null
          ? null
          : h(
              "div",
              { class: `conn conn-${s.conn.state}`, "data-testid": "ws-status", "data-state": s.conn.state, title: s.conn.detail ?? `WebSocket ${CONN_TEXT[s.conn.state]}` },
              h("span", { class: "dot" }),
              CONN_TEXT[s.conn.state],
            ),
      ),
    ];
  }
}

/** Shown instead of the pane while no session is open. */
export function sessionChooser(s: PageState, app: Controller): HTMLElement {
  const list = s.sessions ?? [];
  return h(
    "div",
    { class: "welcome", "data-testid": "choose-session" },
    h("div", { class: "welcome-mark" }, "C"),
    h("h2", {}, "boocoder"),
    h("p", {}, "Coding agents in the session's git worktree. Their edits wait here for your approval."),
    s.sessionsError !== null
      ? h("p", { class: "form-error" }, `Cannot list the sessions: ${s.sessionsError}`)
      : s.sessions === null
        ? h("p", {}, "Loading sessions…")
        : list.length === 0
          ? h("p", {}, "No open session. Create one (and a chat) in boochat.")
          : h(
              "div",
              { class: "session-list" },
              ...list.map((x) =>
                h(
                  "button",
                  { class: "btn session-choice", type: "button", "data-testid": "session-choice", "data-id": x.id, on: { click: () => app.selectSession(x.id) } },
                  icon("folder"),
                  sessionLabel(x, x.id),
                ),
              ),
            ),
  );
}
