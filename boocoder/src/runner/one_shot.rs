//! A task without a chat (session-less creators): an ACP child for this one turn,
//! no transcript, its changes staged like any turn's.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Runner;
use super::requests::Hooks;
use crate::acp::{Connection, StopReason};
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
        let conn = match Connection::spawn(&launch.spec, hooks).await {
            Ok(c) => c,
            Err(e) => {
                return Outcome::Failed {
                    error: e.to_string(),
                };
            }
        };
        let session = match conn.initialize().await {
            Ok(_) => conn.new_session(worktree.dir()).await,
            Err(e) => Err(e),
        };
        let outcome = match session {
            Err(e) => Outcome::Failed {
                error: e.to_string(),
            },
            Ok(session) => {
                let (tx, mut rx) = mpsc::channel(256);
                let drain = async { while rx.recv().await.is_some() {} };
                let prompt = async {
                    tokio::select! {
                        r = conn.prompt(&session.id, &task.prompt, tx) => r,
                        () = cancel.cancelled() => Ok(StopReason::Cancelled),
                    }
                };
                let (r, ()) = tokio::join!(prompt, drain);
                match r {
                    Ok(StopReason::Cancelled) => Outcome::Cancelled {
                        reason: "cancelled".into(),
                    },
                    Ok(s) if s.fails_turn() => Outcome::Failed {
                        error: format!("the agent stopped: {}", s.as_str()),
                    },
                    Ok(_) => Outcome::Completed { summary: None },
                    Err(e) => Outcome::Failed {
                        error: e.to_string(),
                    },
                }
            }
        };
        conn.shutdown().await;
        self.stage_changes(session_id, None, task, worktree).await;
        outcome
    }
}
