//! Turns of `boo-fake-claude` on a real PTY.

use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use rustix::process::Pid;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::acp::{ContextUsage, Cost, TokenUsage, ToolCallSnapshot};
use crate::pty::PtyCommand;
use crate::pty::process::session_members;

const GRACE: Duration = Duration::from_secs(3);

/// `claude`'s template with the fake binary in its place.
fn spec(prompt: &str, session: Option<&str>) -> PtySpec {
    let mut argv = PtyCommand::claude().render(prompt, session);
    argv[0] = boo_testkit::fake_claude::binary().display().to_string();
    PtySpec::new(argv, std::env::temp_dir())
}

fn raw_spec(prompt: &str) -> PtySpec {
    let bin = boo_testkit::fake_claude::binary().display().to_string();
    PtySpec::new([bin.as_str(), "-p", prompt], std::env::temp_dir())
}

/// Run a turn to its end; the events it streamed and the outcome.
async fn turn(spec: PtySpec, parser: ParserKind) -> (Vec<AgentEvent>, TurnOutcome) {
    let (tx, mut rx) = mpsc::channel(256);
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        run_turn(&spec, parser, tx, CancellationToken::new(), GRACE),
    )
    .await
    .expect("a turn within 20 s")
    .unwrap();
    let mut events = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        events.push(ev);
    }
    (events, outcome)
}

fn text(t: &str) -> AgentEvent {
    AgentEvent::Text(t.to_owned())
}

/// The pid after `word ` in the text streamed so far (text deltas split words).
fn pid_in(events: &[AgentEvent], word: &str) -> Option<Pid> {
    let all: String = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let rest = &all[all.find(&format!("{word} "))? + word.len() + 1..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Pid::from_raw(digits.parse().ok()?)
}

/// Events until the CLI said its pid.
async fn wait_for_pid(rx: &mut mpsc::Receiver<AgentEvent>) -> Pid {
    let mut events = Vec::new();
    loop {
        if let Some(pid) = pid_in(&events, "pid") {
            return pid;
        }
        events.push(
            tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("the pid within 10 s")
                .expect("events"),
        );
    }
}

fn alive(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_pid())).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

#[tokio::test]
async fn text_tools_and_usage_arrive_as_agent_events() {
    let script = "think let me see\nsay hello world\ntool Read {\"file_path\":\"a.txt\"}\n\
                  tool Bash {\"command\":\"false\",\"fail\":\"exit 1\"}\nusage 10 5 0.25";
    let (events, outcome) = turn(spec(script, None), ParserKind::StreamJson).await;
    let read = ToolCallSnapshot {
        id: "toolu_03".into(),
        title: "Read a.txt".into(),
        kind: "read".into(),
        status: "in_progress".into(),
        raw_input: Some(json!({"file_path": "a.txt"})),
        raw_output: None,
        content: vec![],
        locations: vec!["a.txt".into()],
    };
    let bash = ToolCallSnapshot {
        id: "toolu_05".into(),
        title: "false".into(),
        kind: "execute".into(),
        status: "in_progress".into(),
        raw_input: Some(json!({"command": "false", "fail": "exit 1"})),
        ..ToolCallSnapshot::default()
    };
    let result = |t: &str| vec![json!({"type": "content", "content": {"type": "text", "text": t}})];
    assert_eq!(
        events,
        vec![
            AgentEvent::Thought("let ".into()),
            AgentEvent::Thought("me ".into()),
            AgentEvent::Thought("see".into()),
            text("hello "),
            text("world"),
            AgentEvent::ToolCall(read.clone()),
            AgentEvent::ToolCall(ToolCallSnapshot {
                status: "completed".into(),
                raw_output: Some(json!("done: Read")),
                content: result("done: Read"),
                ..read
            }),
            AgentEvent::ToolCall(bash.clone()),
            AgentEvent::ToolCall(ToolCallSnapshot {
                status: "failed".into(),
                raw_output: Some(json!("exit 1")),
                content: result("exit 1"),
                ..bash
            }),
            AgentEvent::Usage(TokenUsage {
                input: 10,
                output: 5,
                total: 15,
                thought: None,
                cached_read: Some(0),
                cached_write: Some(0),
            }),
            AgentEvent::Context(ContextUsage {
                used: 0,
                size: 200_000,
                cost: Some(Cost {
                    amount: 0.25,
                    currency: "USD".into()
                }),
            }),
        ]
    );
    assert_eq!(outcome.end, TurnEnd::Complete);
    assert!(outcome.exit.success(), "{}", outcome.exit);
    let session = outcome.session_id.expect("a session id from init");

    // The next turn resumes it.
    let (events, outcome) = turn(spec("again", Some(&session)), ParserKind::StreamJson).await;
    assert_eq!(events[0], text("again"));
    assert_eq!(outcome.session_id, Some(session));
    assert_eq!(outcome.end, TurnEnd::Complete);
}

#[tokio::test]
async fn cancel_interrupts_a_hanging_turn_and_leaves_nothing() {
    let (tx, mut rx) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let (spec, stop) = (spec("pid\nhang", None), cancel.clone());
    let task =
        tokio::spawn(async move { run_turn(&spec, ParserKind::StreamJson, tx, stop, GRACE).await });
    let pid = wait_for_pid(&mut rx).await;
    assert!(alive(pid));
    let started = Instant::now();
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("cancel within 10 s")
        .unwrap()
        .unwrap();
    // SIGINT is enough: no wait for the SIGTERM step.
    assert!(started.elapsed() < GRACE / 3, "{:?}", started.elapsed());
    assert_eq!(outcome.end, TurnEnd::Cancelled);
    assert_eq!(
        outcome.exit,
        PtyExit {
            code: 130,
            signal: None
        }
    );
    assert!(!alive(pid));
    assert_eq!(session_members(pid), vec![]);
}

#[tokio::test]
async fn a_cli_deaf_to_sigint_and_sigterm_is_killed() {
    let (tx, mut rx) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let grace = Duration::from_millis(600);
    let (spec, stop) = (spec("pid\nstubborn", None), cancel.clone());
    let task =
        tokio::spawn(async move { run_turn(&spec, ParserKind::StreamJson, tx, stop, grace).await });
    let pid = wait_for_pid(&mut rx).await;
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("killed within 10 s")
        .unwrap()
        .unwrap();
    assert_eq!(outcome.end, TurnEnd::Cancelled);
    assert_eq!(outcome.exit.signal.as_deref(), Some("Killed"));
    assert!(!alive(pid));
    assert_eq!(session_members(pid), vec![]);
}

#[tokio::test]
async fn a_crash_mid_turn_fails_with_the_output_tail() {
    let (events, outcome) = turn(spec("say partial\ncrash", None), ParserKind::StreamJson).await;
    assert_eq!(events, vec![text("partial")]);
    let TurnEnd::Failed(error) = &outcome.end else {
        panic!("{outcome:?}");
    };
    let bin = boo_testkit::fake_claude::binary().display().to_string();
    assert!(
        error.starts_with(&format!(
            "{bin} ended without a result (exit code 1)\noutput:\n"
        )),
        "{error}"
    );
    assert!(error.ends_with("fake-claude: crashing mid-turn"), "{error}");
    assert_eq!(outcome.exit.code, 1);
}

#[tokio::test]
async fn a_reported_failure_and_a_refused_command_line_are_errors() {
    let (_, outcome) = turn(
        spec("say x\nfail out of budget", None),
        ParserKind::StreamJson,
    )
    .await;
    assert_eq!(outcome.end, TurnEnd::Failed("out of budget".into()));
    // Without --verbose the real CLI refuses stream-json in print mode.
    let bin = boo_testkit::fake_claude::binary().display().to_string();
    let spec = PtySpec::new(
        [bin.as_str(), "-p", "--output-format", "stream-json", "hi"],
        std::env::temp_dir(),
    );
    let (events, outcome) = turn(spec, ParserKind::StreamJson).await;
    assert_eq!(events, vec![]);
    assert_eq!(
        outcome.end,
        TurnEnd::Failed(format!(
            "{bin} ended without a result (exit code 1)\noutput:\n\
             Error: When using --print, --output-format=stream-json requires --verbose"
        ))
    );
}

#[tokio::test]
async fn a_cli_lingering_after_its_result_is_stopped() {
    let started = Instant::now();
    let (events, outcome) = turn(spec("say done\nlinger", None), ParserKind::StreamJson).await;
    assert_eq!(events[0], text("done"));
    assert_eq!(outcome.end, TurnEnd::Complete);
    // SIGINT was enough.
    assert_eq!(outcome.exit.code, 130);
    assert!(
        started.elapsed() < AFTER_RESULT + GRACE,
        "{:?}",
        started.elapsed()
    );
}

/// The `child` ignores the hangup the kernel sends when the CLI (the session
/// leader) exits, and stays in the CLI's group: the sweep after the turn kills it.
#[tokio::test]
async fn a_grandchild_outliving_the_cli_is_killed() {
    let started = Instant::now();
    let (events, outcome) = turn(spec("child\nsay done", None), ParserKind::StreamJson).await;
    let child = pid_in(&events, "child").expect("the child's pid");
    assert!(events.contains(&text("done")), "{events:?}");
    assert_eq!(outcome.end, TurnEnd::Complete);
    assert!(!alive(child));
    assert!(started.elapsed() < DRAIN + Duration::from_secs(5));
}

#[tokio::test]
async fn raw_output_is_the_text_a_terminal_shows() {
    let (events, outcome) = turn(
        raw_spec("say hello\nprogress\ntool Bash {}\nthink hmm"),
        ParserKind::Raw,
    )
    .await;
    let all: String = events
        .iter()
        .map(|e| match e {
            AgentEvent::Text(t) => t.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(all, "hello\n● Bash\nhmm\n");
    assert_eq!(outcome.end, TurnEnd::Complete);
    assert_eq!(outcome.session_id, None);
    // A failing raw CLI is an error with its output.
    let (_, outcome) = turn(raw_spec("say before\ncrash"), ParserKind::Raw).await;
    let bin = boo_testkit::fake_claude::binary().display().to_string();
    assert_eq!(
        outcome.end,
        TurnEnd::Failed(format!(
            "{bin} failed (exit code 1)\noutput:\nbefore\nfake-claude: crashing mid-turn"
        ))
    );
}

/// The real Claude Code, when `BOO_CLAUDE` names its binary and
/// `BOO_CLAUDE_API` a Messages API it may use (a scripted one: the prompt
/// `please read note.txt` is answered with a Read, whose result may be a denied
/// permission, and `hi there` never). Neither is set in CI: the test says so and
/// returns.
#[tokio::test]
async fn the_real_claude_code_when_available() {
    let (Some(bin), Some(api)) = (
        std::env::var_os("BOO_CLAUDE"),
        std::env::var_os("BOO_CLAUDE_API"),
    ) else {
        eprintln!("BOO_CLAUDE / BOO_CLAUDE_API unset: not running the real Claude Code");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let real = |prompt: &str| {
        let mut argv = PtyCommand::claude().render(prompt, None);
        argv[0] = bin.to_string_lossy().into_owned();
        PtySpec::new(argv, home.path())
            .env("HOME", home.path())
            .env("ANTHROPIC_API_KEY", "sk-test")
            .env("ANTHROPIC_BASE_URL", &api)
    };
    std::fs::write(home.path().join("note.txt"), "hello\n").unwrap();
    let (events, outcome) = turn(real("please read note.txt"), ParserKind::StreamJson).await;
    eprintln!("{events:#?}\n{outcome:?}");
    assert_eq!(outcome.end, TurnEnd::Complete);
    assert!(outcome.session_id.is_some());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AgentEvent::ToolCall(t) if t.kind == "read" && t.status != "in_progress")),
        "{events:?}"
    );

    // Cancelled while it waits for the API.
    let (tx, mut rx) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let (spec, stop) = (real("hi there"), cancel.clone());
    let task =
        tokio::spawn(async move { run_turn(&spec, ParserKind::StreamJson, tx, stop, GRACE).await });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(15), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    eprintln!("cancelled in {:?}: {outcome:?}", started.elapsed());
    while let Ok(ev) = rx.try_recv() {
        eprintln!("{ev:?}");
    }
    assert_eq!(outcome.end, TurnEnd::Cancelled);
}
