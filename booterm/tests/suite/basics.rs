//! The daemon's basics and the REST checks that need no shell.

use boo_testkit::TestDb;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::support::{Sandbox, call, post, spawn};

#[tokio::test]
async fn serves_health_reflection_and_its_service() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    // Behind Authelia (the default auth mode), as the shared check expects.
    let mut settings = sandbox.settings(&db);
    settings.auth = boo_testkit::behind_tcp_proxy();
    let daemon = super::support::spawn_with(settings).await;
    boo_testkit::assert_daemon_basics(&daemon, "booterm", "boo.term.v1.TermService").await;
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn bad_requests_get_a_code_and_start_nothing() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    let missing = sandbox.work().join("missing");
    let cases = [
        (json!({"cols": 1, "rows": 24}), 400, "invalid_size"),
        (json!({"cols": 80, "rows": 5000}), 400, "invalid_size"),
        (json!({"cwd": "relative/dir"}), 400, "invalid_cwd"),
        (json!({"cwd": missing}), 400, "cwd_not_found"),
        (json!({"cwd": "/etc/hostname"}), 400, "cwd_not_a_directory"),
        (json!({"command": []}), 400, "invalid_command"),
        (json!({"command": "bash"}), 400, "invalid_command"),
        (
            json!({"command": ["no-such-program-xyz"]}),
            400,
            "command_not_found",
        ),
        (json!({"command": "ssh"}), 400, "ssh_not_configured"),
        (json!({"title": "x".repeat(201)}), 400, "invalid_title"),
        (
            json!({"session_id": uuid::Uuid::new_v4()}),
            404,
            "session_not_found",
        ),
        (json!({"colour": "red"}), 400, "invalid_body"),
    ];
    let mut got = Vec::new();
    for (body, _, _) in &cases {
        let (status, reply) = post(&base, body.clone()).await;
        got.push((status, reply["code"].as_str().unwrap_or("?").to_owned()));
    }
    let want: Vec<(u16, String)> = cases
        .iter()
        .map(|(_, s, c)| (*s, (*c).to_owned()))
        .collect();
    assert_eq!(got, want);
    // Nothing half-made: no rows, no tmux sessions.
    let (status, list) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals?status=all"),
        None,
    )
    .await;
    assert_eq!((status, list), (200, json!([])));
    assert_eq!(sandbox.sessions(), Vec::<String>::new());

    let unknown = uuid::Uuid::new_v4();
    for (method, path) in [
        (reqwest::Method::GET, format!("/api/terminals/{unknown}")),
        (reqwest::Method::DELETE, format!("/api/terminals/{unknown}")),
        (
            reqwest::Method::GET,
            format!("/api/terminals/{unknown}/snapshot"),
        ),
        (reqwest::Method::GET, format!("/api/terminals/{unknown}/ws")),
        (reqwest::Method::PATCH, format!("/api/terminals/{unknown}")),
    ] {
        let body = (method == reqwest::Method::PATCH).then(|| json!({"title": "t"}));
        let (status, body) = call(
            &reqwest::Client::new(),
            method.clone(),
            &format!("{base}{path}"),
            body,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{method} {path}: {body}"
        );
    }
    let (status, body) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals/not-a-uuid"),
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{base}/api/terminals?status=dead"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_status"))
    );
    for limit in ["0", "501", "-1"] {
        let (status, body) = call(
            &reqwest::Client::new(),
            reqwest::Method::GET,
            &format!("{base}/api/terminals?status=exited&limit={limit}"),
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_limit")),
            "limit={limit}: {body}"
        );
    }
    daemon.stop().await.unwrap();
}
