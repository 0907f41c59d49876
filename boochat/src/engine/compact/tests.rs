use boo_shared::chat::{MessageStatus, Usage};
use chrono::Utc;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;

fn msg(role: Role, content: &str) -> Message {
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
        parts: vec![],
    }
}

#[test]
fn old_tool_outputs_are_pruned_and_the_last_exchange_kept() {
    let mut convo = vec![
        json!({"role": "system", "content": "s"}),
        json!({"role": "user", "content": "one"}),
        json!({"role": "assistant", "content": "", "tool_calls": []}),
        json!({"role": "tool", "tool_call_id": "a", "content": "big output"}),
        json!({"role": "user", "content": "two"}),
        json!({"role": "tool", "tool_call_id": "b", "content": "recent output"}),
    ];
    assert_eq!(prune_tool_outputs(&mut convo, 1), 1);
    assert_eq!(convo[3]["content"], PRUNED);
    assert_eq!(convo[5]["content"], "recent output");
    // Pruning again changes nothing; keeping more turns than there are, neither.
    assert_eq!(prune_tool_outputs(&mut convo, 1), 0);
    assert_eq!(prune_tool_outputs(&mut convo, 5), 0);
}

#[test]
fn the_budget_is_the_owners_share_of_the_context() {
    assert_eq!(budget(1000, 0.8), 800);
    assert_eq!(budget(1000, 1.5), 1000);
    assert_eq!(
        budget(1000, 0.0),
        800,
        "a share that makes no sense is the default"
    );
    assert_eq!(budget(1000, f64::NAN), 800);
    let convo = [json!({"role": "user", "content": "x".repeat(400)})];
    let e = estimate(&convo, &[]);
    assert!((100..=110).contains(&e), "{e}");
}

#[test]
fn a_summary_row_covers_through_its_message_and_the_split_keeps_the_last_exchange() {
    let history = vec![
        msg(Role::User, "a"),
        msg(Role::Assistant, "A"),
        msg(Role::User, "b"),
        msg(Role::Assistant, "B"),
    ];
    assert_eq!(split(&history, 1), Some(2));
    assert_eq!(
        split(&history[..2], 1),
        None,
        "nothing before the only exchange"
    );
    assert_eq!(latest(&history), None);
    let mut summary = msg(Role::System, "they said a, A");
    summary.metadata = metadata(history[1].id, 2, 10, true);
    let mut with = history;
    with.push(summary);
    assert_eq!(latest(&with), Some(("they said a, A", 2)));
    // Built for the model: the summary in the system prompt, the covered turns gone.
    assert_eq!(
        super::super::context::build(Some("sys"), &with, 100),
        vec![
            json!({"role": "system", "content": "sys\n\n## Summary of the earlier conversation\nthey said a, A"}),
            json!({"role": "user", "content": "b"}),
            json!({"role": "assistant", "content": "B"}),
        ]
    );
}

#[test]
fn the_summary_request_carries_the_earlier_summary_and_fits_its_room() {
    let head = [
        json!({"role": "user", "content": "fix main.rs"}),
        json!({"role": "assistant", "content": "", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "read_file", "arguments": "{\"path\":\"main.rs\"}"}}]}),
        json!({"role": "tool", "tool_call_id": "c", "content": "fn main() {}"}),
    ];
    let body = summary_request("m", Some("earlier"), &head, 1000);
    let asked = body["messages"][1]["content"].as_str().unwrap();
    assert_eq!(
        asked,
        "Summarise this conversation:\n\nSummary so far:\nearlier\n\nThen:\n\nuser: fix main.rs\n\nassistant called read_file({\"path\":\"main.rs\"})\n\ntool: fn main() {}\n\n"
    );
    assert_eq!(
        (&body["model"], &body["max_tokens"]),
        (&json!("m"), &json!(1024))
    );
    let cut = summary_request("m", None, &head, 5);
    let asked = cut["messages"][1]["content"].as_str().unwrap();
    assert!(
        asked.starts_with("Summarise this conversation:\n\n(the start is cut)\n"),
        "{asked}"
    );
    assert!(asked.len() < 80, "{asked}");
}

#[test]
fn length_refusals_are_recognised() {
    assert!(is_length_refusal(
        r#"the model server answered 400: {"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error"}}"#
    ));
    assert!(is_length_refusal(
        "This model's maximum context length is 8192 tokens"
    ));
    assert!(!is_length_refusal("the model server answered 500: boom"));
    assert_eq!(
        overflow(Some(4096)),
        (
            "The conversation no longer fits the model's context (4096 tokens). Compact it (/compact) and send again.".to_owned(),
            json!({"kind": "context_overflow", "size": 4096})
        )
    );
}
