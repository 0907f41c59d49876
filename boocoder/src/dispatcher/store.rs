//! Task rows: submit, claim, heartbeat, finish, rescue, and the task list the API
//! shows.

use boo_shared::catalog::constraint;
use boo_shared::coder::{TaskInfo, TaskStatus};
use boo_shared::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres};
use uuid::Uuid;

/// A task as the dispatcher and executors see it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Task {
    pub id: Uuid,
    pub project_id: Uuid,
    pub session_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
    pub agent: String,
    pub mode_id: Option<String>,
    pub model: Option<String>,
    pub prompt: String,
    pub status: TaskStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, project_id, session_id, chat_id, agent, mode_id, model, prompt, status, attempts, created_at";

/// What a new task asks for.
#[derive(Clone, Debug, Default)]
pub struct NewTask<'a> {
    pub project_id: Uuid,
    pub session_id: Option<Uuid>,
    pub chat_id: Option<Uuid>,
    pub agent: &'a str,
    pub mode_id: Option<&'a str>,
    pub model: Option<&'a str>,
    pub prompt: &'a str,
}

/// Queue a task and return its row; the `tasks_new` trigger wakes the dispatchers
/// (at commit, when `db` is a transaction). An agent id outside the provider-id
/// rule is `Invalid` (`unknown_provider`), a chat that does not exist `NotFound`.
pub async fn submit<'e, E: sqlx::Executor<'e, Database = Postgres>>(
    db: E,
    t: &NewTask<'_>,
) -> Result<Task, StoreError> {
    sqlx::query_as::<_, Task>(&format!(
        "INSERT INTO tasks (project_id, session_id, chat_id, agent, mode_id, model, prompt)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(t.project_id)
    .bind(t.session_id)
    .bind(t.chat_id)
    .bind(t.agent)
    .bind(t.mode_id)
    .bind(t.model)
    .bind(t.prompt)
    .fetch_one(db)
    .await
    .map_err(|e| match constraint(&e) {
        Some("tasks_agent_chk") => StoreError::invalid("unknown_provider", "invalid provider id"),
        Some("tasks_chat_id_fkey") => StoreError::not_found("no such chat"),
        Some("tasks_session_id_fkey") => StoreError::not_found("no such session"),
        _ => e.into(),
    })
}

/// Whether the session has a task queued, running or waiting on a card.
pub async fn in_flight_in_session(pool: &PgPool, session_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tasks WHERE session_id = $1
                          AND status IN ('queued', 'running', 'blocked'))",
    )
    .bind(session_id)
    .fetch_one(pool)
    .await
}

/// The session's tasks queued, running or waiting on a card, oldest first.
pub async fn ids_in_flight(pool: &PgPool, session_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM tasks WHERE session_id = $1
           AND status IN ('queued', 'running', 'blocked') ORDER BY created_at, id",
    )
    .bind(session_id)
    .fetch_all(pool)
    .await
}

/// How many of the session's tasks run (or wait on a card) right now.
pub async fn count_running(pool: &PgPool, session_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE session_id = $1 AND status IN ('running', 'blocked')",
    )
    .bind(session_id)
    .fetch_one(pool)
    .await
}

/// A task as the API lists it.
#[derive(sqlx::FromRow)]
struct InfoRow {
    id: Uuid,
    session_id: Option<Uuid>,
    chat_id: Option<Uuid>,
    agent: String,
    mode_id: Option<String>,
    model: Option<String>,
    status: TaskStatus,
    error: Option<String>,
    output_summary: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
}

impl From<InfoRow> for TaskInfo {
    fn from(r: InfoRow) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            chat_id: r.chat_id,
            agent: r.agent,
            mode_id: r.mode_id,
            model: r.model,
            status: r.status,
            error: r.error,
            output_summary: r.output_summary,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

const INFO_COLUMNS: &str = "id, session_id, chat_id, agent, mode_id, model, status, error, \
     output_summary, created_at, started_at, finished_at";

/// The session's newest `limit` tasks, newest first.
pub async fn list_info(
    pool: &PgPool,
    session_id: Uuid,
    limit: i64,
) -> Result<Vec<TaskInfo>, StoreError> {
    let rows = sqlx::query_as::<_, InfoRow>(&format!(
        "SELECT {INFO_COLUMNS} FROM tasks WHERE session_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(session_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(TaskInfo::from).collect())
}

/// One task as the API shows it; `NotFound` when there is none.
pub async fn info(pool: &PgPool, id: Uuid) -> Result<TaskInfo, StoreError> {
    sqlx::query_as::<_, InfoRow>(&format!("SELECT {INFO_COLUMNS} FROM tasks WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(TaskInfo::from)
        .ok_or_else(|| StoreError::not_found(format!("no task {id}")))
}

/// Claim the oldest queued task whose session has no turn in flight. `None`
/// when there is nothing to claim (or another dispatcher won the race).
pub async fn claim(pool: &PgPool, worker: &str) -> Result<Option<Task>, sqlx::Error> {
    let claimed = sqlx::query_as::<_, Task>(&format!(
        "UPDATE tasks SET status = 'running', claimed_by = $1, claimed_at = clock_timestamp(),
             heartbeat_at = clock_timestamp(), attempts = attempts + 1
         WHERE id = (
             SELECT t.id FROM tasks t
             WHERE t.status = 'queued'
               AND (t.session_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM tasks r
                    WHERE r.session_id = t.session_id AND r.status IN ('running', 'blocked')))
             ORDER BY t.created_at, t.id
             FOR UPDATE SKIP LOCKED
             LIMIT 1)
         RETURNING {COLUMNS}"
    ))
    .bind(worker)
    .fetch_optional(pool)
    .await;
    match claimed {
        // Two dispatchers picked different queued tasks of one session at once: the
        // one-active-per-session index lets only one through; the other retries later.
        Err(sqlx::Error::Database(db))
            if db.constraint() == Some("tasks_one_active_per_session_key") =>
        {
            Ok(None)
        }
        other => other,
    }
}

pub async fn heartbeat(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tasks SET heartbeat_at = clock_timestamp() WHERE id = $1 AND status IN ('running', 'blocked')")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The running task waits for the owner (a permission or elicitation card): it is
/// `blocked`, with what the owner must do, until [`unblock`] (or it ends). The
/// `human_inbox` view lists it.
pub async fn block(pool: &PgPool, id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET status = 'blocked', blocked_reason = $2 WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// The owner answered: the task runs again.
pub async fn unblock(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET status = 'running', blocked_reason = NULL WHERE id = $1 AND status = 'blocked'",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The owner has seen a failed task: it leaves the inbox. `None` when there is no
/// such task, `Some(false)` when it did not fail.
pub async fn dismiss(pool: &PgPool, id: Uuid) -> Result<Option<bool>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE tasks SET inbox_dismissed_at = coalesce(inbox_dismissed_at, clock_timestamp())
         WHERE id = $1 AND status = 'failed'",
    )
    .bind(id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Some(true));
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tasks WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(exists.then_some(false))
}

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Completed { summary: Option<String> },
    Failed { error: String },
    Cancelled { reason: String },
}

pub async fn finish(pool: &PgPool, id: Uuid, outcome: &Outcome) -> Result<(), sqlx::Error> {
    let (status, error, summary) = match outcome {
        Outcome::Completed { summary } => (TaskStatus::Completed, None, summary.as_deref()),
        Outcome::Failed { error } => (TaskStatus::Failed, Some(error.as_str()), None),
        Outcome::Cancelled { reason } => (TaskStatus::Cancelled, Some(reason.as_str()), None),
    };
    sqlx::query(
        "UPDATE tasks SET status = $2, error = $3, output_summary = $4 WHERE id = $1 AND status IN ('running', 'blocked', 'queued')",
    )
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(summary)
    .execute(pool)
    .await?;
    Ok(())
}

/// Cancel a task that has not started yet. True when it was queued.
pub async fn cancel_queued(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE tasks SET status = 'cancelled', error = 'cancelled before it started' WHERE id = $1 AND status = 'queued'")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Task>, sqlx::Error> {
    sqlx::query_as::<_, Task>(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What a rescue did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rescued {
    pub requeued: u64,
    pub failed: u64,
    pub messages_finalised: u64,
}

/// Tasks left `running`/`blocked` by a dead worker (heartbeat older than `stale`, or
/// claimed by an earlier run of this host's boocoder) are requeued when they never
/// produced output and had fewer than `max_attempts`, otherwise failed with a reason.
/// Their streaming messages are finalised either way.
///
/// `host_prefix` (`"<host>:"`): one boocoder runs per host, so any other claim
/// from this host is a dead earlier run, however fresh its heartbeat.
pub async fn rescue(
    pool: &PgPool,
    worker: &str,
    host_prefix: Option<&str>,
    stale: std::time::Duration,
    max_attempts: i32,
) -> Result<Rescued, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let stale_secs = stale.as_secs_f64();
    let dead: Vec<(Uuid, i32, bool)> = sqlx::query_as(
        "SELECT t.id, t.attempts,
                EXISTS (SELECT 1 FROM messages m WHERE m.task_id = t.id AND (m.content <> '' OR
                        EXISTS (SELECT 1 FROM message_parts p WHERE p.message_id = m.id))) AS produced
         FROM tasks t
         WHERE t.status IN ('running', 'blocked')
           AND (t.claimed_by IS DISTINCT FROM $1)
           AND (t.heartbeat_at IS NULL
                OR t.heartbeat_at < clock_timestamp() - make_interval(secs => $2)
                OR ($3::text IS NOT NULL AND starts_with(t.claimed_by, $3)))
         FOR UPDATE SKIP LOCKED",
    )
    .bind(worker)
    .bind(stale_secs)
    .bind(host_prefix)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Rescued::default();
    for (id, attempts, produced) in dead {
        let finalised = sqlx::query(
            "UPDATE messages SET status = 'cancelled', finished_at = clock_timestamp(),
                error = coalesce(error, 'interrupted: the boocoder running this turn died')
             WHERE task_id = $1 AND status = 'streaming'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        out.messages_finalised += finalised.rows_affected();
        if !produced && attempts < max_attempts {
            sqlx::query("UPDATE tasks SET status = 'queued' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            out.requeued += 1;
        } else {
            sqlx::query(
                "UPDATE tasks SET status = 'failed',
                    error = 'the boocoder running this task died (heartbeat lost); not retried because '
                        || CASE WHEN $2 THEN 'it had already produced output' ELSE 'it had no attempts left' END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(produced)
            .execute(&mut *tx)
            .await?;
            out.failed += 1;
        }
    }
    tx.commit().await?;
    Ok(out)
}
