//! One turn of a PTY provider: run the CLI, stream its events, end it cleanly.
//!
//! The output is read while three things may happen, in any order:
//!
//! - the CLI exits: what it wrote is drained (up to [`DRAIN`]; a grandchild still
//!   holding the terminal is then killed with the rest of the session);
//! - the stream-json `result` line arrives: the turn's answer is known; a CLI that
//!   does not exit within [`AFTER_RESULT`] of it (a stuck MCP server) is stopped;
//! - the turn is cancelled: the session gets SIGINT, SIGTERM after a third of
//!   `grace`, SIGKILL after two thirds, while the output keeps being read.
//!
//! Whatever happened, the child is reaped and its session is empty before
//! [`run_turn`] returns.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ParserKind;
use super::process::{PtyExit, PtyProcess, PtySpec, SpawnError};
use super::raw::RawText;
use super::stream_json::{Parsed, StreamJsonParser};

#[cfg(test)]
mod tests;
use crate::acp::AgentEvent;

/// How long output is still read after the CLI exited.
pub const DRAIN: Duration = Duration::from_secs(2);
/// How long the CLI may linger after its `result` line before it is stopped.
pub const AFTER_RESULT: Duration = Duration::from_secs(5);
/// The longest line kept for the stream-json parser (a tool result may be large);
/// a longer line is cut there, fails to parse, and is ignored.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// How a turn ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TurnEnd {
    /// The CLI reported success (stream-json), or exited 0 (raw).
    Complete,
    /// Stopped on request.
    Cancelled,
    /// The CLI reported an error, crashed, or ended without a result; the
    /// message says which and carries the tail of its output when that helps.
    Failed(String),
}

/// What [`run_turn`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnOutcome {
    pub end: TurnEnd,
    /// The CLI session to resume next turn (stream-json only).
    pub session_id: Option<String>,
    /// How the CLI process ended.
    pub exit: PtyExit,
}

/// Run `spec` as one turn, parsing its output with `parser` into `events`.
/// `cancel` stops it (see the module docs for `grace`). Spawning errors come back
/// as errors; everything after that is in the [`TurnOutcome`].
pub async fn run_turn(
    spec: &PtySpec,
    parser: ParserKind,
    events: mpsc::Sender<AgentEvent>,
    cancel: CancellationToken,
    grace: Duration,
) -> Result<TurnOutcome, SpawnError> {
    let mut proc = PtyProcess::spawn(spec)?;
    let Some(mut output) = proc.take_output() else {
        return Err(SpawnError::Pty("no output channel".to_owned()));
    };
    let mut decode = Decoder::new(parser);
    let mut exit: Option<PtyExit> = None;
    let mut cancelled = false;
    // When to stop waiting for the output or the CLI, and stop the session.
    let mut deadline: Option<tokio::time::Instant> = None;
    let stop = proc.stop(grace);
    tokio::pin!(stop);
    loop {
        let sleep_until = deadline.unwrap_or_else(far_future);
        tokio::select! {
            chunk = output.recv() => {
                let Some(chunk) = chunk else { break };
                let had_result = decode.done.is_some();
                for ev in decode.push(&chunk) {
                    // The consumer gone is not the CLI's problem: keep draining.
                    let _ = events.send(ev).await;
                }
                if !had_result && decode.done.is_some() && exit.is_none() && !cancelled {
                    deadline = Some(tokio::time::Instant::now() + AFTER_RESULT);
                }
            }
            status = proc.wait(), if exit.is_none() => {
                exit = Some(status);
                let drain = tokio::time::Instant::now() + DRAIN;
                deadline = Some(deadline.map_or(drain, |d| d.min(drain)));
            }
            () = cancel.cancelled(), if !cancelled => {
                cancelled = true;
                deadline = None;
            }
            status = &mut stop, if cancelled => {
                exit = Some(status);
                // The session is gone: whatever is still buffered comes now.
                drain_rest(&mut output, &mut decode, &events, DRAIN).await;
                break;
            }
            () = tokio::time::sleep_until(sleep_until), if deadline.is_some() => {
                // Exited but the terminal is still held (stop at once), or
                // lingering after its result (interrupt first): take the whole
                // session down, then read what is left.
                let patience = if exit.is_some() { Duration::ZERO } else { grace };
                exit = Some(proc.stop(patience).await);
                drain_rest(&mut output, &mut decode, &events, DRAIN).await;
                break;
            }
        }
    }
    for ev in decode.finish() {
        let _ = events.send(ev).await;
    }
    // The terminal can close a moment before the exit is reported.
    if exit.is_none()
        && let Ok(status) = tokio::time::timeout(DRAIN, proc.wait()).await
    {
        exit = Some(status);
    }
    // Reap and sweep: immediate when the CLI and all it started are gone.
    let exit = match exit {
        Some(e) if proc.group_gone() => e,
        _ => proc.stop(Duration::ZERO).await,
    };
    let end = if cancelled {
        TurnEnd::Cancelled
    } else {
        decode.end(&proc, &exit)
    };
    Ok(TurnOutcome {
        end,
        session_id: decode.session_id,
        exit,
    })
}

/// Read what the reader still delivers (bounded by `limit`).
async fn drain_rest(
    output: &mut mpsc::Receiver<Vec<u8>>,
    decode: &mut Decoder,
    events: &mpsc::Sender<AgentEvent>,
    limit: Duration,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, output.recv()).await {
        for ev in decode.push(&chunk) {
            let _ = events.send(ev).await;
        }
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400)
}

/// Output bytes → events, by parser kind.
struct Decoder {
    kind: ParserKind,
    json: StreamJsonParser,
    raw: RawText,
    /// The unfinished line (stream-json).
    line: Vec<u8>,
    session_id: Option<String>,
    /// The `result` line's verdict: (ok, error).
    done: Option<(bool, Option<String>)>,
}

impl Decoder {
    fn new(kind: ParserKind) -> Self {
        Self {
            kind,
            json: StreamJsonParser::new(),
            raw: RawText::new(),
            line: Vec::new(),
            session_id: None,
            done: None,
        }
    }

    fn push(&mut self, chunk: &[u8]) -> Vec<AgentEvent> {
        match self.kind {
            ParserKind::Raw => text_event(self.raw.push(chunk)),
            ParserKind::StreamJson => {
                let mut out = Vec::new();
                for piece in chunk.split_inclusive(|&b| b == b'\n') {
                    if self.line.len() + piece.len() <= MAX_LINE {
                        self.line.extend_from_slice(piece);
                    }
                    if piece.ends_with(b"\n") {
                        let line = std::mem::take(&mut self.line);
                        self.parse(&line, &mut out);
                    }
                }
                out
            }
        }
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        match self.kind {
            ParserKind::Raw => text_event(self.raw.finish()),
            ParserKind::StreamJson => {
                let mut out = Vec::new();
                let line = std::mem::take(&mut self.line);
                self.parse(&line, &mut out);
                out
            }
        }
    }

    fn parse(&mut self, line: &[u8], out: &mut Vec<AgentEvent>) {
        for parsed in self.json.push_line(&String::from_utf8_lossy(line)) {
            match parsed {
                Parsed::Agent(ev) => out.push(ev),
                Parsed::SessionId(id) => self.session_id = Some(id),
                Parsed::Done { ok, error } => self.done = Some((ok, error)),
            }
        }
    }

    /// The verdict of a turn that was not cancelled.
    fn end(&self, proc: &PtyProcess, exit: &PtyExit) -> TurnEnd {
        match (&self.done, self.kind) {
            (Some((true, _)), _) => TurnEnd::Complete,
            (Some((false, error)), _) => TurnEnd::Failed(
                error
                    .clone()
                    .unwrap_or_else(|| "the CLI reported an error".to_owned()),
            ),
            (None, ParserKind::Raw) if exit.success() => TurnEnd::Complete,
            (None, kind) => {
                let what = match kind {
                    ParserKind::StreamJson => "ended without a result",
                    ParserKind::Raw => "failed",
                };
                let tail = proc.tail();
                let tail = tail.trim();
                let tail = if tail.is_empty() {
                    String::new()
                } else {
                    format!("\noutput:\n{tail}")
                };
                TurnEnd::Failed(format!("{} {what} ({exit}){tail}", proc.program()))
            }
        }
    }
}

fn text_event(text: String) -> Vec<AgentEvent> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![AgentEvent::Text(text)]
    }
}
