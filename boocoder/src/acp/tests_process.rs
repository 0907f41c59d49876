//! Process tests: boocoder's client against the real `boo-fake-acp` binary
//! (found by `boo_testkit::fake_acp::binary()`: `$BOO_FAKE_ACP`, or next to the
//! test binary after `cargo build -p boo-testkit --bin boo-fake-acp`).

use std::sync::Arc;
use std::time::Duration;

use boo_testkit::fake_acp;
use pretty_assertions::assert_eq;
use tokio::sync::mpsc;

use super::tests::{Answer, TestHooks, text, turn};
use super::*;
use crate::process::Spec;

fn spec(hooks: &TestHooks, args: &[&str]) -> Spec {
    Spec {
        program: fake_acp::binary().into(),
        args: args.iter().map(Into::into).collect(),
        cwd: hooks.root.clone(),
        env: vec![],
        clear_env: false,
    }
}

async fn start(hooks: &Arc<TestHooks>, args: &[&str]) -> (Connection, String) {
    let conn = Connection::spawn(&spec(hooks, args), hooks.clone())
        .await
        .unwrap();
    conn.initialize().await.unwrap();
    let session = conn.new_session(&hooks.root).await.unwrap();
    // Let the commands announced after session/new land before any turn starts.
    assert_eq!(
        conn.wait_for_commands(&session.id, Duration::from_secs(10))
            .await
            .len(),
        2
    );
    (conn, session.id)
}

fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_prompts_reuse_the_child_and_the_session() {
    let hooks = TestHooks::new();
    let (conn, session) = start(&hooks, &[]).await;
    let pid = conn.pid().unwrap();
    let (first, events) = turn(&conn, &session, "pid\nsay /\nsession").await;
    assert_eq!(first.unwrap(), StopReason::EndTurn);
    assert_eq!(text(&events), format!("{pid}/{session}"));
    let (second, events) = turn(&conn, &session, "pid\nsay /\nsession").await;
    assert_eq!(second.unwrap(), StopReason::EndTurn);
    assert_eq!(text(&events), format!("{pid}/{session}"));
    assert!(conn.is_alive());
    conn.shutdown().await;
    assert!(!process_exists(pid), "agent {pid} survived shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_slow_keeps_the_child() {
    let hooks = TestHooks::new();
    let (conn, session) = start(&hooks, &[]).await;
    let (tx, mut rx) = mpsc::channel(16);
    let (result, ()) = tokio::join!(
        conn.prompt(&session, "say started\nslow 60000\nsay never", tx),
        async {
            assert_eq!(rx.recv().await, Some(AgentEvent::Text("started".into())));
            conn.cancel(&session).await.unwrap();
        }
    );
    assert_eq!(result.unwrap(), StopReason::Cancelled);
    assert!(conn.is_alive());
    let (result, events) = turn(&conn, &session, "say again").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "again".to_owned())
    );
    conn.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_fails_the_prompt_with_the_stderr_tail() {
    let hooks = TestHooks::new();
    let (conn, session) = start(&hooks, &["--stderr", "fake agent booting"]).await;
    let (result, _events) = turn(&conn, &session, "say bye\ncrash").await;
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent exited (exit status: 3) during session/prompt; agent stderr:\nfake agent booting\nboo-fake-acp: crashing as asked"
    );
    assert_eq!(
        err.stderr_tail(),
        Some("fake agent booting\nboo-fake-acp: crashing as asked\n")
    );
    assert!(!conn.is_alive());
    assert_eq!(
        conn.stderr_tail(),
        "fake agent booting\nboo-fake-acp: crashing as asked\n"
    );
    // A request on the dead connection fails the same way, at once.
    let err = conn.new_session(&hooks.root).await.unwrap_err();
    assert!(err.is_exit(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_round_trip_and_confined_writes() {
    let hooks = TestHooks::new();
    *hooks.answer.lock().unwrap() = Answer::Select("reject_once");
    let (conn, session) = start(&hooks, &[]).await;
    let (result, events) = turn(
        &conn,
        &session,
        "ask\nwrite ok.txt fine\nwrite ../../etc/evil x",
    )
    .await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    assert_eq!(
        text(&events),
        "permission: reject_oncewrote ok.txterror: refused: path \"../../etc/evil\" escapes the project root; \
         file access is confined to the session worktree"
    );
    assert_eq!(
        std::fs::read_to_string(hooks.root.join("ok.txt")).unwrap(),
        "fine"
    );
    assert_eq!(hooks.permissions.lock().unwrap().len(), 1);
    conn.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_initialize_reports_the_exit() {
    let hooks = TestHooks::new();
    let conn = Connection::spawn(&spec(&hooks, &["--fail-initialize"]), hooks.clone())
        .await
        .unwrap();
    let err = conn.initialize().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent exited (exit status: 1) during initialize; agent stderr:\nboo-fake-acp: failing initialize as asked"
    );
    assert!(!conn.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_program_is_a_spawn_error() {
    let hooks = TestHooks::new();
    let mut spec = spec(&hooks, &[]);
    spec.program = "/nonexistent/agent".into();
    let err = Connection::spawn(&spec, hooks.clone()).await.unwrap_err();
    assert!(matches!(err, AcpError::Spawn { .. }), "{err}");
    assert!(
        err.to_string().starts_with("cannot start the agent: "),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_connection_kills_the_child() {
    let hooks = TestHooks::new();
    let (conn, _session) = start(&hooks, &[]).await;
    let pid = conn.pid().unwrap();
    drop(conn);
    // kill_on_drop: the child is killed at once and reaped in the background.
    boo_testkit::wait_for(
        "the dropped agent to die",
        Duration::from_secs(10),
        || async { (!process_exists(pid)).then_some(()) },
    )
    .await;
}
