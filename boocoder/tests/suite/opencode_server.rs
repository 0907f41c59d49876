//! opencode's server mode (issue 15) against the real opencode: one
//! `opencode serve` started by `boocoder::opencode::server`, a session in a git
//! worktree, turns driven by `prompt_async` and followed on `/global/event`
//! through the hub, the mapper and the post-abort guard. `BOO_OPENCODE` is the
//! absolute path of the `opencode` executable (skipped when unset).
//!
//! The private HOME is configured like `opencode.rs`'s: one custom provider at
//! the scripted server, no autoupdate, no models.dev fetch, no title agent.

use std::path::Path;
use std::time::Duration;

use boo_testkit::fake_llm::{FakeLlm, Reply};
use boocoder::acp::AgentEvent;
use boocoder::opencode::{
    EventHub, Mapped, OpencodeServer, PermissionReply, Prompt, ServerOptions, SessionMapper,
    SessionMessage, SessionStatus, StepUsage, StreamItem, StreamOptions, Supervisor, TurnGuard,
    Verdict,
};
use boocoder::process::Spec;
use pretty_assertions::assert_eq;
use serde_json::json;
use tokio::sync::mpsc;

use super::real_agent::{agent_binary, opencode_home};

/// The opencode server command: private HOME and XDG dirs, config at `llm`.
fn spec(opencode: &Path, scratch: &Path, worktree: &Path, llm: &FakeLlm) -> Spec {
    spec_with(opencode, scratch, worktree, llm, json!({}))
}

/// [`spec`] with `extra` merged into the top level of `opencode.json`.
fn spec_with(
    opencode: &Path,
    scratch: &Path,
    worktree: &Path,
    llm: &FakeLlm,
    extra: serde_json::Value,
) -> Spec {
    spec_at(opencode, scratch, worktree, &llm.base_url(), extra)
}

/// [`spec_with`] for the model server at `llm_url`.
fn spec_at(
    opencode: &Path,
    scratch: &Path,
    worktree: &Path,
    llm_url: &str,
    extra: serde_json::Value,
) -> Spec {
    let env = opencode_home(&scratch.join("home"), llm_url, extra);
    env.into_iter().fold(
        Spec::new(opencode.as_os_str(), worktree).arg("serve"),
        |spec, (k, v)| spec.env(k, v),
    )
}

/// A git repository with one commit at `dir` (made first).
fn git_repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    boo_testkit::workspace::git_repo(dir);
}

/// What a turn streamed, as a runner would record it.
#[derive(Debug, Default, PartialEq)]
struct Turn {
    text: String,
    thought: String,
    usage: StepUsage,
    /// Terminals the guard swallowed while this turn ran.
    swallowed: Vec<Mapped>,
    /// The terminal that settled it.
    ended: Option<Mapped>,
}

/// A session's stream as the runner would consume it.
struct Follow {
    rx: mpsc::Receiver<StreamItem>,
    mapper: SessionMapper,
    guard: TurnGuard,
}

impl Follow {
    /// Read mapped events into `turn` until `stop` says so (given the mapped
    /// event and the guard's verdict on it); returns the last one.
    async fn until(
        &mut self,
        turn: &mut Turn,
        stop: impl Fn(&Mapped, Option<Verdict>, &TurnGuard) -> bool,
    ) {
        loop {
            let item = tokio::time::timeout(Duration::from_secs(60), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no event for 60 s; so far {turn:?}"))
                .expect("the event hub stopped");
            let StreamItem::Event(event) = item else {
                continue;
            };
            let mapped = self.mapper.map(&event);
            let verdict = self
                .guard
                .observe(&mapped, self.mapper.last_assistant_message());
            match &mapped {
                Mapped::Agent(AgentEvent::Text(t)) => turn.text.push_str(t),
                Mapped::Agent(AgentEvent::Thought(t)) => turn.thought.push_str(t),
                Mapped::StepUsage(u) => turn.usage = turn.usage.plus(*u),
                _ => {}
            }
            match verdict {
                Some(Verdict::Swallow) => turn.swallowed.push(mapped.clone()),
                Some(Verdict::Settle) => turn.ended = Some(mapped.clone()),
                None => {}
            }
            if stop(&mapped, verdict, &self.guard) {
                return;
            }
        }
    }

    /// A whole turn: until a terminal settles it.
    async fn turn(&mut self) -> Turn {
        let mut turn = Turn::default();
        self.until(&mut turn, |_, v, _| v == Some(Verdict::Settle))
            .await;
        turn
    }

    /// Read on until the guard owes nothing (a prompt now would not be dropped).
    async fn until_quiet(&mut self, turn: &mut Turn) {
        if !self.guard.can_prompt() {
            self.until(turn, |_, _, g| g.can_prompt()).await;
        }
    }
}

#[tokio::test]
async fn opencode_server_runs_two_turns_and_guards_the_turn_after_an_abort() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let worktree = scratch.path().join("work");
    git_repo(&worktree);
    let server = OpencodeServer::start(
        spec(&opencode, scratch.path(), &worktree, &llm),
        &ServerOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(server.version(), "1.18.33");
    let client = server.client().clone();
    let hub = EventHub::start(client.clone(), StreamOptions::default());
    assert!(hub.wait_connected(Duration::from_secs(10)).await);

    let session = client.create_session(&worktree, Some("boo")).await.unwrap();
    assert_eq!(Path::new(&session.directory), worktree);
    let mut follow = Follow {
        rx: hub.subscribe(&session.id),
        mapper: SessionMapper::new(&session.id),
        guard: TurnGuard::default(),
    };

    llm.push(Reply::text("First answer.").usage(120, 5));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("one"))
        .await
        .unwrap();
    assert_eq!(
        follow.turn().await,
        Turn {
            text: "First answer.".to_owned(),
            ended: Some(Mapped::Idle),
            usage: StepUsage {
                input: 120,
                output: 5,
                cost: 0.0
            },
            ..Turn::default()
        }
    );

    llm.push(
        Reply::text("Second answer.")
            .with_reasoning("Thinking it over.")
            .usage(200, 9),
    );
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("two"))
        .await
        .unwrap();
    assert_eq!(
        follow.turn().await,
        Turn {
            text: "Second answer.".to_owned(),
            thought: "Thinking it over.".to_owned(),
            ended: Some(Mapped::Idle),
            usage: StepUsage {
                input: 200,
                output: 9,
                cost: 0.0
            },
            ..Turn::default()
        }
    );

    // A third turn hangs in the model; abort it once it streams.
    llm.push(Reply::text("Working on it").hang());
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("three"))
        .await
        .unwrap();
    let mut third = Turn::default();
    follow
        .until(&mut third, |m, _, _| {
            matches!(m, Mapped::Agent(AgentEvent::Text(_)))
        })
        .await;
    assert!(client.abort(&session.id, &worktree).await.unwrap());
    // The runner ends the cancelled turn itself, so it arms the guard; opencode
    // still sends the abort error and two idles, and drops a prompt sent
    // before the last of them.
    let stale = follow.mapper.last_assistant_message().map(str::to_owned);
    follow.guard.arm(stale.as_deref());
    follow.until_quiet(&mut third).await;
    assert_eq!(
        third.swallowed,
        vec![Mapped::Aborted, Mapped::Idle, Mapped::Idle]
    );

    llm.push(Reply::text("After the abort.").usage(300, 4));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("four"))
        .await
        .unwrap();
    assert_eq!(
        follow.turn().await,
        Turn {
            text: "After the abort.".to_owned(),
            usage: StepUsage {
                input: 300,
                output: 4,
                cost: 0.0
            },
            ended: Some(Mapped::Idle),
            ..Turn::default()
        }
    );

    // A model error settles its turn; its two idles are orphans too.
    llm.push(Reply::http_error(
        400,
        r#"{"error":{"message":"bad things","type":"invalid_request_error"}}"#,
    ));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("five"))
        .await
        .unwrap();
    let mut fifth = follow.turn().await;
    assert_eq!(
        fifth.ended,
        Some(Mapped::Error("APIError: bad things".to_owned()))
    );
    follow.until_quiet(&mut fifth).await;
    assert_eq!(fifth.swallowed, vec![Mapped::Idle, Mapped::Idle]);
    llm.push(Reply::text("Recovered."));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("six"))
        .await
        .unwrap();
    assert_eq!(follow.turn().await.text, "Recovered.");

    // What a runner re-reads after a reconnect.
    assert_eq!(
        client.status(&session.id, &worktree).await.unwrap(),
        SessionStatus::Idle
    );
    let messages = client.messages(&session.id, &worktree, None).await.unwrap();
    let users: Vec<&str> = messages
        .iter()
        .filter(|m| m.role() == "user")
        .map(SessionMessage::id)
        .collect();
    assert_eq!(users.len(), 6);
    // Caught up from the fifth prompt on, a fresh mapper sees the last answer.
    let since = client
        .messages_after(&session.id, &worktree, Some(users[4]))
        .await
        .unwrap();
    let mut fresh = SessionMapper::new(&session.id);
    let caught: Vec<Mapped> = since
        .iter()
        .flat_map(|m| fresh.catch_up(&m.info, &m.parts))
        .filter(|m| matches!(m, Mapped::Agent(AgentEvent::Text(_))))
        .collect();
    assert_eq!(
        caught,
        vec![Mapped::Agent(AgentEvent::Text("Recovered.".to_owned()))]
    );

    hub.shutdown().await;
    server.shutdown().await.unwrap();
    llm.stop().await;
}

#[tokio::test]
async fn opencode_server_asks_permission_and_questions() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let worktree = scratch.path().join("work");
    git_repo(&worktree);
    let ask_bash = json!({"permission": {"bash": "ask"}});
    let server = OpencodeServer::start(
        spec_with(&opencode, scratch.path(), &worktree, &llm, ask_bash),
        &ServerOptions::default(),
    )
    .await
    .unwrap();
    let client = server.client().clone();
    let hub = EventHub::start(client.clone(), StreamOptions::default());
    assert!(hub.wait_connected(Duration::from_secs(10)).await);
    let session = client.create_session(&worktree, None).await.unwrap();
    let mut follow = Follow {
        rx: hub.subscribe(&session.id),
        mapper: SessionMapper::new(&session.id),
        guard: TurnGuard::default(),
    };

    llm.push(Reply::tool_call(
        "call_b1",
        "bash",
        json!({"command": "echo hi", "description": "Print hi"}),
    ));
    llm.push(Reply::text("Ran it."));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("run it"))
        .await
        .unwrap();
    let mut turn = Turn::default();
    follow
        .until(&mut turn, |m, _, _| matches!(m, Mapped::Permission(_)))
        .await;
    let pending = client.permissions(&worktree).await.unwrap();
    assert_eq!(pending.len(), 1);
    let ask = &pending[0];
    assert_eq!(
        (
            ask.permission.as_str(),
            ask.patterns.clone(),
            ask.tool_call_id.as_deref()
        ),
        ("bash", vec!["echo hi".to_owned()], Some("call_b1"))
    );
    assert!(
        client
            .reply_permission(&ask.id, &worktree, PermissionReply::Once, None)
            .await
            .unwrap()
    );
    let rest = follow.turn().await;
    assert_eq!(rest.text, "Ran it.");
    assert!(client.permissions(&worktree).await.unwrap().is_empty());

    llm.push(Reply::tool_call(
        "call_q1",
        "question",
        json!({"questions": [{"question": "Which color?", "header": "Color",
            "options": [{"label": "Red", "description": "warm"}, {"label": "Blue", "description": "cool"}]}]}),
    ));
    llm.push(Reply::text("Blue it is."));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("ask me"))
        .await
        .unwrap();
    let mut turn = Turn::default();
    follow
        .until(&mut turn, |m, _, _| matches!(m, Mapped::Question(_)))
        .await;
    let questions = client.questions(&worktree).await.unwrap();
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0].questions[0].question, "Which color?");
    assert!(
        client
            .reply_question(&questions[0].id, &worktree, &[vec!["Blue".to_owned()]])
            .await
            .unwrap()
    );
    assert_eq!(follow.turn().await.text, "Blue it is.");

    hub.shutdown().await;
    server.shutdown().await.unwrap();
    llm.stop().await;
}

#[tokio::test]
async fn a_killed_server_is_restarted_by_the_supervisor_and_its_sessions_survive() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let worktree = scratch.path().join("work");
    git_repo(&worktree);
    let make = {
        let (opencode, scratch, worktree) = (
            opencode.clone(),
            scratch.path().to_owned(),
            worktree.clone(),
        );
        let llm_url = llm.base_url();
        move || spec_at(&opencode, &scratch, &worktree, &llm_url, json!({}))
    };
    let mut sup = Supervisor::new(make, ServerOptions::default());
    let first = sup.ensure().await.unwrap();
    let pid = first.pid().unwrap();
    let session = first
        .client()
        .create_session(&worktree, None)
        .await
        .unwrap();
    // Killed from outside (the group, as an OOM killer or a crash would leave it).
    let pgid = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap();
    rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL).unwrap();
    // ensure() returns the old server until it is seen dead, then a new one.
    tokio::time::timeout(Duration::from_secs(20), async {
        while sup.ensure().await.unwrap().pid() == Some(pid) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    let second = sup.ensure().await.unwrap();
    // A new process (opencode's `--port 0` tries 4096 first, so the URL may repeat).
    assert_ne!(second.pid(), Some(pid));
    assert!(second.client().health().await.unwrap().healthy);
    let again = second
        .client()
        .session(&session.id, &worktree)
        .await
        .unwrap();
    assert_eq!(again.id, session.id);
    sup.shutdown().await;
    llm.stop().await;
}
