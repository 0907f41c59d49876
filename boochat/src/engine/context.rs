//! Turning stored messages into the OpenAI `messages` array.
//!
//! Sentinels (`metadata.kind` cap_hit / doom_loop) are UI-only and never sent.
//! Reasoning is not sent back. An assistant message is split into rounds: text,
//! then the tool calls it made, then one `tool` message per result, then the
//! next round's text. A call that never got a result (the turn was interrupted)
//! gets a stub result so the conversation stays well-formed.

use boo_shared::chat::{Message, MessageStatus, PartKind, Role};
use serde_json::{Value, json};

/// Is this row a UI-only sentinel?
pub fn is_sentinel(m: &Message) -> bool {
    m.role == Role::System && m.metadata.get("kind").and_then(Value::as_str).is_some()
}

/// What the model sees of a stored tool result: the same cut and trailer the
/// tool registry applies when the call runs.
pub fn for_model(call_id: &str, result: &str, truncated: bool, cap: usize) -> String {
    if !truncated {
        return result.to_owned();
    }
    crate::tools::truncate_for_model(call_id, crate::tools::ToolOutput::text(result), cap).content
}

/// The conversation so far, for the model. After a compaction
/// ([`super::compact`]) the turns it covers are left out and its summary follows
/// the system prompt.
pub fn build(
    system_prompt: Option<&str>,
    history: &[Message],
    tool_output_cap: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    let (summary, from) = super::compact::latest(history).map_or((None, 0), |(s, i)| (Some(s), i));
    let system = match (system_prompt.filter(|s| !s.trim().is_empty()), summary) {
        (Some(sys), Some(sum)) => Some(format!(
            "{sys}\n\n## Summary of the earlier conversation\n{sum}"
        )),
        (None, Some(sum)) => Some(format!("## Summary of the earlier conversation\n{sum}")),
        (sys, None) => sys.map(str::to_owned),
    };
    if let Some(sys) = system {
        out.push(json!({"role": "system", "content": sys}));
    }
    for m in &history[from..] {
        if is_sentinel(m)
            || m.status == MessageStatus::Queued
            || m.status == MessageStatus::Streaming
        {
            continue;
        }
        match m.role {
            Role::User => {
                out.push(json!({"role": "user", "content": super::attach::user_content(m)}))
            }
            Role::System => out.push(json!({"role": "system", "content": m.content})),
            Role::Tool => {}
            Role::Assistant => assistant_rounds(m, tool_output_cap, &mut out),
        }
    }
    out
}

fn assistant_rounds(m: &Message, cap: usize, out: &mut Vec<Value>) {
    if m.parts.is_empty() {
        if !m.content.is_empty() {
            out.push(json!({"role": "assistant", "content": m.content}));
        }
        return;
    }
    let mut text = String::new();
    let mut calls: Vec<Value> = Vec::new();
    let mut results: Vec<(String, String)> = Vec::new();
    let flush = |text: &mut String,
                 calls: &mut Vec<Value>,
                 results: &mut Vec<(String, String)>,
                 out: &mut Vec<Value>| {
        if text.is_empty() && calls.is_empty() {
            return;
        }
        let mut msg = json!({"role": "assistant", "content": std::mem::take(text)});
        if !calls.is_empty() {
            let ids: Vec<String> = calls
                .iter()
                .filter_map(|c| c.get("id").and_then(Value::as_str).map(String::from))
                .collect();
            msg["tool_calls"] = Value::Array(std::mem::take(calls));
            out.push(msg);
            for id in ids {
                let content = results
                    .iter()
                    .find(|(rid, _)| *rid == id)
                    .map(|(_, r)| r.clone())
                    .unwrap_or_else(|| {
                        "(no result: the turn was interrupted before this call finished)".into()
                    });
                out.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
            }
            results.clear();
        } else {
            out.push(msg);
        }
    };
    for p in &m.parts {
        match p.kind {
            PartKind::Text => {
                if !calls.is_empty() {
                    flush(&mut text, &mut calls, &mut results, out);
                }
                text.push_str(p.content.as_deref().unwrap_or_default());
            }
            PartKind::ToolCall => {
                let args = p.args.clone().unwrap_or_else(|| json!({}));
                calls.push(json!({
                    "id": p.call_id,
                    "type": "function",
                    "function": {"name": p.tool_name, "arguments": args.to_string()},
                }));
            }
            PartKind::ToolResult => {
                let id = p.call_id.clone().unwrap_or_default();
                let body = for_model(
                    &id,
                    p.result.as_deref().unwrap_or_default(),
                    p.truncated,
                    cap,
                );
                results.push((id, body));
            }
            PartKind::Reasoning | PartKind::Plan => {}
        }
    }
    flush(&mut text, &mut calls, &mut results, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use boo_shared::chat::{Part, Usage};
    use chrono::Utc;
    use pretty_assertions::assert_eq;
    use uuid::Uuid;

    fn msg(role: Role, content: &str, parts: Vec<Part>) -> Message {
        Message {
            id: Uuid::new_v4(),
            chat_id: Uuid::nil(),
            seq: 0,
            role,
            status: MessageStatus::Complete,
            content: content.into(),
            metadata: json!({}),
            model: None,
            agent: None,
            usage: Usage::default(),
            error: None,
            created_at: Utc::now(),
            finished_at: None,
            parts,
        }
    }

    fn part(
        kind: PartKind,
        content: Option<&str>,
        call: Option<(&str, &str)>,
        args: Option<Value>,
        result: Option<&str>,
    ) -> Part {
        Part {
            id: Uuid::new_v4(),
            ordinal: 0,
            kind,
            content: content.map(String::from),
            tool_name: call.map(|c| c.1.to_owned()),
            call_id: call.map(|c| c.0.to_owned()),
            args,
            result: result.map(String::from),
            is_error: false,
            truncated: false,
            duration_ms: None,
            metadata: None,
        }
    }

    #[test]
    fn rounds_tool_calls_results_and_skips_sentinels_and_reasoning() {
        let mut sentinel = msg(Role::System, "cap hit", vec![]);
        sentinel.metadata = json!({"kind": "cap_hit"});
        let history = vec![
            msg(Role::User, "read main", vec![]),
            msg(
                Role::Assistant,
                "Let me look.Done.",
                vec![
                    part(PartKind::Reasoning, Some("thinking"), None, None, None),
                    part(PartKind::Text, Some("Let me look."), None, None, None),
                    part(
                        PartKind::ToolCall,
                        None,
                        Some(("c1", "read_file")),
                        Some(json!({"path": "main.rs"})),
                        None,
                    ),
                    part(
                        PartKind::ToolCall,
                        None,
                        Some(("c2", "list_dir")),
                        Some(json!({})),
                        None,
                    ),
                    part(
                        PartKind::ToolResult,
                        None,
                        Some(("c1", "read_file")),
                        None,
                        Some("fn main() {}"),
                    ),
                    part(PartKind::Text, Some("Done."), None, None, None),
                ],
            ),
            sentinel,
        ];
        assert_eq!(
            build(Some("be brief"), &history, 100),
            vec![
                json!({"role": "system", "content": "be brief"}),
                json!({"role": "user", "content": "read main"}),
                json!({"role": "assistant", "content": "Let me look.", "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\":\"main.rs\"}"}},
                    {"id": "c2", "type": "function", "function": {"name": "list_dir", "arguments": "{}"}},
                ]}),
                json!({"role": "tool", "tool_call_id": "c1", "content": "fn main() {}"}),
                json!({"role": "tool", "tool_call_id": "c2", "content": "(no result: the turn was interrupted before this call finished)"}),
                json!({"role": "assistant", "content": "Done."}),
            ]
        );
    }

    #[test]
    fn truncated_results_point_at_view_truncated_output() {
        let long = "line\n".repeat(100);
        let cut = for_model("c9", &long, true, 200);
        assert!(cut.len() <= 200, "{}", cut.len());
        assert!(cut.starts_with("line\nline\n"), "{cut}");
        assert!(cut.ends_with("to read the rest.]"), "{cut}");
        assert!(
            cut.contains("Call view_truncated_output with call_id \"c9\""),
            "{cut}"
        );
        assert_eq!(for_model("c9", "short", true, 200), "short");
        assert_eq!(for_model("c9", &long, false, 200), long);
    }
}
