//! The agent's tools: the chat's read-only ones (confined to the session's cwd),
//! plus `write_file`, `edit_file`, `delete_file` and `run_command` in the `code`
//! and `auto` modes.
//!
//! Writes go through the client's `fs/write_text_file` when it offers it (under
//! boocoder every edit then lands in the worktree as a pending change), `read_file`
//! and edits read through `fs/read_text_file` likewise; otherwise both are done here, confined to
//! the cwd by `boo_shared::pathguard`. `run_command` uses the client's `terminal/*`
//! when offered (under boocoder: a booterm terminal the owner can watch), otherwise
//! a child of its own in its own process group with a timeout and bounded output.
//! In `code` mode each write and command asks `session/request_permission` first;
//! an "always" answer holds for that tool for the rest of the session.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Client, Error};
use boo_shared::pathguard;
use serde_json::{Value, json};

use super::Mode;
use super::command::{Run, run_local};
use crate::engine::turn_loop::{ToolResult, Tools};
use crate::engine::{ToolCall, Toolkit};
use crate::tools::{OutputStore, openai_spec};

pub use super::command::{COMMAND_OUTPUT_BYTES, COMMAND_TIMEOUT};

pub const WRITE_TOOLS: [&str; 4] = ["write_file", "edit_file", "delete_file", "run_command"];

/// The OpenAI specs of the write and command tools.
pub fn write_specs() -> Vec<Value> {
    vec![
        openai_spec(
            "write_file",
            "Create or overwrite a file with the given content (path relative to the project).",
            json!({"type": "object", "properties": {
                "path": {"type": "string"}, "content": {"type": "string"}},
                "required": ["path", "content"], "additionalProperties": false}),
        ),
        openai_spec(
            "edit_file",
            "Replace old_string with new_string in a file. old_string must match one place \
             (small whitespace or quote differences are tolerated); set replace_all to change \
             every match.",
            json!({"type": "object", "properties": {
                "path": {"type": "string"}, "old_string": {"type": "string"},
                "new_string": {"type": "string"}, "replace_all": {"type": "boolean"}},
                "required": ["path", "old_string", "new_string"], "additionalProperties": false}),
        ),
        openai_spec(
            "delete_file",
            "Delete a file (path relative to the project).",
            json!({"type": "object", "properties": {"path": {"type": "string"}},
                "required": ["path"], "additionalProperties": false}),
        ),
        openai_spec(
            "run_command",
            "Run a shell command in the project directory and get its output and exit status.",
            json!({"type": "object", "properties": {
                "command": {"type": "string"},
                "timeout_secs": {"type": "integer", "minimum": 1, "maximum": 300}},
                "required": ["command"], "additionalProperties": false}),
        ),
    ]
}

/// The ACP kind of a tool (how clients draw its card).
pub fn kind_of(name: &str) -> acp::ToolKind {
    match name {
        "read_file" | "list_dir" | "view_truncated_output" | "git_status" => acp::ToolKind::Read,
        "glob" | "grep" | "web_search" => acp::ToolKind::Search,
        "web_fetch" => acp::ToolKind::Fetch,
        "write_file" | "edit_file" => acp::ToolKind::Edit,
        "delete_file" => acp::ToolKind::Delete,
        "run_command" => acp::ToolKind::Execute,
        _ => acp::ToolKind::Other,
    }
}

/// What the client offered in `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    pub read: bool,
    pub write: bool,
    pub terminal: bool,
}

/// Full outputs of the session's truncated results (for `view_truncated_output`).
#[derive(Default)]
pub struct MemOutputs(Mutex<std::collections::HashMap<String, String>>);

impl MemOutputs {
    pub fn keep(&self, call_id: &str, full: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(call_id.to_owned(), full.to_owned());
    }
}

#[async_trait::async_trait]
impl OutputStore for MemOutputs {
    async fn full_output(&self, call_id: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(call_id)
            .cloned()
    }
}

pub struct AgentTools {
    pub kit: Arc<Toolkit>,
    pub cx: ConnectionTo<Client>,
    pub session: acp::SessionId,
    pub cwd: PathBuf,
    pub mode: Mode,
    pub caps: ClientCaps,
    /// Tools the user allowed "always" in this session.
    pub always: Arc<Mutex<HashSet<String>>>,
    pub outputs: Arc<MemOutputs>,
    /// Tools the turn offers (the agent's whitelist applied).
    pub offered: Vec<String>,
}

#[async_trait::async_trait]
impl Tools for AgentTools {
    async fn call(&self, call: &ToolCall) -> ToolResult {
        if !self.offered.contains(&call.name) {
            return ToolResult::error(format!(
                "tool {:?} is not available here{}",
                call.name,
                if self.mode == Mode::Ask && WRITE_TOOLS.contains(&call.name.as_str()) {
                    " (the session is in ask mode: read-only)"
                } else {
                    ""
                }
            ));
        }
        if let Some(raw) = call.arguments.get("__unparsed") {
            return ToolResult::error(format!("the arguments are not valid JSON: {raw}"));
        }
        if call.name == "read_file" && self.caps.read {
            return match self.read_through_client(call).await {
                Ok(r) => r,
                Err(e) => ToolResult::error(e),
            };
        }
        if !WRITE_TOOLS.contains(&call.name.as_str()) {
            return self.read_only(call).await;
        }
        match self.write(call).await {
            Ok(r) => r,
            Err(e) => ToolResult::error(e),
        }
    }
}

fn arg<'a>(call: &'a ToolCall, name: &str) -> Result<&'a str, String> {
    call.arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} needs a string {name:?}", call.name))
}

fn rpc(e: Error) -> String {
    match e.data {
        Some(Value::String(d)) => format!("{}: {d}", e.message),
        Some(d) => format!("{}: {d}", e.message),
        None => e.message,
    }
}

impl AgentTools {
    async fn read_only(&self, call: &ToolCall) -> ToolResult {
        let ctx = self.kit.tool_context(
            self.cwd.clone(),
            vec![self.cwd.clone()],
            self.outputs.clone(),
        );
        match self
            .kit
            .tools
            .call(&ctx, &call.id, &call.name, call.arguments.clone())
            .await
        {
            Ok(out) => {
                let full = out.full.unwrap_or(out.content);
                if out.truncated {
                    self.outputs.keep(&call.id, &full);
                }
                ToolResult {
                    stored: full,
                    is_error: false,
                    truncated: out.truncated,
                }
            }
            Err(e) => ToolResult::error(e),
        }
    }

    /// `read_file` through the client's `fs/read_text_file` (an editor's unsaved
    /// buffer; under boocoder the worktree), numbered like the local tool.
    async fn read_through_client(&self, call: &ToolCall) -> Result<ToolResult, String> {
        let path = self.confine(arg(call, "path")?)?;
        let number = |name: &str| -> Result<Option<u32>, String> {
            match call.arguments.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .filter(|n| *n >= 1)
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| format!("{name} must be a whole number from 1")),
            }
        };
        let first = number("offset")?.unwrap_or(1);
        let limit = number("limit")?.unwrap_or(crate::tools::read_file::DEFAULT_LINES as u32);
        let req = acp::ReadTextFileRequest::new(self.session.clone(), path.clone())
            .line(first)
            .limit(limit);
        let text = self
            .cx
            .send_request(req)
            .block_task()
            .await
            .map_err(|e| format!("cannot read {}: {}", self.rel(&path), rpc(e)))?
            .content;
        Ok(ToolResult::ok(crate::tools::read_file::numbered(
            &text,
            first as usize,
            limit as usize,
        )))
    }

    /// The absolute path of `requested`, confined to the cwd.
    fn confine(&self, requested: &str) -> Result<PathBuf, String> {
        pathguard::resolve(&self.cwd, requested).map_err(|e| e.to_string())
    }

    async fn write(&self, call: &ToolCall) -> Result<ToolResult, String> {
        match call.name.as_str() {
            "write_file" => {
                let path = self.confine(arg(call, "path")?)?;
                let content = arg(call, "content")?;
                let old = self.read(&path).await.ok();
                let diff = acp::Diff::new(path.clone(), content).old_text(old);
                self.permit(call, &path, Some(diff.clone())).await?;
                self.put(&path, content).await?;
                self.show_diff(call, diff);
                Ok(ToolResult::ok(format!(
                    "wrote {} ({} bytes)",
                    self.rel(&path),
                    content.len()
                )))
            }
            "edit_file" => {
                let path = self.confine(arg(call, "path")?)?;
                let old_string = arg(call, "old_string")?;
                let new_string = arg(call, "new_string")?;
                let all = call
                    .arguments
                    .get("replace_all")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let before = self.read(&path).await?;
                let edit = boo_shared::edit::apply_edit(&before, old_string, new_string, all)
                    .map_err(|e| format!("{}: {e}", self.rel(&path)))?;
                let diff = acp::Diff::new(path.clone(), edit.content.clone()).old_text(before);
                self.permit(call, &path, Some(diff.clone())).await?;
                self.put(&path, &edit.content).await?;
                self.show_diff(call, diff);
                Ok(ToolResult::ok(format!(
                    "edited {} at line {} ({} replacement{}, {} match)",
                    self.rel(&path),
                    edit.first_line,
                    edit.replacements,
                    if edit.replacements == 1 { "" } else { "s" },
                    edit.rung
                )))
            }
            "delete_file" => {
                let path = self.confine(arg(call, "path")?)?;
                if !path.is_file() {
                    return Err(format!("{} is not a file", self.rel(&path)));
                }
                self.permit(call, &path, None).await?;
                tokio::fs::remove_file(&path)
                    .await
                    .map_err(|e| format!("cannot delete {}: {e}", self.rel(&path)))?;
                Ok(ToolResult::ok(format!("deleted {}", self.rel(&path))))
            }
            _ => {
                let command = arg(call, "command")?;
                let timeout = call
                    .arguments
                    .get("timeout_secs")
                    .and_then(Value::as_u64)
                    .map_or(COMMAND_TIMEOUT, |s| {
                        Duration::from_secs(s.clamp(1, COMMAND_TIMEOUT.as_secs()))
                    });
                let cwd = self.cwd.clone();
                self.permit(call, &cwd, None).await?;
                let run = if self.caps.terminal {
                    self.run_in_client(call, command, timeout).await?
                } else {
                    run_local(command, &self.cwd, timeout).await?
                };
                Ok(ToolResult {
                    is_error: run.failed(),
                    stored: run.report(),
                    truncated: false,
                })
            }
        }
    }

    fn rel(&self, path: &Path) -> String {
        pathguard::display_relative(&self.cwd, path)
    }

    async fn read(&self, path: &Path) -> Result<String, String> {
        if self.caps.read {
            let req = acp::ReadTextFileRequest::new(self.session.clone(), path.to_path_buf());
            let resp = self
                .cx
                .send_request(req)
                .block_task()
                .await
                .map_err(|e| format!("cannot read {}: {}", self.rel(path), rpc(e)))?;
            Ok(resp.content)
        } else {
            tokio::fs::read_to_string(path)
                .await
                .map_err(|e| format!("cannot read {}: {e}", self.rel(path)))
        }
    }

    async fn put(&self, path: &Path, content: &str) -> Result<(), String> {
        if self.caps.write {
            let req = acp::WriteTextFileRequest::new(
                self.session.clone(),
                path.to_path_buf(),
                content.to_owned(),
            );
            self.cx
                .send_request(req)
                .block_task()
                .await
                .map(drop)
                .map_err(|e| format!("cannot write {}: {}", self.rel(path), rpc(e)))
        } else {
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("cannot create {}: {e}", self.rel(dir)))?;
            }
            tokio::fs::write(path, content)
                .await
                .map_err(|e| format!("cannot write {}: {e}", self.rel(path)))
        }
    }

    fn show_diff(&self, call: &ToolCall, diff: acp::Diff) {
        let fields =
            acp::ToolCallUpdateFields::new().content(vec![acp::ToolCallContent::Diff(diff)]);
        let update =
            acp::SessionUpdate::ToolCallUpdate(acp::ToolCallUpdate::new(call.id.clone(), fields));
        if let Err(e) = self
            .cx
            .send_notification(acp::SessionNotification::new(self.session.clone(), update))
        {
            tracing::debug!(error = %e, "cannot send the diff");
        }
    }

    /// In `code` mode, ask (unless allowed always); `Err` says the user refused.
    async fn permit(
        &self,
        call: &ToolCall,
        location: &Path,
        diff: Option<acp::Diff>,
    ) -> Result<(), String> {
        if self.mode != Mode::Code {
            return Ok(());
        }
        if self
            .always
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&call.name)
        {
            return Ok(());
        }
        let mut fields = acp::ToolCallUpdateFields::new()
            .title(title(call))
            .kind(kind_of(&call.name))
            .raw_input(call.arguments.clone())
            .locations(vec![acp::ToolCallLocation::new(location.to_path_buf())]);
        if let Some(d) = diff {
            fields = fields.content(vec![acp::ToolCallContent::Diff(d)]);
        }
        let options = vec![
            acp::PermissionOption::new("allow_once", "Allow", acp::PermissionOptionKind::AllowOnce),
            acp::PermissionOption::new(
                "allow_always",
                format!("Always allow {}", call.name),
                acp::PermissionOptionKind::AllowAlways,
            ),
            acp::PermissionOption::new(
                "reject_once",
                "Reject",
                acp::PermissionOptionKind::RejectOnce,
            ),
        ];
        let req = acp::RequestPermissionRequest::new(
            self.session.clone(),
            acp::ToolCallUpdate::new(call.id.clone(), fields),
            options,
        );
        let resp = self
            .cx
            .send_request(req)
            .block_task()
            .await
            .map_err(|e| format!("permission request failed: {}", rpc(e)))?;
        match resp.outcome {
            acp::RequestPermissionOutcome::Selected(s) => match s.option_id.0.as_ref() {
                "allow_always" => {
                    self.always
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(call.name.clone());
                    Ok(())
                }
                "allow_once" => Ok(()),
                _ => Err(
                    "the user rejected this call; do not retry it, ask or try another way".into(),
                ),
            },
            _ => Err("cancelled: the permission request was withdrawn".into()),
        }
    }

    /// `run_command` in a client terminal: create, wait (bounded), output, release.
    async fn run_in_client(
        &self,
        call: &ToolCall,
        command: &str,
        timeout: Duration,
    ) -> Result<Run, String> {
        let create = acp::CreateTerminalRequest::new(self.session.clone(), "/bin/sh")
            .args(vec!["-c".to_owned(), command.to_owned()])
            .cwd(self.cwd.clone())
            .output_byte_limit(u64::try_from(COMMAND_OUTPUT_BYTES).ok());
        let terminal = self
            .cx
            .send_request(create)
            .block_task()
            .await
            .map_err(|e| format!("cannot start the command: {}", rpc(e)))?
            .terminal_id;
        // The card shows the live terminal.
        let fields =
            acp::ToolCallUpdateFields::new().content(vec![acp::ToolCallContent::Terminal(
                acp::Terminal::new(terminal.clone()),
            )]);
        let _ = self.cx.send_notification(acp::SessionNotification::new(
            self.session.clone(),
            acp::SessionUpdate::ToolCallUpdate(acp::ToolCallUpdate::new(call.id.clone(), fields)),
        ));
        let wait = self
            .cx
            .send_request(acp::WaitForTerminalExitRequest::new(
                self.session.clone(),
                terminal.clone(),
            ))
            .block_task();
        let timed_out = tokio::time::timeout(timeout, wait).await.is_err();
        if timed_out {
            let _ = self
                .cx
                .send_request(acp::KillTerminalRequest::new(
                    self.session.clone(),
                    terminal.clone(),
                ))
                .block_task()
                .await;
        }
        let out = self
            .cx
            .send_request(acp::TerminalOutputRequest::new(
                self.session.clone(),
                terminal.clone(),
            ))
            .block_task()
            .await
            .map_err(|e| format!("cannot read the command's output: {}", rpc(e)))?;
        let _ = self
            .cx
            .send_request(acp::ReleaseTerminalRequest::new(
                self.session.clone(),
                terminal,
            ))
            .block_task()
            .await;
        Ok(Run {
            output: out.output,
            truncated: out.truncated,
            exit_code: out.exit_status.as_ref().and_then(|s| s.exit_code),
            signal: out.exit_status.and_then(|s| s.signal),
            timed_out,
        })
    }
}

fn title(call: &ToolCall) -> String {
    let path = call.arguments.get("path").and_then(Value::as_str);
    match (call.name.as_str(), path) {
        ("write_file", Some(p)) => format!("Write {p}"),
        ("edit_file", Some(p)) => format!("Edit {p}"),
        ("delete_file", Some(p)) => format!("Delete {p}"),
        ("run_command", _) => format!(
            "Run {}",
            call.arguments
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or("")
        ),
        (name, _) => name.to_owned(),
    }
}
