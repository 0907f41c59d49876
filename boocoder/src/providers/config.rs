//! The providers file (`coder.providers_file`, TOML): overrides of built-ins by id
//! and custom providers (ACP by default).
//!
//! ```toml
//! [providers.qwen]                      # a built-in: only the keys given change
//! env = { OPENAI_BASE_URL = "http://127.0.0.1:8081/v1" }   # merged key by key
//! models = ["qwen3-coder", { id = "qwen3-8b", name = "Qwen3 8B" }]
//!
//! [providers.goose]
//! enabled = false
//!
//! [providers.my-agent]                  # a custom ACP provider: `command` required
//! display_name = "My agent"
//! command = "/opt/my-agent/bin/agent"   # absolute, or a bare name looked up on PATH
//! args = ["acp"]
//! ```
//!
//! Keys: `display_name`, `command`, `args` (replace), `env` (merged), `models`
//! (replace), `enabled`, `transport` (`"acp"`, `"opencode_server"`, `"pty"`) and,
//! for `pty`, `parser` (`"stream-json"`, `"raw"`); a `pty` provider's `args` are a
//! template ([`crate::pty`]). A missing file means built-ins only. An invalid entry is skipped with an error naming the provider and key; the
//! rest still load.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::Value;
use serde::Deserialize;

use super::{ConfigStatus, ModelInfo, ProviderDef, ProviderKind, PtyParser, Transport};

/// The merged provider list and how the file fared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Registry {
    /// Built-ins in their fixed order, then custom providers by id.
    pub defs: Vec<ProviderDef>,
    pub path: Option<PathBuf>,
    pub loaded: bool,
    pub errors: Vec<ConfigError>,
}

impl Registry {
    pub fn builtins_only(builtins: Vec<ProviderDef>) -> Self {
        Self {
            defs: builtins,
            ..Self::default()
        }
    }

    pub fn get(&self, id: &str) -> Option<&ProviderDef> {
        self.defs.iter().find(|d| d.id == id)
    }

    pub fn status(&self) -> ConfigStatus {
        ConfigStatus {
            path: self.path.as_ref().map(|p| p.display().to_string()),
            loaded: self.loaded,
            errors: self.errors.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A problem in the providers file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub provider: Option<String>,
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    fn entry(provider: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            provider: Some(provider.to_owned()),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    fn file(message: impl Into<String>) -> Self {
        Self {
            provider: None,
            key: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.provider, &self.key) {
            (Some(p), Some(k)) => write!(f, "provider `{p}`, key `{k}`: {}", self.message),
            (Some(p), None) => write!(f, "provider `{p}`: {}", self.message),
            (None, Some(k)) => write!(f, "key `{k}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Read `path` (if any) and merge it over `builtins`.
pub async fn load(path: Option<&Path>, builtins: Vec<ProviderDef>) -> Registry {
    let Some(path) = path else {
        return Registry::builtins_only(builtins);
    };
    let mut registry = Registry {
        path: Some(path.to_path_buf()),
        ..Registry::builtins_only(builtins.clone())
    };
    match tokio::fs::read_to_string(path).await {
        Ok(text) => {
            let (defs, errors) = apply(&text, builtins);
            registry.defs = defs;
            registry.errors = errors;
            registry.loaded = true;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => registry.errors.push(ConfigError::file(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
    registry
}

/// Merge the TOML `text` over `builtins`: the resulting definitions and the errors
/// of the entries that were skipped.
pub fn apply(text: &str, builtins: Vec<ProviderDef>) -> (Vec<ProviderDef>, Vec<ConfigError>) {
    let mut defs = builtins;
    let mut errors = Vec::new();
    let top: BTreeMap<String, Value> = match Figment::from(Toml::string(text)).extract() {
        Ok(top) => top,
        Err(e) => {
            return (
                defs,
                vec![ConfigError::file(format!("not valid TOML: {e}"))],
            );
        }
    };
    for (key, value) in top {
        if key != "providers" {
            errors.push(ConfigError {
                key: Some(key),
                ..ConfigError::file("unknown top-level key (expected `[providers.<id>]` tables)")
            });
            continue;
        }
        let Value::Dict(_, entries) = value else {
            errors.push(ConfigError {
                key: Some(key),
                ..ConfigError::file("must be a table of `[providers.<id>]` tables")
            });
            continue;
        };
        for (id, value) in entries {
            match parse_entry(&id, &value) {
                Ok(entry) => {
                    if let Err(e) = merge(&mut defs, &id, entry) {
                        errors.push(e);
                    }
                }
                Err(mut errs) => errors.append(&mut errs),
            }
        }
    }
    (defs, errors)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    display_name: Option<String>,
    command: Option<String>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    models: Option<Vec<ModelEntry>>,
    enabled: Option<bool>,
    transport: Option<String>,
    /// How a `pty` provider's output is read: `stream-json` or `raw`.
    parser: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ModelEntry {
    Id(String),
    Full {
        id: String,
        name: Option<String>,
        description: Option<String>,
    },
}

fn parse_entry(id: &str, value: &Value) -> Result<Entry, Vec<ConfigError>> {
    if !valid_id(id) {
        return Err(vec![ConfigError {
            provider: Some(id.to_owned()),
            key: None,
            message:
                "invalid id: 1-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit"
                    .into(),
        }]);
    }
    let entry: Entry = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // The path names the offending key, an unknown one included.
        vec![ConfigError {
            key: (path != "." && !path.is_empty()).then_some(path),
            ..ConfigError::entry(id, "", message)
        }]
    })?;
    let mut errors = Vec::new();
    if let Some(name) = &entry.display_name
        && name.trim().is_empty()
    {
        errors.push(ConfigError::entry(id, "display_name", "must not be empty"));
    }
    if let Some(command) = &entry.command
        && let Err(message) = check_command(command)
    {
        errors.push(ConfigError::entry(id, "command", message));
    }
    for (i, arg) in entry.args.iter().flatten().enumerate() {
        if arg.contains('\0') {
            errors.push(ConfigError::entry(
                id,
                format!("args[{i}]"),
                "contains a NUL byte",
            ));
        }
    }
    for (k, v) in entry.env.iter().flatten() {
        let bad_key = k.is_empty() || k.contains(['=', '\0']);
        if bad_key || v.contains('\0') {
            let what = if bad_key {
                "not a valid variable name"
            } else {
                "value contains a NUL byte"
            };
            errors.push(ConfigError::entry(id, format!("env.{k}"), what));
        }
    }
    for (i, model) in entry.models.iter().flatten().enumerate() {
        let model_id = match model {
            ModelEntry::Id(m) | ModelEntry::Full { id: m, .. } => m,
        };
        if model_id.trim().is_empty() {
            errors.push(ConfigError::entry(
                id,
                format!("models[{i}]"),
                "model id must not be empty",
            ));
        }
    }
    if let Some(transport) = &entry.transport
        && Transport::parse(transport).is_none()
    {
        errors.push(ConfigError::entry(
            id,
            "transport",
            format!("`{transport}` is not one of `acp`, `opencode_server`, `pty`"),
        ));
    }
    if let Some(parser) = &entry.parser
        && PtyParser::parse(parser).is_none()
    {
        errors.push(ConfigError::entry(
            id,
            "parser",
            format!("`{parser}` is not one of `stream-json`, `raw`"),
        ));
    }
    if errors.is_empty() {
        Ok(entry)
    } else {
        Err(errors)
    }
}

/// Same rule as the `available_agents_name_chk` constraint.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_command(command: &str) -> Result<(), &'static str> {
    if command.trim().is_empty() {
        Err("must not be empty")
    } else if command.contains('\0') {
        Err("contains a NUL byte")
    } else if command.contains('/') && !command.starts_with('/') {
        Err("must be a bare name looked up on PATH or an absolute path")
    } else {
        Ok(())
    }
}

fn merge(defs: &mut Vec<ProviderDef>, id: &str, entry: Entry) -> Result<(), ConfigError> {
    let models = entry.models.map(|models| {
        models
            .into_iter()
            .map(|m| match m {
                ModelEntry::Id(id) => ModelInfo {
                    name: id.clone(),
                    id,
                    description: None,
                },
                ModelEntry::Full {
                    id,
                    name,
                    description,
                } => ModelInfo {
                    name: name.unwrap_or_else(|| id.clone()),
                    id,
                    description,
                },
            })
            .collect()
    });
    let transport = entry.transport.as_deref().and_then(Transport::parse);
    let parser = entry.parser.as_deref().and_then(PtyParser::parse);
    if let Some(def) = defs.iter_mut().find(|d| d.id == id) {
        if let Some(transport) = transport {
            def.transport = transport;
        }
        if let Some(parser) = parser {
            def.parser = parser;
        }
        if let Some(name) = entry.display_name {
            def.display_name = name;
        }
        if let Some(command) = entry.command {
            def.command = command;
        }
        if let Some(args) = entry.args {
            def.args = args;
        }
        def.env.extend(entry.env.unwrap_or_default());
        if models.is_some() {
            def.models = models;
        }
        if let Some(enabled) = entry.enabled {
            def.enabled = enabled;
        }
        return Ok(());
    }
    let Some(command) = entry.command else {
        return Err(ConfigError::entry(
            id,
            "command",
            "required for a custom provider",
        ));
    };
    defs.push(ProviderDef {
        id: id.to_owned(),
        display_name: entry.display_name.unwrap_or_else(|| id.to_owned()),
        kind: ProviderKind::Custom,
        transport: transport.unwrap_or(Transport::Acp),
        parser: parser.unwrap_or_default(),
        command,
        args: entry.args.unwrap_or_default(),
        env: entry.env.unwrap_or_default(),
        enabled: entry.enabled.unwrap_or(true),
        models,
        search_dirs: Vec::new(),
    });
    Ok(())
}

#[cfg(test)]
mod tests;
