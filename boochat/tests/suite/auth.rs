use boo_shared::api::WhoAmI;
use boo_shared::config::AuthMode;
use boo_shared::error::ErrorBody;
use boo_shared::frames::{Envelope, ServerFrame};
use futures::StreamExt;
use pretty_assertions::assert_eq;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let http = reqwest::Client::new();
    boo_testkit::http::call_with(&http, reqwest::Method::GET, url, headers, None).await
}

fn unauthenticated(message: &str) -> serde_json::Value {
    serde_json::to_value(ErrorBody {
        error: message.into(),
        code: "unauthenticated".into(),
        details: None,
    })
    .unwrap()
}

const ALICE: &[(&str, &str)] = &[
    ("Remote-User", "alice"),
    ("Remote-Groups", "admins,dev"),
    ("Remote-Email", "alice@example.com"),
    ("Remote-Name", "Alice"),
];

#[tokio::test]
async fn authelia_headers_from_the_trusted_proxy_identify_the_user() {
    let (daemon, _db) = super::start(|_| {}).await;
    let (status, body) = get(&daemon.url("/api/whoami"), ALICE).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_value::<WhoAmI>(body).unwrap(),
        WhoAmI {
            daemon: "boochat".into(),
            user: "alice".into(),
            groups: vec!["admins".into(), "dev".into()],
            email: Some("alice@example.com".into()),
            name: Some("Alice".into()),
        }
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn requests_without_headers_are_401_but_healthz_is_exempt() {
    let (daemon, _db) = super::start(|_| {}).await;
    assert_eq!(
        get(&daemon.url("/api/whoami"), &[]).await,
        (
            401,
            unauthenticated(
                "no authenticated user: the request did not come through the auth proxy"
            )
        )
    );
    // Pages too: nothing is served to an unauthenticated caller.
    assert_eq!(
        reqwest::get(daemon.url("/"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        reqwest::get(daemon.url("/healthz"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn forged_headers_from_an_untrusted_peer_are_401() {
    // The test connects from 127.0.0.1, which this config does not trust.
    let (daemon, _db) = super::start(|s| {
        s.auth.trusted_proxies = vec!["10.9.0.0/16".parse().unwrap()];
    })
    .await;
    assert_eq!(
        get(&daemon.url("/api/whoami"), ALICE).await,
        (
            401,
            unauthenticated("Remote-* headers from 127.0.0.1, which is not a trusted proxy")
        )
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn by_default_no_tcp_peer_is_trusted_so_a_local_forger_is_401() {
    // Production defaults: any local process can reach a loopback port, so only
    // the systemd socket (see activation.rs) or an explicit trusted proxy counts.
    let (daemon, _db) = super::start(|s| s.auth = boo_shared::config::AuthConfig::default()).await;
    assert_eq!(
        get(&daemon.url("/api/whoami"), &[("Remote-User", "owner")]).await,
        (
            401,
            unauthenticated("Remote-* headers from 127.0.0.1, which is not a trusted proxy")
        )
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn mode_none_serves_the_local_owner() {
    let (daemon, _db) = super::start(|s| s.auth.mode = AuthMode::None).await;
    let (status, body) = get(&daemon.url("/api/whoami"), &[("Remote-User", "mallory")]).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"], "owner");
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn mode_none_refuses_to_start_on_a_non_loopback_listener() {
    let db = boo_testkit::TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = AuthMode::None;
    settings.chat.http_addr = "0.0.0.0:9500".parse().unwrap();
    let daemon = boo_testkit::RunningDaemon::spawn_unchecked(settings, boochat::run).await;
    let err = daemon.join().await.unwrap_err().to_string();
    assert_eq!(
        err,
        "auth.mode = \"none\" is only allowed when every listener is loopback, but \
         chat.http_addr is 0.0.0.0:9500; bind it to 127.0.0.1 or set auth.mode = \"authelia\""
    );
}

fn ws_request(
    daemon: &boo_testkit::RunningDaemon,
    origin: Option<&str>,
) -> tungstenite::handshake::client::Request {
    let mut req = format!("ws://{}/api/ws", daemon.http)
        .into_client_request()
        .unwrap();
    for (k, v) in ALICE {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    if let Some(origin) = origin {
        req.headers_mut().insert("origin", origin.parse().unwrap());
    }
    req
}

async fn first_frame(req: tungstenite::handshake::client::Request) -> Envelope {
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    match ws.next().await.unwrap().unwrap() {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

#[tokio::test]
async fn websocket_checks_origin() {
    let (daemon, _db) = super::start(|s| {
        s.auth.public_origin = Some("https://boo.example.com".into());
    })
    .await;
    let hello = Envelope::connection(ServerFrame::Hello {
        daemon: "boochat".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    });
    assert_eq!(
        first_frame(ws_request(&daemon, Some("https://boo.example.com"))).await,
        hello
    );

    let refused =
        tokio_tungstenite::connect_async(ws_request(&daemon, Some("https://evil.example"))).await;
    match refused {
        Err(tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403);
            let body: ErrorBody = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
            assert_eq!(
                body,
                ErrorBody {
                    error: "WebSocket origin \"https://evil.example\" is not allowed".into(),
                    code: "bad_origin".into(),
                    details: None,
                }
            );
        }
        other => panic!("foreign origin must be refused, got {other:?}"),
    }
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn websocket_answers_bad_frames_and_closes_on_shutdown() {
    let (daemon, _db) = super::start(|_| {}).await;
    let origin = format!("http://{}", daemon.http);
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&daemon, Some(&origin)))
        .await
        .unwrap();
    let _hello = ws.next().await.unwrap().unwrap();
    use futures::SinkExt;
    ws.send(Message::Text("{\"type\":\"explode\"}".into()))
        .await
        .unwrap();
    let Message::Text(reply) = ws.next().await.unwrap().unwrap() else {
        panic!("text reply")
    };
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(
        (reply["type"].as_str(), reply["code"].as_str()),
        (Some("error"), Some("bad_frame"))
    );

    let stopped = tokio::spawn(daemon.stop());
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a close frame, got {other:?}"),
    }
    stopped.await.unwrap().unwrap();
}
