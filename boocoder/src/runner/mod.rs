//! The executor of agent turns (CODER-5): a warm [`backend::Backend`] per (chat,
//! agent), whatever its transport — an ACP child ([`acp_backend`]: `initialize` +
//! `session/new` once, `session/prompt` per turn, `session/cancel` while the
//! child lives on), a session of the opencode server ([`opencode_backend`]), a
//! CLI run per turn in a PTY ([`pty_backend`]); a dead one marks its row
//! `crashed` and the next turn starts it again. Each turn streams into the chat's
//! assistant message and, when it ends, the worktree's diff against its base
//! supersedes the session's pending changes, stamped with the agent. An agent's
//! first turn in a chat carries the chat's earlier turns ([`joining`]). The pool
//! of warm agents, its LRU cap and idle eviction live in [`warm`]; picking a
//! chat's session up again in a new child (resume, load, or the transcript) in
//! [`start`]; the chat's mode and model in [`config`].

pub mod acp_backend;
pub mod agent_sessions;
pub mod backend;
pub mod config;
pub mod joining;
mod one_shot;
pub mod opencode_backend;
pub mod prober;
pub mod pty_backend;
pub mod requests;
mod staging;
pub mod start;
mod stream;
mod unstaged;
mod warm;

pub use unstaged::UNSTAGED_KIND;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use boo_shared::catalog::projects;
use boo_shared::chat::{MessageStatus, Usage};
use boo_shared::coder::{AgentSessionStatus, TaskInfo, TaskStatus};
use boo_shared::config::Settings;
use boo_shared::frames::ServerFrame;
use boo_shared::hub::Hub;
use boo_shared::store::StoreError;
use boo_shared::transcript::store as messages;
use boo_shared::transcript::writer::TurnWriter;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::dispatcher::{Executor, Outcome, Task};
use crate::providers::{Providers, probe};
use crate::worktree::checkpoint;
use requests::{Requests, TurnCtx};
use stream::stream_turn;

pub struct Runner {
    pub pool: PgPool,
    pub hub: Arc<Hub>,
    pub settings: Arc<Settings>,
    pub providers: Providers,
    pub requests: Arc<Requests>,
    /// booterm, where agents' `terminal/*` commands run (`None`: its address or
    /// token is unusable, so they run as boocoder's own children).
    term: Option<boo_shared::peers::TermClient>,
    /// boochat, where an agent joining a chat reads the turns before it (`None`:
    /// its address or token is unusable, so they are read from the database).
    chat: Option<boo_shared::peers::ChatClient>,
    warm: tokio::sync::Mutex<HashMap<warm::Key, warm::Warm>>,
    /// The opencode servers of the workspace sessions (one each).
    opencode: opencode_backend::OcServers,
}

fn task_info(task: &Task, status: TaskStatus, error: Option<String>) -> TaskInfo {
    TaskInfo {
        id: task.id,
        session_id: task.session_id,
        chat_id: task.chat_id,
        agent: task.agent.clone(),
        mode_id: task.mode_id.clone(),
        model: task.model.clone(),
        status,
        error,
        output_summary: None,
        created_at: task.created_at,
        started_at: None,
        finished_at: None,
    }
}

impl Runner {
    pub fn new(
        pool: PgPool,
        hub: Arc<Hub>,
        settings: Arc<Settings>,
        providers: Providers,
    ) -> Arc<Self> {
        let term = boo_shared::peers::term(&settings)
            .inspect_err(|e| tracing::warn!(error = %e, "no booterm peer: agents' terminals run as boocoder's own children"))
            .ok();
        let chat = boo_shared::peers::chat(&settings)
            .inspect_err(|e| tracing::warn!(error = %e, "no boochat peer: joining agents read the chat's history from the database"))
            .ok();
        let opencode = opencode_backend::OcServers::new(std::time::Duration::from_secs(
            settings.coder.opencode_health_secs.max(1),
        ));
        Arc::new(Self {
            term,
            chat,
            requests: Arc::new(Requests::with_pool(pool.clone())),
            pool,
            hub,
            settings,
            providers,
            warm: tokio::sync::Mutex::new(HashMap::new()),
            opencode,
        })
    }

    /// Where the agent's commands run: booterm, in the agent's sandbox, with its
    /// HOME and PATH.
    fn term_host(&self, session_id: Uuid, launch: &probe::Launch) -> crate::acp::TermHost {
        crate::acp::TermHost {
            client: self.term.clone(),
            session_id: Some(session_id),
            confine: Some(crate::acp::TermConfine {
                home: launch.home.clone(),
                path: launch
                    .path
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned()),
                plan: launch.plan.clone(),
            }),
        }
    }

    fn publish_task(&self, task: &Task, status: TaskStatus, error: Option<String>) {
        if let Some(sid) = task.session_id {
            self.hub.publish(
                sid,
                ServerFrame::TaskUpdated {
                    task: task_info(task, status, error),
                },
            );
        }
    }

    async fn project_path(&self, project_id: Uuid) -> Result<PathBuf, StoreError> {
        Ok(PathBuf::from(
            projects::get(&self.pool, project_id).await?.path,
        ))
    }

    async fn turn(&self, task: &Task, cancel: CancellationToken) -> Outcome {
        let Some(session_id) = task.session_id else {
            return Outcome::Failed {
                error: "a task needs a session (its worktree lives there)".into(),
            };
        };
        let project_path = match self.project_path(task.project_id).await {
            Ok(p) => p,
            Err(e) => {
                return Outcome::Failed {
                    error: format!("project lookup failed: {e}"),
                };
            }
        };
        let worktree = match crate::worktree::ensure(
            &self.pool,
            &self.settings.coder,
            task.project_id,
            &project_path,
            session_id,
        )
        .await
        {
            Ok(w) => w,
            Err(e) => {
                return Outcome::Failed {
                    error: format!("cannot prepare the worktree: {e}"),
                };
            }
        };
        let Some(chat_id) = task.chat_id else {
            return self.one_shot(task, session_id, &worktree, cancel).await;
        };
        let message_id = Uuid::new_v4();
        if let Err(e) = messages::start_agent_turn(
            &self.pool,
            message_id,
            chat_id,
            task.id,
            task.model.as_deref(),
            &task.agent,
        )
        .await
        {
            return Outcome::Failed {
                error: format!("cannot start the assistant message: {e}"),
            };
        }
        if let Ok(message) = messages::get(&self.pool, message_id).await {
            self.hub
                .publish(session_id, ServerFrame::MessageStarted { chat_id, message });
        }
        let mut w = TurnWriter::new(
            self.pool.clone(),
            self.hub.clone(),
            session_id,
            chat_id,
            message_id,
        );
        let lease = match self
            .warm_agent(chat_id, session_id, task.project_id, &task.agent, &worktree)
            .await
        {
            Ok(lease) => self.reestablished(lease, chat_id, &task.agent).await,
            Err(error) => Err(error),
        };
        let lease = match lease {
            Ok(lease) => lease,
            Err(error) => {
                let _ = w
                    .finish(MessageStatus::Failed, &Usage::default(), Some(&error))
                    .await;
                return Outcome::Failed { error };
            }
        };
        let hooks = &lease.hooks;
        *hooks.turn.lock().unwrap_or_else(|e| e.into_inner()) = Some(TurnCtx {
            session_id,
            chat_id,
            task_id: task.id,
        });
        self.apply_config(task, session_id, chat_id, &lease).await;
        // The worktree as it is before this turn (CODER-12), and what the agent must
        // hear about a restore since its last turn.
        let note = checkpoint::before_turn(
            &self.pool,
            &self.hub,
            &worktree,
            &checkpoint::Turn {
                task_id: task.id,
                chat_id: Some(chat_id),
                message_id: Some(message_id),
                agent: &task.agent,
                prompt: &task.prompt,
            },
        )
        .await;
        let prompt = checkpoint::with_note(
            note,
            self.prompt_for(task, chat_id, message_id, &lease).await,
        );
        let streamed = stream_turn(
            lease.backend.as_ref(),
            &prompt,
            &mut w,
            cancel,
            task.agent.as_str(),
        )
        .await;
        *hooks.turn.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.after_turn(chat_id, &task.agent, message_id, &lease, &streamed)
            .await;
        let stream::Streamed {
            status,
            usage,
            error,
            ..
        } = streamed;
        let summary: String = w.content.chars().take(200).collect();
        if let Err(e) = w.finish(status, &usage, error.as_deref()).await {
            tracing::error!(error = %e, "cannot finalise the agent turn");
        }
        if status == MessageStatus::Complete {
            self.ask_to_name(chat_id, message_id);
        }
        self.stage_changes(session_id, Some(chat_id), task, &worktree)
            .await;
        match status {
            MessageStatus::Complete => Outcome::Completed {
                summary: Some(summary),
            },
            MessageStatus::Cancelled => Outcome::Cancelled {
                reason: error.unwrap_or_else(|| "cancelled".into()),
            },
            _ => Outcome::Failed {
                error: error.unwrap_or_else(|| "the turn failed".into()),
            },
        }
    }

    /// A warm agent whose session had to be established again under it (its
    /// opencode server restarted): the row's `start_kind` and session id say how,
    /// and a session made anew gets the chat's transcript like a new child's.
    /// `Err` is the turn's failure.
    async fn reestablished(
        &self,
        mut lease: warm::Lease,
        chat_id: Uuid,
        agent: &str,
    ) -> Result<warm::Lease, String> {
        if lease.started.is_some() {
            return Ok(lease);
        }
        let kind = match lease.backend.ensure_session().await {
            Ok(None) => return Ok(lease),
            Ok(Some(kind)) => kind,
            Err(e) => {
                self.turn_ended(chat_id, agent).await;
                return Err(e.describe());
            }
        };
        tracing::info!(%chat_id, agent, start_kind = kind.as_str(), "the agent's session was established again");
        if let Err(e) = agent_sessions::reestablished(
            &self.pool,
            chat_id,
            agent,
            kind.as_str(),
            lease.backend.session_id().as_deref(),
        )
        .await
        {
            tracing::warn!(error = %e, "cannot record how the agent's session came back");
        }
        lease.started = Some(kind);
        Ok(lease)
    }

    /// An untitled chat's answer is in: boochat names the chat from its first
    /// exchange (`NameChat`, off the turn's path; boochat decides whether this was
    /// the first exchange and whether naming is on). Best effort.
    fn ask_to_name(&self, chat_id: Uuid, reply_id: Uuid) {
        let Some(mut peer) = self.chat.clone() else {
            return;
        };
        let pool = self.pool.clone();
        tokio::spawn(async move {
            match boo_shared::catalog::chats::get(&pool, chat_id).await {
                Ok(chat) if chat.title.is_none() => {}
                _ => return,
            }
            let asked = peer
                .name_chat(boo_proto::chat::v1::NameChatRequest {
                    chat_id: chat_id.to_string(),
                    reply_id: reply_id.to_string(),
                })
                .await;
            if let Err(e) = asked {
                tracing::info!(error = %e, %chat_id, "boochat did not take the chat to name");
            }
        });
    }

    /// The prompt to send: the task's, above it the chat's earlier turns when this
    /// is the agent's first turn in the chat or its session was lost ([`joining`]).
    async fn prompt_for(
        &self,
        task: &Task,
        chat_id: Uuid,
        message_id: Uuid,
        lease: &warm::Lease,
    ) -> String {
        let restarting = lease.started == Some(start::StartKind::History);
        if lease.prior.is_some() && !restarting {
            return task.prompt.clone();
        }
        let src = joining::Source {
            chat: self.chat.as_ref(),
            pool: &self.pool,
        };
        let turn = joining::Joining {
            chat_id,
            message_id,
            agent: &task.agent,
            prompt: &task.prompt,
            budget: self.settings.coder.join_history_bytes,
            restarting,
        };
        joining::first_prompt(src, &turn).await
    }

    /// After the agent answered: a dead child is forgotten (row `crashed`), a live
    /// one goes back to idle with the turn's usage, plan and commands kept, and the
    /// pool shrinks back under its cap.
    async fn after_turn(
        &self,
        chat_id: Uuid,
        agent: &str,
        message_id: Uuid,
        lease: &warm::Lease,
        streamed: &stream::Streamed,
    ) {
        if !lease.backend.is_alive() {
            if let Err(e) =
                agent_sessions::set_status(&self.pool, chat_id, agent, AgentSessionStatus::Crashed)
                    .await
            {
                tracing::error!(error = %e, "cannot mark the agent session crashed");
            }
            self.warm.lock().await.remove(&(chat_id, agent.to_owned()));
        } else if let Err(e) = agent_sessions::turn_done(
            &self.pool,
            chat_id,
            agent,
            streamed.tokens,
            lease.backend.session_id().as_deref(),
        )
        .await
        {
            tracing::warn!(error = %e, "cannot record agent session usage");
        }
        self.keep_plan_and_commands(chat_id, agent, message_id, streamed.plan.clone(), lease)
            .await;
        self.turn_ended(chat_id, agent).await;
    }

    /// The turn's mode and model, else (on a child started for this turn) the
    /// chat's last ones; checked, confirmed ones kept on the row, mismatches shown.
    async fn apply_config(
        &self,
        task: &Task,
        session_id: Uuid,
        chat_id: Uuid,
        lease: &warm::Lease,
    ) {
        let fresh = lease.started.is_some();
        let prior = lease.prior.as_ref().filter(|_| fresh);
        let mode = task
            .mode_id
            .as_deref()
            .or(prior.and_then(|p| p.mode_id.as_deref()));
        let model = task
            .model
            .as_deref()
            .or(prior.and_then(|p| p.model.as_deref()));
        if mode.is_none() && model.is_none() {
            return;
        }
        let applied = lease.backend.apply_config(mode, model).await;
        if let Err(e) = agent_sessions::applied(
            &self.pool,
            chat_id,
            &task.agent,
            applied.mode.as_deref(),
            applied.model.as_deref(),
        )
        .await
        {
            tracing::warn!(error = %e, "cannot record the applied mode and model");
        }
        config::report(
            &self.pool,
            &self.hub,
            session_id,
            chat_id,
            &task.agent,
            &applied.mismatches,
        )
        .await;
    }

    /// Keep the turn's plan and the session's commands on the row (a reload or a
    /// restart shows them again).
    async fn keep_plan_and_commands(
        &self,
        chat_id: Uuid,
        agent: &str,
        message_id: Uuid,
        plan: Option<Vec<serde_json::Value>>,
        lease: &warm::Lease,
    ) {
        let plan = plan.map(|entries| boo_shared::coder::AgentPlan {
            message_id,
            entries,
        });
        let commands = Some(lease.backend.commands()).filter(|c| !c.is_empty());
        if plan.is_none() && commands.is_none() {
            return;
        }
        if let Err(e) = agent_sessions::keep_plan_and_commands(
            &self.pool,
            chat_id,
            agent,
            plan.as_ref(),
            commands.as_deref(),
        )
        .await
        {
            tracing::warn!(error = %e, "cannot keep the agent's plan and commands");
        }
    }
}

#[async_trait::async_trait]
impl Executor for Runner {
    async fn run(&self, task: Task, cancel: CancellationToken) -> Outcome {
        self.publish_task(&task, TaskStatus::Running, None);
        let outcome = self.turn(&task, cancel).await;
        let (status, error) = match &outcome {
            Outcome::Completed { .. } => (TaskStatus::Completed, None),
            Outcome::Failed { error } => (TaskStatus::Failed, Some(error.clone())),
            Outcome::Cancelled { reason } => (TaskStatus::Cancelled, Some(reason.clone())),
        };
        self.publish_task(&task, status, error);
        outcome
    }
}
