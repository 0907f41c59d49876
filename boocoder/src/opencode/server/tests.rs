use pretty_assertions::assert_eq;

use super::*;

#[test]
fn the_url_is_read_from_a_complete_listening_line() {
    assert_eq!(
        listening_url("opencode server listening on http://127.0.0.1:4"),
        None
    );
    assert_eq!(
        listening_url("some log\nopencode server listening on http://127.0.0.1:43121\nmore"),
        Some("http://127.0.0.1:43121".to_owned())
    );
}

fn sh(script: &str) -> Spec {
    // The appended `--port 0 --hostname …` become the script's $1….
    Spec::new("/bin/sh", std::env::temp_dir()).args(["-c", script, "sh"])
}

#[tokio::test]
async fn a_server_that_dies_at_once_fails_the_start_with_its_output() {
    let err = OpencodeServer::start(
        sh("echo \"no config: $1 $2 $3\" >&2; exit 3"),
        &ServerOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "opencode server: exited (exit status: 3) before listening\nopencode output:\nno config: --port 0 --hostname"
    );
}

#[tokio::test]
async fn a_server_that_never_listens_is_killed_after_the_start_timeout() {
    let opts = ServerOptions {
        start_timeout: Duration::from_millis(300),
        stop_grace: Duration::from_millis(300),
        ..ServerOptions::default()
    };
    let started = Instant::now();
    let err = OpencodeServer::start(sh("echo waiting; exec sleep 30"), &opts)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "opencode server: printed no URL within 300ms\nopencode output:\nwaiting"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_supervisor_backs_off_between_failed_starts() {
    let opts = ServerOptions {
        backoff_min: Duration::from_millis(200),
        ..ServerOptions::default()
    };
    let mut sup = Supervisor::new(|| sh("exit 1"), opts);
    assert!(sup.ensure().await.is_err());
    let started = Instant::now();
    assert!(sup.ensure().await.is_err());
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(sup.backoff(), Duration::from_millis(400));
    assert!(sup.current().is_none());
}
