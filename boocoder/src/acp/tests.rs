//! In-process tests: boocoder's client against the scripted agent
//! (`boo_testkit::fake_acp`) over a `tokio::io::duplex` pipe.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use boo_testkit::fake_acp::{self, FakeAcpOptions};
use pretty_assertions::assert_eq;
use serde_json::json;
use tokio::sync::{Notify, mpsc};

use super::client::slice_lines;
use super::*;

/// How the test hooks answer a permission request.
#[derive(Clone, Debug)]
pub(super) enum Answer {
    Select(&'static str),
    /// Never answer (until the turn is cancelled).
    Hang,
}

pub(super) struct TestHooks {
    pub(super) root: PathBuf,
    _dir: tempfile::TempDir,
    pub(super) answer: Mutex<Answer>,
    pub(super) elicit: Mutex<ElicitOutcome>,
    pub(super) asked: Notify,
    pub(super) permissions: Mutex<Vec<PermissionRequest>>,
    pub(super) elicits: Mutex<Vec<ElicitRequest>>,
    pub(super) written: Mutex<Vec<PathBuf>>,
}

impl TestHooks {
    pub(super) fn new() -> Arc<Self> {
        let dir = tempfile::tempdir().unwrap();
        Arc::new(TestHooks {
            root: dir.path().canonicalize().unwrap(),
            _dir: dir,
            answer: Mutex::new(Answer::Select("allow_once")),
            elicit: Mutex::new(ElicitOutcome::Decline),
            asked: Notify::new(),
            permissions: Mutex::new(Vec::new()),
            elicits: Mutex::new(Vec::new()),
            written: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl ClientHooks for TestHooks {
    async fn request_permission(&self, request: PermissionRequest) -> PermissionOutcome {
        self.permissions.lock().unwrap().push(request);
        let answer = self.answer.lock().unwrap().clone();
        self.asked.notify_one();
        match answer {
            Answer::Select(id) => PermissionOutcome::Selected {
                option_id: id.to_owned(),
            },
            Answer::Hang => std::future::pending().await,
        }
    }

    async fn elicit(&self, request: ElicitRequest) -> ElicitOutcome {
        self.elicits.lock().unwrap().push(request);
        self.elicit.lock().unwrap().clone()
    }

    fn worktree(&self) -> PathBuf {
        self.root.clone()
    }

    fn on_file_written(&self, path: &Path) {
        self.written.lock().unwrap().push(path.to_path_buf());
    }
}

/// Connect to an in-process fake agent, initialize, open a session in the worktree.
pub(super) async fn setup(hooks: Arc<TestHooks>) -> (Connection, String) {
    let (reader, writer, _agent) = fake_acp::in_process(FakeAcpOptions::default());
    let conn = Connection::connect(reader, writer, hooks.clone())
        .await
        .unwrap();
    conn.initialize().await.unwrap();
    let session = conn.new_session(&hooks.root).await.unwrap();
    // Let the commands announced after session/new land before any turn starts.
    assert_eq!(
        conn.wait_for_commands(&session.id, Duration::from_secs(5))
            .await
            .len(),
        2
    );
    (conn, session.id)
}

/// Run one prompt, collecting its events while it runs.
pub(super) async fn turn(
    conn: &Connection,
    session: &str,
    script: &str,
) -> (Result<StopReason, AcpError>, Vec<AgentEvent>) {
    let (tx, mut rx) = mpsc::channel(4);
    let collect = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        events
    });
    let result = tokio::time::timeout(Duration::from_secs(20), conn.prompt(session, script, tx))
        .await
        .expect("prompt finished in time");
    (result, collect.await.unwrap())
}

pub(super) fn text(events: &[AgentEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn tool(
    status: &str,
    content: Vec<serde_json::Value>,
    raw_output: Option<serde_json::Value>,
) -> AgentEvent {
    AgentEvent::ToolCall(ToolCallSnapshot {
        id: "t1".into(),
        title: "Run tests".into(),
        kind: "execute".into(),
        status: status.into(),
        raw_input: Some(json!({"command": "Run tests"})),
        raw_output,
        content,
        locations: vec!["t1.txt".into()],
    })
}

#[tokio::test]
async fn initialize_and_new_session_describe_the_agent() {
    let hooks = TestHooks::new();
    let (reader, writer, _agent) = fake_acp::in_process(FakeAcpOptions::default());
    let conn = Connection::connect(reader, writer, hooks.clone())
        .await
        .unwrap();
    assert_eq!(
        conn.initialize().await.unwrap(),
        AgentInfo {
            name: Some("boo-fake-acp".into()),
            title: Some("Boo fake ACP agent".into()),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            protocol_version: 1,
            capabilities: json!({
                "loadSession": false,
                "promptCapabilities": {"image": false, "audio": false, "embeddedContext": false},
                "mcpCapabilities": {"http": false, "sse": false},
                "sessionCapabilities": {},
                "auth": {},
            }),
            auth_methods: vec![],
        }
    );
    let session = conn.new_session(&hooks.root).await.unwrap();
    let commands = conn
        .wait_for_commands(&session.id, Duration::from_secs(5))
        .await;
    let select = |current: &str, choices: &[(&str, &str)]| ConfigKind::Select {
        current: current.into(),
        choices: choices
            .iter()
            .map(|(v, n)| ConfigChoice {
                value: (*v).into(),
                name: (*n).into(),
                description: None,
                group: None,
            })
            .collect(),
    };
    let expected = SessionInfo {
        id: "fake-session-1".into(),
        modes: vec![
            SessionMode {
                id: "ask".into(),
                name: "Ask".into(),
                description: None,
            },
            SessionMode {
                id: "code".into(),
                name: "Code".into(),
                description: None,
            },
        ],
        current_mode: Some("code".into()),
        config_options: vec![
            ConfigOption {
                id: "mode".into(),
                name: "Mode".into(),
                description: None,
                category: Some("mode".into()),
                kind: select("code", &[("ask", "Ask"), ("code", "Code")]),
            },
            ConfigOption {
                id: "model".into(),
                name: "Model".into(),
                description: None,
                category: Some("model".into()),
                kind: select(
                    "fake-fast",
                    &[("fake-fast", "Fake fast"), ("fake-smart", "Fake smart")],
                ),
            },
        ],
        commands: vec![
            json!({"name": "review", "description": "Review the pending changes"}),
            json!({"name": "explain", "description": "Explain some code", "input": {"hint": "what to explain"}}),
        ],
    };
    assert_eq!(commands, expected.commands);
    assert_eq!(conn.session_info(&session.id), Some(expected.clone()));
    let (models, current) = expected.models().unwrap();
    assert_eq!((models.len(), current), (2, "fake-fast"));
}

#[tokio::test]
async fn updates_map_to_events_and_tool_calls_merge() {
    let (conn, session) = setup(TestHooks::new()).await;
    let script = "think hmm ok\nsay hello world\ntool t1 Run tests\nplan a; b\nmode ask\nusage 10 100 0.5\ntokens 3 4";
    let (result, events) = turn(&conn, &session, script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    assert_eq!(
        events,
        vec![
            AgentEvent::Thought("hmm ".into()),
            AgentEvent::Thought("ok".into()),
            AgentEvent::Text("hello ".into()),
            AgentEvent::Text("world".into()),
            tool("pending", vec![], None),
            tool("in_progress", vec![], None),
            tool(
                "completed",
                vec![
                    json!({"type": "content", "content": {"type": "text", "text": "done: Run tests"}})
                ],
                Some(json!({"exit_code": 0})),
            ),
            AgentEvent::Plan(vec![
                json!({"content": "a", "priority": "medium", "status": "pending"}),
                json!({"content": "b", "priority": "medium", "status": "pending"}),
            ]),
            AgentEvent::CurrentMode("ask".into()),
            AgentEvent::Context(ContextUsage {
                used: 10,
                size: 100,
                cost: Some(Cost {
                    amount: 0.5,
                    currency: "USD".into()
                }),
            }),
            AgentEvent::Usage(TokenUsage {
                input: 3,
                output: 4,
                total: 7,
                ..TokenUsage::default()
            }),
        ]
    );
    assert_eq!(
        conn.session_info(&session).unwrap().current_mode,
        Some("ask".into())
    );
}

#[tokio::test]
async fn fs_is_confined_to_the_worktree() {
    let hooks = TestHooks::new();
    let (conn, session) = setup(hooks.clone()).await;
    let outside = hooks.root.parent().unwrap().join(format!(
        "{}-evil/x.txt",
        hooks.root.file_name().unwrap().to_string_lossy()
    ));
    let script = format!(
        "write src/deep/a.txt one\\ntwo\\nthree\\n\nread src/deep/a.txt 2 1\nread {}/src/deep/a.txt\n\
         write ../escape.txt no\nwrite {} no\nwrite .git/config no\nwrite ~/.bashrc no\n\
         write \"a\\\\b.txt\" no\nwrite \"tab\\there.txt\" no\nwrite src/deep/a.txt/x no\n\
         read missing.txt",
        hooks.root.display(),
        outside.display()
    );
    let (result, events) = turn(&conn, &session, &script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    // Each command's report, concatenated (the fake streams them as one answer).
    let refused = "; file access is confined to the session worktree";
    assert_eq!(
        text(&events),
        [
            "wrote src/deep/a.txt".to_owned(),
            "two\n".to_owned(),
            "one\ntwo\nthree\n".to_owned(),
            format!("error: refused: path \"../escape.txt\" escapes the project root{refused}"),
            format!("error: refused: path \"{}\" is outside the project root{refused}", outside.display()),
            format!("error: refused: path \".git/config\" is inside a .git directory, which is off limits{refused}"),
            "error: path \"~/.bashrc\" cannot be staged as a pending change: home-relative path".to_owned(),
            "error: path \"a\\\\b.txt\" cannot be staged as a pending change: contains a backslash".to_owned(),
            "error: path \"tab\\there.txt\" cannot be staged as a pending change: contains a control character".to_owned(),
            "error: cannot write \"src/deep/a.txt/x\": Not a directory (os error 20)".to_owned(),
            "error: Resource not found".to_owned(),
        ]
        .concat()
    );
    assert_eq!(
        std::fs::read_to_string(hooks.root.join("src/deep/a.txt")).unwrap(),
        "one\ntwo\nthree\n"
    );
    assert_eq!(
        *hooks.written.lock().unwrap(),
        vec![hooks.root.join("src/deep/a.txt")]
    );
    assert!(!hooks.root.parent().unwrap().join("escape.txt").exists());
    assert!(!outside.exists());
    for refused in ["~", "a\\b.txt", "tab\there.txt"] {
        assert!(!hooks.root.join(refused).exists(), "{refused:?} landed");
    }
}

#[test]
fn slices_lines_one_based() {
    let text = "a\nb\nc\nd";
    assert_eq!(slice_lines(text, None, None), text);
    assert_eq!(slice_lines(text, Some(2), None), "b\nc\nd");
    assert_eq!(slice_lines(text, Some(2), Some(2)), "b\nc\n");
    assert_eq!(slice_lines(text, None, Some(1)), "a\n");
    assert_eq!(slice_lines(text, Some(0), Some(1)), "a\n");
    assert_eq!(slice_lines(text, Some(9), None), "");
}

#[tokio::test]
async fn permission_round_trip_with_merged_tool_call() {
    let hooks = TestHooks::new();
    *hooks.answer.lock().unwrap() = Answer::Select("allow_always");
    let (conn, session) = setup(hooks.clone()).await;
    let (result, events) = turn(&conn, &session, "ask").await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    assert_eq!(text(&events), "permission: allow_always");
    let option = |id: &str, name: &str, kind| PermissionOption {
        id: id.into(),
        name: name.into(),
        kind,
    };
    assert_eq!(
        *hooks.permissions.lock().unwrap(),
        vec![PermissionRequest {
            session_id: session.clone(),
            tool_call: ToolCallSnapshot {
                id: "ask-1".into(),
                title: "Edit src/lib.rs".into(),
                kind: "edit".into(),
                status: "pending".into(),
                raw_input: Some(json!({"path": "src/lib.rs"})),
                raw_output: None,
                content: vec![],
                locations: vec!["src/lib.rs".into()],
            },
            options: vec![
                option("allow_once", "Allow once", PermissionKind::AllowOnce),
                option("allow_always", "Always allow", PermissionKind::AllowAlways),
                option("reject_once", "Reject", PermissionKind::RejectOnce),
            ],
        }]
    );
    // An answer naming no offered option is sent as cancelled.
    *hooks.answer.lock().unwrap() = Answer::Select("bogus");
    let (result, events) = turn(&conn, &session, "ask").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "permission: cancelled".into())
    );
}

#[tokio::test]
async fn cancel_resolves_a_pending_permission_and_the_session_lives_on() {
    let hooks = TestHooks::new();
    *hooks.answer.lock().unwrap() = Answer::Hang;
    let (conn, session) = setup(hooks.clone()).await;
    let (result, _events) = tokio::join!(turn(&conn, &session, "ask\nsay never"), async {
        hooks.asked.notified().await;
        conn.cancel(&session).await.unwrap();
    })
    .0;
    assert_eq!(result.unwrap(), StopReason::Cancelled);
    let (result, events) = turn(&conn, &session, "say again").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "again".into())
    );
}

#[tokio::test]
async fn cancel_stops_a_slow_turn() {
    let (conn, session) = setup(TestHooks::new()).await;
    let (tx, mut rx) = mpsc::channel(16);
    let (result, ()) = tokio::join!(
        conn.prompt(&session, "say started\nslow 60000\nsay never", tx),
        async {
            // The first chunk means the script is running and about to sleep.
            assert_eq!(rx.recv().await, Some(AgentEvent::Text("started".into())));
            conn.cancel(&session).await.unwrap();
        }
    );
    assert_eq!(result.unwrap(), StopReason::Cancelled);
    let (result, events) = turn(&conn, &session, "say after").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "after".into())
    );
}

#[tokio::test]
async fn refusal_and_busy_sessions() {
    let (conn, session) = setup(TestHooks::new()).await;
    let (result, _) = turn(&conn, &session, "refuse").await;
    let reason = result.unwrap();
    assert_eq!((reason, reason.fails_turn()), (StopReason::Refusal, true));
    assert!(!StopReason::MaxTokens.fails_turn());

    let (tx, mut rx) = mpsc::channel(16);
    let (first, ()) = tokio::join!(conn.prompt(&session, "say go\nslow 60000", tx), async {
        rx.recv().await;
        let (tx2, _rx2) = mpsc::channel(1);
        let second = conn.prompt(&session, "say too", tx2).await;
        assert_eq!(
            second.unwrap_err().to_string(),
            format!("session {session} already has a prompt in flight")
        );
        conn.cancel(&session).await.unwrap();
    });
    assert_eq!(first.unwrap(), StopReason::Cancelled);
}

#[tokio::test]
async fn elicitation_round_trip() {
    let hooks = TestHooks::new();
    let (conn, session) = setup(hooks.clone()).await;
    let (result, events) = turn(&conn, &session, "elicit").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "elicit: decline".into())
    );
    *hooks.elicit.lock().unwrap() = ElicitOutcome::Accept {
        content: serde_json::from_value(json!({"name": "Ada", "count": 3})).unwrap(),
    };
    let (_, events) = turn(&conn, &session, "elicit").await;
    assert_eq!(text(&events), r#"elicit: accept {"count":3,"name":"Ada"}"#);
    let elicits = hooks.elicits.lock().unwrap().clone();
    assert_eq!(elicits.len(), 2);
    assert_eq!(
        elicits[0],
        ElicitRequest {
            session_id: session.clone(),
            tool_call_id: None,
            message: "Tell me more".into(),
            schema: json!({
                "type": "object",
                "title": "Details",
                "properties": {
                    "name": {"type": "string"},
                    "count": {"type": "integer", "minimum": 0, "maximum": 10},
                },
                "required": ["name"],
            }),
        }
    );
}

#[tokio::test]
async fn config_options_and_modes_are_set() {
    let (conn, session) = setup(TestHooks::new()).await;
    conn.set_config_option(&session, "model", "fake-smart")
        .await
        .unwrap();
    conn.set_config_option(&session, "mode", "ask")
        .await
        .unwrap();
    let (_, events) = turn(&conn, &session, "config").await;
    assert_eq!(text(&events), "config: mode=ask model=fake-smart");
    let info = conn.session_info(&session).unwrap();
    assert_eq!(info.models().unwrap().1, "fake-smart");

    conn.set_mode(&session, "code").await.unwrap();
    assert_eq!(
        conn.session_info(&session).unwrap().current_mode,
        Some("code".into())
    );

    let err = conn
        .set_config_option(&session, "speed", "max")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("session {session} has no config option \"speed\"")
    );
    let err = conn
        .set_config_option(&session, "model", "gpt-9")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent answered session/set_config_option with error -32602: Invalid params (model has no value gpt-9)"
    );
}

#[tokio::test]
async fn a_dropped_connection_fails_the_turn() {
    let (conn, session) = setup(TestHooks::new()).await;
    assert!(conn.is_alive());
    let (result, _events) = turn(&conn, &session, "say bye\ncrash").await;
    let err = result.unwrap_err();
    assert!(err.is_exit(), "{err}");
    assert_eq!(err.to_string(), "agent exited during session/prompt");
    assert!(!conn.is_alive());
}

#[tokio::test]
async fn failed_initialize_is_an_rpc_error() {
    let hooks = TestHooks::new();
    let opts = FakeAcpOptions {
        fail_initialize: true,
        ..FakeAcpOptions::default()
    };
    let (reader, writer, _agent) = fake_acp::in_process(opts);
    let conn = Connection::connect(reader, writer, hooks).await.unwrap();
    let err = conn.initialize().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent answered initialize with error -32603: Internal error (initialize fails as asked)"
    );
}

#[tokio::test]
async fn dropping_a_prompt_cancels_the_turn() {
    let (conn, session) = setup(TestHooks::new()).await;
    let (tx, mut rx) = mpsc::channel(16);
    let prompt = conn.prompt(&session, "say started\nslow 60000", tx);
    tokio::select! {
        _ = prompt => panic!("the slow prompt finished"),
        event = rx.recv() => assert_eq!(event, Some(AgentEvent::Text("started".into()))),
    }
    // The prompt future is gone: the session is free and the agent was told to stop.
    let (result, events) = turn(&conn, &session, "say next").await;
    assert_eq!(
        (result.unwrap(), text(&events)),
        (StopReason::EndTurn, "next".into())
    );
}

#[test]
fn tool_call_updates_keep_what_they_do_not_carry() {
    use agent_client_protocol::v1::schema as acp;
    let mut calls = super::events::ToolCalls::default();
    // An update for a call never announced starts from defaults.
    let fields = acp::ToolCallUpdateFields::new()
        .title("Read a.rs".to_owned())
        .raw_input(json!({"path": "a.rs"}));
    let first = calls.update(acp::ToolCallUpdate::new("x", fields));
    let expected = ToolCallSnapshot {
        id: "x".into(),
        title: "Read a.rs".into(),
        kind: "other".into(),
        status: "pending".into(),
        raw_input: Some(json!({"path": "a.rs"})),
        ..ToolCallSnapshot::default()
    };
    assert_eq!(first, expected);
    let fields = acp::ToolCallUpdateFields::new()
        .kind(acp::ToolKind::Read)
        .status(acp::ToolCallStatus::Failed)
        .locations(vec![acp::ToolCallLocation::new("a.rs").line(3)]);
    assert_eq!(
        calls.update(acp::ToolCallUpdate::new("x", fields)),
        ToolCallSnapshot {
            kind: "read".into(),
            status: "failed".into(),
            locations: vec!["a.rs:3".into()],
            ..expected
        }
    );
    // A new tool_call with the same id starts over.
    let restarted = calls.start(acp::ToolCall::new("x", "Again"));
    assert_eq!(
        restarted,
        ToolCallSnapshot {
            id: "x".into(),
            title: "Again".into(),
            kind: "other".into(),
            status: "pending".into(),
            ..ToolCallSnapshot::default()
        }
    );
}

/// The runner shares one connection between tasks and spawns its turns.
#[allow(dead_code)]
fn connection_is_shareable_and_its_futures_are_send(conn: &'static Connection) {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: T) {}
    send_sync::<Connection>();
    send_sync::<AgentEvent>();
    send_sync::<AcpError>();
    let (tx, _rx) = mpsc::channel(1);
    send(conn.prompt("s", "t", tx));
    send(conn.initialize());
    send(conn.new_session(Path::new("/")));
    send(conn.cancel("s"));
    send(conn.set_config_option("s", "o", "v"));
}
