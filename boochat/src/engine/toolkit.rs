//! What a turn runs on besides the database: the model client, the read-only
//! tools and the network they reach, the AGENTS.md agents, the settings. The
//! daemon's [`super::Engine`] holds one; `boochat acp` runs on one alone, so BooCode's
//! own agent needs no database credentials (issue 13: nothing of BooCode's
//! secrets reaches an agent process).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use boo_shared::config::Settings;
use boo_shared::netguard::{NetGuard, NetPolicy};

use super::{ASK_USER_INPUT, llm, turn};
use crate::agents::{AgentDef, Registry};
use crate::mcp::Mcp;
use crate::tools::{Limits, OutputStore, ToolContext, ToolRegistry, truncate_for_model};

pub struct Toolkit {
    pub llm: llm::LlmClient,
    pub tools: ToolRegistry,
    pub agents: Arc<Registry>,
    /// The MCP servers (`chat.mcp`); connected only once [`Mcp::start`] ran (the
    /// daemon does, `boochat acp` does not).
    pub mcp: Arc<Mcp>,
    pub settings: Arc<Settings>,
    http: reqwest::Client,
    /// What `web_fetch` may connect to (`chat.web_fetch_allow`, the daemons' listeners).
    net: Arc<NetGuard>,
    /// The model server's first model, asked once (no agent model, no
    /// `llm.default_model`).
    default_model: tokio::sync::Mutex<Option<String>>,
}

impl Toolkit {
    pub fn new(settings: Arc<Settings>, agents: Arc<Registry>) -> Result<Self, reqwest::Error> {
        let llm = llm::LlmClient::new(&settings.llm)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("boochat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            llm,
            tools: ToolRegistry::read_only(),
            agents,
            mcp: Arc::new(Mcp::new(&settings.chat.mcp)),
            net: Arc::new(NetGuard::system(NetPolicy {
                allow: settings.chat.web_fetch_allow.clone(),
                own_listeners: settings.listen_addrs(),
            })),
            settings,
            http,
            default_model: tokio::sync::Mutex::new(None),
        })
    }

    /// OpenAI `tools` for a turn: the registry's and the connected MCP servers'
    /// (whitelisted by the agent) plus `ask_user_input` unless the whitelist
    /// leaves it out.
    pub fn tool_specs(&self, agent: Option<&AgentDef>) -> Vec<serde_json::Value> {
        let whitelist = agent.and_then(|a| a.tools.as_deref());
        let mut specs = self.tools.openai_specs(whitelist);
        specs.extend(
            self.mcp
                .openai_specs(|name| agent.is_none_or(|a| a.allows_tool(name))),
        );
        if whitelist.is_none_or(|w| w.iter().any(|t| t == ASK_USER_INPUT)) {
            specs.push(turn::ask_user_input_spec());
        }
        specs
    }

    /// What the read-only tools run against: `root` (confined to `roots` when
    /// not empty), the HTTP client and network guard, the limits; no workspace
    /// session (a chat turn adds its own).
    pub fn tool_context(
        &self,
        root: PathBuf,
        roots: Vec<PathBuf>,
        outputs: Arc<dyn OutputStore>,
    ) -> ToolContext {
        ToolContext {
            root,
            roots,
            http: self.http.clone(),
            net: Arc::clone(&self.net),
            web_search_url: self.settings.chat.web_search_url.clone(),
            outputs,
            limits: Limits {
                max_output_bytes: self.settings.chat.tool_output_bytes,
                walk_timeout: Duration::from_secs(self.settings.chat.tool_walk_timeout_secs),
                ..Limits::default()
            },
            session: None,
        }
    }

    /// Run an MCP tool call: `(stored result, is_error, truncated)` like the
    /// built-in tools', the result cut to `chat.tool_output_bytes` for the model
    /// (the full text is stored).
    pub async fn call_mcp(
        &self,
        call_id: &str,
        name: &str,
        args: serde_json::Value,
    ) -> (String, bool, bool) {
        match self.mcp.call(name, args).await {
            Ok(out) => {
                let out = truncate_for_model(call_id, out, self.settings.chat.tool_output_bytes);
                let truncated = out.truncated;
                (out.full.unwrap_or(out.content), false, truncated)
            }
            Err(e) => (format!("error: {e}"), true, false),
        }
    }

    /// The model a chat uses: the agent's, else `llm.default_model`, else the
    /// server's first.
    pub async fn model_for(&self, agent: Option<&AgentDef>) -> Result<String, llm::LlmError> {
        self.model_with_default(agent, None).await
    }

    /// The model a chat uses: the agent's, else the owner's `chat.default_model`
    /// (`owner_default`, from the settings table), else `llm.default_model` of the
    /// config file, else the server's first.
    pub async fn model_with_default(
        &self,
        agent: Option<&AgentDef>,
        owner_default: Option<&str>,
    ) -> Result<String, llm::LlmError> {
        if let Some(m) = agent.and_then(|a| a.model.clone()) {
            return Ok(m);
        }
        if let Some(m) = owner_default {
            return Ok(m.to_owned());
        }
        if let Some(m) = self.settings.llm.default_model.clone() {
            return Ok(m);
        }
        let mut cached = self.default_model.lock().await;
        if let Some(m) = cached.clone() {
            return Ok(m);
        }
        let models = self.llm.models().await?;
        let first = models
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or(llm::LlmError::NoModels)?;
        *cached = Some(first.clone());
        Ok(first)
    }
}
