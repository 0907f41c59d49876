// Flow control of one terminal socket: the client acknowledges output bytes once xterm
// has processed them (in `term.write`'s callback). booterm stops sending while more than
// `flow.high` bytes are unacknowledged, so acknowledging too late stalls the terminal and
// acknowledging before processing lets a slow browser queue without bound.

import { backoffDelay } from "@boocode/common/session-socket";

/** Acknowledgements owed for processed bytes, sent in batches of at least `every`. */
export class AckCounter {
  private pending = 0;

  /** `every` ≤ 0 acknowledges every write. */
  constructor(readonly every: number) {}

  /** Bytes processed but not acknowledged yet. */
  get owed(): number {
    return this.pending;
  }

  /**
   * Records `bytes` processed. Returns the count to acknowledge now (everything owed)
   * once at least `every` bytes are owed, else `null` (wait for more, or for {@link flush}).
   */
  processed(bytes: number): number | null {
    if (bytes > 0) this.pending += bytes;
    if (this.pending === 0 || this.pending < this.every) return null;
    return this.take();
  }

  /** Everything owed (after an idle pause), or `null` when nothing is. */
  flush(): number | null {
    return this.pending === 0 ? null : this.take();
  }

  private take(): number {
    const bytes = this.pending;
    this.pending = 0;
    return bytes;
  }
}

/**
 * Delay before retry number `attempt` (0-based): the shared base·2^attempt backoff, capped,
 * ± `jitter` of it so many panes of a restarted daemon do not reconnect in lockstep.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random, jitter = 0.2): number {
  const plain = backoffDelay(Math.max(attempt, 0), baseMs, maxMs);
  const spread = plain * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(plain + spread));
}
