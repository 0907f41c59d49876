// The message box with the agent controls under it: provider, mode and model pickers,
// the resumed / new-session chip, and Send / Stop / Queue. The textarea lives for the
// whole page so typing is never interrupted by a re-render.

import type { CommandInfo } from "@boo-types";
import { composerView, keyIntent, type ComposerInput } from "@common/composer";
import { h, icon, renderOnce } from "@common/dom";
import { liveText } from "@common/message-view";
import { streamingMessage } from "@common/transcript";
import type { Controller } from "../controller";
import { findProvider, modelOptions, modeOptions, providerOptions, type PickerOption } from "../state/providers";
import { activeTasks, commandsKey, sessionChip } from "../state/session";
import type { CoderState } from "../state/store";

const MAX_HEIGHT_PX = 240;
const PLACEHOLDER = "Tell the agent what to do…  (Shift+Enter for a new line)";

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
  private readonly box: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly controls: HTMLElement;
  private readonly status: HTMLElement;
  private readonly commands: HTMLElement;
  private draftKey: string | null = null;
  private input: ComposerInput = { busy: false, text: "" };

  constructor(private readonly app: Controller) {
    this.box = h("textarea", { class: "composer-input", rows: 2, placeholder: PLACEHOLDER, "aria-label": "Message", "data-testid": "composer" });
    this.button = h("button", { class: "send", type: "button", "data-testid": "send" });
    this.controls = h("div", { class: "composer-controls" });
    this.status = h("div", { class: "composer-status", "data-testid": "composer-status", "aria-live": "polite" });
    this.commands = h("div", { class: "composer-commands" });
    this.el = h(
      "div",
      { class: "composer-wrap" },
      h(
        "div",
        { class: "column" },
        this.status,
        h("div", { class: "composer composer-coder" }, this.box, h("div", { class: "composer-row" }, this.controls, this.button)),
        this.commands,
      ),
    );
    this.box.addEventListener("input", () => {
      this.autosize();
      this.app.setDraft(this.box.value);
      this.refreshButton();
    });
    this.box.addEventListener("keydown", (e) => {
      const intent = keyIntent(e, { ...this.input, text: this.box.value });
      if (intent === "default") return;
      e.preventDefault();
      if (intent === "submit") void this.submit();
    });
    this.button.addEventListener("click", () => void this.submit());
  }

  private autosize(): void {
    this.box.style.height = "auto";
    const height = this.box.scrollHeight;
    if (height === 0) return;
    this.box.style.height = `${Math.min(height, MAX_HEIGHT_PX)}px`;
    this.box.style.overflowY = height > MAX_HEIGHT_PX ? "auto" : "hidden";
  }

  private async submit(): Promise<void> {
    const view = composerView({ ...this.input, text: this.box.value });
    if (!view.enabled) return;
    if (view.action === "stop") {
      await this.app.stop();
      return;
    }
    const text = this.box.value;
    this.box.value = "";
    this.autosize();
    const sent = await this.app.send(text);
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
    this.button.title = view.action === "queue" ? "Queue: runs after the current turn" : view.action === "stop" ? "Stop the running turn" : view.label;
    this.button.replaceChildren(icon(view.action), h("span", {}, view.label));
  }

  update(s: CoderState): void {
    const key = s.chatId;
    if (key !== this.draftKey) {
      this.draftKey = key;
      this.box.value = key === null ? "" : (s.drafts[key] ?? "");
      this.autosize();
    }
    const blocker = this.app.sendBlocker();
    const busy = this.app.busy();
    const canStop = busy && !s.stopping;
    this.input = { busy, text: this.box.value, submitting: s.submitting, available: blocker === null || (canStop && this.box.value.trim() === "") };
    this.box.disabled = s.chatId === null;
    this.box.placeholder = s.chatId === null ? "Open a chat to talk to an agent." : PLACEHOLDER;
    const wasHidden = this.el.hidden;
    this.el.hidden = s.sessionId === null;
    if (wasHidden && !this.el.hidden) this.autosize();
    this.refreshButton();

    const entry = findProvider(s.providers, s.choice.provider);
    const chip = sessionChip(s.coder?.agentSessions ?? null, s.chatId, s.choice.provider);
    renderOnce(this.controls, [s.providers, s.choice, chip.kind, chip.row, s.providersError], () => {
      const providers = providerOptions(s.providers);
      const provider = h(
        "select",
        {
          class: "select",
          "data-testid": "provider-picker",
          "aria-label": "Agent",
          title: "Agent (provider)",
          on: { change: () => this.app.chooseProvider(provider.value) },
        },
        ...(s.choice.provider === null ? [h("option", { value: "", disabled: true }, s.providers === null ? "Loading agents…" : "Choose an agent")] : []),
        ...providers.map((p) => h("option", { value: p.id, disabled: p.disabled, "data-state": p.state }, p.label)),
      );
      provider.value = s.choice.provider ?? "";
      const modes = modeOptions(entry);
      const models = modelOptions(entry);
      const row = chip.row;
      const chipTitle =
        chip.kind === "resumed" && row !== undefined
          ? `Resumes ${row.agent}'s session in this chat (${row.status}${row.agent_session_id === null ? "" : `, ${row.agent_session_id}`}; ${row.input_tokens + row.output_tokens} tokens)`
          : row === undefined
            ? "The agent starts a new session in this chat; it sees the transcript so far."
            : `The last session was ${row.status}: the agent starts a new one.`;
      return [
        provider,
        modes.length === 0 ? null : picker("mode-picker", "Mode", modes, s.choice.mode, (v) => this.app.chooseMode(v)),
        models.length === 0 ? null : picker("model-picker", "Model", models, s.choice.model, (v) => this.app.chooseModel(v)),
        s.choice.provider === null || s.chatId === null
          ? null
          : h("span", { class: `chip session-chip chip-${chip.kind}`, "data-testid": "session-chip", "data-kind": chip.kind, title: chipTitle }, chip.kind === "resumed" ? "resumed" : "new session"),
      ];
    });

    const t = s.chatId === null ? undefined : s.feed?.transcripts[s.chatId];
    const streaming = streamingMessage(t);
    const queued = s.coder === null || s.chatId === null ? 0 : activeTasks(s.coder, s.chatId).filter((x) => x.status === "queued").length;
    const parts: string[] = [];
    if (streaming !== undefined) parts.push(`${streaming.agent ?? "agent"}: ${liveText(t?.live[streaming.id], streaming)}`);
    if (queued > 0) parts.push(`${queued} queued`);
    if (parts.length === 0 && blocker !== null && s.chatId !== null && s.providers !== null) parts.push(blocker);
    this.status.textContent = parts.join(" · ");
    this.status.dataset["phase"] = streaming === undefined ? "idle" : (t?.live[streaming.id]?.phase ?? "prompt");
    this.status.hidden = parts.length === 0;

    const commands: readonly CommandInfo[] = s.chatId === null || s.choice.provider === null ? [] : (s.coder?.commands[commandsKey(s.chatId, s.choice.provider)] ?? []);
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
                  on: {
                    click: () => {
                      this.box.value = `/${c.name} `;
                      this.box.focus();
                      this.app.setDraft(this.box.value);
                      this.refreshButton();
                    },
                  },
                },
                `/${c.name}`,
              ),
            ),
          ],
    );
    this.commands.hidden = commands.length === 0;
  }
}
