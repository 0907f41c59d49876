//! Relay overhead of boochat's streaming path: a model token leaves an upstream
//! OpenAI-compatible server, goes through the turn loop (parsing, persistence,
//! the session hub) and arrives as a WS `delta` frame at the browser.
//!
//! The upstream here is a minimal SSE server inside this bench that writes the
//! send time (unix µs) into every token, so the client can measure each token's
//! upstream → client latency. Two runs: paced tokens (200/s, a fast local model)
//! for latency with 1 and 20 watching clients, and an unpaced burst for frames/s.
//! Run with `deploy/bench`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::response::sse::{Event, Sse};
use axum::routing::{get, post};
use boo_shared::config::AuthMode;
use boo_testkit::{RunningDaemon, TestDb};
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

#[derive(Clone, Copy)]
struct Pace {
    tokens: usize,
    every: Option<Duration>,
}

fn chunk(content: &str) -> String {
    json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        .to_string()
}

fn tokens(pace: Pace) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(0usize, move |i| async move {
        if i > pace.tokens {
            return None;
        }
        if i == pace.tokens {
            let done = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                .to_string();
            return Some((Ok(Event::default().data(done)), i + 1));
        }
        if let Some(d) = pace.every {
            tokio::time::sleep(d).await;
        }
        Some((
            Ok(Event::default().data(chunk(&format!("{} ", now_us())))),
            i + 1,
        ))
    })
}

async fn upstream(pace: Pace) -> String {
    let app = Router::new()
        .route(
            "/v1/models",
            get(|| async { axum::Json(json!({"object": "list", "data": [{"id": "bench"}]})) }),
        )
        .route(
            "/v1/chat/completions",
            post(move || async move { Sse::new(tokens(pace)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

struct Run {
    latencies_us: Vec<u64>,
    frames: usize,
    elapsed: Duration,
}

async fn run(pace: Pace, watchers: usize) -> Run {
    let base = upstream(pace).await;
    let db = TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = AuthMode::None;
    settings.llm.base_url = base;
    settings.log.level = "warn".into();
    let daemon = RunningDaemon::spawn(settings, boochat::run).await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .canonicalize()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let p: Value = http
        .post(daemon.url("/api/projects"))
        .json(&json!({"name": "b", "path": path}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let s: Value = http
        .post(daemon.url("/api/sessions"))
        .json(&json!({"project_id": p["id"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = s["id"].as_str().unwrap().to_owned();
    let c: Value = http
        .post(daemon.url(&format!("/api/sessions/{sid}/chats")))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat = c["id"].as_str().unwrap().to_owned();

    let mut clients = Vec::new();
    for _ in 0..watchers {
        let url = format!("ws://{}/api/ws?session_id={sid}", daemon.http);
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let _hello = ws.next().await;
        clients.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut frames = 0usize;
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap();
                frames += 1;
                match v["type"].as_str() {
                    Some("delta") => {
                        let arrived = now_us();
                        for sent in v["text"].as_str().unwrap().split_whitespace() {
                            lat.push(arrived.saturating_sub(sent.parse::<u64>().unwrap()));
                        }
                    }
                    Some("message_complete") => break,
                    _ => {}
                }
            }
            (lat, frames)
        }));
    }
    let t0 = Instant::now();
    http.post(daemon.url(&format!("/api/chats/{chat}/messages")))
        .json(&json!({"content": "go"}))
        .send()
        .await
        .unwrap();
    let mut latencies_us = Vec::new();
    let mut frames = 0;
    for c in clients {
        let (lat, f) = c.await.unwrap();
        latencies_us.extend(lat);
        frames += f;
    }
    let elapsed = t0.elapsed();
    daemon.stop().await.unwrap();
    Run {
        latencies_us,
        frames,
        elapsed,
    }
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "| run | tokens | clients | token → client p50 | p99 | frames/s delivered (all clients) |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, pace, watchers) in [
        (
            "paced 200 tok/s",
            Pace {
                tokens: 1000,
                every: Some(Duration::from_millis(5)),
            },
            1,
        ),
        (
            "paced 200 tok/s",
            Pace {
                tokens: 1000,
                every: Some(Duration::from_millis(5)),
            },
            20,
        ),
        (
            "burst",
            Pace {
                tokens: 5000,
                every: None,
            },
            1,
        ),
        (
            "burst",
            Pace {
                tokens: 5000,
                every: None,
            },
            20,
        ),
    ] {
        let mut r = run(pace, watchers).await;
        r.latencies_us.sort_unstable();
        println!(
            "| {name} | {} | {watchers} | {:.2} ms | {:.2} ms | {:.0} |",
            pace.tokens,
            pct(&r.latencies_us, 0.5),
            pct(&r.latencies_us, 0.99),
            r.frames as f64 / r.elapsed.as_secs_f64(),
        );
    }
}
