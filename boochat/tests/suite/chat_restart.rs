//! kill -9 in the middle of a stream: after a restart nothing is left `streaming`
//! and what was persisted stays.

use std::time::Duration;

use boo_shared::chat::{MessageStatus, MessageWindow};
use boo_shared::config::DaemonKind;
use boo_testkit::fake_llm::{FakeLlm, Reply};
use boo_testkit::process::DaemonBinary;
use boo_testkit::workspace::free_port;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::fixture::{LIMIT, get, post};

const BIN: &str = env!("CARGO_BIN_EXE_boochat");

/// The real boochat on `http`, its model server at `llm`.
async fn spawn(db: &str, llm: &str, http: u16) -> tokio::process::Child {
    DaemonBinary::new(BIN, DaemonKind::Chat, db)
        .env("BOO_LLM__BASE_URL", llm)
        .http_port(http)
        .start()
        .await
        .child
}

#[tokio::test]
async fn kill_9_mid_stream_leaves_nothing_streaming_after_restart() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("persisted before the kill").hang());
    let db = boo_testkit::TestDb::create().await;
    let http = reqwest::Client::new();
    let port = free_port();
    let mut child = spawn(&db.url, &llm.base_url(), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .canonicalize()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let project: serde_json::Value = post(
        &http,
        &format!("{base}/api/projects"),
        json!({"name": "p", "path": path}),
        201,
    )
    .await;
    let session: serde_json::Value = post(
        &http,
        &format!("{base}/api/sessions"),
        json!({"project_id": project["id"]}),
        201,
    )
    .await;
    let chat: serde_json::Value = post(
        &http,
        &format!(
            "{base}/api/sessions/{}/chats",
            session["id"].as_str().unwrap()
        ),
        json!({}),
        201,
    )
    .await;
    let chat_id = chat["id"].as_str().unwrap().to_owned();
    let acc: serde_json::Value = post(
        &http,
        &format!("{base}/api/chats/{chat_id}/messages"),
        json!({"content": "go"}),
        202,
    )
    .await;
    let reply = acc["assistant_message_id"].as_str().unwrap().to_owned();
    // Wait until the streamed text is persisted (batched flushes), then kill -9.
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    boo_testkit::wait_for("text persisted", LIMIT, || async {
        let c: Option<String> = sqlx::query_scalar(
            "SELECT content FROM messages WHERE id = $1::uuid AND status = 'streaming'",
        )
        .bind(&reply)
        .fetch_optional(&pool)
        .await
        .unwrap();
        (c.as_deref() == Some("persisted before the kill")).then_some(())
    })
    .await;
    child.start_kill().unwrap(); // SIGKILL
    child.wait().await.unwrap();

    let port2 = free_port();
    let _child2 = spawn(&db.url, &llm.base_url(), port2).await;
    let w: MessageWindow = get(
        &http,
        &format!("http://127.0.0.1:{port2}/api/chats/{chat_id}/messages"),
    )
    .await;
    let answer = &w.items[1];
    assert_eq!(
        (
            answer.status,
            answer.content.as_str(),
            answer.error.as_deref()
        ),
        (
            MessageStatus::Cancelled,
            "persisted before the kill",
            Some("interrupted: boochat stopped while this message was streaming")
        )
    );
    assert_eq!(
        answer.parts[0].content.as_deref(),
        Some("persisted before the kill")
    );
    let streaming: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages WHERE status = 'streaming'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(streaming, 0);
    // The chat works again.
    llm.push(Reply::text("back"));
    let acc: serde_json::Value = post(
        &http,
        &format!("http://127.0.0.1:{port2}/api/chats/{chat_id}/messages"),
        json!({"content": "again"}),
        202,
    )
    .await;
    assert_eq!(acc["queued"], false);
    tokio::time::sleep(Duration::from_millis(10)).await;
}
