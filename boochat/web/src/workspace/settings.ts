// The owner's settings (CHAT-11) in the browser: the fields the settings dialog shows,
// the patch a submitted form makes (only what changed; an emptied field resets its key),
// the page theme, and SettingsForm, which loads and saves them through boochat's
// `GET`/`PATCH /api/settings` and keeps the dialog's state.

import type { AgentsInfo, ModelsInfo, OwnerSettings, SettingsInfo, SettingsPatch, Theme } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";

export type SettingKey = keyof OwnerSettings & keyof SettingsPatch;

export type FieldKind = "model" | "agent" | "number" | "integer" | "theme";

export type Field = {
  key: SettingKey;
  label: string;
  kind: FieldKind;
  /** What an empty field means. */
  hint: string;
  min?: number;
  max?: number;
  step?: number;
};

/** The dialog's fields, grouped as shown. */
export const GROUPS: { title: string; fields: Field[] }[] = [
  {
    title: "Chats",
    fields: [
      { key: "chat.default_model", label: "Default model", kind: "model", hint: "deployment default" },
      { key: "chat.default_agent", label: "Default agent", kind: "agent", hint: "plain model" },
      { key: "chat.compact_threshold", label: "Compact at (share of the context window)", kind: "number", hint: "0.8", min: 0.05, max: 1, step: 0.05 },
    ],
  },
  {
    title: "Sampling (an agent's own values win)",
    fields: [
      { key: "sampling.temperature", label: "Temperature", kind: "number", hint: "server default", min: 0, max: 5, step: 0.05 },
      { key: "sampling.top_p", label: "Top p", kind: "number", hint: "server default", min: 0, max: 1, step: 0.01 },
      { key: "sampling.top_k", label: "Top k", kind: "integer", hint: "server default", min: 0, max: 1000, step: 1 },
      { key: "sampling.min_p", label: "Min p", kind: "number", hint: "server default", min: 0, max: 1, step: 0.01 },
      { key: "sampling.repeat_penalty", label: "Repeat penalty", kind: "number", hint: "server default", min: 0, max: 5, step: 0.05 },
      { key: "sampling.presence_penalty", label: "Presence penalty", kind: "number", hint: "server default", min: -2, max: 2, step: 0.1 },
      { key: "sampling.frequency_penalty", label: "Frequency penalty", kind: "number", hint: "server default", min: -2, max: 2, step: 0.1 },
      { key: "sampling.max_tokens", label: "Max tokens per answer", kind: "integer", hint: "server default", min: 1, step: 1 },
    ],
  },
  {
    title: "Appearance",
    fields: [{ key: "ui.theme", label: "Theme", kind: "theme", hint: "system" }],
  },
];

export const FIELDS: Field[] = GROUPS.flatMap((g) => g.fields);

/** A setting's value as a form field shows it (`""` for unset). */
export function fieldText(value: OwnerSettings[SettingKey]): string {
  return value === null ? "" : String(value);
}

/**
 * The `PATCH` body for a submitted form: each field whose value differs from `current`;
 * an emptied field is `null` (reset to the default). A number field that does not parse
 * is sent as typed, so boochat names the key in its 400.
 */
export function patchFrom(current: OwnerSettings, form: Readonly<Record<string, string>>): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const raw = form[f.key];
    if (raw === undefined) continue;
    const text = raw.trim();
    let value: unknown;
    if (text === "") value = null;
    else if (f.kind === "number" || f.kind === "integer") value = Number.isNaN(Number(text)) ? text : Number(text);
    else value = text;
    if (value !== current[f.key]) patch[f.key] = value;
  }
  return patch as SettingsPatch;
}

/** Where the last theme is remembered, so the next page load starts in it (before boochat answers). */
export const THEME_KEY = "boochat.theme";

/**
 * Applies `theme` to the page: `<html data-theme>`, which the palette in theme-light.css
 * keys on; remembered in `store` for the next load.
 */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement, store: Pick<Storage, "setItem"> = localStorage): void {
  root.dataset["theme"] = theme;
  store.setItem(THEME_KEY, theme);
}

/** The theme remembered by the last {@link applyTheme}, if it is one. */
export function rememberedTheme(store: Pick<Storage, "getItem"> = localStorage): Theme | null {
  const t = store.getItem(THEME_KEY);
  return t === "light" || t === "dark" || t === "system" ? t : null;
}

export type SettingsState = {
  info: SettingsInfo | null;
  /** Models and agents to pick from (empty when the server did not say). */
  models: string[];
  agents: string[];
  error: string;
  /** The key boochat refused (`details.key`), to mark its field. */
  errorKey: string | null;
  busy: boolean;
};

export type SettingsApi = {
  settings(): Promise<SettingsInfo>;
  updateSettings(patch: SettingsPatch): Promise<SettingsInfo>;
  models(): Promise<ModelsInfo>;
  agents(): Promise<AgentsInfo>;
};

/** The dialog's state and its two requests; `changed` re-renders, `themed` applies a theme. */
export class SettingsForm {
  state: SettingsState = { info: null, models: [], agents: [], error: "", errorKey: null, busy: false };

  constructor(
    private readonly api: SettingsApi,
    private readonly changed: () => void,
    private readonly themed: (theme: Theme) => void,
  ) {}

  private set(next: Partial<SettingsState>): void {
    this.state = { ...this.state, ...next };
    this.changed();
  }

  /** Reads the settings (and applies the theme); also the model and agent lists when `choices`. */
  async load(choices = false): Promise<void> {
    try {
      const info = await this.api.settings();
      this.themed(info.settings["ui.theme"]);
      this.set({ info, error: "", errorKey: null });
    } catch (err) {
      this.set({ error: `Cannot read the settings: ${errorText(err)}` });
    }
    if (!choices) return;
    const [models, agents] = await Promise.allSettled([this.api.models(), this.api.agents()]);
    this.set({
      models: models.status === "fulfilled" ? models.value.models.map((m) => m.id) : [],
      agents: agents.status === "fulfilled" ? agents.value.agents.map((a) => a.name) : [],
    });
  }

  /** Sends `patch`; true when stored (nothing to send counts as stored). */
  async save(patch: SettingsPatch): Promise<boolean> {
    if (Object.keys(patch).length === 0) {
      this.set({ error: "", errorKey: null });
      return true;
    }
    this.set({ busy: true, error: "", errorKey: null });
    try {
      const info = await this.api.updateSettings(patch);
      this.themed(info.settings["ui.theme"]);
      this.set({ info, busy: false });
      return true;
    } catch (err) {
      const details = err instanceof ApiError ? (err.body as { details?: { key?: unknown } } | undefined)?.details : undefined;
      const key = typeof details?.key === "string" && details.key !== "" ? details.key : null;
      this.set({ busy: false, error: errorText(err), errorKey: key });
      return false;
    }
  }

  /** Resets one key to its default. */
  reset(key: SettingKey): Promise<boolean> {
    return this.save({ [key]: null } as SettingsPatch);
  }
}
