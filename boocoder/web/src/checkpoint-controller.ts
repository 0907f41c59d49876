// A pane's checkpoints: the session's list (loaded with the session's state, again when
// a turn ends or any device restores), and the restore flow. Restore first asks the
// server without confirming: its 409 `checkpoint_discards_later` lists the turns whose
// work would go, and the pane shows them for the owner to confirm; confirming sends
// `discard_later: true`. The restored worktree's pending changes come back in the
// answer (and as `pending_changed` to every device).

import type { Envelope } from "@boocode/types";
import { ApiError, errorText } from "@boocode/common/api";
import type { CoderApi } from "./api/client";
import { discardedOf, upsertCheckpoint } from "./state/checkpoints";
import { isActive, type CoderSession } from "./state/session";
import type { PaneState } from "./state/store";

export type CheckpointHost = {
  api: CoderApi;
  state(): PaneState;
  set(patch: (s: PaneState) => Partial<PaneState>): void;
  setCoder(change: (coder: CoderSession) => CoderSession): void;
  notify(text: string, tone?: "error" | "info"): void;
  /** The pane still shows `sessionId` (an answer for another session is dropped). */
  showing(sessionId: string): boolean;
};

export class CheckpointController {
  constructor(private readonly host: CheckpointHost) {}

  /** The session's checkpoints; on failure the timeline just shows none. */
  async load(sessionId: string): Promise<void> {
    try {
      const list = await this.host.api.checkpoints(sessionId);
      if (this.host.showing(sessionId)) this.host.set(() => ({ checkpoints: list }));
    } catch {
      // Restore controls are extras: the transcript works without them.
    }
  }

  /** A frame of the session (already applied to the coder state). */
  onFrame(env: Envelope): void {
    const sessionId = this.host.state().sessionId;
    if (sessionId === null) return;
    if (env.type === "checkpoint_restored") {
      this.host.set((s) => ({ checkpoints: upsertCheckpoint(s.checkpoints, env.checkpoint) }));
    } else if (env.type === "task_updated" && !isActive(env.task)) {
      // The turn's checkpoint was made when it started.
      void this.load(sessionId);
    }
  }

  /** Restore button: ask the server what a restore of `n` would discard. */
  async restore(n: number): Promise<void> {
    const sessionId = this.host.state().sessionId;
    const busy = this.host.state().restore;
    if (sessionId === null || (busy !== null && busy.phase !== "confirm")) return;
    this.host.set(() => ({ restore: { n, phase: "asking", discarded: [], error: null } }));
    await this.send(sessionId, n, false);
  }

  /** The owner confirmed what the restore discards. */
  async confirm(): Promise<void> {
    const sessionId = this.host.state().sessionId;
    const flow = this.host.state().restore;
    if (sessionId === null || flow === null || flow.phase !== "confirm") return;
    this.host.set(() => ({ restore: { ...flow, phase: "restoring", error: null } }));
    await this.send(sessionId, flow.n, true);
  }

  cancel(): void {
    this.host.set(() => ({ restore: null }));
  }

  private async send(sessionId: string, n: number, confirmed: boolean): Promise<void> {
    try {
      const done = await this.host.api.restoreCheckpoint(sessionId, n, { discard_later: confirmed });
      if (!this.host.showing(sessionId)) return;
      this.host.setCoder((c) => ({ ...c, pending: done.changes }));
      this.host.set((s) => ({ restore: null, checkpoints: upsertCheckpoint(s.checkpoints, done.checkpoint) }));
      this.host.notify(`The worktree is back at checkpoint ${n}.`, "info");
    } catch (err) {
      if (!this.host.showing(sessionId)) return;
      if (!confirmed && err instanceof ApiError && err.code === "checkpoint_discards_later") {
        this.host.set(() => ({ restore: { n, phase: "confirm", discarded: discardedOf(err.body), error: null } }));
        return;
      }
      const text = err instanceof ApiError && err.code === "turn_running" ? "A turn is running: restore once it has ended." : `Cannot restore: ${errorText(err)}`;
      // Still confirmable when the server listed what would go; else just the failure.
      this.host.set((s) =>
        s.restore === null ? {} : { restore: { ...s.restore, phase: s.restore.discarded.length > 0 ? "confirm" : "failed", error: text } },
      );
    }
  }
}
