import type { OwnerSettings, SettingsInfo, SettingsPatch, Theme } from "@boocode/types";
import { describe, expect, it } from "vitest";
import { ApiError } from "@boocode/common/api";
import { applyTheme, FIELDS, patchFrom, rememberedTheme, SettingsForm, type SettingsApi } from "./settings";
import { OWNER_DEFAULTS as DEFAULTS } from "./testing";

/** A form as the dialog submits it for `s`: every field, `""` for unset. */
function formOf(s: OwnerSettings): Record<string, string> {
  return Object.fromEntries(FIELDS.map((f) => [f.key, s[f.key] === null ? "" : String(s[f.key])]));
}

describe("patchFrom", () => {
  it("sends nothing for an unchanged form", () => {
    expect(patchFrom(DEFAULTS, formOf(DEFAULTS))).toEqual({});
  });

  it("sends changed values typed, and an emptied field as null (reset)", () => {
    const current: OwnerSettings = { ...DEFAULTS, "chat.default_model": "qwen", "sampling.temperature": 0.7 };
    const form = {
      ...formOf(current),
      "chat.default_model": "",
      "sampling.temperature": "0.2",
      "sampling.max_tokens": " 256 ",
      "chat.compact_threshold": "0.8",
      "ui.theme": "dark",
    };
    expect(patchFrom(current, form)).toEqual({
      "chat.default_model": null,
      "sampling.temperature": 0.2,
      "sampling.max_tokens": 256,
      "ui.theme": "dark",
    });
  });

  it("sends an unparsable number as typed, so boochat names the key", () => {
    expect(patchFrom(DEFAULTS, { ...formOf(DEFAULTS), "sampling.top_p": "lots" })).toEqual({ "sampling.top_p": "lots" });
  });
});

describe("applyTheme", () => {
  it("sets <html data-theme> and remembers it for the next load", () => {
    const root = { dataset: {} as Record<string, string> } as unknown as HTMLElement;
    const stored = new Map<string, string>();
    const store = { setItem: (k: string, v: string) => void stored.set(k, v), getItem: (k: string) => stored.get(k) ?? null };
    expect(rememberedTheme(store)).toBeNull();
    applyTheme("light", root, store);
    expect([root.dataset["theme"], [...stored], rememberedTheme(store)]).toEqual(["light", [["boochat.theme", "light"]], "light"]);
    stored.set("boochat.theme", "sepia");
    expect(rememberedTheme(store)).toBeNull();
  });
});

function fakeApi(responses: { settings?: SettingsInfo; patch?: SettingsInfo | Error }) {
  const sent: SettingsPatch[] = [];
  const api: SettingsApi = {
    settings: async () => responses.settings ?? { settings: DEFAULTS, set: [] },
    updateSettings: async (patch) => {
      sent.push(patch);
      if (responses.patch instanceof Error) throw responses.patch;
      return responses.patch ?? { settings: DEFAULTS, set: [] };
    },
    models: async () => ({ reachable: true, base_url: "http://m/v1", models: [{ id: "m1", ctx_size: 2048, vision: false }], error: null }),
    agents: async () => ({ agents: [{ name: "Reviewer", description: null, model: null, tools: null, max_tool_calls: null }], error: null }),
  };
  return { api, sent };
}

describe("SettingsForm", () => {
  it("loads the settings and choices, applying the theme", async () => {
    const info: SettingsInfo = { settings: { ...DEFAULTS, "ui.theme": "dark" }, set: ["ui.theme"] };
    const { api } = fakeApi({ settings: info });
    const themes: Theme[] = [];
    const form = new SettingsForm(api, () => {}, (t) => themes.push(t));
    await form.load(true);
    expect([form.state, themes]).toEqual([{ info, models: ["m1"], agents: ["Reviewer"], error: "", errorKey: null, busy: false }, ["dark"]]);
  });

  it("saves a patch, and keeps boochat's refusal with the key it names", async () => {
    const stored: SettingsInfo = { settings: { ...DEFAULTS, "sampling.temperature": 0.3 }, set: ["sampling.temperature"] };
    const ok = fakeApi({ patch: stored });
    const form = new SettingsForm(ok.api, () => {}, () => {});
    expect(await form.save({ "sampling.temperature": 0.3 })).toBe(true);
    expect([ok.sent, form.state.info, form.state.busy]).toEqual([[{ "sampling.temperature": 0.3 }], stored, false]);
    expect(await form.save({})).toBe(true);
    expect(ok.sent.length).toBe(1);

    const refusal = new ApiError(400, "invalid_chat_compact_threshold", "chat.compact_threshold: must be in (0, 1]", {
      error: "chat.compact_threshold: must be in (0, 1]",
      code: "invalid_chat_compact_threshold",
      details: { key: "chat.compact_threshold" },
    });
    const bad = fakeApi({ patch: refusal });
    const form2 = new SettingsForm(bad.api, () => {}, () => {});
    expect(await form2.save({ "chat.compact_threshold": 0 })).toBe(false);
    expect(form2.state).toEqual({
      info: null,
      models: [],
      agents: [],
      error: "chat.compact_threshold: must be in (0, 1]",
      errorKey: "chat.compact_threshold",
      busy: false,
    });
  });

  it("resets one key with null", async () => {
    const { api, sent } = fakeApi({});
    const form = new SettingsForm(api, () => {}, () => {});
    await form.reset("ui.theme");
    expect(sent).toEqual([{ "ui.theme": null }]);
  });

  it("says when the settings cannot be read", async () => {
    const api: SettingsApi = { ...fakeApi({}).api, settings: async () => Promise.reject(new Error("HTTP 503")) };
    const form = new SettingsForm(api, () => {}, () => {});
    await form.load();
    expect(form.state.error).toBe("Cannot read the settings: HTTP 503");
  });
});
