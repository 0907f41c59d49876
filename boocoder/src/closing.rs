//! Closing what a workspace session owns, when boochat archives or deletes it
//! (CHAT-8, CODER-9): its tasks, the agents of its chats, its worktree — in that
//! order, so no agent is still writing into a worktree that goes away. Every step
//! is idempotent: a close that failed half-way is finished by asking again.

use std::sync::Arc;
use std::time::Duration;

use boo_shared::catalog::chats;
use boo_shared::config::CoderConfig;
use boo_shared::store::StoreError;
use sqlx::PgPool;
use uuid::Uuid;

use crate::dispatcher::Dispatcher;
use crate::dispatcher::store as tasks;
use crate::runner::Runner;
use crate::runner::agent_sessions::CloseReason;
use crate::worktree::{self, WorktreeError, WorktreeRisk};

/// How long running turns get to end after their cancel.
pub const TASK_STOP_LIMIT: Duration = Duration::from_secs(15);

/// What happens to the session's worktree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorktreePolicy {
    Keep,
    /// Remove it (directory and branch) only when nothing would be lost.
    RemoveIfClean,
    /// Remove it whatever it holds.
    Remove,
}

/// What a close did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Closed {
    pub cancelled_tasks: u32,
    pub closed_agent_sessions: u32,
    pub worktree_removed: bool,
    /// Worktrees left in place because removing them would lose work.
    pub kept: Vec<WorktreeRisk>,
}

#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{running} turn(s) of the session did not stop within {}s of their cancel", TASK_STOP_LIMIT.as_secs())]
    TasksStillRunning { running: i64 },
    #[error("cannot remove the worktree: {0}")]
    Worktree(#[from] WorktreeError),
}

/// The parts a close needs.
pub struct Closer {
    pub pool: PgPool,
    pub coder: CoderConfig,
    pub dispatcher: Arc<Dispatcher>,
    pub runner: Arc<Runner>,
}

impl Closer {
    #[tracing::instrument(skip_all, err, fields(%session_id, ?reason, ?policy))]
    pub async fn close_session(
        &self,
        session_id: Uuid,
        reason: CloseReason,
        policy: WorktreePolicy,
    ) -> Result<Closed, CloseError> {
        let mut closed = Closed {
            cancelled_tasks: self.cancel_tasks(session_id).await?,
            ..Closed::default()
        };
        for chat in chats::ids_in_session(&self.pool, session_id).await? {
            closed.closed_agent_sessions += self.runner.close_chat(chat, reason).await?;
        }
        let remove = match policy {
            WorktreePolicy::Keep => false,
            WorktreePolicy::Remove => true,
            WorktreePolicy::RemoveIfClean => {
                closed.kept = worktree::risk(&self.pool, session_id)
                    .await?
                    .into_iter()
                    .filter(WorktreeRisk::at_risk)
                    .collect();
                closed.kept.is_empty()
            }
        };
        if remove {
            closed.worktree_removed =
                worktree::remove_for_session(&self.pool, &self.coder, session_id, true)
                    .await?
                    .is_some();
        }
        Ok(closed)
    }

    /// Cancel the session's queued, running and blocked tasks and wait (bounded)
    /// until none runs: a turn still streaming would write into rows and a
    /// worktree that are about to go.
    async fn cancel_tasks(&self, session_id: Uuid) -> Result<u32, CloseError> {
        let mut cancelled = 0;
        for id in tasks::ids_in_flight(&self.pool, session_id).await? {
            if self.dispatcher.cancel(id).await? {
                cancelled += 1;
            }
        }
        let deadline = tokio::time::Instant::now() + TASK_STOP_LIMIT;
        loop {
            let running = tasks::count_running(&self.pool, session_id).await?;
            if running == 0 {
                return Ok(cancelled);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(CloseError::TasksStillRunning { running });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
