//! The HTTP edge (issue 10), booterm above all (a terminal socket is a shell): DNS
//! rebinding (a foreign `Host` is 403 on every route and socket), the WebSocket
//! Origin check (scheme, host and port), and a client's mistakes — a NUL in any
//! string, the wrong shape or content type, 405, 413, a plain GET on a socket,
//! unknown API paths — answered 4xx JSON with nothing created or changed.

use boo_proto::term::v1::CreateSessionRequest;
use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_testkit::edge::{Body, Case, Probe, Text, bad_host, bad_origin, nul_in};
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

    for host in ["evil.example", &format!("evil.example:{port}")] {
        let h = Some(host);
        let got = [
            probe.send("GET", "/api/terminals", h, &Body::None).await,
            probe
                .send("POST", "/api/terminals", h, &Body::Json(json!({})))
                .await,
            probe
                .send(
                    "GET",
                    &format!("/api/terminals/{}/snapshot", t.id),
                    h,
                    &Body::None,
                )
                .await,
            probe.send("GET", "/", h, &Body::None).await,
            probe.send("GET", "/healthz", h, &Body::None).await,
            probe.ws(&term_ws, h, None).await,
            probe
                .ws(&term_ws, h, Some(&format!("http://evil.example:{port}")))
                .await,
            probe.ws("/api/ws", h, None).await,
        ];
        assert_eq!(got, [(); 8].map(|()| bad_host(host)), "Host {host}");
    }
    // The refused POST made no terminal.
    assert_eq!(env.sandbox.sessions(), sessions);

    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let h = Some(host.as_str());
        let (status, _) = probe.send("GET", "/api/terminals", h, &Body::None).await;
        let origin = format!("http://{host}");
        assert_eq!(
            (
                status,
                probe.ws(&term_ws, h, Some(&origin)).await,
                probe.ws("/api/ws", h, Some(&origin)).await,
            ),
            (200, (101, Value::Null), (101, Value::Null)),
            "Host {host}"
        );
    }
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

    let host = format!("127.0.0.1:{port}");
    for origin in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://localhost:{port}"),
        format!("http://evil.example:{port}"),
    ] {
        assert_eq!(
            probe.ws(&term_ws, Some(&host), Some(&origin)).await,
            bad_origin(&origin),
            "{origin}"
        );
    }
    daemon.stop().await.unwrap();
}

/// What the requests below could have changed: the rows and the tmux sessions.
async fn state(env: &Env, id: Uuid) -> (Value, Value, Vec<String>) {
    let (status, all) = call(
        reqwest::Method::GET,
        &format!("{}/api/terminals?status=all", env.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, one) = call(
        reqwest::Method::GET,
        &format!("{}/api/terminals/{id}", env.base),
        None,
    )
    .await;
    assert_eq!(status, 200);
    (all, one, env.sandbox.sessions())
}

fn case(
    method: &'static str,
    path: impl Into<String>,
    body: Body,
    want: (u16, &'static str, Text),
) -> Case {
    Case::new(method, path, body).want(want.0, want.1, want.2)
}

fn field(name: &str) -> (u16, &'static str, Text) {
    nul_in(&format!("field `{name}`"))
}

fn shape() -> (u16, &'static str, Text) {
    (
        400,
        "invalid_body",
        Text::Prefix("Failed to deserialize the JSON body into the target type: "),
    )
}

fn media() -> (u16, &'static str, Text) {
    (
        400,
        "unsupported_media_type",
        Text::Is("Expected request with `Content-Type: application/json`".into()),
    )
}

fn not_allowed(method: &str, path: &str) -> (u16, &'static str, Text) {
    (
        405,
        "method_not_allowed",
        Text::Is(format!("{method} is not allowed on {path}")),
    )
}

fn not_a_websocket() -> (u16, &'static str, Text) {
    (
        400,
        "not_a_websocket",
        Text::Is("this route is a WebSocket: Connection header did not include 'upgrade'".into()),
    )
}

#[tokio::test]
async fn bad_input_on_every_route_is_a_4xx_json_error_and_writes_nothing() {
    let env = start().await;
    let probe = Probe::new(env.daemon.http);
    let t = create(&env.base, json!({"title": "orig"})).await;
    let id = t.id;
    let one = format!("/api/terminals/{id}");
    let before = state(&env, id).await;

    let text = |body: &str| Body::Raw(Some("text/plain"), body.as_bytes().to_vec());
    let j = Body::Json;
    let cases = vec![
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
        // …in the query string and in path parameters.
        case(
            "GET",
            "/api/terminals?status=all%00",
            Body::None,
            nul_in("the query string"),
        ),
        case(
            "GET",
            "/api/terminals?session_id=%00",
            Body::None,
            nul_in("the query string"),
        ),
        case(
            "GET",
            format!("{one}/snapshot?lines=%00"),
            Body::None,
            nul_in("the query string"),
        ),
        case(
            "GET",
            format!("{one}/ws?readonly=%00"),
            Body::None,
            nul_in("the query string"),
        ),
        case(
            "GET",
            "/api/ws?session_id=%00",
            Body::None,
            nul_in("the query string"),
        ),
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
        case(
            "POST",
            "/api/terminals",
            Body::Raw(
                Some("application/json"),
                serde_json::to_vec(&json!({"title": "x".repeat(3 << 20)})).unwrap(),
            ),
            (
                413,
                "payload_too_large",
                Text::Is("Failed to buffer the request body: length limit exceeded".into()),
            ),
        ),
        // Known routes, other methods.
        case("POST", &one, Body::None, not_allowed("POST", &one)),
        case(
            "PUT",
            "/api/terminals",
            Body::None,
            not_allowed("PUT", "/api/terminals"),
        ),
        case(
            "POST",
            format!("{one}/ws"),
            Body::None,
            not_allowed("POST", &format!("{one}/ws")),
        ),
        case(
            "POST",
            "/api/ws",
            Body::None,
            not_allowed("POST", "/api/ws"),
        ),
        // Plain GETs on the sockets.
        case("GET", format!("{one}/ws"), Body::None, not_a_websocket()),
        case("GET", "/api/ws", Body::None, not_a_websocket()),
        // Unknown API paths.
        case(
            "GET",
            format!("{one}/nope"),
            Body::None,
            (
                404,
                "not_found",
                Text::Is(format!("no route for GET {one}/nope")),
            ),
        ),
        case(
            "POST",
            "/api/nope",
            j(json!({})),
            (
                404,
                "not_found",
                Text::Is("no route for POST /api/nope".into()),
            ),
        ),
    ];
    probe.assert_cases(&cases).await;
    assert_eq!(
        probe
            .headers("POST", &one)
            .await
            .get("allow")
            .and_then(|v| v.to_str().ok()),
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
            (
                tonic::Code::InvalidArgument,
                format!("{field} contains a NUL character (U+0000), which no string may hold")
                    .as_str()
            )
        );
    }
    assert_eq!(state(&env, id).await, before);
    env.daemon.stop().await.unwrap();
}
