//! The real `boochat` binary under systemd socket activation: HTTP on the Unix
//! socket handed over as fd 3 (by `systemd-socket-activate`, systemd's own tool for
//! this, which sets LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES the way a `.socket` unit
//! does), identity believed there, and clear start-up errors for bad LISTEN_* values.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use boo_shared::error::ErrorBody;
use boo_testkit::TestDb;
use boo_testkit::workspace::free_port;
use pretty_assertions::assert_eq;

const BIN: &str = env!("CARGO_BIN_EXE_boochat");
const ACTIVATE: &str = "systemd-socket-activate";

use boo_testkit::process::command as clean;

fn over(socket: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .unix_socket(socket)
        .build()
        .unwrap()
}

async fn get(
    client: &reqwest::Client,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut req = client.get(format!("http://localhost{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = tokio::time::timeout(Duration::from_secs(60), req.send())
        .await
        .expect("an answer within 60s")
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

fn error(message: &str, code: &str) -> serde_json::Value {
    serde_json::to_value(ErrorBody {
        error: message.into(),
        code: code.into(),
        details: None,
    })
    .unwrap()
}

#[tokio::test]
async fn serves_on_the_activated_socket_and_believes_identity_there() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("boochat.sock");
    let unused_http = free_port();
    // Production auth: authelia, no TCP peer trusted. systemd-socket-activate passes
    // on only PATH, HOME, USER and TERM of its own environment; the rest is --setenv.
    let mut child = clean(ACTIVATE)
        .arg(format!("--listen={}", socket.display()))
        .arg("--fdname=boochat.socket")
        .arg(format!("--setenv=BOO_DATABASE__URL={}", db.url))
        .arg(format!(
            "--setenv=BOO_CHAT__HTTP_ADDR=127.0.0.1:{unused_http}"
        ))
        .arg(format!(
            "--setenv=BOO_CHAT__GRPC_ADDR=127.0.0.1:{}",
            free_port()
        ))
        .arg("--setenv=BOO_SHUTDOWN_GRACE_SECS=5")
        .arg(BIN)
        .arg("serve")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    boo_testkit::wait_for("the activation socket", Duration::from_secs(10), || {
        let exists = socket.exists();
        async move { exists.then_some(()) }
    })
    .await;
    let client = over(&socket);
    // The first connection makes systemd-socket-activate exec the daemon.
    let (status, health) = get(&client, "/healthz", &[]).await;
    assert_eq!(
        (status, health),
        (
            200,
            serde_json::json!({"status": "ok", "version": boo_shared::VERSION, "db": "ok"})
        )
    );
    let alice = [
        ("Remote-User", "alice"),
        ("Remote-Groups", "admins,dev"),
        ("Remote-Email", "alice@example.com"),
        ("Remote-Name", "Alice"),
        ("X-Forwarded-For", "203.0.113.9"),
    ];
    assert_eq!(
        get(&client, "/api/whoami", &alice).await,
        (
            200,
            serde_json::json!({
                "daemon": "boochat",
                "user": "alice",
                "groups": ["admins", "dev"],
                "email": "alice@example.com",
                "name": "Alice",
            })
        )
    );
    assert_eq!(
        get(&client, "/api/whoami", &[]).await,
        (
            401,
            error(
                "no authenticated user: the request did not come through the auth proxy",
                "unauthenticated"
            )
        )
    );
    // A local scraper that can open the socket reads /metrics; what Caddy forwards
    // cannot.
    let (status, _) = get(&client, "/metrics", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        get(&client, "/metrics", &[("X-Forwarded-For", "203.0.113.9")]).await,
        (
            403,
            error(
                "/metrics is served only to a scraper on this host, not through a proxy",
                "metrics_local_only"
            )
        )
    );
    // chat.http_addr is not bound: HTTP is the socket only.
    assert!(
        reqwest::get(format!("http://127.0.0.1:{unused_http}/healthz"))
            .await
            .is_err()
    );

    // systemd-socket-activate exec'd the daemon: the child is boochat itself.
    let pid = child.id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Run `cmd` to its end: (exit code, stderr's last line).
async fn failed_start(mut cmd: tokio::process::Command) -> (Option<i32>, String) {
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("exits within 30s")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default().to_owned();
    (out.status.code(), last)
}

#[tokio::test]
async fn bad_listen_variables_stop_the_start_with_a_clear_message() {
    let mut not_a_number = clean(BIN);
    not_a_number
        .arg("serve")
        .env("LISTEN_FDS", "one")
        .env("LISTEN_PID", "1");
    assert_eq!(
        failed_start(not_a_number).await,
        (
            Some(78),
            "boochat: LISTEN_FDS=\"one\" is not a number of sockets".into()
        )
    );

    let mut someone_elses = clean(BIN);
    someone_elses
        .arg("serve")
        .env("LISTEN_FDS", "1")
        .env("LISTEN_PID", "1");
    let child = someone_elses.spawn().unwrap();
    let pid = child.id().unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim_end().to_owned()
        ),
        (
            Some(78),
            format!(
                "boochat: LISTEN_PID=1 is not this process ({pid}): the sockets were handed \
                 to another process"
            )
        )
    );

    // The right pid (the shell execs the daemon), but fd 3 is a file.
    let mut a_file = clean("sh");
    a_file
        .arg("-c")
        .arg("LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" serve 3</dev/null")
        .arg(BIN);
    assert_eq!(
        failed_start(a_file).await,
        (
            Some(78),
            "boochat: fd 3 from systemd is not usable as the HTTP listener: fd 3 is not a socket"
                .into()
        )
    );

    // Two sockets: the daemon takes exactly one.
    let mut two = clean("sh");
    two.arg("-c")
        .arg("LISTEN_PID=$$ LISTEN_FDS=2 exec \"$0\" serve")
        .arg(BIN);
    assert_eq!(
        failed_start(two).await,
        (
            Some(78),
            "boochat: LISTEN_FDS=2: the daemon serves HTTP on exactly one socket-activated \
             socket; give its .socket unit a single ListenStream="
                .into()
        )
    );
}

#[tokio::test]
async fn a_datagram_socket_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("boochat.sock");
    let child = clean(ACTIVATE)
        .arg("--datagram")
        .arg(format!("--listen={}", socket.display()))
        .arg(BIN)
        .arg("serve")
        .spawn()
        .unwrap();
    boo_testkit::wait_for("the activation socket", Duration::from_secs(10), || {
        let exists = socket.exists();
        async move { exists.then_some(()) }
    })
    .await;
    // A datagram makes systemd-socket-activate exec the daemon.
    let sender = std::os::unix::net::UnixDatagram::unbound().unwrap();
    sender.send_to(b"x", &socket).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        (out.status.code(), stderr.lines().last().unwrap_or_default()),
        (
            Some(78),
            "boochat: fd 3 from systemd is not usable as the HTTP listener: \
             fd 3 is not a valid unix stream socket"
        ),
        "{stderr}"
    );
}
