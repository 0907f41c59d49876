//! The real opencode in server mode, run by the whole daemon (issue 15): the
//! `opencode` provider with `transport = "opencode_server"` inside the sandbox,
//! against the scripted model server. One `opencode serve` serves the chat's
//! turns with one opencode session; reasoning is shown once; a tool call asks for
//! permission on the same card ACP agents use; a cancel followed at once by the
//! next message does not let the stopped turn's trailing events end the new one;
//! a server killed while idle is started again by the next turn; usage lands on
//! `agent_sessions`; a server that stops answering (SIGSTOP) while idle is
//! restarted by the health loop. A sub-agent's (the `task` tool's) permission
//! request is the chat's card and its tool calls show in the turn; a cancel with
//! a card open withdraws it. A restarted server that still has the chat's
//! session is `reattached`; one that lost it gets a new session told the chat's
//! transcript (`history`). `BOO_OPENCODE` is the absolute path of `opencode`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use boo_shared::chat::PartKind;
use boo_shared::coder::TurnAccepted;
use boo_testkit::fake_llm::{FakeLlm, Reply};
use boo_testkit::wait_for;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::real_agent::{
    agent_binary, agent_children, opencode_home, sandboxed_fx_with, toml_str, tree_of, worktree,
};
use super::turns::{Fx, next_frame};

const LIMIT: Duration = Duration::from_secs(120);

/// boocoder whose `opencode` provider is the real opencode's server, its HOME
/// configured for `llm`, `bash` asking for permission.
async fn fx(opencode: &Path, llm: &FakeLlm) -> Fx {
    let write_providers = |scratch: &Path, providers: &Path| {
        let env = opencode_home(
            &scratch.join("home"),
            &llm.base_url(),
            json!({ "permission": { "bash": "ask" } }),
        );
        let env = env
            .iter()
            .map(|(k, v)| format!("{k} = {}", toml_str(v)))
            .collect::<Vec<_>>()
            .join(", ");
        let toml = format!(
            "[providers.opencode]\ntransport = \"opencode_server\"\ncommand = {}\n\
             args = [\"serve\"]\nenv = {{ {env} }}\n",
            toml_str(opencode.to_str().unwrap())
        );
        std::fs::write(providers, toml).unwrap();
    };
    // Health checks every second: a server that stops answering is restarted
    // within seconds.
    sandboxed_fx_with("opencode", write_providers, |s| {
        s.coder.opencode_health_secs = 1
    })
    .await
}

/// The text of a message's reasoning parts.
fn reasoning(message: &boo_shared::chat::Message) -> String {
    message
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::Reasoning)
        .filter_map(|p| p.content.clone())
        .collect()
}

#[tokio::test]
async fn opencode_server_mode_serves_a_chat_warm_through_cancel_and_a_killed_server() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let f = fx(&opencode, &llm).await;
    let dump = |what: &str| format!("{what}\nmodel requests: {:#}", Value::Array(llm.requests()));

    // Turn 1: the server starts, a session is made; reasoning shows once.
    llm.push(
        Reply::text("First answer.")
            .with_reasoning("Thinking it over.")
            .usage(120, 5),
    );
    let (status, error, first) = f.turn_within("Say the first answer.", LIMIT).await;
    assert_eq!(
        status,
        "completed",
        "{}",
        dump(&format!("{error:?} {first:#?}"))
    );
    assert_eq!(first.content, "First answer.");
    assert_eq!(reasoning(&first), "Thinking it over.");
    let dir = worktree(&f).await;
    let server = agent_children(&dir);
    assert_eq!(server.len(), 1, "one opencode server: {server:?}");
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(
        (row.backend.as_str(), row.start_kind.as_deref()),
        ("opencode_server", Some("new"))
    );
    let oc_session = row.agent_session_id.clone().expect("an opencode session");
    assert!(oc_session.starts_with("ses"), "{oc_session}");
    assert!(
        row.input_tokens >= 120 && row.output_tokens >= 5,
        "{row:#?}"
    );

    // Turn 2: the same server process and opencode session.
    llm.push(Reply::text("Second answer."));
    let (status, second) = f.turn("Say the second answer.").await;
    assert_eq!(
        (status.as_str(), second.content.as_str()),
        ("completed", "Second answer.")
    );
    assert_eq!(
        agent_children(&dir),
        server,
        "the same server served both turns"
    );
    assert_eq!(
        f.agent_sessions().await[0].agent_session_id,
        Some(oc_session.clone())
    );

    // A tool call asks for permission on the owner's card; the answer goes back.
    let mut ws = f.ws().await;
    llm.push(Reply::tool_call(
        "call_b1",
        "bash",
        json!({"command": "echo hi", "description": "Print hi"}),
    ));
    llm.push(Reply::text("Ran it."));
    let acc = f.send("Run it.").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    assert_eq!(card["tool_call"]["kind"], "execute", "{card:#}");
    let request = card["request_id"].as_str().unwrap();
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    let (status, _) = f.wait_task_within(acc.task_id, LIMIT).await;
    assert_eq!(status, "completed");
    assert!(f.answer(acc.task_id).await.content.contains("Ran it."));

    // Cancel, then the next message at once: the stopped turn's trailing events
    // do not end the new turn.
    llm.push(Reply::text("Working on it").hang());
    let acc = f.send("Take your time.").await;
    wait_for("the hanging turn to stream", LIMIT, || async {
        let text: Option<String> =
            sqlx::query_scalar("SELECT content FROM messages WHERE task_id = $1")
                .bind(acc.task_id)
                .fetch_optional(&f.pool)
                .await
                .unwrap();
        text.filter(|t| t.contains("Working")).map(|_| ())
    })
    .await;
    let cancelled: Value = f
        .post_ok(&format!("/api/tasks/{}/cancel", acc.task_id))
        .await;
    assert_eq!(cancelled["cancelled"], true);
    let (status, _) = f.wait_task_within(acc.task_id, LIMIT).await;
    assert_eq!(status, "cancelled");
    llm.push(Reply::text("After the abort."));
    let (status, error, after) = f.turn_within("And now?", LIMIT).await;
    assert_eq!(
        (status.as_str(), after.content.as_str()),
        ("completed", "After the abort."),
        "{}",
        dump(&format!("{error:?}"))
    );

    // kill -9 of the server while idle: the next turn starts it again.
    kill_server(&server).await;
    llm.push(Reply::text("Back again."));
    let (status, error, back) = f.turn_within("Still there?", LIMIT).await;
    assert_eq!(
        (status.as_str(), back.content.as_str()),
        ("completed", "Back again."),
        "{}",
        dump(&format!("{error:?}"))
    );
    let restarted = agent_children(&dir);
    assert_eq!(restarted.len(), 1, "{restarted:?}");
    assert_ne!(restarted, server, "a new server process");
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(
        (row.agent_session_id, row.start_kind.as_deref()),
        (Some(oc_session), Some("reattached")),
        "the chat's opencode session survived the restart, and the row says so"
    );
}

/// kill -9 the process groups of `server` and wait until each is gone (or a
/// zombie until boocoder reaps it).
async fn kill_server(server: &BTreeSet<u32>) {
    for pid in server {
        let killed = std::process::Command::new("kill")
            .args(["-9", "--", &format!("-{pid}")])
            .status()
            .unwrap();
        assert!(killed.success());
    }
    let dead = |pid: &u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true)
    };
    wait_for("the killed server to die", LIMIT, || async {
        server.iter().all(dead).then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_opencode_server_that_stops_answering_is_restarted_by_the_health_loop() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let f = fx(&opencode, &llm).await;
    llm.push(Reply::text("Before."));
    let (status, _, before) = f.turn_within("Say before.", LIMIT).await;
    assert_eq!(
        (status.as_str(), before.content.as_str()),
        ("completed", "Before.")
    );
    let dir = worktree(&f).await;
    let frozen = agent_children(&dir);
    assert_eq!(frozen.len(), 1, "{frozen:?}");
    let oc_session = f.agent_sessions().await[0].agent_session_id.clone();

    // Frozen: alive but silent. No turn runs, so the health loop restarts it.
    for pid in frozen.iter().flat_map(|p| tree_of(*p)) {
        let sent = std::process::Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -STOP {pid}");
    }
    let restarted = wait_for("the health loop to start a new server", LIMIT, || async {
        let now = agent_children(&dir);
        (now.len() == 1 && now != frozen).then_some(now)
    })
    .await;
    assert!(
        frozen
            .iter()
            .all(|p| !Path::new(&format!("/proc/{p}")).exists()),
        "the frozen server was stopped and reaped"
    );
    llm.push(Reply::text("After."));
    let (status, _, after) = f.turn_within("Say after.", LIMIT).await;
    assert_eq!(
        (status.as_str(), after.content.as_str()),
        ("completed", "After.")
    );
    assert_eq!(
        agent_children(&dir),
        restarted,
        "the turn ran on the new server"
    );
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(
        (row.agent_session_id.clone(), row.start_kind.as_deref()),
        (oc_session.clone(), Some("reattached"))
    );

    // A server that comes back without the chat's session (its storage gone):
    // a new session is made and told the chat's transcript.
    let data = f
        .settings
        .coder
        .worktree_root
        .parent()
        .unwrap()
        .join("home/.local/share/opencode");
    for db in ["opencode.db", "opencode.db-wal", "opencode.db-shm"] {
        let _ = std::fs::remove_file(data.join(db));
    }
    kill_server(&restarted).await;
    llm.push(Reply::text("Starting over."));
    let (status, error, over) = f.turn_within("Do you remember?", LIMIT).await;
    assert_eq!(
        (status.as_str(), over.content.as_str()),
        ("completed", "Starting over."),
        "{error:?}"
    );
    let row = f.agent_sessions().await.remove(0);
    assert_eq!(row.start_kind.as_deref(), Some("history"));
    let new_session = row.agent_session_id.expect("a new opencode session");
    assert_ne!(Some(new_session), oc_session);
    let asked = llm.requests().last().unwrap().to_string();
    for said in [
        "Say before.",
        "Before.",
        "Say after.",
        "After.",
        "Do you remember?",
    ] {
        assert!(
            asked.contains(said),
            "{said:?} in the new session's first prompt: {asked}"
        );
    }
}

#[tokio::test]
async fn a_sub_agents_requests_are_asked_and_an_abort_withdraws_an_open_card() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let f = fx(&opencode, &llm).await;
    let dump = |what: &str| format!("{what}\nmodel requests: {:#}", Value::Array(llm.requests()));
    let mut ws = f.ws().await;

    // The model hands the work to a sub-agent (the `task` tool); the sub-agent's
    // bash call asks the owner on the chat's card, and its tool call shows.
    llm.push(Reply::tool_call(
        "call_t",
        "task",
        json!({"description": "Look around", "prompt": "Run echo sub.", "subagent_type": "general"}),
    ));
    llm.push(Reply::tool_call(
        "call_s",
        "bash",
        json!({"command": "echo sub", "description": "Print sub"}),
    ));
    llm.push(Reply::text("Sub done."));
    llm.push(Reply::text("Delegated."));
    let acc = f.send("Delegate it.").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    assert_eq!(
        (
            card["task_id"].as_str(),
            card["tool_call"]["id"].as_str(),
            card["tool_call"]["raw_input"]["command"].as_str()
        ),
        (
            Some(acc.task_id.to_string().as_str()),
            Some("call_s"),
            Some("echo sub")
        ),
        "{card:#}"
    );
    let request = card["request_id"].as_str().unwrap().to_owned();
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    let (status, error) = f.wait_task_within(acc.task_id, LIMIT).await;
    assert_eq!(status, "completed", "{}", dump(&format!("{error:?}")));
    let answer = f.answer(acc.task_id).await;
    assert!(answer.content.contains("Delegated."), "{answer:#?}");
    let calls: Vec<(String, Option<String>)> = answer
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::ToolCall)
        .map(|p| (p.call_id.clone().unwrap_or_default(), p.tool_name.clone()))
        .collect();
    assert!(
        calls.iter().any(|(id, _)| id == "call_t") && calls.iter().any(|(id, _)| id == "call_s"),
        "the task call and the sub-agent's bash call: {calls:?}"
    );

    // Cancel while a card is open: the card is withdrawn, the turn cancelled,
    // and the next one runs.
    llm.push(Reply::tool_call(
        "call_b2",
        "bash",
        json!({"command": "echo again", "description": "Print again"}),
    ));
    let acc = f.send("Run it again.").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    let request = card["request_id"].as_str().unwrap().to_owned();
    let cancelled: Value = f
        .post_ok(&format!("/api/tasks/{}/cancel", acc.task_id))
        .await;
    assert_eq!(cancelled["cancelled"], true);
    let resolved = next_frame(&mut ws, "request_resolved").await;
    assert_eq!(
        (
            resolved["request_id"].as_str(),
            resolved["outcome"].as_str()
        ),
        (Some(request.as_str()), Some("withdrawn"))
    );
    let (status, _) = f.wait_task_within(acc.task_id, LIMIT).await;
    assert_eq!(status, "cancelled");
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "once"})),
        )
        .await;
    assert_eq!(
        resp.status().as_u16(),
        409,
        "a withdrawn card takes no answer"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "no_open_request", "{body:#}");
    // A model without its provider is refused before the prompt (opencode
    // would not know where to send it); the turn runs on the model it had.
    llm.push(Reply::text("After the card."));
    let path = format!("/api/sessions/{}/chats/{}/messages", f.session, f.chat);
    let body = json!({"content": "And now?", "provider": "opencode", "model": "gpt-9"});
    let acc: TurnAccepted = boo_testkit::http::post(&f.http, &f.url(&path), body, 202).await;
    let (status, error) = f.wait_task_within(acc.task_id, LIMIT).await;
    let after = f.answer(acc.task_id).await;
    assert_eq!(
        (status.as_str(), after.content.as_str()),
        ("completed", "After the card."),
        "{}",
        dump(&format!("{error:?}"))
    );
    let notice: (String, Value) = sqlx::query_as(
        "SELECT content, metadata FROM messages WHERE chat_id = $1 AND role = 'system'",
    )
    .bind(f.chat)
    .fetch_one(&f.pool)
    .await
    .unwrap();
    assert_eq!(
        (
            &notice.1["kind"],
            &notice.1["settings"][0]["wanted"],
            &notice.1["settings"][0]["error"]
        ),
        (
            &json!("config_mismatch"),
            &json!("gpt-9"),
            &json!("opencode models are `provider/model`")
        ),
        "{}",
        notice.0
    );
}
