//! The agents registry (CHAT-5): named agents read from an `AGENTS.md` file.
//!
//! Each `## <Name>` heading starts one agent. The heading is followed by a
//! `---`-fenced YAML frontmatter block (model, description, tool whitelist,
//! tool-call budget, sampling parameters) and then the agent's system prompt,
//! which runs up to the next `## ` heading. Anything before the first heading is
//! a preamble for human readers and is ignored. A `## ` line inside a fenced code
//! block never starts an agent.
//!
//! [`parse()`] turns the file's text into [`AgentDef`]s or a load error that names
//! the file, the 1-based line and the agent. [`Registry`] keeps the last good set,
//! the last error, and reloads when the file changes on disk.

mod frontmatter;
mod parse;
mod registry;
mod yaml_error;

pub use parse::parse;
pub use registry::Registry;

use serde::{Deserialize, Serialize};

/// Per-agent sampling parameters, named exactly as llama-server's
/// `/v1/chat/completions` request fields.
///
/// Every field is optional; an unset field is left out when serialized so the
/// model server keeps its own default.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Sampling {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_p: Option<f64>,
    /// `-1` disables the sampler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_n_sigma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xtc_probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xtc_threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_multiplier: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_base: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_allowed_length: Option<u32>,
    /// `-1` means the whole context, `0` disables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_penalty_last_n: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_sequence_breakers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `-1` asks for a random seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Thinking-token budget: `-1` unlimited, `0` no thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_budget: Option<i32>,
}

impl Sampling {
    /// True when no parameter is set, so nothing would be sent.
    pub fn is_empty(&self) -> bool {
        self == &Sampling::default()
    }

    /// Copies every set parameter into a chat-completions request body,
    /// replacing a field of the same name; unset parameters leave the body alone.
    pub fn merge_into(&self, body: &mut serde_json::Map<String, serde_json::Value>) {
        // Serializing plain numbers, strings and lists cannot fail.
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) {
            body.extend(fields);
        }
    }
}

/// Whether a `tools` whitelist names `tool`: an entry is a tool name, or a
/// prefix ending in `*` (`mcp__docs__*`: every tool of the MCP server `docs`).
pub fn whitelist_allows(whitelist: &[String], tool: &str) -> bool {
    whitelist.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => tool.starts_with(prefix),
        None => entry == tool,
    })
}

/// One agent as declared in `AGENTS.md`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentDef {
    /// The heading text, as written (lookups ignore case).
    pub name: String,
    pub description: Option<String>,
    /// Model to use instead of the chat's default.
    pub model: Option<String>,
    /// Tool whitelist: `None` (key absent or null) allows every tool, an empty
    /// list allows none.
    pub tools: Option<Vec<String>>,
    /// Overrides the default tool-call budget for one turn.
    pub max_tool_calls: Option<u32>,
    pub sampling: Sampling,
    /// The system prompt: the section's text after the frontmatter, trimmed.
    pub prompt: String,
    /// 1-based line of the `## ` heading.
    pub line: usize,
}

impl AgentDef {
    /// Whether the agent's whitelist lets it call `tool`.
    pub fn allows_tool(&self, tool: &str) -> bool {
        self.tools
            .as_ref()
            .is_none_or(|tools| whitelist_allows(tools, tool))
    }

    /// Whitelisted names that `is_known` rejects, in file order: lets the caller
    /// flag typos against the real tool set, which this module does not know.
    pub fn unknown_tools(&self, is_known: impl Fn(&str) -> bool) -> Vec<String> {
        self.tools
            .iter()
            .flatten()
            .filter(|t| !is_known(t))
            .cloned()
            .collect()
    }
}

/// Why an agents file could not be loaded. Every variant names the file; the
/// parse errors also name the 1-based line and, where there is one, the agent.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum AgentsError {
    #[error("{file}: cannot read the agents file: {message}")]
    Read { file: String, message: String },
    #[error("{file}:{line}: agent heading has no name")]
    EmptyName { file: String, line: usize },
    #[error("{file}:{line}: agent {agent:?}: expected a '---' frontmatter fence after the heading")]
    MissingFrontmatter {
        file: String,
        line: usize,
        agent: String,
    },
    #[error(
        "{file}:{line}: agent {agent:?}: frontmatter fence is never closed \
         (expected a '---' line before the next agent or the end of the file)"
    )]
    UnclosedFrontmatter {
        file: String,
        line: usize,
        agent: String,
    },
    #[error("{file}:{line}: agent {agent:?}: invalid frontmatter: {message}")]
    InvalidYaml {
        file: String,
        line: usize,
        agent: String,
        message: String,
    },
    #[error("{file}:{line}: agent {agent:?}: unknown frontmatter key `{key}`{}", did_you_mean(.suggestion.as_deref()))]
    UnknownKey {
        file: String,
        line: usize,
        agent: String,
        key: String,
        suggestion: Option<String>,
    },
    #[error("{file}:{line}: agent {agent:?}: `{key}` {message}")]
    InvalidValue {
        file: String,
        line: usize,
        agent: String,
        key: String,
        message: String,
    },
    #[error(
        "{file}:{line}: agent {agent:?} is already defined at line {first_line} \
         (agent names ignore case)"
    )]
    DuplicateAgent {
        file: String,
        line: usize,
        agent: String,
        first_line: usize,
    },
}

impl AgentsError {
    /// The 1-based line the error points at; `None` when the file could not be read.
    pub fn line(&self) -> Option<usize> {
        match self {
            AgentsError::Read { .. } => None,
            AgentsError::EmptyName { line, .. }
            | AgentsError::MissingFrontmatter { line, .. }
            | AgentsError::UnclosedFrontmatter { line, .. }
            | AgentsError::InvalidYaml { line, .. }
            | AgentsError::UnknownKey { line, .. }
            | AgentsError::InvalidValue { line, .. }
            | AgentsError::DuplicateAgent { line, .. } => Some(*line),
        }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn empty_sampling_serializes_to_an_empty_object() {
        assert_eq!(
            serde_json::to_value(Sampling::default()).unwrap(),
            json!({})
        );
        assert!(Sampling::default().is_empty());
    }

    #[test]
    fn sampling_serializes_only_the_set_fields() {
        let sampling = Sampling {
            temperature: Some(0.6),
            top_k: Some(20),
            top_n_sigma: Some(-1.0),
            dry_penalty_last_n: Some(-1),
            dry_sequence_breakers: Some(vec!["\n".into(), ":".into()]),
            seed: Some(42),
            ..Sampling::default()
        };
        assert_eq!(
            serde_json::to_value(&sampling).unwrap(),
            json!({
                "temperature": 0.6,
                "top_k": 20,
                "top_n_sigma": -1.0,
                "dry_penalty_last_n": -1,
                "dry_sequence_breakers": ["\n", ":"],
                "seed": 42,
            })
        );
        assert!(!sampling.is_empty());
    }

    #[test]
    fn sampling_round_trips_through_json() {
        let sampling = Sampling {
            min_p: Some(0.05),
            max_tokens: Some(4096),
            reasoning_budget: Some(0),
            ..Sampling::default()
        };
        let back: Sampling =
            serde_json::from_value(serde_json::to_value(&sampling).unwrap()).unwrap();
        assert_eq!(back, sampling);
    }

    #[test]
    fn merge_into_overrides_set_fields_and_keeps_the_rest() {
        let mut body = json!({"model": "qwen", "temperature": 1.0, "top_p": 0.9, "stream": true});
        let sampling = Sampling {
            temperature: Some(0.2),
            presence_penalty: Some(1.5),
            ..Sampling::default()
        };
        sampling.merge_into(body.as_object_mut().unwrap());
        assert_eq!(
            body,
            json!({
                "model": "qwen",
                "temperature": 0.2,
                "top_p": 0.9,
                "presence_penalty": 1.5,
                "stream": true,
            })
        );
    }

    fn agent(tools: Option<Vec<&str>>) -> AgentDef {
        AgentDef {
            name: "Reader".into(),
            description: None,
            model: None,
            tools: tools.map(|t| t.into_iter().map(String::from).collect()),
            max_tool_calls: None,
            sampling: Sampling::default(),
            prompt: String::new(),
            line: 1,
        }
    }

    #[test]
    fn tool_whitelist_absent_empty_and_listed() {
        let all = agent(None);
        let none = agent(Some(vec![]));
        let some = agent(Some(vec!["read_file", "grep"]));
        assert_eq!(
            [
                all.allows_tool("write_file"),
                none.allows_tool("read_file"),
                some.allows_tool("grep"),
                some.allows_tool("write_file"),
            ],
            [true, false, true, false]
        );
    }

    #[test]
    fn unknown_tools_lists_names_the_caller_does_not_know() {
        let some = agent(Some(vec!["read_file", "reed_file", "grep"]));
        assert_eq!(
            some.unknown_tools(|t| ["read_file", "grep"].contains(&t)),
            vec!["reed_file".to_string()]
        );
        assert_eq!(agent(None).unknown_tools(|_| false), Vec::<String>::new());
    }
}
