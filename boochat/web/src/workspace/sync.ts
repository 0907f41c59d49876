// Saving a session's layout and following its other devices (CHAT-7). No DOM: the
// transport (GET/PATCH ./api/sessions/{id}/workspace) and the timers come in.
//
// The mechanism: `base` is the last state the server confirmed; `pending` the layout
// events applied here and not yet acknowledged. What the user sees is `pending`
// replayed over `base` (see `replay`). Because an event is an intent ("close tab X",
// "move tab X to pane Y"), replaying it over a newer base merges it with whatever
// another device did meanwhile instead of overwriting it.
// - A change is shown at once; a save goes 300 ms after the last change. It sends the
//   shown state with `version = base.version` (the server stores it as version + 1,
//   or answers 409 with its current state). One save is in flight at a time; changes
//   made meanwhile are saved after it.
// - 200: the returned state is the new base; the events that save carried are done.
// - 409: the conflict state is the new base, every pending event is replayed on it and
//   saved again, at most MAX_CONFLICTS times in a row: then the server's state wins.
// - A thrown error (network, 5xx…) keeps the events and retries after 1 s, 2 s, 4 s…
//   (at most 30 s), reported once per streak of failures.
// - A `session_workspace_updated` frame no newer than `base` is an echo (ours, or
//   old) and is ignored; a newer one becomes the base and the pending events are
//   replayed over it. During a save frames wait for its answer: the echo of that very
//   save may arrive before the answer and must not be mistaken for another device's.
// - A pane created here is named by its id in later events. When the replay creates
//   it under another id (another device took that one meanwhile), the later events
//   follow it to its new id.

import type { WorkspaceState } from "@boocode/types";
import { initialWorkspace, normalize, reduce, type LayoutEvent } from "./layout";

export type SaveResult = { ok: true; state: WorkspaceState } | { ok: false; conflict: WorkspaceState };

export type WorkspaceTransport = {
  /** `GET`: the session's layout. */
  load(sessionId: string): Promise<WorkspaceState>;
  /** `PATCH` with `state.version` = the base version; a 409 resolves to `conflict` (the body's `current`), other errors throw. */
  save(sessionId: string, state: WorkspaceState): Promise<SaveResult>;
};

export type Timers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type WorkspaceSyncOptions = {
  sessionId: string;
  transport: WorkspaceTransport;
  /** The shown layout changed (not called when only its version did). */
  onChange: (state: WorkspaceState) => void;
  /** A save failed (once per streak of failures), or conflicts made it give up. */
  onError?: (err: unknown) => void;
  /** Quiet time after the last change before a save (300 ms). */
  debounceMs?: number;
  timers?: Timers;
};

export const DEBOUNCE_MS = 300;
export const MAX_CONFLICTS = 5;
export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 30_000;

/** A local change not yet acknowledged, and the pane it created when last applied. */
export type PendingEvent = { event: LayoutEvent; created?: string };

const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The id of the pane `next` has and `prev` had not. */
function createdPane(prev: WorkspaceState, next: WorkspaceState): string | undefined {
  return next.panes.find((p) => !prev.panes.some((q) => q.id === p.id))?.id;
}

/**
 * `event` with the panes it names renamed (to `null`: the pane was never created, so
 * an optional pane falls back to the default and a required one leaves the event
 * nothing to do: undefined).
 */
function rename(event: LayoutEvent, renamed: ReadonlyMap<string, string | null>): LayoutEvent | undefined {
  const to = (id: string | undefined): string | undefined => (id !== undefined && renamed.has(id) ? (renamed.get(id) ?? undefined) : id);
  switch (event.type) {
    case "open_tab":
    case "split": {
      const paneId = to(event.paneId);
      return paneId === event.paneId ? event : { ...event, paneId };
    }
    case "open_in_new_pane": {
      const besidePaneId = to(event.besidePaneId);
      return besidePaneId === event.besidePaneId ? event : { ...event, besidePaneId };
    }
    case "move_tab": {
      const toPaneId = to(event.toPaneId);
      return toPaneId === event.toPaneId ? event : toPaneId === undefined ? undefined : { ...event, toPaneId };
    }
    case "close_pane": {
      const paneId = to(event.paneId);
      return paneId === event.paneId ? event : paneId === undefined ? undefined : { ...event, paneId };
    }
    case "resize": {
      if (!Object.keys(event.widths).some((id) => renamed.has(id))) return event;
      const widths = Object.entries(event.widths).flatMap(([id, w]) => {
        const paneId = to(id);
        return paneId === undefined ? [] : [[paneId, w] as const];
      });
      return { ...event, widths: Object.fromEntries(widths) };
    }
    default:
      return event;
  }
}

/**
 * `pending` applied in order over `base`: the resulting state, and the events again
 * with their pane ids as they are now. An event that changes nothing any more (its
 * tab is gone, another device did the same) is done and dropped.
 */
export function replay(base: WorkspaceState, pending: readonly PendingEvent[]): { state: WorkspaceState; pending: PendingEvent[] } {
  const renamed = new Map<string, string | null>();
  const kept: PendingEvent[] = [];
  let state = base;
  for (const entry of pending) {
    const event = rename(entry.event, renamed);
    const next = event === undefined ? state : reduce(state, event);
    const created = createdPane(state, next);
    if (entry.created !== undefined) renamed.set(entry.created, created ?? null);
    if (event === undefined || next === state) continue;
    kept.push(created === undefined ? { event } : { event, created });
    state = next;
  }
  return { state, pending: kept };
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const [ea, eb] = [keys(a), keys(b)];
  const mb = new Map(eb);
  return ea.length === eb.length && ea.every(([k, v]) => mb.has(k) && equal(v, mb.get(k)));
}

const sameLayout = (a: WorkspaceState, b: WorkspaceState): boolean => equal({ ...a, version: 0 }, { ...b, version: 0 });

export class WorkspaceSync {
  readonly #sessionId: string;
  readonly #transport: WorkspaceTransport;
  readonly #onChange: (state: WorkspaceState) => void;
  readonly #onError: (err: unknown) => void;
  readonly #debounceMs: number;
  readonly #timers: Timers;

  #base: WorkspaceState = initialWorkspace();
  #pending: PendingEvent[] = [];
  #shown: WorkspaceState = this.#base;
  /** A server state was adopted (loaded, or a frame): saves may go. */
  #loaded = false;
  #flight: Promise<void> | undefined;
  /** The newest frame that arrived during a save. */
  #deferred: WorkspaceState | undefined;
  #timer: unknown;
  #armed = false;
  #conflicts = 0;
  #failures = 0;
  #disposed = false;

  constructor(opts: WorkspaceSyncOptions) {
    this.#sessionId = opts.sessionId;
    this.#transport = opts.transport;
    this.#onChange = opts.onChange;
    this.#onError = opts.onError ?? (() => {});
    this.#debounceMs = opts.debounceMs ?? DEBOUNCE_MS;
    this.#timers = opts.timers ?? globalTimers;
  }

  /** The layout as shown: the pending events over the last server state. */
  get state(): WorkspaceState {
    return this.#shown;
  }

  /** Loads the layout and shows it (onChange), then saves what was changed before. */
  async start(): Promise<void> {
    const loaded = normalize(await this.#transport.load(this.#sessionId));
    if (this.#disposed) return;
    // A frame may have come first: then the load counts as one more frame.
    const shown = this.#loaded ? this.#receive(loaded) : this.#adopt(loaded);
    this.#loaded = true;
    if (!shown) this.#onChange(this.#shown);
    this.#saveLater(this.#debounceMs);
  }

  /** Applies a change here at once and saves it after the debounce. */
  apply(event: LayoutEvent): void {
    if (this.#disposed) return;
    const next = reduce(this.#shown, event);
    if (next === this.#shown) return;
    const created = createdPane(this.#shown, next);
    this.#pending.push(created === undefined ? { event } : { event, created });
    this.#shown = next;
    this.#onChange(next);
    // A retry already waiting keeps its backoff.
    if (this.#failures === 0) this.#schedule(this.#debounceMs);
  }

  /** A `session_workspace_updated` frame. */
  remote(state: WorkspaceState): void {
    if (this.#disposed) return;
    this.#receive(normalize(state));
    this.#saveLater(this.#debounceMs);
  }

  /** Saves now (on pagehide): waits for a save in flight, then sends what is left. */
  async flush(): Promise<void> {
    while (this.#flight) await this.#flight;
    if (this.#disposed) return;
    this.#cancel();
    await this.#save();
  }

  /** No more saves, timers or callbacks. */
  dispose(): void {
    this.#disposed = true;
    this.#cancel();
    this.#deferred = undefined;
  }

  /** A state from the server other than a save's answer; true when it was shown (onChange). */
  #receive(state: WorkspaceState): boolean {
    if (this.#loaded && state.version <= this.#base.version) return false;
    if (this.#flight) {
      if (!this.#deferred || state.version > this.#deferred.version) this.#deferred = state;
      return false;
    }
    this.#loaded = true;
    return this.#adopt(state);
  }

  /** `base` becomes the base; the pending events are replayed over it. True when the shown layout changed. */
  #adopt(base: WorkspaceState): boolean {
    this.#base = base;
    const { state, pending } = replay(base, this.#pending);
    this.#pending = pending;
    const changed = !sameLayout(state, this.#shown);
    this.#shown = state;
    if (changed) this.#onChange(state);
    return changed;
  }

  #schedule(ms: number): void {
    this.#cancel();
    this.#armed = true;
    this.#timer = this.#timers.setTimeout(() => {
      this.#armed = false;
      void this.#save();
    }, ms);
  }

  /** A save for events that have none coming (no timer, no save in flight). */
  #saveLater(ms: number): void {
    if (this.#pending.length > 0 && !this.#armed && !this.#flight) this.#schedule(ms);
  }

  #cancel(): void {
    if (this.#armed) this.#timers.clearTimeout(this.#timer);
    this.#armed = false;
  }

  async #save(): Promise<void> {
    if (this.#disposed || !this.#loaded || this.#flight || this.#pending.length === 0) return;
    this.#cancel();
    this.#flight = this.#send();
    try {
      await this.#flight;
    } finally {
      this.#flight = undefined;
    }
    if (this.#disposed) return;
    const frame = this.#deferred;
    this.#deferred = undefined;
    if (frame) this.#receive(frame);
    // Changes made during the save (unless a debounce or a retry is waiting).
    if (!this.#armed) await this.#save();
  }

  /** One save, and its re-saves after conflicts. */
  async #send(): Promise<void> {
    for (;;) {
      const sent = this.#pending.length;
      let result: SaveResult;
      try {
        result = await this.#transport.save(this.#sessionId, { ...this.#shown, version: this.#base.version });
      } catch (err) {
        if (!this.#disposed) this.#failed(err);
        return;
      }
      if (this.#disposed) return;
      this.#failures = 0;
      if (result.ok) {
        this.#conflicts = 0;
        this.#pending = this.#pending.slice(sent);
        this.#adopt(normalize(result.state));
        return;
      }
      const current = normalize(result.conflict);
      this.#conflicts += 1;
      if (this.#conflicts >= MAX_CONFLICTS) {
        this.#conflicts = 0;
        this.#pending = [];
        this.#adopt(current);
        this.#onError(new Error(`workspace: ${MAX_CONFLICTS} conflicting saves in a row; the server's layout was kept`));
        return;
      }
      this.#adopt(current);
      if (this.#pending.length === 0) return;
    }
  }

  #failed(err: unknown): void {
    this.#failures += 1;
    if (this.#failures === 1) this.#onError(err);
    this.#schedule(Math.min(FIRST_RETRY_MS * 2 ** (this.#failures - 1), MAX_RETRY_MS));
  }
}
