//! boocoder's view of the ACP messages it cares about: plain data (serde, so the
//! runner can cache it in `available_agents` and send it to the browser), built
//! from the SDK's schema types with explicit conversions.

use std::path::PathBuf;

use agent_client_protocol::v1::schema as acp;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::events::ToolCallSnapshot;

/// What `initialize` told us about the agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// `agentInfo.name`, when the agent sent it.
    pub name: Option<String>,
    pub title: Option<String>,
    pub version: Option<String>,
    /// The protocol version the agent chose (1 for every agent we speak to).
    pub protocol_version: u16,
    /// `agentCapabilities` as sent (prompt/mcp/session capabilities, `loadSession`).
    pub capabilities: Value,
    /// `authMethods` as sent; an agent that needs one is not usable unattended.
    pub auth_methods: Vec<Value>,
}

/// A session mode from `session/new` (`modes.availableModes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMode {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

/// One selectable value of a select config option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChoice {
    pub value: String,
    pub name: String,
    pub description: Option<String>,
    /// The group header the agent filed this value under, if it grouped them.
    pub group: Option<String>,
}

/// The type-specific part of a config option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConfigKind {
    Select {
        current: String,
        choices: Vec<ConfigChoice>,
    },
    Boolean {
        current: bool,
    },
}

/// A session config option (`configOptions` of `session/new`, refreshed by
/// `config_option_update` and `session/set_config_option`). The mode and model
/// pickers are the options with category `mode` and `model`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigOption {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `mode`, `model`, `model_config`, `thought_level`, or an agent's own (`_x`).
    pub category: Option<String>,
    pub kind: ConfigKind,
}

/// What `session/new` returned, kept current by later updates (see
/// [`super::Connection::session_info`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub modes: Vec<SessionMode>,
    pub current_mode: Option<String>,
    pub config_options: Vec<ConfigOption>,
    /// The latest `available_commands_update` (raw ACP `AvailableCommand`s).
    pub commands: Vec<Value>,
}

impl SessionInfo {
    /// The values of the `model` config option and the current one, if the agent
    /// has a model picker. ACP 1.17 has no separate model list: models are a
    /// config option with category `model`.
    pub fn models(&self) -> Option<(&[ConfigChoice], &str)> {
        self.config_options
            .iter()
            .find_map(|o| match (&o.category, &o.kind) {
                (Some(c), ConfigKind::Select { current, choices }) if c == "model" => {
                    Some((choices.as_slice(), current.as_str()))
                }
                _ => None,
            })
    }
}

/// `PermissionOptionKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    AllowOnce,
    AllowAlways,
    RejectOnce,
    RejectAlways,
    /// A kind this crate version does not know.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionOption {
    pub id: String,
    pub name: String,
    pub kind: PermissionKind,
}

/// One `session/request_permission`, with the tool call it is about merged with
/// what earlier `tool_call`/`tool_call_update`s of the turn said about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PermissionRequest {
    pub session_id: String,
    pub tool_call: ToolCallSnapshot,
    pub options: Vec<PermissionOption>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PermissionOutcome {
    /// The id of the chosen [`PermissionOption`].
    Selected {
        option_id: String,
    },
    Cancelled,
}

/// One form-mode `elicitation/create`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElicitRequest {
    /// The session it belongs to (from its session scope, or the session of the
    /// prompt named by its request scope); empty if neither is known.
    pub session_id: String,
    pub tool_call_id: Option<String>,
    pub message: String,
    /// `requestedSchema`: a flat JSON-schema object of string / number /
    /// integer / boolean / multi-select properties.
    pub schema: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ElicitOutcome {
    /// The submitted form: property name → string, number, integer, boolean or
    /// array of strings. Other JSON is refused with an error to the agent.
    Accept {
        content: serde_json::Map<String, Value>,
    },
    Decline,
    Cancel,
}

/// Why a prompt turn ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    MaxTurnRequests,
    /// The agent refused: the runner fails the turn.
    Refusal,
    /// `session/cancel` (or the agent cancelled): the runner fails the turn.
    Cancelled,
}

impl StopReason {
    /// `refusal` and `cancelled` fail the turn; the others complete it.
    pub fn fails_turn(self) -> bool {
        matches!(self, StopReason::Refusal | StopReason::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::MaxTokens => "max_tokens",
            StopReason::MaxTurnRequests => "max_turn_requests",
            StopReason::Refusal => "refusal",
            StopReason::Cancelled => "cancelled",
        }
    }
}

/// What the agent asks of its client, implemented by the turn runner.
#[async_trait]
pub trait ClientHooks: Send + Sync {
    /// Show a permission card and wait for the answer. The connection answers
    /// `cancelled` on its own (and drops this future) when the turn is cancelled.
    async fn request_permission(&self, request: PermissionRequest) -> PermissionOutcome;

    /// Show a form built from `request.schema` and wait for the answer.
    /// Dropped, with `cancel` sent to the agent, when the turn is cancelled.
    async fn elicit(&self, request: ElicitRequest) -> ElicitOutcome {
        let _ = request;
        ElicitOutcome::Decline
    }

    /// The directory `fs/read_text_file` and `fs/write_text_file` are confined to.
    fn worktree(&self) -> PathBuf;

    /// Called after `fs/write_text_file` wrote `path` (absolute, inside the worktree).
    fn on_file_written(&self, path: &std::path::Path) {
        let _ = path;
    }

    /// Where `terminal/*` commands run (asked once, when the connection starts);
    /// the default has no booterm: commands run as boocoder's own children.
    fn term_host(&self) -> super::terminals::TermHost {
        super::terminals::TermHost::default()
    }
}

impl From<acp::StopReason> for StopReason {
    fn from(r: acp::StopReason) -> Self {
        match r {
            acp::StopReason::EndTurn => StopReason::EndTurn,
            acp::StopReason::MaxTokens => StopReason::MaxTokens,
            acp::StopReason::MaxTurnRequests => StopReason::MaxTurnRequests,
            acp::StopReason::Cancelled => StopReason::Cancelled,
            // Refusal, and any reason a later schema adds: not a success.
            _ => StopReason::Refusal,
        }
    }
}

impl From<&acp::PermissionOption> for PermissionOption {
    fn from(o: &acp::PermissionOption) -> Self {
        let kind = match o.kind {
            acp::PermissionOptionKind::AllowOnce => PermissionKind::AllowOnce,
            acp::PermissionOptionKind::AllowAlways => PermissionKind::AllowAlways,
            acp::PermissionOptionKind::RejectOnce => PermissionKind::RejectOnce,
            acp::PermissionOptionKind::RejectAlways => PermissionKind::RejectAlways,
            _ => PermissionKind::Other,
        };
        PermissionOption {
            id: o.option_id.0.to_string(),
            name: o.name.clone(),
            kind,
        }
    }
}

impl From<&acp::InitializeResponse> for AgentInfo {
    fn from(r: &acp::InitializeResponse) -> Self {
        let info = r.agent_info.as_ref();
        AgentInfo {
            name: info.map(|i| i.name.clone()),
            title: info.and_then(|i| i.title.clone()),
            version: info.map(|i| i.version.clone()),
            protocol_version: serde_json::to_value(r.protocol_version)
                .ok()
                .and_then(|v| v.as_u64())
                .and_then(|v| u16::try_from(v).ok())
                .unwrap_or_default(),
            capabilities: serde_json::to_value(&r.agent_capabilities).unwrap_or_default(),
            auth_methods: r
                .auth_methods
                .iter()
                .filter_map(|m| serde_json::to_value(m).ok())
                .collect(),
        }
    }
}

impl From<&acp::SessionMode> for SessionMode {
    fn from(m: &acp::SessionMode) -> Self {
        SessionMode {
            id: m.id.0.to_string(),
            name: m.name.clone(),
            description: m.description.clone(),
        }
    }
}

impl From<&acp::SessionConfigOption> for ConfigOption {
    fn from(o: &acp::SessionConfigOption) -> Self {
        let kind = match &o.kind {
            acp::SessionConfigKind::Boolean(b) => ConfigKind::Boolean {
                current: b.current_value,
            },
            acp::SessionConfigKind::Select(s) => ConfigKind::Select {
                current: s.current_value.0.to_string(),
                choices: select_choices(&s.options),
            },
            // A kind this schema version does not know: offer nothing to pick.
            _ => ConfigKind::Select {
                current: String::new(),
                choices: Vec::new(),
            },
        };
        ConfigOption {
            id: o.id.0.to_string(),
            name: o.name.clone(),
            description: o.description.clone(),
            category: o.category.as_ref().and_then(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            }),
            kind,
        }
    }
}

fn select_choices(options: &acp::SessionConfigSelectOptions) -> Vec<ConfigChoice> {
    let choice = |o: &acp::SessionConfigSelectOption, group: Option<&str>| ConfigChoice {
        value: o.value.0.to_string(),
        name: o.name.clone(),
        description: o.description.clone(),
        group: group.map(str::to_owned),
    };
    match options {
        acp::SessionConfigSelectOptions::Ungrouped(list) => {
            list.iter().map(|o| choice(o, None)).collect()
        }
        acp::SessionConfigSelectOptions::Grouped(groups) => groups
            .iter()
            .flat_map(|g| g.options.iter().map(|o| choice(o, Some(&g.name))))
            .collect(),
        _ => Vec::new(),
    }
}
