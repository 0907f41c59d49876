//! BooCode's own agent, `boochat acp`, as boocoder's `boocode` provider: a real
//! child process inside the sandbox (bwrap) on the scripted OpenAI-compatible server, with a real booterm
//! (in process, real tmux) for its commands. One turn reads a file, edits it with a
//! near-miss `old_string`, runs a command in a booterm terminal of the session and
//! reads its output; its edit is a pending change stamped `boocode`; each write
//! and command waits on a permission card the owner answers.

use std::path::PathBuf;

use boo_testkit::TestDb;
use boo_testkit::fake_llm::{FakeLlm, Reply};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::terminals::Booterm;
use super::turns::{Fx, fx_on, next_frame};

/// The `boochat` binary cargo built next to this test's directory.
fn boochat() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("boochat"))
        .unwrap();
    assert!(
        bin.is_file(),
        "{} is missing: build it (cargo build -p boochat; nextest --workspace does)",
        bin.display()
    );
    bin
}

/// boocoder whose `boocode` provider is the built `boochat acp` on `llm`, and
/// whose terminals are `term`'s.
async fn fx(db: TestDb, llm: &FakeLlm, term: &Booterm) -> Fx {
    let grpc = term.grpc();
    let base = llm.base_url();
    fx_on(
        db,
        "boocode",
        |_, file| {
            std::fs::write(
                file,
                format!(
                    "[providers.boocode]\ncommand = {}\n",
                    serde_json::to_string(boochat().to_str().unwrap()).unwrap()
                ),
            )
            .unwrap();
        },
        |s| {
            s.term.grpc_addr = grpc;
            s.llm.base_url = base;
            // The agent and its booterm commands inside bwrap.
            s.coder.sandbox.mode = boo_shared::config::SandboxMode::Bwrap;
        },
    )
    .await
}

/// The tool messages of a chat completion request: (call id, content).
fn tool_results(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn answer(f: &Fx, request_id: &str, option: &str) {
    let resp = f
        .post(
            &format!("/api/permissions/{request_id}"),
            Some(json!({ "option_id": option })),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
}

#[tokio::test]
async fn boocode_reads_edits_and_runs_a_command_in_a_booterm_terminal() {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let llm = FakeLlm::start().await;
    llm.push(Reply::tool_call(
        "c1",
        "read_file",
        json!({"path": "README.md"}),
    ));
    // A near miss: the file says "hello" with no trailing spaces.
    llm.push(Reply::tool_call(
        "c2",
        "edit_file",
        json!({"path": "README.md", "old_string": "hello  ", "new_string": "hello, boocode"}),
    ));
    llm.push(Reply::tool_call(
        "c3",
        "run_command",
        json!({"command": "cat README.md"}),
    ));
    llm.push(Reply::text("Done: the greeting is fixed.").with_reasoning("Check the file."));
    let f = fx(db, &llm, &term).await;
    let mut ws = f.ws().await;

    let acc = f.send("Fix the greeting in README.md").await;
    let edit = next_frame(&mut ws, "permission_requested").await;
    assert_eq!(
        (
            &edit["agent"],
            &edit["tool_call"]["title"],
            &edit["tool_call"]["kind"]
        ),
        (&json!("boocode"), &json!("Edit README.md"), &json!("edit"))
    );
    answer(&f, edit["request_id"].as_str().unwrap(), "allow_once").await;
    let run = next_frame(&mut ws, "permission_requested").await;
    assert_eq!(run["tool_call"]["title"], "Run cat README.md");
    answer(&f, run["request_id"].as_str().unwrap(), "allow_once").await;
    let (status, error) = f.wait_task(acc.task_id).await;
    assert_eq!(status, "completed", "{error:?}");
    let message = f.answer(acc.task_id).await;
    assert!(
        message.content.contains("Done: the greeting is fixed."),
        "{}",
        message.content
    );

    // The edit landed in the worktree as a pending change stamped boocode.
    let pending = f.pending().await;
    assert_eq!(
        pending
            .iter()
            .map(|p| (p.path.as_str(), p.agent.as_deref()))
            .collect::<Vec<_>>(),
        vec![("README.md", Some("boocode"))]
    );
    // What the model read back: the file, the edit, the command's output.
    let requests = llm.requests();
    assert_eq!(requests.len(), 4, "{requests:#?}");
    let results = tool_results(&requests[3]);
    assert_eq!(
        results
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        vec!["c1", "c2", "c3"]
    );
    assert!(results[0].1.contains("hello"), "{:?}", results[0]);
    assert!(
        results[1]
            .1
            .starts_with("edited README.md at line 1 (1 replacement, "),
        "{:?}",
        results[1]
    );
    assert_eq!(results[2].1, "exit code 0\nhello, boocode");
    // The command ran as a booterm terminal of the session (ended and released
    // now), in the worktree.
    let terminals: Vec<(String, String, String)> =
        sqlx::query_as("SELECT title, status, cwd FROM terminal_sessions WHERE session_id = $1")
            .bind(f.session)
            .fetch_all(&f.pool)
            .await
            .unwrap();
    let worktree: String = sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1")
        .bind(f.session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    assert_eq!(
        terminals,
        vec![(
            "agent: /bin/sh -c cat README.md".to_owned(),
            "exited".to_owned(),
            worktree
        )]
    );
}

#[tokio::test]
async fn a_rejected_write_is_not_done_and_the_model_is_told() {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let llm = FakeLlm::start().await;
    llm.push(Reply::tool_call(
        "d1",
        "delete_file",
        json!({"path": "README.md"}),
    ));
    llm.push(Reply::text("Understood, I left it."));
    let f = fx(db, &llm, &term).await;
    let mut ws = f.ws().await;
    let acc = f.send("Delete the readme").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    assert_eq!(card["tool_call"]["title"], "Delete README.md");
    answer(&f, card["request_id"].as_str().unwrap(), "reject_once").await;
    let (status, error) = f.wait_task(acc.task_id).await;
    assert_eq!(status, "completed", "{error:?}");
    let requests = llm.requests();
    assert_eq!(
        tool_results(&requests[1]),
        vec![(
            "d1".to_owned(),
            "error: the user rejected this call; do not retry it, ask or try another way"
                .to_owned()
        )]
    );
    assert_eq!(f.pending().await, vec![]);
    let worktree: String = sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1")
        .bind(f.session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(PathBuf::from(worktree).join("README.md")).unwrap(),
        "hello\n"
    );
}

#[tokio::test]
async fn after_a_kill_the_agent_resumes_its_session_and_remembers() {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("Noted: PELICAN."));
    llm.push(Reply::text("It was PELICAN."));
    let f = fx(db, &llm, &term).await;
    let (status, first) = f.turn("Remember the word PELICAN.").await;
    assert_eq!(status, "completed", "{}", first.content);
    let acp_session = f.agent_sessions().await[0].agent_session_id.clone();
    assert!(acp_session.is_some());

    // kill -9 the agent between turns.
    let worktree: String = sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1")
        .bind(f.session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    let worktree = PathBuf::from(worktree).canonicalize().unwrap();
    let children = super::real_agent::agent_children(&worktree);
    assert_eq!(children.len(), 1, "{children:?}");
    for pid in &children {
        let killed = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    }
    boo_testkit::wait_for(
        "the agent to be gone",
        std::time::Duration::from_secs(10),
        || async {
            super::real_agent::agent_children(&worktree)
                .is_empty()
                .then_some(())
        },
    )
    .await;

    // A new child resumes the same session, whose history is in the database.
    let (status, second) = f.turn("Which word was it?").await;
    assert_eq!(status, "completed", "{}", second.content);
    assert!(
        second.content.contains("It was PELICAN."),
        "{}",
        second.content
    );
    assert_eq!(f.agent_sessions().await[0].agent_session_id, acp_session);
    let convo = llm.conversation(1);
    assert_eq!(
        convo,
        vec![
            ("user".to_owned(), "Remember the word PELICAN.".to_owned()),
            ("assistant".to_owned(), "Noted: PELICAN.".to_owned()),
            ("user".to_owned(), "Which word was it?".to_owned()),
        ]
    );
}
