//! The task dispatcher (CODER-1): claims queued tasks with `FOR UPDATE SKIP LOCKED`,
//! wakes on `LISTEN tasks_new` with a bounded poll fallback, runs many sessions at
//! once but one turn at a time per session, heartbeats running tasks, and rescues
//! tasks a dead worker left behind.

pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boo_shared::metrics::Outcomes;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

pub use store::{NewTask, Outcome, Task};

/// Runs one claimed task to its end.
#[async_trait::async_trait]
pub trait Executor: Send + Sync + 'static {
    async fn run(&self, task: Task, cancel: CancellationToken) -> Outcome;
}

#[derive(Clone, Debug)]
pub struct Options {
    pub max_concurrent: usize,
    /// Poll interval when no NOTIFY arrives (covers a lost LISTEN connection).
    pub poll: Duration,
    pub heartbeat: Duration,
    /// A running task whose heartbeat is older than this belongs to a dead worker.
    pub stale: Duration,
    pub max_attempts: i32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_concurrent: 4,
            poll: Duration::from_secs(2),
            heartbeat: Duration::from_secs(5),
            stale: Duration::from_secs(30),
            max_attempts: 2,
        }
    }
}

pub struct Dispatcher {
    pool: PgPool,
    worker: String,
    host_prefix: String,
    executor: Arc<dyn Executor>,
    opts: Options,
    running: Mutex<HashMap<Uuid, CancellationToken>>,
    wake: Notify,
    tasks: TaskTracker,
    /// Finished tasks by outcome (`boo_coder_tasks_total`).
    pub outcomes: Outcomes,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}

impl Dispatcher {
    pub fn new(pool: PgPool, executor: Arc<dyn Executor>, opts: Options) -> Arc<Self> {
        let host_prefix = format!("{}:", hostname());
        let worker = format!(
            "{host_prefix}{}:{}",
            std::process::id(),
            Uuid::new_v4().simple()
        );
        Arc::new(Self {
            pool,
            worker,
            host_prefix,
            executor,
            opts,
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            tasks: TaskTracker::new(),
            outcomes: Outcomes::with(&["completed", "failed", "cancelled"]),
        })
    }

    pub fn worker_id(&self) -> &str {
        &self.worker
    }

    /// Rescue what a dead worker left, then run the claim loop until `stop`.
    pub fn spawn(self: &Arc<Self>, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            match store::rescue(
                &this.pool,
                &this.worker,
                Some(&this.host_prefix),
                this.opts.stale,
                this.opts.max_attempts,
            )
            .await
            {
                Ok(r) if r == store::Rescued::default() => {}
                Ok(r) => tracing::warn!(?r, "rescued tasks left by a dead worker"),
                Err(e) => tracing::error!(error = %e, "task rescue failed"),
            }
            this.claim_loop(stop).await;
        })
    }

    fn in_flight(&self) -> usize {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    async fn listener(&self) -> Option<PgListener> {
        let mut l = PgListener::connect_with(&self.pool).await.ok()?;
        l.listen("tasks_new").await.ok()?;
        Some(l)
    }

    async fn claim_loop(self: Arc<Self>, stop: CancellationToken) {
        let mut listener = self.listener().await;
        let mut last_rescue = tokio::time::Instant::now();
        loop {
            // Claim while there is room.
            while self.in_flight() < self.opts.max_concurrent && !stop.is_cancelled() {
                match store::claim(&self.pool, &self.worker).await {
                    Ok(Some(task)) => self.start(task),
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming a task failed");
                        break;
                    }
                }
            }
            if last_rescue.elapsed() >= self.opts.stale {
                last_rescue = tokio::time::Instant::now();
                if let Err(e) = store::rescue(
                    &self.pool,
                    &self.worker,
                    None,
                    self.opts.stale,
                    self.opts.max_attempts,
                )
                .await
                {
                    tracing::warn!(error = %e, "periodic rescue failed");
                }
            }
            let notified = async {
                match listener.as_mut() {
                    Some(l) => l.recv().await.map(|_| ()),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stop.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.opts.poll) => {
                    if listener.is_none() {
                        listener = self.listener().await;
                    }
                }
                r = notified => {
                    if let Err(e) = r {
                        tracing::warn!(error = %e, "LISTEN connection lost; polling until it is back");
                        listener = None;
                    }
                }
            }
        }
    }

    fn start(self: &Arc<Self>, task: Task) {
        let cancel = CancellationToken::new();
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(task.id, cancel.clone());
        let this = self.clone();
        let span = tracing::info_span!(
            "task",
            task_id = %task.id,
            session_id = task.session_id.map(tracing::field::display),
            chat_id = task.chat_id.map(tracing::field::display),
            agent = %task.agent,
        );
        self.tasks.spawn(tracing::Instrument::instrument(
            async move {
                let id = task.id;
                let beat = {
                    let pool = this.pool.clone();
                    let every = this.opts.heartbeat;
                    async move {
                        let mut tick = tokio::time::interval(every);
                        loop {
                            tick.tick().await;
                            if let Err(e) = store::heartbeat(&pool, id).await {
                                tracing::warn!(error = %e, task_id = %id, "heartbeat failed");
                            }
                        }
                    }
                };
                let outcome = tokio::select! {
                    o = this.executor.run(task, cancel) => o,
                    () = beat => unreachable_outcome(),
                };
                this.outcomes.inc(match &outcome {
                    Outcome::Completed { .. } => "completed",
                    Outcome::Failed { .. } => "failed",
                    Outcome::Cancelled { .. } => "cancelled",
                });
                if let Err(e) = store::finish(&this.pool, id, &outcome).await {
                    tracing::error!(error = %e, task_id = %id, "cannot record the task outcome");
                }
                this.running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                // A slot (and maybe the session) is free again.
                this.wake.notify_one();
            },
            span,
        ));
    }

    /// Cancel a task: a running one through its executor, a queued one at once.
    pub async fn cancel(&self, id: Uuid) -> Result<bool, sqlx::Error> {
        let token = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned();
        match token {
            Some(t) => {
                t.cancel();
                Ok(true)
            }
            None => {
                let cancelled = store::cancel_queued(&self.pool, id).await?;
                if cancelled {
                    self.outcomes.inc("cancelled");
                }
                Ok(cancelled)
            }
        }
    }

    /// Cancel everything running and wait (bounded) for the outcomes to be written.
    pub async fn shutdown(&self, limit: Duration) {
        for t in self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            t.cancel();
        }
        self.tasks.close();
        if tokio::time::timeout(limit, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("tasks did not finish within {limit:?}; the next start rescues them");
        }
    }
}

/// The heartbeat loop never ends; this keeps the select's types aligned.
fn unreachable_outcome() -> Outcome {
    Outcome::Failed {
        error: "heartbeat loop ended".into(),
    }
}
