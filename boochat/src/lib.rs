//! boochat: chat with a local OpenAI-compatible LLM, read-only tools, and the
//! multi-pane workspace.
//!
//! A library with a thin `main.rs`: [`run`] serves the daemon on the given
//! listeners until the shutdown future resolves, so tests run the real server on
//! `127.0.0.1:0`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use boo_proto::chat::v1::{SERVICE_NAME, chat_service_server::ChatServiceServer};
use boo_shared::config::{DaemonKind, Settings};
use boo_shared::daemon::{self, DaemonError, Listeners, Service};
use boo_shared::metrics::Metrics;

pub mod acp;
pub mod agents;
mod closing;
pub mod engine;
mod grpc;
pub mod mcp;
mod routes;
pub mod settings_store;
pub mod tools;

pub const KIND: DaemonKind = DaemonKind::Chat;

/// The Vite build of `web/`, embedded (a placeholder page before `npm run build`).
#[derive(rust_embed::RustEmbed)]
#[folder = "$BOO_WEB_DIST"]
struct Assets;

/// Migrate, finalise what a previous run left streaming, resume queued turns,
/// then serve HTTP and gRPC until `shutdown` resolves.
pub async fn run(
    settings: Arc<Settings>,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let pool = daemon::prepare(KIND, &settings).await?;
    let finalized = boo_shared::transcript::store::finalize_interrupted(&pool)
        .await
        .map_err(|e| DaemonError::Db(e.into()))?;
    if finalized > 0 {
        tracing::warn!(
            messages = finalized,
            "finalised messages left streaming by the previous run"
        );
    }
    let agents = match &settings.chat.agents_file {
        Some(path) => agents::Registry::load(path.clone()),
        None => agents::Registry::none(),
    };
    let hub = Arc::new(boo_shared::hub::Hub::new());
    let engine = engine::Engine::new(pool.clone(), hub, settings.clone(), agents.clone())
        .map_err(|e| DaemonError::Http(std::io::Error::other(e)))?;
    // MCP servers connect in the background: start-up never waits for them.
    engine.kit.mcp.start(&engine.stopping());
    let watcher = settings
        .chat
        .agents_file
        .is_some()
        .then(|| agents.spawn_watcher(engine.stopping()));
    match engine::runner::resume_queued(&engine).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(chats = n, "resumed queued messages"),
        Err(e) => tracing::error!(error = %e, "cannot resume queued messages"),
    }
    let grpc = tonic::service::Routes::new(ChatServiceServer::new(grpc::ChatServiceImpl::new(
        pool.clone(),
        engine.clone(),
    )));
    let metrics = Metrics::new(KIND);
    engine.register_metrics(&metrics);
    let service = Service {
        kind: KIND,
        api: routes::router(routes::AppState {
            engine: engine.clone(),
        }),
        grpc,
        grpc_service_name: SERVICE_NAME,
        streams: Some(daemon::SessionStreams {
            hub: engine.hub.clone(),
            closing: engine.closing(),
        }),
        metrics,
        warnings: daemon::Warnings::default(),
    };
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let shutdown = async move {
        shutdown.await;
        // Finalise running turns first so their clients get the last frames.
        engine.shutdown(grace / 2).await;
        if let Some(w) = watcher {
            w.abort();
        }
    };
    daemon::serve::<Assets>(settings, pool, listeners, service, shutdown).await
}
