//! boocoder's HTTP API under `/api`. Errors are `{"error", "code"}` JSON.

mod cards;
mod checkpoints;
mod pending;
mod providers;
mod reads;
mod turns;

use std::sync::Arc;

use boo_shared::hub::Hub;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::dispatcher::Dispatcher;
use crate::providers::Providers;
use crate::runner::Runner;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub hub: Arc<Hub>,
    pub runner: Arc<Runner>,
    pub dispatcher: Arc<Dispatcher>,
    pub providers: Providers,
    pub closing: CancellationToken,
}

/// Every route, documented (`routes!` reads each handler's `#[utoipa::path]`).
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(providers::snapshot))
        .routes(routes!(providers::refresh))
        .routes(routes!(providers::set_enabled))
        .routes(routes!(providers::diagnostic))
        .routes(routes!(providers::sandbox))
        .routes(routes!(reads::sessions))
        .routes(routes!(reads::chats))
        .routes(routes!(reads::messages))
        .routes(routes!(turns::submit))
        .routes(routes!(turns::tasks))
        .routes(routes!(turns::task))
        .routes(routes!(turns::cancel))
        .routes(routes!(turns::dismiss))
        .routes(routes!(reads::agent_sessions))
        .routes(routes!(reads::worktree_risk))
        .routes(routes!(pending::list))
        .routes(routes!(pending::approve))
        .routes(routes!(pending::reject))
        .routes(routes!(pending::revert))
        .routes(routes!(checkpoints::list))
        .routes(routes!(checkpoints::restore))
        .routes(routes!(cards::open))
        .routes(routes!(cards::permission))
        .routes(routes!(cards::elicitation))
        .with_state(state)
}
