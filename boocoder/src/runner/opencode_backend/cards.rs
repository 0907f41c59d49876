//! opencode's permission and question requests as the cards ACP agents raise
//! (the owner answers them the same way), and the answers back in opencode's shape.

use serde_json::{Map, Value, json};

use crate::acp::{
    ElicitRequest, PermissionKind, PermissionOption, PermissionRequest, ToolCallSnapshot,
};
use crate::opencode::events::{PermissionAsk, QuestionAsk};

/// opencode's permission request as the card an ACP agent's would be.
pub(super) fn permission_request(session: &str, ask: &PermissionAsk) -> PermissionRequest {
    let tool_call = ask.tool_call.clone().unwrap_or_else(|| ToolCallSnapshot {
        id: ask.tool_call_id.clone().unwrap_or_else(|| ask.id.clone()),
        title: format!("{} {}", ask.permission, ask.patterns.join(" "))
            .trim()
            .to_owned(),
        kind: match ask.permission.as_str() {
            "bash" => "execute",
            "edit" | "write" => "edit",
            "read" => "read",
            "webfetch" => "fetch",
            "glob" | "grep" | "list" => "search",
            _ => "other",
        }
        .to_owned(),
        status: "pending".to_owned(),
        raw_input: Some(ask.metadata.clone()),
        ..ToolCallSnapshot::default()
    });
    let option = |id: &str, name: &str, kind| PermissionOption {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
    };
    PermissionRequest {
        session_id: session.to_owned(),
        tool_call,
        options: vec![
            option("once", "Allow", PermissionKind::AllowOnce),
            option("always", "Always allow", PermissionKind::AllowAlways),
            option("reject", "Reject", PermissionKind::RejectOnce),
        ],
    }
}

/// opencode's questions as one form: `q0`, `q1`, … each a choice of its
/// options' labels (several when the question allows it).
pub(super) fn elicit_request(session: &str, ask: &QuestionAsk) -> ElicitRequest {
    let mut properties = Map::new();
    for (i, q) in ask.questions.iter().enumerate() {
        let labels: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
        let choice = if labels.is_empty() {
            json!({"type": "string"})
        } else {
            json!({"type": "string", "enum": labels})
        };
        let schema = if q.multiple {
            json!({"type": "array", "items": choice, "title": q.header, "description": q.question})
        } else {
            let mut c = choice;
            c["title"] = json!(q.header);
            c["description"] = json!(q.question);
            c
        };
        properties.insert(format!("q{i}"), schema);
    }
    let message = ask
        .questions
        .iter()
        .map(|q| q.question.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    ElicitRequest {
        session_id: session.to_owned(),
        tool_call_id: ask.tool_call_id.clone(),
        message,
        schema: json!({
            "type": "object",
            "properties": properties,
            "required": (0..ask.questions.len()).map(|i| format!("q{i}")).collect::<Vec<_>>(),
        }),
    }
}

/// The form's answers in opencode's shape: one list of labels per question.
pub(super) fn answers_of(ask: &QuestionAsk, content: &Map<String, Value>) -> Vec<Vec<String>> {
    (0..ask.questions.len())
        .map(|i| match content.get(&format!("q{i}")) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}
