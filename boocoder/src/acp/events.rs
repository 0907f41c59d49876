//! `session/update` → [`AgentEvent`]: what a running turn streams to the runner.

use std::collections::HashMap;

use agent_client_protocol::v1::schema as acp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::ConfigOption;

/// One thing the agent reported during a turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // tool calls are the common case; no boxing for the runner
pub enum AgentEvent {
    /// A chunk of the answer (`agent_message_chunk`), Markdown.
    Text(String),
    /// A chunk of reasoning (`agent_thought_chunk`).
    Thought(String),
    /// The full, merged state of one tool call after a `tool_call` or
    /// `tool_call_update` for it.
    ToolCall(ToolCallSnapshot),
    /// The whole plan (`plan`): ACP `PlanEntry`s (`content`, `priority`, `status`).
    Plan(Vec<Value>),
    /// `available_commands_update`: ACP `AvailableCommand`s (`name`, `description`, `input`).
    AvailableCommands(Vec<Value>),
    /// `current_mode_update`: the id of the mode now active.
    CurrentMode(String),
    /// `config_option_update`: the full set of config options.
    ConfigOptions(Vec<ConfigOption>),
    /// `usage_update`: context window use and the session's cumulative cost.
    Context(ContextUsage),
    /// Token usage of the turn, sent last when the agent reported it in its
    /// `session/prompt` response.
    Usage(TokenUsage),
}

/// A tool call as known so far: `tool_call` sets every field, each
/// `tool_call_update` overwrites the fields it carries and keeps the rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallSnapshot {
    pub id: String,
    pub title: String,
    /// `read`, `edit`, `delete`, `move`, `search`, `execute`, `think`, `fetch`,
    /// `switch_mode` or `other`.
    pub kind: String,
    /// `pending`, `in_progress`, `completed` or `failed`.
    pub status: String,
    pub raw_input: Option<Value>,
    pub raw_output: Option<Value>,
    /// ACP `ToolCallContent`s: `{"type":"content","content":{…}}`,
    /// `{"type":"diff","path","oldText","newText"}`, `{"type":"terminal",…}`.
    pub content: Vec<Value>,
    /// Affected files: `path` or `path:line`.
    pub locations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextUsage {
    /// Tokens currently in context.
    pub used: u64,
    /// Context window size.
    pub size: u64,
    /// Cumulative cost of the session so far.
    pub cost: Option<Cost>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub amount: f64,
    /// ISO 4217 code, or another unit such as `credits`.
    pub currency: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
    pub total: u64,
    pub thought: Option<u64>,
    pub cached_read: Option<u64>,
    pub cached_write: Option<u64>,
}

impl From<&acp::Usage> for TokenUsage {
    fn from(u: &acp::Usage) -> Self {
        TokenUsage {
            input: u.input_tokens,
            output: u.output_tokens,
            total: u.total_tokens,
            thought: u.thought_tokens,
            cached_read: u.cached_read_tokens,
            cached_write: u.cached_write_tokens,
        }
    }
}

/// Tool calls of one session, merged across updates.
#[derive(Debug, Default)]
pub(crate) struct ToolCalls {
    calls: HashMap<String, ToolCallSnapshot>,
}

impl ToolCalls {
    pub(crate) fn clear(&mut self) {
        self.calls.clear();
    }

    /// Record a `tool_call`: a fresh snapshot for its id.
    pub(crate) fn start(&mut self, call: acp::ToolCall) -> ToolCallSnapshot {
        let id = call.tool_call_id.0.to_string();
        let mut snap = ToolCallSnapshot {
            id: id.clone(),
            ..ToolCallSnapshot::default()
        };
        apply(&mut snap, acp::ToolCallUpdate::from(call).fields);
        self.calls.insert(id, snap.clone());
        snap
    }

    /// Merge a `tool_call_update` into its snapshot (created if the agent never
    /// announced the call).
    pub(crate) fn update(&mut self, update: acp::ToolCallUpdate) -> ToolCallSnapshot {
        let id = update.tool_call_id.0.to_string();
        let snap = self.calls.entry(id.clone()).or_insert_with(|| fresh(&id));
        apply(snap, update.fields);
        snap.clone()
    }

    /// The snapshot `update` would produce, without recording it (the tool call
    /// of a permission request).
    pub(crate) fn preview(&self, update: &acp::ToolCallUpdate) -> ToolCallSnapshot {
        let id = update.tool_call_id.0.to_string();
        let mut snap = self.calls.get(&id).cloned().unwrap_or_else(|| fresh(&id));
        apply(&mut snap, update.fields.clone());
        snap
    }
}

fn fresh(id: &str) -> ToolCallSnapshot {
    ToolCallSnapshot {
        id: id.to_owned(),
        title: String::new(),
        kind: "other".to_owned(),
        status: "pending".to_owned(),
        ..ToolCallSnapshot::default()
    }
}

fn apply(snap: &mut ToolCallSnapshot, f: acp::ToolCallUpdateFields) {
    if let Some(title) = f.title {
        snap.title = title;
    }
    if let Some(kind) = f.kind {
        snap.kind = wire_name(&kind).unwrap_or_else(|| "other".to_owned());
    }
    if let Some(status) = f.status {
        snap.status = wire_name(&status).unwrap_or_else(|| "pending".to_owned());
    }
    if let Some(content) = f.content {
        snap.content = content
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .collect();
    }
    if let Some(locations) = f.locations {
        snap.locations = locations
            .iter()
            .map(|l| match l.line {
                Some(line) => format!("{}:{line}", l.path.display()),
                None => l.path.display().to_string(),
            })
            .collect();
    }
    if f.raw_input.is_some() {
        snap.raw_input = f.raw_input;
    }
    if f.raw_output.is_some() {
        snap.raw_output = f.raw_output;
    }
}

/// The snake_case wire name of a unit enum value.
fn wire_name<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// Map one update. `None` for updates a turn does not stream (user message
/// echoes, session titles, notices, compaction, …) and for content that is not
/// text.
pub(crate) fn map_update(tools: &mut ToolCalls, update: acp::SessionUpdate) -> Option<AgentEvent> {
    use acp::SessionUpdate as U;
    match update {
        U::AgentMessageChunk(chunk) => {
            let text = content_text(&chunk.content);
            // qwen-code reports each model call's tokens as `_meta.usage` on an
            // otherwise empty message chunk (its prompt response carries no usage).
            match chunk.meta.as_ref().and_then(meta_usage) {
                Some(usage) if text.as_deref().is_none_or(str::is_empty) => {
                    Some(AgentEvent::Usage(usage))
                }
                _ => text.map(AgentEvent::Text),
            }
        }
        U::AgentThoughtChunk(chunk) => content_text(&chunk.content).map(AgentEvent::Thought),
        U::ToolCall(call) => Some(AgentEvent::ToolCall(tools.start(call))),
        U::ToolCallUpdate(update) => Some(AgentEvent::ToolCall(tools.update(update))),
        U::Plan(plan) => Some(AgentEvent::Plan(to_values(&plan.entries))),
        U::AvailableCommandsUpdate(u) => Some(AgentEvent::AvailableCommands(to_values(
            &u.available_commands,
        ))),
        U::CurrentModeUpdate(u) => Some(AgentEvent::CurrentMode(u.current_mode_id.0.to_string())),
        U::ConfigOptionUpdate(u) => Some(AgentEvent::ConfigOptions(
            u.config_options.iter().map(ConfigOption::from).collect(),
        )),
        U::UsageUpdate(u) => Some(AgentEvent::Context(ContextUsage {
            used: u.used,
            size: u.size,
            cost: u.cost.map(|c| Cost {
                amount: c.amount,
                currency: c.currency,
            }),
        })),
        _ => None,
    }
}

fn to_values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// Text of a content block: text as is, a resource link as a Markdown link.
/// Token counts in a chunk's `_meta.usage` (qwen-code's convention).
fn meta_usage(meta: &serde_json::Map<String, Value>) -> Option<TokenUsage> {
    let usage = meta.get("usage")?;
    let n = |key: &str| usage.get(key).and_then(Value::as_u64);
    let (input, output) = (n("inputTokens")?, n("outputTokens")?);
    Some(TokenUsage {
        input,
        output,
        total: n("totalTokens").unwrap_or(input + output),
        thought: n("thoughtTokens"),
        cached_read: n("cachedReadTokens"),
        cached_write: n("cachedWriteTokens"),
    })
}

fn content_text(block: &acp::ContentBlock) -> Option<String> {
    match block {
        acp::ContentBlock::Text(t) => Some(t.text.clone()),
        acp::ContentBlock::ResourceLink(l) => Some(format!("[{}]({})", l.name, l.uri)),
        _ => None,
    }
}

#[cfg(test)]
mod meta_tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn update(v: Value) -> acp::SessionUpdate {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn usage_in_a_chunks_meta_becomes_a_usage_event() {
        let mut tools = ToolCalls::default();
        let got = map_update(
            &mut tools,
            update(serde_json::json!({
                "sessionUpdate": "agent_message_chunk",
                "content": {"type": "text", "text": ""},
                "_meta": {"usage": {"inputTokens": 120, "outputTokens": 7, "thoughtTokens": 3}}
            })),
        );
        assert_eq!(
            got,
            Some(AgentEvent::Usage(TokenUsage {
                input: 120,
                output: 7,
                total: 127,
                thought: Some(3),
                cached_read: None,
                cached_write: None,
            }))
        );
        let text = map_update(
            &mut tools,
            update(
                serde_json::json!({"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "hi"}}),
            ),
        );
        assert_eq!(text, Some(AgentEvent::Text("hi".into())));
    }
}
