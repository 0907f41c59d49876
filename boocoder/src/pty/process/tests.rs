use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use super::*;

fn sh(script: &str) -> PtySpec {
    PtySpec::new(["sh", "-c", script], std::env::temp_dir())
}

/// Everything the CLI printed, until nobody holds the terminal any more.
async fn collect(proc: &mut PtyProcess) -> String {
    let mut output = proc.take_output().unwrap();
    let mut all = Vec::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), output.recv())
        .await
        .expect("output within 10 s")
    {
        all.extend(chunk);
    }
    String::from_utf8_lossy(&all).into_owned()
}

async fn gone_within(sid: Pid, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if session_members(sid).is_empty() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn runs_on_a_terminal_in_its_own_session_and_reports_the_exit() {
    let mut proc = PtyProcess::spawn(
        &sh("test -t 1 && echo tty; echo \"$TERM $BOO_X\"; read -r _ </dev/null; exit 3")
            .env("BOO_X", "x1"),
    )
    .unwrap();
    let pid = Pid::from_raw(i32::try_from(proc.pid()).unwrap()).unwrap();
    assert_eq!(proc.pgid, pid);
    let out = collect(&mut proc).await;
    // The terminal turns "\n" into "\r\n".
    assert_eq!(out, "tty\r\nxterm-256color x1\r\n");
    assert_eq!(
        proc.wait().await,
        PtyExit {
            code: 3,
            signal: None
        }
    );
    assert_eq!(proc.tail(), "tty\nxterm-256color x1\n");
    assert!(proc.group_gone());
}

#[tokio::test]
async fn the_child_leads_its_session() {
    let mut proc = PtyProcess::spawn(&PtySpec::new(["sleep", "600"], "/")).unwrap();
    let pid = Pid::from_raw(i32::try_from(proc.pid()).unwrap()).unwrap();
    assert_eq!(session_members(pid), vec![pid]);
    let _ = proc.take_output();
    let exit = proc.stop(Duration::from_secs(3)).await;
    assert_eq!(exit.signal.as_deref(), Some("Interrupt"));
    assert!(session_members(pid).is_empty());
}

#[tokio::test]
async fn stop_escalates_to_sigkill_for_the_whole_group() {
    // Ignored signals stay ignored in the `sleep` children too.
    let mut proc = PtyProcess::spawn(&sh(
        "trap '' INT TERM; sleep 600 & sleep 600 & echo ready; wait",
    ))
    .unwrap();
    let pid = Pid::from_raw(i32::try_from(proc.pid()).unwrap()).unwrap();
    let mut output = proc.take_output().unwrap();
    let mut seen = String::new();
    while !seen.contains("ready") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), output.recv())
            .await
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(session_members(pid).len(), 3);
    let started = Instant::now();
    let exit = proc.stop(Duration::from_millis(600)).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(exit.signal.as_deref(), Some("Killed"));
    assert!(session_members(pid).is_empty());
    assert!(proc.drained(Duration::from_secs(2)).await);
}

#[tokio::test]
async fn dropping_it_kills_the_session() {
    let proc = PtyProcess::spawn(&sh("sleep 600 & sleep 600")).unwrap();
    let pid = Pid::from_raw(i32::try_from(proc.pid()).unwrap()).unwrap();
    drop(proc);
    assert!(gone_within(pid, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_missing_program_is_a_spawn_error() {
    let err = PtyProcess::spawn(&PtySpec::new(["/nonexistent/cli"], "/")).unwrap_err();
    assert!(
        matches!(&err, SpawnError::Spawn { program, .. } if program == "/nonexistent/cli"),
        "{err}"
    );
    assert!(matches!(
        PtyProcess::spawn(&PtySpec::new(Vec::<String>::new(), "/")),
        Err(SpawnError::EmptyArgv)
    ));
}

#[test]
fn the_tail_keeps_the_last_bytes() {
    let tail = OutputTail::new(8);
    tail.push(b"abc");
    assert_eq!(screen_tail(&tail), "abc");
    tail.push(b"\x1b[1mdefghij\x1b[0m");
    // The last 8 bytes are "ghij\x1b[0m": the escape is stripped.
    assert_eq!(
        screen_tail(&tail),
        format!("{}ghij", crate::process::TRUNCATED_MARK)
    );
}
