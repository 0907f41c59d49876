// The bar above the transcript: the chat's title (click to rename), the connection when it
// is not live, the agent picker, the model and the archive button. The session's title and
// the tabs belong to the page hosting the pane.

import type { AgentsInfo, Chat } from "@boocode/types";
import { CONN_TEXT } from "@boocode/common/session-socket";
import { h, icon, renderOnce } from "@boocode/common/dom";
import type { PaneController } from "./controller";
import { UNTITLED } from "./controller";
import { chatMissing, contextUse, paneChat, tokens, type PaneState } from "./state";

export class Header {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly conn: HTMLElement;
  private readonly right: HTMLElement;
  private editing = false;
  /** Bumped when a rename ends, so the title is drawn again. */
  private edits = 0;

  constructor(private readonly app: PaneController) {
    this.title = h("div", { class: "title" });
    this.conn = h("div", { class: "conn", "data-testid": "ws-status" });
    this.right = h("div", { class: "top-right" });
    this.el = h("header", { class: "pane-bar" }, this.title, this.conn, this.right);
  }

  update(s: PaneState): void {
    const chat = paneChat(s);
    const missing = chatMissing(s);
    if (!this.editing) renderOnce(this.title, [chat?.title, chat?.forked_from_chat_id, chat?.id, missing, s.session?.status, this.edits], () => this.titleNodes(s, chat, missing));
    renderOnce(this.conn, [s.conn.state, s.conn.detail], () => [h("span", { class: "dot" }), CONN_TEXT[s.conn.state]]);
    this.conn.className = `conn conn-${s.conn.state}`;
    this.conn.dataset["state"] = s.conn.state;
    this.conn.title = s.conn.detail ?? `WebSocket ${CONN_TEXT[s.conn.state]}`;
    const use = contextUse(s);
    renderOnce(this.right, [chat?.agent, chat?.id, chat?.status, s.agents, s.models, use?.used, use?.size], () => this.rightNodes(s, chat));
  }

  private titleNodes(s: PaneState, chat: Chat | undefined, missing: boolean): HTMLElement[] {
    if (missing) return [h("h1", { "data-testid": "chat-title" }, "Missing chat")];
    if (chat === undefined) return [h("h1", { class: "title-pending", "data-testid": "chat-title" }, "…")];
    return [
      chat.forked_from_chat_id !== null ? h("span", { class: "title-fork", title: "Forked" }, icon("fork")) : null,
      h(
        "button",
        { class: "title-button", type: "button", title: "Rename the chat", "data-testid": "chat-title", on: { click: () => this.startRename(chat) } },
        chat.title ?? UNTITLED,
      ),
      s.session?.status === "archived" ? h("span", { class: "badge", title: "The session is archived" }, "archived") : null,
    ].filter((n): n is HTMLElement => n !== null);
  }

  private startRename(chat: Chat): void {
    this.editing = true;
    const input = h("input", { class: "title-input", value: chat.title ?? "", placeholder: UNTITLED, "aria-label": "Chat title", "data-testid": "chat-title-input", maxlength: 200 });
    let done = false;
    const finish = (save: boolean): void => {
      if (done) return;
      done = true;
      this.editing = false;
      this.edits += 1;
      if (save) void this.app.rename(input.value);
      this.update(this.app.state);
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
    this.title.replaceChildren(input);
    input.focus();
    input.select();
  }

  private rightNodes(s: PaneState, chat: Chat | undefined): HTMLElement[] {
    const model = s.models?.reachable === true ? (s.models.models[0]?.id ?? null) : null;
    const nodes: HTMLElement[] = [];
    if (chat !== undefined) nodes.push(this.agentPicker(s.agents, chat));
    if (model !== null) {
      nodes.push(h("span", { class: "chip", title: `Model server ${s.models?.base_url ?? ""}`, "data-testid": "model-chip" }, h("span", { class: "dot dot-ok" }), model));
    }
    const use = contextUse(s);
    if (use !== null) nodes.push(this.gauge(use.used, use.size));
    if (chat !== undefined) nodes.push(this.chatMenu(chat));
    if (chat !== undefined && chat.status === "open") {
      nodes.push(
        h(
          "button",
          { class: "icon-btn", type: "button", title: "Compact: summarise the earlier turns for the model (/compact)", "aria-label": "Compact the chat", "data-testid": "compact-chat", on: { click: () => void this.app.compact() } },
          icon("compress"),
        ),
      );
      nodes.push(
        h(
          "button",
          { class: "icon-btn", type: "button", title: "Archive chat", "aria-label": "Archive chat", "data-testid": "archive-chat", on: { click: () => void this.app.archive() } },
          icon("archive"),
        ),
      );
    }
    return nodes;
  }

  /** Export the chat (Markdown, JSON) or import an exported one into the session. */
  private chatMenu(chat: Chat): HTMLElement {
    const picker = h("input", { type: "file", accept: "application/json,.json", hidden: true, "data-testid": "import-file" }) as HTMLInputElement;
    picker.addEventListener("change", () => {
      const file = picker.files?.[0];
      picker.value = "";
      if (file !== undefined) void this.app.importChat(file);
    });
    const link = (format: "md" | "json", label: string) =>
      h("a", { class: "menu-item", href: this.app.api.exportUrl(chat.id, format), download: "", "data-testid": `export-${format}` }, label);
    const menu = h(
      "details",
      {
        class: "chat-menu",
        "data-testid": "chat-menu",
        on: {
          // Escape closes the open menu and gives the focus back to its button.
          keydown: (e: Event) => {
            if ((e as KeyboardEvent).key !== "Escape" || !menu.open) return;
            e.stopPropagation();
            menu.open = false;
            menu.querySelector("summary")?.focus();
          },
        },
      },
      h("summary", { class: "icon-btn", title: "Export or import a chat", "aria-label": "Export or import a chat" }, icon("file")),
      h(
        "div",
        { class: "menu" },
        link("md", "Export as Markdown"),
        link("json", "Export as JSON"),
        h("button", { class: "menu-item", type: "button", "data-testid": "import-chat", on: { click: () => picker.click() } }, "Import a chat (JSON)…"),
        picker,
      ),
    ) as HTMLDetailsElement;
    return menu;
  }

  /** The context gauge: tokens used of the model's context (a meter when the size is known). */
  private gauge(used: number, size: number | null): HTMLElement {
    const label = size === null ? `${tokens(used)} ctx` : `${tokens(used)} / ${tokens(size)}`;
    const title =
      size === null
        ? `Context used by the last request: ${used} tokens (the model server does not say its size)`
        : `Context used by the last request: ${used} of ${size} tokens (${Math.round((used / size) * 100)}%); the chat compacts past its threshold`;
    return h(
      "span",
      { class: "ctx-gauge", title, "data-testid": "context-gauge", "data-used": String(used), "data-size": size === null ? "" : String(size) },
      size === null ? null : h("meter", { min: 0, max: size, low: size * 0.6, high: size * 0.8, optimum: 0, value: Math.min(used, size) }),
      label,
    );
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
}
