use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;

/// Every event of a recording, in order.
pub(crate) fn fixture(name: &str) -> Vec<Value> {
    let text = match name {
        "text" => include_str!("../tests/text.jsonl"),
        "reasoning" => include_str!("../tests/reasoning.jsonl"),
        "tool" => include_str!("../tests/tool.jsonl"),
        "tool_error" => include_str!("../tests/tool_error.jsonl"),
        "todo" => include_str!("../tests/todo.jsonl"),
        "permission" => include_str!("../tests/permission.jsonl"),
        "question" => include_str!("../tests/question.jsonl"),
        "abort" => include_str!("../tests/abort.jsonl"),
        "abort_race" => include_str!("../tests/abort_race.jsonl"),
        "error" => include_str!("../tests/error.jsonl"),
        other => panic!("no fixture {other}"),
    };
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The recording's session mapped, without the `Ignore`s.
fn replay(name: &str) -> Vec<Mapped> {
    let events = fixture(name);
    let session = session_of(&events[0]).unwrap().to_owned();
    let mut mapper = SessionMapper::new(session);
    events
        .iter()
        .map(|e| mapper.map(e))
        .filter(|m| *m != Mapped::Ignore)
        .collect()
}

fn text(s: &str) -> Mapped {
    Mapped::Agent(AgentEvent::Text(s.to_owned()))
}

fn thought(s: &str) -> Mapped {
    Mapped::Agent(AgentEvent::Thought(s.to_owned()))
}

fn usage(input: u64, output: u64) -> Mapped {
    Mapped::StepUsage(StepUsage {
        input,
        output,
        cost: 0.0,
    })
}

fn tool(snap: ToolCallSnapshot) -> Mapped {
    Mapped::Agent(AgentEvent::ToolCall(snap))
}

fn snap(id: &str, title: &str, kind: &str, status: &str) -> ToolCallSnapshot {
    ToolCallSnapshot {
        id: id.to_owned(),
        title: title.to_owned(),
        kind: kind.to_owned(),
        status: status.to_owned(),
        ..ToolCallSnapshot::default()
    }
}

fn content(text: &str) -> Value {
    json!({"type": "content", "content": {"type": "text", "text": text}})
}

/// The text of every `Text` event, joined.
fn joined_text(mapped: &[Mapped]) -> String {
    mapped
        .iter()
        .filter_map(|m| match m {
            Mapped::Agent(AgentEvent::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_plain_answer_streams_each_piece_once_then_usage_and_idle() {
    assert_eq!(
        replay("text"),
        vec![
            text("Hell"),
            text("o th"),
            text("ere,"),
            text(" fri"),
            text("end."),
            usage(8054, 5),
            Mapped::Idle,
        ]
    );
}

#[test]
fn reasoning_streams_once_before_the_answer() {
    assert_eq!(
        replay("reasoning"),
        vec![
            thought("The "),
            thought("user"),
            thought(" wan"),
            thought("ts a"),
            thought(" gre"),
            thought("etin"),
            thought("g."),
            text("Hi!"),
            usage(8055, 8),
            Mapped::Idle,
        ]
    );
}

#[test]
fn a_final_part_adds_only_what_the_deltas_did_not_carry() {
    let ses = "ses_1";
    let part = |kind: &str, text: &str| {
        json!({"type": "message.part.updated", "properties": {"sessionID": ses, "part": {
            "id": "prt_1", "sessionID": ses, "messageID": "msg_a", "type": kind, "text": text}}})
    };
    let delta = |d: &str| {
        json!({"type": "message.part.delta", "properties": {"sessionID": ses, "messageID": "msg_a",
            "partID": "prt_1", "field": "text", "delta": d}})
    };
    let mut m = SessionMapper::new(ses);
    let got: Vec<Mapped> = [
        delta("lost"), // before the part is announced: the final text brings it
        part("reasoning", ""),
        delta("ab"),
        part("reasoning", "abcd"),
        part("reasoning", "abcd"),
        delta("ef"),
        part("reasoning", "abcdef"),
    ]
    .iter()
    .map(|e| m.map(e))
    .collect();
    assert_eq!(
        got,
        vec![
            Mapped::Ignore,
            Mapped::Ignore,
            thought("ab"),
            thought("cd"),
            Mapped::Ignore,
            thought("ef"),
            Mapped::Ignore,
        ]
    );
    assert_eq!(m.last_assistant_message(), Some("msg_a"));
}

#[test]
fn the_users_own_text_and_other_sessions_are_ignored() {
    let events = fixture("text");
    let mut other = SessionMapper::new("ses_someone_else");
    assert!(events.iter().all(|e| other.map(e) == Mapped::Ignore));
    // The prompt "say hi" comes back as a text part of the user message.
    assert!(!joined_text(&replay("text")).contains("say hi"));
}

#[test]
fn a_tool_call_is_one_snapshot_updated_to_completed() {
    let input = json!({"filePath": "/tmp/oclab/repo2/b.txt"});
    let output = "<path>/tmp/oclab/repo2/b.txt</path>\n<type>file</type>\n<content>\n1: x\n\n(End of file - total 1 lines)\n</content>";
    let running = ToolCallSnapshot {
        raw_input: Some(input),
        locations: vec!["/tmp/oclab/repo2/b.txt".to_owned()],
        ..snap("call_r1", "read", "read", "in_progress")
    };
    let completed = ToolCallSnapshot {
        title: "b.txt".to_owned(),
        status: "completed".to_owned(),
        raw_output: Some(json!({"output": output, "metadata": {
            "preview": "x", "truncated": false, "loaded": [],
            "display": {"type": "file", "path": "/tmp/oclab/repo2/b.txt", "text": "x",
                "lineStart": 1, "lineEnd": 1, "totalLines": 1, "truncated": false}}})),
        content: vec![content(output)],
        ..running.clone()
    };
    assert_eq!(
        replay("tool"),
        vec![
            text("Read"),
            text("ing."),
            tool(snap("call_r1", "read", "read", "pending")),
            tool(running),
            tool(completed),
            usage(8055, 7),
            text("The "),
            text("file"),
            text(" say"),
            text("s x."),
            usage(8141, 4),
            Mapped::Idle,
        ]
    );
}

#[test]
fn a_failing_tool_ends_failed_with_its_error() {
    let mapped = replay("tool_error");
    let error = "File not found: /tmp/oclab/repo2/missing.txt";
    assert_eq!(
        mapped[2],
        tool(ToolCallSnapshot {
            raw_input: Some(json!({"filePath": "/tmp/oclab/repo2/missing.txt"})),
            raw_output: Some(json!({"error": error})),
            content: vec![content(error)],
            locations: vec!["/tmp/oclab/repo2/missing.txt".to_owned()],
            ..snap("call_e1", "read", "read", "failed")
        })
    );
    assert_eq!(joined_text(&mapped), "No such file.");
}

#[test]
fn todos_become_the_plan_in_acp_shape() {
    let plans: Vec<Mapped> = replay("todo")
        .into_iter()
        .filter(|m| matches!(m, Mapped::Agent(AgentEvent::Plan(_))))
        .collect();
    assert_eq!(
        plans,
        vec![Mapped::Agent(AgentEvent::Plan(vec![
            json!({"content": "Write the mapper", "priority": "high", "status": "in_progress"}),
            json!({"content": "Test it", "priority": "medium", "status": "pending"}),
        ]))]
    );
}

#[test]
fn a_permission_request_carries_its_tool_call_then_settles() {
    let mapped = replay("permission");
    let running = ToolCallSnapshot {
        raw_input: Some(json!({"command": "echo hi", "description": "Print hi"})),
        ..snap("call_b1", "Print hi", "execute", "in_progress")
    };
    let id = "per_23cc5512c001jXjeFHLlEWD0xv";
    assert_eq!(
        mapped[..7].to_vec(),
        vec![
            tool(snap("call_b1", "bash", "execute", "pending")),
            tool(running.clone()),
            Mapped::Permission(PermissionAsk {
                id: id.to_owned(),
                session: "ses_dc33ab1b0ffeXyKNPweGcg6IYU".to_owned(),
                permission: "bash".to_owned(),
                patterns: vec!["echo hi".to_owned()],
                always: vec!["echo *".to_owned()],
                metadata: json!({"command": "echo hi"}),
                tool_call_id: Some("call_b1".to_owned()),
                tool_call: Some(running.clone()),
            }),
            Mapped::Settled(id.to_owned()),
            // The empty first output chunk changes nothing and is not repeated.
            tool(ToolCallSnapshot {
                content: vec![content("hi\n")],
                ..running.clone()
            }),
            tool(ToolCallSnapshot {
                title: "echo hi".to_owned(),
                status: "completed".to_owned(),
                raw_output: Some(json!({"output": "hi\n",
                    "metadata": {"output": "hi\n", "exit": 0, "truncated": false}})),
                content: vec![content("hi\n")],
                ..running
            }),
            usage(8055, 6),
        ]
    );
    assert_eq!(joined_text(&mapped), "Ran it.");
}

#[test]
fn a_question_is_asked_then_settled() {
    let mapped = replay("question");
    assert_eq!(
        mapped[1],
        Mapped::Question(QuestionAsk {
            id: "que_23cc55c87001a63fZM6yKvHAb8".to_owned(),
            session: "ses_dc33aa4c5ffeNo7pOj1czgGLxc".to_owned(),
            questions: vec![Question {
                question: "Which color?".to_owned(),
                header: "Color".to_owned(),
                options: vec![
                    QuestionOption {
                        label: "Red".to_owned(),
                        description: "warm".to_owned(),
                    },
                    QuestionOption {
                        label: "Blue".to_owned(),
                        description: "cool".to_owned(),
                    },
                ],
                multiple: false,
                custom: None,
            }],
            tool_call_id: Some("call_q1".to_owned()),
        })
    );
    assert_eq!(
        mapped[3],
        Mapped::Settled("que_23cc55c87001a63fZM6yKvHAb8".to_owned())
    );
}

#[test]
fn step_usage_folds_cache_into_input_and_reasoning_into_output() {
    let ev = json!({"type": "message.part.updated", "properties": {"sessionID": "ses_1", "part": {
        "id": "prt_s", "sessionID": "ses_1", "messageID": "msg_a", "type": "step-finish",
        "reason": "stop", "cost": 0.0125,
        "tokens": {"total": 1900, "input": 1000, "output": 200, "reasoning": 50,
            "cache": {"read": 600, "write": 50}}}}});
    let mut m = SessionMapper::new("ses_1");
    assert_eq!(
        m.map(&ev),
        Mapped::StepUsage(StepUsage {
            input: 1650,
            output: 250,
            cost: 0.0125,
        })
    );
    assert_eq!(m.map(&ev), Mapped::Ignore, "the same step counts once");
    let total = replay("tool")
        .iter()
        .filter_map(|m| match m {
            Mapped::StepUsage(u) => Some(*u),
            _ => None,
        })
        .fold(StepUsage::default(), StepUsage::plus);
    assert_eq!(
        total,
        StepUsage {
            input: 8055 + 8141,
            output: 7 + 4,
            cost: 0.0,
        }
    );
}

#[test]
fn an_abort_ends_with_an_abort_error_and_two_idles() {
    assert_eq!(
        replay("abort"),
        vec![
            text("Work"),
            text("ing "),
            text("on i"),
            text("t"),
            Mapped::Aborted,
            Mapped::Idle,
            Mapped::Idle,
            text("Seco"),
            text("nd a"),
            text("nswe"),
            text("r."),
            usage(8075, 4),
            Mapped::Idle,
        ]
    );
}

#[test]
fn other_errors_read_name_and_message() {
    let ev = json!({"type": "session.error", "properties": {"sessionID": "ses_1",
        "error": {"name": "APIError", "data": {"message": "Bad Request", "isRetryable": false}}}});
    assert_eq!(
        SessionMapper::new("ses_1").map(&ev),
        Mapped::Error("APIError: Bad Request".to_owned())
    );
}

#[test]
fn a_catch_up_emits_only_what_was_missed_and_mutes_queued_deltas() {
    let ses = "ses_1";
    let part = |text: &str| json!({"id": "prt_1", "sessionID": ses, "messageID": "msg_a", "type": "text", "text": text});
    let updated = |text: &str| json!({"type": "message.part.updated", "properties": {"sessionID": ses, "part": part(text)}});
    let delta = |d: &str| {
        json!({"type": "message.part.delta", "properties": {"sessionID": ses, "messageID": "msg_a",
            "partID": "prt_1", "field": "text", "delta": d}})
    };
    let mut m = SessionMapper::new(ses);
    assert_eq!(m.map(&updated("")), Mapped::Ignore);
    assert_eq!(m.map(&delta("Hel")), text("Hel"));
    // The stream dropped; the fetched message has more than was streamed.
    let user = json!({"id": "msg_u", "role": "user"});
    let user_part = json!({"id": "prt_u", "sessionID": ses, "messageID": "msg_u", "type": "text", "text": "hi"});
    assert_eq!(m.catch_up(&user, &[user_part]), vec![]);
    let info = json!({"id": "msg_a", "role": "assistant"});
    assert_eq!(m.catch_up(&info, &[part("Hello")]), vec![text("lo")]);
    // A delta queued before the fetch is in the fetched text already.
    assert_eq!(m.map(&delta("lo")), Mapped::Ignore);
    assert_eq!(m.map(&updated("Hello world")), text(" world"));
}

#[test]
fn a_sub_agents_tool_calls_requests_and_usage_count_but_not_its_text_or_idle() {
    let created = |id: &str, parent: &str| {
        json!({"type": "session.created", "properties": {"sessionID": id,
            "info": {"id": id, "parentID": parent}}})
    };
    let in_session = |ses: &str, ty: &str, props: Value| {
        let mut p = props;
        p["sessionID"] = json!(ses);
        json!({"type": ty, "properties": p})
    };
    let mut m = SessionMapper::new("ses_p");
    // Another chat's session and its children are not followed.
    assert_eq!(m.map(&created("ses_x", "ses_other")), Mapped::Ignore);
    assert!(!m.follows("ses_x"));
    // The task tool's child, and a grandchild of it.
    assert_eq!(m.map(&created("ses_c", "ses_p")), Mapped::Ignore);
    assert_eq!(m.map(&created("ses_g", "ses_c")), Mapped::Ignore);
    assert!(m.follows("ses_c") && m.follows("ses_g") && m.follows("ses_p"));
    let tool_part = json!({"id": "prt_t", "sessionID": "ses_g", "messageID": "msg_g",
        "type": "tool", "callID": "call_g", "tool": "bash",
        "state": {"status": "pending", "input": {}}});
    assert_eq!(
        m.map(&in_session(
            "ses_g",
            "message.part.updated",
            json!({"part": tool_part})
        )),
        tool(snap("call_g", "bash", "execute", "pending"))
    );
    let asked = m.map(&in_session(
        "ses_g",
        "permission.asked",
        json!({"id": "per_g", "permission": "bash", "patterns": ["ls"], "always": [],
            "metadata": {}, "tool": {"messageID": "msg_g", "callID": "call_g"}}),
    ));
    let Mapped::Permission(ask) = asked else {
        panic!("a permission: {asked:?}");
    };
    assert_eq!(
        (
            ask.id.as_str(),
            ask.session.as_str(),
            ask.tool_call.map(|t| t.id)
        ),
        ("per_g", "ses_g", Some("call_g".to_owned()))
    );
    assert_eq!(
        m.map(&in_session(
            "ses_c",
            "permission.replied",
            json!({"requestID": "per_g"})
        )),
        Mapped::Settled("per_g".to_owned())
    );
    let step = json!({"id": "prt_s", "sessionID": "ses_c", "messageID": "msg_c", "type": "step-finish",
        "cost": 0.5, "tokens": {"input": 10, "output": 2, "reasoning": 0, "cache": {"read": 0, "write": 0}}});
    assert_eq!(
        m.map(&in_session(
            "ses_c",
            "message.part.updated",
            json!({"part": step})
        )),
        Mapped::StepUsage(StepUsage {
            input: 10,
            output: 2,
            cost: 0.5
        })
    );
    // Its text and its end are the task tool's result, not the turn's.
    let text_part = json!({"id": "prt_x", "sessionID": "ses_c", "messageID": "msg_c", "type": "text", "text": "sub"});
    assert_eq!(
        m.map(&in_session(
            "ses_c",
            "message.part.updated",
            json!({"part": text_part})
        )),
        Mapped::Ignore
    );
    assert_eq!(
        m.map(&in_session("ses_c", "session.idle", json!({}))),
        Mapped::Ignore
    );
    assert_eq!(
        m.last_assistant_message(),
        None,
        "a sub-agent's message is not the turn's"
    );
    assert_eq!(
        m.map(&in_session("ses_p", "session.idle", json!({}))),
        Mapped::Idle
    );
}
