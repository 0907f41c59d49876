// The providers snapshot, kept fresh: read on demand, then read again every
// PROBE_POLL_MS while a probe runs or a provider is still loading (and, slower, after a
// failed read) until nothing is left to wait for. The page (agents view) and each pane
// (provider picker) keep one; `stop` drops the pending read.

import type { ProvidersSnapshot } from "@boocode/types";
import { errorText } from "@boocode/common/api";
import { needsPoll, PROBE_POLL_MS } from "../state/providers";
import type { CoderApi } from "./client";

export type ProvidersPollHost = {
  api: Pick<CoderApi, "snapshot">;
  /** A snapshot arrived (a read, a refresh, a toggle). */
  apply(snapshot: ProvidersSnapshot): void;
  /** The read failed: what to show instead. */
  failed(text: string): void;
};

export class ProvidersPoll {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly host: ProvidersPollHost) {}

  async load(): Promise<void> {
    this.stopped = false;
    try {
      const snapshot = await this.host.api.snapshot();
      if (!this.stopped) this.applied(snapshot);
    } catch (err) {
      if (this.stopped) return;
      this.host.failed(`Cannot read the providers: ${errorText(err)}`);
      this.schedule(PROBE_POLL_MS * 5);
    }
  }

  /** A snapshot obtained otherwise (refresh, toggle): shown, and polled on if a probe runs. */
  applied(snapshot: ProvidersSnapshot): void {
    this.host.apply(snapshot);
    if (needsPoll(snapshot)) this.schedule(PROBE_POLL_MS);
  }

  /** No more reads until the next `load`. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load();
    }, ms);
  }
}
