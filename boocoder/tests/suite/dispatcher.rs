//! The dispatcher against real Postgres with a scripted executor.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use boo_testkit::{TestDb, wait_for};
use boocoder::dispatcher::store::{self, NewTask};
use boocoder::dispatcher::{Dispatcher, Executor, Options, Outcome, Task};
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const LIMIT: Duration = Duration::from_secs(15);

/// Reports each task it starts and holds it until released (or cancelled).
struct Scripted {
    started: mpsc::UnboundedSender<Task>,
    release: Arc<Notify>,
    hold: bool,
    seen_cancel: Arc<Mutex<Vec<Uuid>>>,
}

#[async_trait::async_trait]
impl Executor for Scripted {
    async fn run(&self, task: Task, cancel: CancellationToken) -> Outcome {
        let id = task.id;
        let _ = self.started.send(task);
        if self.hold {
            tokio::select! {
                () = self.release.notified() => {}
                () = cancel.cancelled() => {
                    self.seen_cancel.lock().unwrap().push(id);
                    return Outcome::Cancelled { reason: "stopped".into() };
                }
            }
        }
        Outcome::Completed {
            summary: Some(format!("done {id}")),
        }
    }
}

struct Fx {
    _db: TestDb,
    pool: PgPool,
    project: Uuid,
    started: mpsc::UnboundedReceiver<Task>,
    release: Arc<Notify>,
    seen_cancel: Arc<Mutex<Vec<Uuid>>>,
    dispatcher: Arc<Dispatcher>,
    stop: CancellationToken,
}

async fn fx(hold: bool, opts: Options) -> Fx {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project: Uuid =
        sqlx::query_scalar("INSERT INTO projects (name, path) VALUES ('p', $1) RETURNING id")
            .bind(dir.path().to_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let release = Arc::new(Notify::new());
    let seen_cancel = Arc::new(Mutex::new(Vec::new()));
    let exec = Arc::new(Scripted {
        started: tx,
        release: release.clone(),
        hold,
        seen_cancel: seen_cancel.clone(),
    });
    let dispatcher = Dispatcher::new(pool.clone(), exec, opts);
    Fx {
        _db: db,
        pool,
        project,
        started: rx,
        release,
        seen_cancel,
        dispatcher,
        stop: CancellationToken::new(),
    }
}

impl Fx {
    async fn session(&self) -> Uuid {
        sqlx::query_scalar("INSERT INTO sessions (project_id) VALUES ($1) RETURNING id")
            .bind(self.project)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn submit(&self, session: Option<Uuid>, prompt: &str) -> Task {
        store::submit(
            &self.pool,
            &NewTask {
                project_id: self.project,
                session_id: session,
                agent: "fake",
                prompt,
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }

    async fn next_started(&mut self) -> Task {
        tokio::time::timeout(LIMIT, self.started.recv())
            .await
            .expect("a task starts")
            .unwrap()
    }

    async fn status(&self, id: Uuid) -> (String, Option<String>, Option<String>) {
        sqlx::query_as("SELECT status, error, output_summary FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn wait_status(&self, id: Uuid, want: &str) -> (String, Option<String>, Option<String>) {
        wait_for(&format!("task {id} to be {want}"), LIMIT, || async {
            let s = self.status(id).await;
            (s.0 == want).then_some(s)
        })
        .await
    }
}

#[tokio::test]
async fn notify_wakes_the_dispatcher_without_waiting_for_the_poll() {
    // A poll far longer than the test limit: only NOTIFY can wake it.
    let mut f = fx(
        false,
        Options {
            poll: Duration::from_secs(600),
            ..Options::default()
        },
    )
    .await;
    f.dispatcher.spawn(f.stop.clone());
    tokio::time::sleep(Duration::from_millis(200)).await; // let LISTEN subscribe
    let s = f.session().await;
    let t = f.submit(Some(s), "hello").await;
    assert_eq!(f.next_started().await.id, t.id);
    let got = f.wait_status(t.id, "completed").await;
    assert_eq!(
        got,
        ("completed".into(), None, Some(format!("done {}", t.id)))
    );
    f.stop.cancel();
}

#[tokio::test]
async fn one_turn_at_a_time_per_session_but_sessions_run_in_parallel() {
    let mut f = fx(true, Options::default()).await;
    let (s1, s2) = (f.session().await, f.session().await);
    let a1 = f.submit(Some(s1), "a1").await;
    let a2 = f.submit(Some(s1), "a2").await;
    let b1 = f.submit(Some(s2), "b1").await;
    f.dispatcher.spawn(f.stop.clone());
    let first = f.next_started().await;
    let second = f.next_started().await;
    let mut got = vec![first.id, second.id];
    got.sort();
    let mut want = vec![a1.id, b1.id];
    want.sort();
    assert_eq!(got, want, "a2 must wait for a1");
    assert_eq!(f.status(a2.id).await.0, "queued");
    // Release one; a2 only starts after a1 finished.
    f.release.notify_waiters();
    let third = f.next_started().await;
    assert_eq!(third.id, a2.id);
    assert_eq!(f.status(a1.id).await.0, "completed");
    f.release.notify_waiters();
    f.wait_status(a2.id, "completed").await;
    f.stop.cancel();
}

#[tokio::test]
async fn cancel_stops_running_and_queued_tasks() {
    let mut f = fx(true, Options::default()).await;
    let s = f.session().await;
    let running = f.submit(Some(s), "long").await;
    let queued = f.submit(Some(s), "next").await;
    f.dispatcher.spawn(f.stop.clone());
    assert_eq!(f.next_started().await.id, running.id);
    assert!(f.dispatcher.cancel(queued.id).await.unwrap());
    assert_eq!(
        f.wait_status(queued.id, "cancelled").await,
        (
            "cancelled".into(),
            Some("cancelled before it started".into()),
            None
        )
    );
    assert!(f.dispatcher.cancel(running.id).await.unwrap());
    assert_eq!(
        f.wait_status(running.id, "cancelled").await.1.as_deref(),
        Some("stopped")
    );
    assert_eq!(*f.seen_cancel.lock().unwrap(), vec![running.id]);
    assert!(
        !f.dispatcher.cancel(running.id).await.unwrap(),
        "nothing left to cancel"
    );
    f.stop.cancel();
}

#[tokio::test]
async fn tasks_of_a_dead_worker_are_rescued() {
    let mut f = fx(false, Options::default()).await;
    let s1 = f.session().await;
    let s2 = f.session().await;
    let chat: Uuid = sqlx::query_scalar("INSERT INTO chats (session_id) VALUES ($1) RETURNING id")
        .bind(s2)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    // Two tasks a dead worker on another host left running, heartbeats long gone.
    let quiet = f.submit(Some(s1), "never said anything").await;
    let talked = store::submit(
        &f.pool,
        &NewTask {
            project_id: f.project,
            session_id: Some(s2),
            chat_id: Some(chat),
            agent: "fake",
            prompt: "said things",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    sqlx::query("UPDATE tasks SET status = 'running', claimed_by = 'elsewhere:1:x', attempts = 1, heartbeat_at = now() - interval '1 hour' WHERE id = ANY($1)")
        .bind(vec![quiet.id, talked.id])
        .execute(&f.pool)
        .await
        .unwrap();
    let msg: Uuid = sqlx::query_scalar("INSERT INTO messages (chat_id, role, status, content, task_id) VALUES ($1, 'assistant', 'streaming', 'partial', $2) RETURNING id")
        .bind(chat)
        .bind(talked.id)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    f.dispatcher.spawn(f.stop.clone());
    // The quiet one is requeued and runs again; the one with output fails with a reason.
    assert_eq!(f.next_started().await.id, quiet.id);
    let done = f.wait_status(quiet.id, "completed").await;
    assert_eq!(done.0, "completed");
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM tasks WHERE id = $1")
        .bind(quiet.id)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 2);
    let failed = f.status(talked.id).await;
    assert_eq!(
        failed,
        ("failed".into(), Some("the boocoder running this task died (heartbeat lost); not retried because it had already produced output".into()), None)
    );
    let (status, content): (String, String) =
        sqlx::query_as("SELECT status, content FROM messages WHERE id = $1")
            .bind(msg)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), content.as_str()),
        ("cancelled", "partial")
    );
    f.stop.cancel();
}

#[tokio::test]
async fn a_restart_on_the_same_host_rescues_at_once() {
    let f = fx(false, Options::default()).await;
    let s = f.session().await;
    let t = f.submit(Some(s), "x").await;
    // Claimed a moment ago by an earlier boocoder on this host (fresh heartbeat).
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    sqlx::query("UPDATE tasks SET status = 'running', claimed_by = $2, attempts = 1 WHERE id = $1")
        .bind(t.id)
        .bind(format!("{}:99999:old", host.trim()))
        .execute(&f.pool)
        .await
        .unwrap();
    f.dispatcher.spawn(f.stop.clone());
    f.wait_status(t.id, "completed").await;
    f.stop.cancel();
}

#[tokio::test]
async fn a_worker_that_dies_while_we_run_is_rescued_by_the_periodic_sweep() {
    let mut f = fx(
        false,
        Options {
            stale: Duration::from_millis(500),
            ..Options::default()
        },
    )
    .await;
    f.dispatcher.spawn(f.stop.clone());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Another host's worker claimed this task (it never was queued here) and went silent.
    let s = f.session().await;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO tasks (project_id, session_id, agent, prompt, status, claimed_by, attempts, heartbeat_at)
         VALUES ($1, $2, 'fake', 'orphan', 'running', 'elsewhere:2:y', 1, now() - interval '1 minute') RETURNING id",
    )
    .bind(f.project)
    .bind(s)
    .fetch_one(&f.pool)
    .await
    .unwrap();
    let t = store::get(&f.pool, id).await.unwrap().unwrap();
    let done = f.wait_status(t.id, "completed").await;
    assert_eq!(done.0, "completed");
    while let Ok(task) = f.started.try_recv() {
        assert_eq!(task.id, t.id);
    }
    f.stop.cancel();
}
