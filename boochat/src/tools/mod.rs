//! CHAT-3 read-only tools: the [`Tool`] trait, the [`ToolRegistry`] the engine calls,
//! and the truncation that keeps one result under [`Limits::max_output_bytes`].
//!
//! Every filesystem tool confines its paths with [`boo_shared::pathguard`] (and
//! refuses `.git/`), at every call: the project directory must still resolve inside
//! `chat.project_roots` ([`project_root`]), the requested path must resolve inside
//! the project ([`resolve_path`]), and files are opened with
//! [`pathguard::open_confined`], so a symlink that appeared after the project was
//! created — or between the check and the read — is refused, never followed.
//! Walks never follow symlinks and are bounded in time and files ([`walk`]).
//! `web_fetch` connects only to addresses [`NetGuard`] checked. `read_terminal` and
//! `read_tab_by_number` reach only the chat's own workspace session ([`workspace`]).
//!
//! Blocking work (file reads, walks, libgit2) runs on `spawn_blocking`. A result
//! longer than the cap is cut on a line (or char) boundary; the full text goes back
//! to the engine in [`ToolOutput::full`] and the model pages through it with
//! `view_truncated_output`.

mod git_status;
mod glob;
mod grep;
mod list_dir;
pub(crate) mod read_file;
mod read_tab_by_number;
mod read_terminal;
mod view_truncated;
mod walk;
mod web_fetch;
mod web_search;
pub mod workspace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use boo_shared::netguard::NetGuard;
use boo_shared::pathguard::{self, PathError, ResolveOptions, RootsError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use workspace::SessionScope;

/// The tools that read the chat's workspace session (its other tabs): offered in
/// chats only, not to `boochat acp`, which has no session.
pub const SESSION_TOOLS: [&str; 2] = ["read_terminal", "read_tab_by_number"];

/// What a tool call runs against.
pub struct ToolContext {
    /// The project's root (absolute); every fs tool is confined to it.
    pub root: PathBuf,
    /// `chat.project_roots`: `root` must still resolve inside one of them at every
    /// call (empty: no restriction).
    pub roots: Vec<PathBuf>,
    /// For `web_search` (timeouts are set per request); `web_fetch` builds its own
    /// client per hop, pinned to the addresses `net` checked.
    pub http: reqwest::Client,
    /// What `web_fetch` may connect to.
    pub net: Arc<NetGuard>,
    /// SearXNG-compatible endpoint base (`GET {url}/search?q=..&format=json`).
    pub web_search_url: Option<String>,
    /// Full outputs of earlier truncated results.
    pub outputs: Arc<dyn OutputStore>,
    pub limits: Limits,
    /// The chat's workspace session, for [`SESSION_TOOLS`]; `None` outside one.
    pub session: Option<SessionScope>,
}

#[derive(Clone, Debug)]
pub struct Limits {
    /// Most bytes of one result the model sees.
    pub max_output_bytes: usize,
    /// Largest file `read_file` reads whole.
    pub max_file_bytes: u64,
    /// Whole-request timeout of `web_fetch`/`web_search`.
    pub fetch_timeout: Duration,
    /// Most body bytes `web_fetch` downloads.
    pub max_fetch_bytes: usize,
    /// Longest a `glob`/`grep` walk runs (`chat.tool_walk_timeout_secs`).
    pub walk_timeout: Duration,
    /// Most files one `glob`/`grep` walk looks at.
    pub walk_max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_output_bytes: 16 * 1024,
            max_file_bytes: 2 * 1024 * 1024,
            fetch_timeout: Duration::from_secs(20),
            max_fetch_bytes: 5 * 1024 * 1024,
            walk_timeout: Duration::from_secs(10),
            walk_max_files: 200_000,
        }
    }
}

/// Where the engine keeps the full text of truncated results, by tool call id.
#[async_trait::async_trait]
pub trait OutputStore: Send + Sync {
    async fn full_output(&self, call_id: &str) -> Option<String>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    /// What the model sees (already truncated).
    pub content: String,
    /// `Some(full)` when truncated, for the [`OutputStore`].
    pub full: Option<String>,
    pub truncated: bool,
}

impl ToolOutput {
    /// An untruncated result (the registry truncates later if needed).
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            full: None,
            truncated: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    InvalidArguments(String),
    #[error("{0}")]
    Path(#[from] PathError),
    #[error("{0}")]
    Failed(String),
    #[error("unknown tool {0:?}")]
    Unknown(String),
}

#[async_trait::async_trait]
pub trait Tool: Send + Sync {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// JSON Schema object for the OpenAI `tools` array.
    fn parameters(&self) -> Value;
    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError>;
}

/// The tools a chat agent may call, by name.
pub struct ToolRegistry {
    tools: Vec<Arc<dyn Tool>>,
    by_name: HashMap<&'static str, usize>,
}

impl ToolRegistry {
    /// Every read-only tool, in a stable order.
    pub fn read_only() -> Self {
        let tools: Vec<Arc<dyn Tool>> = vec![
            Arc::new(read_file::ReadFile),
            Arc::new(list_dir::ListDir),
            Arc::new(glob::Glob),
            Arc::new(grep::Grep),
            Arc::new(git_status::GitStatus),
            Arc::new(view_truncated::ViewTruncatedOutput),
            Arc::new(web_fetch::WebFetch),
            Arc::new(web_search::WebSearch),
            Arc::new(read_terminal::ReadTerminal),
            Arc::new(read_tab_by_number::ReadTabByNumber),
        ];
        let by_name = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name(), i))
            .collect();
        Self { tools, by_name }
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.by_name.get(name).map(|&i| Arc::clone(&self.tools[i]))
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.tools.iter().map(|t| t.name()).collect()
    }

    /// OpenAI `tools` entries, filtered by an agent's whitelist (`None` = all). The
    /// engine appends its own tools (ask_user_input) with [`openai_spec`].
    pub fn openai_specs(&self, whitelist: Option<&[String]>) -> Vec<Value> {
        self.tools
            .iter()
            .filter(|t| whitelist.is_none_or(|w| crate::agents::whitelist_allows(w, t.name())))
            .map(|t| openai_spec(t.name(), t.description(), t.parameters()))
            .collect()
    }

    /// Run one call and cut its result to `limits.max_output_bytes`.
    pub async fn call(
        &self,
        ctx: &ToolContext,
        call_id: &str,
        name: &str,
        args: Value,
    ) -> Result<ToolOutput, ToolError> {
        let tool = self
            .get(name)
            .ok_or_else(|| ToolError::Unknown(name.to_owned()))?;
        let args = match args {
            Value::Null => json!({}),
            Value::Object(_) => args,
            other => {
                return Err(ToolError::InvalidArguments(format!(
                    "arguments of {name} must be a JSON object, got {other}"
                )));
            }
        };
        let output = tool.call(ctx, args).await?;
        Ok(truncate_for_model(
            call_id,
            output,
            ctx.limits.max_output_bytes,
        ))
    }
}

/// One OpenAI `tools` array entry.
pub fn openai_spec(name: &str, description: &str, parameters: Value) -> Value {
    json!({
        "type": "function",
        "function": { "name": name, "description": description, "parameters": parameters },
    })
}

/// Cut `output` so the model sees at most `max` bytes, keeping the full text. Public
/// so the engine can rebuild the model's view of a stored full result (same call id,
/// same cut, same trailer).
pub fn truncate_for_model(call_id: &str, output: ToolOutput, max: usize) -> ToolOutput {
    if output.content.len() <= max {
        return output;
    }
    let full = output.content;
    let total = full.len();
    let trailer = |cut: usize| {
        format!(
            "\n\n[output truncated: showing bytes 0-{cut} of {total}. Call view_truncated_output \
             with call_id {call_id:?} and offset {cut} to read the rest.]"
        )
    };
    let budget = max.saturating_sub(trailer(total).len());
    let cut = cut_point(&full, 0, budget);
    let content = format!("{}{}", &full[..cut], trailer(cut));
    ToolOutput {
        content,
        full: Some(full),
        truncated: true,
    }
}

/// End of a page of `text` starting at `start` (a char boundary) spanning at most
/// `budget` bytes: after the last newline in the page if that keeps at least half of
/// it, otherwise the last char boundary. Always makes progress when `budget` allows
/// one char.
pub(crate) fn cut_point(text: &str, start: usize, budget: usize) -> usize {
    let hard_end = start.saturating_add(budget);
    if hard_end >= text.len() {
        return text.len();
    }
    let mut end = hard_end;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[start..end].rfind('\n') {
        Some(nl) if nl + 1 >= budget / 2 => start + nl + 1,
        _ => end,
    }
}

/// Deserialize a tool's arguments, naming the offending field on error.
pub(crate) fn parse_args<T: DeserializeOwned>(tool: &str, args: Value) -> Result<T, ToolError> {
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde already names the field in "unknown field `x`" / "missing field `x`".
        let named = inner.to_string().contains(&format!("`{path}`"));
        ToolError::InvalidArguments(if path == "." || named {
            format!("invalid arguments for {tool}: {inner}")
        } else {
            format!("invalid arguments for {tool}: {path}: {inner}")
        })
    })
}

/// The project root, canonical, checked against `chat.project_roots` now — a
/// project directory replaced by a symlink to elsewhere after it was created is
/// caught here, at use.
pub(crate) fn project_root(ctx: &ToolContext) -> Result<PathBuf, ToolError> {
    pathguard::within_roots(&ctx.root, &ctx.roots).map_err(|e| match e {
        RootsError::Unresolvable { path, source } => {
            ToolError::Path(PathError::Root { root: path, source })
        }
        outside => ToolError::Failed(format!(
            "the project directory {outside}; no tool reads it until it is back inside"
        )),
    })
}

/// Resolve a model-supplied path under the project root (`.git/` refused):
/// `(canonical root, resolved path)`.
pub(crate) fn resolve_path(
    ctx: &ToolContext,
    requested: &str,
) -> Result<(PathBuf, PathBuf), ToolError> {
    let root = project_root(ctx)?;
    let abs = pathguard::resolve_with(&ctx.root, requested, ResolveOptions { deny_git_dir: true })?;
    // The root was swapped between the two checks.
    if !abs.starts_with(&root) {
        return Err(PathError::SymlinkEscape {
            requested: requested.to_owned(),
        }
        .into());
    }
    Ok((root, abs))
}

/// `abs` relative to the canonical root, `/`-separated.
pub(crate) fn relative(root: &Path, abs: &Path) -> String {
    pathguard::display_relative(root, abs)
}

/// Run blocking work (file reads, walks, libgit2) off the async runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ToolError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ToolError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ToolError::Failed(format!("tool task failed: {e}")))?
}

/// Pull an optional non-negative integer argument into `min..=max`, or complain.
pub(crate) fn bounded(
    field: &str,
    value: Option<usize>,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ToolError> {
    match value {
        None => Ok(default),
        Some(v) if (min..=max).contains(&v) => Ok(v),
        Some(v) => Err(ToolError::InvalidArguments(format!(
            "{field}: {v} is out of range ({min}..={max})"
        ))),
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    /// The symlink corpus through every filesystem tool.
    mod confinement;

    use super::testing::{MemoryStore, context};
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn names_and_specs_follow_registration_order_and_whitelist() {
        let reg = ToolRegistry::read_only();
        assert_eq!(
            reg.names(),
            vec![
                "read_file",
                "list_dir",
                "glob",
                "grep",
                "git_status",
                "view_truncated_output",
                "web_fetch",
                "web_search",
                "read_terminal",
                "read_tab_by_number",
            ]
        );
        assert_eq!(reg.openai_specs(None).len(), 10);
        for name in SESSION_TOOLS {
            assert!(reg.get(name).is_some(), "{name}");
        }
        let only = ["grep".to_owned(), "nope".to_owned(), "read_file".to_owned()];
        let specs = reg.openai_specs(Some(&only));
        let names: Vec<&str> = specs
            .iter()
            .map(|s| s["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["read_file", "grep"]);
        let tool = reg.get("grep").unwrap();
        assert_eq!(
            specs[1],
            json!({
                "type": "function",
                "function": {
                    "name": "grep",
                    "description": tool.description(),
                    "parameters": tool.parameters(),
                },
            })
        );
        for spec in reg.openai_specs(None) {
            let params = &spec["function"]["parameters"];
            assert_eq!(params["type"], "object", "{spec}");
            assert_eq!(params["additionalProperties"], false, "{spec}");
        }
    }

    #[tokio::test]
    async fn unknown_tools_and_non_object_arguments_are_refused() {
        let (_dir, ctx) = context(MemoryStore::default());
        let reg = ToolRegistry::read_only();
        let e = reg.call(&ctx, "c1", "rm_rf", json!({})).await.unwrap_err();
        assert_eq!(e.to_string(), r#"unknown tool "rm_rf""#);
        let e = reg
            .call(&ctx, "c1", "read_file", json!("a.txt"))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"arguments of read_file must be a JSON object, got "a.txt""#
        );
    }

    #[tokio::test]
    async fn bad_arguments_name_the_field() {
        let (_dir, ctx) = context(MemoryStore::default());
        let reg = ToolRegistry::read_only();
        let cases = [
            (
                "read_file",
                json!({}),
                "invalid arguments for read_file: missing field `path`",
            ),
            (
                "read_file",
                json!({"path": "a", "offset": "x"}),
                "invalid arguments for read_file: offset: invalid type: string \"x\", expected usize",
            ),
            (
                "list_dir",
                json!({"dir": "."}),
                "invalid arguments for list_dir: unknown field `dir`, expected `path` or `depth`",
            ),
            (
                "git_status",
                json!({"verbose": true}),
                "invalid arguments for git_status: unknown field `verbose`, there are no fields",
            ),
        ];
        for (name, args, want) in cases {
            let e = reg.call(&ctx, "c1", name, args).await.unwrap_err();
            assert!(matches!(e, ToolError::InvalidArguments(_)), "{e:?}");
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn short_output_is_untouched() {
        let out = truncate_for_model("c1", ToolOutput::text("hello"), 16);
        assert_eq!(out, ToolOutput::text("hello"));
    }

    #[test]
    fn long_output_is_cut_on_a_line_and_keeps_the_full_text() {
        let full: String = (1..=100).map(|i| format!("line {i:03}\n")).collect();
        let out = truncate_for_model("call_7", ToolOutput::text(full.clone()), 300);
        let shown: String = (1..=18).map(|i| format!("line {i:03}\n")).collect();
        assert_eq!(
            out,
            ToolOutput {
                content: format!(
                    "{shown}\n\n[output truncated: showing bytes 0-162 of 900. Call \
                     view_truncated_output with call_id \"call_7\" and offset 162 to read the rest.]"
                ),
                full: Some(full),
                truncated: true,
            }
        );
        assert!(out.content.len() <= 300);
    }

    #[test]
    fn cut_point_respects_char_boundaries_without_newlines() {
        let text = "ééééé"; // 2 bytes each
        assert_eq!(cut_point(text, 0, 5), 4);
        assert_eq!(cut_point(text, 2, 3), 4);
        assert_eq!(cut_point(text, 0, 100), 10);
        // A newline too early in the page is not worth cutting at.
        assert_eq!(cut_point("a\nbcdefghij", 0, 8), 8);
        assert_eq!(cut_point("abcde\nfghij", 0, 8), 6);
    }
}
