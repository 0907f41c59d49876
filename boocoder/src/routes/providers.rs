use axum::extract::State;
use boo_shared::error::{ApiError, Json, Path};
use boo_shared::providers::{ProviderDiagnostic, ProviderEntry, ProvidersSnapshot, SandboxStatus};
use serde::Deserialize;

use super::AppState;

/// Every provider with its state (as last probed).
#[utoipa::path(get, path = "/api/providers/snapshot", tag = "providers",
    responses((status = 200, description = "The providers", body = ProvidersSnapshot)))]
pub async fn snapshot(State(s): State<AppState>) -> Json<ProvidersSnapshot> {
    Json(s.providers.snapshot())
}

/// How agent processes are confined on this host (tries bwrap each time).
#[utoipa::path(get, path = "/api/sandbox", tag = "providers",
    responses((status = 200, description = "The sandbox's state", body = SandboxStatus)))]
pub async fn sandbox(State(s): State<AppState>) -> Json<SandboxStatus> {
    let host = crate::sandbox::check(s.providers.sandbox()).await;
    Json(SandboxStatus {
        mode: if host.enabled { "bwrap" } else { "off" }.to_owned(),
        confined: host.works(),
        summary: host.summary(),
    })
}

/// Probe every provider again.
#[utoipa::path(post, path = "/api/providers/refresh", tag = "providers",
    responses((status = 200, description = "The providers after probing", body = ProvidersSnapshot)))]
pub async fn refresh(State(s): State<AppState>) -> Json<ProvidersSnapshot> {
    Json(s.providers.refresh(None).await)
}

/// What the last probe of one provider found.
#[utoipa::path(get, path = "/api/providers/{id}/diagnostic", tag = "providers", params(("id" = String, Path, description = "Provider id")),
    responses((status = 200, description = "The diagnostic", body = ProviderDiagnostic)))]
pub async fn diagnostic(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProviderDiagnostic>, ApiError> {
    s.providers
        .diagnostic(&id)
        .await
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no provider {id:?}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnabledBody {
    enabled: bool,
}

/// Enable or disable a provider. The choice is kept (it survives restarts) and
/// applies over the providers file's `enabled`.
#[utoipa::path(patch, path = "/api/providers/{id}", tag = "providers", params(("id" = String, Path, description = "Provider id")),
    request_body = EnabledBody,
    responses((status = 200, description = "The provider", body = ProviderEntry)))]
pub async fn set_enabled(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<EnabledBody>,
) -> Result<Json<ProviderEntry>, ApiError> {
    let found = s
        .providers
        .set_enabled(&id, body.enabled)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if !found {
        return Err(ApiError::not_found(format!("no provider {id:?}")));
    }
    s.providers
        .snapshot()
        .providers
        .into_iter()
        .find(|p| p.id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no provider {id:?}")))
}
