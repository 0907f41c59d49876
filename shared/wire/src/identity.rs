//! Who is calling: what the daemons believe from Authelia's `Remote-*` headers.

use serde::Serialize;
use ts_rs::TS;

/// The authenticated caller, available to handlers as an extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

impl Identity {
    /// The single owner when `auth.mode = "none"` (loopback only).
    pub fn local_owner() -> Self {
        Self {
            user: "owner".into(),
            groups: Vec::new(),
            email: None,
            name: None,
        }
    }
}
