use pretty_assertions::assert_eq;
use serde_json::json;

use super::cards::{answers_of, elicit_request, permission_request};
use crate::acp::{PermissionKind, PermissionOption, PermissionRequest, ToolCallSnapshot};
use crate::opencode::events::{PermissionAsk, Question, QuestionAsk, QuestionOption};

fn ask(permission: &str) -> PermissionAsk {
    PermissionAsk {
        id: "per_1".into(),
        session: "ses_1".into(),
        permission: permission.into(),
        patterns: vec!["ls -la".into()],
        always: vec!["ls *".into()],
        metadata: json!({"command": "ls -la"}),
        tool_call_id: Some("call_1".into()),
        tool_call: None,
    }
}

#[test]
fn a_permission_request_is_the_card_an_acp_agent_would_ask() {
    let req = permission_request("ses_1", &ask("bash"));
    assert_eq!(
        req,
        PermissionRequest {
            session_id: "ses_1".into(),
            tool_call: ToolCallSnapshot {
                id: "call_1".into(),
                title: "bash ls -la".into(),
                kind: "execute".into(),
                status: "pending".into(),
                raw_input: Some(json!({"command": "ls -la"})),
                ..ToolCallSnapshot::default()
            },
            options: vec![
                PermissionOption {
                    id: "once".into(),
                    name: "Allow".into(),
                    kind: PermissionKind::AllowOnce
                },
                PermissionOption {
                    id: "always".into(),
                    name: "Always allow".into(),
                    kind: PermissionKind::AllowAlways
                },
                PermissionOption {
                    id: "reject".into(),
                    name: "Reject".into(),
                    kind: PermissionKind::RejectOnce
                },
            ],
        }
    );
    // The tool call the stream already showed wins over the made-up one.
    let known = ToolCallSnapshot {
        id: "call_1".into(),
        title: "List files".into(),
        kind: "execute".into(),
        status: "pending".into(),
        ..ToolCallSnapshot::default()
    };
    let with_call = PermissionAsk {
        tool_call: Some(known.clone()),
        ..ask("bash")
    };
    assert_eq!(permission_request("ses_1", &with_call).tool_call, known);
    assert_eq!(permission_request("s", &ask("edit")).tool_call.kind, "edit");
    assert_eq!(
        permission_request("s", &ask("mcp_x")).tool_call.kind,
        "other"
    );
}

#[test]
fn questions_become_one_form_and_its_answers_go_back_per_question() {
    let option = |label: &str| QuestionOption {
        label: label.into(),
        description: String::new(),
    };
    let ask = QuestionAsk {
        id: "que_1".into(),
        session: "ses_1".into(),
        questions: vec![
            Question {
                question: "Which database?".into(),
                header: "DB".into(),
                options: vec![option("Postgres"), option("SQLite")],
                multiple: false,
                custom: None,
            },
            Question {
                question: "Which extras?".into(),
                header: "Extras".into(),
                options: vec![option("auth"), option("search")],
                multiple: true,
                custom: None,
            },
        ],
        tool_call_id: None,
    };
    let req = elicit_request("ses_1", &ask);
    assert_eq!(req.message, "Which database?\nWhich extras?");
    assert_eq!(
        req.schema,
        json!({
            "type": "object",
            "properties": {
                "q0": {"type": "string", "enum": ["Postgres", "SQLite"], "title": "DB", "description": "Which database?"},
                "q1": {"type": "array", "items": {"type": "string", "enum": ["auth", "search"]}, "title": "Extras", "description": "Which extras?"},
            },
            "required": ["q0", "q1"],
        })
    );
    let content = json!({"q0": "SQLite", "q1": ["auth", "search"]});
    assert_eq!(
        answers_of(&ask, content.as_object().unwrap()),
        vec![
            vec!["SQLite".to_owned()],
            vec!["auth".to_owned(), "search".to_owned()]
        ]
    );
    // A question left out is an empty answer, not a shifted one.
    let partial = json!({"q1": ["search"]});
    assert_eq!(
        answers_of(&ask, partial.as_object().unwrap()),
        vec![vec![], vec!["search".to_owned()]]
    );
}
