//! `boochat acp` driven directly by an ACP client (the SDK's client side), as an
//! editor would: the real binary as a child on the scripted model server, with no
//! database (its sessions are files under its HOME). Streaming, config options,
//! ask mode, cancel, and a kill -9 after which a new process lists, loads
//! (replaying the history) and continues the session with its memory.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Agent, ByteStreams, Client};
use boo_testkit::fake_llm::{FakeLlm, Reply};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

const LIMIT: Duration = Duration::from_secs(20);
/// The fake model server's context size (its default).
const N_CTX: u64 = boo_testkit::fake_llm::DEFAULT_N_CTX;

/// Every `session/update` the client received, as JSON.
type Updates = Arc<Mutex<Vec<Value>>>;

/// `boochat acp` with HOME `home` and nothing of ours in its environment but
/// PATH and the model server (no database URL: it needs none).
fn agent(home: &std::path::Path, llm: &FakeLlm) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_boochat"))
        .arg("acp")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("BOO_LLM__BASE_URL", llm.base_url())
        .env("BOO_LOG__LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Connect a client to `child` and run `body` with the connection.
async fn with_client<F, Fut>(child: &mut tokio::process::Child, updates: Updates, body: F)
where
    F: FnOnce(ConnectionTo<Agent>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let transport = ByteStreams::new(stdin.compat_write(), stdout.compat());
    Client
        .v1()
        .name("test-client")
        .on_receive_notification(
            async move |n: acp::SessionNotification, _cx: ConnectionTo<Agent>| {
                updates
                    .lock()
                    .unwrap()
                    .push(serde_json::to_value(&n.update).unwrap());
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_with(transport, async move |cx: ConnectionTo<Agent>| {
            tokio::time::timeout(Duration::from_secs(60), body(cx))
                .await
                .expect("the test body in time");
            Ok(())
        })
        .await
        .unwrap();
}

async fn initialize(cx: &ConnectionTo<Agent>) -> acp::InitializeResponse {
    cx.send_request(acp::InitializeRequest::new(ProtocolVersion::V1))
        .block_task()
        .await
        .unwrap()
}

/// The text of the updates of one kind, joined.
fn joined(updates: &[Value], kind: &str) -> String {
    updates
        .iter()
        .filter(|u| u["sessionUpdate"] == kind)
        .map(|u| u["content"]["text"].as_str().unwrap_or_default())
        .collect()
}

fn take(updates: &Updates) -> Vec<Value> {
    std::mem::take(&mut *updates.lock().unwrap())
}

#[tokio::test]
async fn a_session_streams_and_outlives_a_kill_of_the_agent() {
    let home = tempfile::tempdir().unwrap();
    let llm = FakeLlm::start().await;
    llm.push(
        Reply::text("The code word is noted.")
            .with_reasoning("Remember it.")
            .usage(1200, 30),
    );
    llm.push(Reply::text("It was PELICAN."));
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let updates: Updates = Arc::default();
    let session = Arc::new(Mutex::new(String::new()));

    let mut first = agent(home.path(), &llm);
    let (u, s, c) = (updates.clone(), session.clone(), cwd.clone());
    with_client(&mut first, updates.clone(), async move |cx| {
        let init = initialize(&cx).await;
        let caps = serde_json::to_value(&init.agent_capabilities).unwrap();
        assert_eq!(caps["loadSession"], true);
        assert_eq!(
            caps["sessionCapabilities"],
            json!({"list": {}, "resume": {}, "close": {}})
        );
        assert_eq!(init.agent_info.unwrap().name, "boocode");
        let new = cx
            .send_request(acp::NewSessionRequest::new(c.clone()))
            .block_task()
            .await
            .unwrap();
        let options = serde_json::to_value(new.config_options.unwrap()).unwrap();
        let current: Vec<(&str, &str)> = options
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["id"].as_str().unwrap(),
                    o["currentValue"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            current,
            vec![
                ("mode", "code"),
                ("model", boo_testkit::fake_llm::DEFAULT_MODEL),
                ("agent", "none")
            ]
        );
        *s.lock().unwrap() = new.session_id.0.to_string();
        take(&u);
        let done = cx
            .send_request(acp::PromptRequest::new(
                new.session_id.clone(),
                vec!["Remember the code word PELICAN.".to_owned().into()],
            ))
            .block_task()
            .await
            .unwrap();
        assert_eq!(done.stop_reason, acp::StopReason::EndTurn);
        let got = take(&u);
        assert_eq!(joined(&got, "agent_thought_chunk"), "Remember it.");
        assert_eq!(
            joined(&got, "agent_message_chunk"),
            "The code word is noted."
        );
        // Context used (the server's prompt + completion tokens) against its size.
        let usage: Vec<&Value> = got
            .iter()
            .filter(|u| u["sessionUpdate"] == "usage_update")
            .collect();
        assert_eq!(usage.len(), 1, "{got:#?}");
        assert_eq!(
            (&usage[0]["used"], &usage[0]["size"]),
            (&json!(1230), &json!(N_CTX))
        );
    })
    .await;
    // The write and command tools are offered in code mode.
    let tools: Vec<String> = llm.requests()[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
        .collect();
    for t in [
        "read_file",
        "write_file",
        "edit_file",
        "delete_file",
        "run_command",
    ] {
        assert!(tools.iter().any(|n| n == t), "{t} in {tools:?}");
    }
    // Nor the tools that read a workspace session's tabs: there is none here.
    for t in ["ask_user_input", "read_terminal", "read_tab_by_number"] {
        assert!(!tools.iter().any(|n| n == t), "{t} in {tools:?}");
    }

    // kill -9, then a new process: list, load (replay), continue with memory.
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let id = session.lock().unwrap().clone();
    // What outlived it: the session's files under its HOME.
    let state = home.path().join(".local/state/boocode/acp");
    let mut files: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, [format!("{id}.json"), format!("{id}.jsonl")]);
    let mut second = agent(home.path(), &llm);
    let (u, c) = (updates.clone(), cwd.clone());
    with_client(&mut second, updates.clone(), async move |cx| {
        initialize(&cx).await;
        let listed = cx
            .send_request(acp::ListSessionsRequest::new())
            .block_task()
            .await
            .unwrap();
        assert_eq!(
            listed
                .sessions
                .iter()
                .map(|s| (s.session_id.0.to_string(), s.cwd.clone(), s.title.clone()))
                .collect::<Vec<_>>(),
            vec![(
                id.clone(),
                c.clone(),
                Some("Remember the code word PELICAN.".to_owned())
            )]
        );
        take(&u);
        cx.send_request(acp::LoadSessionRequest::new(id.clone(), c.clone()))
            .block_task()
            .await
            .unwrap();
        let replayed = take(&u);
        assert_eq!(
            joined(&replayed, "user_message_chunk"),
            "Remember the code word PELICAN."
        );
        assert_eq!(
            joined(&replayed, "agent_message_chunk"),
            "The code word is noted."
        );
        // ask mode: read-only from now on.
        cx.send_request(acp::SetSessionConfigOptionRequest::new(
            id.clone(),
            "mode",
            "ask",
        ))
        .block_task()
        .await
        .unwrap();
        let done = cx
            .send_request(acp::PromptRequest::new(
                id.clone(),
                vec!["Which code word?".to_owned().into()],
            ))
            .block_task()
            .await
            .unwrap();
        assert_eq!(done.stop_reason, acp::StopReason::EndTurn);
        assert_eq!(joined(&take(&u), "agent_message_chunk"), "It was PELICAN.");
    })
    .await;
    let requests = llm.requests();
    let second_turn = llm.conversation(1);
    assert_eq!(
        second_turn,
        vec![
            (
                "user".to_owned(),
                "Remember the code word PELICAN.".to_owned()
            ),
            ("assistant".to_owned(), "The code word is noted.".to_owned()),
            ("user".to_owned(), "Which code word?".to_owned()),
        ]
    );
    let tools: Vec<&str> = requests[1]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(
        !tools.contains(&"write_file") && !tools.contains(&"run_command"),
        "{tools:?}"
    );
}

#[tokio::test]
async fn cancel_drops_the_model_request_and_ends_the_turn_cancelled() {
    let home = tempfile::tempdir().unwrap();
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("never finished").hang());
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut child = agent(home.path(), &llm);
    let llm = Arc::new(llm);
    let l = llm.clone();
    with_client(&mut child, Arc::default(), async move |cx| {
        initialize(&cx).await;
        let new = cx
            .send_request(acp::NewSessionRequest::new(cwd))
            .block_task()
            .await
            .unwrap();
        let id = new.session_id.clone();
        let prompt = cx
            .send_request(acp::PromptRequest::new(
                id.clone(),
                vec!["Write a long story.".to_owned().into()],
            ))
            .block_task();
        let cancel = async {
            l.wait_requests(1, LIMIT).await;
            cx.send_notification(acp::CancelNotification::new(id.clone()))
                .unwrap();
        };
        let (done, ()) = tokio::join!(prompt, cancel);
        assert_eq!(done.unwrap().stop_reason, acp::StopReason::Cancelled);
        assert_eq!(l.wait_disconnects(1, LIMIT).await, 1);
    })
    .await;
}
