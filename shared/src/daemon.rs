//! The serving loop the three daemons share: bind, migrate, serve HTTP (with auth,
//! `/healthz`, `/api/whoami`, `/api/ws`, `/metrics`, the embedded web client) and gRPC side by
//! side, tell systemd we are ready, and drain within `shutdown_grace_secs` when
//! the shutdown future resolves.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, State};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rust_embed::RustEmbed;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{HealthResponse, WhoAmI};
use crate::auth::Identity;
use crate::config::{ConfigError, DaemonKind, Settings};
use crate::db::DbError;
use crate::error::Json;
use crate::grpc::GrpcError;
use crate::listen::activation::{Activation, ActivationError};
use crate::listen::{HttpListener, Peer};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Activation(#[from] ActivationError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Grpc(#[from] GrpcError),
    #[error("HTTP server failed: {0}")]
    Http(#[source] std::io::Error),
    /// The HTTP contract and the routes disagree (a programming error).
    #[error("HTTP contract: {0}")]
    Contract(String),
}

/// The two sockets a daemon serves. Tests bind `127.0.0.1:0`.
pub struct Listeners {
    pub http: HttpListener,
    pub grpc: TcpListener,
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| DaemonError::Bind { addr, source })
}

impl Listeners {
    /// HTTP and gRPC both on TCP.
    pub async fn bind(http: SocketAddr, grpc: SocketAddr) -> Result<Self, DaemonError> {
        Ok(Self {
            http: HttpListener::Tcp(bind(http).await?),
            grpc: bind(grpc).await?,
        })
    }

    /// The listeners `settings` gives this daemon; HTTP on the socket systemd handed
    /// over instead of `<daemon>.http_addr` when there is one
    /// ([`crate::listen::activation::take_from_env`], taken before the runtime started).
    pub async fn from_settings(
        settings: &Settings,
        kind: DaemonKind,
        activated: Option<(std::os::unix::net::UnixListener, Activation)>,
    ) -> Result<Self, DaemonError> {
        let (http, grpc) = settings.listeners(kind);
        let Some((listener, activation)) = activated else {
            return Self::bind(http, grpc).await;
        };
        let http = HttpListener::from_systemd(listener, activation.name.as_deref())
            .map_err(|e| ActivationError::BadSocket(e.to_string()))?;
        tracing::info!(
            daemon = kind.name(),
            http = %http.describe(),
            "HTTP on the socket systemd handed over ({}.http_addr is not used)",
            kind.section()
        );
        Ok(Self {
            http,
            grpc: bind(grpc).await?,
        })
    }

    /// The gRPC address, and the HTTP one when HTTP is on TCP.
    pub fn tcp_addrs(&self) -> std::io::Result<(Option<SocketAddr>, SocketAddr)> {
        Ok((self.http.tcp_addr(), self.grpc.local_addr()?))
    }
}

/// Validate settings for this daemon, connect, refuse a newer schema, migrate.
pub async fn prepare(kind: DaemonKind, settings: &Settings) -> Result<PgPool, DaemonError> {
    settings.validate_for(kind)?;
    let pool = crate::db::connect(&settings.database).await?;
    crate::db::migrate(&pool).await?;
    tracing::info!(
        daemon = kind.name(),
        schema = crate::db::known_version(),
        "database ready"
    );
    Ok(pool)
}

/// What a daemon adds to the shared serving loop.
pub struct Service {
    pub kind: DaemonKind,
    /// The daemon's own HTTP routes (state already applied), each documented
    /// (`routes!` over `#[utoipa::path]` handlers).
    pub api: OpenApiRouter,
    /// The daemon's gRPC service(s).
    pub grpc: Routes,
    pub grpc_service_name: &'static str,
    /// The daemon's session streams, served on `/api/ws`; `None`: the socket
    /// still answers (hello, ping) but carries no session frames.
    pub streams: Option<SessionStreams>,
    /// The daemon's metrics, served on `/metrics` (its own series already registered).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Shown on `/healthz` (the daemon may add to them after start).
    pub warnings: Warnings,
}

/// What `/api/ws` streams for a daemon with sessions: its hub, and the token
/// cancelled when live connections should close (after the daemon finalised what
/// it was streaming, so clients get the last frames first).
pub struct SessionStreams {
    pub hub: Arc<crate::hub::Hub>,
    pub closing: CancellationToken,
}

/// Loud conditions an operator must see on `/healthz` though the daemon works
/// (boocoder: the agent sandbox is off). Cheap to clone; shared.
#[derive(Clone, Debug, Default)]
pub struct Warnings(Arc<std::sync::RwLock<Vec<String>>>);

impl Warnings {
    pub fn add(&self, warning: impl Into<String>) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(warning.into());
    }

    pub fn list(&self) -> Vec<String> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Every route: the shared ones, the daemon's, its OpenAPI document at
/// `/api/openapi.json`, the JSON 405 and the embedded web client. Refused when the
/// router holds an operation the document does not describe.
fn app<E: RustEmbed + 'static>(
    kind: DaemonKind,
    base: BaseState,
    api: OpenApiRouter,
    metrics: Arc<crate::metrics::Metrics>,
    streams: Option<SessionStreams>,
    stopping: &CancellationToken,
) -> Result<Router, DaemonError> {
    let routes = OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(whoami))
        .with_state(base.clone())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(crate::metrics::scrape))
                .with_state(metrics),
        );
    let streams = streams.unwrap_or_else(|| SessionStreams {
        hub: Arc::new(crate::hub::Hub::new()),
        closing: stopping.clone(),
    });
    let routes = routes.merge(
        OpenApiRouter::new()
            .routes(routes!(crate::session_ws::upgrade))
            .with_state(crate::session_ws::SessionWs {
                kind,
                pool: base.pool,
                hub: streams.hub,
                closing: streams.closing,
            }),
    );
    let (doc_route, doc_part) = OpenApiRouter::new()
        .routes(routes!(crate::openapi::serve))
        .split_for_parts();
    let (router, mut doc) = routes.merge(api).split_for_parts();
    doc.merge(doc_part);
    let doc = crate::openapi::finish(kind, doc);
    let served = crate::openapi::Served::new(&doc)
        .map_err(|e| DaemonError::Contract(format!("cannot serialize the document: {e}")))?;
    let router = router.merge(doc_route.with_state(served));
    let missing = crate::openapi::undocumented(&router, &doc).map_err(DaemonError::Contract)?;
    if !missing.is_empty() {
        return Err(DaemonError::Contract(format!(
            "routes missing from {}: {}",
            crate::openapi::PATH,
            missing.join(", ")
        )));
    }
    Ok(router
        // After every route is in: a known path with the wrong method is JSON too.
        .method_not_allowed_fallback(crate::web::method_not_allowed)
        .fallback(crate::web::fallback::<E>))
}

#[derive(Clone)]
struct BaseState {
    kind: DaemonKind,
    pool: PgPool,
    warnings: Warnings,
}

/// Serve until `shutdown` resolves; then stop accepting, close WebSockets, and
/// wait up to `shutdown_grace_secs` for in-flight work.
pub async fn serve<E: RustEmbed + 'static>(
    settings: Arc<Settings>,
    pool: PgPool,
    listeners: Listeners,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let kind = service.kind;
    let stopping = CancellationToken::new();
    let base = BaseState {
        kind,
        pool,
        warnings: service.warnings.clone(),
    };
    let auth = Arc::new(settings.auth.clone());
    let metrics = service.metrics.clone();
    let sampled = base.pool.clone();
    metrics.sampled_gauge(
        "boo_db_pool_connections",
        "Connections the database pool holds (idle and in use)",
        move || std::future::ready(Some(i64::from(sampled.size()))),
    );
    let sampled = base.pool.clone();
    metrics.sampled_gauge(
        "boo_db_pool_idle_connections",
        "Idle connections in the database pool",
        move || std::future::ready(i64::try_from(sampled.num_idle()).ok()),
    );
    let app = app::<E>(
        kind,
        base.clone(),
        service.api,
        metrics.clone(),
        service.streams,
        &stopping,
    )?
    .layer(from_fn_with_state(auth, crate::auth::middleware))
    .layer(from_fn_with_state(metrics, crate::metrics::track_http))
    .layer(TraceLayer::new_for_http().make_span_with(request_span));

    let http_addr = listeners.http.describe();
    if settings.auth.mode == crate::config::AuthMode::Authelia
        && matches!(listeners.http, HttpListener::Tcp(_))
        && settings.auth.trusted_proxies.is_empty()
    {
        tracing::warn!(
            daemon = kind.name(),
            "HTTP is on TCP and auth.trusted_proxies is empty: no request carries an identity \
             here (every one but /healthz and local /metrics is 401); serve on the systemd \
             socket (deploy/systemd/*.socket) or set auth.trusted_proxies to Caddy's address"
        );
    }
    let grpc_addr = listeners.grpc.local_addr().map_err(DaemonError::Http)?;
    let http_stop = stopping.clone();
    let http = axum::serve(
        listeners.http,
        app.into_make_service_with_connect_info::<Peer>(),
    )
    .with_graceful_shutdown(async move { http_stop.cancelled().await });
    let grpc_stop = stopping.clone();
    let grpc = crate::grpc::serve(
        listeners.grpc,
        service.grpc,
        service.grpc_service_name,
        settings.grpc.token.clone(),
        async move { grpc_stop.cancelled().await },
    );
    let mut http = tokio::spawn(async move { http.await.map_err(DaemonError::Http) });
    let mut grpc = tokio::spawn(async move { grpc.await.map_err(DaemonError::Grpc) });

    tracing::info!(daemon = kind.name(), %http_addr, %grpc_addr, version = crate::VERSION, "serving");
    notify(sd_notify::NotifyState::Ready);

    // Run until asked to stop, or until a server dies on its own.
    let early = tokio::select! {
        () = shutdown => None,
        r = &mut http => Some(("http", r)),
        r = &mut grpc => Some(("grpc", r)),
    };
    if let Some((which, result)) = early {
        stopping.cancel();
        return match result {
            Ok(Ok(())) => {
                tracing::error!(server = which, "server stopped unexpectedly");
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(join) => Err(DaemonError::Http(std::io::Error::other(join))),
        };
    }
    tracing::info!(
        daemon = kind.name(),
        grace_secs = settings.shutdown_grace_secs,
        "shutting down"
    );
    notify(sd_notify::NotifyState::Stopping);
    stopping.cancel();
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let drained = tokio::time::timeout(grace, async {
        let (h, g) = tokio::join!(&mut http, &mut grpc);
        (h, g)
    })
    .await;
    match drained {
        Ok((h, g)) => {
            for r in [h, g] {
                match r {
                    Ok(Err(e)) => return Err(e),
                    Err(join) => return Err(DaemonError::Http(std::io::Error::other(join))),
                    Ok(Ok(())) => {}
                }
            }
            tracing::info!(daemon = kind.name(), "stopped cleanly");
        }
        Err(_) => {
            tracing::warn!(
                daemon = kind.name(),
                "grace period over; dropping remaining connections"
            );
            http.abort();
            grpc.abort();
        }
    }
    Ok(())
}

/// The span of one HTTP request: the method and the matched route template
/// (`/api/sessions/{id}`), never the raw URI (ids, query strings). Handlers that
/// start work add their own span below it with the ids (`session_id`, `chat_id`,
/// `task_id`), so JSON logs can be filtered by either.
fn request_span(req: &axum::extract::Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(unmatched)", axum::extract::MatchedPath::as_str);
    tracing::info_span!("request", method = %req.method(), route)
}

fn notify(state: sd_notify::NotifyState<'_>) {
    if let Err(e) = sd_notify::notify(&[state]) {
        tracing::warn!(error = %e, "sd_notify failed");
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received SIGINT"),
        () = term => tracing::info!("received SIGTERM"),
    }
}

/// Is the daemon up, and can it reach the database?
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses(
        (status = 200, description = "Up, database reachable", body = HealthResponse),
        (status = 503, description = "Up, database unreachable", body = HealthResponse),
    )
)]
async fn healthz(State(s): State<BaseState>) -> Response {
    let (status, body) = match crate::db::ping(&s.pool).await {
        Ok(()) => (
            StatusCode::OK,
            HealthResponse {
                status: "ok".into(),
                version: crate::VERSION.into(),
                db: "ok".into(),
                reason: None,
                warnings: s.warnings.list(),
            },
        ),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthResponse {
                status: "degraded".into(),
                version: crate::VERSION.into(),
                db: "error".into(),
                reason: Some(reason),
                warnings: s.warnings.list(),
            },
        ),
    };
    (status, Json(body)).into_response()
}

/// The caller, as the daemon sees them.
#[utoipa::path(
    get,
    path = "/api/whoami",
    tag = "meta",
    responses((status = 200, description = "The caller", body = WhoAmI))
)]
async fn whoami(State(s): State<BaseState>, Extension(id): Extension<Identity>) -> Json<WhoAmI> {
    Json(WhoAmI {
        daemon: s.kind.name().into(),
        user: id.user,
        groups: id.groups,
        email: id.email,
        name: id.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Any embedded folder: these tests never ask for the web client.
    #[derive(rust_embed::RustEmbed)]
    #[folder = "$CARGO_MANIFEST_DIR/src/error"]
    struct NoWeb;

    /// A documented test route.
    #[utoipa::path(get, path = "/api/documented", responses((status = 204)))]
    async fn documented() -> StatusCode {
        StatusCode::NO_CONTENT
    }

    fn build(api: OpenApiRouter) -> Result<Router, DaemonError> {
        let pool = PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap();
        let kind = DaemonKind::Chat;
        app::<NoWeb>(
            kind,
            BaseState {
                kind,
                pool,
                warnings: Warnings::default(),
            },
            api,
            crate::metrics::Metrics::new(kind),
            None,
            &CancellationToken::new(),
        )
    }

    #[tokio::test]
    async fn a_route_missing_from_the_contract_keeps_the_daemon_from_starting() {
        assert!(build(OpenApiRouter::new().routes(routes!(documented))).is_ok());
        let hidden = OpenApiRouter::new()
            .routes(routes!(documented))
            .route("/api/hidden", axum::routing::post(documented))
            .route("/api/documented", axum::routing::delete(documented));
        assert_eq!(
            build(hidden).unwrap_err().to_string(),
            "HTTP contract: routes missing from /api/openapi.json: \
             DELETE /api/documented, POST /api/hidden"
        );
    }
}
