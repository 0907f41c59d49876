//! booterm: browser terminals, one tmux session per pane.
//!
//! A library with a thin `main.rs`: [`run`] serves the daemon on the given
//! listeners until the shutdown future resolves, so tests run the real server on
//! `127.0.0.1:0`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use boo_proto::term::v1::{SERVICE_NAME, term_service_server::TermServiceServer};
use boo_shared::config::{DaemonKind, Settings};
use boo_shared::daemon::{self, DaemonError, Listeners, Service};
use boo_shared::metrics::Metrics;
use tokio_util::sync::CancellationToken;

pub mod attach;
pub mod exits;
mod grpc;
pub mod request;
mod routes;
pub mod sessions;
pub mod store;
pub mod stream;
pub mod tmux;

/// The REST and WebSocket bodies (defined in boo-shared, which generates their TS).
pub use boo_shared::term as wire;

/// How often terminals nobody is looking at are checked for an exited program.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(10);

pub const KIND: DaemonKind = DaemonKind::Term;

/// The Vite build of `web/`, embedded (a placeholder page before `npm run build`).
#[derive(rust_embed::RustEmbed)]
#[folder = "$BOO_WEB_DIST"]
struct Assets;

/// Migrate, then serve HTTP and gRPC until `shutdown` resolves.
pub async fn run(
    settings: Arc<Settings>,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let pool = daemon::prepare(KIND, &settings).await?;
    let socket = settings
        .term
        .tmux_socket
        .clone()
        .unwrap_or_else(tmux::default_socket);
    let sessions = sessions::Sessions::from_settings(pool.clone(), socket, &settings.term);
    // Shells outlive booterm: adopt what runs, end rows whose sessions are gone.
    // A tmux that cannot answer is logged, not fatal (the next pass retries).
    if let Err(e) = sessions.reconcile().await {
        tracing::warn!(error = %e, "cannot reconcile terminals with tmux at start");
    }
    let stop = CancellationToken::new();
    let reconciler = tokio::spawn(
        sessions
            .clone()
            .reconcile_every(RECONCILE_EVERY, stop.clone()),
    );
    let stream = stream::StreamState {
        sessions: sessions.clone(),
        scrollback_lines: settings.term.attach_scrollback_lines,
        closing: stop.clone(),
    };
    let grpc = tonic::service::Routes::new(TermServiceServer::new(grpc::TermServiceImpl::new(
        stream.clone(),
    )));
    let metrics = Metrics::new(KIND);
    let counted = pool.clone();
    metrics.sampled_gauge(
        "boo_term_live_terminals",
        "Terminals whose shell is running (sampled from the store at scrape time)",
        move || {
            let pool = counted.clone();
            async move {
                store::count_live(&pool)
                    .await
                    .inspect_err(|e| tracing::warn!(error = %e, "cannot count live terminals"))
                    .ok()
            }
        },
    );
    let service = Service {
        kind: KIND,
        api: routes::router(stream),
        grpc,
        grpc_service_name: SERVICE_NAME,
        streams: None,
        metrics,
        warnings: daemon::Warnings::default(),
    };
    let shutdown = async move {
        shutdown.await;
        // Attach sockets close (their tmux clients end); the shells keep running.
        stop.cancel();
        let _ = reconciler.await;
    };
    daemon::serve::<Assets>(settings, pool, listeners, service, shutdown).await
}
