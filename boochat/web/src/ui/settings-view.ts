// The settings dialog (CHAT-11): the owner's default model and agent, the compaction
// threshold, sampling defaults and the theme, one form over SettingsForm's state. Each
// field set by the owner has a "Reset" button; an empty field means its default (the
// hint says which). Submitting sends only what changed.

import { html, nothing, type TemplateResult } from "lit";
import { fieldText, GROUPS, type Field, type SettingKey, type SettingsState } from "../workspace/settings";

export type SettingsActions = {
  /** The form's values by key (every field's name is its key). */
  submit(form: Record<string, string>): void;
  reset(key: SettingKey): void;
  cancel(): void;
};

function input(s: SettingsState, f: Field, value: string, invalid: boolean): TemplateResult {
  const id = `setting-${f.key}`;
  if (f.kind === "theme") {
    return html`<select id=${id} name=${f.key} data-testid=${id} aria-invalid=${invalid ? "true" : "false"}>
      ${(["system", "light", "dark"] as const).map((t) => html`<option value=${t} ?selected=${value === t}>${t}</option>`)}
    </select>`;
  }
  if (f.kind === "agent") {
    const names = value !== "" && !s.agents.includes(value) ? [value, ...s.agents] : s.agents;
    return html`<select id=${id} name=${f.key} data-testid=${id} aria-invalid=${invalid ? "true" : "false"}>
      <option value="" ?selected=${value === ""}>(none: ${f.hint})</option>
      ${names.map((n) => html`<option value=${n} ?selected=${value === n}>${n}</option>`)}
    </select>`;
  }
  if (f.kind === "model") {
    return html`<input
        id=${id}
        name=${f.key}
        data-testid=${id}
        list="setting-models"
        autocomplete="off"
        spellcheck="false"
        placeholder=${f.hint}
        .value=${value}
        aria-invalid=${invalid ? "true" : "false"}
      /><datalist id="setting-models">${s.models.map((m) => html`<option value=${m}></option>`)}</datalist>`;
  }
  return html`<input
    id=${id}
    name=${f.key}
    data-testid=${id}
    type="number"
    inputmode="decimal"
    min=${f.min ?? nothing}
    max=${f.max ?? nothing}
    step=${f.step ?? "any"}
    placeholder=${f.hint}
    .value=${value}
    aria-invalid=${invalid ? "true" : "false"}
  />`;
}

function field(s: SettingsState, f: Field, a: SettingsActions): TemplateResult {
  const info = s.info;
  const value = info === null ? "" : fieldText(info.settings[f.key]);
  const set = info?.set.includes(f.key) === true;
  const invalid = s.errorKey === f.key;
  return html`<div class="setting${invalid ? " invalid" : ""}" data-testid="setting" data-key=${f.key} data-set=${set ? "true" : "false"}>
    <label for="setting-${f.key}">${f.label}</label>
    <div class="setting-input">
      ${input(s, f, value, invalid)}
      ${set
        ? html`<button class="btn btn-small" type="button" data-testid="setting-reset" title="Back to the default (${f.hint})" ?disabled=${s.busy} @click=${() => a.reset(f.key)}>
            Reset
          </button>`
        : html`<span class="setting-default">default</span>`}
    </div>
  </div>`;
}

export function settingsDialog(s: SettingsState, a: SettingsActions): TemplateResult {
  const submit = (e: SubmitEvent): void => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const form: Record<string, string> = {};
    for (const [k, v] of data.entries()) form[k] = String(v);
    a.submit(form);
  };
  const cancel = (e: Event): void => {
    e.preventDefault();
    a.cancel();
  };
  return html`<dialog class="dialog settings-dialog" id="settings-dialog" data-testid="settings-dialog" @cancel=${cancel}>
    <form @submit=${submit}>
      <h2>Settings</h2>
      <p class="dialog-note">
        Yours, stored by boochat for every device. The model server and other deployment settings live in the config file.
      </p>
      ${s.info === null
        ? html`<p class="side-muted" data-testid="settings-loading">${s.error === "" ? "Loading…" : nothing}</p>`
        : GROUPS.map(
            (g) => html`<fieldset class="setting-group">
              <legend>${g.title}</legend>
              ${g.fields.map((f) => field(s, f, a))}
            </fieldset>`,
          )}
      <div class="form-error" role="alert" data-testid="settings-error">${s.error}</div>
      <div class="dialog-actions">
        <button class="btn" type="button" @click=${a.cancel}>Close</button>
        <button class="btn btn-primary" type="submit" data-testid="settings-save" ?disabled=${s.busy || s.info === null}>Save</button>
      </div>
    </form>
  </dialog>`;
}
