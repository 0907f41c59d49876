//! `read_terminal` and `read_tab_by_number` through the whole daemon: the scripted
//! model calls them, boochat reads the session's layout, its chats and — over gRPC —
//! a real booterm (in process, a private tmux server, the same database). What
//! belongs to another session is refused, and a stopped booterm is a tool error
//! the model reads while the turn completes.

use std::collections::BTreeMap;

use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_proto::term::v1::{CreateSessionRequest, SnapshotRequest};
use boo_shared::chat::{Chat, MessageAccepted, MessageStatus, MessageWindow, PartKind, Session};
use boo_shared::workspace::{TabKind, WorkspacePane, WorkspaceState, WorkspaceTab};
use boo_testkit::TestDb;
use boo_testkit::booterm::Booterm;
use boo_testkit::fake_llm::{FakeLlm, Reply};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::fixture::{Fx, LIMIT, call, get, post};

/// What the probe terminals print and then show until they are killed.
const LINE: &str = "hello from the terminal";

async fn client(term: &Booterm) -> TermServiceClient<tonic::transport::Channel> {
    TermServiceClient::new(boo_testkit::channel(&format!("http://{}", term.grpc())).await)
}

/// A terminal of `session` titled "probe" that prints [`LINE`] and idles;
/// returns once booterm's snapshot shows the line.
async fn probe(term: &Booterm, session: Uuid) -> Uuid {
    let mut client = client(term).await;
    let created = client
        .create_session(CreateSessionRequest {
            session_id: session.to_string(),
            title: "probe".into(),
            cwd: "/tmp".into(),
            cols: 80,
            rows: 24,
            command: vec![
                "sh".into(),
                "-c".into(),
                format!("printf '{LINE}\\n'; exec sleep 600"),
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let id = created.id.clone();
    boo_testkit::wait_for("the probe line on the screen", LIMIT, || {
        let (mut client, id) = (client.clone(), id.clone());
        async move {
            let snap = client
                .snapshot(SnapshotRequest {
                    id,
                    scrollback_lines: 0,
                })
                .await
                .ok()?
                .into_inner();
            (snap.text == LINE).then_some(())
        }
    })
    .await;
    created.id.parse().unwrap()
}

/// booterm first, then boochat on the same database, pointed at it.
async fn start() -> (Booterm, Fx) {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let llm = FakeLlm::start().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.llm.base_url = llm.base_url();
    settings.term.grpc_addr = term.grpc();
    let fx = Fx::with(settings, llm, db).await;
    (term, fx)
}

/// Store a one-pane layout of `session` whose tabs get the given numbers.
async fn layout(fx: &Fx, session: Uuid, tabs: &[(TabKind, Uuid, u32)]) {
    let state = WorkspaceState {
        panes: vec![WorkspacePane {
            id: "p1".into(),
            tabs: tabs
                .iter()
                .map(|&(kind, id, _)| WorkspaceTab { kind, id })
                .collect(),
            active_tab: tabs.first().map(|t| t.1),
            width: None,
        }],
        tab_numbers: tabs
            .iter()
            .map(|&(_, id, n)| (id, n))
            .collect::<BTreeMap<_, _>>(),
        next_tab_number: tabs.iter().map(|t| t.2).max().unwrap_or(0) + 1,
        closed_pane_stack: Vec::new(),
        version: 0,
    };
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/sessions/{session}/workspace")),
        Some(serde_json::to_value(state).unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn new_chat(fx: &Fx, session: Uuid, title: &str) -> Uuid {
    let chat: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/sessions/{session}/chats")),
        json!({ "title": title }),
        201,
    )
    .await;
    chat.id
}

/// Run one turn of the fixture's chat in which the model makes `calls` (one
/// round), then answers "done"; the (tool, result, is_error) of each call.
async fn tool_round(fx: &Fx, calls: &[(&str, Value)]) -> Vec<(String, String, bool)> {
    let mut reply = Reply::chunks(Vec::new());
    for (i, (name, args)) in calls.iter().enumerate() {
        reply = reply.with_tool_call(&format!("c{i}"), name, args.clone());
    }
    fx.llm.push(reply);
    fx.llm.push(Reply::text("done"));
    let acc = fx.send("look at the other tabs").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let answer = all
        .iter()
        .find(|m| m.id == acc.assistant_message_id)
        .unwrap();
    assert_eq!(
        (answer.status, answer.content.as_str()),
        (MessageStatus::Complete, "done"),
        "the turn completes whatever the tools answered"
    );
    answer
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::ToolResult)
        .map(|p| {
            (
                p.tool_name.clone().unwrap(),
                p.result.clone().unwrap(),
                p.is_error,
            )
        })
        .collect()
}

fn ok(name: &str, text: String) -> (String, String, bool) {
    (name.to_owned(), text, false)
}

fn err(name: &str, text: String) -> (String, String, bool) {
    (name.to_owned(), format!("error: {text}"), true)
}

#[tokio::test]
async fn read_terminal_reads_a_terminal_of_the_session_by_id_and_by_tab() {
    let (term, fx) = start().await;
    let id = probe(&term, fx.session.id).await;
    layout(
        &fx,
        fx.session.id,
        &[(TabKind::Chat, fx.chat.id, 1), (TabKind::Term, id, 2)],
    )
    .await;
    let results = tool_round(
        &fx,
        &[
            ("read_terminal", json!({ "terminal": id })),
            ("read_terminal", json!({ "tab": 2, "lines": 0 })),
            ("read_terminal", json!({ "tab": 1 })),
            ("read_terminal", json!({ "tab": 2, "lines": 2001 })),
        ],
    )
    .await;
    assert_eq!(
        results,
        vec![
            ok(
                "read_terminal",
                format!(
                    "Terminal {id} \"probe\", 80x24; the screen with up to 100 lines of \
                     scrollback above it:\n{LINE}"
                )
            ),
            ok(
                "read_terminal",
                format!("Terminal {id} \"probe\" (tab 2), 80x24; the screen:\n{LINE}")
            ),
            err(
                "read_terminal",
                "tab 1 is a chat, not a terminal; read it with read_tab_by_number".into()
            ),
            err(
                "read_terminal",
                "lines: 2001 is out of range (0..=2000)".into()
            ),
        ]
    );
    // Both tools are offered to the model, with their schemas.
    let offered: Vec<Value> = fx.llm.requests()[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            ["read_terminal", "read_tab_by_number"]
                .contains(&t["function"]["name"].as_str().unwrap())
        })
        .map(|t| t["function"]["parameters"]["required"].clone())
        .collect();
    assert_eq!(offered, vec![Value::Null, json!(["tab"])]);
}

#[tokio::test]
async fn read_tab_by_number_reads_a_chat_transcript_and_a_terminal_screen() {
    let (term, fx) = start().await;
    let id = probe(&term, fx.session.id).await;
    // Another chat of the session with one exchange in it.
    let notes = new_chat(&fx, fx.session.id, "notes").await;
    fx.llm.push(Reply::text("Let me look.").with_tool_call(
        "n1",
        "read_file",
        json!({"path": "notes.txt"}),
    ));
    fx.llm.push(Reply::text("It says 42."));
    let acc: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{notes}/messages")),
        json!({"content": "what is in notes.txt?"}),
        202,
    )
    .await;
    boo_testkit::wait_for("the notes chat to answer", LIMIT, || async {
        let w: MessageWindow =
            get(&fx.http, &fx.url(&format!("/api/chats/{notes}/messages"))).await;
        w.items
            .iter()
            .any(|m| m.id == acc.assistant_message_id && m.status == MessageStatus::Complete)
            .then_some(())
    })
    .await;
    layout(
        &fx,
        fx.session.id,
        &[
            (TabKind::Chat, notes, 1),
            (TabKind::Term, id, 2),
            (TabKind::Chat, fx.chat.id, 3),
        ],
    )
    .await;
    let results = tool_round(
        &fx,
        &[
            ("read_tab_by_number", json!({ "tab": 1 })),
            ("read_tab_by_number", json!({ "tab": 2, "lines": 10 })),
            ("read_tab_by_number", json!({ "tab": 1, "messages": 1 })),
        ],
    )
    .await;
    assert_eq!(
        results,
        vec![
            ok(
                "read_tab_by_number",
                format!(
                    "Tab 1: chat {notes} \"notes\"; 2 messages, oldest first:\n\
                     \n\
                     user: what is in notes.txt?\n\
                     \n\
                     assistant (model): Let me look.\n\
                     - tool read_file {{\"path\":\"notes.txt\"}}\n\
                     It says 42.\n"
                )
            ),
            ok(
                "read_tab_by_number",
                format!(
                    "Terminal {id} \"probe\" (tab 2), 80x24; the screen with up to 10 lines \
                     of scrollback above it:\n{LINE}"
                )
            ),
            ok(
                "read_tab_by_number",
                format!(
                    "Tab 1: chat {notes} \"notes\"; the newest 1 message, oldest first \
                     (earlier ones left out: pass a larger \"messages\", up to 500, to see \
                     more):\n\
                     \n\
                     assistant (model): Let me look.\n\
                     - tool read_file {{\"path\":\"notes.txt\"}}\n\
                     It says 42.\n"
                )
            ),
        ]
    );
}

#[tokio::test]
async fn tabs_and_terminals_of_another_session_are_refused() {
    let (term, fx) = start().await;
    let other: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id}),
        201,
    )
    .await;
    // The other session has a readable terminal as its tab 5 and a chat as tab 6.
    let theirs = probe(&term, other.id).await;
    let their_chat = new_chat(&fx, other.id, "theirs").await;
    layout(
        &fx,
        other.id,
        &[(TabKind::Term, theirs, 5), (TabKind::Chat, their_chat, 6)],
    )
    .await;
    let ours = probe(&term, fx.session.id).await;
    layout(
        &fx,
        fx.session.id,
        &[(TabKind::Chat, fx.chat.id, 1), (TabKind::Term, ours, 2)],
    )
    .await;
    let unknown = Uuid::new_v4();
    let results = tool_round(
        &fx,
        &[
            ("read_tab_by_number", json!({ "tab": 5 })),
            ("read_tab_by_number", json!({ "tab": 6 })),
            ("read_terminal", json!({ "terminal": theirs })),
            ("read_terminal", json!({ "terminal": unknown })),
            ("read_terminal", json!({ "tab": 5 })),
        ],
    )
    .await;
    let no_tab = |n: u32| {
        format!(
            "tab {n} is not an open tab of this session; its open tabs are 1 (chat), 2 (terminal)"
        )
    };
    assert_eq!(
        results,
        vec![
            err("read_tab_by_number", no_tab(5)),
            err("read_tab_by_number", no_tab(6)),
            err(
                "read_terminal",
                format!("terminal {theirs} is not a terminal of this session")
            ),
            err(
                "read_terminal",
                format!("terminal {unknown} is not a terminal of this session")
            ),
            err("read_terminal", no_tab(5)),
        ]
    );
}

#[tokio::test]
async fn a_stopped_booterm_is_a_tool_error_and_the_turn_completes() {
    let (mut term, fx) = start().await;
    let id = probe(&term, fx.session.id).await;
    layout(&fx, fx.session.id, &[(TabKind::Term, id, 1)]).await;
    let addr = term.grpc();
    term.stop().await;
    let results = tool_round(
        &fx,
        &[
            ("read_terminal", json!({ "terminal": id })),
            ("read_tab_by_number", json!({ "tab": 1 })),
        ],
    )
    .await;
    let down = format!("booterm at {addr} is not reachable; terminal {id} cannot be read now");
    assert_eq!(
        results,
        vec![
            err("read_terminal", down.clone()),
            err("read_tab_by_number", down.clone()),
        ]
    );
    // The model got the errors as tool results and went on.
    let reqs = fx.llm.requests();
    let last = reqs.last().unwrap()["messages"].as_array().unwrap().clone();
    let tool_texts: Vec<String> = last
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tool_texts, vec![format!("error: {down}"); 2]);
}
