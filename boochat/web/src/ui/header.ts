// The bar above the transcript: session title, chat tabs, agent picker, model.

import type { AgentsInfo, Chat } from "@boocode/types";
import type { Controller } from "../controller";
import type { AppState } from "../state/store";
import { h, icon, renderOnce } from "@boocode/common/dom";
import { sessionTitle } from "./sidebar";

export function chatLabel(chat: Chat, index: number): string {
  return chat.title ?? `Chat ${index + 1}`;
}

export class Header {
  readonly el: HTMLElement;
  private readonly top: HTMLElement;
  private readonly tabs: HTMLElement;
  private archivedOpen = false;

  constructor(private readonly app: Controller) {
    this.top = h("div", { class: "topbar" });
    this.tabs = h("div", { class: "tabs", role: "tablist", "data-testid": "chat-tabs" });
    this.el = h("header", { class: "header" }, this.top, this.tabs);
    document.addEventListener("click", (e) => {
      if (this.archivedOpen && !(e.target instanceof Node && this.tabs.contains(e.target))) {
        this.archivedOpen = false;
        this.tabs.querySelector(".menu")?.remove();
      }
    });
  }

  update(s: AppState): void {
    const chats = s.feed?.chats ?? null;
    const chat = chats?.find((c) => c.id === s.chatId);
    renderOnce(this.top, [s.session, chat?.agent, chat?.id, s.agents, s.models], () => this.topBar(s, chat));
    this.el.hidden = s.session === null;
    renderOnce(this.tabs, [chats, s.chatId], () => this.tabList(chats ?? [], s.chatId));
  }

  private topBar(s: AppState, chat: Chat | undefined): HTMLElement[] {
    if (s.session === null) return [];
    const model = s.models?.reachable === true ? (s.models.models[0]?.id ?? null) : null;
    return [
      h(
        "div",
        { class: "title" },
        h("h1", { "data-testid": "session-title" }, sessionTitle(s.session)),
        s.session.status === "archived" ? h("span", { class: "badge" }, "archived") : null,
      ),
      h(
        "div",
        { class: "top-right" },
        chat === undefined ? null : this.agentPicker(s.agents, chat),
        model === null ? null : h("span", { class: "chip", title: `Model server ${s.models?.base_url ?? ""}`, "data-testid": "model-chip" }, h("span", { class: "dot dot-ok" }), model),
      ),
    ];
  }

  private agentPicker(info: AgentsInfo | null, chat: Chat): HTMLElement {
    const agents = info?.agents ?? [];
    const select = h(
      "select",
      {
        class: "select",
        "data-testid": "agent-picker",
        "aria-label": "Agent",
        title: "Agent for this chat (from AGENTS.md)",
        on: { change: () => void this.app.setAgent(select.value === "" ? null : select.value) },
      },
      h("option", { value: "" }, "Plain model"),
      ...agents.map((a) => h("option", { value: a.name, title: a.description ?? "" }, a.description ? `${a.name} — ${a.description}` : a.name)),
    );
    if (chat.agent !== null && !agents.some((a) => a.name === chat.agent)) {
      select.append(h("option", { value: chat.agent }, `${chat.agent} (not defined)`));
    }
    select.value = chat.agent ?? "";
    return h(
      "label",
      { class: "agent" },
      h("span", { class: "agent-label" }, "Agent"),
      select,
      info?.error ? h("span", { class: "agent-warn", title: `AGENTS.md: ${info.error}`, "data-testid": "agents-error" }, icon("warn")) : null,
    );
  }

  private tabList(chats: readonly Chat[], chatId: string | null): HTMLElement[] {
    const nodes: HTMLElement[] = [];
    chats.forEach((chat, index) => {
      if (chat.status !== "open") return;
      const selected = chat.id === chatId;
      nodes.push(
        h(
          "div",
          { class: `tab${selected ? " selected" : ""}`, "data-testid": "chat-tab", "data-id": chat.id, "data-busy": chat.busy ? "true" : "false" },
          h(
            "button",
            { class: "tab-link", type: "button", role: "tab", "aria-selected": selected ? "true" : "false", on: { click: () => this.app.link.openChat(chat.id) } },
            chat.busy ? h("span", { class: "pulse" }) : icon("chat", "icon tab-icon"),
            h("span", { class: "tab-title" }, chatLabel(chat, index)),
            chat.forked_from_chat_id !== null ? h("span", { class: "tab-fork", title: "Forked" }, icon("fork")) : null,
          ),
          h(
            "button",
            { class: "tab-close", type: "button", title: "Archive chat", "aria-label": "Archive chat", "data-testid": "archive-chat", on: { click: () => void this.app.setChatStatus(chat, "archived") } },
            icon("close"),
          ),
        ),
      );
    });
    nodes.push(
      h("button", { class: "tab-new", type: "button", title: "New chat", "aria-label": "New chat", "data-testid": "new-chat", on: { click: () => void this.app.newChat() } }, icon("plus"), "New chat"),
    );
    const archived = chats.filter((c) => c.status === "archived");
    if (archived.length > 0) {
      const wrap = h("div", { class: "tab-archived" });
      const button = h(
        "button",
        {
          class: "tab-new",
          type: "button",
          "data-testid": "archived-chats",
          on: {
            click: (e) => {
              e.stopPropagation();
              this.archivedOpen = !this.archivedOpen;
              wrap.querySelector(".menu")?.remove();
              if (this.archivedOpen) wrap.append(this.archivedMenu(chats, archived));
            },
          },
        },
        icon("archive"),
        `Archived (${archived.length})`,
      );
      wrap.append(button);
      if (this.archivedOpen) wrap.append(this.archivedMenu(chats, archived));
      nodes.push(wrap);
    }
    return nodes;
  }

  private archivedMenu(all: readonly Chat[], archived: Chat[]): HTMLElement {
    return h(
      "div",
      { class: "menu", role: "menu" },
      ...archived.map((chat) =>
        h(
          "button",
          {
            class: "menu-item",
            type: "button",
            role: "menuitem",
            "data-testid": "restore-chat",
            on: {
              click: () => {
                this.archivedOpen = false;
                void this.app.setChatStatus(chat, "open");
              },
            },
          },
          icon("restore"),
          `Restore “${chatLabel(chat, all.indexOf(chat))}”`,
        ),
      ),
    );
  }
}
