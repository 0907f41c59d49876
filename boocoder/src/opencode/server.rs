//! One `opencode serve` process: started from the caller's [`Spec`] (already
//! wrapped in the sandbox if wanted), waited for until it answers, watched, and
//! stopped with its whole process group.
//!
//! The spec's argv must end with the opencode program and its `serve` command
//! (the provider's args; the sandbox wrapper puts them after `--`);
//! `--port 0 --hostname 127.0.0.1` is appended and
//! `OPENCODE_SERVER_PASSWORD` set to a fresh random password. opencode picks a
//! port (4096 when free, any free one otherwise) and prints `opencode server
//! listening on http://127.0.0.1:PORT` on stdout; that line gives the URL (no
//! port race), then `GET /global/health`
//! with the password must answer within [`ServerOptions::start_timeout`].
//!
//! In the sandbox the server must share the host's network namespace (bwrap
//! `--share-net`, the sandbox plan's `network`): with a private one its
//! loopback port is unreachable from boocoder.
//!
//! The child goes through [`crate::process`]: its own process group, killed
//! with the group on drop, parent-death signal, always reaped. Its stdout and
//! stderr share one pipe whose last [`ServerOptions::tail_bytes`] are kept for
//! diagnostics. [`Supervisor`] restarts a dead server with a backoff when asked.
//! opencode keeps sessions on disk (its XDG data dir), so they survive a restart
//! (tested); the new server has a new password (and maybe port), hence a new
//! client and event hub.

use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::client::Client;
use super::error::OpencodeError;
use crate::process::{Child, OutputTail, Spec};

/// What a server start waits for and keeps.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// From spawn to a healthy answer.
    pub start_timeout: Duration,
    /// How much of the combined stdout/stderr is kept.
    pub tail_bytes: usize,
    /// Grace of [`OpencodeServer::shutdown`] (SIGINT, SIGTERM, then SIGKILL).
    pub stop_grace: Duration,
    /// Restart backoff of [`Supervisor`]: first wait, doubled per consecutive
    /// failure up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            start_timeout: Duration::from_secs(30),
            tail_bytes: 64 * 1024,
            stop_grace: Duration::from_secs(3),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// The printed line that carries the URL.
const LISTENING: &str = "opencode server listening on ";

/// A running, healthy `opencode serve`.
#[derive(Debug)]
pub struct OpencodeServer {
    child: Child,
    client: Client,
    version: String,
    tail: Arc<OutputTail>,
    reader: JoinHandle<()>,
    grace: Duration,
}

impl OpencodeServer {
    /// Start `spec` as an opencode server and wait until it answers.
    pub async fn start(spec: Spec, opts: &ServerOptions) -> Result<Self, OpencodeError> {
        let password = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let spec = spec
            .args(["--port", "0", "--hostname", "127.0.0.1"])
            .env("OPENCODE_SERVER_PASSWORD", &password);
        let (mut child, output) = Child::spawn_combined(&spec)?;
        let tail = Arc::new(OutputTail::new(opts.tail_bytes.max(1)));
        let (url_tx, url_rx) = oneshot::channel();
        let reader = tokio::spawn(read_output(output, tail.clone(), url_tx));
        let deadline = Instant::now() + opts.start_timeout;
        let fail = |message: String, tail: &OutputTail| OpencodeError::Start {
            message,
            tail: tail.tail(),
        };
        let url = tokio::select! {
            url = url_rx => match url {
                Ok(url) => url,
                Err(_) => {
                    let status = child.wait().await.ok();
                    return Err(fail(exit_message(status), &tail));
                }
            },
            () = tokio::time::sleep_until(deadline) => {
                let _ = child.shutdown(opts.stop_grace).await;
                return Err(fail(format!("printed no URL within {:?}", opts.start_timeout), &tail));
            }
        };
        let client = Client::new(&url, password)?;
        let version = loop {
            if let Some(status) = child.try_exited() {
                return Err(fail(exit_message(Some(status)), &tail));
            }
            match client.health().await {
                Ok(h) if h.healthy => break h.version,
                _ if Instant::now() >= deadline => {
                    let _ = child.shutdown(opts.stop_grace).await;
                    return Err(fail(
                        format!("{url} not healthy within {:?}", opts.start_timeout),
                        &tail,
                    ));
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        tracing::info!(%url, %version, "opencode server started");
        Ok(Self {
            child,
            client,
            version,
            tail,
            reader,
            grace: opts.stop_grace,
        })
    }

    /// A client of this server (clone it freely).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// The version `GET /global/health` reported.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The server's pid (of the outermost process: the sandbox wrapper if any).
    pub fn pid(&self) -> Option<u32> {
        self.child.pid()
    }

    /// The last output (stdout and stderr interleaved), lossy UTF-8.
    pub fn output_tail(&self) -> String {
        self.tail.tail()
    }

    /// The exit status if the server has died (reaping it), without waiting.
    pub fn try_exited(&mut self) -> Option<ExitStatus> {
        self.child.try_exited()
    }

    /// Wait until the server dies. Cancel-safe.
    pub async fn exited(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Stop the whole process group (SIGINT, SIGTERM, SIGKILL) and reap it.
    pub async fn shutdown(mut self) -> Result<ExitStatus, OpencodeError> {
        let status = self.child.shutdown(self.grace).await?;
        Ok(status)
    }
}

impl Drop for OpencodeServer {
    fn drop(&mut self) {
        // The Child kills its group on drop; the reader ends with the pipe.
        self.reader.abort();
    }
}

fn exit_message(status: Option<ExitStatus>) -> String {
    match status {
        Some(s) => format!("exited ({s}) before listening"),
        None => "closed its output before listening".to_owned(),
    }
}

/// Read the child's output into the tail; send the URL once it is printed.
async fn read_output(
    mut pipe: tokio::net::unix::pipe::Receiver,
    tail: Arc<OutputTail>,
    url_tx: oneshot::Sender<String>,
) {
    let mut url_tx = Some(url_tx);
    // The first line(s), until the URL is found (bounded like the tail).
    let mut head = String::new();
    let mut buf = vec![0u8; 8192];
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let chunk = buf.get(..n).unwrap_or_default();
        tail.push(chunk);
        if url_tx.is_some() {
            head.push_str(&String::from_utf8_lossy(chunk));
            if let Some(url) = listening_url(&head)
                && let Some(tx) = url_tx.take()
            {
                let _ = tx.send(url);
            } else if head.len() > tail.cap() {
                let cut = head.len() - tail.cap() / 2;
                let cut = (cut..head.len())
                    .find(|i| head.is_char_boundary(*i))
                    .unwrap_or(head.len());
                head.drain(..cut);
            }
        }
    }
}

/// The URL of a complete `opencode server listening on URL` line in `text`.
fn listening_url(text: &str) -> Option<String> {
    let start = text.find(LISTENING)? + LISTENING.len();
    let rest = text.get(start..)?;
    let end = rest.find('\n')?;
    Some(rest.get(..end)?.trim().to_owned())
}

/// Keeps one server running: starts it on demand and restarts it after it died,
/// waiting longer after each consecutive failure.
pub struct Supervisor {
    make_spec: Box<dyn Fn() -> Spec + Send + Sync>,
    opts: ServerOptions,
    current: Option<OpencodeServer>,
    failures: u32,
    last_failure: Option<Instant>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("current", &self.current)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    /// `make_spec` builds the (sandboxed) command of each start.
    pub fn new(make_spec: impl Fn() -> Spec + Send + Sync + 'static, opts: ServerOptions) -> Self {
        Self {
            make_spec: Box::new(make_spec),
            opts,
            current: None,
            failures: 0,
            last_failure: None,
        }
    }

    /// The running server, started (or restarted after a death, after the
    /// backoff) if needed. A caller seeing a new [`OpencodeServer::base_url`]
    /// needs a new client and event hub.
    pub async fn ensure(&mut self) -> Result<&mut OpencodeServer, OpencodeError> {
        if let Some(server) = self.current.as_mut()
            && let Some(status) = server.try_exited()
        {
            tracing::warn!(%status, tail = %server.output_tail(), "opencode server died");
            self.current = None;
            self.note_failure();
        }
        if self.current.is_none() {
            if let Some(at) = self.last_failure {
                tokio::time::sleep_until(at + self.backoff()).await;
            }
            match OpencodeServer::start((self.make_spec)(), &self.opts).await {
                Ok(server) => {
                    self.failures = 0;
                    self.last_failure = None;
                    self.current = Some(server);
                }
                Err(e) => {
                    self.note_failure();
                    return Err(e);
                }
            }
        }
        self.current.as_mut().ok_or_else(|| OpencodeError::Start {
            message: "no server".to_owned(),
            tail: String::new(),
        })
    }

    /// The server if one is running (without starting or reaping anything).
    pub fn current(&self) -> Option<&OpencodeServer> {
        self.current.as_ref()
    }

    /// Stop the server, if any.
    pub async fn shutdown(&mut self) {
        if let Some(server) = self.current.take()
            && let Err(e) = server.shutdown().await
        {
            tracing::warn!(error = %e, "opencode server did not stop cleanly");
        }
    }

    fn note_failure(&mut self) {
        self.failures = self.failures.saturating_add(1);
        self.last_failure = Some(Instant::now());
    }

    /// The wait before the next start: `backoff_min` × 2^(failures−1), capped.
    fn backoff(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(16);
        self.opts
            .backoff_min
            .saturating_mul(1u32 << exp)
            .min(self.opts.backoff_max)
    }
}

#[cfg(test)]
mod tests;
