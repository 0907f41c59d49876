//! A CLI without ACP run by the whole daemon in a PTY (CODER-8): the scripted
//! stream-json CLI `boo-fake-claude` (crate boo-testkit, Claude Code's flags and
//! wire format) as a `transport = "pty"` provider. Text, a tool use and usage come
//! out as the same message, tool-call parts and `agent_sessions` numbers an ACP
//! agent's do; the next turn resumes the CLI's session; a cancel and a crash end
//! their turns and leave no process behind (all inside the sandbox). The chat's
//! mode and model reach a CLI whose template takes them and are reported not
//! applied for one whose template does not.

use std::path::Path;
use std::time::Duration;

use boo_shared::chat::PartKind;
use boo_testkit::wait_for;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::real_agent::{agent_children, sandboxed_fx, toml_str, tree_of, worktree};
use boo_proto::coder::v1::SubmitTaskRequest;
use boo_proto::coder::v1::coder_service_client::CoderServiceClient;
use boo_shared::coder::TurnAccepted;

use super::turns::Fx;

const LIMIT: Duration = Duration::from_secs(30);

/// boocoder, sandboxed, whose `cli` provider is the scripted stream-json CLI in a
/// PTY with Claude Code's template (mode and model passed), and whose `bare`
/// provider is the same CLI with a template that takes neither.
async fn fx() -> Fx {
    sandboxed_fx("cli", |_, providers: &Path| {
        let bin = toml_str(boo_testkit::fake_claude::binary().to_str().unwrap());
        let toml = format!(
            "[providers.cli]\ntransport = \"pty\"\nparser = \"stream-json\"\ncommand = {bin}\n\
             args = [\"-p\", \"--output-format\", \"stream-json\", \"--verbose\", \
             \"--include-partial-messages\", \"--permission-mode\", \"{{mode|acceptEdits}}\", \
             \"[--model {{model}}]\", \"[--resume {{session_id}}]\", \"--\", \"{{prompt}}\"]\n\
             [providers.bare]\ntransport = \"pty\"\nparser = \"stream-json\"\ncommand = {bin}\n\
             args = [\"-p\", \"--output-format\", \"stream-json\", \"--verbose\", \"--\", \"{{prompt}}\"]\n",
        );
        std::fs::write(providers, toml).unwrap();
    })
    .await
}

/// The CLI's processes now: the sandbox's process under boocoder in the
/// session's worktree and everything below it (the CLI runs in the sandbox's
/// pid namespace, so the pid it says is not one seen from here).
async fn cli_processes(f: &Fx) -> Vec<u32> {
    let dir = worktree(f).await;
    agent_children(&dir).into_iter().flat_map(tree_of).collect()
}

/// Whether none of `pids` lives any more.
fn all_gone(pids: &[u32]) -> bool {
    pids.iter()
        .all(|p| !Path::new(&format!("/proc/{p}")).exists())
}

/// The pid a `pid` command said in `text`.
fn said_pid(text: &str) -> u32 {
    text.split_once("pid ")
        .map(|(_, rest)| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {text:?}"))
}

#[tokio::test]
async fn a_cli_in_a_pty_streams_text_tools_and_usage_and_resumes_its_session() {
    let f = fx().await;
    let (status, first) = f
        .turn("say hello from the cli\ntool Read {\"file_path\":\"README.md\"}\nusage 10 5 0.25")
        .await;
    assert_eq!(status, "completed", "{first:?}");
    assert_eq!(first.content, "hello from the cli");
    let tools: Vec<(String, String, String)> = first
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::ToolCall)
        .map(|p| {
            let a = p.metadata.clone().unwrap_or_default();
            (
                a["kind"].as_str().unwrap_or_default().to_owned(),
                a["status"].as_str().unwrap_or_default().to_owned(),
                a["locations"][0].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        tools,
        vec![(
            "read".to_owned(),
            "completed".to_owned(),
            "README.md".to_owned()
        )]
    );
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(
        (
            row.backend.as_str(),
            row.input_tokens,
            row.output_tokens,
            row.start_kind.as_deref()
        ),
        ("pty", 10, 5, Some("new"))
    );
    let cli_session = row
        .agent_session_id
        .clone()
        .expect("the CLI named its session");

    // The next turn runs the CLI again, resuming the same session.
    let (status, second) = f.turn("say again").await;
    assert_eq!(
        (status.as_str(), second.content.as_str()),
        ("completed", "again")
    );
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(row.agent_session_id, Some(cli_session));
}

#[tokio::test]
async fn a_cancel_and_a_crash_end_their_turns_and_leave_no_process() {
    let f = fx().await;
    // Cancel: the CLI is interrupted (its process group), the turn ends cancelled.
    let acc = f.send("pid\nhang").await;
    wait_for("the CLI to say its pid", LIMIT, || async {
        let text: Option<String> =
            sqlx::query_scalar("SELECT content FROM messages WHERE task_id = $1")
                .bind(acc.task_id)
                .fetch_optional(&f.pool)
                .await
                .unwrap();
        text.filter(|t| t.contains("pid ")).map(|t| said_pid(&t))
    })
    .await;
    let running = cli_processes(&f).await;
    assert!(!running.is_empty(), "the CLI runs in the sandbox");
    let cancelled: serde_json::Value = f
        .post_ok(&format!("/api/tasks/{}/cancel", acc.task_id))
        .await;
    assert_eq!(cancelled["cancelled"], true);
    let (status, _) = f.wait_task(acc.task_id).await;
    assert_eq!(status, "cancelled");
    wait_for("the cancelled CLI to be gone", LIMIT, || async {
        all_gone(&running).then_some(())
    })
    .await;

    // A crash mid-turn fails it with what the CLI printed.
    let acc = f.send("pid\nsay partial answer\nsleep 500\ncrash").await;
    let running = wait_for("the CLI to run", LIMIT, || async {
        Some(cli_processes(&f).await).filter(|p| !p.is_empty())
    })
    .await;
    let (status, error) = f.wait_task_within(acc.task_id, LIMIT).await;
    let message = f.answer(acc.task_id).await;
    assert_eq!(status, "failed");
    let error = error.unwrap_or_default();
    assert!(error.contains("exit"), "{error}");
    assert!(
        message.content.contains("partial answer"),
        "{}",
        message.content
    );
    wait_for("the crashed CLI to be gone", LIMIT, || async {
        all_gone(&running).then_some(())
    })
    .await;

    // The chat goes on after both.
    let (status, after) = f.turn("say still here").await;
    assert_eq!(
        (status.as_str(), after.content.as_str()),
        ("completed", "still here")
    );
}

/// Send `prompt` to `provider` with a mode and model; (status, answer).
async fn turn_as(
    f: &Fx,
    provider: &str,
    prompt: &str,
    mode: Option<&str>,
    model: Option<&str>,
) -> (String, String) {
    let path = format!("/api/sessions/{}/chats/{}/messages", f.session, f.chat);
    let body = json!({"content": prompt, "provider": provider, "mode": mode, "model": model});
    let acc: TurnAccepted = boo_testkit::http::post(&f.http, &f.url(&path), body, 202).await;
    let (status, _) = f.wait_task_within(acc.task_id, LIMIT).await;
    (status, f.answer(acc.task_id).await.content)
}

#[tokio::test]
async fn the_chats_mode_and_model_reach_a_cli_that_takes_them_and_are_reported_not_applied_otherwise()
 {
    let f = fx().await;
    // No mode chosen: the template's default permission mode.
    assert_eq!(
        turn_as(&f, "cli", "config", None, None).await,
        (
            "completed".to_owned(),
            "permission mode acceptEdits, model claude-fake-1".to_owned()
        )
    );
    assert_eq!(
        turn_as(&f, "cli", "config", Some("plan"), Some("opus")).await,
        (
            "completed".to_owned(),
            "permission mode plan, model opus".to_owned()
        )
    );
    let row = f
        .agent_sessions()
        .await
        .into_iter()
        .find(|r| r.agent == "cli")
        .unwrap();
    assert_eq!(
        (row.mode_id.as_deref(), row.model.as_deref()),
        (Some("plan"), Some("opus"))
    );

    // A template without {mode} / {model}: the run goes on without them, and the
    // chat says they were not applied. (Its first turn here carries the chat's
    // earlier turns, which the fake says back first.)
    let (status, said) = turn_as(&f, "bare", "config", Some("plan"), Some("opus")).await;
    assert_eq!(status, "completed");
    assert!(
        said.ends_with("---permission mode default, model claude-fake-1"),
        "{said}"
    );
    let notices: Vec<(String, Value)> = sqlx::query_as(
        "SELECT content, metadata FROM messages WHERE chat_id = $1 AND role = 'system'",
    )
    .bind(f.chat)
    .fetch_all(&f.pool)
    .await
    .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let (text, meta) = &notices[0];
    assert_eq!(
        (
            &meta["kind"],
            &meta["agent"],
            &meta["settings"][0]["wanted"],
            &meta["settings"][1]["wanted"]
        ),
        (
            &json!("config_mismatch"),
            &json!("bare"),
            &json!("plan"),
            &json!("opus")
        ),
        "{text}"
    );
    assert!(
        text.contains("bare runs in a terminal and its command template has no {mode}"),
        "{text}"
    );
    let row = f
        .agent_sessions()
        .await
        .into_iter()
        .find(|r| r.agent == "bare")
        .unwrap();
    assert_eq!((row.mode_id, row.model), (None, None));
}

#[tokio::test]
async fn a_task_without_a_chat_runs_the_cli_once_and_a_cancel_stops_it() {
    let f = fx().await;
    let grpc = f.daemon.as_ref().unwrap().grpc_url();
    let mut client = CoderServiceClient::new(boo_testkit::channel(&grpc).await);
    let mut submit = async |prompt: &str| -> Uuid {
        let resp = client
            .submit_task(SubmitTaskRequest {
                session_id: f.session.to_string(),
                chat_id: String::new(),
                agent: "cli".into(),
                prompt: prompt.into(),
            })
            .await
            .unwrap()
            .into_inner();
        resp.task_id.parse().unwrap()
    };
    let done = submit("say done without a chat").await;
    assert_eq!(
        f.wait_task_within(done, LIMIT).await,
        ("completed".to_owned(), None)
    );
    assert_eq!(
        f.agent_sessions().await,
        vec![],
        "no chat, no agent session"
    );

    let hanging = submit("hang").await;
    let running = wait_for("the CLI to run", LIMIT, || async {
        Some(cli_processes(&f).await).filter(|p| !p.is_empty())
    })
    .await;
    let cancelled: Value = f.post_ok(&format!("/api/tasks/{hanging}/cancel")).await;
    assert_eq!(cancelled["cancelled"], true);
    let (status, _) = f.wait_task_within(hanging, LIMIT).await;
    assert_eq!(status, "cancelled");
    wait_for("the cancelled CLI to be gone", LIMIT, || async {
        all_gone(&running).then_some(())
    })
    .await;
}
