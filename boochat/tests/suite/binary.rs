//! The real `boochat` binary: config errors, sd_notify, SIGTERM.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use boo_testkit::TestDb;
use boo_testkit::workspace::free_port;
use pretty_assertions::assert_eq;

const BIN: &str = env!("CARGO_BIN_EXE_boochat");

fn command() -> tokio::process::Command {
    boo_testkit::process::command(BIN)
}

#[tokio::test]
async fn auth_none_on_a_public_bind_exits_78_with_a_clear_message() {
    let out = command()
        .arg("serve")
        .env("BOO_AUTH__MODE", "none")
        .env("BOO_CHAT__HTTP_ADDR", "0.0.0.0:0")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "boochat: auth.mode = \"none\" is only allowed when every listener is loopback, but \
         chat.http_addr is 0.0.0.0:0; bind it to 127.0.0.1 or set auth.mode = \"authelia\""
    );
}

#[tokio::test]
async fn a_typo_in_the_config_file_exits_78_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boo.toml");
    std::fs::write(&path, "[auth]\nmoed = \"none\"\n").unwrap();
    let out = command()
        .arg("serve")
        .env("BOO_CONFIG", &path)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("moed"), "{stderr}");
}

#[tokio::test]
async fn notifies_systemd_and_drains_on_sigterm() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let sock_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let http = free_port();
    let mut child = command()
        .arg("serve")
        .env("NOTIFY_SOCKET", &sock_path)
        .env("BOO_DATABASE__URL", &db.url)
        .env("BOO_AUTH__MODE", "none")
        .env("BOO_CHAT__HTTP_ADDR", format!("127.0.0.1:{http}"))
        .env("BOO_CHAT__GRPC_ADDR", format!("127.0.0.1:{}", free_port()))
        .spawn()
        .unwrap();
    let sock = std::sync::Arc::new(sock);
    let recv = |sock: std::sync::Arc<UnixDatagram>| {
        tokio::task::spawn_blocking(move || {
            let mut buf = [0u8; 256];
            let n = sock.recv(&mut buf).unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        })
    };
    assert_eq!(recv(sock.clone()).await.unwrap().trim(), "READY=1");
    let health = reqwest::get(format!("http://127.0.0.1:{http}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let pid = child.id().unwrap() as i32;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(recv(sock).await.unwrap().trim(), "STOPPING=1");
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// JSON logs name the route template a request matched, never its raw path: a
/// request's span says `/api/sessions/{id}`, and the id is nowhere in the line.
#[tokio::test]
async fn request_spans_carry_the_route_template_not_the_uri() {
    let db = TestDb::create().await;
    let http = free_port();
    let child = command()
        .arg("serve")
        .env("BOO_DATABASE__URL", &db.url)
        .env("BOO_AUTH__MODE", "none")
        .env("BOO_LOG__FORMAT", "json")
        .env("RUST_LOG", "info,tower_http=debug")
        .env("BOO_CHAT__HTTP_ADDR", format!("127.0.0.1:{http}"))
        .env("BOO_CHAT__GRPC_ADDR", format!("127.0.0.1:{}", free_port()))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{http}");
    boo_testkit::wait_healthy("boochat", &base, Duration::from_secs(30)).await;
    let id = uuid::Uuid::new_v4();
    let resp = reqwest::get(format!("{base}/api/sessions/{id}?x=1"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let pid = child.id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let responses: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "finished processing request")
        .filter(|v| v["span"]["route"] == "/api/sessions/{id}")
        .collect();
    assert_eq!(responses.len(), 1, "{stderr}");
    assert_eq!(
        (
            &responses[0]["span"]["name"],
            &responses[0]["span"]["method"],
            &responses[0]["fields"]["status"]
        ),
        (
            &serde_json::json!("request"),
            &serde_json::json!("GET"),
            &serde_json::json!(404)
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(&id.to_string()), "{stderr}");
}
