//! The one HTTP error shape: `{"error": "<message>", "code": "<stable_code>"}` (the
//! daemons build it from `boo_shared::error::ApiError`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    pub code: String,
    /// What the client needs to decide its next step, for the few errors that
    /// carry more than a message (e.g. `worktree_at_risk`: the per-worktree report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}
