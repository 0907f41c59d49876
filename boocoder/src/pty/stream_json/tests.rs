use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;

const TOOL_TURN: &str = include_str!("../tests/tool_turn.jsonl");
const PARTIAL: &str = include_str!("../tests/partial_messages.jsonl");
const REAL_TOOL_TURN: &str = include_str!("../tests/real_tool_turn.jsonl");
const REAL_NOT_LOGGED_IN: &str = include_str!("../tests/real_not_logged_in.jsonl");
const REAL_INTERRUPTED: &[u8] = include_bytes!("../tests/real_interrupted_pty.txt");

/// Every line through one parser, as a PTY delivers them (`\r\n` line ends).
fn parse_all(lines: &str) -> Vec<Parsed> {
    let mut p = StreamJsonParser::new();
    lines
        .lines()
        .flat_map(|l| p.push_line(&format!("{l}\r\n")))
        .collect()
}

fn text(t: &str) -> Parsed {
    Parsed::Agent(AgentEvent::Text(t.to_owned()))
}

fn tool(snap: ToolCallSnapshot) -> Parsed {
    Parsed::Agent(AgentEvent::ToolCall(snap))
}

#[test]
fn a_turn_with_tools_becomes_text_tool_calls_usage_and_done() {
    let read_input = json!({"file_path": "/work/tree/note.txt"});
    let read = ToolCallSnapshot {
        id: "toolu_01Read".into(),
        title: "Read /work/tree/note.txt".into(),
        kind: "read".into(),
        status: "in_progress".into(),
        raw_input: Some(read_input),
        raw_output: None,
        content: vec![],
        locations: vec!["/work/tree/note.txt".into()],
    };
    let bash = ToolCallSnapshot {
        id: "toolu_01Bash".into(),
        title: "cat missing.txt".into(),
        kind: "execute".into(),
        status: "in_progress".into(),
        raw_input: Some(json!({"command": "cat missing.txt", "description": "Show missing.txt"})),
        raw_output: None,
        content: vec![],
        locations: vec![],
    };
    let bash_error = "cat: missing.txt: No such file or directory";
    assert_eq!(
        parse_all(TOOL_TURN),
        vec![
            Parsed::SessionId("3f1c2a9e-6a57-4c1e-9f0b-7d2f5e8a1b44".into()),
            text("Let me look at the file first."),
            tool(read.clone()),
            tool(ToolCallSnapshot {
                status: "completed".into(),
                raw_output: Some(json!("     1\thello\n     2\t")),
                content: vec![json!({
                    "type": "content",
                    "content": {"type": "text", "text": "     1\thello\n     2\t"},
                })],
                ..read
            }),
            tool(bash.clone()),
            tool(ToolCallSnapshot {
                status: "failed".into(),
                raw_output: Some(json!(bash_error)),
                content: vec![json!({
                    "type": "content",
                    "content": {"type": "text", "text": bash_error},
                })],
                ..bash
            }),
            text("The file says hello; missing.txt does not exist."),
            Parsed::Agent(AgentEvent::Usage(TokenUsage {
                input: 15,
                output: 149,
                total: 15 + 149 + 45310 + 5420,
                thought: None,
                cached_read: Some(45310),
                cached_write: Some(5420),
            })),
            Parsed::Agent(AgentEvent::Context(ContextUsage {
                used: 6 + 90 + 16920 + 15,
                size: 200_000,
                cost: Some(Cost {
                    amount: 0.0421775,
                    currency: "USD".into()
                }),
            })),
            Parsed::Done {
                ok: true,
                error: None
            },
        ]
    );
}

#[test]
fn partial_messages_are_emitted_once() {
    assert_eq!(
        parse_all(PARTIAL),
        vec![
            Parsed::SessionId("9a7e0c1d-2b3f-4e5a-8c6d-0f1e2d3c4b5a".into()),
            Parsed::Agent(AgentEvent::Thought("The user wants ".into())),
            Parsed::Agent(AgentEvent::Thought("a greeting.".into())),
            text("Hello"),
            text(", world."),
            Parsed::Agent(AgentEvent::Usage(TokenUsage {
                input: 3,
                output: 24,
                total: 3 + 24 + 14200,
                thought: Some(9),
                cached_read: Some(14200),
                cached_write: Some(0),
            })),
            Parsed::Agent(AgentEvent::Context(ContextUsage {
                used: 3 + 14200 + 24,
                size: 200_000,
                cost: Some(Cost {
                    amount: 0.0071,
                    currency: "USD".into()
                }),
            })),
            Parsed::Done {
                ok: true,
                error: None
            },
        ]
    );
}

#[test]
fn deltas_without_message_start_still_drop_the_repeat() {
    let mut p = StreamJsonParser::new();
    let delta = r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}},"session_id":"s","parent_tool_use_id":null}"#;
    let whole = r#"{"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"Hi"}]},"parent_tool_use_id":null,"session_id":"s"}"#;
    let tool = r#"{"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Glob","input":{"pattern":"**/*.rs"}}]},"parent_tool_use_id":null,"session_id":"s"}"#;
    assert_eq!(p.push_line(delta), vec![text("Hi")]);
    assert_eq!(p.push_line(whole), vec![]);
    assert_eq!(
        p.push_line(tool),
        vec![Parsed::Agent(AgentEvent::ToolCall(ToolCallSnapshot {
            id: "t1".into(),
            title: "find **/*.rs".into(),
            kind: "search".into(),
            status: "in_progress".into(),
            raw_input: Some(json!({"pattern": "**/*.rs"})),
            ..ToolCallSnapshot::default()
        }))]
    );
}

#[test]
fn failed_results_say_why() {
    let mut p = StreamJsonParser::new();
    let during = r#"{"type":"result","subtype":"error_during_execution","is_error":true,"duration_ms":10,"num_turns":1,"session_id":"s1","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0},"errors":["Request was aborted.","boom"]}"#;
    assert_eq!(
        p.push_line(during),
        vec![
            Parsed::SessionId("s1".into()),
            Parsed::Agent(AgentEvent::Usage(TokenUsage::default())),
            Parsed::Agent(AgentEvent::Context(ContextUsage {
                used: 0,
                size: 0,
                cost: Some(Cost {
                    amount: 0.0,
                    currency: "USD".into()
                }),
            })),
            Parsed::Done {
                ok: false,
                error: Some("Request was aborted.; boom".into())
            },
        ]
    );
    // An API error is a `success` with `is_error` and the message as the result.
    let api = r#"{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Please run /login","session_id":"s1"}"#;
    assert_eq!(
        p.push_line(api),
        vec![Parsed::Done {
            ok: false,
            error: Some("Invalid API key · Please run /login".into())
        }]
    );
    let max_turns =
        r#"{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"s1"}"#;
    assert_eq!(
        p.push_line(max_turns),
        vec![Parsed::Done {
            ok: false,
            error: Some("the CLI ended the turn with error_max_turns".into())
        }]
    );
}

#[test]
fn noise_and_unknown_lines_are_ignored() {
    let mut p = StreamJsonParser::new();
    for line in [
        "",
        "\r\n",
        "Error: something odd happened",
        "\x1b[?25l\x1b[2K",
        "{ not json",
        "[1,2,3]",
        r#"{"type":"system","subtype":"status","status":"ok"}"#,
        r#"{"type":"control_response","response":{"subtype":"success"}}"#,
        r#"{"type":"user","message":{"role":"user","content":"the prompt echoed"}}"#,
        r#"{"type":"hologram","payload":{}}"#,
        r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"never-seen","content":"x"}]}}"#,
    ] {
        assert_eq!(p.push_line(line), vec![], "{line:?}");
    }
    // Stray output before the object on the same line.
    assert_eq!(
        p.push_line(r#"npm WARN x{"type":"system","subtype":"init","session_id":"s9"}"#),
        vec![Parsed::SessionId("s9".into())]
    );
    assert_eq!(p.session_id(), Some("s9"));
}

#[test]
fn sub_agent_prose_is_not_the_answer_but_its_tools_show() {
    let mut p = StreamJsonParser::new();
    let line = r#"{"type":"assistant","message":{"id":"m7","role":"assistant","content":[{"type":"text","text":"sub-agent musing"},{"type":"tool_use","id":"t7","name":"Grep","input":{"pattern":"fn main","path":"src"}}]},"parent_tool_use_id":"toolu_task","session_id":"s"}"#;
    assert_eq!(
        p.push_line(line),
        vec![tool(ToolCallSnapshot {
            id: "t7".into(),
            title: "grep fn main".into(),
            kind: "search".into(),
            status: "in_progress".into(),
            raw_input: Some(json!({"pattern": "fn main", "path": "src"})),
            ..ToolCallSnapshot::default()
        })]
    );
}

#[test]
fn edits_carry_diffs_and_todo_write_is_the_plan() {
    let mut p = StreamJsonParser::new();
    let edit = r#"{"type":"assistant","message":{"id":"m1","content":[{"type":"tool_use","id":"e1","name":"Edit","input":{"file_path":"/t/a.rs","old_string":"a","new_string":"b"}},{"type":"tool_use","id":"p1","name":"TodoWrite","input":{"todos":[{"content":"Fix it","status":"in_progress","activeForm":"Fixing it"}]}}]},"parent_tool_use_id":null}"#;
    let diff = json!({"type": "diff", "path": "/t/a.rs", "oldText": "a", "newText": "b"});
    let started = ToolCallSnapshot {
        id: "e1".into(),
        title: "Edit /t/a.rs".into(),
        kind: "edit".into(),
        status: "in_progress".into(),
        raw_input: Some(json!({"file_path": "/t/a.rs", "old_string": "a", "new_string": "b"})),
        raw_output: None,
        content: vec![diff.clone()],
        locations: vec!["/t/a.rs".into()],
    };
    assert_eq!(
        p.push_line(edit),
        vec![
            tool(started.clone()),
            Parsed::Agent(AgentEvent::Plan(vec![
                json!({"content": "Fix it", "priority": "medium", "status": "in_progress"})
            ])),
        ]
    );
    let results = r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"e1","content":[{"type":"text","text":"edited"}]},{"type":"tool_result","tool_use_id":"p1","content":"Todos updated"}]}}"#;
    assert_eq!(
        p.push_line(results),
        vec![tool(ToolCallSnapshot {
            status: "completed".into(),
            raw_output: Some(json!([{"type": "text", "text": "edited"}])),
            content: vec![
                diff,
                json!({"type": "content", "content": {"type": "text", "text": "edited"}})
            ],
            ..started
        })]
    );
}

#[test]
fn tool_kinds_follow_the_tool_names() {
    let kinds: Vec<(&str, &str)> = [
        "Read",
        "Edit",
        "Write",
        "MultiEdit",
        "Bash",
        "Grep",
        "Glob",
        "WebFetch",
        "mcp__x__y",
    ]
    .into_iter()
    .map(|n| (n, tools::kind(n)))
    .collect();
    assert_eq!(
        kinds,
        vec![
            ("Read", "read"),
            ("Edit", "edit"),
            ("Write", "edit"),
            ("MultiEdit", "edit"),
            ("Bash", "execute"),
            ("Grep", "search"),
            ("Glob", "search"),
            ("WebFetch", "fetch"),
            ("mcp__x__y", "other"),
        ]
    );
}

/// Claude Code 2.1.328 with partial messages, against a scripted Messages API:
/// thinking, text, a Read, its result, the answer.
#[test]
fn a_real_recorded_turn() {
    let read = ToolCallSnapshot {
        id: "toolu_01Fake".into(),
        title: "Read /tmp/cc/work/note.txt".into(),
        kind: "read".into(),
        status: "in_progress".into(),
        raw_input: Some(json!({"file_path": "/tmp/cc/work/note.txt"})),
        raw_output: None,
        content: vec![],
        locations: vec!["/tmp/cc/work/note.txt".into()],
    };
    assert_eq!(
        parse_all(REAL_TOOL_TURN),
        vec![
            Parsed::SessionId("814019a4-936f-4a21-9076-1041b5146399".into()),
            Parsed::Agent(AgentEvent::Thought("I should read it.".into())),
            text("Let "),
            text("me "),
            text("read "),
            text("it. "),
            tool(read.clone()),
            tool(ToolCallSnapshot {
                status: "completed".into(),
                raw_output: Some(json!("1\thello\n2\t")),
                content: vec![json!({
                    "type": "content",
                    "content": {"type": "text", "text": "1\thello\n2\t"},
                })],
                ..read
            }),
            text("It "),
            text("says "),
            text("hello. "),
            Parsed::Agent(AgentEvent::Usage(TokenUsage {
                input: 24,
                output: 40,
                total: 64,
                thought: None,
                cached_read: Some(0),
                cached_write: Some(0),
            })),
            Parsed::Agent(AgentEvent::Context(ContextUsage {
                used: 12 + 20,
                size: 1_000_000,
                cost: Some(Cost {
                    amount: 0.0008960000000000001,
                    currency: "USD".into()
                }),
            })),
            Parsed::Done {
                ok: true,
                error: None
            },
        ]
    );
}

/// The real CLI without credentials: the error is the result, not answer text.
#[test]
fn a_real_api_error_is_the_turns_error() {
    let parsed = parse_all(REAL_NOT_LOGGED_IN);
    assert_eq!(
        parsed[parsed.len() - 1],
        Parsed::Done {
            ok: false,
            error: Some("Not logged in · Please run /login".into())
        }
    );
    assert!(
        !parsed
            .iter()
            .any(|p| matches!(p, Parsed::Agent(AgentEvent::Text(_)))),
        "{parsed:?}"
    );
}

/// The real CLI on a terminal, interrupted with SIGINT while waiting for the API.
#[test]
fn a_real_interrupted_turn_read_from_a_terminal() {
    let mut p = StreamJsonParser::new();
    let out = String::from_utf8_lossy(REAL_INTERRUPTED);
    let parsed: Vec<Parsed> = out.split('\n').flat_map(|l| p.push_line(l)).collect();
    assert_eq!(
        parsed.first(),
        Some(&Parsed::SessionId(
            "b5d93fab-3a40-4229-a6a4-560ce33ffefe".into()
        ))
    );
    assert_eq!(
        parsed.last(),
        Some(&Parsed::Done {
            ok: false,
            error: Some(
                "[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null".into()
            )
        })
    );
    assert_eq!(parsed.len(), 4, "{parsed:?}");
}
