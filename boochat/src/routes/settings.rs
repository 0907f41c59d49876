//! `GET /api/settings` and `PATCH /api/settings`: the owner's runtime settings
//! (CHAT-11), validated key by key in [`crate::settings_store`].

use axum::extract::State;
use boo_shared::error::{ApiError, Json};
use boo_shared::settings::{SettingsInfo, SettingsPatch};
use serde_json::{Value, json};

use super::AppState;
use crate::settings_store::{self, SettingError};

fn refused(e: SettingError) -> ApiError {
    ApiError::bad_request(e.code, e.message).with_details(json!({"key": e.key}))
}

/// The settings with defaults applied, and which keys the owner has set.
#[utoipa::path(get, path = "/api/settings", tag = "settings",
    responses((status = 200, description = "The owner's settings", body = SettingsInfo)))]
pub async fn get(State(s): State<AppState>) -> Result<Json<SettingsInfo>, ApiError> {
    Ok(Json(settings_store::info(&s.engine.pool).await?))
}

/// Set (a value) or reset (`null`) any of the keys, all or nothing.
#[utoipa::path(patch, path = "/api/settings", tag = "settings",
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The settings as stored", body = SettingsInfo),
        (status = 400, description = "An unknown key or a bad value; `details.key` names it", body = boo_shared::error::ErrorBody),
    ))]
pub async fn update(
    State(s): State<AppState>,
    Json(body): Json<Value>,
) -> Result<Json<SettingsInfo>, ApiError> {
    let changes = settings_store::parse_patch(&body).map_err(refused)?;
    for c in &changes {
        if c.key == "chat.default_agent"
            && let Some(name) = c.value.as_ref().and_then(Value::as_str)
            && s.engine.kit.agents.get(name).is_none()
        {
            return Err(refused(SettingError {
                key: c.key.to_owned(),
                code: "invalid_chat_default_agent",
                message: format!(
                    "chat.default_agent: agent {name:?} is not defined in the agents registry"
                ),
            }));
        }
    }
    Ok(Json(settings_store::apply(&s.engine.pool, &changes).await?))
}
