//! boocoder: coding agents in per-session git worktrees, their edits staged as pending changes.
//!
//! A library with a thin `main.rs`: [`run`] serves the daemon on the given
//! listeners until the shutdown future resolves, so tests run the real server on
//! `127.0.0.1:0`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use boo_proto::coder::v1::{SERVICE_NAME, coder_service_server::CoderServiceServer};
use boo_shared::config::{DaemonKind, Settings};
use boo_shared::daemon::{self, DaemonError, Listeners, Service};
use boo_shared::metrics::Metrics;
use tokio_util::sync::CancellationToken;

pub mod acp;
pub mod closing;
pub mod dispatcher;
mod grpc;
pub mod opencode;
pub mod pending;
pub mod process;
pub mod providers;
pub mod pty;
pub mod reaper;
mod routes;
pub mod runner;
pub mod sandbox;
pub mod worktree;

pub const KIND: DaemonKind = DaemonKind::Coder;

/// The Vite build of `web/`, embedded (a placeholder page before `npm run build`).
#[derive(rust_embed::RustEmbed)]
#[folder = "$BOO_WEB_DIST"]
struct Assets;

/// Migrate, rescue what a dead run left, start the providers, the dispatcher and
/// the turn runner, then serve HTTP and gRPC until `shutdown` resolves.
pub async fn run(
    settings: Arc<Settings>,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let pool = daemon::prepare(KIND, &settings).await?;
    let other = |e: &dyn std::fmt::Display| DaemonError::Http(std::io::Error::other(e.to_string()));
    if let Err(e) = runner::agent_sessions::evict_all(&pool).await {
        tracing::warn!(error = %e, "cannot reset agent sessions of the previous run");
    }
    let registry = providers::config::load(
        settings.coder.providers_file.as_deref(),
        providers::builtin::builtins(&settings),
    )
    .await;
    let mut probe = providers::ProbeOptions::new(settings.coder.worktree_root.join(".probe"));
    probe.ttl = Duration::from_secs(settings.coder.probe_ttl_secs);
    probe.sandbox = sandbox::Sandbox::new(
        &providers::builtin::sandbox_policy(&settings),
        &settings.coder.worktree_root,
    );
    let warnings = daemon::Warnings::default();
    sandbox::announce(&probe.sandbox, &warnings);
    let providers = providers::Providers::start(
        pool.clone(),
        registry,
        Arc::new(runner::prober::AcpProbe),
        probe,
    )
    .await
    .map_err(|e| other(&e))?;
    let hub = Arc::new(boo_shared::hub::Hub::new());
    let runner = runner::Runner::new(
        pool.clone(),
        hub.clone(),
        settings.clone(),
        providers.clone(),
    );
    let dispatcher = dispatcher::Dispatcher::new(
        pool.clone(),
        runner.clone(),
        dispatcher::Options {
            max_concurrent: settings.coder.max_concurrent_tasks.max(1),
            ..dispatcher::Options::default()
        },
    );
    let stop = CancellationToken::new();
    let closing = CancellationToken::new();
    let claim_loop = dispatcher.spawn(stop.clone());
    let reaper = tokio::spawn(reaper::run_every(
        runner.clone(),
        Duration::from_secs(settings.coder.reaper_interval_secs.max(1)),
        stop.clone(),
    ));
    let evictor = {
        let runner = runner.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = tick.tick() => runner.evict_idle().await,
                }
            }
        })
    };
    let closer = Arc::new(closing::Closer {
        pool: pool.clone(),
        coder: settings.coder.clone(),
        dispatcher: dispatcher.clone(),
        runner: runner.clone(),
    });
    let grpc = tonic::service::Routes::new(CoderServiceServer::new(grpc::CoderServiceImpl::new(
        pool.clone(),
        hub.clone(),
        runner.clone(),
        settings.clone(),
        closer,
    )));
    let state = routes::AppState {
        pool: pool.clone(),
        hub,
        runner: runner.clone(),
        dispatcher: dispatcher.clone(),
        providers,
        closing: closing.clone(),
    };
    let metrics = Metrics::new(KIND);
    metrics.register(
        "boo_coder_tasks",
        "Finished tasks by outcome (completed, failed, cancelled)",
        dispatcher.outcomes.clone(),
    );
    let warm = runner.clone();
    metrics.sampled_gauge(
        "boo_coder_warm_agents",
        "Warm ACP agent children running now",
        move || {
            let runner = warm.clone();
            async move {
                // The map is locked while an agent spawns; keep the last value then.
                tokio::time::timeout(Duration::from_secs(1), runner.warm_count())
                    .await
                    .ok()
                    .and_then(|n| i64::try_from(n).ok())
            }
        },
    );
    let streams = daemon::SessionStreams {
        hub: state.hub.clone(),
        closing: state.closing.clone(),
    };
    let service = Service {
        kind: KIND,
        api: routes::router(state),
        grpc,
        grpc_service_name: SERVICE_NAME,
        streams: Some(streams),
        metrics,
        warnings,
    };
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let shutdown = async move {
        shutdown.await;
        stop.cancel();
        claim_loop.abort();
        evictor.abort();
        reaper.abort();
        // Cancel running turns (their agents get session/cancel), record outcomes,
        // then stop every agent child.
        dispatcher.shutdown(grace / 2).await;
        runner.shutdown().await;
        closing.cancel();
    };
    daemon::serve::<Assets>(settings, pool, listeners, service, shutdown).await
}
