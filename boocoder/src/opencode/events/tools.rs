//! An opencode `tool` part → the ACP-shaped [`ToolCallSnapshot`] the runner
//! records: the same snapshot updated through `pending` → `running` →
//! `completed`/`error` (opencode's states) as `pending` → `in_progress` →
//! `completed`/`failed` (ACP's), keyed by the part's `callID`.
//!
//! Kinds follow opencode's own ACP agent (`bash` is `execute`, `read` is `read`,
//! `edit`/`write`/`apply_patch` are `edit`, …), so a session looks the same in
//! both modes. Content is the tool's output as one text block (a running `bash`
//! streams it in `metadata.output`), plus a `diff` block for `edit`.

use serde_json::{Value, json};

use crate::acp::ToolCallSnapshot;

/// The snapshot of a call not seen before.
pub(super) fn fresh(call_id: &str) -> ToolCallSnapshot {
    ToolCallSnapshot {
        id: call_id.to_owned(),
        kind: "other".to_owned(),
        status: "pending".to_owned(),
        ..ToolCallSnapshot::default()
    }
}

/// ACP tool kind of an opencode tool name.
fn kind(tool: &str) -> &'static str {
    match tool {
        "bash" => "execute",
        "read" | "list" => "read",
        "edit" | "write" | "patch" | "apply_patch" => "edit",
        "grep" | "glob" | "websearch" | "codesearch" => "search",
        "webfetch" => "fetch",
        "todowrite" | "todoread" => "think",
        _ => "other",
    }
}

/// Merge a `tool` part into its snapshot.
pub(super) fn apply(snap: &mut ToolCallSnapshot, part: &Value) {
    let tool = part.get("tool").and_then(Value::as_str).unwrap_or_default();
    let state = part.get("state").unwrap_or(&Value::Null);
    let s = |k: &str| state.get(k).and_then(Value::as_str);
    snap.kind = kind(tool).to_owned();
    if let Some(input) = state
        .get("input")
        .filter(|i| i.as_object().is_some_and(|o| !o.is_empty()))
    {
        snap.raw_input = Some(input.clone());
        snap.locations = locations(input);
    }
    snap.title = s("title")
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            snap.raw_input
                .as_ref()
                .and_then(|i| i.get("description"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| tool.to_owned());
    match s("status").unwrap_or_default() {
        "running" => {
            snap.status = "in_progress".to_owned();
            // `bash` streams its output so far here.
            if let Some(out) = state
                .get("metadata")
                .and_then(|m| m.get("output"))
                .and_then(Value::as_str)
                .filter(|o| !o.is_empty())
            {
                snap.content = vec![text_block(out)];
            }
        }
        "completed" => {
            snap.status = "completed".to_owned();
            let output = s("output").unwrap_or_default();
            snap.raw_output = Some(json!({
                "output": output,
                "metadata": state.get("metadata").cloned().unwrap_or(Value::Null),
            }));
            snap.content = vec![text_block(output)];
            if let Some(diff) = edit_diff(tool, snap.raw_input.as_ref()) {
                snap.content.push(diff);
            }
        }
        "error" => {
            snap.status = "failed".to_owned();
            let error = s("error").unwrap_or_default();
            snap.raw_output = Some(json!({ "error": error }));
            snap.content = vec![text_block(error)];
        }
        _ => snap.status = "pending".to_owned(),
    }
}

fn text_block(text: &str) -> Value {
    json!({"type": "content", "content": {"type": "text", "text": text}})
}

/// The file a tool works on (`filePath`, or `path` for `list`/`grep`/`glob`).
fn locations(input: &Value) -> Vec<String> {
    ["filePath", "path"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .map(|p| vec![p.to_owned()])
        .unwrap_or_default()
}

/// ACP `diff` content of an `edit` (`filePath`, `oldString`, `newString`).
fn edit_diff(tool: &str, input: Option<&Value>) -> Option<Value> {
    let input = input?;
    let s = |k: &str| input.get(k).and_then(Value::as_str);
    match tool {
        "edit" => Some(json!({
            "type": "diff",
            "path": s("filePath")?,
            "oldText": s("oldString")?,
            "newText": s("newString")?,
        })),
        "write" => Some(json!({
            "type": "diff",
            "path": s("filePath")?,
            "oldText": null,
            "newText": s("content")?,
        })),
        _ => None,
    }
}
