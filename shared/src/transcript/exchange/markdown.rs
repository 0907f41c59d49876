//! A [`ChatExport`] as Markdown for people: one heading per message, its text, and
//! tool calls and results as fenced blocks (fences longer than any backtick run in
//! the body, so no content can close them early). Reasoning is quoted.

use crate::chat::{PartKind, Role};
use crate::find::{ChatExport, ExportMessage};

/// The whole document.
pub fn markdown(doc: &ChatExport) -> String {
    let mut out = format!("# {}\n\n", one_line(doc.title.as_deref().unwrap_or("Chat")));
    for m in &doc.messages {
        message(m, &mut out);
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn message(m: &ExportMessage, out: &mut String) {
    let who = match m.role {
        Role::User => "User",
        Role::Assistant => "Assistant",
        Role::System => "System",
        Role::Tool => "Tool",
    };
    let by = m
        .model
        .as_deref()
        .or(m.agent.as_deref())
        .map(|b| format!(" ({})", one_line(b)))
        .unwrap_or_default();
    out.push_str(&format!(
        "## {who}{by} · {}\n\n",
        m.created_at.format("%Y-%m-%d %H:%M UTC")
    ));
    if m.parts.is_empty() {
        push_text(&m.content, out);
    }
    for p in &m.parts {
        match p.kind {
            PartKind::Text => push_text(p.content.as_deref().unwrap_or_default(), out),
            PartKind::Reasoning | PartKind::Plan => {
                for line in p.content.as_deref().unwrap_or_default().lines() {
                    out.push_str("> ");
                    out.push_str(line);
                    out.push('\n');
                }
                out.push('\n');
            }
            PartKind::ToolCall => {
                let args = p
                    .args
                    .as_ref()
                    .and_then(|a| serde_json::to_string_pretty(a).ok())
                    .unwrap_or_default();
                out.push_str(&format!(
                    "**Tool call** `{}` ({})\n\n",
                    one_line(p.tool_name.as_deref().unwrap_or_default()),
                    one_line(p.call_id.as_deref().unwrap_or_default())
                ));
                fenced("json", &args, out);
            }
            PartKind::ToolResult => {
                let flag = if p.is_error { " (error)" } else { "" };
                out.push_str(&format!(
                    "**Tool result** `{}`{flag}\n\n",
                    one_line(p.tool_name.as_deref().unwrap_or_default())
                ));
                fenced("", p.result.as_deref().unwrap_or_default(), out);
            }
        }
    }
    if let Some(e) = &m.error {
        out.push_str(&format!("*{:?}: {}*\n\n", m.status, one_line(e)));
    }
}

fn push_text(text: &str, out: &mut String) {
    if text.is_empty() {
        return;
    }
    out.push_str(text.trim_end());
    out.push_str("\n\n");
}

/// A fenced block whose fence is longer than any run of backticks in `body`.
fn fenced(lang: &str, body: &str, out: &mut String) {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    out.push_str(&format!("{fence}{lang}\n{}\n{fence}\n\n", body.trim_end()));
}
