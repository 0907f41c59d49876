//! The HTTP side: llama-server / llama-swap routes, SSE streaming, and noticing
//! clients that hang up.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body as HttpBody, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

use super::admin;
use super::script::{self, Body, Reply};
use super::wire::{self, BUILD_INFO, Ctx};
use super::{FakeOptions, WhenEmpty};

/// What the handlers share with [`super::FakeLlm`].
pub(crate) struct Shared {
    pub queue: Mutex<VecDeque<Reply>>,
    pub requests: watch::Sender<Vec<Value>>,
    pub disconnects: watch::Sender<usize>,
    pub opts: FakeOptions,
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub fn queue(&self) -> MutexGuard<'_, VecDeque<Reply>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_disconnect(&self) {
        self.disconnects.send_modify(|n| *n += 1);
    }

    /// Resolves once the fake is being stopped.
    async fn stopping(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the FakeLlm is gone: that is a stop too.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    fn n_ctx(&self, model: &str) -> u64 {
        self.opts
            .n_ctx_by_model
            .get(model)
            .copied()
            .unwrap_or(self.opts.n_ctx)
    }

    fn first_model(&self) -> String {
        self.opts
            .models
            .first()
            .cloned()
            .unwrap_or_else(|| super::DEFAULT_MODEL.to_owned())
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .route("/props", get(props))
        .route("/upstream/{*rest}", get(upstream))
        .route("/health", get(health))
        .route("/v1/chat/completions", post(chat))
        .route("/chat/completions", post(chat))
        .route("/__script", post(admin::script))
        .route("/__requests", get(admin::requests))
        .fallback(not_found)
        .with_state(shared)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// llama-server's error shape.
fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "message": message, "type": kind}});
    (status, axum::Json(body)).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found_error", "File Not Found")
}

async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn models(State(st): State<Arc<Shared>>) -> Response {
    let data: Vec<Value> = st
        .opts
        .models
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "fake"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

fn props_json(st: &Shared, model: &str) -> Value {
    json!({
        "default_generation_settings": {
            "id": 0,
            "id_task": -1,
            "n_ctx": st.n_ctx(model),
            "speculative": false,
            "is_processing": false,
            "params": {"n_predict": -1, "temperature": 0.8, "top_k": 40, "top_p": 0.95, "stream": true},
        },
        "total_slots": 1,
        "model_alias": model,
        "model_path": format!("/models/{model}.gguf"),
        "chat_template": "",
        "modalities": {"vision": st.opts.vision, "audio": false},
        "build_info": BUILD_INFO,
    })
}

async fn props(State(st): State<Arc<Shared>>) -> Response {
    axum::Json(props_json(&st, &st.first_model())).into_response()
}

/// llama-swap's pass-through to one model's llama-server; only `props` is spoken.
async fn upstream(State(st): State<Arc<Shared>>, Path(rest): Path<String>) -> Response {
    let Some(model) = rest.strip_suffix("/props") else {
        return not_found().await;
    };
    if !st.opts.models.iter().any(|m| m == model) {
        return error(
            StatusCode::NOT_FOUND,
            "not_found_error",
            &format!("model {model} not found"),
        );
    }
    axum::Json(props_json(&st, model)).into_response()
}

/// Counts a disconnect if dropped before [`Armed::disarm`]: hyper drops the
/// handler future when the client hangs up while we are still "processing".
struct Armed(Option<Arc<Shared>>);

impl Armed {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(st) = self.0.take() {
            st.count_disconnect();
        }
    }
}

async fn chat(State(st): State<Arc<Shared>>, raw: Bytes) -> Response {
    let request = match serde_json::from_slice::<Value>(&raw) {
        Ok(v) => v,
        Err(e) => {
            let text = String::from_utf8_lossy(&raw).into_owned();
            st.requests.send_modify(|r| r.push(Value::String(text)));
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &format!("invalid JSON: {e}"),
            );
        }
    };
    let mut seq = 0;
    st.requests.send_modify(|r| {
        r.push(request.clone());
        seq = r.len();
    });
    let scripted = st.queue().pop_front();
    let reply = match (scripted, st.opts.when_empty) {
        (Some(r), _) => r,
        (None, WhenEmpty::Echo) => script::echo(&request, st.opts.echo_delay),
        (None, WhenEmpty::Error) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "boo-fake-llm: no scripted reply left",
            );
        }
    };
    let ctx = ctx_for(&st, &request, seq);
    let streaming = request.get("stream").and_then(Value::as_bool) == Some(true);

    let armed = Armed(Some(st.clone()));
    if !reply.delay_first.is_zero() {
        tokio::select! {
            () = tokio::time::sleep(reply.delay_first) => {}
            () = st.stopping() => {
                armed.disarm();
                return error(StatusCode::SERVICE_UNAVAILABLE, "unavailable_error", "shutting down");
            }
        }
    }
    let events = match &reply.body {
        Body::HttpError { status, body } => {
            armed.disarm();
            return http_error(*status, body);
        }
        Body::Events(events) => events.clone(),
    };
    if streaming {
        armed.disarm();
        let payloads = wire::stream_payloads(&reply, &events, &ctx);
        let frames = payloads
            .into_iter()
            .map(|p| Bytes::from(format!("data: {p}\n\n")))
            .collect();
        return body_response("text/event-stream", spawn_producer(st, reply, frames));
    }
    if reply.hang {
        // Never answer; `armed` counts the client giving up.
        st.stopping().await;
        armed.disarm();
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable_error",
            "shutting down",
        );
    }
    armed.disarm();
    let body = Bytes::from(wire::completion(&reply, &events, &ctx).to_string());
    if reply.fail_after.is_some() {
        let half = body.slice(..body.len() / 2);
        let cut = Reply {
            hang: false,
            fail_after: Some(1),
            delay_each: Duration::ZERO,
            ..reply
        };
        return body_response("application/json", spawn_producer(st, cut, vec![half]));
    }
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `seq` is the request's 1-based position in `FakeLlm::requests`: the id is `chatcmpl-fake-<seq>`.
fn ctx_for(st: &Shared, request: &Value, seq: usize) -> Ctx {
    let model = match request.get("model").and_then(Value::as_str) {
        Some(m) if !m.is_empty() => m.to_owned(),
        _ => st.first_model(),
    };
    Ctx {
        id: format!("chatcmpl-fake-{seq}"),
        model,
        created: now_secs(),
        include_usage: request
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        return_progress: request
            .get("return_progress")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        prompt_estimate: wire::estimate_prompt_tokens(request),
    }
}

fn http_error(status: u16, body: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = if serde_json::from_str::<Value>(body).is_ok() {
        "application/json; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    (status, [(header::CONTENT_TYPE, kind)], body.to_owned()).into_response()
}

type Chunk = Result<Bytes, std::io::Error>;

fn body_response(content_type: &'static str, rx: mpsc::Receiver<Chunk>) -> Response {
    let mut resp = Response::new(HttpBody::from_stream(ReceiverStream::new(rx)));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    resp
}

fn aborted() -> Chunk {
    Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "boo-fake-llm: scripted failure",
    ))
}

/// Feed `frames` to the response body with the reply's pacing; abort, hang, and
/// count a client that leaves early.
fn spawn_producer(st: Arc<Shared>, reply: Reply, frames: Vec<Bytes>) -> mpsc::Receiver<Chunk> {
    let (tx, rx) = mpsc::channel::<Chunk>(1);
    tokio::spawn(async move {
        let fail_at = reply.fail_after;
        for (i, frame) in frames.into_iter().enumerate() {
            if i > 0 && !reply.delay_each.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(reply.delay_each) => {}
                    () = tx.closed() => return st.count_disconnect(),
                    () = st.stopping() => return drop(tx.send(aborted()).await),
                }
            }
            if fail_at == Some(i) {
                return drop(tx.send(aborted()).await);
            }
            if tx.send(Ok(frame)).await.is_err() {
                return st.count_disconnect();
            }
        }
        if fail_at.is_some() {
            return drop(tx.send(aborted()).await);
        }
        if reply.hang {
            tokio::select! {
                () = tx.closed() => st.count_disconnect(),
                () = st.stopping() => drop(tx.send(aborted()).await),
            }
        }
    });
    rx
}

/// How long [`super::FakeLlm::stop`] waits for connections to wind down.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(5);
