//! kill -9 of boocoder mid-turn: no agent process survives, and the next start
//! leaves no task `running` and no message `streaming`.

use std::time::Duration;

use boo_shared::config::DaemonKind;
use boo_testkit::process::DaemonBinary;
use boo_testkit::workspace::{
    Catalog, alive, catalog, fake_acp_providers, free_port, git_repo, host_pid,
};
use boo_testkit::{TestDb, wait_for};
use pretty_assertions::assert_eq;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_boocoder");
const LIMIT: Duration = Duration::from_secs(30);

/// The real boocoder on `http`, with its providers file and worktree root.
async fn spawn(
    db: &str,
    providers: &std::path::Path,
    wt: &std::path::Path,
    http: u16,
) -> tokio::process::Child {
    DaemonBinary::new(BIN, DaemonKind::Coder, db)
        .env("BOO_CODER__PROVIDERS_FILE", providers)
        .env("BOO_CODER__WORKTREE_ROOT", wt)
        .http_port(http)
        .start()
        .await
        .child
}

#[tokio::test]
async fn kill_9_leaves_no_agent_process_and_nothing_running_after_restart() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git_repo(&project);
    let providers = dir.path().join("providers.toml");
    fake_acp_providers(&providers);
    let wt = dir.path().join("wt");
    let pool = PgPool::connect(&db.url).await.unwrap();
    let port = free_port();
    let mut child = spawn(&db.url, &providers, &wt, port).await;
    let Catalog { session, chat, .. } = catalog(&pool, &project).await;
    let http = reqwest::Client::new();
    let acc: serde_json::Value = http
        .post(format!(
            "http://127.0.0.1:{port}/api/sessions/{session}/chats/{chat}/messages"
        ))
        .json(&json!({"content": "pid\nslow 60000", "provider": "fake"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = Uuid::parse_str(acc["task_id"].as_str().unwrap()).unwrap();
    // The agent said its pid and is now sleeping inside the turn. boocoder runs
    // with its defaults, so the agent is inside bwrap and says its pid in its own
    // pid namespace: find it on the host by that and its private HOME.
    let reported: u32 = wait_for("the agent's pid", LIMIT, || async {
        let c: Option<String> =
            sqlx::query_scalar("SELECT content FROM messages WHERE task_id = $1")
                .bind(task)
                .fetch_optional(&pool)
                .await
                .unwrap();
        c.and_then(|c| c.trim().parse().ok())
    })
    .await;
    let home = format!(
        "HOME={}",
        wt.canonicalize()
            .unwrap()
            .join(".homes/fake")
            .join(session.to_string())
            .display()
    );
    let agent_pid = host_pid(reported, &home).unwrap_or_else(|| panic!("no agent with {home}"));
    assert_ne!(
        agent_pid, reported,
        "the agent runs in its own pid namespace"
    );
    assert!(alive(agent_pid));
    child.start_kill().unwrap(); // SIGKILL: no cleanup code runs
    child.wait().await.unwrap();
    wait_for("the agent to die with its parent", LIMIT, || async {
        (!alive(agent_pid)).then_some(())
    })
    .await;

    let _again = spawn(&db.url, &providers, &wt, free_port()).await;
    let (status, error): (String, Option<String>) =
        wait_for("the dead turn to be rescued", LIMIT, || async {
            let r: (String, Option<String>) =
                sqlx::query_as("SELECT status, error FROM tasks WHERE id = $1")
                    .bind(task)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            (r.0 != "running").then_some(r)
        })
        .await;
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("it had already produced output"));
    let streaming: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE status = 'streaming'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(streaming, 0);
}
