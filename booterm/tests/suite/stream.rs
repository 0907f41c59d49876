//! The WebSocket byte stream (TERM-2) against real tmux: typing, resizing,
//! reconnect repaint, several viewers, read-only, exit, flow control.

use std::time::Duration;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::support::{TermWs, call, create, start, wait_for_line};

#[tokio::test]
async fn typed_commands_run_and_their_output_streams_back() {
    let env = start().await;
    let (base, sandbox) = (env.base.clone(), &env.sandbox);
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
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert!(body["last_attached_at"].is_string(), "{body}");
    assert_eq!(body["attached_clients"], json!(1));
    ws.close().await;
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_resize_reaches_the_program() {
    let env = start().await;
    let base = env.base.clone();
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
        &reqwest::Client::new(),
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
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_reconnect_repaints_the_screen_and_recent_scrollback_first() {
    let env = start().await;
    let base = env.base.clone();
    let t = create(&base, json!({"cols": 80, "rows": 24})).await;
    let mut ws = TermWs::connect(&base, t.id, "").await;
    ws.send("for i in $(seq 1 200); do echo row-$i; done; echo mark\"\"er-$((6*7))\r")
        .await;
    ws.until_output("marker-42").await;
    ws.close().await;

    // Nothing typed yet: what arrives is the repaint (scrollback, then the screen).
    let mut again = TermWs::connect(&base, t.id, "").await;
    again
        .until("the repaint", |me| {
            me.text().contains("marker-42") && me.text().contains("row-1\r\n")
        })
        .await;
    let text = again.text();
    let first = text.find("row-1\r\n").unwrap();
    let last = text.find("row-200").unwrap();
    assert!(first < last, "scrollback comes before the screen");
    // The shell is the same one, still usable.
    again.send("echo back\"\"again\r").await;
    again.until_output("backagain").await;
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn several_viewers_see_the_same_output_and_read_only_ones_cannot_type() {
    let env = start().await;
    let base = env.base.clone();
    let t = create(&base, json!({})).await;
    let mut writer = TermWs::connect(&base, t.id, "").await;
    let mut viewer = TermWs::connect(&base, t.id, "?readonly=1").await;
    assert_eq!(viewer.hello["readonly"], json!(true));

    viewer.send("echo should\"\"not\r").await;
    viewer
        .control(json!({"type": "resize", "cols": 20, "rows": 5}))
        .await;
    writer
        .send("echo seen\"\"-by-both; echo size=$(tput cols)\r")
        .await;
    writer.until_output("seen-by-both").await;
    viewer.until_output("seen-by-both").await;
    // The viewer's keys never reached the shell, nor did its size shrink the window.
    let snap = wait_for_line(&base, t.id, "seen-by-both").await;
    assert!(!snap.contains("should"), "{snap}");
    writer.until_output("size=80").await;
    let (_, body) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!(body["attached_clients"], json!(2));
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn when_the_program_exits_the_socket_says_so_and_closes() {
    let env = start().await;
    let base = env.base.clone();
    let t = create(&base, json!({})).await;
    let mut ws = TermWs::connect(&base, t.id, "").await;
    ws.send("exit 3\r").await;
    ws.until("the close", |me| me.closed.is_some()).await;
    let exits: Vec<&Value> = ws.texts.iter().filter(|t| t["type"] == "exit").collect();
    assert_eq!(
        (exits, ws.closed),
        (vec![&json!({"type": "exit", "exit_code": 3})], Some(1000))
    );
    let (_, body) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!(
        (&body["status"], &body["exit_code"]),
        (&json!("exited"), &json!(3))
    );
    // Killed through the API while a browser watches: the same goodbye, no code.
    let other = create(&base, json!({})).await;
    let mut watcher = TermWs::connect(&base, other.id, "?readonly=1").await;
    let (status, _) = call(
        &reqwest::Client::new(),
        reqwest::Method::DELETE,
        &format!("{base}/api/terminals/{}", other.id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    watcher.until("the close", |me| me.closed.is_some()).await;
    assert_eq!(
        (watcher.texts.last(), watcher.closed),
        (
            Some(&json!({"type": "exit", "exit_code": null})),
            Some(1000)
        )
    );
    // An ended terminal is refused before any upgrade.
    let (status, body) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals/{}/ws", t.id),
        None,
    )
    .await;
    assert_eq!((status, &body["code"]), (409, &json!("terminal_exited")));
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_stopping_daemon_closes_sockets_as_going_away_and_leaves_the_shell() {
    let env = start().await;
    let (base, sandbox) = (env.base.clone(), &env.sandbox);
    let t = create(&base, json!({})).await;
    let mut ws = TermWs::connect(&base, t.id, "").await;
    ws.send("echo pid=$$\r").await;
    ws.until_output("pid=").await;
    let pane_pid = sandbox.pane_format(t.id, "#{pane_pid}");
    env.daemon.stop().await.unwrap();
    ws.until("the close", |me| me.closed.is_some()).await;
    assert_eq!(ws.closed, Some(1001));
    assert_eq!(sandbox.pane_format(t.id, "#{pane_pid}"), pane_pid);
    assert_eq!(sandbox.pane_format(t.id, "#{session_attached}"), "0");
}
