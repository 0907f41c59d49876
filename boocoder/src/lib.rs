//! boocoder: coding agents in per-session git worktrees, their edits staged as pending changes.
//!
//! A library with a thin `main.rs`: [`run`] serves the daemon on the given
//! listeners until the shutdown future resolves, so tests run the real server on
//! `127.0.0.1:0`.

use std::future::Future;
use std::sync::Arc;

use boo_proto::coder::v1::{SERVICE_NAME, coder_service_server::CoderServiceServer};
use boo_shared::config::{DaemonKind, Settings};
use boo_shared::daemon::{self, DaemonError, Listeners, Service};

pub mod acp;
pub mod dispatcher;
mod grpc;
pub mod pending;
pub mod process;
pub mod providers;
pub mod runner;
pub mod worktree;

pub const KIND: DaemonKind = DaemonKind::Coder;

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
    let grpc = tonic::service::Routes::new(CoderServiceServer::new(grpc::CoderServiceImpl::new(
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
