//! The terminal byte stream (TERM-2): `GET /api/terminals/{id}/ws` for browsers and
//! the shared pieces gRPC `Attach` reuses. Protocol: see [`boo_shared::term`].
//!
//! Per socket: one tmux client on a PTY ([`Attachment`]); a pump task that batches
//! PTY chunks into frames of up to [`MAX_FRAME`] bytes and holds them back while
//! more than [`FLOW_HIGH`] bytes are unacknowledged (until at most [`FLOW_LOW`]
//! are); one writer task that owns the sink; and the reader loop, which never
//! touches the sink.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use boo_shared::error::{ApiError, Path, Query, WsUpgrade};
use boo_shared::metrics::Metrics;
use boo_shared::term::{FlowWindow, TermClientMsg, TermServerMsg, Terminal, TerminalStatus};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::attach::{AttachControl, Attachment};
use crate::request::dimensions;
use crate::sessions::{SessionError, Sessions};

/// Largest binary frame sent (PTY chunks are coalesced up to this).
pub const MAX_FRAME: usize = 256 * 1024;
/// Unacknowledged bytes at which the server stops sending…
pub const FLOW_HIGH: u32 = 1024 * 1024;
/// …and the level it resumes at.
pub const FLOW_LOW: u32 = 256 * 1024;
/// How often clients are asked to acknowledge.
pub const ACK_EVERY: u32 = 64 * 1024;
/// Bytes of output searched for a tmux client's exit line.
const GOODBYE_SPAN: usize = 512;
/// How long the pump waits for a tmux client's EOF after its exit line.
const GOODBYE_WAIT: Duration = Duration::from_secs(1);
/// How long a closing socket waits for the client's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Keep-alive pings through proxies that drop idle connections.
const PING_EVERY: Duration = Duration::from_secs(30);

pub const FLOW: FlowWindow = FlowWindow {
    high: FLOW_HIGH,
    low: FLOW_LOW,
    ack_every: ACK_EVERY,
};

/// What the terminal socket needs.
#[derive(Clone)]
pub struct StreamState {
    pub sessions: Arc<Sessions>,
    /// Scrollback lines repainted before the screen on attach.
    pub scrollback_lines: u32,
    /// Cancelled when the daemon stops: sockets close with 1001 (clients reconnect).
    pub closing: CancellationToken,
}

/// An attach ready to stream: the terminal, the repaint bytes to send first, and
/// the tmux client.
pub struct Opened {
    pub terminal: Terminal,
    pub repaint: Vec<u8>,
    pub attachment: Attachment,
}

/// Capture the screen (with `scrollback` lines above it), then attach a tmux client
/// of `cols` × `rows` (default: the window's size).
pub async fn open(
    sessions: &Sessions,
    id: Uuid,
    readonly: bool,
    size: Option<(u16, u16)>,
    scrollback: u32,
) -> Result<Opened, SessionError> {
    let terminal = sessions.get(id).await?;
    if terminal.status == TerminalStatus::Exited {
        return Err(SessionError::Exited(id));
    }
    let capture = sessions
        .tmux()
        .capture(&terminal.tmux_name, scrollback, true)
        .await?;
    let (cols, rows) = size.unwrap_or((terminal.cols, terminal.rows));
    let attachment = Attachment::spawn(sessions.tmux(), &terminal.tmux_name, readonly, cols, rows)
        .map_err(|e| SessionError::Attach(e.to_string()))?;
    if let Err(e) = sessions.touch_attached(id).await {
        tracing::debug!(error = %e, "cannot record the attach time");
    }
    Ok(Opened {
        terminal,
        repaint: repaint(&capture),
        attachment,
    })
}

/// `capture-pane -p -e` output as bytes that paint it on a terminal: lines joined
/// by CR LF so the ones above the screen scroll into the client's scrollback; the
/// tmux client's own first draw then replaces the visible part.
pub fn repaint(capture: &str) -> Vec<u8> {
    let body = capture.strip_suffix('\n').unwrap_or(capture);
    let mut out = Vec::with_capacity(body.len() + body.len() / 40 + 8);
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(b"\x1b[0m");
    out
}

/// The next batch: one chunk (waiting for it), then whatever else is ready, up to
/// [`MAX_FRAME`] bytes. `None` once the tmux client is gone.
pub async fn next_batch(output: &mut mpsc::Receiver<Vec<u8>>) -> Option<Vec<u8>> {
    let mut batch = output.recv().await?;
    while batch.len() < MAX_FRAME {
        match output.try_recv() {
            Ok(more) => batch.extend_from_slice(&more),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// A client-requested size: both or neither, each within bounds.
pub fn checked_size(cols: Option<i64>, rows: Option<i64>) -> Result<Option<(u16, u16)>, ApiError> {
    match (cols, rows) {
        (None, None) => Ok(None),
        (Some(c), Some(r)) => Ok(Some(dimensions(c, r)?)),
        _ => Err(ApiError::bad_request(
            "invalid_size",
            "give both cols and rows, or neither",
        )),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// `1`/`true`: watch without typing or sizing the window.
    #[serde(default)]
    readonly: Option<String>,
    /// The client's size in cells (with `rows`).
    cols: Option<i64>,
    /// The client's size in cells (with `cols`).
    rows: Option<i64>,
}

/// `GET /api/terminals/{id}/ws`. Unknown terminals are 404, ended ones 409, before
/// any upgrade.
#[utoipa::path(get, path = "/api/terminals/{id}/ws", tag = "terminals",
    params(("id" = Uuid, Path, description = "Terminal id"), WsQuery),
    responses((status = 101, description = "Switching to the terminal's byte stream")))]
pub async fn upgrade(
    State(st): State<StreamState>,
    metrics: Option<Extension<Arc<Metrics>>>,
    Path(id): Path<Uuid>,
    Query(q): Query<WsQuery>,
    // Judged after the terminal is looked up: a plain GET on an unknown one is 404.
    ws: Result<WsUpgrade, ApiError>,
) -> Response {
    let readonly = match q.readonly.as_deref() {
        None | Some("0" | "false") => false,
        Some("1" | "true" | "") => true,
        Some(other) => {
            return ApiError::bad_request(
                "invalid_query",
                format!("readonly must be 1 or 0, got {other:?}"),
            )
            .into_response();
        }
    };
    let size = match checked_size(q.cols, q.rows) {
        Ok(size) => size,
        Err(e) => return e.into_response(),
    };
    match st.sessions.get(id).await {
        Ok(t) if t.status == TerminalStatus::Exited => {
            return ApiError::from(SessionError::Exited(id)).into_response();
        }
        Ok(_) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let ws = match ws {
        Ok(WsUpgrade(ws)) => ws,
        Err(e) => return e.into_response(),
    };
    ws.on_upgrade(move |socket| async move {
        let _counted = metrics.map(|Extension(m)| m.ws_client());
        connection(socket, st, id, readonly, size).await;
    })
}

fn msg(m: &TermServerMsg) -> Message {
    Message::Text(serde_json::to_string(m).unwrap_or_default().into())
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

#[tracing::instrument(skip(socket, st, size), fields(terminal_id = %id))]
async fn connection(
    socket: WebSocket,
    st: StreamState,
    id: Uuid,
    readonly: bool,
    size: Option<(u16, u16)>,
) {
    let (mut sink, mut stream) = socket.split();
    let mut ended = st.sessions.subscribe_ended();
    let opened = match open(&st.sessions, id, readonly, size, st.scrollback_lines).await {
        Ok(o) => o,
        Err(e) => {
            let code = match &e {
                SessionError::Exited(_) => "terminal_exited",
                SessionError::NotFound(_) => "not_found",
                _ => "attach_failed",
            };
            tracing::warn!(error = %e, "cannot attach");
            let error = TermServerMsg::Error {
                code: code.into(),
                message: e.to_string(),
            };
            let _ = sink.send(msg(&error)).await;
            let _ = sink.send(close(close_code::ERROR, code)).await;
            return;
        }
    };
    let Opened {
        terminal,
        repaint,
        attachment,
    } = opened;
    let Attachment { output, control } = attachment;
    tracing::debug!(pid = ?control.pid(), readonly, "attached");

    let (out_tx, out_rx) = mpsc::channel::<Message>(4);
    let writer = tokio::spawn(write_loop(sink, out_rx));
    let hello = TermServerMsg::Hello {
        terminal: Box::new(terminal),
        readonly,
        flow: FLOW,
    };
    let (acked_tx, acked_rx) = watch::channel(0u64);
    let pump_tx = out_tx.clone();
    let mut pump = tokio::spawn(async move {
        if pump_tx.send(msg(&hello)).await.is_err() {
            return;
        }
        pump_output(output, repaint, &pump_tx, acked_rx).await;
    });

    let mut acked: u64 = 0;
    let end: Option<Message> = loop {
        tokio::select! {
            () = st.closing.cancelled() => break Some(close(close_code::AWAY, "booterm is stopping")),
            _ = &mut pump => break None,
            gone = ended.recv() => match gone {
                Ok(gone) if gone != id => continue,
                // Ours ended (or we missed some): the farewell says how.
                Ok(_) | Err(_) => break None,
            },
            incoming = stream.next() => {
                // The browser went away: nothing to tell it.
                let Some(Ok(incoming)) = incoming else { break Some(close(close_code::NORMAL, "")) };
                match incoming {
                    Message::Binary(bytes) => {
                        if !readonly && !control.send_input(bytes.to_vec()).await {
                            break None;
                        }
                    }
                    Message::Text(text) => {
                        match handle_control(&text, &control, &mut acked) {
                            Ok(Some(reply)) => {
                                let _ = out_tx.send(msg(&reply)).await;
                            }
                            Ok(None) => {}
                            Err(message) => {
                                let error = TermServerMsg::Error { code: "invalid_message".into(), message };
                                let _ = out_tx.send(msg(&error)).await;
                            }
                        }
                        acked_tx.send_replace(acked);
                    }
                    Message::Close(_) => break Some(close(close_code::NORMAL, "")),
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        }
    };
    // The tmux client goes first; the pane's program is untouched.
    drop(control);
    pump.abort();
    let last = match end {
        Some(frame) => vec![frame],
        None => farewell(&st.sessions, id).await,
    };
    for frame in last {
        if out_tx.send(frame).await.is_err() {
            break;
        }
    }
    drop(out_tx);
    let _ = writer.await;
    // Finish the closing handshake: read (and drop) what the client still sends
    // until its Close arrives. Closing the TCP connection with unread input would
    // reset it, and the client could lose the last frames (the exit, the Close).
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(m)) = stream.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// Send the repaint, then PTY output, honouring the client's acknowledgements.
async fn pump_output(
    mut output: mpsc::Receiver<Vec<u8>>,
    repaint: Vec<u8>,
    tx: &mpsc::Sender<Message>,
    mut acked: watch::Receiver<u64>,
) {
    let mut sent: u64 = 0;
    let mut next = Some(repaint).filter(|r| !r.is_empty());
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let batch = match next.take() {
            Some(b) => b,
            None => match next_batch(&mut output).await {
                Some(b) => b,
                None => return,
            },
        };
        if sent.saturating_sub(*acked.borrow()) > u64::from(FLOW_HIGH) {
            let low = u64::from(FLOW_LOW);
            if acked
                .wait_for(|a| sent.saturating_sub(*a) <= low)
                .await
                .is_err()
            {
                return;
            }
        }
        sent += batch.len() as u64;
        // tmux's server restores the terminal and the client prints its line
        // separately: look at the end of the previous batch too.
        let last_words = batch.ends_with(b"]\r\n") && {
            let mut window = std::mem::take(&mut tail);
            window.extend_from_slice(&batch[batch.len().saturating_sub(GOODBYE_SPAN)..]);
            says_goodbye(&window)
        };
        tail = batch[batch.len().saturating_sub(GOODBYE_SPAN)..].to_vec();
        if tx.send(Message::Binary(batch.into())).await.is_err() {
            return;
        }
        if last_words {
            // The tmux client has printed its exit line and should be gone now.
            // Rarely (under load) one lingers for many seconds after it; do not
            // wait for its EOF longer than this.
            match tokio::time::timeout(GOODBYE_WAIT, next_batch(&mut output)).await {
                Ok(Some(more)) => next = Some(more),
                Ok(None) | Err(_) => return,
            }
        }
    }
}

/// Does `batch` end with a tmux client's exit line? tmux restores the terminal
/// (the last sequence it sends turns focus reporting off) and then prints
/// `[detached …]`, `[exited]`, `[lost tty]`, … on a line of its own.
pub fn says_goodbye(batch: &[u8]) -> bool {
    const RESTORED: &[u8] = b"\x1b[?1004l[";
    let Some(body) = batch.strip_suffix(b"]\r\n") else {
        return false;
    };
    body.windows(RESTORED.len())
        .rposition(|w| w == RESTORED)
        .is_some_and(|at| !body[at..].contains(&b'\n'))
}

/// One control message: the reply to send, if any; `Err` says what was wrong with it.
fn handle_control(
    text: &str,
    control: &AttachControl,
    acked: &mut u64,
) -> Result<Option<TermServerMsg>, String> {
    let bad = |message: String| message;
    let parsed: TermClientMsg =
        serde_json::from_str(text).map_err(|e| bad(format!("unreadable control message: {e}")))?;
    match parsed {
        TermClientMsg::Ack { bytes } => {
            *acked = acked.saturating_add(bytes);
            Ok(None)
        }
        TermClientMsg::Ping => Ok(Some(TermServerMsg::Pong)),
        TermClientMsg::Resize { cols, rows } => {
            dimensions(cols.into(), rows.into()).map_err(|e| e.to_string())?;
            // A read-only client sizes its own PTY only: tmux ignores its size.
            control
                .resize(cols, rows)
                .map_err(|e| bad(format!("cannot resize: {e}")))?;
            Ok(None)
        }
    }
}

/// The tmux client ended: tell the browser whether the program exited (no
/// reconnect) or the client was lost (reconnect).
async fn farewell(sessions: &Sessions, id: Uuid) -> Vec<Message> {
    match sessions.get(id).await {
        Ok(t) if t.status == TerminalStatus::Exited => vec![
            msg(&TermServerMsg::Exit {
                exit_code: t.exit_code,
            }),
            close(close_code::NORMAL, "exited"),
        ],
        Ok(_) => vec![
            msg(&TermServerMsg::Error {
                code: "detached".into(),
                message: "the terminal's tmux client was detached; reconnect to attach again"
                    .into(),
            }),
            close(close_code::AGAIN, "detached"),
        ],
        Err(e) => vec![
            msg(&TermServerMsg::Error {
                code: "lost".into(),
                message: e.to_string(),
            }),
            close(close_code::ERROR, "lost"),
        ],
    }
}

async fn write_loop(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Message>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        let frame = tokio::select! {
            frame = rx.recv() => match frame {
                Some(f) => f,
                None => break,
            },
            _ = ping.tick() => Message::Ping(Vec::new().into()),
        };
        let closing = matches!(frame, Message::Close(_));
        if sink.send(frame).await.is_err() || closing {
            break;
        }
    }
    let _ = sink.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repaint_joins_lines_with_crlf_and_resets_attributes() {
        assert_eq!(repaint("a\nb\n"), b"a\r\nb\x1b[0m".to_vec());
        assert_eq!(
            repaint("\x1b[31mred\n\n"),
            b"\x1b[31mred\r\n\x1b[0m".to_vec()
        );
        assert_eq!(repaint(""), b"\x1b[0m".to_vec());
    }

    #[test]
    fn a_tmux_clients_exit_line_is_recognised() {
        let detached = b"x\x1b[?7727l\x1b[?1004l[detached (from session bc-1)]\r\n";
        let exited = b"\x1b[?1004l[exited]\r\n";
        assert!(says_goodbye(detached) && says_goodbye(exited));
        // A program printing brackets, or more output after the line, is not it.
        for other in [
            &b"[exited]\r\n"[..],
            b"\x1b[?1004l[exited]\r\n$ ",
            b"\x1b[?1004l[a\nb]\r\n",
        ] {
            assert!(!says_goodbye(other), "{other:?}");
        }
    }

    #[test]
    fn sizes_come_in_pairs_within_bounds() {
        assert_eq!(checked_size(None, None).ok(), Some(None));
        assert_eq!(checked_size(Some(80), Some(24)).ok(), Some(Some((80, 24))));
        for (c, r) in [
            (Some(80), None),
            (Some(1), Some(24)),
            (Some(80), Some(1001)),
            (Some(-3), Some(5)),
        ] {
            assert!(checked_size(c, r).is_err(), "{c:?} {r:?}");
        }
    }

    #[tokio::test]
    async fn batches_coalesce_ready_chunks_up_to_the_frame_limit() {
        let (tx, mut rx) = mpsc::channel(8);
        for _ in 0..5 {
            tx.send(vec![b'x'; 100 * 1024]).await.unwrap_or_default();
        }
        drop(tx);
        let sizes: Vec<usize> = [
            next_batch(&mut rx).await,
            next_batch(&mut rx).await,
            next_batch(&mut rx).await,
        ]
        .into_iter()
        .map(|b| b.map_or(0, |b| b.len()))
        .collect();
        assert_eq!(sizes, [300 * 1024, 200 * 1024, 0]);
    }
}
