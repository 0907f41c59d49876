//! A CLI without ACP run by the whole daemon in a PTY (CODER-8): the scripted
//! stream-json CLI `boo-fake-claude` (crate boo-testkit, Claude Code's flags and
//! wire format) as a `transport = "pty"` provider. Text, a tool use and usage come
//! out as the same message, tool-call parts and `agent_sessions` numbers an ACP
//! agent's do; the next turn resumes the CLI's session; a cancel and a crash end
//! their turns and leave no process behind.

use std::path::Path;
use std::time::Duration;

use boo_shared::chat::PartKind;
use boo_testkit::wait_for;
use pretty_assertions::assert_eq;

use super::real_agent::toml_str;
use super::turns::{Fx, fx_with};

const LIMIT: Duration = Duration::from_secs(30);

/// boocoder whose `cli` provider is the scripted stream-json CLI in a PTY.
async fn fx() -> Fx {
    fx_with("cli", |_, providers: &Path| {
        let bin = boo_testkit::fake_claude::binary();
        let toml = format!(
            "[providers.cli]\ntransport = \"pty\"\nparser = \"stream-json\"\ncommand = {}\n\
             args = [\"-p\", \"--output-format\", \"stream-json\", \"--verbose\", \
             \"--include-partial-messages\", \"[--resume {{session_id}}]\", \"--\", \"{{prompt}}\"]\n",
            toml_str(bin.to_str().unwrap())
        );
        std::fs::write(providers, toml).unwrap();
    })
    .await
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
    let pid = wait_for("the CLI to say its pid", LIMIT, || async {
        let text: Option<String> =
            sqlx::query_scalar("SELECT content FROM messages WHERE task_id = $1")
                .bind(acc.task_id)
                .fetch_optional(&f.pool)
                .await
                .unwrap();
        text.filter(|t| t.contains("pid ")).map(|t| said_pid(&t))
    })
    .await;
    let cancelled: serde_json::Value = f
        .post_ok(&format!("/api/tasks/{}/cancel", acc.task_id))
        .await;
    assert_eq!(cancelled["cancelled"], true);
    let (status, _) = f.wait_task(acc.task_id).await;
    assert_eq!(status, "cancelled");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the cancelled CLI {pid} is gone"
    );

    // A crash mid-turn fails it with what the CLI printed.
    let (status, error, message) = f.turn_within("pid\nsay partial answer\ncrash", LIMIT).await;
    let pid = said_pid(&message.content);
    assert_eq!(status, "failed");
    let error = error.unwrap_or_default();
    assert!(error.contains("exit"), "{error}");
    assert!(
        message.content.contains("partial answer"),
        "{}",
        message.content
    );
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the crashed CLI {pid} is gone"
    );

    // The chat goes on after both.
    let (status, after) = f.turn("say still here").await;
    assert_eq!(
        (status.as_str(), after.content.as_str()),
        ("completed", "still here")
    );
}
