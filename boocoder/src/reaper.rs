//! The orphan reaper (CODER-9), run once at start and then every
//! `coder.reaper_interval_secs`: worktrees nothing owns any more (see
//! [`crate::worktree::reap`]) and `agent_sessions` rows that claim a live child
//! (`active`/`idle`) this process does not hold (they become `evicted`, so their
//! next turn starts a child and picks the session up again). Terminals of deleted
//! sessions are booterm's to reap (it owns `terminal_sessions`).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::runner::Runner;
use crate::worktree::Reaped;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub worktrees: Reaped,
    /// Agent rows set `evicted`.
    pub rows_evicted: u64,
}

/// One pass. Failures are logged; the next pass tries again.
pub async fn pass(runner: &Runner) -> Report {
    let worktrees = crate::worktree::reap(&runner.pool, &runner.settings.coder)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "the worktree reaper failed"))
        .unwrap_or_default();
    let rows_evicted = runner
        .reap_rows()
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "cannot reap stale agent session rows"))
        .unwrap_or_default();
    let report = Report {
        worktrees,
        rows_evicted,
    };
    if report != Report::default() {
        tracing::info!(?report, "reaper pass");
    }
    report
}

/// Run [`pass`] now and every `every` until `stop`.
pub async fn run_every(runner: Arc<Runner>, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => { pass(&runner).await; }
        }
    }
}
