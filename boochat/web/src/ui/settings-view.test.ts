// @vitest-environment jsdom
import { render } from "lit";
import { describe, expect, it, vi } from "vitest";
import type { SettingsState } from "../workspace/settings";
import { OWNER_DEFAULTS as DEFAULTS } from "../workspace/testing";
import { settingsDialog } from "./settings-view";

const state = (over: Partial<SettingsState> = {}): SettingsState => ({
  info: { settings: { ...DEFAULTS, "sampling.temperature": 0.3, "ui.theme": "dark" }, set: ["sampling.temperature", "ui.theme"] },
  models: ["m1", "m2"],
  agents: ["Reviewer"],
  error: "",
  errorKey: null,
  busy: false,
  ...over,
});

function shown(s: SettingsState) {
  const host = document.createElement("div");
  const actions = { submit: vi.fn(), reset: vi.fn(), cancel: vi.fn() };
  render(settingsDialog(s, actions), host);
  return { host, actions };
}

describe("the settings dialog", () => {
  it("shows every key with its value, and Reset on the ones that are set", () => {
    const { host } = shown(state());
    const rows = [...host.querySelectorAll<HTMLElement>("[data-testid=setting]")].map((r) => {
      const input = r.querySelector<HTMLInputElement | HTMLSelectElement>("input, select");
      return [r.dataset["key"], input?.value, r.dataset["set"]];
    });
    expect(rows).toEqual([
      ["chat.default_model", "", "false"],
      ["chat.default_agent", "", "false"],
      ["chat.compact_threshold", "0.8", "false"],
      ["sampling.temperature", "0.3", "true"],
      ["sampling.top_p", "", "false"],
      ["sampling.top_k", "", "false"],
      ["sampling.min_p", "", "false"],
      ["sampling.repeat_penalty", "", "false"],
      ["sampling.presence_penalty", "", "false"],
      ["sampling.frequency_penalty", "", "false"],
      ["sampling.max_tokens", "", "false"],
      ["ui.theme", "dark", "true"],
    ]);
    expect([...host.querySelectorAll("#setting-models option")].map((o) => o.getAttribute("value"))).toEqual(["m1", "m2"]);
    expect([...host.querySelectorAll<HTMLOptionElement>("[name='chat.default_agent'] option")].map((o) => o.value)).toEqual(["", "Reviewer"]);
  });

  it("submits the form's values by key, and resets one key", () => {
    const { host, actions } = shown(state());
    const temp = host.querySelector<HTMLInputElement>("[name='sampling.temperature']");
    if (temp === null) throw new Error("no temperature field");
    temp.value = "0.9";
    host.querySelector("form")?.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(actions.submit).toHaveBeenCalledTimes(1);
    const form = actions.submit.mock.calls[0]?.[0] as Record<string, string>;
    expect([form["sampling.temperature"], form["ui.theme"], form["chat.default_model"], Object.keys(form).length]).toEqual(["0.9", "dark", "", 12]);
    const resets = host.querySelectorAll<HTMLButtonElement>("[data-testid=setting-reset]");
    expect(resets.length).toBe(2);
    resets[1]?.click();
    expect(actions.reset).toHaveBeenCalledWith("ui.theme");
  });

  it("marks the field boochat refused and shows its message", () => {
    const { host } = shown(state({ error: "chat.compact_threshold: must be in (0, 1]", errorKey: "chat.compact_threshold" }));
    const invalid = [...host.querySelectorAll<HTMLElement>(".setting.invalid")].map((r) => r.dataset["key"]);
    expect([invalid, host.querySelector("[data-testid=settings-error]")?.textContent]).toEqual([
      ["chat.compact_threshold"],
      "chat.compact_threshold: must be in (0, 1]",
    ]);
  });

  it("waits for the settings before showing fields", () => {
    const { host } = shown(state({ info: null }));
    expect([host.querySelectorAll("[data-testid=setting]").length, host.querySelector<HTMLButtonElement>("[data-testid=settings-save]")?.disabled]).toEqual([0, true]);
  });
});
