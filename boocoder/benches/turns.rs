//! Warm vs cold turn overhead with the scripted ACP agent: the time from
//! `POST …/messages` to the task's `completed`, for the first turn of a chat
//! (spawn + `initialize` + `session/new` + prompt) and for later turns of the same
//! chat (prompt on the warm child). Run with `deploy/bench` (needs
//! `cargo build -p boo-testkit --bin boo-fake-acp`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::time::{Duration, Instant};

use boo_shared::config::AuthMode;
use boo_testkit::workspace::{Catalog, catalog, fake_acp_providers, git_repo, new_chat};
use boo_testkit::{RunningDaemon, TestDb};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

async fn turn(
    http: &reqwest::Client,
    d: &RunningDaemon,
    pool: &PgPool,
    session: Uuid,
    chat: Uuid,
) -> Duration {
    let t0 = Instant::now();
    let acc: Value = http
        .post(d.url(&format!("/api/sessions/{session}/chats/{chat}/messages")))
        .json(&json!({"content": "say ok", "provider": "fake"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = Uuid::parse_str(acc["task_id"].as_str().unwrap()).unwrap();
    loop {
        let s: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
            .bind(task)
            .fetch_one(pool)
            .await
            .unwrap();
        if s == "completed" {
            return t0.elapsed();
        }
        if s != "queued" && s != "running" {
            let e: Option<String> = sqlx::query_scalar("SELECT error FROM tasks WHERE id = $1")
                .bind(task)
                .fetch_one(pool)
                .await
                .unwrap();
            panic!("task ended {s}: {e:?}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir(&project).unwrap();
    git_repo(&project);
    let providers = dir.path().join("providers.toml");
    fake_acp_providers(&providers);
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = AuthMode::None;
    settings.log.level = "warn".into();
    settings.coder.providers_file = Some(providers);
    settings.coder.worktree_root = dir.path().join("wt");
    let d = RunningDaemon::spawn(settings, boocoder::run).await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let Catalog { session, .. } = catalog(&pool, &project).await;
    let http = reqwest::Client::new();
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let chat = new_chat(&pool, session).await;
        cold.push(turn(&http, &d, &pool, session, chat).await);
        for _ in 0..3 {
            warm.push(turn(&http, &d, &pool, session, chat).await);
        }
    }
    d.stop().await.unwrap();
    let ms = |v: &mut Vec<Duration>| {
        v.sort();
        (
            v[v.len() / 2].as_secs_f64() * 1e3,
            v[v.len() - 1].as_secs_f64() * 1e3,
        )
    };
    let (c50, cmax) = ms(&mut cold);
    let (w50, wmax) = ms(&mut warm);
    println!("| turn (POST → task completed, scripted agent) | p50 | max |");
    println!("|---|---|---|");
    println!(
        "| cold: first turn of a chat (spawn, initialize, session/new, prompt), 10 turns | {c50:.1} ms | {cmax:.1} ms |"
    );
    println!("| warm: later turns on the same child, 30 turns | {w50:.1} ms | {wmax:.1} ms |");
}
