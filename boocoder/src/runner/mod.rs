//! The executor of agent turns (CODER-5): a warm ACP backend per (chat, agent) —
//! one child, `initialize` + `session/new` once, `session/prompt` per turn, cancel
//! with `session/cancel` while the child lives on; a dead child marks its row
//! `crashed` and the next turn respawns it. Each turn streams into the chat's
//! assistant message and, when it ends, the worktree's diff against its base
//! supersedes the session's pending changes, stamped with the agent. An agent's
//! first turn in a chat carries the chat's earlier turns ([`joining`]).

pub mod agent_sessions;
pub mod joining;
pub mod prober;
pub mod requests;
mod stream;
mod unstaged;

pub use unstaged::UNSTAGED_KIND;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boo_shared::chat::{MessageStatus, Usage};
use boo_shared::coder::{TaskInfo, TaskStatus};
use boo_shared::config::Settings;
use boo_shared::frames::ServerFrame;
use boo_shared::hub::Hub;
use boo_shared::transcript::store as messages;
use boo_shared::transcript::writer::TurnWriter;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::acp::{Connection, StopReason};
use crate::dispatcher::{Executor, Outcome, Task};
use crate::providers::Providers;
use crate::worktree::checkpoint;
use requests::{Hooks, Requests, TurnCtx};
use stream::stream_turn;

/// A warm agent: its child, its ACP session, its hooks.
struct Warm {
    conn: Arc<Connection>,
    acp_session: String,
    hooks: Arc<Hooks>,
    worktree: PathBuf,
    last_used: Instant,
}

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
    warm: tokio::sync::Mutex<HashMap<(Uuid, String), Warm>>,
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
        Arc::new(Self {
            term,
            chat,
            pool,
            hub,
            settings,
            providers,
            requests: Arc::new(Requests::default()),
            warm: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    fn term_host(&self, session_id: Uuid) -> crate::acp::TermHost {
        crate::acp::TermHost {
            client: self.term.clone(),
            session_id: Some(session_id),
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

    /// The warm agent of (chat, agent), spawned (or respawned after a crash) on demand.
    async fn warm_agent(
        &self,
        chat_id: Uuid,
        session_id: Uuid,
        project_id: Uuid,
        agent: &str,
        worktree: &crate::worktree::Worktree,
    ) -> Result<(Arc<Connection>, String, Arc<Hooks>), String> {
        let key = (chat_id, agent.to_owned());
        let mut warm = self.warm.lock().await;
        if let Some(w) = warm.get_mut(&key) {
            if w.conn.is_alive() && w.worktree == worktree.dir() {
                w.last_used = Instant::now();
                return Ok((w.conn.clone(), w.acp_session.clone(), w.hooks.clone()));
            }
            tracing::warn!(%chat_id, agent, "warm agent is gone; respawning");
            if let Err(e) = agent_sessions::set_status(&self.pool, chat_id, agent, "crashed").await
            {
                tracing::error!(error = %e, "cannot mark the agent session crashed");
            }
            warm.remove(&key);
        }
        let spec = self
            .providers
            .launch_spec(agent, worktree.dir())
            .await
            .map_err(|e| e.to_string())?;
        let hooks = Arc::new(Hooks {
            project_id,
            agent: agent.to_owned(),
            worktree: worktree.dir().to_path_buf(),
            hub: self.hub.clone(),
            requests: self.requests.clone(),
            turn: Mutex::new(None),
            term: self.term_host(session_id),
        });
        let fail = |what: &str, e: crate::acp::AcpError| {
            let tail = e
                .stderr_tail()
                .map(|t| format!("\nagent stderr:\n{t}"))
                .unwrap_or_default();
            format!("{what}: {e}{tail}")
        };
        let conn = Connection::spawn(&spec, hooks.clone())
            .await
            .map_err(|e| fail("cannot start the agent", e))?;
        let info = conn
            .initialize()
            .await
            .map_err(|e| fail("ACP initialize failed", e))?;
        // An agent whose sessions outlive its process (it says so with
        // `sessionCapabilities.resume`) picks the chat's session up again after a
        // crash or an idle stop; otherwise, or when that fails, a new session.
        let previous = if info.capabilities["sessionCapabilities"]["resume"].is_object() {
            agent_sessions::previous(&self.pool, chat_id, agent)
                .await
                .map_err(|e| e.to_string())?
        } else {
            None
        };
        let resumed = match previous {
            Some(id) => match conn.resume_session(&id, worktree.dir()).await {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(agent, session = %id, error = %e, "cannot resume the agent's session; starting a new one");
                    None
                }
            },
            None => None,
        };
        let session = match resumed {
            Some(s) => s,
            None => conn
                .new_session(worktree.dir())
                .await
                .map_err(|e| fail("ACP session/new failed", e))?,
        };
        let config_hash = format!("{}:{:?}", spec.command_line(), session.current_mode);
        agent_sessions::started(
            &self.pool,
            chat_id,
            agent,
            session_id,
            worktree.id,
            "acp_warm",
            &session.id,
            &config_hash,
        )
        .await
        .map_err(|e| e.to_string())?;
        let conn = Arc::new(conn);
        warm.insert(
            key,
            Warm {
                conn: conn.clone(),
                acp_session: session.id.clone(),
                hooks: hooks.clone(),
                worktree: worktree.dir().to_path_buf(),
                last_used: Instant::now(),
            },
        );
        Ok((conn, session.id, hooks))
    }

    /// Stop and forget the warm agents of a chat (archived or deleted).
    pub async fn close_chat(&self, chat_id: Uuid) -> Result<u32, sqlx::Error> {
        let gone: Vec<Warm> = {
            let mut warm = self.warm.lock().await;
            let keys: Vec<_> = warm
                .keys()
                .filter(|(c, _)| *c == chat_id)
                .cloned()
                .collect();
            keys.into_iter().filter_map(|k| warm.remove(&k)).collect()
        };
        for w in gone {
            shutdown_conn(w.conn).await;
        }
        let n = agent_sessions::close_chat(&self.pool, chat_id).await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Stop agents idle longer than `coder.idle_ttl_secs` (their sessions resume later).
    pub async fn evict_idle(&self) {
        let ttl = Duration::from_secs(self.settings.coder.idle_ttl_secs);
        let gone: Vec<((Uuid, String), Warm)> = {
            let mut warm = self.warm.lock().await;
            let keys: Vec<_> = warm
                .iter()
                .filter(|(_, w)| w.last_used.elapsed() > ttl)
                .map(|(k, _)| k.clone())
                .collect();
            keys.into_iter()
                .filter_map(|k| warm.remove(&k).map(|w| (k, w)))
                .collect()
        };
        for ((chat, agent), w) in gone {
            shutdown_conn(w.conn).await;
            if let Err(e) = agent_sessions::set_status(&self.pool, chat, &agent, "evicted").await {
                tracing::warn!(error = %e, "cannot mark the agent session evicted");
            }
        }
    }

    /// Stop every warm agent (daemon shutdown).
    pub async fn shutdown(&self) {
        let all: Vec<Warm> = self.warm.lock().await.drain().map(|(_, w)| w).collect();
        for w in all {
            shutdown_conn(w.conn).await;
        }
        if let Err(e) = agent_sessions::evict_all(&self.pool).await {
            tracing::warn!(error = %e, "cannot mark agent sessions evicted");
        }
    }

    /// How many warm agent children are running.
    pub async fn warm_count(&self) -> usize {
        self.warm.lock().await.len()
    }

    /// The pid of the warm child of (chat, agent), if one runs.
    pub async fn warm_pid(&self, chat_id: Uuid, agent: &str) -> Option<u32> {
        self.warm
            .lock()
            .await
            .get(&(chat_id, agent.to_owned()))
            .and_then(|w| w.conn.pid())
    }

    async fn project_path(&self, project_id: Uuid) -> Result<PathBuf, sqlx::Error> {
        let p: String = sqlx::query_scalar("SELECT path FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(PathBuf::from(p))
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
        // Before `warm_agent`, which writes the row on a first start.
        let first_in_chat = agent_sessions::exists(&self.pool, chat_id, &task.agent)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "cannot tell whether the agent joins the chat; sending the prompt alone"))
            .is_ok_and(|seen| !seen);
        let (conn, acp_session, hooks) = match self
            .warm_agent(chat_id, session_id, task.project_id, &task.agent, &worktree)
            .await
        {
            Ok(x) => x,
            Err(error) => {
                let _ = w
                    .finish(MessageStatus::Failed, &Usage::default(), Some(&error))
                    .await;
                return Outcome::Failed { error };
            }
        };
        *hooks.turn.lock().unwrap_or_else(|e| e.into_inner()) = Some(TurnCtx {
            session_id,
            chat_id,
            task_id: task.id,
        });
        if let Some(mode) = task.mode_id.as_deref()
            && let Err(e) = conn.set_mode(&acp_session, mode).await
        {
            tracing::warn!(error = %e, mode, "cannot set the agent mode");
        }
        if let Some(model) = task.model.as_deref()
            && let Err(e) = conn.set_config_option(&acp_session, "model", model).await
        {
            tracing::warn!(error = %e, model, "cannot set the agent model");
        }
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
        let prompt = if first_in_chat {
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
            };
            joining::first_prompt(src, &turn).await
        } else {
            task.prompt.clone()
        };
        let prompt = checkpoint::with_note(note, prompt);
        let (status, usage, error, tokens) = stream_turn(
            &conn,
            &acp_session,
            &prompt,
            &mut w,
            cancel,
            task.agent.as_str(),
        )
        .await;
        *hooks.turn.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let crashed = !conn.is_alive();
        if crashed {
            if let Err(e) =
                agent_sessions::set_status(&self.pool, chat_id, &task.agent, "crashed").await
            {
                tracing::error!(error = %e, "cannot mark the agent session crashed");
            }
            self.warm
                .lock()
                .await
                .remove(&(chat_id, task.agent.clone()));
        } else if let Err(e) = agent_sessions::turn_done(
            &self.pool,
            chat_id,
            &task.agent,
            tokens.0,
            tokens.1,
            tokens.2,
        )
        .await
        {
            tracing::warn!(error = %e, "cannot record agent session usage");
        }
        let summary: String = w.content.chars().take(200).collect();
        if let Err(e) = w.finish(status, &usage, error.as_deref()).await {
            tracing::error!(error = %e, "cannot finalise the agent turn");
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

    /// A task without a chat: a child for this turn only.
    async fn one_shot(
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
        let spec = match self
            .providers
            .launch_spec(&task.agent, worktree.dir())
            .await
        {
            Ok(s) => s,
            Err(e) => {
                return Outcome::Failed {
                    error: e.to_string(),
                };
            }
        };
        let hooks = Arc::new(Hooks {
            project_id: task.project_id,
            agent: task.agent.clone(),
            worktree: worktree.dir().to_path_buf(),
            hub: self.hub.clone(),
            requests: self.requests.clone(),
            turn: Mutex::new(None),
            term: self.term_host(session_id),
        });
        let conn = match Connection::spawn(&spec, hooks).await {
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

    /// Latest wins: the worktree's diff against its base becomes the session's
    /// pending changes, stamped with this turn's agent. Files that changed but cannot
    /// be staged are reported in the chat (see [`unstaged::report`]).
    async fn stage_changes(
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

async fn shutdown_conn(conn: Arc<Connection>) {
    match Arc::try_unwrap(conn) {
        Ok(c) => c.shutdown().await,
        // Someone still holds it (a turn in flight): dropping the last reference
        // kills the child's process group.
        Err(arc) => drop(arc),
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
