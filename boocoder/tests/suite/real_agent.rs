//! What the real-agent tests share (qwen-code, opencode): finding the installed
//! agent, the warm children of a worktree, and one scenario — two turns in one
//! chat served by one warm child and one ACP session that remembers the first
//! exchange, the agent inside the sandbox, and stopping boocoder stops it.
//!
//! `deploy/test` installs each pinned npm package into a cache and sets its
//! variable (`BOO_QWEN`, `BOO_OPENCODE`), so CI runs these tests; when one is
//! unset (a plain `cargo nextest run`) its test says so and returns.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use boo_shared::chat::MessageStatus;
use boo_shared::coder::AgentSessionStatus;
use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm, Reply};
use boo_testkit::wait_for;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use boo_shared::config::{SandboxMode, SandboxPaths};
use boo_testkit::TestDb;

use super::turns::{Fx, fx_on};

/// The first turn starts the agent (node, a large bundle); the second is warm.
/// Together they stay inside nextest's 120 s limit.
const FIRST_TURN_LIMIT: Duration = Duration::from_secs(60);
const WARM_TURN_LIMIT: Duration = Duration::from_secs(45);

const FIRST_PROMPT: &str = "Remember the code word PELICAN-42 for later.";
const FIRST_ANSWER: &str = "Noted: the code word is PELICAN-42.";
const SECOND_PROMPT: &str = "Which code word did I give you?";
const SECOND_ANSWER: &str = "You gave me PELICAN-42, from your first message.";

/// The agent executable named by `var`, or `None` (said) when it is unset.
pub(super) fn agent_binary(var: &str, package: &str) -> Option<PathBuf> {
    let Some(raw) = std::env::var_os(var).filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipping the real-agent test: {var} is not set (deploy/test installs \
             {package} into a cache and sets it to the executable)"
        );
        return None;
    };
    let path = PathBuf::from(raw);
    assert!(
        path.is_absolute(),
        "{var} must be an absolute path, got {}",
        path.display()
    );
    assert!(
        path.is_file(),
        "{var}={} does not exist (deploy/test installs it)",
        path.display()
    );
    Some(path)
}

/// A TOML basic string.
pub(super) fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// `[providers.<id>]` running `command args…` with `env`.
pub(super) fn provider_toml(
    id: &str,
    command: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> String {
    let args = args
        .iter()
        .map(|a| toml_str(a))
        .collect::<Vec<_>>()
        .join(", ");
    let env = env
        .iter()
        .map(|(k, v)| format!("{k} = {}", toml_str(v)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "[providers.{id}]\ntransport = \"acp\"\ncommand = {}\nargs = [{args}]\nenv = {{ {env} }}\n",
        toml_str(command.to_str().unwrap())
    )
}

/// opencode's private HOME at `home` for the scripted model server at `llm_url`:
/// `~/.config/opencode/opencode.json` with one custom provider through
/// `@ai-sdk/openai-compatible` (bundled with opencode: nothing is downloaded) as
/// the default model, no autoupdate, no sharing, the hidden `title` agent off
/// (it would spend a scripted reply), and `extra` merged into its top level.
/// Returns the environment that points opencode there
/// (`OPENCODE_DISABLE_MODELS_FETCH` keeps it off the models.dev catalogue).
pub(super) fn opencode_home(
    home: &Path,
    llm_url: &str,
    extra: Value,
) -> Vec<(&'static str, String)> {
    let config = home.join(".config/opencode");
    std::fs::create_dir_all(&config).unwrap();
    let mut settings = json!({
        "$schema": "https://opencode.ai/config.json",
        "provider": {
            "boo": {
                "npm": "@ai-sdk/openai-compatible",
                "name": "BooCode test model",
                "options": { "baseURL": llm_url, "apiKey": "test" },
                "models": { DEFAULT_MODEL: { "name": DEFAULT_MODEL } },
            },
        },
        "model": format!("boo/{DEFAULT_MODEL}"),
        "autoupdate": false,
        "share": "disabled",
        "agent": { "title": { "disable": true } },
    });
    if let (Some(s), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    std::fs::write(config.join("opencode.json"), settings.to_string()).unwrap();
    let home = home.to_str().unwrap();
    vec![
        ("HOME", home.to_owned()),
        ("XDG_CONFIG_HOME", format!("{home}/.config")),
        ("XDG_CACHE_HOME", format!("{home}/.cache")),
        ("XDG_DATA_HOME", format!("{home}/.local/share")),
        ("XDG_STATE_HOME", format!("{home}/.local/state")),
        ("OPENCODE_DISABLE_AUTOUPDATE", "1".to_owned()),
        ("OPENCODE_DISABLE_MODELS_FETCH", "1".to_owned()),
        ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
        ("no_proxy", "127.0.0.1,localhost".to_owned()),
    ]
}

/// boocoder with its `provider` agent at `write_providers`' definition, inside the
/// sandbox, the agent's HOME (`<scratch>/home`, named by the provider's env) made
/// writable for it the way an owner loosens the policy for a provider.
pub(super) async fn sandboxed_fx(
    provider: &'static str,
    write_providers: impl FnOnce(&Path, &Path),
) -> Fx {
    sandboxed_fx_with(provider, write_providers, |_| {}).await
}

/// [`sandboxed_fx`] with boocoder's settings adjusted by `tweak`.
pub(super) async fn sandboxed_fx_with(
    provider: &'static str,
    write_providers: impl FnOnce(&Path, &Path),
    tweak: impl FnOnce(&mut boo_shared::config::Settings),
) -> Fx {
    fx_on(TestDb::create().await, provider, write_providers, |s| {
        tweak(s);
        let scratch = s.coder.worktree_root.parent().unwrap().to_path_buf();
        s.coder.sandbox.mode = SandboxMode::Bwrap;
        s.coder.sandbox.providers.insert(
            provider.into(),
            SandboxPaths {
                writable: vec![scratch.join("home")],
                ..SandboxPaths::default()
            },
        );
    })
    .await
}

/// The session's worktree, once a turn made it.
pub(super) async fn worktree(f: &Fx) -> PathBuf {
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

/// `pid` and every process below it (the sandbox's inner processes run in a
/// session of their own, so a signal to the group would miss them).
pub(super) fn tree_of(pid: u32) -> Vec<u32> {
    let parent_of = |p: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    let mut tree = vec![pid];
    let mut grew = true;
    while grew {
        grew = false;
        for &p in &all {
            if !tree.contains(&p) && parent_of(p).is_some_and(|pp| tree.contains(&pp)) {
                tree.push(p);
                grew = true;
            }
        }
    }
    tree
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

/// The scenario (see the module docs) for the agent of provider `agent`, whose
/// boocoder `f` runs on `llm`.
pub(super) async fn two_warm_turns(mut f: Fx, llm: FakeLlm, agent: &str) {
    llm.push(Reply::text(FIRST_ANSWER).with_reasoning("The user gives me a code word."));
    llm.push(Reply::text(SECOND_ANSWER));
    let dump = |what: &str| {
        format!(
            "{what}\nchat requests the fake LLM received:\n{:#}",
            Value::Array(llm.requests())
        )
    };

    // Turn 1: cold — boocoder spawns the agent, initialize + session/new, prompt.
    let started = Instant::now();
    let (status, error, first) = f.turn_within(FIRST_PROMPT, FIRST_TURN_LIMIT).await;
    let cold = started.elapsed();
    assert_eq!(
        (status.as_str(), first.status),
        ("completed", MessageStatus::Complete),
        "{}",
        dump(&format!("first turn: error {error:?}, message {first:#?}"))
    );
    assert_eq!(first.agent.as_deref(), Some(agent));
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
        "one warm {agent} child in {}: {children:?}",
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
        "the same {agent} process served both turns"
    );
    let rows = f.agent_sessions().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (
            rows[0].agent.as_str(),
            rows[0].status,
            rows[0].backend.as_str(),
            &rows[0].agent_session_id,
        ),
        (agent, AgentSessionStatus::Idle, "acp_warm", &acp_session),
        "{rows:#?}"
    );
    // Both report tokens (qwen in `_meta.usage` of its chunks, opencode in the
    // prompt response's `usage`).
    assert!(
        rows[0].input_tokens > 0 && rows[0].output_tokens > 0,
        "{rows:#?}"
    );

    // What the agent sent the model: our model name, one request per turn, and
    // the second request carries the first exchange (one session with memory).
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
        "{agent}: cold turn {cold:?}, warm turn {warm:?}, {} chat requests",
        requests.len()
    );

    // Stopping boocoder stops the agent.
    f.daemon.take().unwrap().stop().await.unwrap();
    wait_for(
        &format!("the {agent} child to be gone"),
        Duration::from_secs(15),
        || async { agent_children(&worktree).is_empty().then_some(()) },
    )
    .await;
    llm.stop().await;
}
