//! REST bodies every daemon shares.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok` or `degraded`.
    pub status: String,
    pub version: String,
    /// `ok` or `error`.
    pub db: String,
    /// Why the database check failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// What an operator must know though the daemon works (boocoder: the agent
    /// sandbox is off or unusable). Absent when there is nothing to say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub warnings: Vec<String>,
}

/// `GET /api/whoami`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoAmI {
    pub daemon: String,
    pub user: String,
    pub groups: Vec<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}
