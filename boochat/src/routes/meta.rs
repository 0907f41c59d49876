use axum::extract::State;
use boo_shared::chat::{AgentSummary, AgentsInfo, ModelsInfo};
use boo_shared::error::Json;

use super::AppState;

/// What the model server offers; `reachable: false` drives the UI's banner.
/// The model server's models (200 also when it is unreachable: `reachable` says).
#[utoipa::path(get, path = "/api/models", tag = "meta",
    responses((status = 200, description = "The models", body = ModelsInfo)))]
pub async fn models(State(s): State<AppState>) -> Json<ModelsInfo> {
    let llm = &s.engine.kit.llm;
    Json(match llm.models().await {
        Ok(models) => ModelsInfo {
            reachable: true,
            base_url: llm.base_url().to_owned(),
            models,
            error: None,
        },
        Err(e) => ModelsInfo {
            reachable: false,
            base_url: llm.base_url().to_owned(),
            models: Vec::new(),
            error: Some(e.to_string()),
        },
    })
}

/// The AGENTS.md agents, and the registry's last load error.
#[utoipa::path(get, path = "/api/agents", tag = "meta",
    responses((status = 200, description = "The agents", body = AgentsInfo)))]
pub async fn agents(State(s): State<AppState>) -> Json<AgentsInfo> {
    let registry = &s.engine.kit.agents;
    Json(AgentsInfo {
        agents: registry
            .agents()
            .iter()
            .map(|a| AgentSummary {
                name: a.name.clone(),
                description: a.description.clone(),
                model: a.model.clone(),
                tools: a.tools.clone(),
                max_tool_calls: a.max_tool_calls,
            })
            .collect(),
        error: registry.last_error(),
    })
}
