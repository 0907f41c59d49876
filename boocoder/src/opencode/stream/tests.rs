use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::sse::{Event as SseEvent, Sse};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;

const SESSION: &str = "ses_dc33e02d2ffeehjP0hgrnWhMUM";

fn sub(subs: &Subs, session: &str, capacity: usize) -> mpsc::Receiver<StreamItem> {
    let (tx, rx) = mpsc::channel(capacity);
    subs.lock()
        .insert(session.to_owned(), Sub { tx, lagged: false });
    rx
}

fn drain(rx: &mut mpsc::Receiver<StreamItem>) -> Vec<StreamItem> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

fn event(n: u64) -> StreamItem {
    StreamItem::Event(json!({"type": "session.idle", "properties": {"sessionID": "ses_a", "n": n}}))
}

#[test]
fn envelopes_are_unwrapped_and_only_the_sessions_events_delivered() {
    let subs = Subs::default();
    let mut rx = sub(&subs, SESSION, 16);
    let (state_tx, state) = watch::channel(Connection::default());
    let lines = include_str!("../tests/global.jsonl");
    let envelopes: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for e in &envelopes {
        route(e.clone(), &subs, &state_tx);
    }
    // connected, 2 × project.updated (no session), session.created, its sync
    // duplicate, a heartbeat: only session.created reaches the subscriber.
    assert_eq!(
        drain(&mut rx),
        vec![StreamItem::Event(envelopes[3]["payload"].clone())]
    );
    assert_eq!(
        *state.borrow(),
        Connection {
            generation: 1,
            connected: true
        }
    );
    // A second `server.connected` is a reconnect: every subscriber hears of it.
    route(envelopes[0].clone(), &subs, &state_tx);
    assert_eq!(drain(&mut rx), vec![StreamItem::Reconnected]);
}

#[test]
fn a_full_channel_drops_events_then_says_lagged() {
    let subs = Subs::default();
    let mut rx = sub(&subs, "ses_a", 2);
    for n in 1..=3 {
        subs.deliver("ses_a", event(n));
    }
    assert_eq!(drain(&mut rx), vec![event(1), event(2)]);
    subs.deliver("ses_a", event(4));
    assert_eq!(drain(&mut rx), vec![StreamItem::Lagged, event(4)]);
    drop(rx);
    subs.deliver("ses_a", event(5));
    assert!(subs.lock().is_empty(), "a closed subscriber is forgotten");
}

/// An SSE server like opencode's `/global/event` that, per connection, says
/// `server.connected`, sends one event for `ses_a` numbered by the connection,
/// then goes silent (no heartbeats): the hub must notice the stall and reconnect.
async fn silent_after_one_event() -> (String, tokio::task::JoinHandle<()>) {
    let connections = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/global/event",
        axum::routing::get(move |headers: axum::http::HeaderMap| {
            let connections = connections.clone();
            async move {
                // Basic opencode:pw
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                assert_eq!(auth, "Basic b3BlbmNvZGU6cHc=");
                let n = connections.fetch_add(1, Ordering::SeqCst) as u64 + 1;
                let items = vec![
                    json!({"payload": {"id": "evt_1", "type": "server.connected", "properties": {}}}),
                    json!({"directory": "/w", "payload": {"id": "evt_2", "type": "session.idle",
                        "properties": {"sessionID": "ses_a", "n": n}}}),
                ];
                let stream = futures::stream::iter(items.into_iter().map(|v| {
                    Ok::<_, std::convert::Infallible>(SseEvent::default().data(v.to_string()))
                }))
                .chain(futures::stream::pending());
                Sse::new(stream)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, task)
}

#[tokio::test]
async fn a_stalled_stream_is_reopened_and_subscribers_are_told() {
    let (url, server) = silent_after_one_event().await;
    let client = Client::new(&url, "pw").unwrap();
    let opts = StreamOptions {
        stall: Duration::from_millis(300),
        backoff_min: Duration::from_millis(10),
        ..StreamOptions::default()
    };
    let hub = EventHub::start(client, opts);
    let mut rx = hub.subscribe("ses_a");
    let mut got = Vec::new();
    while got.len() < 3 {
        let item = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        got.push(item);
    }
    let numbered = |n: u64| {
        StreamItem::Event(json!({"id": "evt_2", "type": "session.idle",
            "properties": {"sessionID": "ses_a", "n": n}}))
    };
    // The first event may be missed if it came before subscribe; the
    // reconnect marker always precedes the next connection's event.
    let tail: Vec<StreamItem> = got
        .iter()
        .skip_while(|i| **i != StreamItem::Reconnected)
        .cloned()
        .collect();
    assert_eq!(
        tail[..2].to_vec(),
        vec![StreamItem::Reconnected, numbered(2)]
    );
    assert!(hub.connection().generation >= 2);
    hub.shutdown().await;
    server.abort();
}

#[test]
fn a_sub_agents_events_reach_the_subscriber_of_its_nearest_followed_ancestor() {
    let subs = Subs::default();
    let mut parent = sub(&subs, "ses_p", 16);
    let (state_tx, _state) = watch::channel(Connection::default());
    let envelope = |payload: Value| json!({"directory": "/w", "payload": payload});
    let created = |id: &str, parent: &str| json!({"type": "session.created", "properties": {"sessionID": id, "info": {"id": id, "parentID": parent}}});
    let idle = |id: &str| json!({"type": "session.idle", "properties": {"sessionID": id}});
    for payload in [
        created("ses_c", "ses_p"),
        created("ses_g", "ses_c"),
        idle("ses_g"),
        created("ses_o", "ses_other"),
        idle("ses_o"),
    ] {
        route(envelope(payload), &subs, &state_tx);
    }
    assert_eq!(
        drain(&mut parent),
        vec![
            StreamItem::Event(created("ses_c", "ses_p")),
            StreamItem::Event(created("ses_g", "ses_c")),
            StreamItem::Event(idle("ses_g")),
        ]
    );
    // A subscriber of the child itself gets its events first-hand.
    let mut child = sub(&subs, "ses_c", 16);
    route(envelope(idle("ses_c")), &subs, &state_tx);
    assert_eq!(drain(&mut child), vec![StreamItem::Event(idle("ses_c"))]);
    assert_eq!(drain(&mut parent), vec![]);
}
