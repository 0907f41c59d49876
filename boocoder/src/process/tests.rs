use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::Duration;

use pretty_assertions::assert_eq;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;

fn sh(script: &str, cwd: &Path) -> Spec {
    Spec::new("/bin/sh", cwd).arg("-c").arg(script)
}

/// Running, i.e. present in /proc and not a zombie waiting for its reaper.
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .unwrap_or("Z");
    state != "Z" && state != "X"
}

/// Polls /proc until `pid` is gone, for at most `limit`.
async fn gone_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

async fn read_line(lines: &mut tokio::io::Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("line within 10 s")
        .expect("read stdout")
        .expect("a line before EOF")
}

#[tokio::test]
async fn spawn_piped_uses_cwd_env_and_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = sh(
        r#"pwd; echo "foo=$FOO home=${HOME:-unset}"; exec cat"#,
        dir.path(),
    )
    .env("FOO", "bar")
    .clear_env(true);
    let (mut child, mut stdin, stdout) = Child::spawn_piped(&spec).unwrap();
    stdin.write_all(b"ping\n").await.unwrap();
    drop(stdin);
    let mut lines = BufReader::new(stdout).lines();
    let mut got = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        got.push(line);
    }
    let status = child.wait().await.unwrap();
    let cwd = dir.path().canonicalize().unwrap().display().to_string();
    assert_eq!(
        got,
        vec![cwd, "foo=bar home=unset".to_owned(), "ping".to_owned()]
    );
    assert_eq!(status.code(), Some(0));
    assert_eq!(child.pid(), None);
    assert_eq!(child.try_exited(), Some(status));
}

#[tokio::test]
async fn the_child_leads_its_own_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _stdin, stdout) =
        Child::spawn_piped(&sh("ps -o pgid= -p $$; exec sleep 1000", dir.path())).unwrap();
    let pid = child.pid().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert_eq!(read_line(&mut lines).await.trim(), pid.to_string());
    assert_ne!(
        rustix::process::getpgrp().as_raw_pid().to_string(),
        pid.to_string()
    );
    child.shutdown(Duration::from_millis(300)).await.unwrap();
}

#[tokio::test]
async fn shutdown_escalates_to_sigkill_for_a_child_ignoring_int_and_term() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"trap '' INT TERM; echo ready; while :; do sleep 0.05; done"#;
    let (mut child, _stdin, stdout) = Child::spawn_piped(&sh(script, dir.path())).unwrap();
    let pid = child.pid().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert_eq!(read_line(&mut lines).await, "ready");

    let started = Instant::now();
    let status = child.shutdown(Duration::from_millis(300)).await.unwrap();
    assert_eq!(status.signal(), Some(9));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!alive(pid));
    // Idempotent: a second call sweeps again and reports the same status.
    assert_eq!(
        child.shutdown(Duration::from_millis(300)).await.unwrap(),
        status
    );
}

#[tokio::test]
async fn shutdown_stops_a_cooperative_child_with_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _stdin, stdout) =
        Child::spawn_piped(&sh("echo ready; exec sleep 1000", dir.path())).unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert_eq!(read_line(&mut lines).await, "ready");
    let started = Instant::now();
    let status = child.shutdown(Duration::from_secs(3)).await.unwrap();
    assert_eq!(status.signal(), Some(2));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn shutdown_kills_grandchildren_that_outlive_the_leader() {
    let dir = tempfile::tempdir().unwrap();
    // The leader dies on SIGINT; the grandchild ignores INT and TERM and must be
    // swept with SIGKILL through the group.
    let script = r#"(trap '' INT TERM; exec sleep 1000) & echo $!; wait"#;
    let (mut child, _stdin, stdout) = Child::spawn_piped(&sh(script, dir.path())).unwrap();
    let leader = child.pid().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let grandchild: u32 = read_line(&mut lines).await.parse().unwrap();
    assert!(alive(grandchild));

    child.shutdown(Duration::from_millis(300)).await.unwrap();
    assert!(!alive(leader));
    assert!(gone_within(grandchild, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn drop_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let (child, _stdin, stdout) =
        Child::spawn_piped(&sh("sleep 1000 & echo $!; wait", dir.path())).unwrap();
    let leader = child.pid().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let grandchild: u32 = read_line(&mut lines).await.parse().unwrap();
    drop(child);
    assert!(gone_within(leader, Duration::from_secs(5)).await);
    assert!(gone_within(grandchild, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn run_output_collects_stdout_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_output(
        &sh("echo out; echo err >&2; exit 3", dir.path()),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(
        (out.status.code(), out.stdout, out.stderr),
        (Some(3), b"out\n".to_vec(), b"err\n".to_vec())
    );
}

#[tokio::test]
async fn run_checked_names_program_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_checked(
        &sh("echo 'fatal: nope' >&2; exit 128", dir.path()),
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "/bin/sh: exited with exit status: 128; stderr: fatal: nope"
    );
}

#[tokio::test]
async fn run_output_timeout_kills_the_group_and_reports_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!(
        "echo 'starting up' >&2; sleep 1000 & echo $! > {}; wait",
        pidfile.display()
    );
    let started = Instant::now();
    let err = run_output(&sh(&script, dir.path()), Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        "/bin/sh: timed out after 0.5s and was killed; stderr: starting up"
    );
    let grandchild: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(gone_within(grandchild, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn spawn_errors_name_the_program() {
    let err = run_output(
        &Spec::new("/nonexistent/agent", "/"),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "/nonexistent/agent: cannot start (cwd /): No such file or directory (os error 2)"
    );
    let err = Child::spawn_piped(&Spec::new("/bin/true", "/nonexistent-dir")).unwrap_err();
    assert!(matches!(err, ProcessError::Spawn { ref program, .. } if program == "/bin/true"));
}

#[tokio::test]
async fn stderr_tail_is_bounded_and_keeps_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let script = "head -c 100000 /dev/zero | tr '\\0' a >&2; printf END >&2; exec cat";
    let (mut child, stdin, _stdout) = Child::spawn_piped(&sh(script, dir.path())).unwrap();
    drop(stdin);
    child.wait().await.unwrap();
    child.shutdown(Duration::ZERO).await.unwrap();
    let expected = format!("{TRUNCATED_MARK}{}END", "a".repeat(STDERR_TAIL_BYTES - 3));
    assert_eq!(child.stderr_tail(), expected);
}

#[test]
fn ring_drops_the_oldest_bytes_and_split_characters() {
    let ring = OutputTail::new(8);
    ring.push(b"abc");
    assert_eq!(ring.tail(), "abc");
    // "é" is two bytes; the cut falls between them.
    ring.push("é1234567".as_bytes());
    assert_eq!(ring.bytes().len(), 8);
    assert_eq!(ring.tail(), format!("{TRUNCATED_MARK}1234567"));
    ring.push(&[b'q'; 20]);
    assert_eq!(ring.tail(), format!("{TRUNCATED_MARK}qqqqqqqq"));
}

#[tokio::test]
async fn the_child_outlives_the_thread_that_asked_for_it() {
    // PR_SET_PDEATHSIG fires when the forking *thread* exits; the spawner thread
    // keeps children alive when the calling thread retires.
    let dir = tempfile::tempdir().unwrap();
    let handle = tokio::runtime::Handle::current();
    let spec = Spec::new("/bin/cat", dir.path());
    let (mut child, mut stdin, stdout) = std::thread::spawn(move || {
        let _rt = handle.enter();
        Child::spawn_piped(&spec).unwrap()
    })
    .join()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stdin.write_all(b"still here\n").await.unwrap();
    let mut lines = BufReader::new(stdout).lines();
    assert_eq!(read_line(&mut lines).await, "still here");
    child.shutdown(Duration::from_millis(300)).await.unwrap();
}

const HELPER_ENV: &str = "BOO_TEST_PDEATHSIG_PIDFILE";

/// Not a test on its own: the body of the helper parent that
/// `the_child_dies_with_its_parent` re-executes and then kills.
#[test]
#[ignore = "helper process for the_child_dies_with_its_parent"]
fn pdeathsig_helper() {
    let Some(pidfile) = std::env::var_os(HELPER_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (child, _stdin, _stdout) =
            Child::spawn_piped(&Spec::new("/bin/sleep", "/").arg("1000")).unwrap();
        std::fs::write(&pidfile, child.pid().unwrap().to_string()).unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
}

#[tokio::test]
async fn the_child_dies_with_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let test_name = format!(
        "{}::pdeathsig_helper",
        module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, rest)| rest)
    );
    let mut helper = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            test_name.as_str(),
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, &pidfile)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    let child_pid: u32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.parse().ok())
        {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "the helper never reported its child"
        );
        assert_eq!(helper.try_wait().unwrap(), None, "the helper exited early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(alive(child_pid));

    helper.kill().unwrap(); // SIGKILL: no destructor, no shutdown code runs
    helper.wait().unwrap();
    assert!(
        gone_within(child_pid, Duration::from_secs(5)).await,
        "child {child_pid} survived its parent"
    );
}

/// A writer the test's subscriber logs into.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// `(line, task_id)` of each logged stderr line of a child, from the JSON.
    fn agent_lines(&self) -> Vec<(String, String)> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["target"] == "boocoder::agent")
            .map(|v| {
                (
                    v["fields"]["line"].as_str().unwrap_or_default().to_owned(),
                    v["span"]["task_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

/// An agent's stderr can be followed in the JSON logs: each line is logged in the
/// span of the turn that started it (the README's `jq` line relies on it), and
/// is still kept in the tail.
#[tokio::test]
async fn a_childs_stderr_lines_are_logged_in_the_span_it_was_started_in() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(captured.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let dir = tempfile::tempdir().unwrap();
    let span = tracing::info_span!("task", task_id = "t-1");
    let (mut child, _stdin, _stdout) = {
        let _entered = span.enter();
        Child::spawn_piped(&sh("echo one >&2; printf two >&2", dir.path())).unwrap()
    };
    assert!(child.wait().await.unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while captured.agent_lines().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        captured.agent_lines(),
        [
            ("one".to_owned(), "t-1".to_owned()),
            ("two".to_owned(), "t-1".to_owned())
        ]
    );
    assert_eq!(child.stderr_tail(), "one\ntwo");
}
