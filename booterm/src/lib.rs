//! booterm: browser terminals, one tmux session per pane.
//!
//! A library with a thin `main.rs`: [`run`] serves the daemon on the given
//! listeners until the shutdown future resolves, so tests run the real server on
//! `127.0.0.1:0`.

use std::future::Future;
use std::sync::Arc;

use boo_proto::term::v1::{SERVICE_NAME, term_service_server::TermServiceServer};
use boo_shared::config::{DaemonKind, Settings};
use boo_shared::daemon::{self, DaemonError, Listeners, Service};

mod grpc;

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
    let grpc = tonic::service::Routes::new(TermServiceServer::new(grpc::TermServiceImpl::new(
        pool.clone(),
    )));
    let service = Service {
        kind: KIND,
        api: axum::Router::new(),
        grpc,
        grpc_service_name: SERVICE_NAME,
        own_ws: false,
    };
    daemon::serve::<Assets>(settings, pool, listeners, service, shutdown).await
}
