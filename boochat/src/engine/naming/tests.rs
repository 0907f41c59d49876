use boo_shared::chat::Usage;
use chrono::Utc;
use pretty_assertions::assert_eq;

use super::*;

#[test]
fn titles_are_cleaned_to_one_short_line() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Rust lifetimes explained", Some("Rust lifetimes explained")),
        ("\"Fixing the build.\"", Some("Fixing the build")),
        ("Title: **Postgres indexes**!", Some("Postgres indexes")),
        (
            "  \n`Deploy with Caddy`\nmore text",
            Some("Deploy with Caddy"),
        ),
        (
            "<think>they ask about tags</think>Session tags …",
            Some("Session tags"),
        ),
        ("<think>never closed", None),
        ("“Curly quotes”?", Some("Curly quotes")),
        ("   \n  ", None),
        ("...", None),
        ("Many   spaces\tinside", Some("Many spaces inside")),
    ];
    for (raw, want) in cases {
        assert_eq!(clean_title(raw).as_deref(), *want, "{raw:?}");
    }
    let long = "word ".repeat(40);
    let cut = clean_title(&long).unwrap();
    assert_eq!(cut, "word ".repeat(16).trim_end());
    assert_eq!(cut.chars().count(), 79);
    let one = "x".repeat(200);
    assert_eq!(clean_title(&one).unwrap(), "x".repeat(MAX_TITLE_CHARS));
}

fn msg(role: Role, status: MessageStatus, content: &str) -> Message {
    Message {
        id: Uuid::new_v4(),
        chat_id: Uuid::nil(),
        seq: 0,
        role,
        status,
        content: content.into(),
        metadata: json!({}),
        model: None,
        agent: None,
        usage: Usage::default(),
        error: None,
        created_at: Utc::now(),
        finished_at: None,
        parts: vec![],
    }
}

#[test]
fn only_the_first_complete_answer_names() {
    let failed = msg(Role::Assistant, MessageStatus::Failed, "");
    let q1 = msg(Role::User, MessageStatus::Complete, "hi");
    let q2 = msg(Role::User, MessageStatus::Complete, "what is a GIN index?");
    let a2 = msg(
        Role::Assistant,
        MessageStatus::Complete,
        "An inverted index.",
    );
    let q3 = msg(Role::User, MessageStatus::Complete, "more");
    let a3 = msg(Role::Assistant, MessageStatus::Complete, "Sure.");
    let history = vec![q1, failed, q2, a2.clone(), q3, a3.clone()];
    assert_eq!(
        first_exchange(&history, a2.id),
        Some(("what is a GIN index?", "An inverted index."))
    );
    assert_eq!(first_exchange(&history, a3.id), None);
    assert_eq!(first_exchange(&history[..2], a2.id), None);
}

#[test]
fn the_request_is_small_and_bounded() {
    let long = "y".repeat(2000);
    let body = Value::Object(request("task", "hello", &long));
    assert_eq!(
        body,
        json!({
            "model": "task",
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": format!("User: hello\n\nAssistant: {}…", "y".repeat(1500))},
            ],
            "max_tokens": 24,
            "temperature": 0.2,
        })
    );
}
