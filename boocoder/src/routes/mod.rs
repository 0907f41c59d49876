//! boocoder's HTTP API under `/api`. Errors are `{"error", "code"}` JSON.

mod cards;
mod pending;
mod providers;
mod reads;
mod turns;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use boo_shared::hub::Hub;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

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

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/providers/snapshot", get(providers::snapshot))
        .route("/api/providers/refresh", post(providers::refresh))
        .route(
            "/api/providers/{id}",
            axum::routing::patch(providers::set_enabled),
        )
        .route("/api/providers/{id}/diagnostic", get(providers::diagnostic))
        .route("/api/sessions", get(reads::sessions))
        .route("/api/sessions/{sid}/chats", get(reads::chats))
        .route("/api/chats/{cid}/messages", get(reads::messages))
        .route(
            "/api/sessions/{sid}/chats/{cid}/messages",
            post(turns::submit),
        )
        .route("/api/sessions/{sid}/tasks", get(turns::tasks))
        .route("/api/tasks/{id}", get(turns::task))
        .route("/api/tasks/{id}/cancel", post(turns::cancel))
        .route(
            "/api/sessions/{sid}/agent-sessions",
            get(reads::agent_sessions),
        )
        .route(
            "/api/sessions/{sid}/worktree-risk",
            get(reads::worktree_risk),
        )
        .route("/api/sessions/{sid}/pending", get(pending::list))
        .route("/api/pending/{id}/approve", post(pending::approve))
        .route("/api/pending/{id}/reject", post(pending::reject))
        .route("/api/pending/{id}/revert", post(pending::revert))
        .route("/api/sessions/{sid}/requests", get(cards::open))
        .route("/api/permissions/{id}", post(cards::permission))
        .route("/api/elicitations/{id}", post(cards::elicitation))
        .with_state(state.clone())
        .merge(
            Router::new()
                .route("/api/ws", get(boo_shared::session_ws::upgrade))
                .with_state(boo_shared::session_ws::SessionWs {
                    kind: crate::KIND,
                    pool: state.pool.clone(),
                    hub: state.hub.clone(),
                    closing: state.closing.clone(),
                }),
        )
}
