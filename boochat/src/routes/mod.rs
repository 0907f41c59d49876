//! boochat's HTTP API under `/api`. Errors are `{"error", "code"}` JSON.

mod chats;
mod messages;
mod meta;
mod projects;
mod sessions;
mod workspace;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::engine::Engine;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/projects", post(projects::create).get(projects::list))
        .route("/api/sessions", post(sessions::create).get(sessions::list))
        .route(
            "/api/sessions/{id}",
            get(sessions::get).patch(sessions::update),
        )
        .route(
            "/api/sessions/{id}/workspace",
            get(workspace::get).patch(workspace::update),
        )
        .route(
            "/api/sessions/{id}/chats",
            post(chats::create).get(chats::list),
        )
        .route("/api/chats/{id}", get(chats::get).patch(chats::update))
        .route("/api/chats/{id}/fork", post(chats::fork))
        .route(
            "/api/chats/{id}/messages",
            post(messages::send).get(messages::list),
        )
        .route("/api/chats/{id}/stop", post(messages::stop))
        .route("/api/chats/{id}/answers", post(messages::answer))
        .route("/api/models", get(meta::models))
        .route("/api/agents", get(meta::agents))
        .route("/api/projects/{id}", get(projects::get))
        .with_state(state.clone())
        .merge(
            Router::new()
                .route("/api/ws", get(boo_shared::session_ws::upgrade))
                .with_state(boo_shared::session_ws::SessionWs {
                    kind: crate::KIND,
                    pool: state.engine.pool.clone(),
                    hub: state.engine.hub.clone(),
                    closing: state.engine.closing(),
                }),
        )
}
