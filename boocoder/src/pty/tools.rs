//! Claude Code's tool uses as ACP tool calls: kind, title, locations and diffs
//! from the tool's name and `input`, the result as ACP content.

use serde_json::{Value, json};

use crate::acp::ToolCallSnapshot;

/// The ACP kind of a Claude Code tool.
pub(super) fn kind(name: &str) -> &'static str {
    match name {
        "Read" | "NotebookRead" => "read",
        "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => "edit",
        "Bash" | "BashOutput" | "KillShell" => "execute",
        "Grep" | "Glob" | "LS" => "search",
        "WebFetch" | "WebSearch" => "fetch",
        "Task" | "Agent" => "think",
        "ExitPlanMode" => "switch_mode",
        _ => "other",
    }
}

/// A fresh, running tool call for a `tool_use` block.
pub(super) fn snapshot(id: &str, name: &str, input: Value) -> ToolCallSnapshot {
    let path = file_path(&input).map(str::to_owned);
    ToolCallSnapshot {
        id: id.to_owned(),
        title: title(name, &input),
        kind: kind(name).to_owned(),
        status: "in_progress".to_owned(),
        content: diff(name, &input).into_iter().collect(),
        locations: path.into_iter().collect(),
        raw_input: Some(input),
        raw_output: None,
    }
}

/// Complete (or fail) `snap` with a `tool_result`'s `content`: its text becomes
/// ACP content (after any diff), the value itself the raw output.
pub(super) fn finish(snap: &mut ToolCallSnapshot, content: Option<&Value>, failed: bool) {
    snap.status = if failed { "failed" } else { "completed" }.to_owned();
    let text = content.map(result_text).unwrap_or_default();
    snap.content.retain(|c| c["type"] == "diff");
    if !text.is_empty() {
        snap.content.push(json!({
            "type": "content",
            "content": {"type": "text", "text": text},
        }));
    }
    snap.raw_output = content.cloned();
}

/// `TodoWrite`'s `todos` as ACP plan entries (`content`, `priority`, `status`).
pub(super) fn plan_entries(name: &str, input: &Value) -> Option<Vec<Value>> {
    if name != "TodoWrite" {
        return None;
    }
    let todos = input.get("todos")?.as_array()?;
    Some(
        todos
            .iter()
            .map(|t| {
                json!({
                    "content": t.get("content").and_then(Value::as_str).unwrap_or_default(),
                    "priority": t.get("priority").and_then(Value::as_str).unwrap_or("medium"),
                    "status": t.get("status").and_then(Value::as_str).unwrap_or("pending"),
                })
            })
            .collect(),
    )
}

fn file_path(input: &Value) -> Option<&str> {
    ["file_path", "notebook_path"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
}

fn title(name: &str, input: &Value) -> String {
    let s = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let with = |verb: &str, arg: Option<&str>| match arg {
        Some(arg) => format!("{verb} {arg}"),
        None => name.to_owned(),
    };
    match name {
        "Bash" => s("command")
            .map(|c| c.lines().next().unwrap_or_default().to_owned())
            .unwrap_or_else(|| name.to_owned()),
        "Read" | "Edit" | "MultiEdit" | "Write" | "NotebookEdit" => with(name, file_path(input)),
        "Grep" => with("grep", s("pattern")),
        "Glob" => with("find", s("pattern")),
        "WebFetch" => with("fetch", s("url")),
        "WebSearch" => with("search", s("query")),
        "Task" | "Agent" => with("task:", s("description")),
        _ => name.to_owned(),
    }
}

/// ACP diff content for the edits whose input says old and new text.
fn diff(name: &str, input: &Value) -> Option<Value> {
    let path = file_path(input)?;
    let s = |k: &str| input.get(k).and_then(Value::as_str);
    match name {
        "Edit" => Some(json!({
            "type": "diff", "path": path,
            "oldText": s("old_string")?, "newText": s("new_string")?,
        })),
        "Write" => Some(json!({
            "type": "diff", "path": path, "oldText": null, "newText": s("content")?,
        })),
        _ => None,
    }
}

/// A `tool_result`'s content: a string, or the text of its text blocks.
fn result_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
