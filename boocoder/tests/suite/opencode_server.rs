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

use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm, Reply};
use boocoder::acp::AgentEvent;
use boocoder::opencode::{
    EventHub, Mapped, OpencodeServer, Prompt, ServerOptions, SessionMapper, StepUsage,
    StreamItem, StreamOptions, TurnGuard, Verdict,
};
use boocoder::process::Spec;
use pretty_assertions::assert_eq;
use serde_json::json;
use tokio::sync::mpsc;

use super::real_agent::agent_binary;

/// The opencode server command: private HOME and XDG dirs, config at `llm`.
fn spec(opencode: &Path, scratch: &Path, worktree: &Path, llm: &FakeLlm) -> Spec {
    let home = scratch.join("home");
    let config = home.join(".config/opencode");
    std::fs::create_dir_all(&config).unwrap();
    let settings = json!({
        "$schema": "https://opencode.ai/config.json",
        "provider": {
            "boo": {
                "npm": "@ai-sdk/openai-compatible",
                "name": "BooCode test model",
                "options": { "baseURL": llm.base_url(), "apiKey": "test" },
                "models": { DEFAULT_MODEL: { "name": DEFAULT_MODEL } },
            },
        },
        "model": format!("boo/{DEFAULT_MODEL}"),
        "autoupdate": false,
        "share": "disabled",
        "agent": { "title": { "disable": true } },
    });
    std::fs::write(config.join("opencode.json"), settings.to_string()).unwrap();
    let home = home.to_str().unwrap();
    Spec::new(opencode.as_os_str(), worktree)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", format!("{home}/.config"))
        .env("XDG_CACHE_HOME", format!("{home}/.cache"))
        .env("XDG_DATA_HOME", format!("{home}/.local/share"))
        .env("XDG_STATE_HOME", format!("{home}/.local/state"))
        .env("OPENCODE_DISABLE_AUTOUPDATE", "1")
        .env("OPENCODE_DISABLE_MODELS_FETCH", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
}

fn git_repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("a.txt"), "hello\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"],
    ] {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }
}

/// What a turn streamed, as a runner would record it.
#[derive(Debug, Default, PartialEq)]
struct Turn {
    text: String,
    thought: String,
    usage: StepUsage,
    /// Terminals the guard swallowed while this turn ran.
    swallowed: Vec<Mapped>,
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
    async fn until(&mut self, turn: &mut Turn, stop: impl Fn(&Mapped, Option<Verdict>) -> bool) {
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
            if verdict == Some(Verdict::Swallow) {
                turn.swallowed.push(mapped.clone());
            }
            if stop(&mapped, verdict) {
                return;
            }
        }
    }

    /// A whole turn: until a terminal settles it.
    async fn turn(&mut self) -> Turn {
        let mut turn = Turn::default();
        self.until(&mut turn, |_, v| v == Some(Verdict::Settle)).await;
        turn
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
        .until(&mut third, |m, _| matches!(m, Mapped::Agent(AgentEvent::Text(_))))
        .await;
    assert!(client.abort(&session.id, &worktree).await.unwrap());
    let stale = follow.mapper.last_assistant_message().map(str::to_owned);
    follow.guard.arm(stale.as_deref());
    // The runner ends the cancelled turn itself; opencode drops a prompt sent
    // while the abort unwinds, so the next one waits for the first orphan idle.
    follow
        .until(&mut third, |m, v| *m == Mapped::Idle && v == Some(Verdict::Swallow))
        .await;

    llm.push(Reply::text("After the abort.").usage(300, 4));
    client
        .prompt_async(&session.id, &worktree, &Prompt::text("four"))
        .await
        .unwrap();
    let fourth = follow.turn().await;
    assert_eq!(fourth.text, "After the abort.");
    assert_eq!(
        fourth.usage,
        StepUsage {
            input: 300,
            output: 4,
            cost: 0.0
        }
    );
    // The aborted turn's abort error and both its idles were swallowed, some
    // before the fourth prompt, the rest while it ran; none ended turn four.
    let mut swallowed = third.swallowed;
    swallowed.extend(fourth.swallowed);
    assert_eq!(swallowed, vec![Mapped::Aborted, Mapped::Idle, Mapped::Idle]);
    assert!(!follow.guard.is_armed());

    hub.shutdown().await;
    server.shutdown().await.unwrap();
    llm.stop().await;
}
