// The "Delete session" dialog: the first confirm, then — when boochat refuses — the
// worktree risk report or the unreachable daemon, with "Delete anyway".

import { html, nothing, type TemplateResult } from "lit";
import type { DeleteState } from "../workspace/delete-flow";
import { riskLines } from "../workspace/delete-flow";
import { sessionTitle } from "./sidebar";

export type DeleteDialogActions = { confirm(): void; cancel(): void };

export function deleteDialog(s: DeleteState, a: DeleteDialogActions): TemplateResult {
  const phase = s?.phase;
  const busy = phase?.kind === "busy";
  const forced = phase?.kind === "at_risk" || phase?.kind === "unreachable" || (phase?.kind === "busy" && phase.force);
  const cancel = (e: Event): void => {
    e.preventDefault();
    a.cancel();
  };
  return html`<dialog class="dialog delete-dialog" id="delete-dialog" data-testid="delete-dialog" @cancel=${cancel}>
    ${s === null
      ? nothing
      : html`<h2>Delete “${sessionTitle(s.session)}”?</h2>
          <p class="dialog-note">
            Its chats, agent turns and terminals are deleted, and its worktree (with any changes you have not applied) is
            removed. This cannot be undone; archive the session to keep it.
          </p>
          ${phase?.kind === "at_risk"
            ? html`<div class="risk" role="alert" data-testid="delete-risk">
                <p><strong>Deleting would lose work that is not in the project yet:</strong></p>
                <ul>
                  ${phase.worktrees.map(
                    (w) => html`<li>
                      <code>${w.branch}</code>
                      <ul>
                        ${riskLines(w).map((l) => html`<li>${l}</li>`)}
                      </ul>
                    </li>`,
                  )}
                </ul>
              </div>`
            : nothing}
          ${phase?.kind === "unreachable" || phase?.kind === "failed"
            ? html`<div class="form-error" role="alert" data-testid="delete-error">${phase.message}</div>`
            : nothing}
          <div class="dialog-actions">
            <button class="btn" type="button" ?disabled=${busy} @click=${a.cancel}>Cancel</button>
            <button class="btn btn-danger" type="button" data-testid="delete-confirm" ?disabled=${busy} @click=${a.confirm}>
              ${forced ? "Delete anyway" : "Delete session"}
            </button>
          </div>`}
  </dialog>`;
}
