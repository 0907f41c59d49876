//! boochat's HTTP API under `/api`. Errors are `{"error", "code"}` JSON.

mod branches;
mod chats;
mod exchange;
mod inbox;
mod messages;
mod meta;
mod projects;
mod search;
mod sessions;
mod workspace;

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::engine::Engine;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}

/// Every route, documented (`routes!` reads each handler's `#[utoipa::path]`).
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(projects::create, projects::list))
        .routes(routes!(projects::get))
        .routes(routes!(sessions::create, sessions::list))
        .routes(routes!(sessions::get, sessions::update, sessions::delete))
        .routes(routes!(workspace::get, workspace::update))
        .routes(routes!(chats::create, chats::list))
        .routes(routes!(chats::get, chats::update))
        .routes(routes!(chats::fork))
        .routes(routes!(messages::send, messages::list))
        .routes(routes!(messages::stop))
        .routes(routes!(messages::answer))
        .routes(routes!(branches::regenerate))
        .routes(routes!(branches::edit))
        .routes(routes!(branches::switch))
        .routes(routes!(exchange::export))
        .routes(routes!(exchange::import))
        .routes(routes!(search::search))
        .routes(routes!(inbox::list))
        .routes(routes!(meta::models))
        .routes(routes!(meta::agents))
        .with_state(state)
}
