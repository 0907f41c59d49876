//! boochat's HTTP API under `/api`. Errors are `{"error", "code"}` JSON.

mod branches;
mod chats;
mod exchange;
mod inbox;
mod mcp;
mod messages;
mod meta;
mod projects;
mod search;
mod sessions;
mod settings;
mod tags;
mod workspace;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
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
        .merge(
            // Attachments make a message body larger than axum's 2 MB default.
            OpenApiRouter::new()
                .routes(routes!(messages::send, messages::list))
                .layer(DefaultBodyLimit::max(
                    crate::engine::attach::SEND_BODY_LIMIT,
                )),
        )
        .routes(routes!(messages::attachment))
        .routes(routes!(messages::stop))
        .routes(routes!(messages::compact))
        .routes(routes!(messages::answer))
        .routes(routes!(tags::list))
        .routes(routes!(branches::regenerate))
        .routes(routes!(branches::edit))
        .routes(routes!(branches::switch))
        .routes(routes!(exchange::export))
        .routes(routes!(exchange::import))
        .routes(routes!(search::search))
        .routes(routes!(inbox::list))
        .routes(routes!(meta::models))
        .routes(routes!(meta::agents))
        .routes(routes!(settings::get, settings::update))
        .routes(routes!(mcp::list))
        .with_state(state)
}
