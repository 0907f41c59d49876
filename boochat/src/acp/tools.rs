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
use tokio::io::AsyncReadExt;

use super::Mode;
use crate::engine::turn_loop::{ToolResult, Tools};
use crate::engine::{Engine, ToolCall};
use crate::tools::{OutputStore, openai_spec};

/// How long `run_command` may run (the model may ask for less, never more).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes of a command's output kept (the end of it).
pub const COMMAND_OUTPUT_BYTES: usize = 64 * 1024;

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
    pub engine: Arc<Engine>,
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
        let ctx = self.engine.tool_context(
            self.cwd.clone(),
            vec![self.cwd.clone()],
            self.outputs.clone(),
        );
        match self
            .engine
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

/// A finished command.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub output: String,
    pub truncated: bool,
    pub exit_code: Option<u32>,
    pub signal: Option<String>,
    pub timed_out: bool,
}

impl Run {
    fn failed(&self) -> bool {
        self.timed_out || self.exit_code != Some(0)
    }

    /// What the model reads.
    pub fn report(&self) -> String {
        let status = match (self.timed_out, self.exit_code, &self.signal) {
            (true, _, _) => "timed out and was killed".to_owned(),
            (_, Some(c), _) => format!("exit code {c}"),
            (_, None, Some(s)) => format!("killed by {s}"),
            _ => "ended".to_owned(),
        };
        let cut = if self.truncated {
            "(the start of the output was cut)\n"
        } else {
            ""
        };
        format!("{status}\n{cut}{}", self.output)
    }
}

/// Keep the last `max` bytes of `bytes`, starting at a character boundary.
fn tail(bytes: &[u8], max: usize) -> (String, bool) {
    if bytes.len() <= max {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut start = bytes.len() - max;
    while start < bytes.len() && (bytes[start] & 0xC0) == 0x80 {
        start += 1;
    }
    (String::from_utf8_lossy(&bytes[start..]).into_owned(), true)
}

/// `sh -c command` as a child in its own process group, stdout and stderr as one
/// stream, the whole group killed at the timeout (or when the turn drops this).
pub async fn run_local(command: &str, cwd: &Path, timeout: Duration) -> Result<Run, String> {
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| format!("cannot make a pipe: {e}"))?;
    let mut child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the command: {e}"))?;
    let pgid = child.id();
    // Read on a thread-free async pipe; keep only the tail while reading.
    let mut reader = tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into())
        .map_err(|e| format!("cannot read the command's output: {e}"))?;
    let collect = async {
        let mut kept: Vec<u8> = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    kept.extend_from_slice(&buf[..n]);
                    if kept.len() > 2 * COMMAND_OUTPUT_BYTES {
                        kept.drain(..kept.len() - COMMAND_OUTPUT_BYTES);
                    }
                }
            }
        }
        kept
    };
    let both = async {
        let (kept, status) = tokio::join!(collect, child.wait());
        (kept, status)
    };
    match tokio::time::timeout(timeout, both).await {
        Ok((kept, status)) => {
            use std::os::unix::process::ExitStatusExt;
            let status = status.map_err(|e| format!("cannot wait for the command: {e}"))?;
            let (output, truncated) = tail(&kept, COMMAND_OUTPUT_BYTES);
            Ok(Run {
                output,
                truncated,
                exit_code: status.code().and_then(|c| u32::try_from(c).ok()),
                signal: status.signal().map(|s| format!("signal {s}")),
                timed_out: false,
            })
        }
        Err(_) => {
            if let Some(pid) = pgid.and_then(|p| i32::try_from(p).ok()) {
                kill_group(pid);
            }
            Ok(Run {
                output: String::new(),
                truncated: false,
                exit_code: None,
                signal: None,
                timed_out: true,
            })
        }
    }
}

fn kill_group(pgid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_tail_starts_at_a_character_boundary() {
        assert_eq!(tail(b"abc", 5), ("abc".to_owned(), false));
        // "é" is two bytes: cutting into it moves past it.
        assert_eq!(tail("xéyz".as_bytes(), 3), ("yz".to_owned(), true));
        assert_eq!(tail("xéyz".as_bytes(), 4), ("éyz".to_owned(), true));
    }

    #[tokio::test]
    async fn a_local_command_reports_output_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let run = run_local(
            "echo out; echo err >&2; exit 3",
            dir.path(),
            COMMAND_TIMEOUT,
        )
        .await
        .unwrap();
        assert_eq!(
            run,
            Run {
                output: "out\nerr\n".into(),
                truncated: false,
                exit_code: Some(3),
                signal: None,
                timed_out: false,
            }
        );
        assert_eq!(run.report(), "exit code 3\nout\nerr\n");
    }

    #[tokio::test]
    async fn a_local_command_past_its_timeout_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let cmd = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let started = std::time::Instant::now();
        let run = run_local(&cmd, dir.path(), Duration::from_millis(300))
            .await
            .unwrap();
        assert!(run.timed_out);
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "a child of the command outlived the kill");
    }
}
