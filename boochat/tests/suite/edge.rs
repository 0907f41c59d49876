//! The HTTP edge (issue 10): DNS rebinding (a foreign `Host` is 403 everywhere), the
//! WebSocket Origin check (scheme, host and port), and a client's mistakes — a NUL
//! in any string, the wrong shape or content type, 405, 413, a plain GET on the
//! socket, unknown API paths — answered 4xx JSON with nothing written.

use boo_proto::chat::v1::GetTranscriptRequest;
use boo_proto::chat::v1::chat_service_client::ChatServiceClient;
use boo_shared::workspace::WorkspaceState;
use boo_testkit::edge::{
    Body, Probe, Text, case, field, media, no_route, not_allowed, nul_in, nul_in_path_parameters,
    nul_in_query_strings, nul_message, plain_get_on_socket, shape, text, too_big,
};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fx, call};

#[tokio::test]
async fn foreign_hosts_and_origins_are_refused_on_every_route_and_socket() {
    let fx = Fx::start_with(|s| s.auth.allowed_hosts = vec!["boo.lan".into()]).await;
    let probe = Probe::new(fx.daemon.http);
    let port = fx.daemon.http.port();
    let ws = format!("/api/ws?session_id={}", fx.session.id);
    let project = json!({"name": "evil", "path": fx.project.path});

    probe
        .assert_foreign_hosts_refused(
            &[
                ("GET", "/api/sessions".into(), Body::None),
                ("POST", "/api/projects".into(), Body::Json(project)),
            ],
            &[&ws],
        )
        .await;
    // Nothing was created by the refused POST.
    let (_, projects) = call(&fx.http, Method::GET, &fx.url("/api/projects"), None).await;
    assert_eq!(projects["items"].as_array().map(Vec::len), Some(1));

    let hosts = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("boo.lan:{port}"),
    ];
    probe
        .assert_hosts_answered(&hosts, "/api/sessions", &[&ws])
        .await;

    // Same host, another scheme or port, or another name: not this page.
    probe
        .assert_foreign_origins_refused(
            &ws,
            &[
                "http://127.0.0.1".to_owned(),
                format!("http://localhost:{port}"),
            ],
        )
        .await;
    fx.daemon.stop().await.unwrap();
}

/// Everything a client can see of what the requests below could have changed.
async fn state(fx: &Fx) -> Vec<Value> {
    let s = fx.session.id;
    let c = fx.chat.id;
    let mut out = Vec::new();
    for path in [
        "/api/projects".to_owned(),
        "/api/sessions?status=open".to_owned(),
        "/api/sessions?status=archived".to_owned(),
        format!("/api/sessions/{s}"),
        format!("/api/sessions/{s}/workspace"),
        format!("/api/sessions/{s}/chats"),
        format!("/api/chats/{c}"),
        format!("/api/chats/{c}/messages"),
    ] {
        let (status, body) = call(&fx.http, Method::GET, &fx.url(&path), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        out.push(body);
    }
    out
}

#[tokio::test]
async fn bad_input_on_every_route_is_a_4xx_json_error_and_writes_nothing() {
    let fx = Fx::start().await;
    let probe = Probe::new(fx.daemon.http);
    let (p, s, c) = (fx.project.id, fx.session.id, fx.chat.id);
    let before = state(&fx).await;

    let mut workspace = serde_json::to_value(WorkspaceState::initial()).unwrap();
    workspace["panes"][0]["id"] = json!("p\u{0}1");
    let j = Body::Json;
    let mut cases = vec![
        // A NUL in every string field of every body.
        case(
            "POST",
            "/api/projects",
            j(json!({"name": "a\u{0}", "path": "/tmp"})),
            field("name"),
        ),
        case(
            "POST",
            "/api/projects",
            j(json!({"name": "a", "path": "/tmp\u{0}"})),
            field("path"),
        ),
        case(
            "POST",
            "/api/sessions",
            j(json!({"project_id": p, "title": "t\u{0}"})),
            field("title"),
        ),
        case(
            "POST",
            "/api/sessions",
            j(json!({"project_id": "\u{0}"})),
            field("project_id"),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}"),
            j(json!({"title": "renamed\u{0}"})),
            field("title"),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}"),
            j(json!({"status": "archived\u{0}"})),
            field("status"),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}/workspace"),
            j(workspace),
            field("panes[0].id"),
        ),
        case(
            "POST",
            format!("/api/sessions/{s}/chats"),
            j(json!({"title": "\u{0}"})),
            field("title"),
        ),
        case(
            "POST",
            format!("/api/sessions/{s}/chats"),
            j(json!({"agent": "x\u{0}"})),
            field("agent"),
        ),
        case(
            "PATCH",
            format!("/api/chats/{c}"),
            j(json!({"title": "\u{0}"})),
            field("title"),
        ),
        case(
            "PATCH",
            format!("/api/chats/{c}"),
            j(json!({"status": "\u{0}"})),
            field("status"),
        ),
        case(
            "PATCH",
            format!("/api/chats/{c}"),
            j(json!({"agent": "\u{0}"})),
            field("agent"),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/fork"),
            j(json!({"message_id": "\u{0}"})),
            field("message_id"),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            j(json!({"content": "hello\u{0}world"})),
            field("content"),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}"),
            j(json!({"tags": ["ok", "t\u{0}"]})),
            field("tags[1]"),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            j(
                json!({"content": "x", "attachments": [{"kind": "text", "name": "a\u{0}", "content": "b"}]}),
            ),
            field("attachments[0].name"),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/answers"),
            j(json!({"call_id": "\u{0}", "answer": "a"})),
            field("call_id"),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/answers"),
            j(json!({"call_id": "c", "answer": "\u{0}"})),
            field("answer"),
        ),
    ];
    // …in the query string and in path parameters.
    cases.extend(nul_in_query_strings([
        "/api/projects?cursor=%00".to_owned(),
        "/api/sessions?status=open%00".to_owned(),
        "/api/sessions?tag=a%00".to_owned(),
        "/api/tags?status=open%00".to_owned(),
        format!("/api/sessions/{s}/chats?cursor=a%00"),
        format!("/api/chats/{c}/messages?before=%00"),
        "/api/ws?session_id=%00".to_owned(),
    ]));
    cases.extend([
        case(
            "GET",
            "/api/projects/%00",
            Body::None,
            nul_in("a path parameter"),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}%00"),
            j(json!({"title": "x"})),
            nul_in("a path parameter"),
        ),
        case(
            "POST",
            "/api/chats/%00/messages",
            j(json!({"content": "x"})),
            nul_in("a path parameter"),
        ),
        case(
            "GET",
            format!("/api/messages/{c}/attachments/0%00"),
            Body::None,
            nul_in("a path parameter"),
        ),
        // The wrong shape: an array, a string for a number or an object.
        case("POST", "/api/projects", j(json!([])), shape()),
        case("POST", "/api/sessions", j(json!([])), shape()),
        case("PATCH", format!("/api/sessions/{s}"), j(json!([])), shape()),
        case(
            "PATCH",
            format!("/api/sessions/{s}"),
            j(json!({"title": 5})),
            shape(),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}/workspace"),
            j(json!("panes")),
            shape(),
        ),
        case(
            "POST",
            format!("/api/sessions/{s}/chats"),
            j(json!([])),
            shape(),
        ),
        case("PATCH", format!("/api/chats/{c}"), j(json!([])), shape()),
        case(
            "POST",
            format!("/api/chats/{c}/fork"),
            j(json!([])),
            shape(),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            j(json!([])),
            shape(),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            j(json!({"content": 5})),
            shape(),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            j(json!({"content": "x", "attachments": {"kind": "text"}})),
            shape(),
        ),
        case(
            "PATCH",
            format!("/api/sessions/{s}"),
            j(json!({"tags": "rust"})),
            shape(),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/answers"),
            j(json!([])),
            shape(),
        ),
        case(
            "POST",
            "/api/projects",
            Body::Raw(Some("application/json"), b"{\"name\": ".to_vec()),
            (
                400,
                "malformed_json",
                Text::Prefix("Failed to parse the request body as JSON: "),
            ),
        ),
        // The wrong content type, or none.
        case("POST", "/api/projects", text(r#"{"name":"a"}"#), media()),
        case(
            "POST",
            "/api/projects",
            Body::Raw(None, br#"{"name":"a"}"#.to_vec()),
            media(),
        ),
        case("POST", "/api/sessions", text("{}"), media()),
        case("PATCH", format!("/api/sessions/{s}"), text("{}"), media()),
        case(
            "PATCH",
            format!("/api/sessions/{s}/workspace"),
            text("[]"),
            media(),
        ),
        case(
            "POST",
            format!("/api/sessions/{s}/chats"),
            text("{}"),
            media(),
        ),
        case("PATCH", format!("/api/chats/{c}"), text("{}"), media()),
        case("POST", format!("/api/chats/{c}/fork"), text("{}"), media()),
        case(
            "POST",
            format!("/api/chats/{c}/messages"),
            text(r#"{"content":"x"}"#),
            media(),
        ),
        case(
            "POST",
            format!("/api/chats/{c}/answers"),
            text("{}"),
            media(),
        ),
        // Too big (a message may carry 16 MiB of attachments as base64).
        too_big(
            "POST",
            format!("/api/chats/{c}/messages"),
            &json!({"content": "x".repeat(25 << 20)}),
        ),
        too_big(
            "PATCH",
            format!("/api/sessions/{s}"),
            &json!({"title": "x".repeat(3 << 20)}),
        ),
        // A known route, another method.
        not_allowed("DELETE", "/api/projects", Body::None),
        not_allowed("PUT", format!("/api/chats/{c}"), j(json!({}))),
        not_allowed("POST", "/api/ws", Body::None),
        // A plain GET on the socket.
        plain_get_on_socket(format!("/api/ws?session_id={s}")),
        // Unknown API paths, whatever the method.
        no_route("GET", "/api/nope", Body::None),
        no_route("POST", "/api/nope", j(json!({}))),
        no_route("DELETE", "/api", Body::None),
    ]);
    // A `%00` in the path parameter of every route that has one.
    cases.extend(nul_in_path_parameters([
        ("GET", format!("/api/sessions/{s}%00")),
        ("GET", "/api/sessions/%00/workspace".to_owned()),
        ("PATCH", "/api/sessions/%00/workspace".to_owned()),
        ("GET", "/api/sessions/%00/chats".to_owned()),
        ("POST", "/api/sessions/%00/chats".to_owned()),
        ("GET", "/api/chats/%00".to_owned()),
        ("PATCH", "/api/chats/%00".to_owned()),
        ("POST", "/api/chats/%00/fork".to_owned()),
        ("GET", "/api/chats/%00/messages".to_owned()),
        ("POST", "/api/chats/%00/stop".to_owned()),
        ("POST", "/api/chats/%00/answers".to_owned()),
    ]));
    probe.assert_cases(&cases).await;
    assert_eq!(
        probe.allow("DELETE", "/api/projects").await.as_deref(),
        Some("POST,GET,HEAD")
    );
    assert_eq!(
        state(&fx).await,
        before,
        "a refused request changed something"
    );

    // gRPC: the same NUL is INVALID_ARGUMENT.
    let mut client = ChatServiceClient::new(boo_testkit::channel(&fx.daemon.grpc_url()).await);
    let err = client
        .get_transcript(GetTranscriptRequest {
            chat_id: c.to_string(),
            before_message_id: "\u{0}".into(),
            limit: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            tonic::Code::InvalidArgument,
            nul_message("before_message_id").as_str()
        )
    );
    fx.daemon.stop().await.unwrap();
}

/// The contract at `/api/openapi.json` names every route, and every route in it is
/// routed (the daemon also refuses to start when the two disagree).
#[tokio::test]
async fn the_contract_documents_every_route() {
    let fx = Fx::start().await;
    let doc = Probe::new(fx.daemon.http)
        .assert_contract(&[
            "GET /api/agents",
            "GET /api/inbox",
            "GET /api/mcp",
            "GET /api/models",
            "GET /api/projects",
            "POST /api/projects",
            "GET /api/projects/{id}",
            "GET /api/sessions",
            "POST /api/sessions",
            "GET /api/sessions/{id}",
            "PATCH /api/sessions/{id}",
            "DELETE /api/sessions/{id}",
            "GET /api/sessions/{id}/workspace",
            "PATCH /api/sessions/{id}/workspace",
            "GET /api/sessions/{id}/chats",
            "POST /api/sessions/{id}/chats",
            "GET /api/chats/{id}",
            "PATCH /api/chats/{id}",
            "POST /api/chats/{id}/fork",
            "GET /api/chats/{id}/messages",
            "POST /api/chats/{id}/messages",
            "POST /api/chats/{id}/stop",
            "POST /api/chats/{id}/compact",
            "POST /api/chats/{id}/answers",
            "GET /api/messages/{id}/attachments/{ordinal}",
            "GET /api/tags",
            "GET /api/settings",
            "PATCH /api/settings",
            "POST /api/chats/{id}/messages/{mid}/regenerate",
            "POST /api/chats/{id}/messages/{mid}/edit",
            "PUT /api/chats/{id}/branch",
            "GET /api/chats/{id}/export",
            "POST /api/sessions/{id}/import",
            "GET /api/search",
        ])
        .await;
    // A body's schema is the wire type's, and a conflict has its own shape.
    assert_eq!(
        doc["paths"]["/api/sessions"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/CreateSession"})
    );
    assert_eq!(
        doc["paths"]["/api/sessions/{id}/workspace"]["patch"]["responses"]["409"]["content"]["application/json"]
            ["schema"],
        json!({"$ref": "#/components/schemas/WorkspaceConflict"})
    );
    assert_eq!(
        doc["paths"]["/api/settings"]["patch"]["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/SettingsPatch"})
    );
}
