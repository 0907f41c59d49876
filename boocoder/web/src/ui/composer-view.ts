// The message box (@boocode/common/composer-box) with the agent controls under it: provider,
// mode and model pickers, the resumed / new-session chip and the connection state next to
// Send / Stop / Queue, and the agent's commands.

import type { CommandInfo } from "@boocode/types";
import { ComposerBox } from "@boocode/common/composer-box";
import { h, renderOnce } from "@boocode/common/dom";
import { liveText } from "@boocode/common/message-view";
import { openTranscript } from "@boocode/common/session-link";
import { CONN_TEXT } from "@boocode/common/session-socket";
import { streamingMessage } from "@boocode/common/transcript";
import type { PaneController } from "../pane-controller";
import { findProvider, modelOptions, modeOptions, providerOptions, type PickerOption } from "../state/providers";
import { activeTasks, CHIP_TEXT, commandsKey, sessionChip } from "../state/session";
import type { PaneState } from "../state/store";

const PLACEHOLDER = "Tell the agent what to do…  (Shift+Enter for a new line)";

/** The picker reads the providers again when focused, at most this often (they change in the agents view). */
const RELOAD_PROVIDERS_MS = 3_000;

function picker(testid: string, label: string, options: readonly PickerOption[], value: string, onChange: (v: string) => void): HTMLSelectElement {
  const select = h(
    "select",
    { class: "select", "data-testid": testid, "aria-label": label, title: label, on: { change: () => onChange(select.value) } },
    ...options.map((o) => h("option", { value: o.value }, o.label)),
  );
  select.value = value;
  return select;
}

export class ComposerView {
  readonly el: HTMLElement;
  private readonly box: ComposerBox;
  private readonly controls: HTMLElement;
  private readonly commands: HTMLElement;
  private readonly conn: HTMLElement;
  private providersReadAt = 0;

  constructor(private readonly app: PaneController) {
    this.controls = h("div", { class: "composer-controls" });
    this.commands = h("div", { class: "composer-commands" });
    this.conn = h("div", { class: "conn", "data-testid": "ws-status" });
    this.box = new ComposerBox(app, {
      rows: 2,
      placeholder: PLACEHOLDER,
      maxHeightPx: 240,
      title: (view) => (view.action === "queue" ? "Queue: runs after the current turn" : view.action === "stop" ? "Stop the running turn" : view.label),
      layout: (box, button) => [h("div", { class: "composer composer-coder" }, box, h("div", { class: "composer-row" }, this.controls, this.conn, button)), this.commands],
    });
    this.el = this.box.el;
  }

  /** Focus the message box. */
  focus(): void {
    this.el.querySelector("textarea")?.focus();
  }

  update(s: PaneState): void {
    const noChat = s.chatId === null || this.app.chatMissing();
    const text = this.box.showDraft(noChat ? null : s.chatId, s.drafts);
    const blocker = this.app.sendBlocker();
    const busy = this.app.busy();
    const canStop = busy && !s.stopping;
    this.box.update({
      busy,
      submitting: s.submitting,
      available: blocker === null || (canStop && text.trim() === ""),
      disabled: noChat,
      placeholder: noChat ? "Open a chat to talk to an agent." : PLACEHOLDER,
      hidden: s.sessionId === null,
    });
    renderOnce(this.conn, [s.conn.state, s.conn.detail], () => {
      this.conn.className = `conn conn-${s.conn.state}`;
      this.conn.dataset["state"] = s.conn.state;
      this.conn.title = s.conn.detail ?? `WebSocket ${CONN_TEXT[s.conn.state]}`;
      return [h("span", { class: "dot" }), CONN_TEXT[s.conn.state]];
    });

    const entry = findProvider(s.providers, s.choice.provider);
    const chip = sessionChip(s.coder?.agentSessions ?? null, s.chatId, s.choice.provider);
    renderOnce(this.controls, [s.providers, s.choice, chip.kind, chip.row, s.providersError, noChat], () => {
      const providers = providerOptions(s.providers);
      const provider = h(
        "select",
        {
          class: "select",
          "data-testid": "provider-picker",
          "aria-label": "Agent",
          title: "Agent (provider)",
          on: { change: () => this.app.chooseProvider(provider.value), pointerenter: () => this.reloadProviders(), focus: () => this.reloadProviders() },
        },
        ...(s.choice.provider === null ? [h("option", { value: "", disabled: true }, s.providers === null ? "Loading agents…" : "Choose an agent")] : []),
        ...providers.map((p) => h("option", { value: p.id, disabled: p.disabled, "data-state": p.state }, p.label)),
      );
      provider.value = s.choice.provider ?? "";
      const modes = modeOptions(entry);
      const models = modelOptions(entry);
      const row = chip.row;
      const detail = row === undefined ? "" : ` (${row.status}${row.agent_session_id === null ? "" : `, ${row.agent_session_id}`}; ${row.input_tokens + row.output_tokens} tokens)`;
      const chipTitle =
        row === undefined
          ? "The agent starts a new session in this chat; it sees the transcript so far."
          : chip.kind === "resumed"
            ? `Resumes ${row.agent}'s session in this chat${detail}`
            : chip.kind === "loaded"
              ? `${row.agent}'s session in this chat was loaded again (its history replayed)${detail}`
              : chip.kind === "history"
                ? `${row.agent}'s earlier session could not be picked up: a new one was given the chat's transcript${detail}`
                : `The last session was ${row.status}: the agent starts a new one.`;
      return [
        provider,
        modes.length === 0 ? null : picker("mode-picker", "Mode", modes, s.choice.mode, (v) => this.app.chooseMode(v)),
        models.length === 0 ? null : picker("model-picker", "Model", models, s.choice.model, (v) => this.app.chooseModel(v)),
        s.choice.provider === null || noChat
          ? null
          : h("span", { class: `chip session-chip chip-${chip.kind}`, "data-testid": "session-chip", "data-kind": chip.kind, title: chipTitle }, CHIP_TEXT[chip.kind]),
      ];
    });

    const t = openTranscript(s);
    const streaming = streamingMessage(t);
    const queued = s.coder === null || s.chatId === null ? 0 : activeTasks(s.coder, s.chatId).filter((x) => x.status === "queued").length;
    const parts: string[] = [];
    if (streaming !== undefined) parts.push(`${streaming.agent ?? "agent"}: ${liveText(t?.live[streaming.id], streaming)}`);
    if (queued > 0) parts.push(`${queued} queued`);
    if (parts.length === 0 && blocker !== null && !noChat && s.providers !== null) parts.push(blocker);
    this.box.showStatus(parts, t);

    const commands: readonly CommandInfo[] =
      s.chatId === null || noChat || s.choice.provider === null ? [] : (s.coder?.commands[commandsKey(s.chatId, s.choice.provider)] ?? []);
    renderOnce(this.commands, [commands], () =>
      commands.length === 0
        ? []
        : [
            h("span", { class: "commands-label" }, "Commands"),
            ...commands.map((c) =>
              h(
                "button",
                {
                  class: "command",
                  type: "button",
                  title: c.input_hint ? `${c.description} — ${c.input_hint}` : c.description,
                  "data-testid": "agent-command",
                  on: { click: () => this.box.insert(`/${c.name} `) },
                },
                `/${c.name}`,
              ),
            ),
          ],
    );
    this.commands.hidden = commands.length === 0;
  }

  /** The agents may have changed elsewhere (enabled in the agents view, probed): read them again. */
  private reloadProviders(): void {
    const now = Date.now();
    if (now - this.providersReadAt < RELOAD_PROVIDERS_MS) return;
    this.providersReadAt = now;
    void this.app.loadProviders();
  }
}
