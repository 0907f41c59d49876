//! `kill -9` of booterm leaves every shell running; after a restart the browser
//! reattaches to the same shell, and flooding output keeps booterm's memory bounded.

use std::time::Duration;

use boo_testkit::{TestDb, wait_for};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::support::{
    LIMIT, Sandbox, TermWs, create, rss_kib, spawn_binary, wait_for_line, wait_row_exited,
};

#[tokio::test]
async fn kill_9_leaves_the_shell_and_a_restart_reattaches_to_it() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let log = sandbox.dir.path().join("booterm.log");
    let (mut child, base) = spawn_binary(&sandbox, &db, &log).await;
    let t = create(&base, json!({})).await;
    // Nobody attaches to this one.
    let idle = create(&base, json!({})).await;
    let mut ws = TermWs::connect(&base, t.id, "").await;
    ws.send("export BOO_MARK=4\"\"27; echo pid=$$ o\"\"k\r")
        .await;
    ws.until_output(" ok").await;
    let pane_pid = sandbox.pane_format(t.id, "#{pane_pid}");
    assert!(
        ws.text().contains(&format!("pid={pane_pid} ok")),
        "{}",
        ws.text()
    );
    assert_eq!(sandbox.pane_format(t.id, "#{session_attached}"), "1");

    child.start_kill().unwrap(); // SIGKILL, booterm only
    child.wait().await.unwrap();
    ws.until("the socket to drop", |me| me.closed.is_some())
        .await;
    // The PTY master died with booterm: its tmux client hung up. The shell lives on.
    wait_for("the tmux client to go", LIMIT, || async {
        (sandbox.pane_format(t.id, "#{session_attached}") == "0").then_some(())
    })
    .await;
    assert_eq!(sandbox.pane_format(t.id, "#{pane_pid}"), pane_pid);

    let (_child, base) = spawn_binary(&sandbox, &db, &log).await;
    let mut again = TermWs::connect(&base, t.id, "").await;
    assert_eq!(again.hello["terminal"]["status"], json!("live"));
    again.until_output(&format!("pid={pane_pid} ok")).await;
    again.send("echo mark=$BOO_MARK pid=$$\r").await;
    again
        .until_output(&format!("mark=427 pid={pane_pid}"))
        .await;
    // The new booterm watches the shells it found: one that exits ends its
    // terminal at once, though nobody looks at it.
    sandbox.type_line(idle.id, "exit 5");
    assert_eq!(wait_row_exited(&db, idle.id).await, Some(5));
}

/// booterm's resident memory while a terminal floods output stays under this.
const RSS_CAP_MIB: u64 = 64;

#[tokio::test]
async fn flooding_output_keeps_memory_bounded_and_ctrl_c_responsive() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let log = sandbox.dir.path().join("booterm.log");
    let (child, base) = spawn_binary(&sandbox, &db, &log).await;
    let pid = child.id().unwrap();
    // A big window: tmux draws more per update (and drops less) than at 80x24.
    let t = create(&base, json!({"cols": 400, "rows": 150})).await;
    // One browser that never acknowledges, one that keeps up.
    let mut stuck = TermWs::connect(&base, t.id, "").await;
    stuck.auto_ack = false;
    let mut fast = TermWs::connect(&base, t.id, "").await;
    stuck.send("cat /dev/urandom | base64 -w 399\r").await;

    let high = 1024 * 1024;
    let most = high + 256 * 1024 + 64 * 1024 + 64 * 1024; // window + one frame + one chunk + repaint
    // Until the stalled client's window is full, then two seconds more.
    let mut peak = 0;
    let mut more = 8;
    let deadline = tokio::time::Instant::now() + LIMIT;
    while more > 0 && tokio::time::Instant::now() < deadline {
        tokio::join!(
            stuck.drain_for(Duration::from_millis(250)),
            fast.drain_for(Duration::from_millis(250))
        );
        peak = peak.max(rss_kib(pid));
        if stuck.output.len() >= high {
            more -= 1;
        }
    }
    let stuck_got = stuck.output.len();
    assert!(
        (high..=most).contains(&stuck_got),
        "a client that never acks gets the window and no more: {stuck_got} bytes"
    );
    // The stalled client holds nobody else up.
    assert!(
        fast.output.len() > most,
        "the other client keeps streaming: {}",
        fast.output.len()
    );
    assert!(
        peak < RSS_CAP_MIB * 1024,
        "booterm RSS peaked at {peak} KiB"
    );

    // Ctrl-C from the stalled browser still reaches the program.
    stuck.send("\x03").await;
    stuck.send("echo flood\"\"-over\r").await;
    wait_for_line(&base, t.id, "flood-over").await;
    // Acknowledging resumes the stalled client: it catches up with the screen.
    let unacked = stuck.output.len();
    stuck
        .control(json!({"type": "ack", "bytes": unacked}))
        .await;
    stuck.auto_ack = true;
    stuck.until_output("flood-over").await;
}
