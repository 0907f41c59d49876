//! An agent joining a chat mid-way, through the whole daemon: the chat already has
//! turns by the plain model and by another agent; the scripted agent
//! (`boo-fake-acp`, which answers `Echo: <line>` to lines it does not know, so its
//! answer shows the prompt it got) sees them in its first prompt only. The history
//! comes from a real boochat in process (`GetTranscript`, bearer token on), or,
//! with boochat unreachable, from the shared database. boochat also names an
//! untitled agent chat from its first exchange when boocoder asks (`NameChat`).

use boo_proto::chat::v1::GetTranscriptRequest;
use boo_shared::chat::{MessageStatus, PartKind, Role, Usage};
use boo_shared::config::{AuthMode, Secret, Settings};
use boo_shared::transcript::store::{self, NewPart};
use boo_testkit::workspace::fake_acp_providers;
use boo_testkit::{RunningDaemon, TestDb};
use pretty_assertions::assert_eq;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::turns::{Fx, fx_on};

const TOKEN: &str = "join-t0ken";

/// A user question, the plain model's answer with a tool call, a UI sentinel and
/// another agent's answer, oldest first.
async fn seed(pool: &PgPool, chat: Uuid) {
    store::insert(
        pool,
        chat,
        Role::User,
        MessageStatus::Complete,
        "what is two plus two?",
        json!({}),
    )
    .await
    .unwrap();
    let model = Uuid::new_v4();
    store::start_assistant(pool, model, chat, Some("qwen"), None)
        .await
        .unwrap();
    let args = json!({"path": "notes.txt"});
    let call = NewPart {
        kind: Some(PartKind::ToolCall),
        tool_name: Some("read_file"),
        call_id: Some("c1"),
        args: Some(&args),
        ..NewPart::default()
    };
    store::insert_part(pool, model, 0, &call).await.unwrap();
    let result = NewPart {
        kind: Some(PartKind::ToolResult),
        tool_name: Some("read_file"),
        call_id: Some("c1"),
        result: Some("a long file nobody needs to see again"),
        ..NewPart::default()
    };
    store::insert_part(pool, model, 1, &result).await.unwrap();
    store::finalize(
        pool,
        model,
        MessageStatus::Complete,
        "four",
        &Usage::default(),
        None,
    )
    .await
    .unwrap();
    store::insert(
        pool,
        chat,
        Role::System,
        MessageStatus::Complete,
        "tool budget hit",
        json!({"kind": "cap_hit"}),
    )
    .await
    .unwrap();
    let other = Uuid::new_v4();
    store::start_assistant(pool, other, chat, None, Some("codex"))
        .await
        .unwrap();
    store::finalize(
        pool,
        other,
        MessageStatus::Complete,
        "Codex was here.",
        &Usage::default(),
        None,
    )
    .await
    .unwrap();
}

/// What the fake agent answers to `prompt`: `Echo: <line>` per non-blank line.
fn echoed(prompt: &str) -> String {
    prompt
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("Echo: {l}"))
        .collect()
}

const QUESTION: &str = "what was said before me?";

/// The first turn echoes `want_prompt`; the second turn gets its prompt alone.
async fn first_turn_carries(f: &Fx, want_prompt: &str) {
    let (status, first) = f.turn(QUESTION).await;
    assert_eq!(status, "completed", "{}", first.content);
    assert_eq!(first.content, echoed(want_prompt));
    let (status, second) = f.turn("say just this").await;
    assert_eq!(status, "completed", "{}", second.content);
    assert_eq!(second.content, "just this");
}

#[tokio::test]
async fn a_joining_agents_first_prompt_carries_the_earlier_turns_from_boochat() {
    let db = TestDb::create().await;
    let mut chat_settings: Settings = boo_testkit::settings_for(&db.url);
    chat_settings.auth.mode = AuthMode::None;
    chat_settings.grpc.token = Some(Secret::new(TOKEN));
    let boochat = RunningDaemon::spawn(chat_settings, boochat::run).await;
    let grpc = boochat.grpc;
    let f = fx_on(
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            s.chat.grpc_addr = grpc;
            s.grpc.token = Some(Secret::new(TOKEN));
        },
    )
    .await;
    seed(&f.pool, f.chat).await;
    // boochat answers for this chat (through the same peer client boocoder uses).
    let mut peer = Settings::default();
    peer.chat.grpc_addr = grpc;
    peer.grpc.token = Some(Secret::new(TOKEN));
    let transcript = boo_shared::peers::chat(&peer)
        .unwrap()
        .get_transcript(GetTranscriptRequest {
            chat_id: f.chat.to_string(),
            ..GetTranscriptRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        transcript
            .messages
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str(), m.agent.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("user", "what is two plus two?", ""),
            ("assistant", "four", ""),
            ("assistant", "Codex was here.", "codex"),
        ]
    );
    first_turn_carries(
        &f,
        "Earlier in this chat (before you joined):\n\
         \n\
         user: what is two plus two?\n\
         \n\
         assistant (model): four\n\
         - tool read_file {\"path\":\"notes.txt\"}\n\
         \n\
         assistant (codex): Codex was here.\n\
         \n\
         ---\n\
         \n\
         what was said before me?",
    )
    .await;
}

#[tokio::test]
async fn with_boochat_unreachable_the_history_comes_from_the_database_within_the_budget() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // Room for the header, the count and the newest message only.
    let newest = "\nassistant (codex): Codex was here.\n";
    let budget = 42 + "[3 earlier messages left out]\n".len() + newest.len();
    let f = fx_on(
        TestDb::create().await,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            s.chat.grpc_addr = closed;
            s.coder.join_history_bytes = budget;
        },
    )
    .await;
    seed(&f.pool, f.chat).await;
    first_turn_carries(
        &f,
        "Earlier in this chat (before you joined):\n\
         [2 earlier messages left out]\n\
         \n\
         assistant (codex): Codex was here.\n\
         \n\
         ---\n\
         \n\
         what was said before me?",
    )
    .await;
}

#[tokio::test]
async fn boochat_names_an_untitled_agent_chat_from_its_first_exchange() {
    let db = TestDb::create().await;
    let llm = boo_testkit::fake_llm::FakeLlm::start().await;
    let mut chat_settings: Settings = boo_testkit::settings_for(&db.url);
    chat_settings.auth.mode = AuthMode::None;
    chat_settings.grpc.token = Some(Secret::new(TOKEN));
    chat_settings.llm.base_url = llm.base_url();
    chat_settings.chat.auto_name = true;
    let boochat = RunningDaemon::spawn(chat_settings, boochat::run).await;
    let grpc = boochat.grpc;
    let f = fx_on(
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            s.chat.grpc_addr = grpc;
            s.grpc.token = Some(Secret::new(TOKEN));
        },
    )
    .await;
    llm.push(boo_testkit::fake_llm::Reply::text(
        "\"Greeting the agent.\"",
    ));
    let (status, answer) = f.turn("say hello there").await;
    assert_eq!(
        (status.as_str(), answer.content.as_str()),
        ("completed", "hello there")
    );
    let titled = boo_testkit::wait_for(
        "boochat to name the chat",
        std::time::Duration::from_secs(30),
        || async {
            let title: Option<String> = sqlx::query_scalar("SELECT title FROM chats WHERE id = $1")
                .bind(f.chat)
                .fetch_one(&f.pool)
                .await
                .unwrap();
            title
        },
    )
    .await;
    assert_eq!(titled, "Greeting the agent");
    // The naming request carried the agent's exchange.
    let asked = llm.requests().remove(0).to_string();
    assert!(
        asked.contains("say hello there") && asked.contains("hello there"),
        "{asked}"
    );
    // A later answer asks nothing more: the chat has its title.
    let (status, _) = f.turn("say again").await;
    assert_eq!(status, "completed");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(llm.requests().len(), 1);
}
