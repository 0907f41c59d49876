//! Session-level frames: a socket for an unknown session is closed with 4404, and a
//! session's rename / archive / creation reaches its viewers and every catalog socket.

use boo_shared::chat::Session;
use boo_shared::frames::CLOSE_NO_SUCH_SESSION;
use futures::StreamExt;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

use super::fixture::{Fx, LIMIT, call, post};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(fx: &Fx, query: &str) -> Socket {
    let url = format!("ws://{}/api/ws{query}", fx.daemon.http);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn next(socket: &mut Socket) -> WsMessage {
    tokio::time::timeout(LIMIT, socket.next())
        .await
        .expect("a message within the limit")
        .expect("socket open")
        .expect("frame ok")
}

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        if let WsMessage::Text(t) = next(socket).await {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// The next frame other than `hello`.
async fn next_news(socket: &mut Socket) -> Value {
    loop {
        let f = next_json(socket).await;
        if f["type"] != "hello" {
            return f;
        }
    }
}

#[tokio::test]
async fn a_socket_for_an_unknown_session_is_closed_with_4404() {
    let fx = Fx::start().await;
    let mut socket = open(&fx, &format!("?session_id={}", Uuid::new_v4())).await;
    assert_eq!(
        next(&mut socket).await,
        WsMessage::Close(Some(CloseFrame {
            code: CloseCode::from(CLOSE_NO_SUCH_SESSION),
            reason: "no such session".into(),
        }))
    );
    // A known session still connects; a plain GET (no upgrade) is still a client error.
    let mut ok = open(&fx, &format!("?session_id={}", fx.session.id)).await;
    assert_eq!(next_json(&mut ok).await["type"], "hello");
    let (status, body) = call(
        &fx.http,
        Method::GET,
        &fx.url(&format!("/api/ws?session_id={}", Uuid::new_v4())),
        None,
    )
    .await;
    assert!((400..500).contains(&status), "{status} {body}");
}

#[tokio::test]
async fn a_session_change_reaches_its_viewers_and_every_catalog_socket() {
    let fx = Fx::start().await;
    let other: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id}),
        201,
    )
    .await;
    let mut viewer = open(&fx, &format!("?session_id={}", fx.session.id)).await;
    let mut catalog = open(&fx, "").await;
    let mut elsewhere = open(&fx, &format!("?session_id={}", other.id)).await;
    for s in [&mut viewer, &mut catalog, &mut elsewhere] {
        assert_eq!(next_json(s).await["type"], "hello");
    }

    let (status, renamed) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/sessions/{}", fx.session.id)),
        Some(json!({"title": "Renamed", "status": "archived"})),
    )
    .await;
    assert_eq!(status, 200);
    // Archiving closes what the session owns in boocoder and booterm, best effort:
    // neither runs here, and the archive says so.
    let mut renamed = renamed;
    let closed = renamed.as_object_mut().unwrap().remove("closed").unwrap();
    assert_eq!(
        closed["notes"].as_array().map(Vec::len),
        Some(2),
        "{closed}"
    );
    let session: Session = serde_json::from_value(renamed.clone()).unwrap();
    assert_eq!(
        (session.title.as_deref(), session.status),
        (Some("Renamed"), boo_shared::chat::Status::Archived)
    );
    let seen = next_news(&mut viewer).await;
    assert_eq!(
        seen,
        json!({"type": "session_updated", "seq": seen["seq"], "session_id": fx.session.id, "session": renamed})
    );
    assert!(seen["seq"].as_u64().unwrap() > 0);
    assert_eq!(
        next_news(&mut catalog).await,
        json!({"type": "session_updated", "seq": 0, "session": renamed})
    );

    // A new session is news for the catalog too; the other session's viewer saw neither.
    let created: Value = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id, "title": "Fresh"}),
        201,
    )
    .await;
    assert_eq!(
        next_news(&mut catalog).await,
        json!({"type": "session_updated", "seq": 0, "session": created})
    );
    let (status, _) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/sessions/{}", other.id)),
        Some(json!({"title": "Other"})),
    )
    .await;
    assert_eq!(status, 200);
    let f = next_news(&mut elsewhere).await;
    assert_eq!(
        (f["type"].as_str(), f["session"]["title"].as_str()),
        (Some("session_updated"), Some("Other"))
    );
}
