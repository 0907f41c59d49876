//! Prometheus metrics (`GET /metrics`, text exposition format 0.0.4).
//!
//! One [`Metrics`] per daemon, made by the daemon's `run` and handed to the
//! serving loop in [`crate::daemon::Service`]. Every series carries the constant
//! label `daemon="boochat|boocoder|booterm"`. The shared parts live here: the HTTP
//! layer ([`track_http`]: requests by method, route template and status, and a
//! latency histogram), the WebSocket client gauge ([`Metrics::ws_client`]) and
//! scrape-time samplers ([`Metrics::sampled_gauge`], used for the DB pool). A
//! daemon registers its own series with [`Metrics::register`].
//!
//! Who may scrape is decided in [`crate::auth`]: loopback peers whose request
//! carries no forwarding header (so it did not come through Caddy).

use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use http::header::CONTENT_TYPE;
use http::{Method, StatusCode};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry};

pub use prometheus_client::metrics::counter::Counter;
pub use prometheus_client::metrics::gauge::Gauge;

use crate::config::DaemonKind;
use crate::error::ApiError;

/// The path every daemon serves its metrics on.
pub const PATH: &str = "/metrics";

/// The route label of a request no route matched (the web client's files, 404s).
pub const UNMATCHED: &str = "unmatched";

/// `text/plain; version=0.0.4`: the Prometheus text exposition format.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Latency buckets in seconds: a keystroke round trip up to a slow model list.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

type Labels = Vec<(&'static str, String)>;
type Sampler = Box<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// A counter family with one label, `outcome` (turns, tasks).
#[derive(Clone, Debug, Default)]
pub struct Outcomes(Family<Vec<(&'static str, &'static str)>, Counter>);

impl Outcomes {
    /// Start these outcomes at 0, so they are exported before the first one happens.
    pub fn with(outcomes: &[&'static str]) -> Self {
        let this = Self::default();
        for o in outcomes {
            drop(this.0.get_or_create(&vec![("outcome", *o)]));
        }
        this
    }

    pub fn inc(&self, outcome: &'static str) {
        self.0.get_or_create(&vec![("outcome", outcome)]).inc();
    }

    /// The count for one outcome (tests).
    pub fn get(&self, outcome: &'static str) -> u64 {
        self.0
            .get(&vec![("outcome", outcome)])
            .map_or(0, |c| c.get())
    }
}

impl prometheus_client::encoding::EncodeMetric for Outcomes {
    fn encode(
        &self,
        encoder: prometheus_client::encoding::MetricEncoder<'_>,
    ) -> Result<(), std::fmt::Error> {
        self.0.encode(encoder)
    }

    fn metric_type(&self) -> prometheus_client::metrics::MetricType {
        self.0.metric_type()
    }
}

pub struct Metrics {
    kind: DaemonKind,
    registry: Mutex<Registry>,
    http_requests: Family<Labels, Counter>,
    http_duration: Family<Labels, Histogram>,
    ws_clients: Gauge,
    samplers: Mutex<Vec<Sampler>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("daemon", &self.kind.name())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// The registry of one daemon with the shared series registered.
    pub fn new(kind: DaemonKind) -> Arc<Self> {
        let mut registry = Registry::with_labels(std::iter::once((
            Cow::Borrowed("daemon"),
            Cow::Borrowed(kind.name()),
        )));
        let http_requests = Family::<Labels, Counter>::default();
        registry.register(
            "boo_http_requests",
            "HTTP requests answered, by method, route template and status code",
            http_requests.clone(),
        );
        let http_duration = Family::<Labels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "boo_http_request_duration_seconds",
            "Time to the response head, by method and route template",
            http_duration.clone(),
        );
        let ws_clients = Gauge::default();
        registry.register(
            "boo_websocket_clients",
            "WebSocket clients connected now",
            ws_clients.clone(),
        );
        Arc::new(Self {
            kind,
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            ws_clients,
            samplers: Mutex::new(Vec::new()),
        })
    }

    pub fn kind(&self) -> DaemonKind {
        self.kind
    }

    /// Register a daemon's own series (a counter's name without `_total`).
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        self.registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .register(name, help, metric);
    }

    /// A gauge whose value `sample` computes at every scrape (`None`: keep the
    /// last value, e.g. when the database did not answer).
    pub fn sampled_gauge<F, Fut>(&self, name: &str, help: &str, sample: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<i64>> + Send + 'static,
    {
        let gauge: Gauge = Gauge::default();
        self.register(name, help, gauge.clone());
        let sampler: Sampler = Box::new(move || {
            let gauge = gauge.clone();
            let value = sample();
            Box::pin(async move {
                if let Some(v) = value.await {
                    gauge.set(v);
                }
            })
        });
        self.samplers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sampler);
    }

    /// Count a WebSocket client until the guard drops.
    pub fn ws_client(&self) -> WsClient {
        self.ws_clients.inc();
        WsClient(self.ws_clients.clone())
    }

    fn observe(&self, method: &Method, route: String, status: StatusCode, secs: f64) {
        let method = method_label(method);
        self.http_requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.clone()),
                ("status", status.as_u16().to_string()),
            ])
            .inc();
        self.http_duration
            .get_or_create(&vec![("method", method.to_owned()), ("route", route)])
            .observe(secs);
    }

    /// Sample, then encode everything in the text exposition format.
    pub async fn render(&self) -> Result<String, std::fmt::Error> {
        let pending: Vec<_> = self
            .samplers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s())
            .collect();
        futures::future::join_all(pending).await;
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

/// Keeps `boo_websocket_clients` up while a socket lives.
#[derive(Debug)]
pub struct WsClient(Gauge);

impl Drop for WsClient {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Known methods by name; anything else is `other` (no label per invented verb).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Axum middleware (a `Router::layer`, so the route is already matched): count
/// the request and time it; handlers find the [`Metrics`] as an extension.
pub async fn track_http(State(m): State<Arc<Metrics>>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    req.extensions_mut().insert(m.clone());
    let start = Instant::now();
    let resp = next.run(req).await;
    m.observe(&method, route, resp.status(), start.elapsed().as_secs_f64());
    resp
}

/// Prometheus text exposition; loopback peers without forwarding headers only (403
/// `metrics_local_only` otherwise).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    responses((status = 200, description = "The daemon's metrics", body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"))
)]
pub async fn scrape(State(m): State<Arc<Metrics>>) -> Response {
    match m.render().await {
        Ok(body) => ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], body).into_response(),
        Err(_) => ApiError::internal("cannot encode metrics").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn_with_state;
    use axum::routing::get;
    use pretty_assertions::assert_eq;
    use tower::ServiceExt;

    fn lines(text: &str, name: &str) -> Vec<String> {
        let mut l: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .map(String::from)
            .collect();
        l.sort();
        l
    }

    #[tokio::test]
    async fn a_fresh_registry_renders_the_shared_series() {
        let m = Metrics::new(DaemonKind::Term);
        m.sampled_gauge("boo_example", "An example", || async { Some(7) });
        let text = m.render().await.unwrap();
        assert_eq!(
            text,
            // Families without a series yet print nothing; HELP gets a full stop.
            "# HELP boo_websocket_clients WebSocket clients connected now.\n\
             # TYPE boo_websocket_clients gauge\n\
             boo_websocket_clients{daemon=\"booterm\"} 0\n\
             # HELP boo_example An example.\n\
             # TYPE boo_example gauge\n\
             boo_example{daemon=\"booterm\"} 7\n"
        );
    }

    #[tokio::test]
    async fn the_layer_labels_route_templates_and_the_ws_guard_counts() {
        let m = Metrics::new(DaemonKind::Chat);
        let app = Router::new()
            .route("/api/chats/{id}", get(|| async { "ok" }))
            .fallback(|| async { StatusCode::NOT_FOUND })
            .layer(from_fn_with_state(m.clone(), track_http));
        for uri in ["/api/chats/1", "/api/chats/2", "/nowhere"] {
            let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
            app.clone().oneshot(req).await.unwrap();
        }
        let req = Request::builder()
            .method("BREW")
            .uri("/api/chats/3")
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(req).await.unwrap();
        let guard = m.ws_client();
        let during = m.render().await.unwrap();
        drop(guard);
        let after = m.render().await.unwrap();
        assert_eq!(
            lines(&after, "boo_http_requests_total"),
            vec![
                r#"boo_http_requests_total{daemon="boochat",method="GET",route="/api/chats/{id}",status="200"} 2"#,
                r#"boo_http_requests_total{daemon="boochat",method="GET",route="unmatched",status="404"} 1"#,
                r#"boo_http_requests_total{daemon="boochat",method="other",route="/api/chats/{id}",status="405"} 1"#,
            ]
        );
        assert_eq!(
            lines(&after, "boo_http_request_duration_seconds_count"),
            vec![
                r#"boo_http_request_duration_seconds_count{daemon="boochat",method="GET",route="/api/chats/{id}"} 2"#,
                r#"boo_http_request_duration_seconds_count{daemon="boochat",method="GET",route="unmatched"} 1"#,
                r#"boo_http_request_duration_seconds_count{daemon="boochat",method="other",route="/api/chats/{id}"} 1"#,
            ]
        );
        assert_eq!(
            (
                lines(&during, "boo_websocket_clients"),
                lines(&after, "boo_websocket_clients")
            ),
            (
                vec![r#"boo_websocket_clients{daemon="boochat"} 1"#.to_owned()],
                vec![r#"boo_websocket_clients{daemon="boochat"} 0"#.to_owned()]
            )
        );
    }

    #[test]
    fn outcomes_count_per_label() {
        let o = Outcomes::with(&["complete", "failed"]);
        o.inc("failed");
        o.inc("failed");
        assert_eq!(
            (o.get("failed"), o.get("complete"), o.get("other")),
            (2, 0, 0)
        );
        let mut text = String::new();
        let mut r = Registry::default();
        r.register("boo_t", "Turns", o);
        prometheus_client::encoding::prometheus_text::encode(&mut text, &r).unwrap();
        assert_eq!(
            lines(&text, "boo_t_total"),
            vec![
                r#"boo_t_total{outcome="complete"} 0"#,
                r#"boo_t_total{outcome="failed"} 2"#
            ]
        );
    }
}
