//! The HTTP edge (issue 10): DNS rebinding (a foreign `Host` is 403 everywhere), the
//! WebSocket Origin check (scheme, host and port), and a client's mistakes — a NUL
//! in any string, the wrong shape or content type, 405, 413, a plain GET on the
//! socket, unknown API paths — answered 4xx JSON with nothing written.

use boo_proto::coder::v1::SubmitTaskRequest;
use boo_proto::coder::v1::coder_service_client::CoderServiceClient;
use boo_testkit::edge::{
    Body, Probe, bad_host, case, field, media, no_route, not_allowed, nul_in,
    nul_in_path_parameters, nul_in_query_strings, nul_message, plain_get_on_socket, shape, text,
    too_big,
};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::turns::{Fx, fx};

fn probe(f: &Fx) -> Probe {
    Probe::new(f.daemon.as_ref().unwrap().http)
}

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused_on_every_route_and_socket() {
    let f = fx().await;
    let probe = probe(&f);
    let port = probe.addr.port();
    let ws = format!("/api/ws?session_id={}", f.session);
    let submit = format!("/api/sessions/{}/chats/{}/messages", f.session, f.chat);
    let turn = json!({"content": "say hi", "provider": "fake"});

    probe
        .assert_foreign_hosts_refused(
            &[
                ("GET", "/api/sessions".into(), Body::None),
                ("POST", submit, Body::Json(turn)),
            ],
            &[&ws],
        )
        .await;
    // The refused submission started nothing.
    let tasks: Vec<Value> = f.get(&format!("/api/sessions/{}/tasks", f.session)).await;
    assert_eq!(tasks, Vec::<Value>::new());

    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    probe
        .assert_hosts_answered(&hosts, "/api/sessions", &[&ws])
        .await;
    probe.assert_foreign_origins_refused(&ws, &[]).await;
}

#[tokio::test]
async fn allowed_hosts_let_a_name_through() {
    let db = boo_testkit::TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.auth.allowed_hosts = vec!["boo.lan:8080".into()];
    let daemon = boo_testkit::RunningDaemon::spawn(settings, boocoder::run).await;
    let probe = Probe::new(daemon.http);
    let (status, _) = probe
        .send("GET", "/api/sessions", Some("boo.lan:8080"), &Body::None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        probe
            .ws("/api/ws", Some("boo.lan:8080"), Some("http://boo.lan:8080"))
            .await,
        (101, Value::Null)
    );
    // The entry names a port: the same name on another one is someone else.
    assert_eq!(
        probe
            .send("GET", "/api/sessions", Some("boo.lan:9502"), &Body::None)
            .await,
        bad_host("boo.lan:9502")
    );
    daemon.stop().await.unwrap();
}

/// What the requests below could have changed, as a client sees it.
async fn state(f: &Fx) -> Vec<Value> {
    let (s, c) = (f.session, f.chat);
    let mut out = Vec::new();
    for path in [
        "/api/sessions".to_owned(),
        format!("/api/sessions/{s}/chats"),
        format!("/api/chats/{c}/messages"),
        format!("/api/sessions/{s}/tasks"),
        format!("/api/sessions/{s}/pending"),
        format!("/api/sessions/{s}/requests"),
        format!("/api/sessions/{s}/agent-sessions"),
    ] {
        out.push(f.get::<Value>(&path).await);
    }
    // Probes come and go; whether each provider is enabled is what a request sets.
    let snapshot: Value = f.get("/api/providers/snapshot").await;
    let enabled: Vec<Value> = snapshot["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!([p["id"], p["enabled"]]))
        .collect();
    out.push(Value::Array(enabled));
    out
}

#[tokio::test]
async fn bad_input_on_every_route_is_a_4xx_json_error_and_writes_nothing() {
    let f = fx().await;
    let probe = probe(&f);
    let (s, c) = (f.session, f.chat);
    let id = Uuid::new_v4();
    let before = state(&f).await;

    let submit = format!("/api/sessions/{s}/chats/{c}/messages");
    let turn = |content: &str, provider: &str, extra: Value| {
        let mut body = json!({"content": content, "provider": provider});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        Body::Json(body)
    };
    let j = Body::Json;
    let mut cases = vec![
        // A NUL in every string field of every body.
        case(
            "POST",
            &submit,
            turn("say hi\u{0}", "fake", json!({})),
            field("content"),
        ),
        case(
            "POST",
            &submit,
            turn("say hi", "fake\u{0}", json!({})),
            field("provider"),
        ),
        case(
            "POST",
            &submit,
            turn("say hi", "fake", json!({"model": "m\u{0}"})),
            field("model"),
        ),
        case(
            "POST",
            &submit,
            turn("say hi", "fake", json!({"mode": "\u{0}"})),
            field("mode"),
        ),
        case(
            "POST",
            format!("/api/permissions/{id}"),
            j(json!({"option_id": "allow\u{0}"})),
            field("option_id"),
        ),
        case(
            "POST",
            format!("/api/elicitations/{id}"),
            j(json!({"action": "accept\u{0}"})),
            field("action"),
        ),
        case(
            "POST",
            format!("/api/elicitations/{id}"),
            j(json!({"action": "accept", "content": {"name": ["a", "\u{0}"]}})),
            field("content.name[1]"),
        ),
        case(
            "POST",
            format!("/api/pending/{id}/reject"),
            j(json!({"discard": true, "x": "\u{0}"})),
            field("x"),
        ),
    ];
    // …in the query string and in path parameters.
    cases.extend(nul_in_query_strings([
        "/api/sessions?cursor=%00".to_owned(),
        format!("/api/sessions/{s}/chats?status=open%00"),
        format!("/api/chats/{c}/messages?before=%00"),
        "/api/ws?session_id=%00".to_owned(),
    ]));
    cases.extend([
        case(
            "PATCH",
            "/api/providers/fake%00",
            j(json!({"enabled": false})),
            nul_in("a path parameter"),
        ),
        case(
            "GET",
            "/api/providers/fake%00/diagnostic",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "POST",
            format!("/api/sessions/{s}/chats/{c}%00/messages"),
            turn("say hi", "fake", json!({})),
            nul_in("a path parameter"),
        ),
        case(
            "POST",
            "/api/tasks/%00/cancel",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "POST",
            "/api/pending/%00/approve",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "GET",
            "/api/sessions/%00/worktree-risk",
            Body::None,
            nul_in("a path parameter"),
        ),
        // The wrong shape.
        case("POST", &submit, j(json!([])), shape()),
        case(
            "POST",
            &submit,
            j(json!({"content": 5, "provider": "fake"})),
            shape(),
        ),
        case("PATCH", "/api/providers/fake", j(json!([])), shape()),
        case(
            "PATCH",
            "/api/providers/fake",
            j(json!({"enabled": "no"})),
            shape(),
        ),
        case(
            "POST",
            format!("/api/pending/{id}/reject"),
            j(json!([])),
            shape(),
        ),
        case(
            "POST",
            format!("/api/pending/{id}/reject"),
            j(json!({"discard": "yes"})),
            shape(),
        ),
        case(
            "POST",
            format!("/api/permissions/{id}"),
            j(json!([])),
            shape(),
        ),
        case(
            "POST",
            format!("/api/elicitations/{id}"),
            j(json!(["accept"])),
            shape(),
        ),
        // The wrong content type, or none.
        case(
            "POST",
            &submit,
            text(r#"{"content":"x","provider":"fake"}"#),
            media(),
        ),
        case(
            "POST",
            &submit,
            Body::Raw(None, br#"{"content":"x","provider":"fake"}"#.to_vec()),
            media(),
        ),
        case(
            "PATCH",
            "/api/providers/fake",
            text(r#"{"enabled":false}"#),
            media(),
        ),
        case(
            "POST",
            format!("/api/pending/{id}/reject"),
            text(r#"{"discard":true}"#),
            media(),
        ),
        case(
            "POST",
            format!("/api/permissions/{id}"),
            text("{}"),
            media(),
        ),
        case(
            "POST",
            format!("/api/elicitations/{id}"),
            text("{}"),
            media(),
        ),
        // Too big.
        too_big(
            "POST",
            &submit,
            &json!({"content": "x".repeat(3 << 20), "provider": "fake"}),
        ),
        // Known routes, other methods.
        not_allowed("DELETE", "/api/sessions", Body::None),
        not_allowed("GET", format!("/api/tasks/{id}/cancel"), Body::None),
        not_allowed("POST", "/api/ws", Body::None),
        // A plain GET on the socket.
        plain_get_on_socket(format!("/api/ws?session_id={s}")),
        // Unknown API paths.
        no_route("GET", "/api/nope", Body::None),
        no_route("POST", "/api/nope", j(json!({}))),
    ]);
    // A `%00` in the path parameter of every route that has one.
    cases.extend(nul_in_path_parameters([
        ("GET", "/api/sessions/%00/chats".to_owned()),
        ("GET", "/api/chats/%00/messages".to_owned()),
        ("POST", format!("/api/sessions/%00/chats/{c}/messages")),
        ("GET", "/api/sessions/%00/tasks".to_owned()),
        ("GET", "/api/sessions/%00/agent-sessions".to_owned()),
        ("GET", "/api/sessions/%00/pending".to_owned()),
        ("POST", "/api/pending/%00/reject".to_owned()),
        ("POST", "/api/pending/%00/revert".to_owned()),
        ("GET", "/api/sessions/%00/requests".to_owned()),
        ("POST", "/api/permissions/%00".to_owned()),
        ("POST", "/api/elicitations/%00".to_owned()),
    ]));
    probe.assert_cases(&cases).await;
    assert_eq!(
        state(&f).await,
        before,
        "a refused request changed something"
    );

    // gRPC: the same NUL is INVALID_ARGUMENT, and no task is queued.
    let grpc = f.daemon.as_ref().unwrap().grpc_url();
    let mut client = CoderServiceClient::new(boo_testkit::channel(&grpc).await);
    let err = client
        .submit_task(SubmitTaskRequest {
            session_id: s.to_string(),
            chat_id: c.to_string(),
            agent: "fake".into(),
            prompt: "say hi\u{0}".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (tonic::Code::InvalidArgument, nul_message("prompt").as_str())
    );
    assert_eq!(state(&f).await, before);
}

/// The contract at `/api/openapi.json` names every route, and every route in it is
/// routed (the daemon also refuses to start when the two disagree).
#[tokio::test]
async fn the_contract_documents_every_route() {
    let f = fx().await;
    probe(&f)
        .assert_contract(&[
            "GET /api/providers/snapshot",
            "POST /api/providers/refresh",
            "PATCH /api/providers/{id}",
            "GET /api/providers/{id}/diagnostic",
            "GET /api/sandbox",
            "GET /api/sessions",
            "GET /api/sessions/{sid}/chats",
            "GET /api/chats/{cid}/messages",
            "POST /api/sessions/{sid}/chats/{cid}/messages",
            "GET /api/sessions/{sid}/tasks",
            "GET /api/tasks/{id}",
            "POST /api/tasks/{id}/cancel",
            "POST /api/tasks/{id}/dismiss",
            "GET /api/sessions/{sid}/agent-sessions",
            "GET /api/sessions/{sid}/worktree-risk",
            "GET /api/sessions/{sid}/pending",
            "POST /api/pending/{id}/approve",
            "POST /api/pending/{id}/reject",
            "POST /api/pending/{id}/revert",
            "GET /api/sessions/{sid}/checkpoints",
            "POST /api/sessions/{sid}/checkpoints/{n}/restore",
            "GET /api/sessions/{sid}/requests",
            "POST /api/permissions/{id}",
            "POST /api/elicitations/{id}",
        ])
        .await;
}
