//! `GET /api/ws?session_id=…&last_seq=…`: a session's live frames, with replay of
//! what a reconnecting client missed. One writer task per socket, fed by a
//! bounded channel; the reader loop never touches the sink. Shared by every
//! daemon that streams session frames from a [`Hub`].
//!
//! A socket opened for a session that does not exist is accepted and closed at once
//! with code [`CLOSE_NO_SUCH_SESSION`] (4404, "no such session"): a plain 404 before
//! the upgrade looks like a network failure to a browser, which would retry forever.
//! A socket without `session_id` follows the hub's catalog (`session_updated` of
//! every session, as connection-level frames) until it resumes a session.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::catalog::sessions;
use crate::config::DaemonKind;
use crate::error::{ApiError, Query, WsUpgrade};
use crate::frames::{CLOSE_NO_SUCH_SESSION, ClientFrame, Envelope, ServerFrame};
use crate::hub::{Frame, Hub, Start};
use crate::metrics::Metrics;

/// What a session socket needs from its daemon.
#[derive(Clone)]
pub struct SessionWs {
    pub kind: DaemonKind,
    pub pool: PgPool,
    pub hub: Arc<Hub>,
    /// Cancelled when live connections should close (after the daemon finalised
    /// what it was streaming).
    pub closing: CancellationToken,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// Follow this session's stream (without it: the catalog, hello and ping).
    session_id: Option<Uuid>,
    /// Replay frames after this seq (needs `session_id`).
    last_seq: Option<u64>,
}

/// The session stream socket: `routes!(session_ws::upgrade)` with a [`SessionWs`]
/// state. A plain GET (no upgrade) is 400 `not_a_websocket`; an unknown session is
/// accepted and closed with 4404.
#[utoipa::path(
    get,
    path = "/api/ws",
    tag = "streams",
    params(WsQuery),
    responses((status = 101, description = "Switching to the WebSocket stream (frames in @boocode/types)"))
)]
pub async fn upgrade(
    State(s): State<SessionWs>,
    metrics: Option<Extension<Arc<Metrics>>>,
    Query(q): Query<WsQuery>,
    WsUpgrade(ws): WsUpgrade,
) -> Response {
    if q.last_seq.is_some() && q.session_id.is_none() {
        return ApiError::bad_request("invalid_query", "last_seq needs session_id").into_response();
    }
    if let Some(id) = q.session_id {
        match sessions::exists(&s.pool, id).await {
            Ok(true) => {}
            Ok(false) => return ws.on_upgrade(no_such_session),
            // The database is unreachable: a plain error the client retries.
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    ws.on_upgrade(move |socket| async move {
        let _counted = metrics.map(|Extension(m)| m.ws_client());
        connection(socket, s, q).await;
    })
}

/// The session is unknown: say so with a close code the client does not retry.
async fn no_such_session(mut socket: WebSocket) {
    let close = Message::Close(Some(CloseFrame {
        code: CLOSE_NO_SUCH_SESSION,
        reason: "no such session".into(),
    }));
    if socket.send(close).await.is_ok() {
        // Wait (briefly) for the client's answering close, so the frame is read.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next()).await;
    }
}

fn text(env: &Envelope) -> Message {
    Message::Text(serde_json::to_string(env).unwrap_or_default().into())
}

fn connection_frame(frame: ServerFrame) -> Message {
    text(&Envelope::connection(frame))
}

fn session_frame(session_id: Uuid, frame: ServerFrame) -> Message {
    text(&Envelope {
        seq: 0,
        session_id: Some(session_id),
        frame,
    })
}

struct Subscription {
    session_id: Uuid,
    rx: broadcast::Receiver<Frame>,
}

/// Subscribe and queue the replay (or a resync) for the writer.
async fn subscribe(
    s: &SessionWs,
    out: &mpsc::Sender<Message>,
    session_id: Uuid,
    last_seq: Option<u64>,
) -> Option<Subscription> {
    let (start, rx) = s.hub.subscribe(session_id, last_seq);
    match start {
        Start::Replay(frames) => {
            for (_, f) in frames {
                if out.send(Message::Text(f.to_string().into())).await.is_err() {
                    return None;
                }
            }
        }
        Start::Resync(reason) => {
            out.send(session_frame(session_id, ServerFrame::Resync { reason }))
                .await
                .ok()?;
        }
    }
    Some(Subscription { session_id, rx })
}

async fn next_frame(
    sub: &mut Option<Subscription>,
) -> Option<Result<Frame, broadcast::error::RecvError>> {
    match sub {
        Some(s) => Some(s.rx.recv().await),
        None => std::future::pending().await,
    }
}

async fn next_catalog(
    catalog: &mut Option<broadcast::Receiver<Arc<str>>>,
) -> Result<Arc<str>, broadcast::error::RecvError> {
    match catalog {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn connection(socket: WebSocket, s: SessionWs, q: WsQuery) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox) = mpsc::channel::<Message>(256);
    let writer = tokio::spawn(async move {
        while let Some(m) = outbox.recv().await {
            let closing = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || closing {
                break;
            }
        }
    });
    let hello = connection_frame(ServerFrame::Hello {
        daemon: s.kind.name().into(),
        version: crate::VERSION.into(),
    });
    if out.send(hello).await.is_err() {
        return;
    }
    let mut sub = match q.session_id {
        Some(id) => subscribe(&s, &out, id, q.last_seq).await,
        None => None,
    };
    let mut catalog = q.session_id.is_none().then(|| s.hub.subscribe_catalog());
    let closing = s.closing.clone();
    loop {
        tokio::select! {
            // Frames first: a closing daemon still delivers what it published.
            biased;
            frame = next_frame(&mut sub) => match frame {
                Some(Ok((_, f))) => {
                    if out.send(Message::Text(f.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(Err(broadcast::error::RecvError::Lagged(n))) => {
                    let Some(sid) = sub.as_ref().map(|s| s.session_id) else { break };
                    let reason = format!("this connection fell {n} frames behind");
                    if out.send(session_frame(sid, ServerFrame::Resync { reason })).await.is_err() {
                        break;
                    }
                }
                Some(Err(broadcast::error::RecvError::Closed)) | None => break,
            },
            frame = next_catalog(&mut catalog) => match frame {
                Ok(f) => {
                    if out.send(Message::Text(f.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let reason = format!("this connection fell {n} catalog frames behind");
                    if out.send(connection_frame(ServerFrame::Resync { reason })).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => catalog = None,
            },
            () = closing.cancelled() => {
                let _ = out.send(Message::Close(Some(CloseFrame {
                    code: close_code::AWAY,
                    reason: "boochat shutting down".into(),
                }))).await;
                break;
            }
            msg = stream.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                match serde_json::from_str::<ClientFrame>(&text) {
                    Ok(ClientFrame::Ping) => {}
                    Ok(ClientFrame::Resume { session_id, last_seq }) => {
                        if !sessions::exists(&s.pool, session_id).await.unwrap_or(false) {
                            let _ = out.send(connection_frame(ServerFrame::Error {
                                code: "not_found".into(),
                                message: format!("no session {session_id}"),
                            })).await;
                            continue;
                        }
                        sub = subscribe(&s, &out, session_id, Some(last_seq)).await;
                    }
                    Err(e) => {
                        let _ = out.send(connection_frame(ServerFrame::Error {
                            code: "bad_frame".into(),
                            message: e.to_string(),
                        })).await;
                    }
                }
            }
        }
    }
    drop(out);
    let _ = writer.await;
}
