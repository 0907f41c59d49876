//! `/metrics`: route-template counters, the WebSocket gauge, turn outcomes and
//! tokens after scripted turns, and who may scrape.

use boo_testkit::fake_llm::Reply;
use boo_testkit::{samples, scrape, wait_for_samples};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::fixture::Fx;

#[tokio::test]
async fn requests_by_route_template_ws_clients_and_turns_by_outcome() {
    let fx = Fx::start().await;
    let base = fx.url("");
    fx.llm.push(Reply::text("Hello there.").usage(11, 7));
    fx.llm.push(Reply::http_error(503, "loading model"));

    let ws = fx.ws(None).await;
    wait_for_samples(
        &base,
        "boo_websocket_clients",
        &[],
        &[r#"boo_websocket_clients{daemon="boochat"} 1"#],
    )
    .await;
    let ok = fx.send("hi").await;
    fx.wait_final(ok.assistant_message_id).await;
    let failed = fx.send("again").await;
    fx.wait_final(failed.assistant_message_id).await;
    let (status, _) = super::fixture::call(
        &fx.http,
        reqwest::Method::GET,
        &fx.url("/api/no/such/route"),
        None,
    )
    .await;
    drop(ws);
    wait_for_samples(
        &base,
        "boo_websocket_clients",
        &[],
        &[r#"boo_websocket_clients{daemon="boochat"} 0"#],
    )
    .await;

    let (code, ctype, body) = scrape(&base, &[]).await;
    assert_eq!(
        (code, ctype.as_str()),
        (200, "text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        samples(
            &body,
            "boo_http_requests_total",
            &["/api/chats/{id}/messages"]
        )
        .into_iter()
        .filter(|l| l.contains("POST"))
        .collect::<Vec<_>>(),
        vec![
            r#"boo_http_requests_total{daemon="boochat",method="POST",route="/api/chats/{id}/messages",status="202"} 2"#
        ]
    );
    assert_eq!(
        samples(&body, "boo_http_requests_total", &["/api/sessions"]),
        vec![
            r#"boo_http_requests_total{daemon="boochat",method="POST",route="/api/sessions",status="201"} 1"#,
            r#"boo_http_requests_total{daemon="boochat",method="POST",route="/api/sessions/{id}/chats",status="201"} 1"#,
        ]
    );
    assert_eq!(
        samples(&body, "boo_http_requests_total", &["unmatched"]),
        vec![format!(
            r#"boo_http_requests_total{{daemon="boochat",method="GET",route="unmatched",status="{status}"}} 1"#
        )]
    );
    assert_eq!(
        samples(
            &body,
            "boo_http_request_duration_seconds_count",
            &[r#"method="POST",route="/api/chats/{id}/messages""#]
        ),
        vec![
            r#"boo_http_request_duration_seconds_count{daemon="boochat",method="POST",route="/api/chats/{id}/messages"} 2"#
        ]
    );
    // The upgrade itself is a request too.
    assert_eq!(
        samples(&body, "boo_http_requests_total", &[r#"route="/api/ws""#]),
        vec![
            r#"boo_http_requests_total{daemon="boochat",method="GET",route="/api/ws",status="101"} 1"#
        ]
    );
    assert_eq!(
        samples(&body, "boo_chat_turns_total", &[]),
        vec![
            r#"boo_chat_turns_total{daemon="boochat",outcome="cancelled"} 0"#,
            r#"boo_chat_turns_total{daemon="boochat",outcome="complete"} 1"#,
            r#"boo_chat_turns_total{daemon="boochat",outcome="failed"} 1"#,
        ]
    );
    assert_eq!(
        samples(&body, "boo_chat_tokens_generated_total", &[]),
        vec![r#"boo_chat_tokens_generated_total{daemon="boochat"} 7"#]
    );
    // The pool is sampled at scrape time: some connections, no more idle than held.
    let value = |name: &str| -> i64 {
        let lines = samples(&body, name, &[]);
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        lines[0].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (size, idle) = (
        value("boo_db_pool_connections"),
        value("boo_db_pool_idle_connections"),
    );
    assert!(size >= 1 && (0..=size).contains(&idle), "{size} {idle}");
}

#[tokio::test]
async fn a_stopped_turn_counts_as_cancelled() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("partial").hang());
    let acc = fx.send("long please").await;
    super::fixture::post::<serde_json::Value>(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/stop", fx.chat.id)),
        json!({}),
        200,
    )
    .await;
    fx.wait_final(acc.assistant_message_id).await;
    wait_for_samples(
        &fx.url(""),
        "boo_chat_turns_total",
        &[],
        &[
            r#"boo_chat_turns_total{daemon="boochat",outcome="cancelled"} 1"#,
            r#"boo_chat_turns_total{daemon="boochat",outcome="complete"} 0"#,
            r#"boo_chat_turns_total{daemon="boochat",outcome="failed"} 0"#,
        ],
    )
    .await;
}

#[tokio::test]
async fn metrics_are_for_loopback_scrapers_only_not_through_the_proxy() {
    // Authelia mode: the API wants Remote-User from the proxy; /metrics does not.
    let (daemon, _db) = super::start(|_| {}).await;
    let base = daemon.url("");
    let (code, _, body) = scrape(&base, &[]).await;
    assert_eq!(code, 200, "{body}");
    let refused = json!({
        "error": "/metrics is served only to a scraper on this host, not through a proxy",
        "code": "metrics_local_only",
    });
    for header in [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
        ("remote-user", "alice"),
    ] {
        let (code, ctype, body) = scrape(&base, &[header]).await;
        assert_eq!(
            (
                code,
                ctype.as_str(),
                serde_json::from_str::<serde_json::Value>(&body).unwrap()
            ),
            (403, "application/json", refused.clone()),
            "{header:?}"
        );
    }
    // The refusals are counted under their route like any other answer.
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        samples(&body, "boo_http_requests_total", &[r#"route="/metrics""#]),
        vec![
            r#"boo_http_requests_total{daemon="boochat",method="GET",route="/metrics",status="200"} 1"#,
            r#"boo_http_requests_total{daemon="boochat",method="GET",route="/metrics",status="403"} 3"#,
        ]
    );
    daemon.stop().await.unwrap();
}
