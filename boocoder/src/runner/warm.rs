//! The pool of warm agents (CODER-5, CODER-9): one backend per (chat, agent)
//! (an ACP child, an opencode server session, a PTY CLI; `start_backend`
//! picks by the provider's transport), its session opened once and reused turn
//! after turn. One that died is marked `crashed` and started again by the next
//! turn. Children idle longer than
//! `coder.idle_ttl_secs` are stopped, and at most `coder.max_warm_agents` live at
//! once: starting one more stops the least recently used idle one (row
//! `evicted`); one running a turn is never stopped — when every child is busy the
//! new one starts anyway (logged) and the pool shrinks back as turns end. A new
//! child picks the chat's session up again when it can ([`super::start`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boo_shared::coder::AgentSessionStatus;
use uuid::Uuid;

use super::acp_backend::AcpBackend;
use super::agent_sessions::{self, Prior};
use super::backend::{Backend, TurnError};
use super::pty_backend::PtyBackend;
use super::requests::Hooks;
use super::start::StartKind;
use crate::providers::Transport;
use crate::providers::probe::Launch;

pub(super) type Key = (Uuid, String);

/// A warm agent: its backend (with its session), its hooks.
pub(super) struct Warm {
    pub(super) backend: Arc<dyn Backend>,
    pub(super) hooks: Arc<Hooks>,
    pub(super) worktree: PathBuf,
    pub(super) last_used: Instant,
    /// A turn runs on it now: never evicted.
    pub(super) running: bool,
}

/// A warm agent lent to one turn.
pub(super) struct Lease {
    pub(super) backend: Arc<dyn Backend>,
    pub(super) hooks: Arc<Hooks>,
    /// `Some` when the child was started for this turn (its session is new to
    /// it); `None` for a child that was already warm.
    pub(super) started: Option<StartKind>,
    /// The row as it was before this turn (`None`: the agent's first turn here).
    pub(super) prior: Option<Prior>,
}

/// Which idle entries to stop so that `len + incoming` fits in `cap`: least
/// recently used first, running ones never.
pub(super) fn lru_victims<K: Clone>(
    entries: &[(K, Instant, bool)],
    cap: usize,
    incoming: usize,
) -> Vec<K> {
    let excess = (entries.len() + incoming).saturating_sub(cap);
    let mut idle: Vec<&(K, Instant, bool)> = entries.iter().filter(|e| !e.2).collect();
    idle.sort_by_key(|e| e.1);
    idle.into_iter().take(excess).map(|e| e.0.clone()).collect()
}

impl super::Runner {
    /// The warm agent of (chat, agent), spawned (or respawned after a crash or an
    /// eviction) on demand, marked running until [`Self::turn_ended`].
    pub(super) async fn warm_agent(
        &self,
        chat_id: Uuid,
        session_id: Uuid,
        project_id: Uuid,
        agent: &str,
        worktree: &crate::worktree::Worktree,
    ) -> Result<Lease, String> {
        let key = (chat_id, agent.to_owned());
        let prior = agent_sessions::prior(&self.pool, chat_id, agent)
            .await
            .map_err(|e| e.to_string())?;
        let mut warm = self.warm.lock().await;
        if let Some(w) = warm.get_mut(&key) {
            if w.backend.is_alive() && w.worktree == worktree.dir() {
                w.last_used = Instant::now();
                w.running = true;
                return Ok(Lease {
                    backend: w.backend.clone(),
                    hooks: w.hooks.clone(),
                    started: None,
                    prior,
                });
            }
            tracing::warn!(%chat_id, agent, "warm agent is gone; respawning");
            if let Err(e) =
                agent_sessions::set_status(&self.pool, chat_id, agent, AgentSessionStatus::Crashed)
                    .await
            {
                tracing::error!(error = %e, "cannot mark the agent session crashed");
            }
            warm.remove(&key);
        }
        let launch = self
            .providers
            .launch(agent, worktree.dir(), &session_id.to_string())
            .await
            .map_err(|e| e.to_string())?;
        let hooks = Arc::new(Hooks {
            pool: self.pool.clone(),
            project_id,
            agent: agent.to_owned(),
            worktree: worktree.dir().to_path_buf(),
            hub: self.hub.clone(),
            requests: self.requests.clone(),
            turn: Mutex::new(None),
            term: self.term_host(session_id, &launch),
        });
        let (backend, kind, config_hash) = self
            .start_backend(&launch, hooks.clone(), prior.as_ref(), worktree, session_id)
            .await
            .map_err(|e| e.describe())?;
        agent_sessions::started(
            &self.pool,
            &agent_sessions::Started {
                chat_id,
                agent,
                session_id,
                worktree_id: worktree.id,
                backend: backend.kind(),
                agent_session_id: backend.session_id().as_deref(),
                config_hash: &config_hash,
                start_kind: kind.as_str(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let victims = self.take_lru_victims(&mut warm, 1);
        warm.insert(
            key,
            Warm {
                backend: backend.clone(),
                hooks: hooks.clone(),
                worktree: worktree.dir().to_path_buf(),
                last_used: Instant::now(),
                running: true,
            },
        );
        drop(warm);
        self.stop_evicted(victims).await;
        Ok(Lease {
            backend,
            hooks,
            started: Some(kind),
            prior,
        })
    }

    /// The turn on (chat, agent) ended: the agent is idle again, and the pool
    /// shrinks back under its cap if it grew past it while every child was busy.
    pub(super) async fn turn_ended(&self, chat_id: Uuid, agent: &str) {
        let victims = {
            let mut warm = self.warm.lock().await;
            if let Some(w) = warm.get_mut(&(chat_id, agent.to_owned())) {
                w.running = false;
                w.last_used = Instant::now();
            }
            self.take_lru_victims(&mut warm, 0)
        };
        self.stop_evicted(victims).await;
    }

    /// Remove the warm agents to evict so that `incoming` more fit the cap.
    fn take_lru_victims(&self, warm: &mut HashMap<Key, Warm>, incoming: usize) -> Vec<(Key, Warm)> {
        let cap = self.settings.coder.max_warm_agents.max(1);
        let entries: Vec<(Key, Instant, bool)> = warm
            .iter()
            .map(|(k, w)| (k.clone(), w.last_used, w.running))
            .collect();
        let keys = lru_victims(&entries, cap, incoming);
        let busy = entries.len() + incoming - keys.len();
        if busy > cap {
            tracing::warn!(
                cap,
                warm = busy,
                "every warm agent runs a turn: over coder.max_warm_agents until turns end"
            );
        }
        keys.into_iter()
            .filter_map(|k| warm.remove(&k).map(|w| (k, w)))
            .collect()
    }

    /// Stop evicted agents and mark their rows `evicted` (their sessions resume later).
    async fn stop_evicted(&self, gone: Vec<(Key, Warm)>) {
        for ((chat, agent), w) in gone {
            tracing::info!(%chat, agent, "stopping a warm agent (evicted)");
            w.backend.shutdown().await;
            if let Err(e) =
                agent_sessions::set_status(&self.pool, chat, &agent, AgentSessionStatus::Evicted)
                    .await
            {
                tracing::warn!(error = %e, "cannot mark the agent session evicted");
            }
        }
    }

    /// Stop and forget the warm agents of a chat (archived or deleted).
    pub async fn close_chat(
        &self,
        chat_id: Uuid,
        reason: agent_sessions::CloseReason,
    ) -> Result<u32, sqlx::Error> {
        let gone: Vec<Warm> = self
            .warm
            .lock()
            .await
            .extract_if(|(c, _), _| *c == chat_id)
            .map(|(_, w)| w)
            .collect();
        for w in gone {
            w.backend.shutdown().await;
        }
        let n = agent_sessions::close_chat(&self.pool, chat_id, reason).await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Stop agents idle longer than `coder.idle_ttl_secs` (their sessions resume later).
    pub async fn evict_idle(&self) {
        let ttl = Duration::from_secs(self.settings.coder.idle_ttl_secs);
        let gone: Vec<(Key, Warm)> = self
            .warm
            .lock()
            .await
            .extract_if(|_, w| !w.running && w.last_used.elapsed() > ttl)
            .collect();
        self.stop_evicted(gone).await;
    }

    /// Stop every warm agent (daemon shutdown).
    pub async fn shutdown(&self) {
        let all: Vec<Warm> = self.warm.lock().await.drain().map(|(_, w)| w).collect();
        for w in all {
            w.backend.shutdown().await;
        }
        if let Err(e) = agent_sessions::evict_all(&self.pool).await {
            tracing::warn!(error = %e, "cannot mark agent sessions evicted");
        }
    }

    /// Rows claiming a live child (`active`/`idle`) that this process does not
    /// hold become `evicted` (the pool stays locked, so no agent starts meanwhile).
    pub async fn reap_rows(&self) -> Result<u64, sqlx::Error> {
        let warm = self.warm.lock().await;
        let held: Vec<Key> = warm.keys().cloned().collect();
        let n = agent_sessions::evict_unheld(&self.pool, &held).await?;
        drop(warm);
        Ok(n)
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
            .and_then(|w| w.backend.pid())
    }
}

impl super::Runner {
    /// Start the backend of `agent`'s transport for a chat and open its session
    /// (an earlier one picked up when it can be): the backend, how its session
    /// began, and what started it (`agent_sessions.config_hash`).
    pub(super) async fn start_backend(
        &self,
        launch: &Launch,
        hooks: Arc<Hooks>,
        prior: Option<&Prior>,
        worktree: &crate::worktree::Worktree,
        session_id: Uuid,
    ) -> Result<(Arc<dyn Backend>, StartKind, String), TurnError> {
        let agent = hooks.agent.clone();
        let def = self
            .providers
            .definition(&agent)
            .ok_or_else(|| TurnError::agent(format!("no provider {agent:?}"), None))?;
        let hash = launch.command_line.clone();
        match def.transport {
            Transport::Acp => {
                let (backend, kind) =
                    AcpBackend::start(launch, hooks, prior, worktree.dir(), &agent).await?;
                let hash = backend.config_hash.clone();
                Ok((Arc::new(backend), kind, hash))
            }
            Transport::Pty => {
                let (backend, kind) = PtyBackend::new(
                    self.providers.clone(),
                    &def,
                    worktree.dir().to_path_buf(),
                    session_id.to_string(),
                    prior,
                )?;
                Ok((Arc::new(backend), kind, hash))
            }
            Transport::OpencodeServer => {
                let (backend, kind) = self
                    .opencode_backend(hooks, prior, worktree, session_id)
                    .await?;
                Ok((backend, kind, hash))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_least_recently_used_idle_agents_go_first_and_running_ones_never() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        // a: oldest but running; b: oldest idle; c: newer idle.
        let entries = [
            ("a", at(0), true),
            ("b", at(10), false),
            ("c", at(20), false),
        ];
        assert_eq!(lru_victims(&entries, 3, 0), Vec::<&str>::new());
        assert_eq!(lru_victims(&entries, 3, 1), vec!["b"]);
        assert_eq!(lru_victims(&entries, 2, 1), vec!["b", "c"]);
        // Every one running: none goes, whatever the cap.
        let busy = [("a", at(0), true), ("b", at(10), true)];
        assert_eq!(lru_victims(&busy, 1, 1), Vec::<&str>::new());
        // Under the cap: nothing.
        assert_eq!(lru_victims(&entries[..1], 2, 1), Vec::<&str>::new());
    }
}
