//! Probes of a daemon's HTTP edge for the hardening tests: requests with any
//! `Host`, content type or raw body, and WebSocket handshakes with any `Host` and
//! `Origin`, each answered as `(status, body)`; plus a table runner that sends a
//! list of [`Case`]s and compares every answer with its expected `{error, code}`
//! at once, so one run shows every route that answers wrongly.

use std::net::SocketAddr;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What a probe sends as its body.
#[derive(Clone, Debug)]
pub enum Body {
    None,
    /// `application/json`.
    Json(Value),
    /// Any bytes under any content type (`None`: no `Content-Type` header).
    Raw(Option<&'static str>, Vec<u8>),
}

/// How an expected error message is matched: whole, or by its start (for messages
/// that embed serde's wording).
#[derive(Clone, Debug)]
pub enum Text {
    Is(String),
    Prefix(&'static str),
}

/// One request and the error it must get.
#[derive(Clone, Debug)]
pub struct Case {
    pub method: &'static str,
    pub path: String,
    pub body: Body,
    pub status: u16,
    pub code: &'static str,
    pub error: Text,
}

impl Case {
    pub fn new(method: &'static str, path: impl Into<String>, body: Body) -> Self {
        Self {
            method,
            path: path.into(),
            body,
            status: 0,
            code: "",
            error: Text::Prefix(""),
        }
    }

    /// The error this case must get.
    pub fn want(mut self, status: u16, code: &'static str, error: Text) -> Self {
        self.status = status;
        self.code = code;
        self.error = error;
        self
    }
}

/// `{error, code}` as the daemons send it.
pub fn error_body(error: &str, code: &str) -> Value {
    json!({"error": error, "code": code})
}

/// The 400 a NUL in `place` (`field \`title\``, `the query string`, …) gets.
pub fn nul_in(place: &str) -> (u16, &'static str, Text) {
    (
        400,
        "nul_in_string",
        Text::Is(format!(
            "{place} contains a NUL character (U+0000), which no string may hold"
        )),
    )
}

/// The 403 a foreign `Host` gets.
pub fn bad_host(host: &str) -> (u16, Value) {
    (
        403,
        error_body(
            &format!(
                "Host {host:?} is not served here: only loopback names (localhost, \
                 127.0.0.1, [::1]), auth.allowed_hosts and auth.public_origin's host are"
            ),
            "bad_host",
        ),
    )
}

/// The 403 a WebSocket upgrade from a foreign `Origin` gets.
pub fn bad_origin(origin: &str) -> (u16, Value) {
    (
        403,
        error_body(
            &format!("WebSocket origin {origin:?} is not allowed"),
            "bad_origin",
        ),
    )
}

/// A client for one daemon's HTTP listener.
pub struct Probe {
    pub addr: SocketAddr,
    http: reqwest::Client,
}

impl Probe {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            http: reqwest::Client::new(),
        }
    }

    /// `method path` with `Host: host` (default: the address), the body, and any
    /// extra headers; the status and the body as JSON (or as a JSON string holding
    /// the text when it is not JSON, so a non-JSON error shows in a diff).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        host: Option<&str>,
        body: &Body,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .http
            .request(method, format!("http://{}{path}", self.addr));
        if let Some(host) = host {
            req = req.header(reqwest::header::HOST, host);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(v.to_string()),
            Body::Raw(content_type, bytes) => {
                let req = match content_type {
                    Some(ct) => req.header(reqwest::header::CONTENT_TYPE, *ct),
                    None => req,
                };
                req.body(bytes.clone())
            }
        };
        let resp = req.send().await.expect("the daemon answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The response headers of `method path` (for `Allow`).
    pub async fn headers(&self, method: &str, path: &str) -> reqwest::header::HeaderMap {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        self.http
            .request(method, format!("http://{}{path}", self.addr))
            .send()
            .await
            .expect("the daemon answers")
            .headers()
            .clone()
    }

    /// A WebSocket handshake on `path` with `Host` (default: the address) and
    /// `Origin`: `(101, null)` when it upgrades (the socket is closed again), else
    /// the refusal's status and JSON body.
    pub async fn ws(&self, path: &str, host: Option<&str>, origin: Option<&str>) -> (u16, Value) {
        let mut req = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .expect("a ws request");
        if let Some(host) = host {
            req.headers_mut()
                .insert("host", host.parse().expect("a header value"));
        }
        if let Some(origin) = origin {
            req.headers_mut()
                .insert("origin", origin.parse().expect("a header value"));
        }
        match tokio_tungstenite::connect_async(req).await {
            Ok((mut socket, resp)) => {
                let _ = socket.close(None).await;
                (resp.status().as_u16(), Value::Null)
            }
            Err(tungstenite::Error::Http(resp)) => {
                let status = resp.status().as_u16();
                let body = resp.body().clone().unwrap_or_default();
                let text = String::from_utf8_lossy(&body).into_owned();
                (
                    status,
                    serde_json::from_str(&text).unwrap_or(Value::String(text)),
                )
            }
            Err(e) => panic!("WebSocket handshake on {path} failed: {e}"),
        }
    }

    /// Send every case and assert all answers at once: `(label, status, body)` per
    /// case, where a body whose `error` starts with the expected prefix shows the
    /// prefix.
    pub async fn assert_cases(&self, cases: &[Case]) {
        let mut got = Vec::new();
        let mut want = Vec::new();
        for case in cases {
            let label = format!("{} {}", case.method, case.path);
            let (status, mut body) = self.send(case.method, &case.path, None, &case.body).await;
            let expected_error = match &case.error {
                Text::Is(text) => text.clone(),
                Text::Prefix(prefix) => {
                    let matches = body["error"]
                        .as_str()
                        .is_some_and(|e| e.starts_with(prefix));
                    if matches && body.as_object().is_some_and(|o| o.len() == 2) {
                        body["error"] = json!(format!("{prefix}…"));
                    }
                    format!("{prefix}…")
                }
            };
            got.push((label.clone(), status, body));
            want.push((label, case.status, error_body(&expected_error, case.code)));
        }
        pretty_assertions::assert_eq!(got, want);
    }
}
