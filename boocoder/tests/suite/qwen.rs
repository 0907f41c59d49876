//! A real agent: Qwen Code (`@qwen-code/qwen-code` from npm) in ACP mode, run by
//! the whole daemon against the scripted OpenAI-compatible server
//! (`boo_testkit::fake_llm`). Two turns in one chat must be served by one warm
//! child and one ACP session that remembers the first exchange.
//!
//! `BOO_QWEN` is the absolute path of the `qwen` executable. `deploy/test` installs
//! the pinned package into a cache and always sets it, so CI runs this test; when
//! it is unset (a plain `cargo nextest run`) the test says so and returns.
//!
//! qwen runs inside the sandbox (bwrap) as `qwen --acp --auth-type openai` with `OPENAI_BASE_URL`,
//! `OPENAI_API_KEY` and `OPENAI_MODEL`, a private `HOME` (and `QWEN_HOME`), and a
//! `settings.json` there that turns off usage statistics (otherwise it posts to
//! Aliyun RUM), telemetry and update checks. `QWEN_DISABLE_AUTO_TITLE=1` keeps it
//! from spending an extra model request on a session title.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use boo_shared::chat::MessageStatus;
use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm, Reply};
use boo_testkit::wait_for;
use pretty_assertions::assert_eq;
use serde_json::Value;

use boo_shared::config::{SandboxMode, SandboxPaths};
use boo_testkit::TestDb;

use super::turns::{Fx, fx_on};

/// The first turn starts node and qwen (a 26 MB bundle); the second is warm.
/// Together they stay inside nextest's 120 s limit.
const FIRST_TURN_LIMIT: Duration = Duration::from_secs(60);
const WARM_TURN_LIMIT: Duration = Duration::from_secs(45);

const FIRST_PROMPT: &str = "Remember the code word PELICAN-42 for later.";
const FIRST_ANSWER: &str = "Noted: the code word is PELICAN-42.";
const SECOND_PROMPT: &str = "Which code word did I give you?";
const SECOND_ANSWER: &str = "You gave me PELICAN-42, from your first message.";

/// qwen's user settings: nothing phones home, nothing asks.
const QWEN_SETTINGS: &str = r#"{
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
}
"#;

fn qwen_binary() -> Option<PathBuf> {
    let Some(raw) = std::env::var_os("BOO_QWEN").filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipping the real-qwen test: BOO_QWEN is not set (deploy/test installs \
             @qwen-code/qwen-code into a cache and sets it to the qwen executable)"
        );
        return None;
    };
    let path = PathBuf::from(raw);
    assert!(
        path.is_absolute(),
        "BOO_QWEN must be an absolute path, got {}",
        path.display()
    );
    assert!(
        path.is_file(),
        "BOO_QWEN={} does not exist (deploy/test installs it)",
        path.display()
    );
    Some(path)
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// boocoder whose `qwen` provider runs the real qwen against `llm`.
/// qwen runs inside the sandbox (`coder.sandbox.mode = "bwrap"`); its HOME (the
/// provider's env names one in the scratch dir) is made writable for it, the way
/// an owner loosens the policy for a provider.
async fn fx(qwen: &Path, llm: &FakeLlm) -> Fx {
    let write_providers = |scratch: &Path, providers: &Path| {
        let home = scratch.join("home");
        std::fs::create_dir_all(home.join(".qwen")).unwrap();
        std::fs::write(home.join(".qwen/settings.json"), QWEN_SETTINGS).unwrap();
        let home_str = home.to_str().unwrap();
        let env = [
            ("OPENAI_BASE_URL", llm.base_url()),
            ("OPENAI_API_KEY", "test".to_owned()),
            ("OPENAI_MODEL", DEFAULT_MODEL.to_owned()),
            ("HOME", home_str.to_owned()),
            ("QWEN_HOME", format!("{home_str}/.qwen")),
            ("XDG_CONFIG_HOME", format!("{home_str}/.config")),
            ("XDG_CACHE_HOME", format!("{home_str}/.cache")),
            ("XDG_DATA_HOME", format!("{home_str}/.local/share")),
            ("QWEN_DISABLE_AUTO_TITLE", "1".to_owned()),
            ("QWEN_CODE_DISABLE_PRECONNECT", "1".to_owned()),
            ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
            ("no_proxy", "127.0.0.1,localhost".to_owned()),
            ("NO_COLOR", "1".to_owned()),
        ]
        .iter()
        .map(|(k, v)| format!("{k} = {}", toml_str(v)))
        .collect::<Vec<_>>()
        .join(", ");
        std::fs::write(
            providers,
            format!(
                "[providers.qwen]\ncommand = {}\nargs = [\"--acp\", \"--auth-type\", \"openai\"]\nenv = {{ {env} }}\n",
                toml_str(qwen.to_str().unwrap())
            ),
        )
        .unwrap();
    };
    fx_on(TestDb::create().await, "qwen", write_providers, |s| {
        let scratch = s.coder.worktree_root.parent().unwrap().to_path_buf();
        s.coder.sandbox.mode = SandboxMode::Bwrap;
        s.coder.sandbox.providers.insert(
            "qwen".into(),
            SandboxPaths {
                writable: vec![scratch.join("home")],
                ..SandboxPaths::default()
            },
        );
    })
    .await
}

/// The session's worktree, once a turn made it.
async fn worktree(f: &Fx) -> PathBuf {
    let path: String = sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1")
        .bind(f.session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    PathBuf::from(path).canonicalize().unwrap()
}

/// Live (non-zombie) children of this test process (boocoder runs in it) whose
/// working directory is `cwd`: the warm agents of the session's worktree. Probes
/// run elsewhere (`<worktree_root>/.probe`).
pub(super) fn agent_children(cwd: &Path) -> BTreeSet<u32> {
    let me = std::process::id();
    let mut pids = BTreeSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so split after the ')'.
        let mut rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .unwrap_or_default()
            .split_whitespace();
        let state = rest.next();
        let ppid = rest.next().and_then(|p| p.parse::<u32>().ok());
        if ppid != Some(me) || state == Some("Z") {
            continue;
        }
        if std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|d| d == cwd) {
            pids.insert(pid);
        }
    }
    pids
}

/// The text of an OpenAI chat message (`content` as a string or as parts).
fn content_text(message: &Value) -> String {
    match &message["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// `(role, text)` of every message of a chat completion request.
fn transcript(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    (
                        m["role"].as_str().unwrap_or_default().to_owned(),
                        content_text(m),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the last user message of a request.
fn last_user(request: &Value) -> String {
    transcript(request)
        .into_iter()
        .rev()
        .find(|(role, _)| role == "user")
        .map(|(_, t)| t)
        .unwrap_or_default()
}

#[tokio::test]
async fn qwen_in_acp_mode_serves_two_turns_from_one_warm_session() {
    let Some(qwen) = qwen_binary() else {
        return;
    };
    let llm = FakeLlm::start().await;
    llm.push(Reply::text(FIRST_ANSWER).with_reasoning("The user gives me a code word."));
    llm.push(Reply::text(SECOND_ANSWER));
    let mut f = fx(&qwen, &llm).await;
    let dump = |what: &str| {
        format!(
            "{what}\nchat requests the fake LLM received:\n{:#}",
            Value::Array(llm.requests())
        )
    };

    // Turn 1: cold — boocoder spawns qwen, initialize + session/new, prompt.
    let started = Instant::now();
    let (status, error, first) = f.turn_within(FIRST_PROMPT, FIRST_TURN_LIMIT).await;
    let cold = started.elapsed();
    assert_eq!(
        (status.as_str(), first.status),
        ("completed", MessageStatus::Complete),
        "{}",
        dump(&format!("first turn: error {error:?}, message {first:#?}"))
    );
    assert_eq!(first.agent.as_deref(), Some("qwen"));
    assert!(
        first.content.contains(FIRST_ANSWER),
        "{}",
        dump(&format!("first answer: {:?}", first.content))
    );
    let worktree = worktree(&f).await;
    let children = agent_children(&worktree);
    assert_eq!(
        children.len(),
        1,
        "one warm qwen child in {}: {children:?}",
        worktree.display()
    );
    let rows = f.agent_sessions().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let acp_session = rows[0].agent_session_id.clone();
    assert!(acp_session.is_some(), "{rows:#?}");

    // Turn 2: warm — same child, same ACP session, which remembers turn 1.
    let started = Instant::now();
    let (status, error, second) = f.turn_within(SECOND_PROMPT, WARM_TURN_LIMIT).await;
    let warm = started.elapsed();
    assert_eq!(
        (status.as_str(), second.status),
        ("completed", MessageStatus::Complete),
        "{}",
        dump(&format!(
            "second turn: error {error:?}, message {second:#?}"
        ))
    );
    assert!(
        second.content.contains(SECOND_ANSWER),
        "{}",
        dump(&format!("second answer: {:?}", second.content))
    );
    assert_eq!(
        agent_children(&worktree),
        children,
        "the same qwen process served both turns"
    );
    let rows = f.agent_sessions().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (
            rows[0].agent.as_str(),
            rows[0].status.as_str(),
            rows[0].backend.as_str(),
            &rows[0].agent_session_id,
        ),
        ("qwen", "idle", "acp_warm", &acp_session),
        "{rows:#?}"
    );
    // qwen reports tokens in `_meta.usage` of its message chunks.
    assert!(
        rows[0].input_tokens > 0 && rows[0].output_tokens > 0,
        "{rows:#?}"
    );

    // What qwen sent the model: our model name, one request per turn, and the
    // second request carries the first exchange (one session with memory).
    let requests = llm.requests();
    assert!(requests.len() >= 2, "{}", dump("fewer than two requests"));
    for r in &requests {
        assert_eq!(r["model"], DEFAULT_MODEL, "{}", dump("a request's model"));
    }
    let turn_requests: Vec<&Value> = requests
        .iter()
        .filter(|r| {
            let last = last_user(r);
            last.contains(FIRST_PROMPT) || last.contains(SECOND_PROMPT)
        })
        .collect();
    assert_eq!(
        turn_requests
            .iter()
            .map(|r| last_user(r).contains(SECOND_PROMPT))
            .collect::<Vec<_>>(),
        vec![false, true],
        "{}",
        dump("one request per turn, in order")
    );
    let history = transcript(turn_requests[1]);
    assert!(
        history
            .iter()
            .any(|(role, text)| role == "user" && text.contains(FIRST_PROMPT)),
        "{}",
        dump("the second request lacks the first prompt")
    );
    assert!(
        history
            .iter()
            .any(|(role, text)| role == "assistant" && text.contains(FIRST_ANSWER)),
        "{}",
        dump("the second request lacks the first answer")
    );
    eprintln!(
        "qwen {}: cold turn {cold:?}, warm turn {warm:?}, {} chat requests",
        qwen.display(),
        requests.len()
    );

    // Stopping boocoder stops qwen.
    f.daemon.take().unwrap().stop().await.unwrap();
    wait_for(
        "the qwen child to be gone",
        Duration::from_secs(15),
        || async { agent_children(&worktree).is_empty().then_some(()) },
    )
    .await;
    llm.stop().await;
}
