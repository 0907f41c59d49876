//! The tool loop: native and text-written calls, budget, doom loop, ask_user_input.

use boo_shared::chat::{MessageStatus, PartKind, Role};
use boo_testkit::fake_llm::{Event, Reply};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::fixture::{Fx, LIMIT, call};

fn parts(m: &boo_shared::chat::Message) -> Vec<(PartKind, Option<String>, Option<String>)> {
    m.parts
        .iter()
        .map(|p| {
            (
                p.kind,
                p.tool_name.clone(),
                p.content.clone().or(p.result.clone()),
            )
        })
        .collect()
}

#[tokio::test]
async fn native_tool_calls_run_and_their_results_go_back_to_the_model() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("Let me read it.").with_tool_call(
        "c1",
        "read_file",
        json!({"path": "notes.txt"}),
    ));
    fx.llm.push(Reply::text("It says 42."));
    let acc = fx.send("what is in notes.txt?").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let answer = &all[1];
    assert_eq!(
        (answer.status, answer.content.as_str()),
        (MessageStatus::Complete, "Let me read it.It says 42.")
    );
    let p = parts(answer);
    assert_eq!(p[0], (PartKind::Text, None, Some("Let me read it.".into())));
    assert_eq!(
        (p[1].0, p[1].1.as_deref()),
        (PartKind::ToolCall, Some("read_file"))
    );
    assert_eq!(
        (p[2].0, p[2].1.as_deref()),
        (PartKind::ToolResult, Some("read_file"))
    );
    assert!(
        p[2].2.as_deref().unwrap().contains("the answer is 42"),
        "{:?}",
        p[2]
    );
    assert_eq!(p[3], (PartKind::Text, None, Some("It says 42.".into())));
    // Second request: assistant with tool_calls, then the tool result.
    let reqs = fx.llm.requests();
    assert_eq!(reqs.len(), 2);
    let msgs = reqs[1]["messages"].as_array().unwrap();
    let n = msgs.len();
    assert_eq!(msgs[n - 2]["role"], "assistant");
    assert_eq!(
        msgs[n - 2]["tool_calls"][0]["function"]["name"],
        "read_file"
    );
    assert_eq!(msgs[n - 1]["role"], "tool");
    assert_eq!(msgs[n - 1]["tool_call_id"], "c1");
    assert!(
        msgs[n - 1]["content"]
            .as_str()
            .unwrap()
            .contains("the answer is 42")
    );
    // Tools were offered, ask_user_input included.
    let names: Vec<&str> = reqs[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    for want in [
        "read_file",
        "list_dir",
        "glob",
        "grep",
        "git_status",
        "web_fetch",
        "web_search",
        "view_truncated_output",
        "ask_user_input",
        "read_terminal",
        "read_tab_by_number",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
}

#[tokio::test]
async fn tool_calls_written_as_text_across_chunks_are_parsed_and_stripped() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::chunks(vec![
        Event::Content("Checking.\n<tool".into()),
        Event::Content("_call>{\"name\": \"read_".into()),
        Event::Content("file\", \"arguments\": {\"path\": \"notes.txt\"}}</tool_".into()),
        Event::Content("call>".into()),
    ]));
    fx.llm.push(Reply::text("Found it."));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("read notes").await;
    let frames = ws.until_complete(acc.assistant_message_id).await;
    let deltas = super::fixture::joined(&frames, "delta", acc.assistant_message_id);
    assert!(!deltas.contains("tool_call"), "markup leaked: {deltas:?}");
    let call = frames.iter().find(|f| f["type"] == "tool_call").unwrap();
    assert_eq!(
        (call["name"].as_str(), &call["arguments"]),
        (Some("read_file"), &json!({"path": "notes.txt"}))
    );
    let result = frames.iter().find(|f| f["type"] == "tool_result").unwrap();
    assert!(
        result["result"]
            .as_str()
            .unwrap()
            .contains("the answer is 42")
    );
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].content, "Checking.Found it.");
}

#[tokio::test]
async fn placeholder_arguments_are_kept_as_prose() {
    let fx = Fx::start().await;
    let raw =
        "<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"<path>\"}}</tool_call>";
    fx.llm.push(Reply::text(raw));
    let acc = fx.send("example?").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].content, raw);
    assert_eq!(fx.llm.requests().len(), 1, "no tool ran, no second round");
}

#[tokio::test]
async fn the_tool_budget_ends_the_turn_with_a_cap_hit_sentinel() {
    let fx = Fx::start_with(|s| s.chat.max_tool_calls = 2).await;
    for i in 0..3 {
        fx.llm.push(Reply::tool_call(
            &format!("c{i}"),
            "list_dir",
            json!({"depth": 1 + (i % 3)}),
        ));
    }
    let mut ws = fx.ws(None).await;
    let acc = fx.send("explore").await;
    let frames = ws.until_complete(acc.assistant_message_id).await;
    let sentinel = frames
        .iter()
        .find(|f| f["type"] == "sentinel")
        .expect("a sentinel frame");
    assert_eq!(
        sentinel["message"]["metadata"],
        json!({"kind": "cap_hit", "limit": 2})
    );
    assert_eq!(
        frames.iter().filter(|f| f["type"] == "tool_result").count(),
        2
    );
    let all = fx.wait_final(acc.assistant_message_id).await;
    let roles: Vec<Role> = all.iter().map(|m| m.role).collect();
    assert_eq!(roles, vec![Role::User, Role::Assistant, Role::System]);
    assert_eq!(all[1].status, MessageStatus::Complete);
    // Sentinels never reach the model: the next turn's request has no system row but the prompt.
    fx.llm.push(Reply::text("ok"));
    let next = fx.send("again").await;
    fx.wait_final(next.assistant_message_id).await;
    let reqs = fx.llm.requests();
    let last = reqs.last().unwrap()["messages"].as_array().unwrap().clone();
    assert_eq!(last.iter().filter(|m| m["role"] == "system").count(), 1);
    assert!(!last.iter().any(|m| {
        m["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("Stopped after"))
    }));
}

#[tokio::test]
async fn the_same_call_three_times_is_a_doom_loop() {
    let fx = Fx::start().await;
    for i in 0..4 {
        fx.llm.push(Reply::tool_call(
            &format!("d{i}"),
            "read_file",
            json!({"path": "notes.txt"}),
        ));
    }
    let acc = fx.send("loop").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let results = all[1]
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::ToolResult)
        .count();
    assert_eq!(results, 2);
    let sentinel = all
        .iter()
        .find(|m| m.role == Role::System)
        .expect("doom_loop sentinel");
    assert_eq!(
        sentinel.metadata,
        json!({"kind": "doom_loop", "tool": "read_file", "arguments": {"path": "notes.txt"}, "repeats": 3})
    );
    assert_eq!(fx.llm.requests().len(), 3);
}

#[tokio::test]
async fn ask_user_input_waits_for_the_owners_answer() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::tool_call(
        "q1",
        "ask_user_input",
        json!({"question": "Which file?", "options": ["a", "b"]}),
    ));
    fx.llm.push(Reply::text("Thanks, b it is."));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("help").await;
    let card = ws.until(|f| f["type"] == "tool_call").await.pop().unwrap();
    assert_eq!(
        (card["name"].as_str(), card["call_id"].as_str()),
        (Some("ask_user_input"), Some("q1"))
    );
    let answers = fx.url(&format!("/api/chats/{}/answers", fx.chat.id));
    let (status, body) = call(
        &fx.http,
        reqwest::Method::POST,
        &answers,
        Some(json!({"call_id": "nope", "answer": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("no_open_question"))
    );
    let (status, _) = call(
        &fx.http,
        reqwest::Method::POST,
        &answers,
        Some(json!({"call_id": "q1", "answer": "b"})),
    )
    .await;
    assert_eq!(status, 204);
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].content, "Thanks, b it is.");
    let reqs = fx.llm.wait_requests(2, LIMIT).await;
    let last: &Value = reqs[1]["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last,
        &json!({"role": "tool", "tool_call_id": "q1", "content": "b"})
    );
}

#[tokio::test]
async fn tools_refuse_paths_outside_the_project() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::tool_call(
        "e1",
        "read_file",
        json!({"path": "../../etc/passwd"}),
    ));
    fx.llm.push(Reply::text("Cannot."));
    let acc = fx.send("read passwd").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let result = all[1]
        .parts
        .iter()
        .find(|p| p.kind == PartKind::ToolResult)
        .unwrap();
    assert!(result.is_error);
    assert!(
        result
            .result
            .as_deref()
            .unwrap()
            .contains("escapes the project root"),
        "{:?}",
        result.result
    );
}

/// `(tool, is_error, result)` of every tool result in `m`.
fn results(m: &boo_shared::chat::Message) -> Vec<(String, bool, String)> {
    m.parts
        .iter()
        .filter(|p| p.kind == PartKind::ToolResult)
        .map(|p| {
            (
                p.tool_name.clone().unwrap_or_default(),
                p.is_error,
                p.result.clone().unwrap_or_default(),
            )
        })
        .collect()
}

const ONLY_PUBLIC: &str =
    "; only public addresses are fetched, unless chat.web_fetch_allow lists the host";

/// Through the whole daemon: a link made inside an existing project, the daemon's
/// own port, and then the project directory swapped for a link to `/etc`.
#[tokio::test]
async fn links_and_local_addresses_are_refused_at_use() {
    let tmp = std::env::temp_dir().canonicalize().unwrap();
    let roots = vec![tmp.clone()];
    let fx = Fx::start_with(|s| s.chat.project_roots = roots).await;
    let project = std::path::PathBuf::from(&fx.project.path);
    std::os::unix::fs::symlink("/etc", project.join("etc")).unwrap();
    let own = fx.url("/api/projects");
    fx.llm.push(
        Reply::tool_call("t1", "read_file", json!({"path": "etc/passwd"}))
            .with_tool_call("t2", "grep", json!({"pattern": "root"}))
            .with_tool_call("t3", "list_dir", json!({"path": "etc"}))
            .with_tool_call("t4", "web_fetch", json!({"url": own})),
    );
    fx.llm.push(Reply::text("Refused."));
    let acc = fx.send("read /etc through the link").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let escape = |p: &str| {
        format!("error: path {p:?} goes through a symlink that points outside the project root")
    };
    assert_eq!(
        results(&all[1]),
        vec![
            ("read_file".to_owned(), true, escape("etc/passwd")),
            (
                "grep".to_owned(),
                false,
                r#"No matches for "root"."#.to_owned()
            ),
            ("list_dir".to_owned(), true, escape("etc")),
            (
                "web_fetch".to_owned(),
                true,
                format!("error: web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}")
            ),
        ]
    );

    // The project row stays; its directory now leads to /etc.
    let real = tmp.join(format!(
        "{}.real",
        project.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::rename(&project, &real).unwrap();
    std::os::unix::fs::symlink("/etc", &project).unwrap();
    fx.llm.push(Reply::tool_call(
        "t5",
        "read_file",
        json!({"path": "passwd"}),
    ));
    fx.llm.push(Reply::text("Still refused."));
    let acc = fx.send("and now?").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let got = results(&all[3]);
    std::fs::remove_file(&project).unwrap();
    std::fs::rename(&real, &project).unwrap();
    assert_eq!(
        got,
        vec![(
            "read_file".to_owned(),
            true,
            format!(
                "error: the project directory {project:?} resolves to \"/etc\", which is outside \
                 chat.project_roots; no tool reads it until it is back inside"
            )
        )]
    );
}
