//! Probes of a daemon's HTTP edge for the hardening tests: requests with any
//! `Host`, content type or raw body, and WebSocket handshakes with any `Host` and
//! `Origin`, each answered as `(status, body)`; plus a table runner that sends a
//! list of [`Case`]s and compares every answer with its expected `{error, code}`
//! at once, so one run shows every route that answers wrongly.
//!
//! What every daemon's edge test checks the same way lives here too: the DNS
//! rebinding and Origin probes ([`Probe::assert_foreign_hosts_refused`],
//! [`Probe::assert_hosts_answered`], [`Probe::assert_foreign_origins_refused`]),
//! and the cases each refusal makes of a daemon's own routes ([`not_allowed`],
//! [`too_big`], [`plain_get_on_socket`], [`no_route`], [`nul_in_query_strings`],
//! [`nul_in_path_parameters`]).

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

/// What a NUL in `place` is told, over HTTP and gRPC alike.
pub fn nul_message(place: &str) -> String {
    format!("{place} contains a NUL character (U+0000), which no string may hold")
}

/// The 400 a NUL in `place` (`field \`title\``, `the query string`, …) gets.
pub fn nul_in(place: &str) -> (u16, &'static str, Text) {
    (400, "nul_in_string", Text::Is(nul_message(place)))
}

/// The 400 a NUL in the body's field `name` (`title`, `panes[0].id`) gets.
pub fn field(name: &str) -> (u16, &'static str, Text) {
    nul_in(&format!("field `{name}`"))
}

/// The 400 a body of the wrong shape gets (the rest of the message is serde's).
pub fn shape() -> (u16, &'static str, Text) {
    (
        400,
        "invalid_body",
        Text::Prefix("Failed to deserialize the JSON body into the target type: "),
    )
}

/// The 400 a body with another content type than JSON, or none, gets.
pub fn media() -> (u16, &'static str, Text) {
    (
        400,
        "unsupported_media_type",
        Text::Is("Expected request with `Content-Type: application/json`".into()),
    )
}

/// A `text/plain` body.
pub fn text(body: &str) -> Body {
    Body::Raw(Some("text/plain"), body.as_bytes().to_vec())
}

/// `method path` with `body` must get `want`, a `(status, code, error)` as the
/// functions above give.
pub fn case(
    method: &'static str,
    path: impl Into<String>,
    body: Body,
    want: (u16, &'static str, Text),
) -> Case {
    Case::new(method, path, body).want(want.0, want.1, want.2)
}

/// A known route asked with another method: 405 naming both.
pub fn not_allowed(method: &'static str, path: impl Into<String>, body: Body) -> Case {
    let path = path.into();
    let error = Text::Is(format!("{method} is not allowed on {path}"));
    case(method, path, body, (405, "method_not_allowed", error))
}

/// A JSON body over the body limit: 413.
pub fn too_big(method: &'static str, path: impl Into<String>, body: &Value) -> Case {
    let bytes = serde_json::to_vec(body).expect("JSON");
    case(
        method,
        path,
        Body::Raw(Some("application/json"), bytes),
        (
            413,
            "payload_too_large",
            Text::Is("Failed to buffer the request body: length limit exceeded".into()),
        ),
    )
}

/// A plain GET (no upgrade) on a WebSocket route: 400 `not_a_websocket`.
pub fn plain_get_on_socket(path: impl Into<String>) -> Case {
    case(
        "GET",
        path,
        Body::None,
        (
            400,
            "not_a_websocket",
            Text::Is(
                "this route is a WebSocket: Connection header did not include 'upgrade'".into(),
            ),
        ),
    )
}

/// An API path no route answers: 404 naming the method and path.
pub fn no_route(method: &'static str, path: impl Into<String>, body: Body) -> Case {
    let path = path.into();
    let error = Text::Is(format!("no route for {method} {path}"));
    case(method, path, body, (404, "not_found", error))
}

/// A `%00` in the query string of a GET of each of `paths`: 400 `nul_in_string`.
pub fn nul_in_query_strings(paths: impl IntoIterator<Item = String>) -> Vec<Case> {
    paths
        .into_iter()
        .map(|path| case("GET", path, Body::None, nul_in("the query string")))
        .collect()
}

/// A `%00` in the path parameter of each of `routes` (`(method, path)`): 400
/// `nul_in_string`. A GET is sent without a body, anything else with `{}`.
pub fn nul_in_path_parameters(
    routes: impl IntoIterator<Item = (&'static str, String)>,
) -> Vec<Case> {
    routes
        .into_iter()
        .map(|(method, path)| {
            let body = if method == "GET" {
                Body::None
            } else {
                Body::Json(json!({}))
            };
            case(method, path, body, nul_in("a path parameter"))
        })
        .collect()
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

    /// The `Allow` header of the answer to `method path`.
    pub async fn allow(&self, method: &str, path: &str) -> Option<String> {
        self.headers(method, path)
            .await
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
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

    /// DNS rebinding: under a foreign `Host` (`evil.example`, without and with the
    /// daemon's port) `GET /`, `GET /healthz`, each of `http` (`(method, path,
    /// body)`) and a handshake on each of `sockets`, without an Origin and with the
    /// attacker's, are all 403 `bad_host`.
    pub async fn assert_foreign_hosts_refused(
        &self,
        http: &[(&'static str, String, Body)],
        sockets: &[&str],
    ) {
        let port = self.addr.port();
        let evil_origin = format!("http://evil.example:{port}");
        for host in ["evil.example", &format!("evil.example:{port}")] {
            let h = Some(host);
            let mut got = Vec::new();
            for (method, path, body) in http {
                got.push(self.send(method, path, h, body).await);
            }
            got.push(self.send("GET", "/", h, &Body::None).await);
            got.push(self.send("GET", "/healthz", h, &Body::None).await);
            for socket in sockets {
                got.push(self.ws(socket, h, None).await);
                got.push(self.ws(socket, h, Some(&evil_origin)).await);
            }
            let want = vec![bad_host(host); got.len()];
            pretty_assertions::assert_eq!(got, want, "Host {host}");
        }
    }

    /// Each of `hosts` (`host:port`) is served: `GET route` is 200, and a handshake
    /// on each of `sockets` with that host's own Origin upgrades.
    pub async fn assert_hosts_answered(&self, hosts: &[String], route: &str, sockets: &[&str]) {
        for host in hosts {
            let h = Some(host.as_str());
            let (status, _) = self.send("GET", route, h, &Body::None).await;
            let origin = format!("http://{host}");
            let mut upgrades = Vec::new();
            for socket in sockets {
                upgrades.push(self.ws(socket, h, Some(&origin)).await);
            }
            pretty_assertions::assert_eq!(
                (status, upgrades),
                (200, vec![(101, Value::Null); sockets.len()]),
                "Host {host}"
            );
        }
    }

    /// The Origin is the page's own scheme, host and port: on `127.0.0.1:port` a
    /// handshake on `socket` from `https://` or the next port, from
    /// `evil.example`, or from any of `more`, is 403 `bad_origin`.
    pub async fn assert_foreign_origins_refused(&self, socket: &str, more: &[String]) {
        let port = self.addr.port();
        let host = format!("127.0.0.1:{port}");
        let origins = [
            format!("https://127.0.0.1:{port}"),
            format!("http://127.0.0.1:{}", port.wrapping_add(1)),
            format!("http://evil.example:{port}"),
        ];
        for origin in origins.iter().chain(more) {
            pretty_assertions::assert_eq!(
                self.ws(socket, Some(&host), Some(origin)).await,
                bad_origin(origin),
                "{origin}"
            );
        }
    }

    /// The daemon's contract at `/api/openapi.json`: an OpenAPI 3.1 document whose
    /// operations are exactly the routes every daemon shares plus `own` (`"GET
    /// /api/x/{id}"`), and each of them routed: called with made-up ids (and `[]`
    /// as the body, refused before anything is done) it is never the fallback's
    /// 404 ("no route for …") nor 405. Returns the document.
    pub async fn assert_contract(&self, own: &[&str]) -> Value {
        let (status, doc) = self
            .send("GET", "/api/openapi.json", None, &Body::None)
            .await;
        assert_eq!(status, 200, "{doc}");
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("a path item").keys() {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
        documented.sort();
        let mut want: Vec<String> = [
            "GET /healthz",
            "GET /metrics",
            "GET /api/whoami",
            "GET /api/ws",
            "GET /api/openapi.json",
        ]
        .iter()
        .chain(own)
        .map(|s| (*s).to_owned())
        .collect();
        want.sort();
        want.dedup();
        assert_eq!(documented, want, "the documented operations");
        let id = uuid::Uuid::new_v4().to_string();
        for op in &documented {
            let (method, template) = op.split_once(' ').expect("METHOD path");
            let path: String = template
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        id.as_str()
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let body = match method {
                "POST" | "PATCH" | "PUT" => Body::Json(json!([])),
                _ => Body::None,
            };
            let (status, answer) = self.send(method, &path, None, &body).await;
            let unrouted = answer["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("no route for"));
            assert!(
                status != 405 && !unrouted,
                "{op} is documented but {method} {path} is not routed: {status} {answer}"
            );
        }
        doc
    }
}
