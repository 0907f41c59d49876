//! The HTTP edge (issue 10), booterm above all (a terminal socket is a shell): DNS
//! rebinding (a foreign `Host` is 403 on every route and socket), the WebSocket
//! Origin check (scheme, host and port), and a client's mistakes — a NUL in any
//! string, the wrong shape or content type, 405, 413, a plain GET on a socket,
//! unknown API paths — answered 4xx JSON with nothing created or changed.

use boo_proto::term::v1::CreateSessionRequest;
use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_testkit::edge::{
    Body, Probe, bad_host, case, field, media, no_route, not_allowed, nul_in, nul_in_query_strings,
    nul_message, plain_get_on_socket, shape, text, too_big,
};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::support::{Env, call, create, spawn_with, start};

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused_on_every_route_and_socket() {
    let env = start().await;
    let probe = Probe::new(env.daemon.http);
    let port = probe.addr.port();
    let t = create(&env.base, json!({"title": "shell"})).await;
    let term_ws = format!("/api/terminals/{}/ws", t.id);
    let sessions = env.sandbox.sessions();

    probe
        .assert_foreign_hosts_refused(
            &[
                ("GET", "/api/terminals".into(), Body::None),
                ("POST", "/api/terminals".into(), Body::Json(json!({}))),
                (
                    "GET",
                    format!("/api/terminals/{}/snapshot", t.id),
                    Body::None,
                ),
            ],
            &[&term_ws, "/api/ws"],
        )
        .await;
    // The refused POST made no terminal.
    assert_eq!(env.sandbox.sessions(), sessions);

    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    probe
        .assert_hosts_answered(&hosts, "/api/terminals", &[&term_ws, "/api/ws"])
        .await;
    // A configured name is let through; others still are not.
    env.daemon.stop().await.unwrap();
    let mut settings = env.sandbox.settings(&env._db);
    settings.auth.allowed_hosts = vec!["boo.lan".into()];
    let daemon = spawn_with(settings).await;
    let probe = Probe::new(daemon.http);
    let port = probe.addr.port();
    let lan = format!("boo.lan:{port}");
    let (status, _) = probe
        .send("GET", "/api/terminals", Some(&lan), &Body::None)
        .await;
    assert_eq!(
        (
            status,
            probe
                .ws(&term_ws, Some(&lan), Some(&format!("http://{lan}")))
                .await,
            probe
                .send(
                    "GET",
                    "/api/terminals",
                    Some("boo.lan.evil.example"),
                    &Body::None
                )
                .await,
        ),
        (200, (101, Value::Null), bad_host("boo.lan.evil.example"))
    );

    probe
        .assert_foreign_origins_refused(&term_ws, &[format!("http://localhost:{port}")])
        .await;
    daemon.stop().await.unwrap();
}

/// What the requests below could have changed: the rows and the tmux sessions.
async fn state(env: &Env, id: Uuid) -> (Value, Value, Vec<String>) {
    let (status, all) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{}/api/terminals?status=all", env.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, one) = call(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &format!("{}/api/terminals/{id}", env.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    (all, one, env.sandbox.sessions())
}

#[tokio::test]
async fn bad_input_on_every_route_is_a_4xx_json_error_and_writes_nothing() {
    let env = start().await;
    let probe = Probe::new(env.daemon.http);
    let t = create(&env.base, json!({"title": "orig"})).await;
    let id = t.id;
    let one = format!("/api/terminals/{id}");
    let before = state(&env, id).await;

    let j = Body::Json;
    let mut cases = vec![
        // A NUL in every string field of both bodies.
        case(
            "POST",
            "/api/terminals",
            j(json!({"title": "t\u{0}"})),
            field("title"),
        ),
        case(
            "POST",
            "/api/terminals",
            j(json!({"cwd": "/tmp\u{0}"})),
            field("cwd"),
        ),
        case(
            "POST",
            "/api/terminals",
            j(json!({"command": ["sh", "-c", "echo\u{0}"]})),
            field("command[2]"),
        ),
        case(
            "POST",
            "/api/terminals",
            j(json!({"command": "ssh\u{0}"})),
            field("command"),
        ),
        case(
            "POST",
            "/api/terminals",
            j(json!({"session_id": "\u{0}"})),
            field("session_id"),
        ),
        case(
            "PATCH",
            &one,
            j(json!({"title": "renamed\u{0}"})),
            field("title"),
        ),
    ];
    // …in the query string and in path parameters.
    cases.extend(nul_in_query_strings([
        "/api/terminals?status=all%00".to_owned(),
        "/api/terminals?session_id=%00".to_owned(),
        format!("{one}/snapshot?lines=%00"),
        format!("{one}/ws?readonly=%00"),
        "/api/ws?session_id=%00".to_owned(),
    ]));
    cases.extend([
        case(
            "GET",
            "/api/terminals/%00",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "DELETE",
            format!("{one}%00"),
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "PATCH",
            "/api/terminals/%00",
            j(json!({"title": "x"})),
            nul_in("a path parameter"),
        ),
        case(
            "GET",
            "/api/terminals/%00/snapshot",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "GET",
            "/api/terminals/%00/ws",
            Body::None,
            nul_in("a path parameter"),
        ),
        // The wrong shape.
        case("POST", "/api/terminals", j(json!([])), shape()),
        case(
            "POST",
            "/api/terminals",
            j(json!({"cols": "80", "rows": 24})),
            shape(),
        ),
        case("PATCH", &one, j(json!([])), shape()),
        case("PATCH", &one, j(json!({"title": 5})), shape()),
        // The wrong content type, or none.
        case("POST", "/api/terminals", text("{}"), media()),
        case(
            "POST",
            "/api/terminals",
            Body::Raw(None, b"{}".to_vec()),
            media(),
        ),
        case("PATCH", &one, text(r#"{"title":"x"}"#), media()),
        // Too big.
        too_big(
            "POST",
            "/api/terminals",
            &json!({"title": "x".repeat(3 << 20)}),
        ),
        // Known routes, other methods.
        not_allowed("POST", &one, Body::None),
        not_allowed("PUT", "/api/terminals", Body::None),
        not_allowed("POST", format!("{one}/ws"), Body::None),
        not_allowed("POST", "/api/ws", Body::None),
        // Plain GETs on the sockets.
        plain_get_on_socket(format!("{one}/ws")),
        plain_get_on_socket("/api/ws"),
        // Unknown API paths.
        no_route("GET", format!("{one}/nope"), Body::None),
        no_route("POST", "/api/nope", j(json!({}))),
    ]);
    probe.assert_cases(&cases).await;
    assert_eq!(
        probe.allow("POST", &one).await.as_deref(),
        Some("GET,HEAD,PATCH,DELETE")
    );
    assert_eq!(
        state(&env, id).await,
        before,
        "a refused request changed something"
    );

    // gRPC: the same NULs are INVALID_ARGUMENT, and nothing is created.
    let mut client = TermServiceClient::new(boo_testkit::channel(&env.daemon.grpc_url()).await);
    for (request, field) in [
        (
            CreateSessionRequest {
                title: "t\u{0}".into(),
                ..Default::default()
            },
            "title",
        ),
        (
            CreateSessionRequest {
                command: vec!["sh".into(), "-c\u{0}".into()],
                ..Default::default()
            },
            "command",
        ),
        (
            CreateSessionRequest {
                cwd: "\u{0}".into(),
                ..Default::default()
            },
            "cwd",
        ),
    ] {
        let err = client.create_session(request).await.unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (tonic::Code::InvalidArgument, nul_message(field).as_str())
        );
    }
    assert_eq!(state(&env, id).await, before);
    env.daemon.stop().await.unwrap();
}

/// The contract at `/api/openapi.json` names every route, and every route in it is
/// routed (the daemon also refuses to start when the two disagree).
#[tokio::test]
async fn the_contract_documents_every_route() {
    let env = start().await;
    Probe::new(env.daemon.http)
        .assert_contract(&[
            "GET /api/terminals",
            "POST /api/terminals",
            "GET /api/terminals/{id}",
            "PATCH /api/terminals/{id}",
            "DELETE /api/terminals/{id}",
            "GET /api/terminals/{id}/snapshot",
            "GET /api/terminals/{id}/ws",
        ])
        .await;
}
