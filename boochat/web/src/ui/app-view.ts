// The page's dialogs (new project, keyboard shortcuts) and its notice toast, as lit-html
// views the workspace shell renders next to the sidebar and the panes.

import { html, nothing, type TemplateResult } from "lit";
import type { Notice } from "@boocode/common/notice";
import { SHORTCUTS } from "../workspace/shell-model";
import { icon } from "../workspace/icons";

export type ProjectDialogView = { error: string; busy: boolean };

export type ProjectDialogActions = {
  submit(name: string, path: string): void;
  cancel(): void;
  closed(): void;
};

export function projectDialog(v: ProjectDialogView, a: ProjectDialogActions): TemplateResult {
  const submit = (e: SubmitEvent): void => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    a.submit(String(data.get("name") ?? "").trim(), String(data.get("path") ?? "").trim());
  };
  const closed = (e: Event): void => {
    (e.currentTarget as HTMLDialogElement).querySelector("form")?.reset();
    a.closed();
  };
  return html`<dialog class="dialog" id="project-dialog" data-testid="project-dialog" @close=${closed}>
    <form method="dialog" @submit=${submit}>
      <h2>New project</h2>
      <p class="dialog-note">A folder on the machine boochat runs on. The assistant's tools can read inside it, never write.</p>
      <label class="field"><span>Name</span><input name="name" required placeholder="my-app" autocomplete="off" data-testid="project-name" /></label>
      <label class="field">
        <span>Absolute path</span>
        <input name="path" required placeholder="/home/me/src/my-app" autocomplete="off" spellcheck="false" data-testid="project-path" />
      </label>
      <div class="form-error" role="alert">${v.error}</div>
      <div class="dialog-actions">
        <button class="btn" type="button" @click=${a.cancel}>Cancel</button>
        <button class="btn btn-primary" type="submit" data-testid="project-create" ?disabled=${v.busy}>Create project</button>
      </div>
    </form>
  </dialog>`;
}

export function shortcutsDialog(mac: boolean, close: () => void): TemplateResult {
  const mod = mac ? "⌘" : "Ctrl";
  return html`<dialog class="dialog shortcuts" id="shortcuts-dialog" data-testid="shortcuts-dialog">
    <h2>Keyboard shortcuts</h2>
    <table class="keys">
      ${SHORTCUTS.map(
        (s) => html`<tr>
          <td>${s.keys.split(" ").map((k) => (k === "…" ? html` … ` : html`<kbd>${k === "Mod" ? mod : k}</kbd>`))}</td>
          <td>${s.what}</td>
        </tr>`,
      )}
    </table>
    <p class="dialog-note">Drag a tab (mouse or finger) onto another pane's tabs or body to move it; Escape cancels the drag.</p>
    <div class="dialog-actions"><button class="btn btn-primary" type="button" @click=${close}>Close</button></div>
  </dialog>`;
}

export function toast(notice: Notice | null, dismiss: () => void): TemplateResult {
  return html`<div class="toast" role="status" data-testid="notice" data-tone=${notice?.tone ?? ""} ?hidden=${notice === null}>
    ${notice === null
      ? nothing
      : html`<span>${notice.text}</span
          ><button class="icon-btn" type="button" aria-label="Dismiss" @click=${dismiss}>${icon("close")}</button>`}
  </div>`;
}
