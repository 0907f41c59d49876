use axum::extract::State;
use boo_shared::chat::Inbox;
use boo_shared::error::{ApiError, Json};

use super::AppState;
use boo_shared::catalog::inbox;

/// Everything waiting on the owner across open sessions (newest first, at most
/// 200): agent turns blocked on a card, failed agent turns not dismissed, staged
/// changes, unanswered questions of the chat model.
#[utoipa::path(get, path = "/api/inbox", tag = "inbox",
    responses((status = 200, description = "The needs-you inbox", body = Inbox)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Inbox>, ApiError> {
    Ok(Json(Inbox {
        items: inbox::list(&s.engine.pool).await?,
    }))
}
