// Deleting a session from the sidebar (CHAT-8): ask first, then ask boochat; when the
// session's worktree holds work that would be lost (409 `worktree_at_risk`) or a peer
// daemon cannot be asked (503), show why and offer "Delete anyway" (force). One small
// state machine; the shell renders it as a dialog (ui/delete-dialog.ts).

import type { Session, SessionClosed, WorktreeReport } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";

export type DeletePhase =
  /** Asking the owner for the first time. */
  | { kind: "confirm" }
  /** A request is in flight (`force` = the second, forced one). */
  | { kind: "busy"; force: boolean }
  /** 409: removing the worktree(s) would lose this work. */
  | { kind: "at_risk"; message: string; worktrees: WorktreeReport[] }
  /** 503: boocoder or booterm cannot be asked. */
  | { kind: "unreachable"; message: string }
  /** Anything else: the delete did not happen. */
  | { kind: "failed"; message: string };

export type DeleteState = { session: Session; phase: DeletePhase } | null;

export type DeleteApi = { deleteSession(id: string, force: boolean): Promise<SessionClosed> };

export class DeleteFlow {
  state: DeleteState = null;

  constructor(
    private readonly api: DeleteApi,
    private readonly changed: () => void,
    /** The session is gone; `closed` says what went with it. */
    private readonly deleted: (session: Session, closed: SessionClosed) => void,
  ) {}

  start(session: Session): void {
    this.state = { session, phase: { kind: "confirm" } };
    this.changed();
  }

  cancel(): void {
    if (this.state?.phase.kind === "busy") return;
    this.state = null;
    this.changed();
  }

  /** The dialog's main button: a first delete, or a forced one after a refusal. */
  async confirm(): Promise<void> {
    const s = this.state;
    if (s === null || s.phase.kind === "busy") return;
    const force = s.phase.kind === "at_risk" || s.phase.kind === "unreachable";
    this.set(s.session, { kind: "busy", force });
    try {
      const closed = await this.api.deleteSession(s.session.id, force);
      this.state = null;
      this.changed();
      this.deleted(s.session, closed);
    } catch (err) {
      this.set(s.session, refusal(err));
    }
  }

  private set(session: Session, phase: DeletePhase): void {
    this.state = { session, phase };
    this.changed();
  }
}

export function refusal(err: unknown): DeletePhase {
  if (err instanceof ApiError && err.status === 409 && err.code === "worktree_at_risk") {
    const details = (err.body as { details?: { worktrees?: WorktreeReport[] } } | undefined)?.details;
    return { kind: "at_risk", message: err.message, worktrees: details?.worktrees ?? [] };
  }
  if (err instanceof ApiError && err.status === 503) return { kind: "unreachable", message: err.message };
  return { kind: "failed", message: errorText(err) };
}

/** One line per reason a worktree is at risk, for the dialog. */
export function riskLines(w: WorktreeReport): string[] {
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const lines: string[] = [];
  if (w.dirty_files.length > 0) lines.push(`${n(w.dirty_files.length, "unapplied file", "unapplied files")}: ${w.dirty_files.slice(0, 8).join(", ")}${w.dirty_files.length > 8 ? ", …" : ""}`);
  if (w.unpushed_commits > 0) lines.push(`${n(w.unpushed_commits, "commit", "commits")} not in the project`);
  if (w.operation !== null) lines.push(`a ${w.operation} in progress`);
  if (w.conflicted_files.length > 0) lines.push(`${n(w.conflicted_files.length, "conflicted file", "conflicted files")}`);
  if (w.error !== null) lines.push(`cannot be inspected: ${w.error}`);
  return lines;
}

/** What an archive or a delete left behind, as a notice; null when nothing was. */
export function closedNotice(what: "Archived" | "Deleted", closed: SessionClosed | undefined): string | null {
  if (closed === undefined) return null;
  const parts: string[] = [];
  for (const w of closed.worktrees_kept) parts.push(`worktree kept (${riskLines(w).join("; ")})`);
  parts.push(...closed.notes);
  return parts.length === 0 ? null : `${what}: ${parts.join("; ")}`;
}
