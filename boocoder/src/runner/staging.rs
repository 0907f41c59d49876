//! After a turn: the worktree's diff becomes the session's pending changes.

use boo_shared::frames::ServerFrame;
use uuid::Uuid;

use super::{Runner, unstaged};
use crate::dispatcher::Task;

impl Runner {
    /// Latest wins: the worktree's diff against its base becomes the session's
    /// pending changes, stamped with this turn's agent. Files that changed but cannot
    /// be staged are reported in the chat (see [`unstaged::report`]).
    pub(super) async fn stage_changes(
        &self,
        session_id: Uuid,
        chat_id: Option<Uuid>,
        task: &Task,
        worktree: &crate::worktree::Worktree,
    ) {
        let done = match crate::pending::supersede_from_worktree(
            &self.pool,
            worktree,
            chat_id,
            Some(task.id),
            &task.agent,
        )
        .await
        {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(error = %e, "cannot stage the worktree diff");
                return;
            }
        };
        let changes = match crate::pending::list(&self.pool, session_id, &[]).await {
            Ok(rows) => rows
                .iter()
                .map(boo_shared::coder::PendingChange::from)
                .collect(),
            Err(_) => done
                .rows
                .iter()
                .map(boo_shared::coder::PendingChange::from)
                .collect(),
        };
        self.hub
            .publish(session_id, ServerFrame::PendingChanged { changes });
        if let Some(chat_id) = chat_id {
            unstaged::report(&self.pool, &self.hub, session_id, chat_id, &done.skipped).await;
        }
    }
}
