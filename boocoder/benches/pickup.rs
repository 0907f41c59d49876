//! Task pickup latency: from the INSERT of a queued task (committed) to the
//! executor starting it, through `NOTIFY tasks_new` and the SKIP LOCKED claim.
//! Run with `deploy/bench`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::sync::Arc;
use std::time::{Duration, Instant};

use boocoder::dispatcher::store::{self, NewTask};
use boocoder::dispatcher::{Dispatcher, Executor, Options, Outcome, Task};
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct Report(mpsc::UnboundedSender<(Uuid, Instant)>);

#[async_trait::async_trait]
impl Executor for Report {
    async fn run(&self, task: Task, _cancel: CancellationToken) -> Outcome {
        let _ = self.0.send((task.id, Instant::now()));
        Outcome::Completed { summary: None }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let db = boo_testkit::TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    let project: Uuid =
        sqlx::query_scalar("INSERT INTO projects (name, path) VALUES ('b', '/tmp') RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // A poll far longer than any pickup: every pickup below comes from NOTIFY.
    let d = Dispatcher::new(
        pool.clone(),
        Arc::new(Report(tx)),
        Options {
            poll: Duration::from_secs(600),
            ..Options::default()
        },
    );
    let stop = CancellationToken::new();
    d.spawn(stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut lat = Vec::new();
    for _ in 0..300 {
        let session: Uuid =
            sqlx::query_scalar("INSERT INTO sessions (project_id) VALUES ($1) RETURNING id")
                .bind(project)
                .fetch_one(&pool)
                .await
                .unwrap();
        let t0 = Instant::now();
        let t = store::submit(
            &pool,
            &NewTask {
                project_id: project,
                session_id: Some(session),
                agent: "bench",
                prompt: "x",
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (id, at) = rx.recv().await.unwrap();
        assert_eq!(id, t.id);
        lat.push(at.duration_since(t0));
    }
    stop.cancel();
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| task pickup (INSERT → executor start), 300 tasks | p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms |",
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() * 99 / 100]),
        ms(*lat.last().unwrap())
    );
}
