//! A scripted OpenAI-compatible LLM server that stands in for llama-server (and
//! llama-swap's model list and `/upstream/<model>/props`) in tests and demos.
//!
//! Each `POST /v1/chat/completions` consumes the next [`Reply`] pushed with
//! [`FakeLlm::push`]; with none left it answers per [`WhenEmpty`] (by default it
//! thinks about and echoes the last user message). Streaming follows llama-server:
//! a role chunk, one chunk per [`Event`], a finish chunk, an empty-`choices` usage
//! chunk when `stream_options.include_usage` is set, `timings` on the last chunk,
//! then `data: [DONE]`.
//!
//! Another process scripts it over HTTP: `POST /__script` queues replies given as
//! JSON and `GET /__requests` lists the bodies received (`admin.rs`).
//!
//! ```no_run
//! # async fn demo() {
//! use boo_testkit::fake_llm::{FakeLlm, Reply};
//! let llm = FakeLlm::start().await;
//! llm.push(Reply::text("Hello!").with_reasoning("The user greets me."));
//! // point the daemon at llm.base_url() and drive it …
//! let bodies = llm.wait_requests(1, std::time::Duration::from_secs(10)).await;
//! llm.stop().await;
//! # }
//! ```

mod admin;
mod script;
mod server;
#[cfg(test)]
mod tests;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use admin::{ReplySpec, ToolCallSpec};
pub use script::{Event, Reply};

/// The model the fake serves when none is configured.
pub const DEFAULT_MODEL: &str = "fake-model";
/// The context size `/props` reports when none is configured.
pub const DEFAULT_N_CTX: u64 = 8192;

/// What a chat completion gets when no scripted reply is left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WhenEmpty {
    /// Reasoning "Thinking about: <last user message>", then content
    /// "Echo: <last user message>", in small chunks.
    #[default]
    Echo,
    /// HTTP 500 (for tests that must notice an unexpected extra request).
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FakeOptions {
    /// `GET /v1/models`, in order; the first is the model `/props` describes.
    pub models: Vec<String>,
    /// `n_ctx` in `/props` and `/upstream/<model>/props`.
    pub n_ctx: u64,
    /// Per-model `n_ctx` for `/upstream/<model>/props`, overriding `n_ctx`.
    pub n_ctx_by_model: HashMap<String, u64>,
    /// `/props` reports `modalities.vision: true` (a server started with an
    /// `--mmproj`): the model takes images.
    pub vision: bool,
    /// Pause between chunks of the unscripted echo reply.
    pub echo_delay: Duration,
    pub when_empty: WhenEmpty,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            models: vec![DEFAULT_MODEL.to_owned()],
            n_ctx: DEFAULT_N_CTX,
            n_ctx_by_model: HashMap::new(),
            vision: false,
            echo_delay: Duration::ZERO,
            when_empty: WhenEmpty::Echo,
        }
    }
}

/// A running fake LLM server on loopback. Dropping it stops it too (without waiting).
pub struct FakeLlm {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    stop_tx: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl FakeLlm {
    /// Serve [`DEFAULT_MODEL`] with [`DEFAULT_N_CTX`] on `127.0.0.1:0`.
    pub async fn start() -> Self {
        Self::start_with(FakeOptions::default()).await
    }

    /// Serve with `opts` on `127.0.0.1:0`.
    pub async fn start_with(opts: FakeOptions) -> Self {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        match Self::bind(loopback, opts).await {
            Ok(llm) => llm,
            Err(e) => panic!("fake LLM cannot bind {loopback}: {e}"),
        }
    }

    /// Serve with `opts` on `addr` (the `boo-fake-llm` binary).
    pub async fn bind(addr: SocketAddr, opts: FakeOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(server::Shared {
            queue: std::sync::Mutex::new(VecDeque::new()),
            requests: watch::Sender::new(Vec::new()),
            disconnects: watch::Sender::new(0),
            opts,
            shutdown: stop_rx.clone(),
        });
        let app = server::router(shared.clone());
        let mut stopping = stop_rx;
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                })
                .await
        });
        Ok(Self {
            addr,
            shared,
            stop_tx,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1` — what an OpenAI client is configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT` — for `/props`, `/health`, `/upstream/<model>/props`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queue the answer to a future chat completion (first in, first out).
    pub fn push(&self, reply: Reply) {
        self.shared.queue().push_back(reply);
    }

    /// Scripted replies not consumed yet.
    pub fn pending(&self) -> usize {
        self.shared.queue().len()
    }

    /// Bodies of the chat completion requests received so far, in order (a body
    /// that is not JSON is recorded as a JSON string).
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.borrow().clone()
    }

    /// The conversation request `n` carried after its system prompt, as (role,
    /// content) pairs: what a model was shown of the history.
    pub fn conversation(&self, n: usize) -> Vec<(String, String)> {
        let requests = self.requests();
        let request = requests
            .get(n)
            .unwrap_or_else(|| panic!("no request {n}: {} arrived", requests.len()));
        request["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("request {n} has no messages: {request}"))
            .iter()
            .skip(1)
            .map(|m| {
                (
                    m["role"].as_str().unwrap_or_default().to_owned(),
                    m["content"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Wait until at least `n` requests arrived and return them all; panics after `limit`.
    pub async fn wait_requests(&self, n: usize, limit: Duration) -> Vec<Value> {
        let mut rx = self.shared.requests.subscribe();
        match tokio::time::timeout(limit, rx.wait_for(|r| r.len() >= n)).await {
            Ok(Ok(got)) => got.clone(),
            _ => panic!(
                "timed out after {limit:?} waiting for {n} chat requests; got {:#?}",
                self.requests()
            ),
        }
    }

    /// Streams (or pending answers) whose client went away before the end.
    pub fn disconnects(&self) -> usize {
        *self.shared.disconnects.borrow()
    }

    /// Wait until at least `n` clients went away early; panics after `limit`.
    pub async fn wait_disconnects(&self, n: usize, limit: Duration) -> usize {
        let mut rx = self.shared.disconnects.subscribe();
        match tokio::time::timeout(limit, rx.wait_for(|d| *d >= n)).await {
            Ok(Ok(got)) => *got,
            _ => panic!(
                "timed out after {limit:?} waiting for {n} disconnects; got {}",
                self.disconnects()
            ),
        }
    }

    /// Abort open streams, close connections, and wait (boundedly) for the server to end.
    pub async fn stop(mut self) {
        self.stop_tx.send_replace(true);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(server::STOP_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.stop_tx.send_replace(true);
    }
}
