//! The WebSocket byte stream (TERM-2) against real tmux: typing, resizing,
//! reconnect repaint, several viewers, read-only, exit, flow control.

use std::time::Duration;

use boo_testkit::TestDb;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::support::{Sandbox, TermWs, call, create, spawn, wait_for_line};

#[tokio::test]
async fn typed_commands_run_and_their_output_streams_back() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    let t = create(&base, json!({"cols": 90, "rows": 20, "title": "build"})).await;

    let mut ws = TermWs::connect(&base, t.id, "").await;
    let hello = ws.hello.clone();
    assert_eq!(
        (
            &hello["readonly"],
            &hello["terminal"]["id"],
            &hello["terminal"]["title"]
        ),
        (&json!(false), &json!(t.id), &json!("build"))
    );
    assert_eq!(
        hello["flow"],
        json!({"high": 1024 * 1024, "low": 256 * 1024, "ack_every": 64 * 1024})
    );
    // The quotes keep the typed echo from matching: only the output has "hello world".
    ws.send("echo hello\"\" world\r").await;
    ws.until_output("hello world").await;
    // The shell started where the config said, as the configured shell.
    ws.send("echo \"cwd=$PWD\"\r").await;
    ws.until_output(&format!("cwd={}", sandbox.work().display()))
        .await;
    // The terminal records the attach.
    let (_, body) = call(
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert!(body["last_attached_at"].is_string(), "{body}");
    assert_eq!(body["attached_clients"], json!(1));
    ws.close().await;
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_resize_reaches_the_program() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    let t = create(&base, json!({})).await;
    let mut ws = TermWs::connect(&base, t.id, "?cols=100&rows=30").await;
    ws.send("echo size=$(tput cols)x$(tput lines)\r").await;
    ws.until_output("size=100x30").await;
    ws.control(json!({"type": "resize", "cols": 132, "rows": 43}))
        .await;
    // The new size travels PTY → tmux client → tmux server → pane; ask until it arrived.
    for _ in 0..50 {
        ws.send("echo size=$(tput cols)x$(tput lines)\r").await;
        ws.drain_for(Duration::from_millis(200)).await;
        if ws.text().contains("size=132x43") {
            break;
        }
    }
    ws.until_output("size=132x43").await;
    let (_, body) = call(
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!((&body["cols"], &body["rows"]), (&json!(132), &json!(43)));
    // A bad size is refused with an error frame; the stream goes on.
    ws.control(json!({"type": "resize", "cols": 0, "rows": 43}))
        .await;
    ws.control(json!({"type": "shout"})).await;
    ws.until("two error frames", |me| {
        me.texts.iter().filter(|t| t["type"] == "error").count() == 2
    })
    .await;
    let codes: Vec<&Value> = ws.texts.iter().map(|t| &t["code"]).collect();
    assert_eq!(
        codes,
        [&json!("invalid_message"), &json!("invalid_message")]
    );
    ws.send("echo still\"\"here\r").await;
    ws.until_output("stillhere").await;
    daemon.stop().await.unwrap();
}
