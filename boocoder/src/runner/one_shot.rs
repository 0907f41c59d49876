//! A task without a chat (session-less creators): the provider's backend (an
//! ACP child, an opencode server session, a CLI in a PTY) for this one turn, no
//! transcript, its changes staged like any turn's.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Runner;
use super::backend::Backend;
use super::requests::Hooks;
use crate::acp::StopReason;
use crate::dispatcher::{Outcome, Task};
use crate::worktree::checkpoint;

impl Runner {
    /// A task without a chat: a child for this turn only.
    pub(super) async fn one_shot(
        &self,
        task: &Task,
        session_id: Uuid,
        worktree: &crate::worktree::Worktree,
        cancel: CancellationToken,
    ) -> Outcome {
        let turn = checkpoint::Turn {
            task_id: task.id,
            chat_id: None,
            message_id: None,
            agent: &task.agent,
            prompt: &task.prompt,
        };
        checkpoint::before_turn(&self.pool, &self.hub, worktree, &turn).await;
        let launch = match self
            .providers
            .launch(&task.agent, worktree.dir(), &session_id.to_string())
            .await
        {
            Ok(l) => l,
            Err(e) => {
                return Outcome::Failed {
                    error: e.to_string(),
                };
            }
        };
        let hooks = Arc::new(Hooks {
            pool: self.pool.clone(),
            project_id: task.project_id,
            agent: task.agent.clone(),
            worktree: worktree.dir().to_path_buf(),
            hub: self.hub.clone(),
            requests: self.requests.clone(),
            turn: Mutex::new(None),
            term: self.term_host(session_id, &launch),
        });
        let outcome = match self
            .start_backend(&launch, hooks, None, worktree, session_id)
            .await
        {
            Err(e) => Outcome::Failed {
                error: e.describe(),
            },
            Ok((backend, _, _)) => {
                let outcome = one_turn(backend.as_ref(), &task.prompt, cancel).await;
                backend.shutdown().await;
                outcome
            }
        };
        self.stage_changes(session_id, None, task, worktree).await;
        outcome
    }
}

/// How long a cancelled one-shot turn may take to end before it is left.
const CANCEL_SETTLE: Duration = Duration::from_secs(10);

/// Run `prompt` on `backend` (its events are not kept: there is no transcript);
/// a cancel asks the agent to stop and waits a bounded time for it.
async fn one_turn(backend: &dyn Backend, prompt: &str, cancel: CancellationToken) -> Outcome {
    let (tx, mut rx) = mpsc::channel(256);
    let drain = async { while rx.recv().await.is_some() {} };
    let run = async {
        let turn = backend.prompt(prompt, tx);
        tokio::pin!(turn);
        tokio::select! {
            r = &mut turn => r,
            () = cancel.cancelled() => {
                if let Err(e) = backend.cancel().await {
                    tracing::warn!(error = %e.describe(), "cannot cancel the one-shot turn");
                }
                tokio::time::timeout(CANCEL_SETTLE, turn)
                    .await
                    .unwrap_or(Ok(StopReason::Cancelled))
            }
        }
    };
    let (r, ()) = tokio::join!(run, drain);
    match r {
        Ok(StopReason::Cancelled) => Outcome::Cancelled {
            reason: "cancelled".into(),
        },
        _ if cancel.is_cancelled() => Outcome::Cancelled {
            reason: "cancelled".into(),
        },
        Ok(s) if s.fails_turn() => Outcome::Failed {
            error: format!("the agent stopped: {}", s.as_str()),
        },
        Ok(_) => Outcome::Completed { summary: None },
        Err(e) => Outcome::Failed {
            error: e.describe(),
        },
    }
}
